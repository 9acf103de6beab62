"""A listing spoiled at random, poll after poll: every state stays possible.

Each poll, the simulated API lists a few trackers with fields of their status and
configuration replaced by odd values (null, empty strings, numbers as strings, NaN,
huge numbers, booleans, impossible dates). Whatever comes, no error is logged, the
entities keep being added and written, and each state is one a user can trust: a
possible value, or unknown, or unavailable.
"""

from datetime import datetime
import logging
import math
import random

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator
from simulator.world import JsonObject, JsonValue
from tests.conftest import SIMULATOR_START, poll

pytestmark = pytest.mark.freeze_time(SIMULATOR_START)

_POLLS = 30
_ODD: tuple[JsonValue, ...] = (
    None,
    "",
    "nan",
    "inf",
    "1e400",
    "87.0",
    87.0,
    -1,
    101,
    1e308,
    2**70,
    True,
    [],
    {},
    "abc",
    "2026-13-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00",
    "2026-06-30T23:59:60Z",
)
_FIELDS = {
    "tracker_status": (
        "battery",
        "last_event",
        "state",
        "sub_end_date",
        "sub_state",
        "network_operator",
        "stationary",
        "lost_pending",
        "last_location",
        "last_loc_latitude",
        "last_loc_longitude",
    ),
    "tracker_config": ("mode", "icon", "usage", "weight", "board_name", "network"),
}


def _spoiled(rng: random.Random) -> JsonObject:
    """Return overrides of one to four fields of a tracker's listing entry."""
    overrides: dict[str, dict[str, JsonValue]] = {}
    for _ in range(rng.randint(1, 4)):
        part = rng.choice(list(_FIELDS))
        overrides.setdefault(part, {})[rng.choice(_FIELDS[part])] = rng.choice(_ODD)
    return dict(overrides)


def _check(state: State) -> None:
    """Check that a state of the integration is possible, unknown or unavailable."""
    if state.state == STATE_UNAVAILABLE:
        return
    attributes = state.attributes
    if state.domain == "device_tracker":
        latitude = attributes.get("latitude")
        longitude = attributes.get("longitude")
        assert (latitude is None) == (longitude is None), state
        if latitude is not None and longitude is not None:
            assert -90 <= latitude <= 90, state
            assert -180 <= longitude <= 180, state
            assert attributes["gps_accuracy"] >= 0, state
        return
    if state.state == STATE_UNKNOWN or state.domain != "sensor":
        return
    match attributes.get("device_class"):
        case "battery":
            assert 0 <= int(state.state) <= 100, state
        case "timestamp":
            datetime.fromisoformat(state.state)
        case "enum":
            assert state.state in attributes["options"], state
        case _ if "unit_of_measurement" in attributes:
            assert math.isfinite(float(state.state)), state


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_spoiled_listings_leave_only_possible_states(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Thirty polls of spoiled listings: no error, and every state possible."""
    world = simulator.world
    rng = random.Random("spoiled listings")  # noqa: S311 - repeatable, not secret
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    entity_ids = [
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            registry, mock_config_entry.entry_id
        )
    ]
    # Every entity of every tracker, each platform's.
    assert len(entity_ids) >= 5 * 10
    unavailable = 0
    for _ in range(_POLLS):
        for tracker_id in world.tracker_ids:
            world.misreport(
                tracker_id, overrides=_spoiled(rng) if rng.random() < 0.6 else None
            )
        world.advance(60)
        await poll(hass, freezer)
        for entity_id in entity_ids:
            state = hass.states.get(entity_id)
            assert state is not None, entity_id
            _check(state)
            unavailable += state.state == STATE_UNAVAILABLE
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    # A tracker that cannot be read is unavailable; most can.
    assert unavailable < len(entity_ids) * _POLLS / 2
