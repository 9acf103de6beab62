"""What users see when the Invoxia API fails or answers oddly, and how it recovers.

The fault matrix of issue #8, with Home Assistant running the integration against the
simulator and the test clock driving the polls. Log lines are checked exactly: Home
Assistant's coordinator writes one when polls start failing and one when they recover.
"""

import asyncio
from collections.abc import Callable, Iterator
from datetime import timedelta
import logging
import socket
from typing import override
from unittest.mock import patch

from aiohttp.abc import AbstractResolver, ResolveResult
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from yarl import URL

from custom_components.invoxia.api.client import MAX_RESPONSE_BYTES
from custom_components.invoxia.const import CONF_API_URL, DOMAIN, LOGGER
from simulator import Fault, FaultKind, ReplyShape, Simulator
from tests.conftest import POLL_INTERVAL, SIMULATOR_START, poll

FAILED = "Error fetching invoxia data: "
CANNOT_CONNECT = f"{FAILED}Cannot reach the Invoxia API"
API_ERROR = (
    f"{FAILED}The Invoxia API answered with an error or with data that cannot be read"
)
RATE_LIMITED = f"{FAILED}The Invoxia API asks to slow down; polling resumes later"
RECOVERED = "Fetching invoxia data recovered"
AUTH_FAILED = (
    "Authentication failed while fetching invoxia data: "
    "Invoxia refused the account's credentials"
)
# Entities per tracker, those disabled by default left out.
ENTITIES = 8
# The client takes http only on this machine: this name, which _Resolver answers.
API_HOST = "localhost"


@pytest.fixture(params=list(ReplyShape))
def reply_shape(request: pytest.FixtureRequest) -> ReplyShape:
    """Run every fault against both shapes of replies: modelled and recorded."""
    shape: ReplyShape = request.param
    return shape


@pytest.fixture(autouse=True)
def info_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Capture what the integration logs from the info level up."""
    caplog.set_level(logging.INFO, logger=LOGGER.name)


def _take_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the lines the integration logged at info level or above; forget them."""
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name == LOGGER.name and record.levelno >= logging.INFO
    ]
    caplog.clear()
    return lines


def _states(hass: HomeAssistant) -> dict[str, str]:
    """Return the state of every entity but the zones."""
    return {
        state.entity_id: state.state
        for state in hass.states.async_all()
        if state.domain != "zone"
    }


def _state(hass: HomeAssistant, domain: str, unique_id: str) -> State:
    """Return the state of one of the integration's entities, found by unique id."""
    entity_id = er.async_get(hass).async_get_entity_id(domain, DOMAIN, unique_id)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state


def _position(hass: HomeAssistant, serial: str) -> tuple[float, float, int]:
    """Return a tracker's latitude, longitude and accuracy, as its entity shows them."""
    attributes = _state(hass, "device_tracker", serial).attributes
    return attributes["latitude"], attributes["longitude"], attributes["gps_accuracy"]


def _devices(hass: HomeAssistant, entry: MockConfigEntry) -> list[dr.DeviceEntry]:
    """Return the devices of the entry."""
    return dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)


async def _until(condition: Callable[[], bool]) -> None:
    """Yield to the event loop, the clock standing still, until a condition holds."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    pytest.fail("the condition never held")


async def _fails_twice(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    message: str,
) -> None:
    """Poll twice into a fault: every entity unavailable, the failure logged once."""
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert set(_states(hass).values()) == {STATE_UNAVAILABLE}
    assert _take_log(caplog) == [message]


async def _recovers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    before: dict[str, str],
) -> None:
    """Poll once the fault is gone: every state back as before, recovery logged once."""
    await poll(hass, freezer)
    assert _states(hass) == before
    assert _take_log(caplog) == [RECOVERED]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        pytest.param(Fault(FaultKind.STATUS, status=500), API_ERROR, id="500"),
        pytest.param(Fault(FaultKind.STATUS, status=502), API_ERROR, id="502"),
        pytest.param(Fault(FaultKind.STATUS, status=503), API_ERROR, id="503"),
        pytest.param(Fault(FaultKind.STATUS, status=204), API_ERROR, id="204"),
        pytest.param(Fault(FaultKind.STATUS, status=429), RATE_LIMITED, id="429"),
        pytest.param(Fault(FaultKind.MALFORMED), API_ERROR, id="malformed"),
        pytest.param(Fault(FaultKind.TRUNCATED), API_ERROR, id="truncated"),
        pytest.param(
            Fault(FaultKind.HUGE, size=MAX_RESPONSE_BYTES), API_ERROR, id="huge"
        ),
        pytest.param(Fault(FaultKind.RESET), CANNOT_CONNECT, id="reset"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_failed_poll_makes_entities_unavailable_until_the_next_good_one(  # noqa: PLR0913 - fixtures and parameters
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    message: str,
) -> None:
    """Every entity goes unavailable, logged once; all come back, logged once.

    An answer over MAX_RESPONSE_BYTES is refused once that much of it has arrived.
    """
    before = _states(hass)
    assert len(before) == 5 * ENTITIES
    simulator.faults.add(fault)
    await _fails_twice(hass, freezer, caplog, message)

    simulator.faults.clear()
    await _recovers(hass, freezer, caplog, before)


async def test_password_changed_elsewhere_makes_entities_unavailable_until_reauth(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused password after good polls: unavailable, logged once, until reauth.

    The poll starts the reauth flow; signing in again reloads the entry.
    """
    before = _states(hass)
    simulator.world.set_credentials(simulator.world.username, "changed-elsewhere")
    await _fails_twice(hass, freezer, caplog, AUTH_FAILED)

    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: "changed-elsewhere"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert init_integration.state is ConfigEntryState.LOADED
    assert _states(hass) == before


async def test_closed_port_makes_entities_unavailable_until_it_opens_again(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens on the API's port after good polls: unavailable until it does."""
    before = _states(hass)
    port = URL(simulator.url).port
    assert port is not None
    await poll(hass, freezer)
    await simulator.stop()
    await _fails_twice(hass, freezer, caplog, CANNOT_CONNECT)
    error = init_integration.runtime_data.last_exception
    assert error is not None
    assert str(error.__cause__) == "Cannot reach the API: ClientConnectorError"

    async with Simulator(simulator.world, port=port) as reopened:
        await poll(hass, freezer)
        assert reopened.counters.requests == {"/devices/": 1}
    assert _states(hass) == before
    assert _take_log(caplog) == [RECOVERED]


class _Resolver(AbstractResolver):
    """A name server of our own: API_HOST is the loopback address, while it is up."""

    def __init__(self) -> None:
        """Start up, with no lookup made."""
        self.up = True
        self.lookups = 0

    @override
    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve API_HOST while up; otherwise fail as a name server that is down."""
        self.lookups += 1
        if not self.up or host != API_HOST:
            raise OSError(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    @override
    async def close(self) -> None:
        """Release nothing: there is nothing to release."""

    async def real_close(self) -> None:
        """Release nothing: Home Assistant calls this as it stops."""


@pytest.fixture
def resolver() -> Iterator[_Resolver]:
    """Make our name server the one of Home Assistant's HTTP client session."""
    name_server = _Resolver()
    # The hook Home Assistant's own test plugin patches to keep zeroconf out.
    with patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        return_value=name_server,
    ):
        yield name_server


async def test_name_that_stops_resolving_makes_entities_unavailable_until_it_does(  # noqa: PLR0913 - fixtures
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    simulator: Simulator,
    resolver: _Resolver,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A DNS failure after good polls: unavailable, logged once, until it resolves.

    Each poll looks the name up again, as Home Assistant's session keeps connections
    and lookups for less than a polling interval.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        data={
            **mock_config_entry.data,
            CONF_API_URL: f"http://{API_HOST}:{URL(simulator.url).port}",
        },
        options=mock_config_entry.options,
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await poll(hass, freezer)
    before = _states(hass)
    assert len(before) == 5 * ENTITIES
    assert STATE_UNAVAILABLE not in before.values()
    assert resolver.lookups == 2

    resolver.up = False
    simulator.counters.reset()
    await _fails_twice(hass, freezer, caplog, CANNOT_CONNECT)
    assert (resolver.lookups, simulator.counters.total) == (4, 0)
    error = entry.runtime_data.last_exception
    assert error is not None
    assert str(error.__cause__) == "Cannot reach the API: ClientConnectorDNSError"

    resolver.up = True
    await _recovers(hass, freezer, caplog, before)


async def test_request_without_answer_fails_the_poll_after_20_seconds(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A hung request fails its poll at the client's 20 s timeout; then polls go on.

    The timeout runs on the event loop's clock, which the test clock drives: no real
    second passes.
    """
    before = _states(hass)
    simulator.faults.add(Fault(FaultKind.HANG))
    simulator.counters.reset()
    freezer.tick(POLL_INTERVAL)
    async_fire_time_changed(hass)
    await _until(lambda: simulator.counters.total == 1)
    freezer.tick(timedelta(seconds=19))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert _states(hass) == before
    assert _take_log(caplog) == []

    await poll(hass, freezer, timedelta(seconds=1))
    assert set(_states(hass).values()) == {STATE_UNAVAILABLE}
    assert _take_log(caplog) == [CANNOT_CONNECT]
    error = init_integration.runtime_data.last_exception
    assert error is not None
    assert str(error.__cause__) == "No answer from the API within 20.0 s"

    simulator.faults.clear()
    await _recovers(hass, freezer, caplog, before)
    assert simulator.counters.total == 2


@pytest.mark.usefixtures("init_integration")
async def test_rate_limit_without_retry_after_waits_the_polling_interval(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A 429 that does not say how long to wait: the next poll comes as usual."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=429, count=1))
    simulator.counters.reset()
    await poll(hass, freezer)
    assert simulator.counters.total == 1
    assert set(_states(hass).values()) == {STATE_UNAVAILABLE}
    await poll(hass, freezer, POLL_INTERVAL / 2)
    assert simulator.counters.total == 1
    await poll(hass, freezer, POLL_INTERVAL / 2)
    assert simulator.counters.total == 2
    assert STATE_UNAVAILABLE not in _states(hass).values()


async def test_account_without_trackers_keeps_the_entry_and_no_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every tracker removed: devices and entities go, no error; a new one appears.

    An empty listing is an account without trackers, not a failure: the entry stays
    loaded and polling, and logs nothing.
    """
    world = simulator.world
    for tracker_id in world.tracker_ids:
        world.remove_tracker(tracker_id)
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.last_update_success is True
    assert init_integration.runtime_data.data == {}
    assert _devices(hass, init_integration) == []
    assert (
        er.async_entries_for_config_entry(er.async_get(hass), init_integration.entry_id)
        == []
    )
    assert _states(hass) == {}
    assert _take_log(caplog) == []

    newcomer = world.tracker(world.add_tracker(name="Bella", position=(48.85, 2.35)))
    await poll(hass, freezer)
    assert len(_states(hass)) == ENTITIES
    assert STATE_UNAVAILABLE not in _states(hass).values()
    assert _position(hass, newcomer.serial) == (48.85, 2.35, 10)


async def test_device_of_an_unknown_type_is_left_out(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A device of a type the integration does not know gets nothing; the rest goes on.

    Once listed with a type the integration knows, it gets its device and entities.
    """
    world = simulator.world
    before = _states(hass)
    newcomer = world.tracker(world.add_tracker(name="Nova", position=(48.85, 2.35)))
    world.misreport(newcomer.id, device_type="tracker_99")
    moved = world.tracker(world.tracker_ids[0])
    world.move_tracker(moved.id, 48.8584, 2.2945, precision=8)
    await poll(hass, freezer)
    assert _states(hass).keys() == before.keys()
    assert STATE_UNAVAILABLE not in _states(hass).values()
    assert _position(hass, moved.serial) == (48.8584, 2.2945, 8)
    assert len(_devices(hass, init_integration)) == 5
    assert init_integration.runtime_data.last_update_success is True
    assert _take_log(caplog) == []

    world.misreport(newcomer.id)
    await poll(hass, freezer)
    assert len(_states(hass)) == 6 * ENTITIES
    assert _position(hass, newcomer.serial) == (48.85, 2.35, 10)


@pytest.mark.usefixtures("init_integration")
async def test_unknown_icon_and_location_method_read_as_unknown(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """Icon 999 and location method 99 show as the usage's icon and "unknown".

    Everything else of the tracker shows as usual.
    """
    world = simulator.world
    quirky = world.tracker(world.quirks.unknown_values_tracker)
    entry = er.async_get(hass).async_get(
        _state(hass, "device_tracker", quirky.serial).entity_id
    )
    assert entry is not None
    assert (quirky.usage, entry.translation_key) == ("bike", "bike")

    world.move_tracker(quirky.id, 48.8584, 2.2945, precision=40, method=99)
    await poll(hass, freezer)
    assert _state(hass, "sensor", f"{quirky.serial}_location_method").state == (
        "unknown"
    )
    assert _position(hass, quirky.serial) == (48.8584, 2.2945, 40)
    assert STATE_UNAVAILABLE not in _states(hass).values()


async def test_tracker_listed_without_a_required_field_alone_goes_unavailable(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One tracker listed without its serial: only its entities go unavailable.

    What it was last read as is kept, never replaced by what cannot be read, and its
    device stays; the other trackers go on. It comes back once listed whole, with
    what it did meanwhile. Logged once each way.
    """
    world = simulator.world
    coordinator = init_integration.runtime_data
    broken = world.tracker(world.tracker_ids[1])
    other = world.tracker(world.tracker_ids[0])
    last_read = coordinator.data[broken.serial].tracker
    own = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            er.async_get(hass), init_integration.entry_id
        )
        if entry.unique_id.partition("_")[0] == broken.serial
        and entry.disabled_by is None
    }
    before = _states(hass)
    world.misreport(broken.id, missing=("serial",))
    world.move_tracker(broken.id, 48.8606, 2.3376, precision=15)
    world.move_tracker(other.id, 48.8584, 2.2945, precision=8)
    await poll(hass, freezer)
    await poll(hass, freezer)
    unavailable = {
        entity for entity, state in _states(hass).items() if state == STATE_UNAVAILABLE
    }
    assert len(own) == ENTITIES
    assert unavailable == own
    assert _position(hass, other.serial) == (48.8584, 2.2945, 8)
    assert coordinator.last_update_success is True
    assert coordinator.data[broken.serial].tracker is last_read
    assert len(_devices(hass, init_integration)) == 5
    assert _take_log(caplog) == [
        f"{broken.name} is unavailable: Cannot read 1 listed device(s): "
        "Device.serial: expected a value, found none"
    ]

    world.misreport(broken.id)
    await poll(hass, freezer)
    assert _states(hass).keys() == before.keys()
    assert STATE_UNAVAILABLE not in _states(hass).values()
    assert _position(hass, broken.serial) == (48.8606, 2.3376, 15)
    assert _take_log(caplog) == [f"{broken.name} can be read again"]


@pytest.mark.usefixtures("init_integration")
async def test_listing_where_no_tracker_can_be_read_fails_the_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When not one tracker of the listing can be read, the answer as a whole cannot.

    Every entity goes unavailable, logged once, as for any unreadable answer.
    """
    world = simulator.world
    before = _states(hass)
    for tracker_id in world.tracker_ids:
        world.misreport(tracker_id, missing=("tracker_config",))
    await _fails_twice(hass, freezer, caplog, API_ERROR)

    for tracker_id in world.tracker_ids:
        world.misreport(tracker_id)
    await _recovers(hass, freezer, caplog, before)


async def test_tracker_unreadable_at_setup_keeps_its_device_and_comes_later(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Set up with one tracker unreadable: the others get their entities at once.

    Its device, from before a restart, is not removed: the tracker may be the one
    that cannot be read. It gets its entities once listed whole.
    """
    world = simulator.world
    broken = world.tracker(world.tracker_ids[1])
    world.misreport(broken.id, missing=("tracker_status",))
    mock_config_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={(DOMAIN, broken.serial)},
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert len(_states(hass)) == 4 * ENTITIES
    assert STATE_UNAVAILABLE not in _states(hass).values()
    assert device in _devices(hass, mock_config_entry)

    world.misreport(broken.id)
    await poll(hass, freezer)
    assert len(_states(hass)) == 5 * ENTITIES
    assert STATE_UNAVAILABLE not in _states(hass).values()


@pytest.mark.usefixtures("init_integration")
async def test_history_duplicated_and_out_of_order_shows_the_newest_fix(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A history answered oldest first, each location twice: the newest fix wins.

    The accuracy and the location method never go back to an older fix.
    """
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    method = f"{tracker.serial}_location_method"
    simulator.faults.add(
        Fault(FaultKind.DISORDERED, path=f"/devices/{tracker.id}/tracker_data/")
    )
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=1, method=14)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 1)
    assert _state(hass, "sensor", method).state == "gps_ble"

    world.advance(60)
    world.move_tracker(tracker.id, 48.8606, 2.3376, precision=2, method=2)
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8606, 2.3376, 2)
    assert _state(hass, "sensor", method).state == "gps"


@pytest.mark.freeze_time(SIMULATOR_START)
@pytest.mark.usefixtures("init_integration")
async def test_fix_dated_in_the_future_is_shown_as_dated(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A fix from a tracker whose clock runs 5 minutes ahead is taken as it comes.

    Tracker clocks drift, and a fix dated minutes ahead is still the newest position:
    location, accuracy and last seen show it, dated as the API dates it. The next
    fix, dated later, replaces it as usual.
    """
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    last_seen = f"{tracker.serial}_last_seen"
    world.skew_clock(tracker.id, timedelta(minutes=5))
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=8)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 8)
    assert _state(hass, "sensor", last_seen).state == "2026-01-01T12:05:00+00:00"

    world.skew_clock(tracker.id, timedelta(0))
    world.advance(600)
    world.move_tracker(tracker.id, 48.8606, 2.3376, precision=15)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8606, 2.3376, 15)
    assert _state(hass, "sensor", last_seen).state == "2026-01-01T12:10:00+00:00"
