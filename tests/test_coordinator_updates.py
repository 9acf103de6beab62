"""What a poll changes: nothing when nothing changed, exactly what did otherwise.

A poll that finds an account as it was notifies no listener and writes no state; a
poll where one tracker changed writes that tracker's states only, and asks the API
for no more than the listing and the fixes of trackers that moved.
"""

from collections.abc import Callable
from dataclasses import FrozenInstanceError, fields
from datetime import datetime
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.invoxia.const import DOMAIN, LOGGER
from simulator import ReplyShape, Simulator
from simulator.world import JsonObject
from tests.conftest import poll

LISTING = "/devices/"
HISTORY = "/devices/{id}/tracker_data/"


def _reported(hass: HomeAssistant) -> dict[str, datetime]:
    """Return when each state was last written."""
    return {state.entity_id: state.last_reported for state in hass.states.async_all()}


def _own(hass: HomeAssistant, entry: MockConfigEntry, serial: str) -> set[str]:
    """Return the enabled entities of one tracker."""
    return {
        item.entity_id
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if item.unique_id.partition("_")[0] == serial and item.disabled_by is None
    }


def _tracker_state(hass: HomeAssistant, serial: str) -> tuple[str, object, object]:
    """Return a tracker entity's state, latitude and longitude (None when unknown)."""
    entity_id = er.async_get(hass).async_get_entity_id("device_tracker", DOMAIN, serial)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    attributes = state.attributes
    return state.state, attributes.get("latitude"), attributes.get("longitude")


async def test_poll_where_nothing_changed_notifies_no_listener(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An unchanged account keeps its data and wakes nobody: no state is written.

    A poll where one tracker moved notifies the listeners once.
    """
    coordinator = init_integration.runtime_data
    notified: list[None] = []
    remove = coordinator.async_add_listener(callback(lambda: notified.append(None)))
    data = coordinator.data
    before = _reported(hass)
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert notified == []
    assert _reported(hass) == before
    assert all(coordinator.data[serial] is known for serial, known in data.items())

    world = simulator.world
    world.move_tracker(world.tracker_ids[0], 48.8584, 2.2945)
    await poll(hass, freezer)
    assert notified == [None]
    remove()


async def test_tracker_changed_but_not_moved_costs_no_fix(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new battery level, the position as it was: the poll is the listing alone."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[2])
    world.misreport(tracker.id, overrides={"tracker_status": {"battery": 42}})
    simulator.counters.reset()
    await poll(hass, freezer)
    assert dict(simulator.counters.requests) == {LISTING: 1}
    data = init_integration.runtime_data.data[tracker.serial]
    assert data.tracker.tracker_status.battery == 42


@pytest.mark.parametrize(
    ("reply_shape", "listed", "asked"),
    [
        (ReplyShape.MODELLED, {"firmware_channel": "beta"}, {LISTING: 1, HISTORY: 1}),
        (
            ReplyShape.RECORDED,
            {"tracker_status": {"last_event": None}},
            {LISTING: 1, HISTORY: 2},
        ),
    ],
    ids=["field_ignored", "fix_asked_each_poll"],
)
async def test_tracker_as_it_was_writes_nothing_when_another_moves(  # noqa: PLR0913 - fixtures and parameters
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    listed: JsonObject,
    asked: dict[str, int],
) -> None:
    """A tracker whose data did not change keeps it: none of its states is written.

    Another tracker moving in the same poll wakes every entity: this one's see the
    very data they wrote. It may be listed with a field the client ignores, or with a
    status that says nothing of its moves, its fix then asked again each poll.
    """
    world = simulator.world
    still, moving = (world.tracker(tracker_id) for tracker_id in world.tracker_ids[:2])
    world.misreport(still.id, overrides=listed)
    await poll(hass, freezer)
    before = _reported(hass)
    world.move_tracker(moving.id, 48.8584, 2.2945)
    simulator.counters.reset()
    await poll(hass, freezer)
    assert dict(simulator.counters.requests) == asked
    written = {
        entity
        for entity, reported in _reported(hass).items()
        if reported != before[entity]
    }
    assert written == _own(hass, init_integration, moving.serial)


async def test_tracker_readable_again_without_moving_is_available_again(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A tracker listed whole again, as it was, comes back where it was, said once."""
    caplog.set_level(logging.INFO, logger=LOGGER.name)
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[1])
    coordinator = init_integration.runtime_data
    shown = _tracker_state(hass, tracker.serial)
    assert shown[1] is not None
    world.misreport(tracker.id, missing=("serial",))
    await poll(hass, freezer)
    assert _tracker_state(hass, tracker.serial) == (STATE_UNAVAILABLE, None, None)
    assert coordinator.data[tracker.serial].unreadable is True

    world.misreport(tracker.id)
    caplog.clear()
    await poll(hass, freezer)
    assert _tracker_state(hass, tracker.serial) == shown
    assert coordinator.data[tracker.serial].unreadable is False
    assert [
        record.getMessage() for record in caplog.records if record.name == LOGGER.name
    ] == [f"{tracker.name} can be read again"]
    await poll(hass, freezer)
    assert _tracker_state(hass, tracker.serial) == shown


async def test_what_the_coordinator_knows_cannot_be_changed_by_an_entity(
    init_integration: MockConfigEntry,
) -> None:
    """Every entity reads the same data: none can change it under the others.

    Neither a tracker's data nor its position can be changed in place or given
    more: only the next poll replaces them.
    """
    for known in init_integration.runtime_data.data.values():
        position = known.position
        assert position is not None
        with pytest.raises(FrozenInstanceError):
            known.unreadable = True
        with pytest.raises(FrozenInstanceError):
            position.latitude = 0.0
        for frozen in (known, position):
            with pytest.raises(AttributeError, match="attached"):
                object.__setattr__(frozen, "attached", True)
        assert known.unreadable is False
        assert position.latitude != 0.0


async def test_data_and_positions_are_built_by_keyword_only(
    init_integration: MockConfigEntry,
) -> None:
    """Their fields are given by name: a field added never shifts the others."""
    for known in init_integration.runtime_data.data.values():
        assert known.position is not None
        for value in (known, known.position):
            build: Callable[..., object] = type(value)
            given = {field.name: getattr(value, field.name) for field in fields(value)}
            assert build(**given) == value
            first = next(iter(given))
            with pytest.raises(TypeError, match="positional argument"):
                build(given.pop(first), **given)
