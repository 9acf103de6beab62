"""The README's example automations are valid Home Assistant configuration."""

from pathlib import Path
import re

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import parse_yaml

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
