"""Parsing of Invoxia API answers into typed models."""

from datetime import UTC, date, datetime, timedelta, timezone
import json
from pathlib import Path
from typing import Any
import uuid

import pytest

from custom_components.invoxia.api import (
    Android,
    Device,
    Iphone,
    Phone,
    Tracker,
    Tracker01,
    Tracker03,
    Tracker04,
    TrackerConfig,
    TrackerData,
    TrackerIcon,
    TrackerMethod,
    TrackerMode,
    TrackerStatus,
    TrackerUsage,
    UnknownAnswerScheme,
    UnknownDeviceType,
    User,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _tracker_json(name: str = "tracker.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def test_tracker_parses_every_field_and_ignores_unknown_ones() -> None:
    """A real-shaped tracker parses into exact values; extra fields are ignored."""
    assert Device.from_json(_tracker_json()) == Tracker03(
        id=104,
        created=datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC),
        name="Rex",
        version="3.2.1",
        timezone="Europe/Paris",
        serial="5C2A7B1E9F03",
        version_build="3.2.1-b415",
        model="Invoxia GPS Pet Tracker",
        tracker_config=TrackerConfig(
            color=4,
            firmware_path="https://firmware.example/3.2.1.bin",
            icon=TrackerIcon.DOG,
            mode=TrackerMode.DAILY_PET,
            network="LTE-M",
            network_region="EU",
            notify_position=True,
            notify_long_walk=False,
            usage=TrackerUsage.DOG,
            board_name="TRK03",
            image=None,
            network_config=2,
            weight=12.5,
        ),
        tracker_status=TrackerStatus(
            battery=87,
            begin_date=datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
            network_operator="Orange",
            state="active",
            stationary=0,
            sub_state="tracking",
            last_event=datetime(2026, 1, 1, 11, 59, 30, 250000, tzinfo=UTC),
            last_loc_latitude=48.85661,
            last_loc_longitude=2.35222,
            last_location=datetime(2026, 1, 1, 11, 59, 12, 500000, tzinfo=UTC),
            lost_pending=False,
            sub_end_date=date(2027, 3, 14),
        ),
    )


def test_tracker_as_the_real_api_lists_it_parses_without_a_position() -> None:
    """A recorded listing item: no last position, no model, no lost_pending.

    The mode comes as a string, the weight as "0.0", the operator empty (unknown),
    `stationary` as a count of reports at rest, datetimes without an offset (UTC).
    """
    tracker = Device.from_json(_tracker_json("tracker_recorded.json"))
    assert tracker == Tracker01(
        id=2118,
        created=datetime(2021, 4, 3, 8, 12, 44, 118806, tzinfo=UTC),
        name="Vélo",
        version="tracker_LWTv2-9.34.0-LoRa+Sigfox",
        timezone="Europe/Paris",
        serial="0B1A2C3D4E5F6071",
        version_build="8d2ce7f",
        model=None,
        tracker_config=TrackerConfig(
            color=3,
            firmware_path="",
            icon=TrackerIcon.BIKE,
            mode=TrackerMode.AIRPLANE,
            network="lora",
            network_region="EU868",
            notify_position=False,
            notify_long_walk=False,
            usage=TrackerUsage.BIKE,
            board_name="LWT1v2",
            image=None,
            network_config=1,
            weight=0.0,
        ),
        tracker_status=TrackerStatus(
            battery=64,
            begin_date=datetime(2021, 4, 3, 8, 20, 1, tzinfo=UTC),
            network_operator=None,
            state="online",
            stationary=12,
            sub_state="normal",
            last_event=datetime(2021, 6, 20, 17, 42, 9, tzinfo=UTC),
            last_loc_latitude=None,
            last_loc_longitude=None,
            last_location=None,
            lost_pending=None,
            sub_end_date=date(2022, 4, 3),
        ),
    )
    assert isinstance(tracker, Tracker)
    assert (tracker.model_name, tracker.lost_mode) == (
        "GPS Tracker (LoRa, Sigfox)",
        False,
    )
    assert tracker.tracker_status.moving is False


@pytest.mark.parametrize(
    ("device_type", "model_name"),
    [
        ("tracker", "GPS Tracker"),
        ("tracker_01", "GPS Tracker (LoRa, Sigfox)"),
        ("tracker_03", "GPS Tracker (3rd generation)"),
        ("tracker_04", "Cellular GPS Tracker"),
    ],
)
def test_tracker_without_a_model_is_named_after_its_type(
    device_type: str, model_name: str
) -> None:
    """Never a bare tracker_01: a type without a listed model gets its product name."""
    data = _tracker_json("tracker_recorded.json") | {"type": device_type}
    tracker = Device.from_json(data)
    assert isinstance(tracker, Tracker)
    assert tracker.model_name == model_name
    data["model"] = "Invoxia GPS Pet Tracker"
    tracker = Device.from_json(data)
    assert isinstance(tracker, Tracker)
    assert tracker.model_name == "Invoxia GPS Pet Tracker"


@pytest.mark.parametrize(
    ("stationary", "moving"), [(0, True), (1, False), (25, False), (-1, None)]
)
def test_tracker_moves_when_no_report_was_at_rest(
    stationary: int,
    moving: bool | None,  # noqa: FBT001 - a parameter of the test
) -> None:
    """`stationary` counts reports at rest: 0 is moving; a negative count is unknown."""
    data = _tracker_json("tracker_recorded.json")
    data["tracker_status"]["stationary"] = stationary
    tracker = Device.from_json(data)
    assert isinstance(tracker, Tracker)
    assert tracker.tracker_status.moving is moving


@pytest.mark.parametrize(
    ("mode", "lost_pending", "lost_mode"),
    [
        ("7", None, True),
        ("27", None, True),
        ("21", None, False),
        ("21", True, True),
        ("27", False, False),
    ],
)
def test_lost_mode_is_pending_or_the_trackers_mode(
    mode: str,
    lost_pending: bool | None,  # noqa: FBT001 - a parameter of the test
    lost_mode: bool,  # noqa: FBT001 - a parameter of the test
) -> None:
    """Without lost_pending (real listings), a lost mode says the tracker is lost."""
    data = _tracker_json("tracker_recorded.json")
    data["tracker_config"]["mode"] = mode
    if lost_pending is not None:
        data["tracker_status"]["lost_pending"] = lost_pending
    tracker = Device.from_json(data)
    assert isinstance(tracker, Tracker)
    assert tracker.lost_mode is lost_mode


@pytest.mark.parametrize(
    ("device_type", "expected_class"),
    [
        ("tracker", Tracker),
        ("tracker_01", Tracker01),
        ("tracker_03", Tracker03),
        ("tracker_04", Tracker04),
    ],
)
def test_tracker_types_map_to_their_class(
    device_type: str, expected_class: type[Tracker]
) -> None:
    """Each tracker type of the API has its own class, with its type attached."""
    tracker = Device.from_json(_tracker_json() | {"type": device_type})
    assert type(tracker) is expected_class
    assert tracker.device_type == device_type


@pytest.mark.parametrize(
    ("device_type", "expected_class"), [("android", Android), ("iphone", Iphone)]
)
def test_phones_parse_with_a_uuid_serial(
    device_type: str, expected_class: type[Phone]
) -> None:
    """Phones carry the app's UUID as serial and no tracker data."""
    phone = Device.from_json(
        {
            "id": 7,
            "type": device_type,
            "created": "2025-01-02T03:04:05",
            "name": "Pixel",
            "version": "5.1.0",
            "serial": "0c8e7b3a-5d1f-4c5e-9f0a-1b2c3d4e5f60",
        }
    )
    assert phone == expected_class(
        id=7,
        created=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        name="Pixel",
        version="5.1.0",
        timezone=None,
        serial=uuid.UUID("0c8e7b3a-5d1f-4c5e-9f0a-1b2c3d4e5f60"),
    )


def test_unknown_device_type_names_the_type() -> None:
    """A device of an unknown type raises UnknownDeviceType, not a KeyError."""
    with pytest.raises(UnknownDeviceType, match="'smart_collar'") as err:
        Device.from_json(_tracker_json() | {"type": "smart_collar"})
    assert err.value.device_type == "smart_collar"


def test_unknown_enum_values_become_unknown() -> None:
    """Icons, modes, usages and methods the client does not know become UNKNOWN."""
    data = _tracker_json()
    data["tracker_config"] |= {"icon": 999, "mode": 77, "usage": "drone"}
    tracker = Device.from_json(data)
    assert isinstance(tracker, Tracker)
    assert tracker.tracker_config.icon is TrackerIcon.UNKNOWN
    assert tracker.tracker_config.mode is TrackerMode.UNKNOWN
    assert tracker.tracker_config.usage is TrackerUsage.UNKNOWN
    assert TrackerMethod(99) is TrackerMethod.UNKNOWN


def test_optional_fields_take_their_defaults_when_missing() -> None:
    """Missing optional fields become None, False or an undefined usage."""
    data = _tracker_json()
    for key in ("usage", "board_name", "image", "network_config", "weight"):
        del data["tracker_config"][key]
    for key in ("last_event", "last_loc_latitude", "lost_pending", "sub_end_date"):
        del data["tracker_status"][key]
    del data["model"]
    tracker = Device.from_json(data)
    assert isinstance(tracker, Tracker)
    assert tracker.model is None
    config = tracker.tracker_config
    assert (config.usage, config.board_name, config.image) == (
        TrackerUsage.UND,
        None,
        None,
    )
    assert (config.network_config, config.weight) == (None, None)
    status = tracker.tracker_status
    assert (status.last_event, status.last_loc_latitude) == (None, None)
    assert (status.lost_pending, status.sub_end_date) == (None, None)


def test_location_parses_numbers_sent_as_strings() -> None:
    """A location's lat/lng may come as strings; the datetime may use an offset."""
    assert TrackerData.from_json(
        {
            "datetime": "2026-01-01T13:00:05+01:00",
            "lat": "48.8566",
            "lng": 2.3522,
            "method": 2,
            "pkt_drop": 0,
            "precision": 12,
            "uuid": "6f1d3a52-1a4e-4b0c-8c1e-2f3a4b5c6d7e",
            "battery": 80,
        }
    ) == TrackerData(
        datetime=datetime(2026, 1, 1, 13, 0, 5, tzinfo=timezone(timedelta(hours=1))),
        lat=48.8566,
        lng=2.3522,
        method=TrackerMethod.GPS,
        pkt_drop=0,
        precision=12,
        uuid=uuid.UUID("6f1d3a52-1a4e-4b0c-8c1e-2f3a4b5c6d7e"),
    )


def test_user_parses_its_profiles() -> None:
    """A user has an id, a username and profile ids."""
    assert User.from_json(
        {"id": "12", "username": "rex@example.com", "profiles": [3, "4"]}
    ) == User(id=12, username="rex@example.com", profiles=(3, 4))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": True}, r"^Device\.id: expected an integer$"),
        ({"id": "one"}, r"^Device\.id: expected an integer$"),
        ({"id": 1.5}, r"^Device\.id: expected an integer$"),
        ({"name": 12}, r"^Device\.name: expected a string$"),
        ({"type": None}, r"^Device\.type: expected a string$"),
        ({"tracker_config": []}, r"^Device\.TrackerConfig: expected a JSON object$"),
        ({"serial": None}, r"^Device\.serial: expected a string$"),
    ],
)
def test_ill_typed_fields_raise_unknown_answer_scheme(
    change: dict[str, object], message: str
) -> None:
    """An ill-typed field names the model and field, never the value."""
    with pytest.raises(UnknownAnswerScheme, match=message):
        Device.from_json(_tracker_json() | change)


@pytest.mark.parametrize(
    ("section", "change", "message"),
    [
        ("tracker_status", {"state": None}, r"TrackerStatus\.state: expected"),
        ("tracker_config", {"notify_position": 2}, r"notify_position: expected a b"),
        ("tracker_config", {"notify_position": "yes"}, r"notify_position"),
    ],
)
def test_ill_typed_nested_fields_raise_unknown_answer_scheme(
    section: str, change: dict[str, object], message: str
) -> None:
    """Nested objects are checked as strictly as the device itself."""
    data = _tracker_json()
    data[section] |= change
    with pytest.raises(UnknownAnswerScheme, match=message):
        Device.from_json(data)


def test_missing_required_field_raises_unknown_answer_scheme() -> None:
    """A missing required field is an unexpected answer, not a KeyError."""
    data = _tracker_json()
    del data["tracker_status"]["state"]
    with pytest.raises(
        UnknownAnswerScheme,
        match=r"^Device\.TrackerStatus\.state: expected a value, found none$",
    ):
        Device.from_json(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not an object", r"^User: expected a JSON object$"),
        ({"id": 1, "username": "a", "profiles": 3}, r"^User\.profiles: expected a l"),
        (
            {"id": 1, "username": "a", "profiles": ["x"]},
            r"^User\.profiles: expected an",
        ),
    ],
)
def test_ill_formed_user_raises_unknown_answer_scheme(
    data: object, message: str
) -> None:
    """Users are checked like every other model."""
    with pytest.raises(UnknownAnswerScheme, match=message):
        User.from_json(data)


def test_location_with_a_bad_uuid_raises_unknown_answer_scheme() -> None:
    """A location's uuid must be a UUID."""
    with pytest.raises(
        UnknownAnswerScheme, match=r"^TrackerData\.uuid: expected a UUID$"
    ):
        TrackerData.from_json(
            {
                "datetime": "2026-01-01T12:00:00Z",
                "lat": 1,
                "lng": 2,
                "method": 1,
                "pkt_drop": 0,
                "precision": 10,
                "uuid": "not-a-uuid",
            }
        )


def test_status_and_config_parse_on_their_own() -> None:
    """The tracker_status and tracker_config endpoints answer the bare objects."""
    data = _tracker_json()
    tracker = Device.from_json(data)
    assert isinstance(tracker, Tracker)
    assert TrackerStatus.from_json(data["tracker_status"]) == tracker.tracker_status
    assert TrackerConfig.from_json(data["tracker_config"]) == tracker.tracker_config


def _status_with(**changes: object) -> TrackerStatus:
    """Parse the fixture's tracker_status with some fields changed or removed."""
    status = _tracker_json()["tracker_status"] | changes
    return TrackerStatus.from_json({k: v for k, v in status.items() if v is not ...})


@pytest.mark.parametrize(
    ("battery", "expected"),
    [
        (87, 87),
        (87.0, 87),
        ("87", 87),
        (0, 0),
        (100, 100),
        (101, None),
        (-1, None),
        (87.5, None),
        ("full", None),
        (True, None),
        (None, None),
        (..., None),
    ],
)
def test_battery_outside_0_to_100_or_not_a_number_is_unknown(
    battery: object, expected: int | None
) -> None:
    """An integral float is an integer; a level that makes no sense is unknown alone."""
    status = _status_with(battery=battery)
    assert status.battery == expected
    assert status.state == "active"


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        ("48.85661", 2.35222, (48.85661, 2.35222)),
        (90, -180, (90.0, -180.0)),
        (90.5, 2.0, (None, 2.0)),
        (-91, 2.0, (None, 2.0)),
        (48.0, 180.01, (48.0, None)),
        ("nan", "inf", (None, None)),
        ("-inf", "1e400", (None, None)),
        ("east", True, (None, None)),
    ],
)
def test_impossible_coordinates_are_unknown(
    latitude: object, longitude: object, expected: tuple[float | None, float | None]
) -> None:
    """Coordinates outside the globe, NaN or infinite are unknown, never a place."""
    status = _status_with(last_loc_latitude=latitude, last_loc_longitude=longitude)
    assert (status.last_loc_latitude, status.last_loc_longitude) == expected
    fix = TrackerData.from_json(_fix_json(lat=latitude, lng=longitude))
    assert (fix.lat, fix.lng) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T12:00:00Z", datetime(2026, 1, 1, 12, tzinfo=UTC)),
        ("2026-01-01t12:00:00z", datetime(2026, 1, 1, 12, tzinfo=UTC)),
        ("2026-01-01T12:00:00", datetime(2026, 1, 1, 12, tzinfo=UTC)),
        ("2026-01-01T13:00:00+01:00", datetime(2026, 1, 1, 12, tzinfo=UTC)),
        (
            "2016-12-31T23:59:60Z",
            datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        ),
        (
            "2016-12-31T23:59:60.5Z",
            datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        ),
        ("9999-12-31T23:59:59-01:00", None),
        ("0001-01-01T00:00:00+01:00", None),
        ("yesterday", None),
        (1700000000, None),
    ],
)
def test_datetimes_parse_rfc_3339_and_unrepresentable_ones_are_unknown(
    text: object, expected: datetime | None
) -> None:
    """Lower-case separators and leap seconds parse; overflowing moments are unknown."""
    status = _status_with(last_event=text, begin_date=text)
    assert (status.last_event, status.begin_date) == (expected, expected)
    tracker = Device.from_json(_tracker_json() | {"created": text})
    assert tracker.created == expected
    if expected is None:
        with pytest.raises(UnknownAnswerScheme, match=r"TrackerData\.datetime"):
            TrackerData.from_json(_fix_json(datetime=text))
    else:
        assert TrackerData.from_json(_fix_json(datetime=text)).datetime == expected


@pytest.mark.parametrize(
    ("sub_end_date", "expected"),
    [
        ("2027-03-14", date(2027, 3, 14)),
        ("2027-03-14T00:00:00Z", date(2027, 3, 14)),
        ("unlimited", None),
        (7, None),
        (None, None),
    ],
)
def test_subscription_end_is_a_date_or_unknown(
    sub_end_date: object, expected: date | None
) -> None:
    """The API's subscription end becomes a date; anything else is unknown."""
    assert _status_with(sub_end_date=sub_end_date).sub_end_date == expected


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        (12, 12),
        (12.0, 12),
        ("12", 12),
        (-3, None),
        ("far", None),
        (None, None),
        (..., None),
    ],
)
def test_fix_precision_that_is_no_distance_is_unknown(
    precision: object, expected: int | None
) -> None:
    """A negative, missing or non-numeric precision is unknown; the fix still counts."""
    fix = TrackerData.from_json(_fix_json(precision=precision))
    assert (fix.precision, fix.method, fix.lat) == (
        expected,
        TrackerMethod.GPS,
        48.8566,
    )


def test_odd_numbers_elsewhere_make_their_field_unknown_only() -> None:
    """Colour, weight, mode, icon and counts: one odd value, one unknown field."""
    data = _tracker_json()
    data["tracker_config"] |= {
        "color": "red",
        "weight": -2,
        "mode": "lost",
        "icon": 1.5,
        "network_config": "x",
    }
    data["tracker_status"] |= {"stationary": "still", "network_operator": 12}
    tracker = Device.from_json(data)
    assert isinstance(tracker, Tracker)
    config = tracker.tracker_config
    assert (config.color, config.weight, config.network_config) == (None, None, None)
    assert (config.mode, config.icon) == (TrackerMode.UNKNOWN, TrackerIcon.UNKNOWN)
    status = tracker.tracker_status
    assert (status.stationary, status.network_operator) == (None, None)
    assert status.battery == 87


def _fix_json(**changes: object) -> dict[str, object]:
    """Return a tracker_data item, some fields changed (or removed: `...`)."""
    fix: dict[str, object] = {
        "uuid": "6f1d3a52-1a4e-4b0c-8c1e-2f3a4b5c6d7e",
        "datetime": "2026-01-01T12:00:00Z",
        "lat": 48.8566,
        "lng": "2.3522",
        "precision": 10,
        "method": 2,
        "pkt_drop": 0,
    } | changes
    return {key: value for key, value in fix.items() if value is not ...}
