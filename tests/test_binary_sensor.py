"""Binary sensors read from the listing: connectivity from the status's state."""

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.invoxia.const import DOMAIN
from simulator import Simulator
from tests.conftest import poll


def _connectivity(hass: HomeAssistant, serial: str) -> tuple[str, er.RegistryEntry]:
    """Return the state and registry entry of a tracker's connectivity sensor."""
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(
        "binary_sensor", DOMAIN, f"{serial}_connectivity"
    )
    assert entity_id is not None
    entry = registry.async_get(entity_id)
    assert entry is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state, entry


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("status_state", "expected"),
    [
        ("online", STATE_ON),
        ("active", STATE_ON),
        ("offline", STATE_OFF),
        ("sleeping", STATE_UNKNOWN),
        ("", STATE_UNKNOWN),
    ],
)
async def test_connectivity_follows_the_status_state(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    status_state: str,
    expected: str,
) -> None:
    """Online and active are on, offline is off, any other state is unknown."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    assert _connectivity(hass, tracker.serial)[0] == STATE_ON
    world.misreport(tracker.id, overrides={"tracker_status": {"state": status_state}})
    await poll(hass, freezer)
    state, entry = _connectivity(hass, tracker.serial)
    assert state == expected
    assert (entry.disabled_by, entry.entity_category, entry.original_name) == (
        None,
        EntityCategory.DIAGNOSTIC,
        "Connectivity",
    )
