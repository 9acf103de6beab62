"""Setting up and unloading an Invoxia account."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """An account sets up with one entity per tracker and sensor, and unloads."""
    assert init_integration.state is ConfigEntryState.LOADED
    for state in sorted(hass.states.async_all(), key=lambda s: s.entity_id):
        print(state.entity_id, state.state, dict(state.attributes))
    print(simulator.counters.to_json())
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
