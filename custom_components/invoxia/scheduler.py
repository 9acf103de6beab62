"""Adaptive polling: learn each tracker's rhythm, poll just after its next fix shows.

A tracker takes a fix every so often while it moves, and some send one an hour or
so while at rest (a keep-alive); each fix shows in the API some seconds after it
was taken. Both rhythms and that delay are learned per tracker, from the times of
its fixes and from the polls that first saw them. The next fix is then expected in
a window: from the shortest to the longest interval of the rhythm after the last
fix, plus the delay. Polls cover it a shortest interval apart until the fix
shows or the window ends. A fix that has not come by then is asked again twice:
60 s later, in case it is late, and as the next fix should have shown, in case
its report went missing. Then the tracker counts as at rest, and only its
keep-alive or the longest interval polls it.
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median
from typing import Final

from .const import MIN_SCAN_INTERVAL

HISTORY: Final = 6
"""How many fixes to fetch of a tracker that moved: one page, whatever the count."""
RHYTHM_SAMPLES: Final = 12
"""How many intervals of each rhythm are kept."""
DELAY_SAMPLES: Final = 10
"""How many fixes' delays are kept."""
MOVING_MAX: Final = timedelta(minutes=15)
"""Intervals up to this are the rhythm of a moving tracker; longer, of one at rest."""
RESTING_MAX: Final = timedelta(hours=6)
"""A longer interval between fixes is a stop, no rhythm."""
DEVIATIONS: Final = 6
"""Intervals further than this many median absolute deviations are no rhythm's."""
NEAR: Final = 0.15
"""Nor are intervals further from their median than this share of it."""
TOLERANCE: Final = 1.0
"""Intervals this close to their median, in s, belong to its rhythm whatever else."""
MARGIN: Final = timedelta(seconds=5)
"""How much wider than learned a window is, on each side."""
LATE: Final = timedelta(seconds=60)
"""How long after its window's end a fix that has not come is asked again."""


@dataclass(frozen=True, slots=True)
class InvoxiaWindow:
    """When a fix expected of a tracker may show in the API: `start` to `end`."""

    start: datetime
    end: datetime


def _rhythm(samples: deque[float]) -> tuple[float, float] | None:
    """Return the shortest and longest interval of a rhythm; None if there is none.

    A rhythm is the samples close to their median (within a few median absolute
    deviations, and within a share of it), when they are at least half of them. A
    missed report (an interval twice as long), a stop on the way or a trip starting
    soon after a keep-alive is left out; stops of random lengths are no rhythm.
    """
    if len(samples) < 2:  # noqa: PLR2004 - one interval is no rhythm yet
        return None
    middle = median(samples)
    deviation = median(abs(value - middle) for value in samples)
    near = max(min(DEVIATIONS * deviation, NEAR * middle), TOLERANCE)
    agreeing = [value for value in samples if abs(value - middle) <= near]
    if len(agreeing) < max(2, len(samples) / 2):
        return None
    return min(agreeing), max(agreeing)


@dataclass(slots=True)
class InvoxiaRhythm:
    """What is learned of one tracker: its rhythms, its delay and its last fix."""

    last_fix: datetime | None = None
    times: list[datetime] = field(default_factory=list)
    """The newest fix times known, oldest first."""
    moving: deque[float] = field(default_factory=lambda: deque(maxlen=RHYTHM_SAMPLES))
    resting: deque[float] = field(default_factory=lambda: deque(maxlen=RHYTHM_SAMPLES))
    delays: deque[tuple[float, float]] = field(
        default_factory=lambda: deque(maxlen=DELAY_SAMPLES)
    )
    """Per new fix, in s since it was taken: a poll that did not show it, the next."""

    def learn(self, times: list[datetime]) -> None:
        """Learn the intervals that fix times not known yet tell."""
        known = set(self.times)
        merged = sorted(known | set(times))
        for older, newer in pairwise(merged):
            if newer in known:
                continue
            interval = newer - older
            if interval <= MOVING_MAX:
                self.moving.append(interval.total_seconds())
            elif interval <= RESTING_MAX:
                self.resting.append(interval.total_seconds())
        self.times = merged[-HISTORY:]

    def delay(self) -> tuple[float, float]:
        """Return the least and most a fix takes to show in the API, in s (0 unknown).

        The longest a new fix was not shown yet and the shortest it was shown
        bound the delays, as closely as the polls came.
        """
        if not self.delays:
            return 0.0, 0.0
        not_shown = max(0.0, *(low for low, _ in self.delays))
        shown = min(high for _, high in self.delays)
        return min(not_shown, shown), max(not_shown, shown)

    def windows(self) -> list[InvoxiaWindow]:
        """Return when the next fix may show, in turn by each rhythm that may bring it.

        A fix that came when a keep-alive was due is one: the next is a keep-alive
        too. After any other, the tracker may be moving: its next fix is expected
        after its moving rhythm, else after its keep-alive. Each rhythm's window is
        followed by its retries, windows of a moment; all are in the order they end.
        """
        if self.last_fix is None:
            return []
        rhythms = [_rhythm(self.moving), resting := _rhythm(self.resting)]
        if resting is not None and len(self.times) > 1:
            since = (self.times[-1] - self.times[-2]).total_seconds()
            if resting[0] <= since <= resting[1]:
                rhythms = [resting]
        least, most = self.delay()
        windows = []
        for shortest, longest in filter(None, rhythms):
            start = self.last_fix + timedelta(seconds=shortest + least) - MARGIN
            end = self.last_fix + timedelta(seconds=longest + most) + MARGIN
            late, missed = end + LATE, end + timedelta(seconds=longest)
            windows += [
                InvoxiaWindow(start, end),
                InvoxiaWindow(late, late),
                InvoxiaWindow(missed, missed),
            ]
        return sorted(windows, key=lambda window: window.end)


class InvoxiaScheduler:
    """Learns the trackers' rhythms from the polls and plans the next poll."""

    def __init__(self, longest: timedelta) -> None:
        """Plan polls never further apart than `longest`."""
        self.longest = longest
        self.rhythms: dict[str, InvoxiaRhythm] = {}
        self._last_poll: datetime | None = None

    def learn(self, serial: str, times: list[datetime]) -> None:
        """Learn a tracker's rhythms from the times of its newest fixes.

        The history tells every interval, where polls would see the newest fix only
        and miss those in between.
        """
        self.rhythms.setdefault(serial, InvoxiaRhythm()).learn(times)

    def observe(self, fixes: dict[str, datetime | None], now: datetime) -> None:
        """Learn from a successful poll at `now` the newest fix time of each tracker.

        A fix seen for the first time tells its delay within bounds: it was shown
        by now, and not yet at the poll before if that came after the fix.
        """
        previous, self._last_poll = self._last_poll, now
        self.rhythms = {
            serial: self.rhythms.get(serial) or InvoxiaRhythm() for serial in fixes
        }
        for serial, time in fixes.items():
            rhythm = self.rhythms[serial]
            if time is None or time == rhythm.last_fix:
                continue
            # A fix dated ahead (its tracker's clock runs fast) tells no delay.
            if rhythm.last_fix is not None and rhythm.last_fix < time <= now:
                not_shown = (previous - time).total_seconds() if previous else 0.0
                rhythm.delays.append((not_shown, (now - time).total_seconds()))
            rhythm.learn([time])
            rhythm.last_fix = time

    def window(self, serial: str, now: datetime) -> InvoxiaWindow | None:
        """Return the window of a tracker's next fix; None once all were polled."""
        last_poll = self._last_poll or now
        return next(
            (
                window
                for window in self.rhythms[serial].windows()
                if last_poll < window.end
            ),
            None,
        )

    def due(self, serial: str, now: datetime) -> datetime | None:
        """Return when to ask next for a tracker's expected fix; None if none is.

        In a window, polls come a shortest interval apart from its start, the last
        at its end; a window polled at its end is over.
        """
        if (window := self.window(serial, now)) is None:
            return None
        last_poll = self._last_poll or now
        return min(max(last_poll, window.start) + MIN_SCAN_INTERVAL, window.end)

    def next_poll(self, now: datetime) -> tuple[timedelta, str]:
        """Return how long to wait for the next poll after `now`, and why.

        The earliest fix due sets it, within the shortest and longest intervals; a
        poll then serves every tracker whose window it falls in.
        """
        due = [
            time
            for serial in self.rhythms
            if (time := self.due(serial, now)) is not None
        ]
        if not due or min(due) - now >= self.longest:
            return self.longest, "no fix expected sooner"
        wait = max(min(due) - now, MIN_SCAN_INTERVAL)
        served = sum(
            1
            for serial in self.rhythms
            if (window := self.window(serial, now)) and window.start <= now + wait
        )
        return wait, f"{served} tracker(s) may have shown a fix by then"

    def describe(self, serial: str, now: datetime) -> dict[str, list[object] | None]:
        """Describe what is learned of a tracker, for the diagnostics.

        Each item is a range, or None while unknown: the interval between its fixes
        while moving and at rest (a keep-alive) and their delay, in s; the window
        of its next fix.
        """
        rhythm = self.rhythms.get(serial) or InvoxiaRhythm()
        window = self.window(serial, now) if serial in self.rhythms else None
        return {
            "interval": _listed(_rhythm(rhythm.moving)),
            "keep_alive": _listed(_rhythm(rhythm.resting)),
            "delay": _listed(rhythm.delay() if rhythm.delays else None),
            "next_fix": _listed(
                (window.start.isoformat(), window.end.isoformat()) if window else None
            ),
        }


def _listed(pair: tuple[object, object] | None) -> list[object] | None:
    """Return a pair as a list, which JSON can hold."""
    return list(pair) if pair else None
