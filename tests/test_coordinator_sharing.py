"""A tracker on two accounts: shown by one, whichever has it first, never by both."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.invoxia.const import CONF_API_URL, DOMAIN
from simulator import Simulator, World
from tests.conftest import SIMULATOR_START, poll

DUPLICATE = "does not generate unique IDs"


@asynccontextmanager
async def _other_account(
    hass: HomeAssistant, first: MockConfigEntry, world: World
) -> AsyncIterator[MockConfigEntry]:
    """Set up a second account, on a simulator of its own, added after the first.

    It polls as the first does.
    """
    async with Simulator(world) as other:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="o***@example.com",
            unique_id=str(world.user_id + 1),
            data={**first.data, CONF_API_URL: other.url},
            options=first.options,
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield entry
        await hass.config_entries.async_unload(entry.entry_id)


def _shown_by(hass: HomeAssistant, serial: str) -> str | None:
    """Return the config entry whose entity shows a tracker."""
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id("device_tracker", DOMAIN, serial)
    assert entity_id is not None
    entity = registry.async_get(entity_id)
    assert entity is not None
    assert hass.states.get(entity_id) is not None
    return entity.config_entry_id


def _position(hass: HomeAssistant, serial: str) -> tuple[object, object]:
    """Return where a tracker entity shows its tracker."""
    entity_id = er.async_get(hass).async_get_entity_id("device_tracker", DOMAIN, serial)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.attributes.get("latitude"), state.attributes.get("longitude")


async def test_tracker_shown_by_a_later_account_stays_there_when_the_first_gets_it(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The account set up first defers too: it shows no tracker another one shows."""
    other_world = World(seed=2, trackers=1, start=SIMULATOR_START)
    tracker = other_world.tracker(other_world.tracker_ids[0])
    async with _other_account(hass, init_integration, other_world) as other:
        assert _shown_by(hass, tracker.serial) == other.entry_id
        copy = simulator.world.tracker(
            simulator.world.add_tracker(position=(45.0, 5.0))
        )
        copy.serial = tracker.serial
        await poll(hass, freezer)
        assert init_integration.runtime_data.data[tracker.serial].shown_elsewhere
        assert _shown_by(hass, tracker.serial) == other.entry_id
        assert DUPLICATE not in caplog.text


async def test_tracker_deferred_to_an_account_unloaded_is_taken_over(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When the account showing a shared tracker is unloaded, the other shows it."""
    shared = simulator.world.tracker(simulator.world.tracker_ids[0])
    other_world = World(seed=2, trackers=1, start=SIMULATOR_START)
    copy = other_world.tracker(other_world.add_tracker(position=(44.0, 4.0)))
    copy.serial = shared.serial
    async with _other_account(hass, init_integration, other_world) as other:
        assert other.runtime_data.data[shared.serial].shown_elsewhere
        assert _shown_by(hass, shared.serial) == init_integration.entry_id
        await hass.config_entries.async_unload(init_integration.entry_id)
        await poll(hass, freezer)
        assert not other.runtime_data.data[shared.serial].shown_elsewhere
        assert _shown_by(hass, shared.serial) == other.entry_id
        assert _position(hass, shared.serial) == (44.0, 4.0)
        assert DUPLICATE not in caplog.text
