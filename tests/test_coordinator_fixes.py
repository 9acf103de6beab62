"""Which fix a tracker shows when fixes come out of order or at the same moment.

The newest fix shows, and a fix older than it, as a stale cache may answer, never
replaces it: unless the fix shown is dated more than five minutes ahead of the clock,
from a tracker whose clock ran ahead, which would block every fix after it.
"""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.invoxia.const import DOMAIN
from simulator import Fault, FaultKind, ReplyShape, Simulator
from simulator.world import JsonObject
from tests.conftest import SIMULATOR_START, poll

# The listing of a status without last_event says nothing of moves: the fix of such
# a tracker is asked at every poll, as the history answers it.
NO_MARKER: JsonObject = {"tracker_status": {"last_event": None}}


def _sensor(hass: HomeAssistant, unique_id: str) -> str:
    """Return the state of one of the integration's sensors."""
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, unique_id)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def _position(hass: HomeAssistant, serial: str) -> tuple[object, object, object]:
    """Return where a tracker entity shows its tracker, and how precisely."""
    entity_id = er.async_get(hass).async_get_entity_id("device_tracker", DOMAIN, serial)
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    attributes = state.attributes
    return (
        attributes.get("latitude"),
        attributes.get("longitude"),
        attributes.get("gps_accuracy"),
    )


@pytest.mark.freeze_time(SIMULATOR_START)
@pytest.mark.parametrize("reply_shape", [ReplyShape.RECORDED])
@pytest.mark.parametrize(
    ("ahead", "replaced"), [(7 * 60, False), (10 * 60, True)], ids=["5_min", "8_min"]
)
@pytest.mark.usefixtures("init_integration")
async def test_older_fix_replaces_the_one_shown_only_past_five_minutes_ahead(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    ahead: int,
    replaced: bool,  # noqa: FBT001 - a parameter of the test
) -> None:
    """A fix dated 5 minutes ahead when the older one comes stays; 8 minutes, goes.

    The fix is dated `ahead` seconds past the world's clock; two polls later, the
    clock is 2 minutes on: it is then 5 or 8 minutes ahead.
    """
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    first = _position(hass, tracker.serial)
    world.misreport(tracker.id, overrides=NO_MARKER)
    world.skew_clock(tracker.id, timedelta(seconds=ahead))
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=8)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 8)
    # The history answers as it did at setup, the older fix first.
    simulator.faults.add(
        Fault(FaultKind.REPLAYED, path=f"/devices/{tracker.id}/tracker_data/")
    )
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (
        first if replaced else (48.8584, 2.2945, 8)
    )


@pytest.mark.parametrize("reply_shape", [ReplyShape.RECORDED])
@pytest.mark.usefixtures("init_integration")
async def test_fix_of_the_same_moment_as_the_one_shown_replaces_it(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A second fix dated as the one shown is the one the history gives first."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    world.misreport(tracker.id, overrides=NO_MARKER)
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=8)
    await poll(hass, freezer)
    world.move_tracker(tracker.id, 48.8606, 2.3376, precision=15)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8606, 2.3376, 15)


@pytest.mark.usefixtures("init_integration")
async def test_listed_position_off_the_globe_shows_no_fix_details_either(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A listed latitude of nan leaves no position: no place, no method for it."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=8)
    await poll(hass, freezer)
    assert _sensor(hass, f"{tracker.serial}_location_method") == "gps"
    world.misreport(
        tracker.id, overrides={"tracker_status": {"last_loc_latitude": "nan"}}
    )
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (None, None, None)
    assert _sensor(hass, f"{tracker.serial}_location_method") == STATE_UNKNOWN
