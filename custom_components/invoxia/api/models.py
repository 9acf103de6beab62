"""Typed, immutable models of the Invoxia API answers, parsed tolerantly."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import ClassVar, Final, Self, TypedDict, override
import uuid

from .exceptions import UnknownAnswerScheme, UnknownDeviceType

type JsonObject = Mapping[str, object]


class _UnknownIntEnum(IntEnum):
    """An integer enum whose values the API may extend: unknown ones become UNKNOWN."""

    @classmethod
    @override
    def _missing_(cls, value: object) -> Self:
        return cls["UNKNOWN"]


class TrackerIcon(_UnknownIntEnum):
    """Icon chosen for a tracker in the Invoxia app."""

    UNKNOWN = -1
    OTHER = 0
    HANDBAG = 1
    BRIEFCASE = 2
    SUITCASE = 3
    BACKPACK = 5
    BIKE = 7
    BOAT = 8
    CAR = 10
    CARAVAN = 12
    CART = 13
    DOG = 14
    KAYAK = 15
    LAPTOP = 16
    MOTO = 17
    HELICOPTER = 18
    PLANE = 19
    SCOOTER = 21
    TENT = 23
    TRUCK = 24
    TRACTOR = 26
    CAT = 31
    PERSON = 32
    GIRL = 34
    BACKHOE_LOADER = 36
    ANIMAL = 37
    WOMAN = 38
    MAN = 39
    EBIKE = 40
    BEEHIVE = 41
    CARPARK = 42
    ANTENNA = 43
    HEALTH = 44
    WASHER = 45
    KEYS = 46
    TV = 47
    PHONE = 48


class TrackerMode(_UnknownIntEnum):
    """Operating mode of a tracker."""

    UNKNOWN = -1
    DAILY = 1
    INTENSE = 2
    CHILD = 3
    KEEP_ALIVE = 4
    AIRPLANE = 6
    LOST = 7
    VEHICLE_S1 = 8
    VEHICLE_S2 = 9
    VEHICLE_S3 = 10
    DAILY_PET = 21
    INTENSE_PET = 22
    CHILD_PET = 23
    LOST_PET_DEBUG = 24
    LOST_PET = 27
    LWT3 = 235


class TrackerMethod(_UnknownIntEnum):
    """How a location fix was obtained."""

    UNKNOWN = 0
    NETWORK = 1
    GPS = 2
    BSSID = 3
    PLACE = 4
    UBISCALE = 5
    PHONE = 6
    BSSID_TGU = 7
    SERVER = 8
    BSSID2 = 9
    BSSID3 = 10
    BSSID4 = 11
    FLEET_CORRECTION = 12
    BLE_NEIGHBOR = 13
    GPS_BLE = 14
    PHONE2 = 15


class TrackerUsage(StrEnum):
    """What a tracker is attached to, as chosen at setup."""

    BIKE = "bike"
    CAT = "cat"
    CHILD = "child"
    DOG = "dog"
    MOTO = "moto"
    OTHER = "other"
    PERSON = "person"
    PET = "pet"
    TOOL = "tool"
    UND = ""
    VEHICLE = "vehicle"
    UNKNOWN = "unknown"

    @classmethod
    @override
    def _missing_(cls, value: object) -> TrackerUsage:
        return cls.UNKNOWN


class _Fields:
    """Typed access to the fields of a JSON object; errors name model and field."""

    def __init__(self, data: object, model: str) -> None:
        if not isinstance(data, Mapping):
            msg = f"{model}: expected a JSON object"
            raise UnknownAnswerScheme(msg)
        self._data: JsonObject = data
        self._model = model

    def _fail(self, key: str, expected: str) -> UnknownAnswerScheme:
        # The value itself stays out of the message: it may be personal data.
        msg = f"{self._model}.{key}: expected {expected}"
        return UnknownAnswerScheme(msg)

    def _get(self, key: str) -> object:
        if key not in self._data:
            raise self._fail(key, "a value, found none")
        return self._data[key]

    def has(self, key: str) -> bool:
        """Tell whether the field is present and not null."""
        return self._data.get(key) is not None

    def read_int(self, key: str) -> int:
        """Read an integer, also when the API sends it as a numeric string."""
        value = self._get(key)
        if isinstance(value, bool):
            raise self._fail(key, "an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise self._fail(key, "an integer")

    def read_float(self, key: str) -> float:
        """Read a number, also when the API sends it as a numeric string."""
        value = self._get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise self._fail(key, "a number")

    def read_str(self, key: str) -> str:
        """Read a string."""
        value = self._get(key)
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def read_bool(self, key: str) -> bool:
        """Read a boolean, also when the API sends 0 or 1."""
        value = self._get(key)
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        raise self._fail(key, "a boolean")

    def read_datetime(self, key: str) -> datetime:
        """Read an RFC 3339 date-time; one without an offset is UTC."""
        value = self._get(key)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        raise self._fail(key, "an RFC 3339 date-time")

    def read_uuid(self, key: str) -> uuid.UUID:
        """Read a UUID."""
        value = self.read_str(key)
        try:
            return uuid.UUID(value)
        except ValueError:
            raise self._fail(key, "a UUID") from None

    def read_int_list(self, key: str) -> tuple[int, ...]:
        """Read a list of integers."""
        value = self._get(key)
        if not isinstance(value, list):
            raise self._fail(key, "a list")
        return tuple(_Fields({key: item}, self._model).read_int(key) for item in value)

    def optional_str(self, key: str) -> str | None:
        """Read a string that may be missing or null."""
        return self.read_str(key) if self.has(key) else None

    def optional_int(self, key: str) -> int | None:
        """Read an integer that may be missing or null."""
        return self.read_int(key) if self.has(key) else None

    def optional_float(self, key: str) -> float | None:
        """Read a number that may be missing or null."""
        return self.read_float(key) if self.has(key) else None

    def optional_datetime(self, key: str) -> datetime | None:
        """Read a date-time that may be missing or null."""
        return self.read_datetime(key) if self.has(key) else None

    def read_object(self, key: str, model: str) -> _Fields:
        """Read a nested JSON object."""
        return _Fields(self._get(key), f"{self._model}.{model}")


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A user of the account (consumer accounts have exactly one)."""

    id: int
    username: str
    profiles: tuple[int, ...]

    @classmethod
    def from_json(cls, data: object) -> Self:
        """Parse a user object."""
        fields = _Fields(data, "User")
        return cls(
            id=fields.read_int("id"),
            username=fields.read_str("username"),
            profiles=fields.read_int_list("profiles"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerConfig:
    """Settings of a tracker."""

    color: int
    firmware_path: str
    icon: TrackerIcon
    mode: TrackerMode
    network: str
    network_region: str
    notify_position: bool
    notify_long_walk: bool
    usage: TrackerUsage
    board_name: str | None
    image: str | None
    network_config: int | None
    weight: float | None

    @classmethod
    def from_json(cls, data: object) -> Self:
        """Parse a tracker_config object."""
        return cls.from_fields(_Fields(data, "TrackerConfig"))

    @classmethod
    def from_fields(cls, fields: _Fields) -> Self:
        """Build from the fields of a tracker_config object."""
        return cls(
            color=fields.read_int("color"),
            firmware_path=fields.read_str("firmware_path"),
            icon=TrackerIcon(fields.read_int("icon")),
            mode=TrackerMode(fields.read_int("mode")),
            network=fields.read_str("network"),
            network_region=fields.read_str("network_region"),
            notify_position=fields.read_bool("notify_position"),
            notify_long_walk=fields.read_bool("notify_long_walk"),
            usage=TrackerUsage(fields.read_str("usage"))
            if fields.has("usage")
            else TrackerUsage.UND,
            board_name=fields.optional_str("board_name"),
            image=fields.optional_str("image"),
            network_config=fields.optional_int("network_config"),
            weight=fields.optional_float("weight"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerStatus:
    """Current state of a tracker: battery, last fix, subscription."""

    battery: int
    begin_date: datetime
    network_operator: str
    state: str
    stationary: int
    sub_state: str
    last_event: datetime | None
    last_loc_latitude: float | None
    last_loc_longitude: float | None
    last_location: datetime | None
    lost_pending: bool
    sub_end_date: str | None

    @classmethod
    def from_json(cls, data: object) -> Self:
        """Parse a tracker_status object."""
        return cls.from_fields(_Fields(data, "TrackerStatus"))

    @classmethod
    def from_fields(cls, fields: _Fields) -> Self:
        """Build from the fields of a tracker_status object."""
        return cls(
            battery=fields.read_int("battery"),
            begin_date=fields.read_datetime("begin_date"),
            network_operator=fields.read_str("network_operator"),
            state=fields.read_str("state"),
            stationary=fields.read_int("stationary"),
            sub_state=fields.read_str("sub_state"),
            last_event=fields.optional_datetime("last_event"),
            last_loc_latitude=fields.optional_float("last_loc_latitude"),
            last_loc_longitude=fields.optional_float("last_loc_longitude"),
            last_location=fields.optional_datetime("last_location"),
            lost_pending=fields.read_bool("lost_pending")
            if fields.has("lost_pending")
            else False,
            sub_end_date=fields.optional_str("sub_end_date"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerData:
    """One location fix of a tracker."""

    datetime: datetime
    lat: float
    lng: float
    method: TrackerMethod
    pkt_drop: int
    precision: int
    uuid: uuid.UUID

    @classmethod
    def from_json(cls, data: object) -> Self:
        """Parse a tracker_data item."""
        fields = _Fields(data, "TrackerData")
        return cls(
            datetime=fields.read_datetime("datetime"),
            lat=fields.read_float("lat"),
            lng=fields.read_float("lng"),
            method=TrackerMethod(fields.read_int("method")),
            pkt_drop=fields.read_int("pkt_drop"),
            precision=fields.read_int("precision"),
            uuid=fields.read_uuid("uuid"),
        )


class _DeviceFields(TypedDict):
    """The fields every device has."""

    id: int
    created: datetime
    name: str
    version: str
    timezone: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """Anything attached to the account: a tracker or a phone running the app."""

    device_type: ClassVar[str]

    id: int
    created: datetime
    name: str
    version: str
    timezone: str | None

    @staticmethod
    def from_json(data: object) -> Device:
        """Parse a device of any known type; UnknownDeviceType for the others."""
        fields = _Fields(data, "Device")
        device_type = fields.read_str("type")
        device_class = _DEVICE_TYPES.get(device_type)
        if device_class is None:
            raise UnknownDeviceType(device_type)
        return device_class._from_fields(fields)  # noqa: SLF001 - a subclass's own parser

    @staticmethod
    def _common(fields: _Fields) -> _DeviceFields:
        return _DeviceFields(
            id=fields.read_int("id"),
            created=fields.read_datetime("created"),
            name=fields.read_str("name"),
            version=fields.read_str("version"),
            timezone=fields.optional_str("timezone"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Phone(Device):
    """A smartphone running the Invoxia app."""

    serial: uuid.UUID

    @classmethod
    def _from_fields(cls, fields: _Fields) -> Self:
        return cls(**cls._common(fields), serial=fields.read_uuid("serial"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Android(Phone):
    """An Android phone."""

    device_type = "android"


@dataclass(frozen=True, slots=True, kw_only=True)
class Iphone(Phone):
    """An iPhone."""

    device_type = "iphone"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracker(Device):
    """A GPS tracker, with its settings and current status."""

    device_type = "tracker"

    serial: str
    version_build: str
    model: str | None
    tracker_config: TrackerConfig
    tracker_status: TrackerStatus

    @classmethod
    def _from_fields(cls, fields: _Fields) -> Self:
        return cls(
            **cls._common(fields),
            serial=fields.read_str("serial"),
            version_build=fields.read_str("version_build"),
            model=fields.optional_str("model"),
            tracker_config=TrackerConfig.from_fields(
                fields.read_object("tracker_config", "TrackerConfig")
            ),
            tracker_status=TrackerStatus.from_fields(
                fields.read_object("tracker_status", "TrackerStatus")
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracker01(Tracker):
    """A first-generation tracker."""

    device_type = "tracker_01"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracker03(Tracker):
    """A tracker of the third generation."""

    device_type = "tracker_03"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracker04(Tracker):
    """A tracker of the fourth generation."""

    device_type = "tracker_04"


_DEVICE_TYPES: Final[Mapping[str, type[Phone | Tracker]]] = {
    device_class.device_type: device_class
    for device_class in (Android, Iphone, Tracker, Tracker01, Tracker03, Tracker04)
}
