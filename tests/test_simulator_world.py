"""Tests of the simulated world: seeded data, trackers' motion and history, clock."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from math import cos, radians, sqrt
import operator
import time

import pytest

from simulator import (
    PAGE_SIZE,
    Fix,
    Move,
    ReplyShape,
    Report,
    UnknownTrackerError,
    World,
)
from simulator.world import DEFAULT_HOME, JsonObject, JsonValue, Position
from tests.conftest import SIMULATOR_START

SECOND = 1_000_000
START_US = int(SIMULATOR_START.timestamp()) * SECOND


def _distance_m(fix: Fix, place: Position = DEFAULT_HOME) -> float:
    """Distance of a fix from a place, in metres."""
    north = (fix.lat - place[0]) * 111_320
    east = (fix.lng - place[1]) * 111_320 * cos(radians(place[0]))
    return sqrt(north * north + east * east)


def _near_home(fix: Fix) -> bool:
    """Tell whether a fix is within 100 m of home, give or take its precision."""
    precision = fix.precision if isinstance(fix.precision, int) else 0
    return _distance_m(fix) <= 100 + precision


def _object(value: JsonValue) -> JsonObject:
    """Narrow a JSON value known to be an object."""
    assert isinstance(value, dict)
    return value


def _histories(world: World) -> list[list[Fix]]:
    """Every tracker's whole history."""
    return [world.tracker(tracker_id).history() for tracker_id in world.tracker_ids]


def test_a_seed_always_gives_the_same_world() -> None:
    """The same seed and start give the same devices and histories; another seed not."""
    world = World(seed=7, trackers=12, start=SIMULATOR_START)
    again = World(seed=7, trackers=12, start=SIMULATOR_START)
    assert again.devices_json() == world.devices_json()
    assert _histories(again) == _histories(world)
    other = World(seed=8, trackers=12, start=SIMULATOR_START)
    assert other.devices_json() != world.devices_json()
    assert _histories(other) != _histories(world)


def test_reading_or_changing_one_tracker_leaves_the_others_alone() -> None:
    """Histories come on demand, from each tracker's own streams."""
    world = World(seed=3, trackers=6, start=SIMULATOR_START)
    other = World(seed=3, trackers=6, start=SIMULATOR_START)
    other.tracker(other.tracker_ids[5]).history()
    other.add_tracker(position=(48.0, 2.0))
    other.remove_tracker(other.tracker_ids[2])
    for tracker_id in other.tracker_ids[:5]:
        if tracker_id in world.tracker_ids:
            assert (
                other.tracker(tracker_id).history()
                == world.tracker(tracker_id).history()
            )


def test_paging_generates_the_same_history_as_reading_it_whole() -> None:
    """Reading pages, then the whole history, gives what reading it whole first does."""
    world = World(seed=5, trackers=5, start=SIMULATOR_START)
    whole = World(seed=5, trackers=5, start=SIMULATOR_START)
    for tracker_id in world.tracker_ids:
        history = whole.tracker(tracker_id).history()
        tracker = world.tracker(tracker_id)
        first = tracker.locations(None, None)
        assert first == history[:PAGE_SIZE]
        older = tracker.locations(None, history[60].time_us)
        assert older == history[60 : 60 + PAGE_SIZE]
        assert tracker.history() == history


def test_trackers_cycle_through_types_usages_and_names() -> None:
    """Types and usages cycle, so every pairing shows up; names stay unique."""
    world = World(seed=1, trackers=21, start=SIMULATOR_START)
    trackers = [world.tracker(tracker_id) for tracker_id in world.tracker_ids]
    assert [tracker.kind for tracker in trackers[:4]] == [
        "tracker_01",
        "tracker_03",
        "tracker_04",
        "tracker_01",
    ]
    assert [tracker.usage for tracker in trackers[:6]] == [
        "dog",
        "cat",
        "bike",
        "vehicle",
        "person",
        "dog",
    ]
    assert [tracker.name for tracker in trackers[::5]] == [
        "Rex",
        "Nala",
        "Filou",
        "Oslo",
        "Rex 2",
    ]
    assert len({tracker.name for tracker in trackers}) == 21
    assert len({tracker.serial for tracker in trackers}) == 21
    assert list(world.tracker_ids) == sorted(world.tracker_ids)
    assert [tracker.roams for tracker in trackers[:10]] == [
        True,
        True,
        True,
        False,
        True,
        True,
        True,
        True,
        True,
        False,
    ]


def test_a_phone_of_each_kind() -> None:
    """The phone is an iPhone or an Android phone, as the seed decides."""
    android = World(seed=4, trackers=1, start=SIMULATOR_START)
    assert android.phone_type == "android"
    phone = android.device_json(android.phone_id)
    assert phone["name"] == "Pixel 8"
    assert phone["version"] == "13.1.0"
    assert phone["serial"] == str(phone["serial"]).lower()
    assert android.devices_json("android") == [phone]
    assert android.devices_json("iphone") == []
    iphone = World(seed=1, trackers=1, start=SIMULATOR_START)
    assert iphone.phone_type == "iphone"
    serial = iphone.device_json(iphone.phone_id)["serial"]
    assert serial == str(serial).upper()


def test_a_burst_straddles_the_first_page_boundary() -> None:
    """Locations 18 to 21 share one whole second, across the first two pages of 20."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    history = world.tracker(world.quirks.page_boundary_tracker).history()
    burst = history[18:22]
    second = burst[0].time_us
    assert second % SECOND == 0
    assert [fix.time_us for fix in burst] == [second] * 4
    assert [fix.method for fix in burst] == [2, 3, 1, 14]
    assert history[17].time_us > second > history[22].time_us
    assert {fix.to_json()["datetime"] for fix in burst} == {"2026-01-01T06:17:53Z"}
    first_page = world.tracker(world.quirks.page_boundary_tracker).locations(None, None)
    assert first_page == history[:PAGE_SIZE]


def test_more_locations_than_a_page_share_one_second() -> None:
    """Locations 30 to 54 share one whole second: paging by time alone gets stuck."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    tracker = world.tracker(world.quirks.same_second_tracker)
    history = tracker.history()
    second = history[30].time_us
    assert second % SECOND == 0
    assert [fix.time_us for fix in history[30:55]] == [second] * 25
    assert history[29].time_us > second > history[55].time_us
    assert tracker.locations(None, second) == history[30:50]
    assert tracker.locations(None, second) == tracker.locations(second, second)


def test_unknown_values_hide_in_one_tracker() -> None:
    """One tracker has icon 999 and, at location 7, method 99."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    tracker = world.tracker(world.quirks.unknown_values_tracker)
    assert tracker.config_json()["icon"] == 999
    assert [fix.method for fix in tracker.history()[6:9]] == [2, 99, 2]
    assert tracker.history()[7].precision == 100


def test_a_lone_tracker_carries_every_quirk() -> None:
    """With one tracker, it holds every quirk."""
    world = World(seed=2, trackers=1, start=SIMULATOR_START)
    (tracker_id,) = world.tracker_ids
    assert world.quirks.page_boundary_tracker == tracker_id
    assert world.quirks.same_second_tracker == tracker_id
    assert world.quirks.unknown_values_tracker == tracker_id
    history = world.tracker(tracker_id).history()
    assert len({fix.time_us for fix in history[18:22]}) == 1
    assert len({fix.time_us for fix in history[30:55]}) == 1
    assert history[7].method == 99


def test_histories_are_round_trips_from_home() -> None:
    """Roaming trackers go away and come back within ~100 m; sedentary ones stay."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    for tracker_id in world.tracker_ids:
        tracker = world.tracker(tracker_id)
        history = tracker.history()
        assert 150 <= len(history) <= 400
        assert [fix.time_us for fix in history] == sorted(
            (fix.time_us for fix in history), reverse=True
        )
        assert history[0].time_us <= START_US
        at_home = [fix for fix in history if _near_home(fix)]
        if tracker.roams:
            gps = [fix for fix in history if fix.method == 2]
            assert max(_distance_m(fix) for fix in gps) > 300
            assert len(at_home) >= 5
        else:
            assert at_home == history


def test_at_a_demo_pace_trackers_cross_the_home_zone_every_few_minutes() -> None:
    """At a pace of 60, a world of five leaves or enters home every few minutes."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START, pace=60)
    trackers = [world.tracker(tracker_id) for tracker_id in world.tracker_ids]

    def at_home() -> list[bool]:
        fixes = [tracker.last_fix for tracker in trackers]
        return [fix is not None and _distance_m(fix) <= 100 for fix in fixes]

    crossings = 0
    was_home = at_home()
    for _ in range(60):
        world.advance(60)
        now_home = at_home()
        crossings += sum(map(operator.ne, was_home, now_home))
        was_home = now_home
    assert crossings >= 12


def test_locations_within_bounds_newest_first() -> None:
    """A page holds at most 20 locations within both bounds, which are inclusive."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    tracker = world.tracker(world.tracker_ids[4])
    history = tracker.history()
    assert tracker.locations(history[5].time_us, None) == history[:6]
    assert tracker.locations(None, history[30].time_us) == history[30:50]
    assert tracker.locations(history[40].time_us, history[35].time_us) == history[35:41]
    assert (
        tracker.locations(history[-1].time_us - 1, history[-3].time_us) == history[-3:]
    )
    assert tracker.locations(None, history[-1].time_us - 1) == []
    assert tracker.locations(START_US + 1, None) == []


def test_a_recent_page_generates_only_recent_history() -> None:
    """A page bounded to the last hour stops generating once it is complete."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    whole = World(seed=1, trackers=5, start=SIMULATOR_START)
    hour_ago = START_US - 3600 * SECOND
    for tracker_id in world.tracker_ids:
        expected = [
            fix
            for fix in whole.tracker(tracker_id).history()
            if fix.time_us >= hour_ago
        ]
        assert (
            world.tracker(tracker_id).locations(hour_ago, None) == expected[:PAGE_SIZE]
        )


def test_locations_take_the_api_shapes() -> None:
    """Locations vary as the API's do: strings, offsets, whole seconds, extra fields."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    fixes = [fix for history in _histories(world) for fix in history]
    text = next(fix for fix in fixes if fix.text_coordinates)
    assert text.to_json()["lat"] == f"{text.lat:.6f}"
    assert text.to_json()["lng"] == f"{text.lng:.6f}"
    number = next(fix for fix in fixes if not fix.text_coordinates)
    assert number.to_json()["lat"] == round(number.lat, 6)
    assert number.to_json()["lng"] == round(number.lng, 6)
    offset = next(fix for fix in fixes if fix.offset_suffix and fix.time_us % SECOND)
    assert offset.to_json()["datetime"] == offset.at.isoformat()
    assert str(offset.to_json()["datetime"]).endswith("+00:00")
    whole = next(
        fix for fix in fixes if not fix.offset_suffix and not fix.time_us % SECOND
    )
    assert whole.to_json()["datetime"] == whole.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    with_rssi = next(fix for fix in fixes if fix.rssi is not None)
    assert with_rssi.to_json()["rssi"] == with_rssi.rssi
    assert with_rssi.rssi is not None
    assert -125 <= with_rssi.rssi <= -70
    assert {fix.pkt_drop for fix in fixes} == {0, 1, 2, 3}
    assert {fix.method for fix in fixes} == {1, 2, 3, 6, 14, 99}
    assert len({fix.uuid for fix in fixes}) == len(fixes)


def test_trackers_traits_vary() -> None:
    """Configs vary as the API's: modes as strings, any shape of weight, lost pets."""
    world = World(seed=1, trackers=60, start=SIMULATOR_START)
    devices = [_object(device) for device in world.devices_json("tracker")]
    configs = [_object(device["tracker_config"]) for device in devices]
    statuses = [_object(device["tracker_status"]) for device in devices]
    assert {type(config["mode"]) for config in configs} == {int, str}
    assert {type(config["weight"]) for config in configs} == {float, str, type(None)}
    assert {status["lost_pending"] for status in statuses} == {True, False}
    assert None in [status["sub_end_date"] for status in statuses]
    assert {config["image"] is None for config in configs} == {True, False}


def test_advancing_moves_trackers_and_drains_batteries() -> None:
    """As the clock moves, trackers travel, take fixes and use their battery."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    cat = world.tracker(world.tracker_ids[1])
    assert not cat.stationary
    before = cat.last_fix
    assert before is not None
    battery = cat.battery(world.now_us)
    world.advance(900)
    assert world.now == SIMULATOR_START + timedelta(seconds=900)
    after = cat.last_fix
    assert after is not None
    assert before.time_us < after.time_us <= world.now_us
    assert (after.lat, after.lng) != (before.lat, before.lng)
    motion = set()
    for _ in range(48):
        world.advance(3600)
        motion.add(cat.stationary)
    assert motion == {True, False}
    assert cat.battery(world.now_us) < battery
    for tracker_id in world.tracker_ids:
        tracker = world.tracker(tracker_id)
        later = [fix for fix in tracker.history() if fix.time_us > START_US]
        assert later
        assert max(fix.time_us for fix in later) <= world.now_us
        near = [fix for fix in later if _near_home(fix)]
        assert len(near) >= 2
        if tracker.roams:
            assert max(_distance_m(fix) for fix in later) > 100


def test_time_only_moves_forward() -> None:
    """Advancing by a negative duration is refused."""
    world = World(seed=1, trackers=1, start=SIMULATOR_START)
    with pytest.raises(ValueError, match="time only moves forward"):
        world.advance(-1)
    assert world.now == SIMULATOR_START


def test_a_flat_battery_stays_at_zero() -> None:
    """Batteries drain to zero and no further."""
    world = World(seed=1, trackers=1, start=SIMULATOR_START)
    tracker = world.tracker(world.add_tracker())
    assert tracker.battery(world.now_us) == 100
    world.advance(400 * 86400)
    assert tracker.battery(world.now_us) == 0


def test_moving_a_tracker_by_hand_pins_it_there() -> None:
    """A fix taken by hand is the newest location; the tracker then stays put."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    tracker_id = world.tracker_ids[0]
    world.advance(60)
    fix = world.move_tracker(tracker_id, 48.8584, 2.2945, precision=25, method=3)
    assert fix.time_us == world.now_us
    assert (fix.lat, fix.lng, fix.precision, fix.method) == (48.8584, 2.2945, 25, 3)
    status = world.tracker(tracker_id).status_json(world.now_us)
    assert status["last_loc_latitude"] == 48.8584
    assert status["last_loc_longitude"] == 2.2945
    assert status["last_location"] == "2026-01-01T12:01:00Z"
    assert status["stationary"] == 0
    world.advance(86400)
    assert world.tracker(tracker_id).last_fix == fix
    assert world.tracker(tracker_id).locations(None, None)[0] == fix


def test_moving_trackers_at_once_moves_all_or_none() -> None:
    """Moves are all checked first: one that cannot be made leaves every tracker be."""
    world = World(seed=1, trackers=3, start=SIMULATOR_START)
    first, second, third = world.tracker_ids
    world.skew_clock(third, timedelta(minutes=5))
    ahead = world.move_tracker(third, 48.85, 2.35)
    world.skew_clock(third, timedelta(0))
    before = [world.tracker(tracker_id).last_fix for tracker_id in world.tracker_ids]

    for moves, error in (
        ([Move(first, 48.1, 2.1), Move(second, 91.0, 2.0)], "no such place"),
        ([Move(first, 48.1, 2.1), Move(third, 48.2, 2.2)], "cannot predate"),
    ):
        with pytest.raises(ValueError, match=error):
            world.move_trackers(moves)
        assert [world.tracker(i).last_fix for i in world.tracker_ids] == before

    fixes = world.move_trackers(
        [Move(first, 48.1, 2.1, precision=7, method=3), Move(second, 48.2, 2.2)]
    )
    assert [(fix.lat, fix.lng, fix.precision, fix.method) for fix in fixes] == [
        (48.1, 2.1, 7, 3),
        (48.2, 2.2, 10, 2),
    ]
    assert [world.tracker(i).last_fix for i in world.tracker_ids] == [*fixes, ahead]


@pytest.mark.parametrize(("lat", "lng"), [(90.5, 2.0), (-91.0, 2.0), (48.0, 181.0)])
def test_moving_a_tracker_nowhere_is_refused(lat: float, lng: float) -> None:
    """Coordinates off the globe are refused."""
    world = World(seed=1, trackers=1, start=SIMULATOR_START)
    with pytest.raises(ValueError, match="no such place"):
        world.move_tracker(world.tracker_ids[0], lat, lng)


def test_unknown_trackers_are_refused() -> None:
    """Moving, reading or removing a tracker the account lacks is refused."""
    world = World(seed=1, trackers=1, start=SIMULATOR_START)
    with pytest.raises(UnknownTrackerError, match=r"^42$"):
        world.move_tracker(42, 48.0, 2.0)
    with pytest.raises(UnknownTrackerError):
        world.remove_tracker(42)
    with pytest.raises(UnknownTrackerError):
        world.device_json(42)


def test_a_new_tracker_has_no_past() -> None:
    """A new tracker takes the next type and usage, and has no location yet."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    tracker_id = world.add_tracker()
    assert tracker_id > max(world.tracker_ids[:5])
    assert world.tracker_ids[-1] == tracker_id
    tracker = world.tracker(tracker_id)
    assert (tracker.kind, tracker.usage, tracker.name) == ("tracker_04", "dog", "Nala")
    assert tracker.history() == []
    assert tracker.locations(None, None) == []
    status = tracker.status_json(world.now_us)
    assert status["battery"] == 100
    assert status["stationary"] == 1
    assert status["last_location"] is None
    assert status["last_event"] is None
    assert status["last_loc_latitude"] is None
    assert status["last_loc_longitude"] is None
    device = world.device_json(tracker_id)
    assert device["created"] == "2026-01-01T12:00:00Z"
    world.advance(3600)
    assert tracker.history() == []


def test_a_new_tracker_can_be_placed() -> None:
    """A new tracker may be named, typed and located at once."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    tracker_id = world.add_tracker(
        name="Biscotte", usage="cat", kind="tracker_01", position=(48.86, 2.35)
    )
    tracker = world.tracker(tracker_id)
    assert (tracker.name, tracker.usage, tracker.kind) == (
        "Biscotte",
        "cat",
        "tracker_01",
    )
    assert [(fix.lat, fix.lng) for fix in tracker.history()] == [(48.86, 2.35)]
    assert [_object(device)["id"] for device in world.devices_json("tracker_01")] == [
        world.tracker_ids[0],
        world.tracker_ids[3],
        tracker_id,
    ]


@pytest.mark.parametrize(
    ("usage", "kind", "message"),
    [
        ("fish", None, "unknown usage 'fish'"),
        (None, "tracker_02", "unknown tracker type 'tracker_02'"),
    ],
)
def test_a_new_tracker_must_be_of_a_known_kind(
    usage: str | None, kind: str | None, message: str
) -> None:
    """Only the known usages and tracker types exist."""
    world = World(seed=1, trackers=1, start=SIMULATOR_START)
    with pytest.raises(ValueError, match=message):
        world.add_tracker(usage=usage, kind=kind)
    assert len(world.tracker_ids) == 1


def test_removing_a_tracker() -> None:
    """A removed tracker is gone from the account."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    removed = world.tracker_ids[2]
    world.remove_tracker(removed)
    assert removed not in world.tracker_ids
    assert len(world.devices_json("tracker")) == 4
    with pytest.raises(UnknownTrackerError):
        world.tracker(removed)


def test_credentials_change() -> None:
    """Only the current credentials match."""
    world = World(seed=1, trackers=1, start=SIMULATOR_START)
    assert world.check_credentials("demo@example.com", "demo-password")
    world.set_credentials("new@example.com", "s3cret")
    assert world.username == "new@example.com"
    assert world.user_json()["username"] == "new@example.com"
    assert world.check_credentials("new@example.com", "s3cret")
    assert not world.check_credentials("demo@example.com", "demo-password")
    assert not world.check_credentials("new@example.com", "s3cret ")


def test_a_world_needs_a_tracker_an_aware_start_and_a_pace() -> None:
    """No tracker, a start without time zone, or a pace not positive, is refused."""
    with pytest.raises(ValueError, match="at least one tracker"):
        World(trackers=0, start=SIMULATOR_START)
    with pytest.raises(ValueError, match="pace must be positive"):
        World(start=SIMULATOR_START, pace=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        World(start=datetime(2026, 1, 1))  # noqa: DTZ001 - the naive start refused


def test_a_world_starts_now_by_default() -> None:
    """Without a start, the world's clock starts at the current time."""
    before = datetime.now(UTC)
    world = World(trackers=1)
    assert before <= world.now <= datetime.now(UTC)


def test_thousands_of_trackers_are_cheap() -> None:
    """5 000 trackers take well under 2 s to generate, as benchmarks need."""
    # CPU time, not wall time: other processes on the machine do not count.
    started = time.process_time()
    world = World(seed=1, trackers=5000, start=SIMULATOR_START)
    elapsed = time.process_time() - started
    assert len(world.tracker_ids) == 5000
    assert elapsed < 2.0, elapsed


def test_the_listing_can_misreport_a_tracker() -> None:
    """A tracker can be listed without some fields or as of another type, then whole."""
    world = World(seed=1, trackers=2, start=SIMULATOR_START)
    tracker_id = world.tracker_ids[0]
    whole = world.device_json(tracker_id)
    world.misreport(
        tracker_id, missing=("serial", "tracker_status"), device_type="tracker_99"
    )
    assert _object(world.devices_json("tracker")[0]) == {
        key: value
        for key, value in whole.items()
        if key not in {"serial", "tracker_status"}
    } | {"type": "tracker_99"}
    world.misreport(tracker_id, missing=("serial",))
    assert world.device_json(tracker_id).keys() == whole.keys() - {"serial"}
    with pytest.raises(ValueError, match=r"^trackers have no field nope$"):
        world.misreport(tracker_id, missing=("nope", "serial"))
    assert world.device_json(tracker_id).keys() == whole.keys() - {"serial"}
    world.misreport(tracker_id)
    assert world.device_json(tracker_id) == whole


def test_a_trackers_clock_can_run_ahead_but_never_back() -> None:
    """Fixes are dated by the tracker's clock, and never before its newest one."""
    world = World(seed=1, trackers=1, start=SIMULATOR_START)
    tracker_id = world.tracker_ids[0]
    world.skew_clock(tracker_id, timedelta(minutes=5))
    ahead = world.move_tracker(tracker_id, 48.85, 2.35)
    assert ahead.at == SIMULATOR_START + timedelta(minutes=5)
    status = world.tracker(tracker_id).status_json(world.now_us)
    assert status["last_location"] == "2026-01-01T12:05:00Z"
    world.skew_clock(tracker_id, timedelta(0))
    with pytest.raises(
        ValueError, match=r"^a fix cannot predate the tracker's newest one$"
    ):
        world.move_tracker(tracker_id, 48.86, 2.36)
    assert world.tracker(tracker_id).last_fix == ahead
    world.advance(300)
    assert world.move_tracker(tracker_id, 48.86, 2.36).at == ahead.at


RECORDED_STATUS = {
    "battery",
    "begin_date",
    "last_event",
    "state",
    "sub_end_date",
    "sub_state",
    "network_operator",
    "stationary",
}
"""What a tracker's status holds in the replies recorded from the real API."""


def test_recorded_replies_list_trackers_as_the_real_api_does() -> None:
    """Recorded, a tracker has no model, owner, last position or lost_pending.

    Its mode and weight are strings, settings without a value are left out, and
    Sigfox trackers have an empty operator; misreporting it still leaves fields out.
    """
    modelled = World(seed=1, trackers=5, start=SIMULATOR_START)
    recorded = World(
        seed=1, trackers=5, start=SIMULATOR_START, shape=ReplyShape.RECORDED
    )
    devices = [_object(device) for device in recorded.devices_json("tracker")]
    for tracker_id, device in zip(recorded.tracker_ids, devices, strict=True):
        model = modelled.device_json(tracker_id)
        assert device.keys() == model.keys() - {"model", "owner"}
        assert _object(device["tracker_status"]).keys() == RECORDED_STATUS
        assert device["tracker_config"] == {
            key: str(value) if key in {"mode", "weight"} else value
            for key, value in _object(model["tracker_config"]).items()
            if key not in {"image", "led_enabled"} and value is not None
        }
    assert [_object(device["tracker_config"]).get("weight") for device in devices] == [
        "23.9",
        "5.8",
        None,
        None,
        None,
    ]
    assert [
        _object(device["tracker_status"])["network_operator"] for device in devices
    ] == ["", "Orange", "Orange", "", "Objenious"]
    tracker_id = recorded.tracker_ids[0]
    recorded.misreport(tracker_id, missing=("serial",))
    assert recorded.device_json(tracker_id).keys() == devices[0].keys() - {"serial"}


def test_recorded_pages_are_unsorted_and_some_dates_naive() -> None:
    """A recorded page holds the modelled page's fixes, its older half first.

    A fix the modelled shape dates with an offset is dated with none at all.
    """
    modelled = World(seed=1, trackers=1, start=SIMULATOR_START)
    recorded = World(
        seed=1, trackers=1, start=SIMULATOR_START, shape=ReplyShape.RECORDED
    )
    tracker_id = recorded.tracker_ids[0]
    sorted_page = [
        _object(location)
        for location in modelled.tracker(tracker_id).render_locations(None, None)
    ]
    page = [
        _object(location)
        for location in recorded.tracker(tracker_id).render_locations(None, None)
    ]
    half = PAGE_SIZE // 2
    assert [location["uuid"] for location in page] == [
        location["uuid"] for location in sorted_page[half:] + sorted_page[:half]
    ]
    by_uuid = {location["uuid"]: location for location in sorted_page}
    # Only dates differ, and only those written with an offset when modelled.
    assert [
        location | {"datetime": by_uuid[location["uuid"]]["datetime"]}
        for location in page
    ] == [by_uuid[location["uuid"]] for location in page]
    offsets = [
        (location["datetime"], by_uuid[location["uuid"]]["datetime"])
        for location in page
        if location != by_uuid[location["uuid"]]
    ]
    assert offsets == [
        ("2026-01-01T08:36:12.119291", "2026-01-01T08:36:12.119291+00:00"),
        ("2026-01-01T10:27:16", "2026-01-01T10:27:16+00:00"),
        ("2026-01-01T09:59:29.426948", "2026-01-01T09:59:29.426948+00:00"),
    ]
    assert {datetime.fromisoformat(str(when)).tzinfo for when, _ in offsets} == {None}


def test_recorded_keep_alives_move_last_event_without_a_fix() -> None:
    """Recorded, `last_event` moves at every 15-minute keep-alive, with no new fix.

    Modelled, it stays at the tracker's newest fix; the shape can change at any time.
    """
    world = World(seed=1, trackers=1, start=SIMULATOR_START, shape=ReplyShape.RECORDED)
    tracker_id = world.add_tracker(position=(48.85, 2.35))
    tracker = world.tracker(tracker_id)
    seen = []
    for seconds in (0, 899, 1, 899, 1):
        world.advance(seconds)
        seen.append(tracker.status_json(world.now_us)["last_event"])
    assert seen == [
        "2026-01-01T12:00:00Z",
        "2026-01-01T12:00:00Z",
        "2026-01-01T12:15:00Z",
        "2026-01-01T12:15:00Z",
        "2026-01-01T12:30:00Z",
    ]
    world.set_shape(tracker_id, ReplyShape.MODELLED)
    status = tracker.status_json(world.now_us)
    assert (status["last_event"], status["last_location"]) == (
        "2026-01-01T12:00:00Z",
        "2026-01-01T12:00:00Z",
    )
    assert tracker.shape is ReplyShape.MODELLED


def _report(taken: float, shown: float, north: float = 0.0) -> Report:
    """Return a report of a fix at home, `north` degrees further north."""
    return Report(
        taken=taken,
        shown=shown,
        latitude=DEFAULT_HOME[0] + north,
        longitude=DEFAULT_HOME[1],
    )


def test_a_tracker_can_follow_reports_that_show_late() -> None:
    """A fix shows when its report says, dated when it was taken; earlier ones at once.

    The tracker stops roaming: only its reports make fixes.
    """
    world = World(seed=2, trackers=1, start=SIMULATOR_START)
    tracker = world.tracker(world.tracker_ids[0])
    world.follow(
        tracker.id,
        [_report(-60, -50), _report(100, 130, 0.001), _report(200, 215, 0.002)],
    )
    newest = tracker.last_fix
    assert newest is not None
    assert newest.at == SIMULATOR_START - timedelta(seconds=60)

    world.advance(129)
    assert tracker.last_fix == newest
    world.advance(1)
    shown = tracker.last_fix
    assert shown is not None
    assert (shown.at, shown.lat, shown.precision) == (
        SIMULATOR_START + timedelta(seconds=100),
        round(DEFAULT_HOME[0] + 0.001, 6),
        10,
    )
    world.advance(3600)
    assert [fix.at for fix in tracker.locations(None, None)[:3]] == [
        SIMULATOR_START + timedelta(seconds=200),
        SIMULATOR_START + timedelta(seconds=100),
        SIMULATOR_START - timedelta(seconds=60),
    ]


@pytest.mark.parametrize(
    ("reports", "message"),
    [
        ([_report(10, 5)], "a fix cannot show before it is taken"),
        (
            [_report(100, 110), _report(90, 120)],
            "a fix cannot predate one shown before it",
        ),
    ],
)
def test_reports_that_cannot_be_are_refused(
    reports: list[Report], message: str
) -> None:
    """A fix shows after it is taken, and after the fixes shown before it."""
    world = World(seed=2, trackers=1, start=SIMULATOR_START)
    with pytest.raises(ValueError, match=message):
        world.follow(world.tracker_ids[0], reports)


def test_moving_trackers_report_on_a_rhythm_a_poller_can_learn() -> None:
    """On the move, a person's fixes come every 120 s, each interval within ±10 %.

    A longer interval spans a stop (a fix an hour at most) and is no rhythm's.
    """
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    person = world.tracker(world.tracker_ids[4])
    assert person.usage == "person"
    assert person.id not in {
        world.quirks.page_boundary_tracker,
        world.quirks.same_second_tracker,
        world.quirks.unknown_values_tracker,
    }
    times = sorted(fix.time_us for fix in person.history())
    intervals = [(newer - older) / SECOND for older, newer in pairwise(times)]
    moving = [interval for interval in intervals if interval < 240]
    assert len(moving) >= 100
    assert min(moving) >= 108
    assert max(moving) <= 132
