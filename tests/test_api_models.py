"""Parsing of Invoxia API answers into typed models."""

from datetime import UTC, datetime, timedelta, timezone
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


def _tracker_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "tracker.json").read_text())
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
            sub_end_date="2027-03-14",
        ),
    )


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
    assert (status.lost_pending, status.sub_end_date) == (False, None)


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
        ({"created": "yesterday"}, r"^Device\.created: expected an RFC 3339"),
        ({"created": 1700000000}, r"^Device\.created: expected an RFC 3339"),
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
        ("tracker_status", {"battery": None}, r"TrackerStatus\.battery: expected"),
        ("tracker_status", {"last_loc_longitude": "east"}, r"last_loc_longitude"),
        ("tracker_status", {"last_loc_longitude": True}, r"last_loc_longitude"),
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
    del data["tracker_status"]["battery"]
    with pytest.raises(
        UnknownAnswerScheme,
        match=r"^Device\.TrackerStatus\.battery: expected a value, found none$",
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
