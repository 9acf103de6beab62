"""Adaptive polling: polls follow the trackers' fixes, within the interval bounds."""

from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
import logging
import math

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.invoxia.const import CONF_API_URL, DOMAIN
from custom_components.invoxia.coordinator import InvoxiaCoordinator
from custom_components.invoxia.scheduler import InvoxiaScheduler
from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, Fault, FaultKind, Simulator
from tests.conftest import SIMULATOR_START

LISTING = "/devices/"
LONGEST = 300


@dataclass(frozen=True, slots=True)
class Report:
    """A fix of the tracker of index `tracker`, taken at `at` s, shown `delay` s on."""

    tracker: int
    at: float
    delay: float = 10

    @property
    def shown(self) -> float:
        """Return when the API shows the fix, in seconds since the start."""
        return self.at + self.delay


class Day:
    """Drives the test clock, the simulated world and the coordinator together."""

    def __init__(
        self, hass: HomeAssistant, freezer: FrozenDateTimeFactory, simulator: Simulator
    ) -> None:
        """Start at the simulator's start with two trackers that never took a fix."""
        self.hass = hass
        self.freezer = freezer
        self.simulator = simulator
        self.world = simulator.world
        for tracker_id in self.world.tracker_ids:
            self.world.remove_tracker(tracker_id)
        self.ids = (self.world.add_tracker(), self.world.add_tracker())
        self.polls: list[float] = []
        """When each poll listed the trackers, in seconds since the start."""
        self.now = 0.0

    async def setup(self, options: dict[str, object]) -> InvoxiaCoordinator:
        """Set up an entry of the account with these options."""
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=str(self.world.user_id),
            data=self._entry_data,
            options=options,
        )
        entry.add_to_hass(self.hass)
        await self.hass.config_entries.async_setup(entry.entry_id)
        await self.hass.async_block_till_done()
        self.polls.append(0.0)
        coordinator = entry.runtime_data
        assert isinstance(coordinator, InvoxiaCoordinator)
        self.coordinator = coordinator
        return coordinator

    @property
    def _entry_data(self) -> dict[str, str]:
        """Return the data of an entry of the simulated account."""
        return {
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: self.simulator.url,
        }

    async def run(self, reports: list[Report], until: float) -> None:
        """Let time pass until `until` s, the API showing each fix when it says."""
        pending = sorted(reports, key=lambda report: report.shown)
        while True:
            next_poll = self.coordinator.next_poll
            poll_at = (
                (next_poll - SIMULATOR_START).total_seconds() + 1
                if next_poll
                else math.inf
            )
            target = min(pending[0].shown if pending else math.inf, poll_at)
            if target > until:
                break
            await self._move_to(target)
            while pending and pending[0].shown <= target:
                self._show(pending.pop(0))
            before = self.simulator.counters.requests[LISTING]
            async_fire_time_changed(self.hass)
            await self.hass.async_block_till_done(wait_background_tasks=True)
            if self.simulator.counters.requests[LISTING] > before:
                self.polls.append(target)
        await self._move_to(until)

    async def _move_to(self, moment: float) -> None:
        """Move the test clock and the world's to `moment` s since the start."""
        self.world.advance(moment - self.now)
        self.freezer.move_to(SIMULATOR_START + timedelta(seconds=moment))
        self.now = moment

    def _show(self, report: Report) -> None:
        """Let the API show a fix: dated back by its delay, a little further north."""
        tracker_id = self.ids[report.tracker]
        self.world.skew_clock(tracker_id, -timedelta(seconds=self.now - report.at))
        home = self.world.home
        self.world.move_tracker(tracker_id, home[0] + 0.001 * report.at, home[1])

    def staleness(self, reports: list[Report]) -> list[float]:
        """Return how long after the API showed it each fix was polled, if it was."""
        return [
            min(later) - report.shown
            for report in reports
            if (later := [poll for poll in self.polls if poll >= report.shown])
        ]

    def gaps(self) -> list[float]:
        """Return the time between successive polls."""
        return [after - before for before, after in pairwise(self.polls)]


@pytest.fixture
def day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, simulator: Simulator
) -> Day:
    """Provide a day of the simulated account, on the test clock."""
    freezer.move_to(SIMULATOR_START)
    return Day(hass, freezer, simulator)


def _regular(tracker: int, every: float, count: int, start: float = 0) -> list[Report]:
    """Return `count` fixes of a tracker, every `every` s after `start`."""
    return [Report(tracker, start + every * (index + 1)) for index in range(count)]


async def test_polls_land_just_after_a_regular_trackers_fixes(day: Day) -> None:
    """Once its rhythm is learned, each fix of a tracker is polled within seconds."""
    await day.setup({CONF_SCAN_INTERVAL: LONGEST})
    reports = _regular(0, 120, 10)
    await day.run(reports, until=1260)
    # The delay is learned in a few fixes, then each is polled within seconds.
    assert day.staleness(reports)[:3] == [171, 51, 27]
    assert all(stale <= 14 for stale in day.staleness(reports[4:]))
    # One poll per fix, where polling every minute would cost 21.
    assert len(day.polls) == 11
    described = day.coordinator.scheduler.describe(day.world.tracker(day.ids[0]).serial)
    assert described["interval"] == 120.0


async def test_a_missed_report_and_jitter_cost_a_few_polls_more(day: Day) -> None:
    """A late fix and a report that never comes are asked for again until seen."""
    await day.setup({CONF_SCAN_INTERVAL: LONGEST})
    times = [120, 240, 360, 470, 600, 850, 960, 1080]
    reports = [Report(0, at) for at in times if at != 720]
    await day.run(reports, until=1200)
    assert max(day.staleness(reports[3:])) <= 31
    assert len(day.polls) < 1200 / 60


async def test_a_tracker_that_stops_is_polled_at_the_longest_interval(
    day: Day,
) -> None:
    """After its last fix and a few retries, polls come every longest interval."""
    await day.setup({CONF_SCAN_INTERVAL: LONGEST})
    await day.run(_regular(0, 60, 5), until=2000)
    gaps = day.gaps()
    # Polls follow the fixes, then ask for the missing one at +30 and +60 s...
    assert gaps[0] == LONGEST + 1
    assert max(gaps[1:6]) < 60
    # ...then come every longest interval.
    assert gaps[-4:] == [LONGEST + 1] * 4
    described = day.coordinator.scheduler.describe(day.world.tracker(day.ids[0]).serial)
    assert described["next_fix"] is None


async def test_a_tracker_that_starts_moving_is_followed(day: Day) -> None:
    """A still tracker is polled every longest interval until its fixes come."""
    await day.setup({CONF_SCAN_INTERVAL: LONGEST})
    reports = _regular(0, 90, 6, start=900)
    await day.run(reports, until=1500)
    assert day.polls[:5] == [0, 301, 602, 903, 1204]
    assert day.staleness(reports) == [204, 114, 24, 27, 17.5, 13.625]


async def test_fixes_expected_close_together_share_one_poll(day: Day) -> None:
    """Two trackers whose fixes show 10 s apart are polled once for both."""
    await day.setup({CONF_SCAN_INTERVAL: LONGEST})
    first = _regular(0, 120, 8)
    second = [Report(1, report.at + 10) for report in first]
    await day.run(first + second, until=960)
    # One poll a round for both: the first waits for the second, 10 s on.
    assert all(110 < gap < 125 for gap in day.gaps()[3:])
    assert max(day.staleness(first[3:])) <= 28
    assert max(day.staleness(second[3:])) <= 18
    assert len(day.polls) == 8


async def test_retry_after_wins_over_an_expected_fix(
    day: Day, simulator: Simulator
) -> None:
    """A rate limit's Retry-After delays the poll though a fix is expected."""
    await day.setup({CONF_SCAN_INTERVAL: LONGEST})
    await day.run(_regular(0, 60, 5), until=310)
    simulator.faults.add(Fault(FaultKind.STATUS, status=429, retry_after=900, count=1))
    await day.run(_regular(0, 60, 20, start=300), until=1300)
    assert day.polls == [0, 301, 332, 1233, 1282.5]


async def test_a_failure_while_polling_adaptively_waits_the_longest_interval(
    day: Day, simulator: Simulator
) -> None:
    """A failed poll is retried after the longest interval, then follows the fixes."""
    await day.setup({CONF_SCAN_INTERVAL: LONGEST})
    await day.run(_regular(0, 60, 5), until=310)
    simulator.faults.add(Fault(FaultKind.MALFORMED, path=LISTING, count=1))
    reports = _regular(0, 60, 20, start=300)
    await day.run(reports, until=1500)
    failed = day.polls.index(max(poll for poll in day.polls if poll <= 340))
    assert day.polls[failed + 1] - day.polls[failed] == LONGEST + 1
    assert all(stale <= 7 for stale in day.staleness(reports[-5:]))


async def test_fixed_polling_ignores_the_fixes(day: Day) -> None:
    """With adaptive polling off, polls come every interval whatever the trackers do."""
    await day.setup({CONF_SCAN_INTERVAL: 120, "adaptive": False})
    await day.run(_regular(0, 60, 10), until=700)
    assert day.gaps() == [121, 121, 121, 121, 121]


async def test_an_old_entry_with_an_interval_polls_adaptively_within_it(
    day: Day,
) -> None:
    """An entry made before adaptive polling keeps its interval, as the longest."""
    coordinator = await day.setup({CONF_SCAN_INTERVAL: 60})
    assert (coordinator.adaptive, coordinator.longest) == (True, timedelta(seconds=60))
    await day.run([], until=200)
    assert day.gaps() == [61, 61, 61]


async def test_a_manual_refresh_polls_at_once(day: Day, hass: HomeAssistant) -> None:
    """Asking Home Assistant to update an entity polls now, whatever is planned."""
    await day.setup({CONF_SCAN_INTERVAL: LONGEST})
    await async_setup_component(hass, "homeassistant", {})
    serial = day.world.tracker(day.ids[0]).serial
    entity_id = er.async_get(hass).async_get_entity_id("device_tracker", DOMAIN, serial)
    before = day.simulator.counters.requests[LISTING]
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": entity_id}, blocking=True
    )
    assert day.simulator.counters.requests[LISTING] == before + 1


async def test_each_poll_logs_why_it_was_planned(
    day: Day, caplog: pytest.LogCaptureFixture
) -> None:
    """The debug log says when the next poll comes, and why."""
    caplog.set_level(logging.DEBUG, logger="custom_components.invoxia")
    await day.setup({CONF_SCAN_INTERVAL: LONGEST})
    await day.run(_regular(0, 60, 5), until=400)
    messages = [
        record.getMessage()
        for record in caplog.records
        if record.getMessage().startswith("Next poll")
    ]
    assert messages[:3] == [
        "Next poll in 300 s: no tracker moving",
        "Next poll in 30 s: fix expected of 1 tracker(s)",
        "Next poll in 49 s: fix expected of 1 tracker(s)",
    ]


def test_a_rhythm_is_unknown_before_any_poll() -> None:
    """Diagnostics of a tracker never polled know nothing of it."""
    scheduler = InvoxiaScheduler(timedelta(seconds=LONGEST))
    assert scheduler.describe("X") == {
        "interval": None,
        "delay": None,
        "next_fix": None,
    }


def test_a_fix_expected_after_the_longest_interval_waits_the_longest() -> None:
    """A slow tracker's next fix, after the longest interval, waits for it."""
    scheduler = InvoxiaScheduler(timedelta(seconds=60))
    moment = SIMULATOR_START + timedelta(seconds=600)
    scheduler.learn("X", [moment, SIMULATOR_START])
    scheduler.observe({"X": moment}, moment)
    assert scheduler.next_poll(SIMULATOR_START + timedelta(seconds=600)) == (
        timedelta(seconds=60),
        "no fix expected sooner than the longest interval",
    )
