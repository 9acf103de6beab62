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

LISTING = "/devices/"
HISTORY = "/devices/{id}/tracker_data/"
# The listing of a status without last_event says nothing of moves: the fix of such
# a tracker is asked at every poll, as the history answers it.
NO_MARKER: JsonObject = {"tracker_status": {"last_event": None}}
# A last_event of its own: the tracker talked to Invoxia.
KEEP_ALIVE: JsonObject = {"tracker_status": {"last_event": "2026-01-01T12:01:00Z"}}


def _history(tracker_id: int) -> str:
    """Return the path of a tracker's history."""
    return f"/devices/{tracker_id}/tracker_data/"


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


# A fix dated `ahead` seconds past the clocks, which are 2 minutes on when an older
# one comes: it is then 5 minutes ahead, still the newest, or 8, and gives way.
AHEAD = pytest.mark.parametrize(
    ("ahead", "replaced"), [(7 * 60, False), (10 * 60, True)], ids=["5_min", "8_min"]
)


@pytest.mark.freeze_time(SIMULATOR_START)
@pytest.mark.parametrize("reply_shape", [ReplyShape.RECORDED])
@AHEAD
@pytest.mark.usefixtures("init_integration")
async def test_older_fix_replaces_the_one_shown_only_past_five_minutes_ahead(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    ahead: int,
    replaced: bool,  # noqa: FBT001 - a parameter of the test
) -> None:
    """A fix 5 minutes ahead when an older one comes stays, and is asked again; 8 go.

    The fix kept is asked again at the next poll, so that the newest is never lost;
    the one that gave way is not.
    """
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    first = _position(hass, tracker.serial)
    world.skew_clock(tracker.id, timedelta(seconds=ahead))
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=8)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 8)
    # A keep-alive has the fix asked; the history answers as it did at setup.
    world.misreport(tracker.id, overrides=KEEP_ALIVE)
    simulator.faults.add(Fault(FaultKind.REPLAYED, path=_history(tracker.id)))
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (
        first if replaced else (48.8584, 2.2945, 8)
    )
    simulator.faults.clear()
    simulator.counters.reset()
    await poll(hass, freezer)
    asked = {LISTING: 1} if replaced else {LISTING: 1, HISTORY: 1}
    assert dict(simulator.counters.requests) == asked


@pytest.mark.freeze_time(SIMULATOR_START)
@AHEAD
@pytest.mark.usefixtures("init_integration")
async def test_older_listed_position_replaces_the_one_shown_past_five_minutes_ahead(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    ahead: int,
    replaced: bool,  # noqa: FBT001 - a parameter of the test
) -> None:
    """The listing's older position, its fix unknown, follows the same bound.

    A listing replayed from a stale cache while the history fails gives the older
    position alone: when it replaces the one shown, its accuracy is unknown, not
    that of the newer fix.
    """
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    first = _position(hass, tracker.serial)
    world.skew_clock(tracker.id, timedelta(seconds=ahead))
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=8)
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 8)
    # The oldest fault a path matches applies: the history fails, the listing replays.
    simulator.faults.add(Fault(FaultKind.STATUS, status=500, path=_history(tracker.id)))
    simulator.faults.add(Fault(FaultKind.REPLAYED, path=LISTING))
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (
        (first[0], first[1], 0) if replaced else (48.8584, 2.2945, 8)
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


@pytest.mark.freeze_time(SIMULATOR_START)
@pytest.mark.parametrize("reply_shape", [ReplyShape.MODELLED, ReplyShape.RECORDED])
@pytest.mark.parametrize(
    "precision", [-1, None, "abc"], ids=["negative", "absent", "text"]
)
@pytest.mark.usefixtures("init_integration")
async def test_fix_without_usable_precision_shows_once_with_accuracy_unknown(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    precision: int | str | None,
) -> None:
    """Accuracy unknown (0), method shown, and that fix is not asked again."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    world.move_tracker(tracker.id, 48.8584, 2.2945, precision=precision, method=3)
    simulator.counters.reset()
    await poll(hass, freezer)
    assert _position(hass, tracker.serial) == (48.8584, 2.2945, 0)
    assert _sensor(hass, f"{tracker.serial}_location_method") == "bssid"
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert dict(simulator.counters.requests) == {LISTING: 3, HISTORY: 1}
