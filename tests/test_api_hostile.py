"""Replies spoiled at random: the models read them, or refuse them, never crash.

The simulator's replies, in both shapes, get fields deleted or replaced by odd values
(null, empty strings, numbers as strings, NaN, huge numbers, booleans, lists,
impossible dates). Whatever comes, parsing returns a model whose every value is
possible, or raises one of the client's own exceptions: never anything else.
"""

from collections.abc import Callable
import copy
from datetime import datetime, timedelta
import math
import random

import pytest

from custom_components.invoxia.api import (
    Device,
    GpsTrackerException,
    Tracker,
    TrackerData,
)
from simulator import ReplyShape, World
from simulator.world import JsonValue

_CASES = 2_000
_ODD: tuple[JsonValue, ...] = (
    None,
    "",
    " ",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "87.0",
    87.0,
    87,
    -1,
    101,
    1.5,
    "1.5",
    1e308,
    -1e308,
    2**70,
    True,
    False,
    0,
    1,
    "1",
    [],
    {},
    [1],
    {"a": 1},
    "abc",
    "2026-13-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00",
    "2026-06-30T23:59:60Z",
    "2026-01-01t00:00:00z",
)


def _spoil(value: JsonValue, rng: random.Random) -> None:
    """Delete or replace one field somewhere in a JSON object or list, in place."""
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        if rng.random() < 0.25:
            del value[key]
        elif isinstance(value[key], dict | list) and rng.random() < 0.5:
            _spoil(value[key], rng)
        else:
            value[key] = copy.deepcopy(rng.choice(_ODD))
    elif isinstance(value, list) and value:
        index = rng.randrange(len(value))
        if isinstance(value[index], dict | list) and rng.random() < 0.5:
            _spoil(value[index], rng)
        else:
            value[index] = copy.deepcopy(rng.choice(_ODD))


def _replies(shape: ReplyShape) -> tuple[list[JsonValue], list[JsonValue]]:
    """Return a world's `/devices/` listing and some of its trackers' fixes."""
    world = World(seed=3, trackers=8, shape=shape)
    world.advance(3_600)
    fixes: list[JsonValue] = [
        fix.to_json(shape)
        for tracker_id in world.tracker_ids
        for fix in world.tracker(tracker_id).locations(None, None)[:5]
    ]
    return world.devices_json(), fixes


def _check_times(model: object) -> None:
    """Check that every date-time of a model is in UTC."""
    for name in dir(model):
        value = getattr(model, name)
        if isinstance(value, datetime):
            assert value.utcoffset() == timedelta(0), name


def _check_device(device: Device) -> None:
    """Check that a device read is made of possible values only."""
    _check_times(device)
    if not isinstance(device, Tracker):
        return
    status = device.tracker_status
    _check_times(status)
    assert status.battery is None or 0 <= status.battery <= 100
    assert status.last_loc_latitude is None or -90 <= status.last_loc_latitude <= 90
    assert status.last_loc_longitude is None or -180 <= status.last_loc_longitude <= 180
    assert status.stationary is None or status.stationary >= 0
    assert isinstance(device.model_name, str)


def _check_fix(fix: TrackerData) -> None:
    """Check that a fix read is made of possible values only."""
    _check_times(fix)
    assert fix.lat is None or (math.isfinite(fix.lat) and -90 <= fix.lat <= 90)
    assert fix.lng is None or (math.isfinite(fix.lng) and -180 <= fix.lng <= 180)
    assert fix.precision is None or fix.precision >= 0


@pytest.mark.parametrize("shape", list(ReplyShape))
@pytest.mark.parametrize(
    ("pick", "read", "check"),
    [
        pytest.param(0, Device.from_json, _check_device, id="device"),
        pytest.param(1, TrackerData.from_json, _check_fix, id="fix"),
    ],
)
def test_a_spoiled_reply_is_read_or_refused(
    shape: ReplyShape,
    pick: int,
    read: Callable[[JsonValue], object],
    check: Callable[[object], None],
) -> None:
    """Thousands of spoiled replies: each read into possible values, or refused."""
    rng = random.Random(f"{shape}:{pick}")  # noqa: S311 - repeatable, not secret
    replies = _replies(shape)[pick]
    outcomes = {"read": 0, "refused": 0}
    for _ in range(_CASES):
        reply = copy.deepcopy(rng.choice(replies))
        for _ in range(rng.randint(1, 4)):
            _spoil(reply, rng)
        try:
            model = read(reply)
        except GpsTrackerException:
            outcomes["refused"] += 1
        else:
            check(model)
            outcomes["read"] += 1
    # Spoiled fields are often lenient ones: many replies are still read.
    assert outcomes["read"] > _CASES / 10
    assert outcomes["refused"] > _CASES / 10
