"""Adaptive polling: learn each tracker's rhythm, poll just after its next fix.

A moving tracker takes a fix every so often, and each fix shows in the API some
time after it was taken. Both are learned per tracker, as the median of the last
few samples, so that one missed report or one late poll does not throw them off.
The next poll is then planned shortly after the earliest fix expected; a fix that
does not come is asked again a few times, further apart each time, then the
tracker counts as still, and only the longest interval polls it.
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median
from typing import Final

from homeassistant.util import dt as dt_util

from .const import MAX_SCAN_INTERVAL, MIN_SCAN_INTERVAL

SAMPLES: Final = 5
"""How many intervals and delays the estimates are the median of."""
RHYTHM_MAX: Final = timedelta(minutes=15)
"""A longer interval between fixes is a stop or a keep-alive, not a rhythm."""
HISTORY: Final = SAMPLES + 1
"""How many fixes to fetch of a tracker that moved: one page, whatever the count."""
MARGIN: Final = timedelta(seconds=5)
"""How long after a fix is expected to show the poll asks for it."""
MERGE_WINDOW: Final = timedelta(seconds=30)
"""Fixes expected this close after the earliest one are fetched by the same poll."""
RETRIES: Final = (timedelta(0), timedelta(seconds=30), timedelta(seconds=90))
"""When, after it was expected, a fix that has not come is asked for: +30, +60 s."""


@dataclass(slots=True)
class InvoxiaRhythm:
    """What is learned of one tracker: how often it takes a fix, how late it shows."""

    last_fix: datetime | None = None
    intervals: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))
    delays: deque[float] = field(default_factory=lambda: deque(maxlen=SAMPLES))

    @property
    def interval(self) -> timedelta | None:
        """Return the learned interval between fixes, None before two fixes."""
        return timedelta(seconds=median(self.intervals)) if self.intervals else None

    @property
    def delay(self) -> timedelta:
        """Return the learned delay from a fix to the API showing it (0 unknown)."""
        return timedelta(seconds=median(self.delays)) if self.delays else timedelta(0)

    @property
    def expected(self) -> datetime | None:
        """Return when the next fix should show in the API; None if unknown."""
        interval = self.interval
        if interval is None or self.last_fix is None:
            return None
        return self.last_fix + interval + self.delay


class InvoxiaScheduler:
    """Learns the trackers' rhythms from the polls and plans the next poll."""

    def __init__(self, longest: timedelta) -> None:
        """Plan polls never further apart than `longest`."""
        self.longest = longest
        self.rhythms: dict[str, InvoxiaRhythm] = {}
        self._last_poll: datetime | None = None

    def learn(self, serial: str, times: list[datetime]) -> None:
        """Learn a tracker's interval from the times of its newest fixes, newest first.

        The history tells every interval, where polls would see the newest fix only
        and miss those in between.
        """
        intervals = [
            seconds
            for newer, older in pairwise(times)
            if 0
            < (seconds := (newer - older).total_seconds())
            <= RHYTHM_MAX.total_seconds()
        ]
        if intervals:
            rhythm = self.rhythms.setdefault(serial, InvoxiaRhythm())
            rhythm.intervals = deque(reversed(intervals), maxlen=SAMPLES)

    def observe(self, fixes: dict[str, datetime | None], now: datetime) -> None:
        """Learn from a successful poll at `now` the newest fix time of each tracker.

        A fix seen for the first time tells its delay: it showed after the previous
        poll (else that poll would have seen it) and by this one, so the delay is
        taken as the middle of the two.
        """
        previous = self._last_poll
        self._last_poll = now
        self.rhythms = {
            serial: self.rhythms.get(serial) or InvoxiaRhythm() for serial in fixes
        }
        for serial, time in fixes.items():
            rhythm = self.rhythms[serial]
            if time is None or time == rhythm.last_fix:
                continue
            if rhythm.last_fix is not None:
                seen_by = (now - time).total_seconds()
                not_by = (previous - time).total_seconds() if previous else 0.0
                # A fix shown over an hour late was not news: the tracker
                # was out of reach, or its clock is off; it says nothing of delays.
                if 0 <= seen_by <= MAX_SCAN_INTERVAL.total_seconds():
                    rhythm.delays.append((max(not_by, 0.0) + seen_by) / 2)
            rhythm.last_fix = time

    def due(self, serial: str, now: datetime) -> datetime | None:
        """Return when to ask next for the expected fix of a tracker; None if still.

        Past its expected time, a fix is asked for a few more times; after the last
        of them, the tracker counts as still.
        """
        rhythm = self.rhythms[serial]
        expected = rhythm.expected
        interval = rhythm.interval
        if expected is None or interval is None:
            return None
        # A missed report: the fix after it is expected one interval later.
        times = sorted(
            {expected + MARGIN + retry for retry in RETRIES}
            | {expected + interval + MARGIN + retry for retry in RETRIES[:2]}
        )
        return next((time for time in times if time > now), None)

    def next_poll(self, now: datetime) -> tuple[timedelta, str]:
        """Return how long to wait for the next poll after one at `now`, and why.

        The earliest fix due, and those due shortly after it, share one poll; never
        sooner than the shortest interval, never later than the longest.
        """
        due = sorted(
            (time, serial)
            for serial in self.rhythms
            if (time := self.due(serial, now)) is not None
        )
        if not due:
            return self.longest, "no tracker moving"
        earliest = due[0][0]
        merged = [serial for time, serial in due if time <= earliest + MERGE_WINDOW]
        wait = max(due[len(merged) - 1][0] - now, MIN_SCAN_INTERVAL)
        if wait >= self.longest:
            return self.longest, "no fix expected sooner than the longest interval"
        return wait, f"fix expected of {len(merged)} tracker(s)"

    def describe(self, serial: str, now: datetime | None = None) -> dict[str, object]:
        """Describe what is learned of a tracker, for the diagnostics."""
        rhythm = self.rhythms.get(serial)
        if rhythm is None:
            return {"interval": None, "delay": None, "next_fix": None}
        interval = rhythm.interval
        expected = rhythm.expected
        # A tracker past its last retry is still: no fix is expected of it.
        still = self.due(serial, now or dt_util.utcnow()) is None
        return {
            "interval": interval.total_seconds() if interval else None,
            "delay": rhythm.delay.total_seconds() if rhythm.delays else None,
            "next_fix": None if still or expected is None else expected.isoformat(),
        }
