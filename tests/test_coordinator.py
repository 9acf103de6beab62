"""Polling: what each poll costs, and how API failures show in Home Assistant."""

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.invoxia.const import CONF_API_URL, DOMAIN, LOGGER
from simulator import Fault, FaultKind, Fix, ReplyShape, Simulator, World
from simulator.world import JsonObject, JsonValue
from tests.conftest import SIMULATOR_START, poll

LISTING = "/devices/"
HISTORY = "/devices/{id}/tracker_data/"


def _tracker_states(hass: HomeAssistant) -> dict[str, str]:
    return {
        state.entity_id: state.state
        for state in hass.states.async_all("device_tracker")
    }


@pytest.mark.usefixtures("init_integration")
async def test_poll_where_nothing_moved_costs_one_request(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """When no tracker has a new fix, a poll is the tracker listing alone."""
    simulator.counters.reset()
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert dict(simulator.counters.requests) == {LISTING: 2}


@pytest.mark.usefixtures("init_integration")
async def test_poll_after_moves_fetches_the_fix_of_each_moved_tracker(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """K trackers with a new fix cost 1 + k requests, and their state follows."""
    world = simulator.world
    moved = world.tracker_ids[:2]
    world.move_tracker(moved[0], 48.8584, 2.2945, precision=8)
    world.move_tracker(moved[1], 48.8606, 2.3376, precision=15)
    simulator.counters.reset()
    await poll(hass, freezer)
    assert dict(simulator.counters.requests) == {LISTING: 1, HISTORY: 2}
    entity_registry = er.async_get(hass)
    for tracker_id, (lat, lng, accuracy) in zip(
        moved, [(48.8584, 2.2945, 8), (48.8606, 2.3376, 15)], strict=True
    ):
        entity_id = entity_registry.async_get_entity_id(
            "device_tracker", DOMAIN, world.tracker(tracker_id).serial
        )
        assert entity_id is not None
        state = hass.states.get(entity_id)
        assert state is not None
        assert (
            state.attributes["latitude"],
            state.attributes["longitude"],
            state.attributes["gps_accuracy"],
        ) == (lat, lng, accuracy)


async def test_poll_writes_the_states_of_changed_trackers_only(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """A poll where one tracker moved writes its entities' states, no other's."""
    world = simulator.world
    moved = world.tracker_ids[0]
    serial = world.tracker(moved).serial
    own = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            er.async_get(hass), init_integration.entry_id
        )
        if entry.unique_id.partition("_")[0] == serial and entry.disabled_by is None
    }
    assert len(own) == 8
    before = {state.entity_id: state.last_reported for state in hass.states.async_all()}
    world.move_tracker(moved, 48.8584, 2.2945)
    await poll(hass, freezer)
    # A state written again, changed or not, is reported anew.
    written = {
        state.entity_id
        for state in hass.states.async_all()
        if state.last_reported != before[state.entity_id]
    }
    assert written == own


@pytest.mark.usefixtures("init_integration")
async def test_poll_that_changes_no_tracker_writes_no_state(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A poll that finds every tracker as it was writes no state.

    Nor does one whose listing changed only in fields the integration does not read:
    the tracker read anew is equal to the one before.
    """
    world = simulator.world
    before = {state.entity_id: state.last_reported for state in hass.states.async_all()}
    simulator.counters.reset()
    await poll(hass, freezer)
    world.misreport(
        world.tracker_ids[0],
        overrides={"unread": 1, "tracker_status": {"unread": 2}},
    )
    await poll(hass, freezer)
    assert dict(simulator.counters.requests) == {LISTING: 2}
    assert {
        state.entity_id: state.last_reported for state in hass.states.async_all()
    } == before


@pytest.mark.usefixtures("init_integration")
async def test_rate_limit_waits_as_long_as_the_api_asks(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A 429 with Retry-After delays the next poll by that many seconds."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=429, retry_after=600, count=1))
    simulator.counters.reset()
    await poll(hass, freezer)
    assert simulator.counters.total == 1
    assert set(_tracker_states(hass).values()) == {STATE_UNAVAILABLE}
    await poll(hass, freezer, timedelta(seconds=300))
    assert simulator.counters.total == 1
    await poll(hass, freezer, timedelta(seconds=300))
    assert simulator.counters.total == 2
    assert STATE_UNAVAILABLE not in _tracker_states(hass).values()


async def test_refused_credentials_start_one_reauth_and_stop_polling(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """401 after good polls: one reauth flow, no more polls until it is done."""
    await poll(hass, freezer)
    simulator.faults.add(Fault(FaultKind.STATUS, status=401))
    simulator.counters.reset()
    await poll(hass, freezer)
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert simulator.counters.total == 1
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == init_integration.entry_id


async def test_forbidden_data_makes_entities_unavailable_without_reauth(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """403: the password is right, so no reauth; entities unavailable, polls go on."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=403, count=2))
    simulator.counters.reset()
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert simulator.counters.total == 2
    assert set(_tracker_states(hass).values()) == {STATE_UNAVAILABLE}
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert init_integration.state is ConfigEntryState.LOADED
    assert (
        "Error fetching invoxia data: Invoxia does not allow this account to see its "
        "trackers' data (HTTP 403)"
    ) in caplog.text
    await poll(hass, freezer)
    assert STATE_UNAVAILABLE not in _tracker_states(hass).values()


async def test_password_changed_elsewhere_fails_setup_into_reauth(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Setting up with a refused password ends in a reauth flow, not a retry loop."""
    simulator.world.set_credentials(simulator.world.username, "changed")
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_unreachable_api_at_setup_is_retried(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A connection failure during setup lets Home Assistant retry later."""
    simulator.faults.add(Fault(FaultKind.RESET))
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_one_trackers_history_failing_shows_its_listed_position_without_accuracy(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failed history: the listed position, accuracy unknown; asked again next poll.

    The listing says where the tracker is; the accuracy of the last fix whose
    details are known belongs to another position, so it is not shown.
    """
    world = simulator.world
    tracker_id = world.tracker_ids[0]
    entity_id = er.async_get(hass).async_get_entity_id(
        "device_tracker", DOMAIN, world.tracker(tracker_id).serial
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    accuracy = state.attributes["gps_accuracy"]
    world.move_tracker(tracker_id, 48.8584, 2.2945, precision=accuracy + 7)
    simulator.faults.add(
        Fault(FaultKind.STATUS, status=500, path=f"/devices/{tracker_id}/tracker_data/")
    )
    simulator.counters.reset()
    await poll(hass, freezer)
    state = hass.states.get(entity_id)
    assert state is not None
    assert (state.attributes["latitude"], state.attributes["gps_accuracy"]) == (
        48.8584,
        0,
    )
    assert init_integration.runtime_data.last_update_success is True

    simulator.faults.clear()
    await poll(hass, freezer)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["gps_accuracy"] == accuracy + 7
    assert dict(simulator.counters.requests) == {LISTING: 2, HISTORY: 2}


async def test_new_tracker_gets_entities_and_removed_one_loses_its_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Trackers added to the account appear at the next poll; removed ones go."""
    world = simulator.world
    device_registry = dr.async_get(hass)
    new_id = world.add_tracker(name="Bella", usage="dog", position=(48.85, 2.35))
    gone = world.tracker(world.tracker_ids[0])
    await poll(hass, freezer)
    assert len(hass.states.async_all("device_tracker")) == 6
    state = hass.states.get("device_tracker.bella")
    assert state is not None
    assert state.attributes["latitude"] == 48.85

    world.remove_tracker(gone.id)
    await poll(hass, freezer)
    devices = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )
    assert {identifier for device in devices for identifier in device.identifiers} == {
        (DOMAIN, world.tracker(tracker_id).serial) for tracker_id in world.tracker_ids
    }
    assert world.tracker(new_id).serial in {
        serial for _, serial in devices[-1].identifiers
    }
    assert len(hass.states.async_all("device_tracker")) == 5
    assert (
        len(
            er.async_entries_for_config_entry(
                er.async_get(hass), init_integration.entry_id
            )
        )
        == 5 * 10
    )


def _entity_id(hass: HomeAssistant, domain: str, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(domain, DOMAIN, unique_id)
    assert entity_id is not None
    return entity_id


def _state(hass: HomeAssistant, domain: str, unique_id: str) -> State:
    state = hass.states.get(_entity_id(hass, domain, unique_id))
    assert state is not None
    return state


def _device(
    hass: HomeAssistant, entry: MockConfigEntry, serial: str
) -> dr.DeviceEntry | None:
    """Return the entry's device of a tracker, if it has one."""
    devices = [
        device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        if (DOMAIN, serial) in device.identifiers
    ]
    assert len(devices) <= 1
    return devices[0] if devices else None


def _position(hass: HomeAssistant, serial: str) -> tuple[object, object, object]:
    attributes = _state(hass, "device_tracker", serial).attributes
    return (
        attributes.get("latitude"),
        attributes.get("longitude"),
        attributes.get("gps_accuracy"),
    )


@pytest.mark.parametrize("reply_shape", [ReplyShape.RECORDED])
@pytest.mark.usefixtures("init_integration")
async def test_recorded_listing_positions_trackers_from_their_newest_fix(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A listing without last position: each tracker shows its newest fix.

    Its last_event says when to ask again: unchanged, the poll is the listing alone;
    moved by a fix or a keep-alive, its history is asked once.
    """
    world = simulator.world
    for tracker_id in world.tracker_ids:
        tracker = world.tracker(tracker_id)
        fix = tracker.last_fix
        assert fix is not None
        assert _position(hass, tracker.serial) == (
            round(fix.lat, 6),
            round(fix.lng, 6),
            fix.precision,
        )
    simulator.counters.reset()
    await poll(hass, freezer)
    assert dict(simulator.counters.requests) == {LISTING: 1}

    moved = world.tracker(world.tracker_ids[0])
    world.move_tracker(moved.id, 48.8584, 2.2945, precision=9, method=3)
    await poll(hass, freezer)
    assert dict(simulator.counters.requests) == {LISTING: 2, HISTORY: 1}
    assert _position(hass, moved.serial) == (48.8584, 2.2945, 9)
    state = _state(hass, "device_tracker", moved.serial)
    assert state.attributes["source_type"] == "router"


@pytest.mark.parametrize("reply_shape", [ReplyShape.RECORDED])
@pytest.mark.usefixtures("init_integration")
async def test_status_without_last_event_asks_the_fix_each_poll_and_writes_nothing(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """Nothing says when such a tracker moves: its newest fix is asked every poll.

    An unchanged fix writes no state; a new one moves the tracker.
    """
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    world.misreport(tracker.id, overrides={"tracker_status": {"last_event": None}})
    await poll(hass, freezer)
    before = {state.entity_id: state.last_reported for state in hass.states.async_all()}
    simulator.counters.reset()
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert dict(simulator.counters.requests) == {LISTING: 2, HISTORY: 2}
    assert {
        state.entity_id: state.last_reported for state in hass.states.async_all()
    } == before
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=9)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 9)


@pytest.mark.parametrize(
    "coordinates",
    [
        {"last_loc_latitude": "nan"},
        {"last_loc_latitude": 91},
        {"last_loc_longitude": "-inf"},
        {"last_loc_longitude": "1e400"},
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_impossible_listed_position_is_unknown_and_the_rest_stays(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    coordinates: JsonObject,
) -> None:
    """Coordinates off the globe: position unknown, never the last one kept.

    The tracker's other entities, and the other trackers, are unaffected.
    """
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    world.move_tracker(tracker.id, 48.8584, 2.2945)
    world.misreport(tracker.id, overrides={"tracker_status": coordinates})
    await poll(hass, freezer)
    state = _state(hass, "device_tracker", tracker.serial)
    assert state.state == STATE_UNKNOWN
    assert "latitude" not in state.attributes
    battery = _state(hass, "sensor", f"{tracker.serial}_battery")
    assert battery.state == str(tracker.battery(world.now_us))
    other = world.tracker(world.tracker_ids[1])
    assert _state(hass, "device_tracker", other.serial).state != STATE_UNAVAILABLE


@pytest.mark.parametrize("reply_shape", [ReplyShape.RECORDED])
@pytest.mark.usefixtures("init_integration")
async def test_fix_off_the_globe_makes_the_position_unknown(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A newest fix at latitude "nan": position unknown, accuracy and method not."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    world.advance(60)
    tracker.move_to(
        Fix(
            time_us=world.now_us,
            lat=float("nan"),
            lng=2.2945,
            method=2,
            precision=-4,
            pkt_drop=0,
            uuid_bits=1 << 100,
            text_coordinates=True,
            offset_suffix=False,
            rssi=None,
        )
    )
    await poll(hass, freezer)
    assert _state(hass, "device_tracker", tracker.serial).state == STATE_UNKNOWN
    method = _state(hass, "sensor", f"{tracker.serial}_location_method")
    assert method.state == STATE_UNKNOWN
    simulator.counters.reset()
    await poll(hass, freezer)
    assert dict(simulator.counters.requests) == {LISTING: 1}


@pytest.mark.parametrize(
    ("battery", "expected"), [(140, STATE_UNKNOWN), ("x", STATE_UNKNOWN), (87.0, "87")]
)
@pytest.mark.usefixtures("init_integration")
async def test_battery_that_makes_no_sense_is_unknown_alone(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    battery: JsonValue,
    expected: str,
) -> None:
    """A battery of 140 % is unknown; the tracker's position stays as it is."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    position = _position(hass, tracker.serial)
    world.misreport(tracker.id, overrides={"tracker_status": {"battery": battery}})
    await poll(hass, freezer)
    assert _state(hass, "sensor", f"{tracker.serial}_battery").state == expected
    assert _position(hass, tracker.serial) == position


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the warnings and errors the integration logged."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING and record.name.startswith(LOGGER.name)
    ]


@pytest.mark.usefixtures("init_integration")
async def test_trackers_sharing_a_serial_are_one_device_and_one_warning(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two listed trackers with one serial: the first is shown, a warning said once."""
    world = simulator.world
    first = world.tracker(world.tracker_ids[0])
    twin = world.tracker(world.add_tracker(name="Twin", position=(45.0, 5.0)))
    twin.serial = first.serial
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert _warnings(caplog) == [
        f"{first.name} and Twin share one serial number: only {first.name} is shown"
    ]
    assert len(dr.async_get(hass).devices) == 5
    assert _position(hass, first.serial)[:2] != (45.0, 5.0)


@pytest.mark.usefixtures("init_integration")
async def test_new_tracker_that_cannot_be_read_is_said_once_with_its_name(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A tracker added in a form that cannot be read is never silently absent.

    One warning names it; the next polls say nothing more; once readable, it comes.
    """
    world = simulator.world
    newcomer = world.tracker(world.add_tracker(name="Bella", position=(45.0, 5.0)))
    world.misreport(
        newcomer.id,
        missing=("serial",),
        overrides={"tracker_status": {"battery": None}},
    )
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert _warnings(caplog) == [
        "Bella is listed by Invoxia but cannot be read: "
        "Device.serial: expected a value, found none"
    ]
    assert len(_tracker_states(hass)) == 5
    world.misreport(newcomer.id)
    await poll(hass, freezer)
    assert len(_tracker_states(hass)) == 6


async def test_tracker_paired_again_comes_back_with_its_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Removed, then paired again under a new device id: same serial, same entities."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    entity_id = _entity_id(hass, "device_tracker", tracker.serial)
    world.remove_tracker(tracker.id)
    await poll(hass, freezer)
    assert hass.states.get(entity_id) is None
    again = world.tracker(world.add_tracker(name=tracker.name, position=(45.0, 5.0)))
    again.serial = tracker.serial
    await poll(hass, freezer)
    assert _entity_id(hass, "device_tracker", tracker.serial) == entity_id
    assert _position(hass, tracker.serial) == (45.0, 5.0, 10)
    assert "does not generate unique IDs" not in caplog.text


async def test_tracker_whose_serial_changes_is_a_new_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new serial: the old device goes, the new one gets entities, and they stay."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    old_serial = tracker.serial
    tracker.serial = "00C0FFEE0000"
    await poll(hass, freezer)
    assert _device(hass, init_integration, old_serial) is None
    assert _device(hass, init_integration, "00C0FFEE0000") is not None
    world.add_tracker(name="Bella", position=(45.0, 5.0))
    await poll(hass, freezer)
    assert _state(hass, "device_tracker", "00C0FFEE0000").state != STATE_UNAVAILABLE
    assert len(hass.states.async_all("device_tracker")) == 6


async def test_device_follows_the_app_but_keeps_the_users_name(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Renamed in the Invoxia app, or updated: the device page follows at the next poll.

    A name given in Home Assistant stays.
    """
    world = simulator.world
    renamed, named = (world.tracker(tracker_id) for tracker_id in world.tracker_ids[:2])
    device_registry = dr.async_get(hass)
    named_device = _device(hass, init_integration, named.serial)
    assert named_device is not None
    device_registry.async_update_device(named_device.id, name_by_user="My dog")
    renamed.name = "Rex II"
    named.name = "Ignored"
    world.misreport(renamed.id, overrides={"version": "tracker_LWT3-3.3.0"})
    await poll(hass, freezer)
    device = _device(hass, init_integration, renamed.serial)
    assert device is not None
    assert (device.name, device.sw_version) == ("Rex II", "tracker_LWT3-3.3.0")
    named_device = _device(hass, init_integration, named.serial)
    assert named_device is not None
    assert (named_device.name_by_user, named_device.name) == ("My dog", "Ignored")


# Home Assistant's clock agrees with the trackers': the fix shown is a minute old.
@pytest.mark.freeze_time(SIMULATOR_START)
@pytest.mark.parametrize("reply_shape", list(ReplyShape))
@pytest.mark.usefixtures("init_integration")
async def test_fix_older_than_the_one_shown_never_replaces_it(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    reply_shape: ReplyShape,
) -> None:
    """A history replayed from a stale cache never takes the position back in time.

    The older fix is ignored and asked again; the listing's newer position, when it
    has one, shows with its accuracy unknown until its fix comes.
    """
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    history = f"/devices/{tracker.id}/tracker_data/"
    world.advance(60)
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=8)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 8)
    simulator.faults.add(Fault(FaultKind.REPLAYED, path=history))
    world.advance(60)
    world.move_tracker(tracker.id, 48.8606, 2.3376, precision=15)
    await poll(hass, freezer)
    expected = {
        ReplyShape.MODELLED: (48.8606, 2.3376, 0),
        ReplyShape.RECORDED: (48.8584, 2.2945, 8),
    }
    assert _position(hass, tracker.serial) == expected[reply_shape]
    simulator.faults.clear()
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8606, 2.3376, 15)


@pytest.mark.parametrize(
    ("retry_after", "wait"), [(0, 60), (30, 60), (600, 600), (31_536_000, 3600)]
)
@pytest.mark.usefixtures("init_integration")
async def test_rate_limit_waits_the_interval_at_least_and_an_hour_at_most(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    retry_after: int,
    wait: int,
) -> None:
    """After a 429, the next poll comes after max(interval, Retry-After), ≤ 1 hour.

    A Retry-After of 0 never makes Home Assistant poll faster; one of a year never
    stops polling for good.
    """
    simulator.faults.add(
        Fault(FaultKind.STATUS, status=429, retry_after=retry_after, count=1)
    )
    simulator.counters.reset()
    await poll(hass, freezer)
    assert simulator.counters.total == 1
    # Home Assistant schedules polls on whole seconds of the loop's clock.
    await poll(hass, freezer, timedelta(seconds=wait - 2))
    assert simulator.counters.total == 1
    await poll(hass, freezer, timedelta(seconds=2))
    assert simulator.counters.total == 2
    assert STATE_UNAVAILABLE not in _tracker_states(hass).values()


async def test_tracker_shared_by_two_accounts_stays_with_the_one_that_has_it(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A tracker on two accounts: one device, shown by the first account to show it.

    When one account drops it, it keeps working in the other, which takes it over at
    its next poll if it was not the one showing it.
    """
    shared = simulator.world.tracker(simulator.world.tracker_ids[0])
    other_world = World(seed=2, trackers=2, start=SIMULATOR_START)
    copy = other_world.tracker(other_world.tracker_ids[0])
    copy.serial = shared.serial
    async with Simulator(other_world) as other:
        other_entry = MockConfigEntry(
            domain=DOMAIN,
            title="o***@example.com",
            unique_id=str(other_world.user_id + 1),
            data={**init_integration.data, CONF_API_URL: other.url},
        )
        other_entry.add_to_hass(hass)
        await hass.config_entries.async_setup(other_entry.entry_id)
        await hass.async_block_till_done()
        entity_id = _entity_id(hass, "device_tracker", shared.serial)
        entries = {init_integration.entry_id: "first", other_entry.entry_id: "other"}
        assert len(hass.states.async_all("device_tracker")) == 6
        assert "does not generate unique IDs" not in caplog.text

        # Renamed in the other account's app: that account has no device to follow.
        copy.name = "Renamed"
        await poll(hass, freezer)
        assert _device(hass, other_entry, shared.serial) is None
        other_world.remove_tracker(copy.id)
        await poll(hass, freezer)
        simulator.world.move_tracker(shared.id, 45.0, 5.0)
        await poll(hass, freezer)
        assert _position(hass, shared.serial) == (45.0, 5.0, 10)

        again = other_world.tracker(other_world.add_tracker(position=(44.0, 4.0)))
        again.serial = shared.serial
        await poll(hass, freezer)
        simulator.world.remove_tracker(shared.id)
        await poll(hass, freezer)
        await poll(hass, freezer)
        entity = er.async_get(hass).async_get(entity_id)
        assert entity is not None
        assert entries[entity.config_entry_id or ""] == "other"
        assert _position(hass, shared.serial) == (44.0, 4.0, 10)
        assert "does not generate unique IDs" not in caplog.text
        await hass.config_entries.async_unload(other_entry.entry_id)


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize("reply_shape", list(ReplyShape))
async def test_fix_less_accurate_than_the_filter_does_not_move_the_tracker(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With a 200 m filter, a 2 km-off network fix keeps the last good position.

    Last seen still moves, and position_time says when the shown position was
    taken; the next fix within 200 m, even at 200 m exactly, moves the tracker.
    """
    mock_config_entry = MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        unique_id=mock_config_entry.unique_id,
        data=mock_config_entry.data,
        options={**mock_config_entry.options, "max_accuracy": 200},
    )
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=20)
    good = world.now
    await _set_up(hass, mock_config_entry)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 20)

    world.advance(120)
    world.move_tracker(tracker.id, 48.8764, 2.2945, precision=2000, method=1)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 20)
    state = _state(hass, "device_tracker", tracker.serial)
    assert state.attributes["position_time"] == good.isoformat()
    last_seen = _state(hass, "sensor", f"{tracker.serial}_last_seen")
    assert last_seen.state == world.now.isoformat()

    world.advance(120)
    world.move_tracker(tracker.id, 48.8606, 2.3376, precision=200)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8606, 2.3376, 200)
    state = _state(hass, "device_tracker", tracker.serial)
    assert state.attributes["position_time"] == world.now.isoformat()


@pytest.mark.usefixtures("init_integration")
async def test_without_the_filter_every_fix_moves_the_tracker(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """The filter is off by default: a network fix 2 km off is shown as it comes."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    world.move_tracker(tracker.id, 48.8764, 2.2945, precision=2000, method=1)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8764, 2.2945, 2000)


@pytest.mark.freeze_time(SIMULATOR_START)
@pytest.mark.usefixtures("init_integration")
async def test_listing_replayed_from_a_stale_cache_never_moves_back(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """An old listing answered again shows an older position: it is ignored."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    world.advance(60)
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=8)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 8)
    simulator.faults.add(Fault(FaultKind.REPLAYED, path=LISTING))
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 8)
