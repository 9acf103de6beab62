"""Typed, immutable models of the Invoxia API answers, parsed tolerantly."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import IntEnum, StrEnum
import math
import re
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

    @classmethod
    def of(cls, value: int | None) -> Self:
        """Return the member of a value; UNKNOWN when there is none or it is unknown."""
        return cls["UNKNOWN"] if value is None else cls(value)


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
    """Typed access to the fields of a JSON object; errors name model and field.

    `read_*` fields are required: a missing or ill-typed one makes the whole object
    unreadable. `optional_*` fields may be missing or null. `lenient_*` fields are
    unknown (None) when missing, ill-typed or impossible: one odd value must not
    make a whole tracker unreadable.
    """

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
        """Read an integer, also when the API sends it as a string or as 87.0."""
        value = _as_int(self._get(key))
        if value is None:
            raise self._fail(key, "an integer")
        return value

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
        """Read an RFC 3339 date-time, in UTC; one without an offset is UTC."""
        value = _as_datetime(self._get(key))
        if value is None:
            raise self._fail(key, "an RFC 3339 date-time")
        return value

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

    def optional_bool(self, key: str) -> bool | None:
        """Read a boolean that may be missing or null."""
        return self.read_bool(key) if self.has(key) else None

    def lenient_str(self, key: str) -> str | None:
        """Read a string; an empty or ill-typed one is unknown."""
        value = self._data.get(key)
        return value if isinstance(value, str) and value else None

    def lenient_int(
        self, key: str, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        """Read an integer within bounds; anything else is unknown."""
        value = _as_int(self._data.get(key))
        if value is None or not _within(value, minimum, maximum):
            return None
        return value

    def lenient_float(
        self, key: str, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        """Read a finite number within bounds; anything else is unknown."""
        value = _as_float(self._data.get(key))
        if value is None or not _within(value, minimum, maximum):
            return None
        return value

    def lenient_datetime(self, key: str) -> datetime | None:
        """Read an RFC 3339 date-time, in UTC; anything else is unknown."""
        return _as_datetime(self._data.get(key))

    def lenient_date(self, key: str) -> date | None:
        """Read a date, or the date of a date-time; anything else is unknown."""
        value = self._data.get(key)
        if not isinstance(value, str):
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None

    def read_object(self, key: str, model: str) -> _Fields:
        """Read a nested JSON object."""
        return _Fields(self._get(key), f"{self._model}.{model}")


def _as_float(value: object) -> float | None:
    """Read a finite number from a JSON number or numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int):
        return float(value)
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def _as_int(value: object) -> int | None:
    """Read an integer from a JSON integer, an integral number or numeric string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _as_float(value)
    return int(number) if number is not None and number.is_integer() else None


def _within(value: float, minimum: float | None, maximum: float | None) -> bool:
    """Tell whether a value lies within optional inclusive bounds."""
    return (minimum is None or value >= minimum) and (
        maximum is None or value <= maximum
    )


# RFC 3339 allows a lower-case separator and zone, and a leap second (":60").
_RFC3339_LEAP_SECOND: Final = re.compile(r"(?<=\d\d:\d\d):60(?:\.\d+)?")


def _as_datetime(value: object) -> datetime | None:
    """Read an aware UTC datetime from an RFC 3339 string, else None.

    A leap second is read as the second before it; a moment outside what a datetime
    can hold once in UTC (year 9999 behind UTC, year 1 ahead of it) is None.
    """
    if not isinstance(value, str):
        return None
    text = _RFC3339_LEAP_SECOND.sub(":59.999999", value.upper())
    try:
        parsed = datetime.fromisoformat(text)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


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

    color: int | None
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
            color=fields.lenient_int("color", 0),
            firmware_path=fields.read_str("firmware_path"),
            icon=TrackerIcon.of(fields.lenient_int("icon")),
            # The API sends the mode as a number or as a string ("6", "235").
            mode=TrackerMode.of(fields.lenient_int("mode")),
            network=fields.read_str("network"),
            network_region=fields.read_str("network_region"),
            notify_position=fields.read_bool("notify_position"),
            notify_long_walk=fields.read_bool("notify_long_walk"),
            usage=TrackerUsage(fields.read_str("usage"))
            if fields.has("usage")
            else TrackerUsage.UND,
            board_name=fields.lenient_str("board_name"),
            image=fields.optional_str("image"),
            network_config=fields.lenient_int("network_config"),
            weight=fields.lenient_float("weight", 0),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerStatus:
    """Current state of a tracker: battery, last fix, subscription.

    The listings recorded from the real API carry no last position (`last_loc_*`,
    `last_location`) and no `lost_pending`: those are None then. `stationary` counts
    the tracker's reports at rest since it last moved: 0 while it moves.
    `last_event` is when the tracker last talked to the server, with or without a
    new fix. Impossible values (a battery of 140 %, a latitude of 91) are None.
    """

    battery: int | None
    begin_date: datetime | None
    network_operator: str | None
    state: str
    stationary: int | None
    sub_state: str
    last_event: datetime | None
    last_loc_latitude: float | None
    last_loc_longitude: float | None
    last_location: datetime | None
    lost_pending: bool | None
    sub_end_date: date | None

    @property
    def moving(self) -> bool | None:
        """Whether the tracker moves; None when its status does not say."""
        return None if self.stationary is None else self.stationary == 0

    @classmethod
    def from_json(cls, data: object) -> Self:
        """Parse a tracker_status object."""
        return cls.from_fields(_Fields(data, "TrackerStatus"))

    @classmethod
    def from_fields(cls, fields: _Fields) -> Self:
        """Build from the fields of a tracker_status object."""
        return cls(
            battery=fields.lenient_int("battery", 0, 100),
            begin_date=fields.lenient_datetime("begin_date"),
            network_operator=fields.lenient_str("network_operator"),
            state=fields.read_str("state"),
            stationary=fields.lenient_int("stationary", 0),
            sub_state=fields.read_str("sub_state"),
            last_event=fields.lenient_datetime("last_event"),
            last_loc_latitude=fields.lenient_float("last_loc_latitude", -90, 90),
            last_loc_longitude=fields.lenient_float("last_loc_longitude", -180, 180),
            last_location=fields.lenient_datetime("last_location"),
            lost_pending=fields.optional_bool("lost_pending"),
            sub_end_date=fields.lenient_date("sub_end_date"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerData:
    """One location fix of a tracker.

    Impossible coordinates (outside the globe, NaN, infinite) and a precision that
    is not a distance are None; the rest of the fix still counts.
    """

    datetime: datetime
    lat: float | None
    lng: float | None
    method: TrackerMethod
    pkt_drop: int | None
    precision: int | None
    uuid: uuid.UUID

    @classmethod
    def from_json(cls, data: object) -> Self:
        """Parse a tracker_data item."""
        fields = _Fields(data, "TrackerData")
        return cls(
            datetime=fields.read_datetime("datetime"),
            lat=fields.lenient_float("lat", -90, 90),
            lng=fields.lenient_float("lng", -180, 180),
            method=TrackerMethod.of(fields.lenient_int("method")),
            pkt_drop=fields.lenient_int("pkt_drop", 0),
            precision=fields.lenient_int("precision", 0),
            uuid=fields.read_uuid("uuid"),
        )


class _DeviceFields(TypedDict):
    """The fields every device has."""

    id: int
    created: datetime | None
    name: str
    version: str | None
    timezone: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """Anything attached to the account: a tracker or a phone running the app."""

    device_type: ClassVar[str]

    id: int
    created: datetime | None
    name: str
    version: str | None
    """The firmware version of a tracker, the app's version on a phone."""
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
            created=fields.lenient_datetime("created"),
            name=fields.read_str("name"),
            version=fields.lenient_str("version"),
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


_LOST_MODES: Final = frozenset({TrackerMode.LOST, TrackerMode.LOST_PET})


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracker(Device):
    """A GPS tracker, with its settings and current status."""

    device_type = "tracker"
    product: ClassVar[str] = "GPS Tracker"
    """What the tracker is, for the types whose listing names no model."""

    serial: str
    version_build: str | None
    """The firmware's build hash, such as 8d2ce7f."""
    model: str | None
    tracker_config: TrackerConfig
    tracker_status: TrackerStatus

    @property
    def model_name(self) -> str:
        """The tracker's model: the one listed, else its type's product."""
        return self.model or self.product

    @property
    def lost_mode(self) -> bool:
        """Whether lost mode is pending, or the tracker is in a lost mode."""
        pending = self.tracker_status.lost_pending
        return self.tracker_config.mode in _LOST_MODES if pending is None else pending

    @classmethod
    def _from_fields(cls, fields: _Fields) -> Self:
        return cls(
            **cls._common(fields),
            serial=fields.read_str("serial"),
            version_build=fields.lenient_str("version_build"),
            model=fields.lenient_str("model"),
            tracker_config=TrackerConfig.from_fields(
                fields.read_object("tracker_config", "TrackerConfig")
            ),
            tracker_status=TrackerStatus.from_fields(
                fields.read_object("tracker_status", "TrackerStatus")
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracker01(Tracker):
    """A first-generation tracker, on LoRa and Sigfox."""

    device_type = "tracker_01"
    product = "GPS Tracker (LoRa, Sigfox)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracker03(Tracker):
    """A tracker of the third generation."""

    device_type = "tracker_03"
    product = "GPS Tracker (3rd generation)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracker04(Tracker):
    """A tracker of the fourth generation, on LTE-M."""

    device_type = "tracker_04"
    product = "Cellular GPS Tracker"


_DEVICE_TYPES: Final[Mapping[str, type[Phone | Tracker]]] = {
    device_class.device_type: device_class
    for device_class in (Android, Iphone, Tracker, Tracker01, Tracker03, Tracker04)
}


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreadableDevice:
    """A listed device that cannot be read: its name, when it has one, and why."""

    name: str | None
    error: UnknownAnswerScheme


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerListing:
    """The trackers an account lists, and the listed devices that cannot be read.

    One device that cannot be read never hides the others.
    """

    trackers: tuple[Tracker, ...]
    unreadable: tuple[UnreadableDevice, ...] = ()

    @property
    def unreadable_summary(self) -> str | None:
        """Say how many devices cannot be read, and why the first; None if all can."""
        if not self.unreadable:
            return None
        return _cannot_read([device.error for device in self.unreadable])


class PartialListing(UnknownAnswerScheme):
    """Some devices of a listing cannot be read; `devices` holds the others.

    What get_devices and get_trackers raise, where get_tracker_listing returns a
    TrackerListing. `names` holds the names of those that cannot be read, where they
    have one.
    """

    def __init__(
        self,
        devices: list[Device],
        errors: list[UnknownAnswerScheme],
        names: list[str | None] | None = None,
    ) -> None:
        """Store the devices read, why the others could not be, and their names."""
        self.devices = devices
        self.errors = errors
        self.names = names or [None] * len(errors)
        super().__init__(_cannot_read(errors))


def _cannot_read(errors: list[UnknownAnswerScheme]) -> str:
    """Say how many listed devices cannot be read, and why the first cannot."""
    return f"Cannot read {len(errors)} listed device(s): {errors[0]}"
