"""A reporting model: trackers resting and travelling, each on a rhythm of its own.

A tracker of this model rests for 30 minutes to 4 hours, sending no fix or one an
hour (a keep-alive; half of the trackers do), then travels: it takes a fix as it
sets off, then one every P seconds (P drawn per tracker between 60 and 600, each
interval within ±10 % of it) for 15 to 60 minutes, the last where it arrives.
Trips alternate between leaving home for a place 0.5 to 5 km away and coming
back. A fix shows in the API some seconds after it is taken: a delay drawn per
tracker between 5 and 40 s, within ±20 % for each fix; 5 % of the fixes never
show. Everything derives from the seed and the tracker's index. `World.follow`
has a simulated tracker report such a day.
"""

from dataclasses import dataclass
from math import cos, pi, radians, sin
import random
from typing import Final

from .world import Position, Report

DAY_S: Final = 86_400.0
_PERIOD_S: Final = (60.0, 600.0)
_JITTER: Final = 0.1
_DELAY_S: Final = (5.0, 40.0)
_DELAY_SPREAD: Final = 0.2
_MISSED: Final = 0.05
KEEP_ALIVE_S: Final = 3_600.0
_KEEP_ALIVE_SHARE: Final = 0.5
_REST_S: Final = (1_800.0, 4 * 3_600.0)
_TRIP_S: Final = (900.0, 3_600.0)
_TRIP_M: Final = (500.0, 5_000.0)
_METRES_PER_DEGREE: Final = 111_320.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Habits:
    """How one tracker reports: its rhythm while moving, its delay, its keep-alive."""

    period: float
    delay: float
    keep_alive: bool


def habits(seed: int, index: int) -> Habits:
    """Draw the habits of the `index`-th tracker of a seeded model."""
    rng = _stream(f"{seed}:{index}")
    return Habits(
        period=rng.uniform(*_PERIOD_S),
        delay=rng.uniform(*_DELAY_S),
        keep_alive=rng.random() < _KEEP_ALIVE_SHARE,
    )


def reporting_day(
    seed: int, index: int, home: Position, duration: float = DAY_S
) -> list[Report]:
    """Return the fixes the `index`-th tracker shows until `duration` s, in order.

    Those shown before 0 s are its history when the day starts: the day before,
    which begins at home, resting.
    """
    traits = habits(seed, index)
    rng = _stream(f"{seed}:{index}:day")
    reports: list[Report] = []

    def take(at: float, place: Position) -> None:
        """Take a fix at `at`, unless its report goes missing."""
        if rng.random() >= _MISSED:
            spread = rng.uniform(1 - _DELAY_SPREAD, 1 + _DELAY_SPREAD)
            reports.append(
                Report(
                    taken=at,
                    shown=at + traits.delay * spread,
                    latitude=place[0],
                    longitude=place[1],
                )
            )

    moment = -DAY_S
    take(moment, home)
    place = home
    while moment < duration:
        rest = rng.uniform(*_REST_S)
        if traits.keep_alive:
            beat = moment + KEEP_ALIVE_S
            while beat < moment + rest:
                take(beat, place)
                beat += KEEP_ALIVE_S
        moment += rest
        target = _away(rng, home) if place == home else home
        start, length = moment, rng.uniform(*_TRIP_S)
        times = [start]
        while times[-1] - start < length:
            jitter = rng.uniform(1 - _JITTER, 1 + _JITTER)
            times.append(times[-1] + traits.period * jitter)
        for at in times:
            take(at, _between(place, target, (at - start) / (times[-1] - start)))
        place, moment = target, times[-1]
    return [report for report in reports if report.shown < duration]


def _stream(key: str) -> random.Random:
    """Open a random stream that repeats for the same key."""
    return random.Random(key)  # noqa: S311 - a seeded model, not cryptography


def _away(rng: random.Random, home: Position) -> Position:
    """Draw a place 0.5 to 5 km from home."""
    bearing = rng.uniform(0, 2 * pi)
    distance = rng.uniform(*_TRIP_M)
    north, east = distance * cos(bearing), distance * sin(bearing)
    return (
        home[0] + north / _METRES_PER_DEGREE,
        home[1] + east / (_METRES_PER_DEGREE * cos(radians(home[0]))),
    )


def _between(start: Position, end: Position, share: float) -> Position:
    """Return the point `share` of the way from `start` to `end`."""
    return (
        start[0] + (end[0] - start[0]) * share,
        start[1] + (end[1] - start[1]) * share,
    )
