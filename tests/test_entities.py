"""Every entity and device of the simulated account, as Home Assistant shows them."""

import json
from pathlib import Path
from unittest.mock import patch

from homeassistant.const import (
    Platform,
    __version__ as HA_VERSION,  # noqa: N812 - a constant
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.json import json_dumps
from homeassistant.util.json import json_loads
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.invoxia import PLATFORMS
from custom_components.invoxia.api import TrackerIcon, TrackerUsage
from custom_components.invoxia.const import DOMAIN
from simulator import ReplyShape, Simulator
from simulator.world import JsonObject

ROOT = Path(__file__).parent.parent
MINIMUM_HOME_ASSISTANT: str = json.loads(
    (ROOT / "hacs.json").read_text(encoding="utf-8")
)["homeassistant"]
"""The oldest Home Assistant the integration supports, as hacs.json declares it."""
# The registry fields this integration decides; the others belong to Home Assistant
# and change between its versions.
ENTITY_FIELDS = (
    "unique_id",
    "translation_key",
    "original_name",
    "original_device_class",
    "entity_category",
    "disabled_by",
    "has_entity_name",
    "unit_of_measurement",
)
# State attributes that only newer Home Assistant versions add to device trackers.
NEWER_ATTRIBUTES = {"in_zones", "tracking_type"}
DEVICE_FIELDS = (
    "identifiers",
    "name",
    "manufacturer",
    "model",
    "model_id",
    "sw_version",
    "hw_version",
    "serial_number",
    "configuration_url",
)


@pytest.fixture(params=list(ReplyShape))
def reply_shape(request: pytest.FixtureRequest) -> ReplyShape:
    """Show the entities of both shapes of replies: modelled and recorded."""
    shape: ReplyShape = request.param
    return shape


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Each entity's registry entry, state and attributes match the snapshot."""
    entries = er.async_entries_for_config_entry(
        entity_registry, init_integration.entry_id
    )
    assert len(entries) == 5 * 10
    for entry in sorted(entries, key=lambda entry: entry.entity_id):
        assert {field: getattr(entry, field) for field in ENTITY_FIELDS} == snapshot(
            name=f"{entry.entity_id}-entry"
        )
        state = hass.states.get(entry.entity_id)
        assert state is not None
        assert {
            "state": state.state,
            # Through JSON: enum keys and values print differently across versions.
            "attributes": json_loads(
                json_dumps(
                    {
                        key: value
                        for key, value in state.attributes.items()
                        if key not in NEWER_ATTRIBUTES
                    }
                )
            ),
        } == snapshot(name=f"{entry.entity_id}-state")


@pytest.mark.skipif(
    HA_VERSION == MINIMUM_HOME_ASSISTANT,
    reason="whole registry entries and states are snapshots of the latest Home "
    "Assistant: the minimum's have other fields",
)
@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_platform_entities(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Each platform set up alone: its entries and states, whole, match the snapshot."""
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.invoxia.PLATFORMS", [platform]):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


async def test_devices(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Each tracker is a device with its model, firmware and serial number."""
    devices = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )
    assert len(devices) == 5
    for device in sorted(devices, key=lambda device: device.name or ""):
        assert {field: getattr(device, field) for field in DEVICE_FIELDS} == snapshot(
            name=device.name
        )


async def test_entity_renamed_by_the_user_keeps_following_its_tracker(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    simulator: Simulator,
) -> None:
    """An entity id the user changes takes the entity along: it follows its tracker.

    Nothing of the entity depends on its entity id, so Home Assistant may move it
    to the new id without adding it again.
    """
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    old = entity_registry.async_get_entity_id("device_tracker", DOMAIN, tracker.serial)
    assert old is not None
    entity_registry.async_update_entity(old, new_entity_id="device_tracker.renamed")
    await hass.async_block_till_done()
    assert hass.states.get(old) is None

    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=8)
    await init_integration.runtime_data.async_refresh()
    state = hass.states.get("device_tracker.renamed")
    assert state is not None
    assert (
        state.attributes["latitude"],
        state.attributes["longitude"],
        state.attributes["gps_accuracy"],
    ) == (48.8584, 2.2945, 8)


async def test_every_icon_and_usage_picks_a_tracker_icon_the_integration_has(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    simulator: Simulator,
) -> None:
    """Trackers of every app icon and usage pick the icons of icons.json, all of them.

    A tracker's icon says what it tracks; an icon that says nothing leaves it to the
    usage.
    """
    world = simulator.world
    looks: list[JsonObject] = [{"icon": int(icon)} for icon in TrackerIcon]
    looks += [
        {"icon": int(TrackerIcon.OTHER), "usage": str(usage)} for usage in TrackerUsage
    ]
    for look in looks:
        world.misreport(
            world.add_tracker(position=(48.85, 2.35)),
            overrides={"tracker_config": look},
        )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    picked = {
        entry.translation_key
        for entry in er.async_entries_for_config_entry(
            entity_registry, mock_config_entry.entry_id
        )
        if entry.domain == "device_tracker"
    }
    icons = json.loads(
        (
            Path(__file__).parent.parent / "custom_components/invoxia/icons.json"
        ).read_text()
    )
    assert picked == set(icons["entity"]["device_tracker"])
