"""Adaptive polling: polls follow the trackers' fixes, within the interval bounds."""

from collections.abc import Iterable
from datetime import timedelta
from itertools import pairwise
import logging

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

from custom_components.invoxia.const import CONF_ADAPTIVE, CONF_API_URL, DOMAIN
from custom_components.invoxia.coordinator import InvoxiaCoordinator
from custom_components.invoxia.diagnostics import async_get_config_entry_diagnostics
from simulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    Fault,
    FaultKind,
    ReplyShape,
    Report,
    Simulator,
)
from tests.conftest import SIMULATOR_START

LISTING = "/devices/"
LONGEST = 300


def _reports(times: Iterable[float], delay: float = 10) -> list[Report]:
    """Return fixes taken at these times (s from the start), shown `delay` s later.

    Each is a little further north than the one before, so that each moves the
    tracker.
    """
    return [
        Report(taken=at, shown=at + delay, latitude=48.0 + index / 1e4, longitude=2.0)
        for index, at in enumerate(times)
    ]


def _every(every: float, count: int, start: float = 0) -> list[float]:
    """Return `count` times `every` s apart, the first `every` s after `start`."""
    return [start + every * (index + 1) for index in range(count)]


class Day:
    """Drives the test clock, the simulated world and the coordinator together."""

    def __init__(
        self, hass: HomeAssistant, freezer: FrozenDateTimeFactory, simulator: Simulator
    ) -> None:
        """Start at the simulator's start, with trackers that report as told."""
        self.hass = hass
        self.freezer = freezer
        self.simulator = simulator
        self.world = simulator.world
        for tracker_id in self.world.tracker_ids:
            self.world.remove_tracker(tracker_id)
        self.ids: list[int] = []
        self.polls: list[float] = []
        """When each poll listed the trackers, in seconds since the start."""

    def follow(self, reports: list[Report]) -> str:
        """Add a tracker that reports these fixes; return its serial number."""
        tracker_id = self.world.add_tracker()
        self.world.follow(tracker_id, reports)
        self.ids.append(tracker_id)
        return self.world.tracker(tracker_id).serial

    async def setup(self, options: dict[str, object]) -> InvoxiaCoordinator:
        """Set up an entry of the account with these options, at the start."""
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=str(self.world.user_id),
            data={
                CONF_EMAIL: DEFAULT_USERNAME,
                CONF_PASSWORD: DEFAULT_PASSWORD,
                CONF_API_URL: self.simulator.url,
            },
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
    def now(self) -> float:
        """Return the world's time, in seconds since the start."""
        return (self.world.now - SIMULATOR_START).total_seconds()

    async def run(self, until: float) -> None:
        """Let the polls come until `until` s since the start."""
        while (poll := self.coordinator.next_poll) is not None:
            moment = (poll - SIMULATOR_START).total_seconds()
            if moment > until:
                break
            await self.move_to(moment)
            before = self.simulator.counters.requests[LISTING]
            async_fire_time_changed(self.hass)
            await self.hass.async_block_till_done(wait_background_tasks=True)
            if self.simulator.counters.requests[LISTING] > before:
                self.polls.append(round(moment, 1))
        await self.move_to(until)

    async def move_to(self, moment: float) -> None:
        """Move the test clock and the world's to `moment` s since the start."""
        self.world.advance(moment - self.now)
        self.freezer.move_to(SIMULATOR_START + timedelta(seconds=moment))

    def staleness(self, reports: list[Report]) -> list[float]:
        """Return how long after the API showed it each fix was polled, if it was."""
        return [
            round(min(later) - report.shown, 1)
            for report in reports
            if (later := [poll for poll in self.polls if poll >= report.shown])
        ]

    def gaps(self) -> list[float]:
        """Return the time between successive polls, in s."""
        return [round(after - before, 1) for before, after in pairwise(self.polls)]


@pytest.fixture
def day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, simulator: Simulator
) -> Day:
    """Provide a day of the simulated account, on the test clock."""
    freezer.move_to(SIMULATOR_START)
    return Day(hass, freezer, simulator)


ADAPTIVE: dict[str, object] = {CONF_SCAN_INTERVAL: LONGEST}
"""The options of an entry polling adaptively, as by default, at least every 300 s."""


async def test_polls_land_just_after_a_regular_trackers_fixes(day: Day) -> None:
    """Once its rhythm and delay are learned, each fix is polled soon after it shows.

    The rhythm comes from the history the first poll fetches; the delay, from the
    polls that see the fixes after it.
    """
    reports = _reports(_every(120, 20, start=-600))
    day.follow(reports)
    await day.setup(ADAPTIVE)
    await day.run(until=1800)

    # Each window's first poll comes 30 s after the earliest a fix could show,
    # 0 s after its expected time: 20 s after it shows, while the delay is
    # unknown; then, known to be at most 25 s, 15 s after. One poll a fix.
    later = [report for report in reports if report.shown > 0]
    assert day.staleness(later) == [20.0] + [15.0] * 14
    assert day.gaps() == [30.0, 115.0] + [120.0] * 13
    diagnostics = await async_get_config_entry_diagnostics(
        day.hass, day.coordinator.config_entry
    )
    assert diagnostics["polling"] == {
        "adaptive": True,
        "longest_interval": 300.0,
        "next_poll": "2026-01-01T12:30:25+00:00",
    }
    assert [tracker["rhythm"] for tracker in diagnostics["trackers"]] == [
        {
            "interval": [120.0, 120.0],
            "keep_alive": None,
            "delay": [0.0, 25.0],
            "next_fix": ["2026-01-01T12:29:55+00:00", "2026-01-01T12:30:30+00:00"],
        }
    ]


async def test_a_listing_without_positions_has_the_rhythm_learned_from_fixes(
    day: Day,
) -> None:
    """As the real API lists trackers, with no last position, the fixes tell it all.

    The listing's last event moves with each fix: the fix fetched then gives its
    time, and the polls land after the fixes as they do with a position listed.
    """
    reports = _reports(_every(120, 20, start=-590))
    day.follow(reports)
    day.world.set_shape(day.ids[0], ReplyShape.RECORDED)
    await day.setup(ADAPTIVE)
    await day.run(until=1800)

    later = [report for report in reports if report.shown > 0]
    assert day.staleness(later) == [10.0] + [15.0] * 14
    assert day.gaps() == [30.0, 125.0] + [120.0] * 13


async def test_jitter_and_a_missed_report_cost_a_poll_or_two(day: Day) -> None:
    """A fix early or late within the rhythm's span is polled within 30 s.

    A report that never came (720 s) is asked again 60 s after its window's end
    (820 s), then as the next fix should have shown (895 s): it finds that fix.
    """
    history = [-600, -485, -360, -242, -120, 0]
    times = [*history, 110, 245, 360, 470, 600, 850, 960, 1080]
    reports = _reports(times)
    day.follow([report for report in reports if report.taken != 720])
    await day.setup(ADAPTIVE)
    await day.run(until=1400)

    later = [report for report in reports if report.shown > 0]
    assert day.staleness(later) == [
        20.0,
        20.0,
        20.0,
        10.0,
        15.0,
        25.0,
        35.0,
        20.0,
        10.0,
    ]
    assert day.polls[9:13] == [740.0, 770.0, 820.0, 895.0]


async def test_a_fix_later_than_its_rhythm_is_asked_again_a_minute_on(
    day: Day,
) -> None:
    """A fix 60 s later than a rhythm of 120 s ever was is found by the retry.

    Its window, 355 to 390 s, is polled at 385 s and at its end (415 s: 30 s after
    the last poll at the soonest); the fix shows at 430 s; the retry, 60 s after the
    window's end, sees it. The next fix is followed again, 15 s after it shows.
    """
    times = [*_every(120, 7, start=-840), 120, 240, 420, 540, 660]
    reports = _reports(times)
    day.follow(reports)
    await day.setup(ADAPTIVE)
    await day.run(until=700)

    assert day.polls[4:8] == [385.0, 415.0, 450.0, 565.0]
    late = next(report for report in reports if report.taken == 420)
    assert day.staleness([late]) == [20.0]


async def test_a_tracker_that_stops_is_polled_at_the_longest_interval(
    day: Day,
) -> None:
    """After its last fix, the next one's window is polled, then asked once more.

    The fix at 360 s, its last, is polled at 385 s; the one expected 60 s later is
    asked for at 445 s, then at the window's end (450 s), 30 s later at the soonest;
    then once more 60 s after that end, when a late fix or the one after a missed
    report would have shown; then polls come every 300 s.
    """
    day.follow(_reports(_every(60, 12, start=-360)))
    await day.setup(ADAPTIVE)
    await day.run(until=2500)

    assert day.polls[7:11] == [385.0, 445.0, 475.0, 510.0]
    assert day.gaps()[10:] == [LONGEST] * 6


async def test_a_tracker_that_starts_moving_is_followed(day: Day) -> None:
    """A tracker at rest is polled every 300 s; moving again, its fixes are followed.

    Its trip's first fix waits for the longest interval; the rhythm it kept from
    its last trip follows the next ones.
    """
    before = _every(90, 6, start=-3600)
    trip = _every(90, 8, start=1000)
    reports = _reports([*before, *trip])
    day.follow(reports)
    await day.setup(ADAPTIVE)
    await day.run(until=1900)

    assert day.polls[:5] == [0.0, 300.0, 600.0, 900.0, 1200.0]
    assert day.staleness(reports[-8:]) == [100.0, 10.0] + [15.0] * 6


async def test_a_keep_alive_is_polled_as_it_shows(day: Day) -> None:
    """A tracker at rest sending a fix every hour is polled just after each.

    Stops of random lengths between fixes are no such rhythm.
    """
    reports = _reports(_every(3600, 6, start=-3 * 3600))
    serial = day.follow(reports)
    stops = day.follow(_reports([-21000, -19000, -14000, -11000, -2000, -100]))
    await day.setup(ADAPTIVE)
    await day.run(until=3 * 3600 + 60)

    assert day.staleness(reports[-3:]) == [20.0, 15.0, 15.0]
    scheduler = day.coordinator.scheduler
    described = scheduler.describe(serial, day.world.now)
    assert described["keep_alive"] == [3600.0, 3600.0]
    assert described["interval"] is None
    assert scheduler.describe(stops, day.world.now)["keep_alive"] is None


async def test_fixes_of_several_trackers_share_polls(day: Day) -> None:
    """Two trackers whose fixes show 10 s apart are polled together, once a round."""
    first = _reports(_every(120, 16, start=-720))
    second = _reports(_every(120, 16, start=-710))
    day.follow(first)
    day.follow(second)
    await day.setup(ADAPTIVE)
    await day.run(until=1200)

    assert day.staleness(first[6:]) == [15.0] * 9
    assert day.staleness(second[6:]) == [5.0] * 9
    # One poll a round serves both: 11 polls in 20 minutes for 18 fixes.
    assert len(day.polls) == 11


async def test_a_tracker_without_fixes_is_polled_at_the_longest_interval(
    day: Day,
) -> None:
    """A tracker that never took a fix has no rhythm: polls come every 300 s."""
    tracker_id = day.world.add_tracker()
    await day.setup(ADAPTIVE)
    await day.run(until=700)

    assert day.gaps() == [300.0, 300.0]
    diagnostics = await async_get_config_entry_diagnostics(
        day.hass, day.coordinator.config_entry
    )
    assert diagnostics["trackers"][0]["tracker"]["id"] == tracker_id
    assert diagnostics["trackers"][0]["rhythm"] == dict.fromkeys(
        ("interval", "keep_alive", "delay", "next_fix")
    )


async def test_retry_after_wins_over_an_expected_fix(
    day: Day, simulator: Simulator
) -> None:
    """A rate limit's Retry-After delays the poll though a fix is expected."""
    day.follow(_reports(_every(60, 40, start=-360)))
    await day.setup(ADAPTIVE)
    await day.run(until=200)
    simulator.faults.add(Fault(FaultKind.STATUS, status=429, retry_after=900, count=1))
    await day.run(until=1400)

    # The poll at 205 s is refused for 900 s, though the next fix shows at 250 s.
    assert day.polls == [
        0.0,
        30.0,
        85.0,
        145.0,
        205.0,
        1105.0,
        1165.0,
        1225.0,
        1285.0,
        1345.0,
    ]


async def test_a_failure_waits_the_longest_interval_then_follows_the_fixes(
    day: Day, simulator: Simulator
) -> None:
    """A failed poll is retried after the longest interval, then follows the fixes."""
    reports = _reports(_every(60, 25, start=-360))
    day.follow(reports)
    await day.setup(ADAPTIVE)
    await day.run(until=200)
    simulator.faults.add(Fault(FaultKind.MALFORMED, path=LISTING, count=1))
    await day.run(until=1500)

    assert day.polls[:7] == [0.0, 30.0, 85.0, 145.0, 205.0, 505.0, 565.0]
    assert day.staleness(reports[-5:]) == [15.0] * 5


async def test_fixed_polling_ignores_the_fixes(day: Day) -> None:
    """With adaptive polling off, polls come every interval whatever the trackers do."""
    day.follow(_reports(_every(60, 20, start=-360)))
    await day.setup({CONF_SCAN_INTERVAL: 120, CONF_ADAPTIVE: False})
    await day.run(until=700)

    assert day.gaps() == [120.0] * 5


async def test_an_entry_made_before_adaptive_polling_keeps_its_interval(
    day: Day,
) -> None:
    """An entry's interval from before adaptive polling stays, as its longest."""
    day.follow(_reports(_every(600, 2, start=-1200)))
    coordinator = await day.setup({CONF_SCAN_INTERVAL: 60})
    await day.run(until=200)

    assert (coordinator.adaptive, coordinator.longest) == (True, timedelta(seconds=60))
    assert day.gaps() == [60.0, 60.0, 60.0]


async def test_an_entry_without_options_polls_adaptively_within_5_minutes(
    day: Day,
) -> None:
    """By default, polling is adaptive, at least every 300 s."""
    day.follow(_reports(_every(600, 2, start=-1200)))
    coordinator = await day.setup({})
    await day.run(until=700)

    assert (coordinator.adaptive, coordinator.longest) == (True, timedelta(seconds=300))
    assert day.gaps() == [300.0, 300.0]


async def test_a_manual_refresh_polls_at_once(day: Day, hass: HomeAssistant) -> None:
    """Asking Home Assistant to update an entity polls now, whatever is planned."""
    serial = day.follow(_reports(_every(600, 2, start=-1200)))
    await day.setup(ADAPTIVE)
    await async_setup_component(hass, "homeassistant", {})
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
    day.follow(_reports(_every(60, 12, start=-360)))
    await day.setup(ADAPTIVE)
    await day.run(until=800)

    messages = [
        record.getMessage()
        for record in caplog.records
        if record.getMessage().startswith("Next poll")
    ]
    assert messages[:3] == [
        "Next poll in 30 s: 1 tracker(s) may have shown a fix by then",
        "Next poll in 55 s: 1 tracker(s) may have shown a fix by then",
        "Next poll in 60 s: 1 tracker(s) may have shown a fix by then",
    ]
    assert messages[-1] == "Next poll in 300 s: no fix expected sooner"


async def test_stops_on_the_way_leave_the_rhythm_to_be_followed(day: Day) -> None:
    """Intervals that a stop or a detour lengthened or shortened are left out.

    The trip's history has two of them among five intervals of about 120 s: the
    rhythm is the other three, and the fixes after it are polled as they show.
    """
    history = [-585, -473, -342, -194, -115, 0]
    times = [*history, 118, 240, 355, 478, 600]
    reports = _reports(times)
    day.follow(reports)
    await day.setup(ADAPTIVE)
    await day.run(until=700)

    assert day.staleness(reports[-5:]) == [9.0, 5.0, 12.0, 4.0, 5.0]
