"""Zone automations on trackers: "when Rex leaves home, tell me"."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_HOME, STATE_NOT_HOME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.invoxia.const import DOMAIN
from simulator import Simulator


async def test_tracker_leaving_home_changes_state_and_fires_zone_automation(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A tracker moving out of the home zone goes home → not_home; the trigger fires."""
    world = simulator.world
    await hass.config.async_update(latitude=world.home[0], longitude=world.home[1])
    tracker = world.tracker(world.tracker_ids[0])
    world.move_tracker(tracker.id, world.home[0] + 0.0002, world.home[1], precision=10)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    entity_id = er.async_get(hass).async_get_entity_id(
        "device_tracker", DOMAIN, tracker.serial
    )
    assert entity_id is not None
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": [
                    {
                        "trigger": "zone",
                        "entity_id": entity_id,
                        "zone": "zone.home",
                        "event": "leave",
                    }
                ],
                "actions": [{"event": "tracker_left_home"}],
            }
        },
    )
    left = async_capture_events(hass, "tracker_left_home")
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == STATE_HOME

    world.move_tracker(tracker.id, world.home[0] + 0.01, world.home[1], precision=10)
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == STATE_NOT_HOME
    assert len(left) == 1


async def test_bad_fix_at_home_fires_no_zone_automation_with_the_filter(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """At 200 m, a network fix 2 km off leaves Rex home; a good fix away fires."""
    world = simulator.world
    await hass.config.async_update(latitude=world.home[0], longitude=world.home[1])
    tracker = world.tracker(world.tracker_ids[0])
    world.move_tracker(tracker.id, world.home[0] + 0.0002, world.home[1], precision=10)
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={**mock_config_entry.options, "max_accuracy": 200}
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    entity_id = er.async_get(hass).async_get_entity_id(
        "device_tracker", DOMAIN, tracker.serial
    )
    assert entity_id is not None
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": [
                    {
                        "trigger": "zone",
                        "entity_id": entity_id,
                        "zone": "zone.home",
                        "event": "leave",
                    }
                ],
                "actions": [{"event": "tracker_left_home"}],
            }
        },
    )
    left = async_capture_events(hass, "tracker_left_home")

    world.advance(60)
    world.move_tracker(
        tracker.id, world.home[0] + 0.018, world.home[1], precision=1500, method=1
    )
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == STATE_HOME
    assert left == []

    world.advance(60)
    world.move_tracker(tracker.id, world.home[0] + 0.01, world.home[1], precision=15)
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == STATE_NOT_HOME
    assert len(left) == 1
