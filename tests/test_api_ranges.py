"""Values at the edges of what the API may send: kept when possible, else unknown.

Bounds are inclusive: a tracker at the South Pole, or on the antimeridian, is
somewhere; one step past the edge of the globe is nowhere, and unknown.
"""

import pytest

from custom_components.invoxia.api import (
    TrackerConfig,
    TrackerData,
    TrackerStatus,
    UnknownAnswerScheme,
)

FIX = {
    "datetime": "2026-01-01T12:00:00Z",
    "uuid": "6f1d3a52-1a4e-4b0c-8c1e-2f3a4b5c6d7e",
}
STATUS = {"state": "active", "sub_state": "tracking"}
CONFIG = {
    "firmware_path": "",
    "network": "LTE-M",
    "network_region": "EU",
    "notify_position": True,
    "notify_long_walk": False,
}


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (-90, 180, (-90.0, 180.0)),
        (90, -180, (90.0, -180.0)),
        (-89.5, 179.5, (-89.5, 179.5)),
        (-90.5, -180.5, (None, None)),
        (90.5, 180.5, (None, None)),
    ],
)
def test_coordinates_on_the_edges_of_the_globe_are_kept(
    latitude: float, longitude: float, expected: tuple[float | None, float | None]
) -> None:
    """Latitudes from -90 to 90 and longitudes from -180 to 180, both included."""
    status = TrackerStatus.from_json(
        STATUS | {"last_loc_latitude": latitude, "last_loc_longitude": longitude}
    )
    fix = TrackerData.from_json(FIX | {"lat": latitude, "lng": longitude})
    assert (status.last_loc_latitude, status.last_loc_longitude) == expected
    assert (fix.lat, fix.lng) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 0), (3, 3), (-1, None), (-0.5, None)]
)
def test_counts_and_distances_start_at_zero(value: float, expected: int | None) -> None:
    """A fix's precision and dropped packets, a colour: zero or more, else unknown."""
    fix = TrackerData.from_json(FIX | {"precision": value, "pkt_drop": value})
    config = TrackerConfig.from_json(CONFIG | {"color": value})
    assert (fix.precision, fix.pkt_drop, config.color) == (expected, expected, expected)


@pytest.mark.parametrize(
    ("weight", "expected"), [(0, 0.0), (0.25, 0.25), (-0.5, None), (-1, None)]
)
def test_a_weight_is_zero_or_more(weight: float, expected: float | None) -> None:
    """A tracker's weight is a mass: zero or more kilograms, else unknown."""
    assert TrackerConfig.from_json(CONFIG | {"weight": weight}).weight == expected


@pytest.mark.parametrize(
    ("sent", "expected"),
    [(True, True), (False, False), (1, True), (0, False)],
)
def test_booleans_may_come_as_0_or_1(sent: object, expected: bool) -> None:  # noqa: FBT001 - parametrized
    """Required or optional, a boolean may come as a JSON boolean, 0 or 1."""
    config = TrackerConfig.from_json(
        CONFIG | {"notify_position": sent, "notify_long_walk": sent}
    )
    status = TrackerStatus.from_json(STATUS | {"lost_pending": sent})
    assert (config.notify_position, config.notify_long_walk) == (expected, expected)
    assert status.lost_pending is expected


@pytest.mark.parametrize("sent", [2, -1, 0.5, "1", "true", None])
def test_other_values_are_no_boolean(sent: object) -> None:
    """Any other value of a required boolean makes the config unreadable."""
    with pytest.raises(
        UnknownAnswerScheme,
        match=r"^TrackerConfig\.notify_position: expected a boolean$",
    ):
        TrackerConfig.from_json(CONFIG | {"notify_position": sent})
