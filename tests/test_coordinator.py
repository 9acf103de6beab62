"""Polling: what each poll costs, and how API failures show in Home Assistant."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.invoxia.const import DOMAIN
from simulator import Fault, FaultKind, Simulator
from tests.conftest import poll

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
    assert len(own) == 7
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


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_credentials_start_one_reauth_and_stop_polling(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    status: int,
) -> None:
    """401/403 after good polls: one reauth flow, no more polls until it is done."""
    await poll(hass, freezer)
    simulator.faults.add(Fault(FaultKind.STATUS, status=status))
    simulator.counters.reset()
    await poll(hass, freezer)
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert simulator.counters.total == 1
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == init_integration.entry_id


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


async def test_one_trackers_history_failing_keeps_its_accuracy(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failed history keeps the last accuracy, fails nothing, and is asked again."""
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
        accuracy,
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
        == 5 * 9
    )
