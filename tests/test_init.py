"""Setting up, unloading and removing devices of an Invoxia account."""

import json

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.invoxia.const import DOMAIN
from simulator import Fault, FaultKind, Simulator


async def test_setup_adds_every_tracker_and_unload_removes_them(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """An account sets up one device tracker per tracker, then unloads cleanly."""
    states = [init_integration.state]
    assert len(hass.states.async_all("device_tracker")) == len(
        simulator.world.tracker_ids
    )
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    states.append(init_integration.state)
    assert states == [ConfigEntryState.LOADED, ConfigEntryState.NOT_LOADED]
    assert {state.state for state in hass.states.async_all("device_tracker")} == {
        "unavailable"
    }


async def test_only_devices_gone_from_the_account_can_be_removed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A tracker still on the account keeps its device; a stale device can go."""
    assert await async_setup_component(hass, "config", {})
    device_registry = dr.async_get(hass)
    listed = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )[0]
    stale = device_registry.async_get_or_create(
        config_entry_id=init_integration.entry_id,
        identifiers={(DOMAIN, "000000000000")},
    )
    client = await hass_ws_client(hass)
    for device, removable in ((listed, False), (stale, True)):
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": init_integration.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        assert response["success"] is removable
    remaining = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )
    assert len(remaining) == len(simulator.world.tracker_ids)
    assert stale.id not in {device.id for device in remaining}


async def test_removing_a_device_while_setup_is_retried_is_refused_and_said(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    simulator: Simulator,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Until the entry loads, which trackers the account has is unknown.

    Removing a device then is refused with a translated error, not an unknown
    one; once the entry loads, a stale device goes.
    """
    assert await async_setup_component(hass, "config", {})
    simulator.faults.add(Fault(FaultKind.STATUS, status=500))
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    states = [mock_config_entry.state]
    device_registry = dr.async_get(hass)
    stale = device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={(DOMAIN, "000000000000")},
    )
    client = await hass_ws_client(hass)
    remove = {
        "type": "config/device_registry/remove_config_entry",
        "config_entry_id": mock_config_entry.entry_id,
        "device_id": stale.id,
    }

    await client.send_json_auto_id(remove)
    response = await client.receive_json()

    assert response["success"] is False
    assert response["error"] == {
        "code": "home_assistant_error",
        # Home Assistant drops the translation's final period.
        "message": (
            "The Invoxia account is not loaded: its devices can be removed once it is"
        ),
        "translation_key": "not_loaded",
        "translation_domain": DOMAIN,
        "translation_placeholders": None,
    }
    assert device_registry.async_get(stale.id) is not None

    simulator.faults.clear()
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    # Loaded, the entry removes the devices of trackers gone from the account itself.
    states.append(mock_config_entry.state)
    assert states == [ConfigEntryState.SETUP_RETRY, ConfigEntryState.LOADED]
    assert device_registry.async_get(stale.id) is None


async def test_devices_read_back_at_a_start_are_kept(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Devices the registry holds when Home Assistant starts are their trackers'.

    The registry reads them back from its store, their identifiers new strings equal
    to the integration's own: the first poll recognises each and removes none.
    """
    mock_config_entry.add_to_hass(hass)
    registry = dr.async_get(hass)
    stored = {
        registry.async_get_or_create(
            config_entry_id=mock_config_entry.entry_id,
            identifiers={tuple(json.loads(json.dumps([DOMAIN, tracker.serial])))},
        ).id
        for tracker in map(simulator.world.tracker, simulator.world.tracker_ids)
    }
    removed: list[str] = []

    @callback
    def _removed(event: Event[dr.EventDeviceRegistryUpdatedData]) -> None:
        """Keep the id of each device removed."""
        if event.data["action"] == "remove":
            removed.append(event.data["device_id"])

    hass.bus.async_listen(dr.EVENT_DEVICE_REGISTRY_UPDATED, _removed)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    devices = dr.async_entries_for_config_entry(registry, mock_config_entry.entry_id)
    assert {device.id for device in devices} == stored
    assert removed == []
