"""The reporting model: a seeded day of each tracker's fixes, on its own rhythm."""

from itertools import pairwise

import pytest

from simulator import Report
from simulator.reporting import DAY_S, habits, reporting_day
from simulator.world import DEFAULT_HOME

MOVING_MAX_S = 15 * 60


def _intervals(reports: list[Report]) -> list[float]:
    """Return the time between successive fixes, in s."""
    return [after.taken - before.taken for before, after in pairwise(reports)]


def test_a_seed_and_an_index_always_give_the_same_day() -> None:
    """The same seed and tracker give the same fixes; another tracker, others."""
    day = reporting_day(1, 0, DEFAULT_HOME)
    assert reporting_day(1, 0, DEFAULT_HOME) == day
    assert reporting_day(1, 1, DEFAULT_HOME) != day
    assert reporting_day(2, 0, DEFAULT_HOME) != day


@pytest.mark.parametrize(("seed", "index"), [(1, 0), (1, 2), (2, 1), (2, 2), (2, 4)])
def test_a_tracker_reports_on_its_rhythm_moving_and_at_rest(
    seed: int, index: int
) -> None:
    """Moving, fixes come P s apart within ±10 %, or twice that after a missed one.

    The rest, under 15 minutes apart, are trips setting off soon after a keep-alive.
    At rest, a tracker that sends keep-alives sends one every hour; each fix shows
    within ±20 % of the tracker's delay, 5 to 40 s.
    """
    traits = habits(seed, index)
    day = reporting_day(seed, index, DEFAULT_HOME)
    assert 60 <= traits.period <= 600
    assert 5 <= traits.delay <= 40
    moving = [gap / traits.period for gap in _intervals(day) if gap <= MOVING_MAX_S]
    rhythm = [ratio for ratio in moving if 0.9 <= ratio <= 1.1]
    missed = [ratio for ratio in moving if 1.8 <= ratio <= 2.2]
    assert len(rhythm) > 0.8 * len(moving)
    assert len(missed) < 0.1 * len(moving)
    beats = [round(gap) for gap in _intervals(day) if gap > MOVING_MAX_S]
    assert (3600 in beats) is traits.keep_alive
    for report in day[1:]:
        assert 0.8 * traits.delay <= report.shown - report.taken <= 1.2 * traits.delay


def test_a_day_has_the_day_before_and_trips_from_home_and_back() -> None:
    """The history before the day, then trips leaving home and coming back."""
    day = reporting_day(1, 0, DEFAULT_HOME)
    shown = [report.shown for report in day]
    assert shown == sorted(shown)
    assert min(shown) < -DAY_S / 2
    assert max(shown) < DAY_S
    places = {(report.latitude, report.longitude) for report in day}
    assert DEFAULT_HOME in places
    assert len(places) > len(day) / 2
    # Trips alternate: every other one comes back home, its last fix there.
    at_home = [
        report for report in day if (report.latitude, report.longitude) == DEFAULT_HOME
    ]
    assert len(at_home) > 5


def test_some_reports_go_missing() -> None:
    """About 5 % of the fixes never show: a rhythm's interval doubles."""
    doubled = 0
    for index in range(6):
        period = habits(1, index).period
        doubled += sum(
            1.8 <= gap / period <= 2.2
            for gap in _intervals(reporting_day(1, index, DEFAULT_HOME))
        )
    assert doubled > 0
