"""Freshness benchmark, `scripts/bench --freshness`: one simulated day, polled.

Every strategy polls the same seeded day of the simulator's reporting model
(`simulator.reporting`): the integration's coordinator in a real Home Assistant,
on a virtual clock moved as the tests move it, against the simulator, which shows
each fix when the model says. Staleness is measured from a fix showing in the API
to Home Assistant's state showing it (or a newer fix); a zone exit from the first
fix outside home showing in the API to the tracker's state leaving `home`. The
peer integration's pattern (a coordinator per tracker every 420 s, two requests
each) is not ours to run, nor is a bound that knows when each fix shows: their
polls are laid on the same day.
"""

import argparse
import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
import json
import math
from pathlib import Path
import random
import statistics
import subprocess
import sys
from typing import Final

from freezegun import freeze_time
from homeassistant.components.zone import in_zone
from homeassistant.const import (
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_SCAN_INTERVAL,
    EVENT_STATE_CHANGED,
    STATE_HOME,
)
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component import (
    patch_time,  # noqa: F401 - makes Home Assistant's clock one freezegun can move
)
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.invoxia.const import (
    CONF_ADAPTIVE,
    CONF_API_URL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    MIN_SCAN_INTERVAL,
)
from custom_components.invoxia.coordinator import InvoxiaCoordinator
from custom_components.invoxia.scheduler import MOVING_MAX
from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, Report, Simulator, World
from simulator.reporting import DAY_S, KEEP_ALIVE_S, reporting_day
from simulator.world import DEFAULT_HOME, REPORTED_PRECISION_M
from tools import REPOSITORY
from tools.homeassistant import home_assistant

START: Final = datetime(2026, 1, 1, tzinfo=UTC)
LONGEST_S: Final = int(DEFAULT_SCAN_INTERVAL.total_seconds())
SHORTEST_S: Final = MIN_SCAN_INTERVAL.total_seconds()
PEER_INTERVAL_S: Final = 420.0
PEER_REQUESTS: Final = 2
FULL_SIZES: Final = (1, 3, 10)
QUICK_SIZES: Final = (1,)
SECTION: Final = "## Freshness"
DEFAULT_OUTPUT: Final = REPOSITORY / "docs" / "benchmark.md"
DEFAULT_PLOT: Final = REPOSITORY / "docs" / "images" / "freshness.png"
DEFAULT_PYTHON: Final = REPOSITORY / ".cache" / "bench" / "bin" / "python"


@dataclass(frozen=True, slots=True)
class Strategy:
    """A way to poll: the integration's options, or None for polls laid on the day."""

    name: str
    options: dict[str, object] | None


FIXED_60: Final = Strategy("fixed 60 s", {CONF_SCAN_INTERVAL: 60, CONF_ADAPTIVE: False})
FIXED_30: Final = Strategy("fixed 30 s", {CONF_SCAN_INTERVAL: 30, CONF_ADAPTIVE: False})
FIXED_300: Final = Strategy(
    "fixed 300 s", {CONF_SCAN_INTERVAL: LONGEST_S, CONF_ADAPTIVE: False}
)
PEER: Final = Strategy("peer", None)
FORESIGHT: Final = Strategy("foresight (a bound)", None)
ADAPTIVE: Final = Strategy(
    "adaptive", {CONF_SCAN_INTERVAL: LONGEST_S, CONF_ADAPTIVE: True}
)
QUICK_STRATEGIES: Final = (FIXED_60, FIXED_300, PEER, ADAPTIVE)
FULL_STRATEGIES: Final = (FIXED_30, *QUICK_STRATEGIES, FORESIGHT)
WATCHES: Final = (300.0, 180.0, 120.0, 90.0, 60.0)
"""How often, in s, the blind bound watches for trips to start."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a strategy cost in a day and how fresh it kept the states, N trackers."""

    strategy: str
    size: int
    requests: int
    staleness: list[float]
    exits: list[float]

    @property
    def median(self) -> float:
        """Return the median staleness, in s."""
        return statistics.median(self.staleness)

    @property
    def p95(self) -> float:
        """Return the 95th percentile of staleness, in s."""
        return _quantile(self.staleness, 0.95)

    @property
    def exit_median(self) -> float:
        """Return the median zone-exit latency, in s."""
        return statistics.median(self.exits) if self.exits else math.nan

    @property
    def exit_p95(self) -> float:
        """Return the 95th percentile of zone-exit latency, in s."""
        return _quantile(self.exits, 0.95) if self.exits else math.nan


def _quantile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


type Shown = list[tuple[float, float, bool]]
"""When Home Assistant wrote a tracker's state, in s of the day: its fix's time, and
whether it was home."""


def _freshness(
    reports: list[Report], exits: set[int], shown: Shown
) -> tuple[list[float], list[float]]:
    """Return the staleness of each fix of the day, and the latency of each exit.

    A fix counts as shown by the first state written from its showing in the API on
    whose fix is it or a newer one; a zone exit, by the first such not at home.
    """
    staleness: list[float] = []
    latencies: list[float] = []
    for index, report in enumerate(reports):
        if report.shown < 0:
            continue
        later = [
            (moment, home)
            for moment, taken, home in shown
            # The API dates fixes to the microsecond.
            if moment >= report.shown and taken >= report.taken - 1e-6
        ]
        if later:
            staleness.append(later[0][0] - report.shown)
        if index in exits:
            left = [moment for moment, home in later if not home]
            if left:
                latencies.append(left[0] - report.shown)
    return staleness, latencies


def _exits(reports: list[Report], home: list[bool]) -> set[int]:
    """Return the indices of the fixes that leave home: away, after one at home."""
    return {
        index
        for index in range(1, len(reports))
        if home[index - 1] and not home[index] and reports[index].shown >= 0
    }


class _Day:
    """One day of the integration polling the simulator, on a virtual clock."""

    def __init__(self, hass: HomeAssistant, simulator: Simulator) -> None:
        """Drive this Home Assistant and this simulator."""
        self.hass = hass
        self.simulator = simulator
        self.shown: dict[str, Shown] = {}

    async def run(
        self, options: dict[str, object], move_to: Callable[[datetime], None]
    ) -> None:
        """Set the account up with these options, then let the day pass.

        `move_to` moves the clock; the simulated world follows it.
        """
        world = self.simulator.world
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=str(world.user_id),
            data={
                CONF_EMAIL: DEFAULT_USERNAME,
                CONF_PASSWORD: DEFAULT_PASSWORD,
                CONF_API_URL: self.simulator.url,
            },
            options=options,
        )
        entry.add_to_hass(self.hass)
        self.hass.bus.async_listen(EVENT_STATE_CHANGED, self._written)
        await self.hass.config_entries.async_setup(entry.entry_id)
        await self.hass.async_block_till_done()
        coordinator: InvoxiaCoordinator = entry.runtime_data
        while (poll := coordinator.next_poll) is not None and poll < _at(DAY_S):
            world.advance((poll - world.now).total_seconds())
            move_to(poll)
            async_fire_time_changed(self.hass)
            await self.hass.async_block_till_done(wait_background_tasks=True)
        await self.hass.config_entries.async_unload(entry.entry_id)

    @callback
    def _written(self, event: Event[EventStateChangedData]) -> None:
        """Note when a tracker's state is written, with its fix's time."""
        state = event.data["new_state"]
        if state is None or not state.entity_id.startswith("device_tracker."):
            return
        time = state.attributes.get("position_time")
        if time is None:
            return
        entity = er.async_get(self.hass).async_get(state.entity_id)
        if entity is None:
            return
        self.shown.setdefault(entity.unique_id, []).append(
            (
                _seconds(event.time_fired),
                _seconds(datetime.fromisoformat(time)),
                state.state == STATE_HOME,
            )
        )


def _at(seconds: float) -> datetime:
    """Return the moment `seconds` into the day."""
    return START + timedelta(seconds=seconds)


def _seconds(moment: datetime) -> float:
    """Return how far into the day a moment is, in s."""
    return (moment - START).total_seconds()


async def _poll_day(
    seed: int, days: list[list[Report]], options: dict[str, object]
) -> tuple[int, dict[str, Shown], list[str]]:
    """Run the integration with these options on the day of these trackers.

    Return its requests, what it showed of each tracker and their serials.
    """
    world = World(seed=seed, trackers=1, start=START)
    world.remove_tracker(world.tracker_ids[0])
    ids = [world.add_tracker() for _ in days]
    for tracker_id, day in zip(ids, days, strict=True):
        world.follow(tracker_id, day)
    serials = [world.tracker(tracker_id).serial for tracker_id in ids]
    # The coordinator staggers its polls by a random fraction of a second.
    random.seed(seed)
    async with Simulator(world) as simulator, home_assistant() as hass:
        hass.config.latitude, hass.config.longitude = world.home
        await async_setup_component(hass, "zone", {})
        with freeze_time(START) as clock:
            polled = _Day(hass, simulator)
            await polled.run(options, clock.move_to)
        requests = sum(simulator.counters.requests.values())
    return requests, polled.shown, serials


def _laid(day: list[Report], home: list[bool], polls: list[float]) -> Shown:
    """Lay polls on a tracker's day: each shows the newest fix shown by then."""
    seen: Shown = []
    index = -1
    for poll in polls:
        while index + 1 < len(day) and day[index + 1].shown <= poll:
            index += 1
        if index >= 0:
            seen.append((poll, day[index].taken, home[index]))
    return seen


def _peer(days: list[list[Report]], homes: list[list[bool]]) -> tuple[int, list[Shown]]:
    """Lay the peer's polls on the day: per tracker, two requests every 420 s."""
    polls = [
        PEER_INTERVAL_S * step for step in range(math.ceil(DAY_S / PEER_INTERVAL_S))
    ]
    return PEER_REQUESTS * len(days) * len(polls), [
        _laid(day, home, polls) for day, home in zip(days, homes, strict=True)
    ]


def _foresight(
    days: list[list[Report]],
    homes: list[list[bool]],
    *,
    watch: float = LONGEST_S,
    blind: bool = False,
) -> tuple[int, list[Shown]]:
    """Lay on the day the polls of a coordinator that knows when each fix shows.

    It polls as each shows, never twice within 30 s, and every `watch` s at least: a
    listing per poll and a history per tracker whose newest fix changed. `blind`,
    it foresees only the fixes `_foreseeable` says, not a trip's first.
    """
    showings = sorted(
        report.shown
        for day in days
        for report in (_foreseeable(day) if blind else day)
        if report.shown > 0
    )
    polls = [0.0]
    upcoming = 0
    while True:
        while upcoming < len(showings) and showings[upcoming] <= polls[-1]:
            upcoming += 1
        due = showings[upcoming] if upcoming < len(showings) else math.inf
        poll = max(min(due, polls[-1] + watch), polls[-1] + SHORTEST_S)
        if poll >= DAY_S:
            break
        polls.append(poll)
    shown = [_laid(day, home, polls) for day, home in zip(days, homes, strict=True)]
    histories = sum(
        sum(1 for before, after in pairwise(seen) if after[1] != before[1]) + 1
        for seen in shown
        if seen
    )
    return len(polls) + histories, shown


def _foreseeable(day: list[Report]) -> list[Report]:
    """Return the fixes a rhythm can announce: those of a trip but its first.

    That is, generously, every fix taken within a moving rhythm's longest interval
    of the one before, or a keep-alive interval after it.
    """
    return [
        report
        for before, report in pairwise(day)
        if (gap := report.taken - before.taken) <= MOVING_MAX.total_seconds()
        or abs(gap - KEEP_ALIVE_S) < 1
    ]


def watching(seed: int) -> list[Outcome]:
    """Measure what watching for trips costs a coordinator blind to their start.

    One tracker's day, polled by a bound that foresees every fix but a trip's first,
    and watches every `WATCHES` s for those.
    """
    days = [reporting_day(seed, 0, DEFAULT_HOME)]
    homes = [_at_home(day) for day in days]
    return [
        _outcome(
            f"foresight blind to trip starts, watching every {watch:.0f} s",
            days,
            homes,
            *_foresight(days, homes, watch=watch, blind=True),
        )
        for watch in WATCHES
    ]


def _outcome(
    name: str,
    days: list[list[Report]],
    homes: list[list[bool]],
    requests: int,
    shown: list[Shown],
) -> Outcome:
    """Measure what a strategy that cost `requests` showed of the trackers' days."""
    parts = [
        _freshness(day, _exits(day, home), seen)
        for day, home, seen in zip(days, homes, shown, strict=True)
    ]
    return Outcome(
        name,
        len(days),
        requests,
        [value for part in parts for value in part[0]],
        [value for part in parts for value in part[1]],
    )


def _at_home(day: list[Report]) -> list[bool]:
    """Tell of each fix whether Home Assistant puts it in the home zone."""
    zone = State(
        "zone.home",
        "0",
        {"latitude": DEFAULT_HOME[0], "longitude": DEFAULT_HOME[1], "radius": 100},
    )
    return [
        in_zone(zone, report.latitude, report.longitude, REPORTED_PRECISION_M)
        for report in day
    ]


def measure(seed: int, size: int, strategies: Sequence[Strategy]) -> list[Outcome]:
    """Run every strategy on the same day of `size` trackers."""
    days = [reporting_day(seed, index, DEFAULT_HOME) for index in range(size)]
    homes = [_at_home(day) for day in days]
    outcomes = []
    for strategy in strategies:
        if strategy.options is None:
            laid = _peer if strategy is PEER else _foresight
            requests, shown = laid(days, homes)
        else:
            requests, by_serial, serials = asyncio.run(
                _poll_day(seed, days, strategy.options)
            )
            shown = [by_serial.get(serial, []) for serial in serials]
        outcomes.append(_outcome(strategy.name, days, homes, requests, shown))
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    """Render the outcomes as a Markdown table."""
    lines = [
        "| N | strategy | requests/day | staleness median (s) | staleness p95 (s) "
        "| zone exit median (s) | zone exit p95 (s) | fixes | exits |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines.extend(
        f"| {item.size} | {item.strategy} | {item.requests:,} | {item.median:.0f} "
        f"| {item.p95:.0f} | {item.exit_median:.0f} | {item.exit_p95:.0f} "
        f"| {len(item.staleness)} | {len(item.exits)} |"
        for item in outcomes
    )
    return "\n".join(lines)


def _at_one(outcomes: list[Outcome]) -> tuple[Outcome, Outcome, Outcome]:
    """Return the outcomes at N=1 of adaptive polling, fixed 60 s and the peer."""
    by_name = {item.strategy: item for item in outcomes if item.size == 1}
    return by_name[ADAPTIVE.name], by_name[FIXED_60.name], by_name[PEER.name]


def targets(outcomes: list[Outcome]) -> str:
    """Check the targets at N=1; render them as a Markdown table."""
    ours, fixed, peer = _at_one(outcomes)
    checks = [
        ("requests/day ≤ 1/3 of fixed 60 s", ours.requests, fixed.requests / 3),
        ("requests/day ≤ the peer's", ours.requests, peer.requests),
        ("median staleness ≤ 1/2 of fixed 60 s", ours.median, fixed.median / 2),
        ("p95 staleness ≤ fixed 60 s", ours.p95, fixed.p95),
        ("median zone exit ≤ fixed 60 s", ours.exit_median, fixed.exit_median),
        ("p95 zone exit ≤ fixed 60 s", ours.exit_p95, fixed.exit_p95),
    ]
    lines = ["| target (N=1) | adaptive | bound | |", "|---|---:|---:|---|"]
    lines.extend(
        f"| {what} | {value:,.0f} | {bound:,.0f} | "
        f"{'met' if value <= bound else 'missed'} |"
        for what, value, bound in checks
    )
    return "\n".join(lines)


def summary(outcomes: list[Outcome]) -> str:
    """Return the one-line summary at N=1."""
    ours, fixed, peer = _at_one(outcomes)
    return (
        f"freshness N=1: adaptive {ours.requests} requests/day, median staleness "
        f"{ours.median:.0f} s; fixed 60 s: {fixed.requests} requests/day, "
        f"{fixed.median:.0f} s; peer: {peer.requests} requests/day, {peer.median:.0f} s"
    )


def kept_section(output: Path) -> str:
    """Return the Freshness section of a report, for a rewrite of it to keep."""
    if not output.exists():
        return ""
    _, found, rest = output.read_text(encoding="utf-8").partition(f"\n{SECTION}\n")
    if not found:
        return ""
    section, _, _ = rest.partition("\n## ")
    return f"\n{SECTION}\n{section.rstrip()}\n"


def _write_section(output: Path, body: str) -> None:
    """Put the Freshness section in the report, replacing the one there."""
    text = output.read_text(encoding="utf-8") if output.exists() else ""
    head, found, rest = text.partition(f"\n{SECTION}\n")
    tail = ""
    if found:
        _, heading, after = rest.partition("\n## ")
        tail = f"\n## {after}" if heading else ""
    output.write_text(f"{head.rstrip()}\n\n{body}\n{tail}", encoding="utf-8")


def _plot(outcomes: list[Outcome], python: Path, output: Path) -> None:
    """Draw requests per day against median staleness, with the plotting venv."""
    payload = [
        {
            "strategy": item.strategy,
            "size": item.size,
            "requests": item.requests,
            "median": item.median,
        }
        for item in outcomes
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - our own script, with the interpreter given
        [str(python), "-m", "bench.plot", "--freshness", f"--output={output}"],
        input=json.dumps(payload),
        text=True,
        check=True,
        cwd=REPOSITORY,
    )


def main(argv: Sequence[str]) -> None:
    """Run the freshness benchmark from the command line."""
    parser = argparse.ArgumentParser(prog="scripts/bench --freshness")
    parser.add_argument(
        "--quick", action="store_true", help="N = 1 and no fixed 30 s; write nothing"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the day")
    parser.add_argument("--output", type=Path, help="report (docs/benchmark.md)")
    parser.add_argument("--plot", type=Path, help="plot (docs/images/freshness.png)")
    parser.add_argument(
        "--library-python",
        type=Path,
        default=DEFAULT_PYTHON,
        help="interpreter of the virtualenv holding matplotlib",
    )
    options, _ = parser.parse_known_args(argv)
    quick: bool = options.quick
    sizes, strategies = (
        (QUICK_SIZES, QUICK_STRATEGIES) if quick else (FULL_SIZES, FULL_STRATEGIES)
    )
    outcomes = [
        item for size in sizes for item in measure(options.seed, size, strategies)
    ]
    body = f"{table(outcomes)}\n\n{targets(outcomes)}"
    if not quick:
        body = f"{body}\n\n{_WATCHING}\n\n{table(watching(options.seed))}"
    sys.stdout.write(f"{body}\n\n{summary(outcomes)}\n")
    output = options.output or (None if quick else DEFAULT_OUTPUT)
    if output is not None:
        _write_section(
            output,
            f"{SECTION}\n\n{_METHOD.format(seed=options.seed)}\n\n{_PLOTTED}\n\n{body}",
        )
    plot = options.plot or (None if quick else DEFAULT_PLOT)
    if plot is not None:
        _plot(outcomes, options.library_python, plot)


_PLOTTED: Final = (
    "![Requests per day against median staleness, one point per strategy and "
    "number of trackers](images/freshness.png)"
)
_METHOD: Final = """\
How fresh the states stay, and at what cost, over one simulated day (seed {seed}),
polled by each strategy on the same day: this integration polling every 30, 60 or
300 s, or adaptively (longest interval 300 s, the default); the peer integration's
pattern (one coordinator per tracker every 420 s, two requests each: history and
status); and, as a bound, a coordinator with foresight, which knows when each fix
shows and polls right then, never twice within 30 s and at least every 300 s. Re-run
it with `scripts/bench --freshness` (about a minute and a half); `--quick` prints
N = 1 without fixed 30 s and the bound.

The day is the simulator's reporting model (`simulator/reporting.py`), served over
HTTP by the simulator, which shows each fix when the model says: each tracker rests
30 min to 4 h (half of them with an hourly keep-alive fix), then travels 15 to
60 min, leaving home for a place 0.5 to 5 km away or coming back, with a fix as it
sets off and one every P s on the way (P drawn per tracker in 60-600 s, each
interval ±10 %), the last where it arrives; a fix shows in the API 5-40 s after it is
taken (a delay drawn per tracker, ±20 % per fix); 5 % of the fixes never show. The
day before is modelled too: it is each tracker's history when the integration
starts. The coordinator runs in a real Home Assistant (the one the tests run), its
clock the test clock, moved from poll to poll: a day takes seconds. Requests: every
request the simulator served, setup included. Staleness: from a fix showing in the
API to the first state of the tracker's entity with that fix or a newer one, over
every fix of the day. Zone exit: the same for the first fix outside the home zone
(100 m) after one inside, to the first state not `home`. The peer and the bound are
not run: their polls are laid on the same day, each showing the newest fix shown by
then.

Why targets are missed at N=1, with one tracker at rest most of the day. Requests:
most are the polls every longest interval that watch for a trip to start, and each
fix then costs a listing and a history; the bound, which polls exactly as each fix
shows, costs about the peer's requests, and adaptive polling pays more for the
fixes it expects, which come within ±10 % of their rhythm: it asks every 30 s (the
shortest interval) from the earliest they may show to the latest, then twice more
(60 s on, in case the fix is late, and when the next would show, in case its
report went missing), and a tracker that stops costs one such window and those two
polls. Median staleness: those polls see a fix some
15 s after it shows, as polling every 30 s does; half of fixed 60 s's median is
under that, fresher than fixed 30 s. p95 staleness: nothing announces a trip's
first fix, which waits for the poll every longest interval (up to 300 s); those
fixes are about a tenth of the day's, for every strategy polling less than every
minute. Zone exit: an exit is a trip's second fix or later, expected; but with a
handful of exits a day the p95 is the slowest, such as a trip whose first report
went missing, or a short rhythm whose second fix shows before the first is seen.
With more trackers, polls serve several at once and see trip starts sooner. The
last table measures what the p95 targets cost."""
_WATCHING: Final = """\
What watching for trips costs, at N=1: a second bound, which foresees every fix
but a trip's first (generously: every fix within 15 min of the one before, or an
hour after it, as a keep-alive) and polls as each shows, never twice within 30 s,
and every 60 to 300 s at least, for the trips' first fixes. Its p95s are their
wait. On this day, its p95 staleness is within fixed 60 s's once it watches every
90 s, and its p95 zone exit once it watches every 60 s: at over twice the requests
the other targets allow (a third of fixed 60 s's, and the peer's). As set, the
targets cannot all be met by polling alone, without a sign from the API that a
trip has begun."""
