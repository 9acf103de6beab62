"""The README's examples are valid Home Assistant configuration, and do as it says."""

from datetime import timedelta
from pathlib import Path
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.location import distance
from homeassistant.util.yaml import parse_yaml
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from simulator import Simulator
from tests.conftest import SIMULATOR_START

README = Path(__file__).parent.parent / "README.md"


async def test_readme_example_automations_load(hass: HomeAssistant) -> None:
    """Each example automation of the README sets up as an automation entity."""
    text = README.read_text(encoding="utf-8")
    [example] = re.findall(r"```yaml\n(automation:\n.*?)```", text, re.DOTALL)
    config = parse_yaml(example)
    assert isinstance(config, dict)
    assert await async_setup_component(hass, "automation", config)
    await hass.async_block_till_done()
    assert sorted(
        state.attributes["friendly_name"]
        for state in hass.states.async_all("automation")
    ) == ["Bike tracker battery low", "Rex left home"]
    assert {state.state for state in hass.states.async_all("automation")} == {"on"}


def _yaml_block(start: str) -> dict[str, Any]:
    """Parse the README's one YAML block starting with `start`."""
    text = README.read_text(encoding="utf-8")
    [block] = re.findall(rf"```yaml\n({start}\n.*?)```", text, re.DOTALL)
    config = parse_yaml(block)
    assert isinstance(config, dict)
    return config


def test_readme_example_response_has_the_fields_of_a_location() -> None:
    """The README's example answer of get_locations names each field it has."""
    locations = _yaml_block("locations:")["locations"]
    assert [sorted(location) for location in locations] == [
        ["accuracy", "latitude", "longitude", "method", "time"]
    ] * 2


@pytest.mark.freeze_time(SIMULATOR_START)
async def test_readme_example_script_tells_the_farthest_of_two_hours(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The example script counts Rex's positions of two hours and finds the farthest."""
    world = simulator.world
    await hass.config.async_update(latitude=world.home[0], longitude=world.home[1])
    [rex] = [
        world.tracker(tracker_id)
        for tracker_id in world.tracker_ids
        if world.tracker(tracker_id).name == "Rex"
    ]
    for north in (0.01, 0.1, 0.02):
        world.advance(600)
        freezer.tick(timedelta(seconds=600))
        world.move_tracker(rex.id, world.home[0] + north, world.home[1])
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    since = world.now - timedelta(hours=2)
    count = sum(1 for fix in rex.history() if fix.at >= since)
    km = distance(*world.home, world.home[0] + 0.1, world.home[1])
    assert km is not None
    notified = async_mock_service(hass, "notify", "notify")
    assert await async_setup_component(hass, "script", _yaml_block("script:"))

    await hass.services.async_call("script", "rex_last_two_hours", blocking=True)

    assert [call.data for call in notified] == [
        {
            "title": "Rex, the last two hours",
            "message": f"{count} positions; the farthest, {round(km / 1000, 2)} km "
            f"from home, at {round(world.home[0] + 0.1, 6)}, {world.home[1]} (04:20).",
        }
    ]
    assert count > 3
