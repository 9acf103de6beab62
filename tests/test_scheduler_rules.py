"""The scheduler's rules, one at a time, without Home Assistant: pure arithmetic."""

from collections import deque
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.invoxia.scheduler import (
    InvoxiaRhythm,
    InvoxiaScheduler,
    InvoxiaWindow,
    _rhythm,
)

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
LONGEST = timedelta(seconds=300)


def at(seconds: float) -> datetime:
    """Return the moment `seconds` after T0."""
    return T0 + timedelta(seconds=seconds)


def moment(seconds: float) -> InvoxiaWindow:
    """Return a window of a moment, `seconds` after T0: a retry."""
    return InvoxiaWindow(at(seconds), at(seconds))


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([120], None),
        ([120, 120], (120, 120)),
        # Within 1 s of the median, whatever the spread: 102 s is not.
        ([100, 100, 100, 101, 102], (100, 101)),
        # Within 6 median absolute deviations (1 s): 107 s is not.
        ([100, 99, 99, 98, 100, 106, 107], (98, 106)),
        # Within 15 % of the median, however spread: both ends are, 116 s is not.
        ([100, 90, 110, 85, 115, 100, 116], (85, 115)),
        # Half of them agreeing is enough: 4 of 7.
        ([100, 100, 100, 100, 300, 500, 700], (100, 100)),
        # Fewer are no rhythm: 1 of 3, or stops of random lengths.
        ([100, 200, 400], None),
        ([100, 100, 150, 200, 300], None),
    ],
)
def test_a_rhythm_is_the_intervals_close_to_their_median(
    samples: list[float], expected: tuple[float, float] | None
) -> None:
    """A rhythm spans the intervals near the median, when half of them are."""
    assert _rhythm(deque(samples)) == expected


def test_intervals_up_to_15_minutes_are_moving_up_to_6_hours_resting() -> None:
    """Each new interval goes to its rhythm by its length; a longer one to neither."""
    rhythm = InvoxiaRhythm()
    gaps = [900, 930, 21_600, 23_400, 21_601]
    times = [at(sum(gaps[:index])) for index in range(len(gaps) + 1)]

    rhythm.learn(times)
    rhythm.learn(times[2:])

    assert list(rhythm.moving) == [900]
    assert list(rhythm.resting) == [930, 21_600]
    assert rhythm.times == times[-6:]


def test_the_newest_intervals_and_delays_are_kept() -> None:
    """A rhythm keeps 12 intervals and the times of 6 fixes; a tracker 10 delays."""
    scheduler = InvoxiaScheduler(LONGEST)
    for index in range(15):
        scheduler.observe({"serial": at(60 * index)}, at(60 * index + 20))

    rhythm = scheduler.rhythms["serial"]
    assert len(rhythm.moving) == 12
    assert rhythm.times == [at(60 * index) for index in range(9, 15)]
    assert len(rhythm.delays) == 10


def _rhythm_of(*gaps: float) -> InvoxiaRhythm:
    """Return a tracker moving every 120 s, its keep-alive every 3,500 to 3,700 s.

    Its last fixes came these gaps apart; none told its delay.
    """
    times = [T0]
    for gap in gaps:
        times.append(times[-1] + timedelta(seconds=gap))
    return InvoxiaRhythm(
        last_fix=times[-1],
        times=times,
        moving=deque([120.0, 120.0]),
        resting=deque([3500.0, 3700.0]),
    )


MOVING_THEN_RESTING = [
    InvoxiaWindow(at(115), at(125)),
    moment(185),
    moment(245),
    InvoxiaWindow(at(3495), at(3705)),
    moment(3765),
    moment(7405),
]
"""The windows after a fix at T0 of a tracker that may be moving, with its retries."""


@pytest.mark.parametrize(
    ("gaps", "expected"),
    [
        # After a fix 120 s after the one before, a moving one is expected first.
        ((120.0,), MOVING_THEN_RESTING),
        # With one fix known, nothing tells a keep-alive: both rhythms may bring it.
        ((), MOVING_THEN_RESTING),
        # After a keep-alive (within its rhythm after the fix before), another one.
        ((120.0, 3600.0), MOVING_THEN_RESTING[3:]),
        ((3500.0,), MOVING_THEN_RESTING[3:]),
        ((3700.0,), MOVING_THEN_RESTING[3:]),
        ((3499.0,), MOVING_THEN_RESTING),
        ((3701.0,), MOVING_THEN_RESTING),
    ],
)
def test_windows_follow_the_rhythm_the_last_fix_came_by(
    gaps: tuple[float, ...], expected: list[InvoxiaWindow]
) -> None:
    """Each rhythm that may bring the next fix has a window, then two retries.

    With no delay learned, a window is the rhythm's span, 5 s wider on each side;
    then a retry 60 s after its end, and one a longest interval after that end.
    """
    rhythm = _rhythm_of(*gaps)
    last = (rhythm.last_fix or T0) - T0

    assert [
        InvoxiaWindow(window.start - last, window.end - last)
        for window in rhythm.windows()
    ] == expected


def test_a_window_is_frozen() -> None:
    """A window handed out cannot be changed under its scheduler."""
    window = InvoxiaWindow(T0, T0)
    with pytest.raises(FrozenInstanceError):
        window.start = at(1)  # type: ignore[misc]  # the mistake under test


def _scheduler() -> InvoxiaScheduler:
    """Return a scheduler that saw a tracker's fixes every 120 s, each 10 s late."""
    scheduler = InvoxiaScheduler(LONGEST)
    for index in range(4):
        scheduler.observe({"serial": at(120 * index)}, at(120 * index + 10))
    return scheduler


def test_delays_are_bounded_by_the_polls_before_and_after() -> None:
    """A fix not shown at one poll and shown at the next took between the two.

    A fix older than the one shown, or dated ahead of the poll, tells nothing; a fix
    shown at the very moment of the poll does.
    """
    scheduler = _scheduler()
    rhythm = scheduler.rhythms["serial"]
    assert list(rhythm.delays) == [(-110.0, 10.0)] * 3
    assert rhythm.delay() == (0.0, 10.0)

    scheduler.observe({"serial": at(100)}, at(400))
    scheduler.observe({"serial": at(500)}, at(450))
    assert len(rhythm.delays) == 3
    scheduler.observe({"serial": at(600)}, at(600))
    assert rhythm.delays[-1] == (-150.0, 0.0)


def test_a_poll_learns_of_each_tracker_whatever_the_one_before() -> None:
    """A tracker with no new fix, or none at all, does not stop the others' learning."""
    scheduler = _scheduler()
    scheduler.observe({"other": None, "serial": at(360)}, at(370))
    scheduler.observe({"other": None, "serial": at(480)}, at(490))

    assert scheduler.rhythms["serial"].last_fix == at(480)
    assert scheduler.rhythms["other"].last_fix is None
    # A tracker whose fix time can no longer be read keeps what was learned.
    scheduler.observe({"serial": None}, at(600))
    assert scheduler.rhythms["serial"].last_fix == at(480)
    assert len(scheduler.rhythms["serial"].delays) == 4


def test_a_window_polled_at_its_end_is_over() -> None:
    """A poll at a window's very end closes it: the next window is the retry's."""
    scheduler = _scheduler()
    # The last fix, at 360 s, was seen at 370 s: the next may show from 475 s to
    # 495 s; a poll then comes 30 s after the last, at most at the window's end.
    assert scheduler.window("serial", at(370)) == InvoxiaWindow(at(475), at(495))
    assert scheduler.due("serial", at(370)) == at(495)
    assert scheduler.next_poll(at(370)) == (
        timedelta(seconds=125),
        "1 tracker(s) may have shown a fix by then",
    )

    scheduler.observe({"serial": at(360)}, at(495))
    assert scheduler.window("serial", at(495)) == moment(555)
    # What was polled is over, however late the question is asked.
    assert scheduler.window("serial", at(600)) == moment(555)
    assert scheduler.due("serial", at(600)) == at(555)


def test_a_fix_due_a_longest_interval_away_leaves_the_longest_interval() -> None:
    """A poll planned as far off as the longest interval is a plain one."""
    scheduler = InvoxiaScheduler(timedelta(seconds=125))

    for index in range(4):
        scheduler.observe({"serial": at(120 * index)}, at(120 * index + 10))

    assert scheduler.next_poll(at(370)) == (
        timedelta(seconds=125),
        "no fix expected sooner",
    )


def test_when_a_fix_is_due_follows_the_last_poll() -> None:
    """In a window, the next poll comes 30 s after the last, whenever it is asked."""
    scheduler = InvoxiaScheduler(LONGEST)
    scheduler.observe({"serial": None}, T0)
    rhythm = scheduler.rhythms["serial"]
    rhythm.last_fix = T0
    rhythm.moving.extend([175.0, 225.0])

    assert scheduler.window("serial", T0) == InvoxiaWindow(at(170), at(230))
    assert scheduler.due("serial", T0) == at(200)
    assert scheduler.due("serial", at(180)) == at(200)


def test_a_poll_serves_each_window_it_reaches() -> None:
    """A window opening at the very moment of the poll counts as served by it."""
    scheduler = InvoxiaScheduler(LONGEST)
    serials = {"early": -100, "exact": -85, "later": -75, "latest": -70}
    scheduler.observe(dict.fromkeys(serials), T0)
    # Moving every 120 s, no delay known: windows from 115 s after the last fix.
    for serial, last_fix in serials.items():
        rhythm = scheduler.rhythms[serial]
        rhythm.last_fix = at(last_fix)
        rhythm.moving.extend([120.0, 120.0])

    # The first due, at 25 s, waits for the shortest interval: 30 s, when the
    # second window opens; the others open at 40 s and 45 s.
    assert scheduler.window("exact", T0) == InvoxiaWindow(at(30), at(40))
    assert scheduler.next_poll(T0) == (
        timedelta(seconds=30),
        "2 tracker(s) may have shown a fix by then",
    )
