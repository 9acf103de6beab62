"""The simulated account: a user, a phone and trackers roaming around home, on a clock.

Everything derives from a seed: the same arguments give the same world, byte for byte.
Each tracker draws from its own random streams, so adding, removing or reading one
tracker never changes another. A tracker's history before the world's start is only
generated when first read, which keeps a world of thousands of trackers cheap to build.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from math import cos, pi, radians, sin, sqrt
import random
import secrets
from typing import NamedTuple
from uuid import UUID

type JsonValue = (
    None | bool | int | float | str | list[JsonValue] | dict[str, JsonValue]
)
type JsonObject = dict[str, JsonValue]
type Position = tuple[float, float]

DEFAULT_HOME: Position = (48.8566, 2.3522)
DEFAULT_USERNAME = "demo@example.com"
# Published demo credentials of a local fake: they protect nothing.
DEFAULT_PASSWORD = "demo-password"  # noqa: S105 - a published fake credential
PAGE_SIZE = 20
"""The most locations one `tracker_data` answer holds, as the real API."""


class ReplyShape(StrEnum):
    """How the API renders a tracker."""

    MODELLED = "modelled"
    """As the gps_tracker 0.9.2 models have it: the status carries the last position."""
    RECORDED = "recorded"
    """As replies recorded from the real API: no last position, no model, no
    lost_pending; the mode as a string; `stationary` a count of reports at rest;
    `last_event` moving at every keep-alive; fixes dated without an offset or with
    `Z`, a page of them unsorted."""


TRACKER_TYPES = ("tracker_01", "tracker_03", "tracker_04")
PHONE_TYPES = ("android", "iphone")
USAGES = ("dog", "cat", "bike", "vehicle", "person")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = 1_000_000
_HOUR = 3600 * _SECOND
_RHYTHM_JITTER = 0.1
_DAY = 24 * _HOUR
_METRES_PER_DEGREE = 111_320.0
_HOME_RADIUS_M = 100.0
_MAX_LAT = 90.0
_MAX_LNG = 180.0
_TIMEZONE = "Europe/Paris"
_FIRMWARE_PATH = "http://developer.invoxia.com/update/tracker/update.pup"

_GPS = 2
REPORTED_PRECISION_M = 10
"""The accuracy of the fixes a tracker reports (`World.follow`), in metres."""
_UNKNOWN_METHOD = 99
_UNKNOWN_ICON = 999
_LOST_PET_MODE = 27
_PRECISION_M = {1: (400, 3000), 2: (4, 30), 3: (20, 150), 6: (5, 50), 14: (2, 10)}
_BURST_METHODS = (2, 3, 1, 14)

# Newest-first indices, in a tracker's history at the world's start, of the fixes that
# share one exact second: the first run straddles the first and second page of 20, the
# second is longer than a page, so a client paging by time alone never gets past it.
_PAGE_BOUNDARY_RUN = range(PAGE_SIZE - 2, PAGE_SIZE + 2)
_SAME_SECOND_RUN = range(30, 30 + PAGE_SIZE + 5)
_UNKNOWN_METHOD_INDEX = 7
_MIN_PAST = _SAME_SECOND_RUN.stop + 1
"""Fixes generated when a quirky history is first read: its quirks all land there."""
_SEDENTARY = 3
_KEEP_ALIVE_US = 15 * 60 * _SECOND
"""How often a tracker talks to the server, new fix or not, in the recorded shape."""
_UUID4_MASK = 0xF << 76 | 0x3 << 62
_UUID4_BITS = 0x4 << 76 | 0x2 << 62


class UnknownTrackerError(LookupError):
    """No tracker of the account has this id."""


@dataclass(frozen=True, slots=True)
class _Usage:
    """What a tracker is attached to, and how that thing moves."""

    usage: str
    icon: int
    modes: tuple[int, ...]
    names: tuple[str, ...]
    model: str
    trip_m: tuple[float, float]
    speed_m_s: tuple[float, float]
    fix_every_s: int
    weight_kg: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class _Kind:
    """A tracker hardware generation and the network it talks through."""

    kind: str
    network: str
    network_region: str
    operators: tuple[str, ...]
    board_name: str | None
    version: str
    methods: tuple[int, ...]
    """Location methods it reports, repeated to weigh the random choice."""


_USAGES = {
    usage.usage: usage
    for usage in (
        _Usage(
            usage="dog",
            icon=14,
            modes=(21, 22),
            names=("Rex", "Nala", "Filou", "Oslo"),
            model="Invoxia GPS Pet Tracker",
            trip_m=(200.0, 1500.0),
            speed_m_s=(1.0, 2.2),
            fix_every_s=120,
            weight_kg=(8.0, 35.0),
        ),
        _Usage(
            usage="cat",
            icon=31,
            modes=(21,),
            names=("Mistigri", "Félix", "Caramel", "Minou"),
            model="Invoxia GPS Pet Tracker",
            trip_m=(50.0, 400.0),
            speed_m_s=(0.4, 1.2),
            fix_every_s=300,
            weight_kg=(3.0, 6.5),
        ),
        _Usage(
            usage="bike",
            icon=7,
            modes=(1, 2),
            names=("Vélo", "Gravel", "VTT", "Brompton"),
            model="Invoxia Bike Tracker",
            trip_m=(1000.0, 12000.0),
            speed_m_s=(3.5, 7.0),
            fix_every_s=60,
            weight_kg=None,
        ),
        _Usage(
            usage="vehicle",
            icon=10,
            modes=(8,),
            names=("Clio", "Zoé", "Kangoo", "Camping-car"),
            model="Invoxia Cellular GPS Tracker",
            trip_m=(3000.0, 40000.0),
            speed_m_s=(8.0, 25.0),
            fix_every_s=60,
            weight_kg=None,
        ),
        _Usage(
            usage="person",
            icon=32,
            modes=(3, 1),
            names=("Léa", "Hugo", "Mamie", "Jules"),
            model="Invoxia GPS Tracker",
            trip_m=(500.0, 5000.0),
            speed_m_s=(1.0, 1.6),
            fix_every_s=120,
            weight_kg=None,
        ),
    )
}

_KINDS = {
    kind.kind: kind
    for kind in (
        _Kind(
            kind="tracker_01",
            network="SigFox",
            network_region="RC1",
            operators=("Sigfox",),
            board_name="LWT1v2",
            version="tracker_LWTv2-9.34.0-LoRa+Sigfox",
            methods=(2, 2, 2, 1, 1),
        ),
        _Kind(
            kind="tracker_03",
            network="LoRa",
            network_region="EU868",
            operators=("Orange", "Objenious"),
            board_name="LWT3",
            version="tracker_LWT3-3.2.1",
            methods=(2, 2, 2, 3, 3, 1),
        ),
        _Kind(
            kind="tracker_04",
            network="LTE-M",
            network_region="EU",
            operators=("Orange", "SFR", "Bouygues Telecom"),
            board_name=None,
            version="tracker_CGT-1.8.4",
            methods=(2, 2, 14, 14, 3, 6),
        ),
    )
}


class _Phase(IntEnum):
    """Where a tracker is in its round trip; trips cycle through these in order."""

    HOME = 0
    OUTBOUND = 1
    AWAY = 2
    INBOUND = 3

    @property
    def moving(self) -> bool:
        """Whether the tracker travels during this phase."""
        return self in {_Phase.OUTBOUND, _Phase.INBOUND}


@dataclass(frozen=True, slots=True)
class _Leg:
    """A stretch of a tracker's life: a stay (origin = target) or a journey."""

    phase: _Phase
    start: int
    end: int
    origin: Position
    target: Position
    bend: float
    """Sideways swing of a journey, as a share of its length: paths are not straight."""


class Fix(NamedTuple):
    """One location of a tracker, with the wire quirks it is sent with."""

    time_us: int
    lat: float
    lng: float
    method: int
    precision: int | str | None
    """In metres; by hand also a value the real API may send: text, or None (absent)."""
    pkt_drop: int
    uuid_bits: int
    text_coordinates: bool
    offset_suffix: bool
    rssi: int | None

    @property
    def at(self) -> datetime:
        """When the fix was taken."""
        return moment(self.time_us)

    @property
    def uuid(self) -> str:
        """The location's identifier, a version 4 UUID."""
        # Formatted by hand: uuid.UUID takes three times as long, for every location.
        hexa = f"{self.uuid_bits:032x}"
        return f"{hexa[:8]}-{hexa[8:12]}-{hexa[12:16]}-{hexa[16:20]}-{hexa[20:]}"

    def to_json(self, shape: ReplyShape = ReplyShape.MODELLED) -> JsonObject:
        """Render the location as `tracker_data` sends it."""
        # The API sends the coordinates of some locations as strings.
        lat: float | str = (
            f"{self.lat:.6f}" if self.text_coordinates else round(self.lat, 6)
        )
        lng: float | str = (
            f"{self.lng:.6f}" if self.text_coordinates else round(self.lng, 6)
        )
        answer: JsonObject = {
            "uuid": self.uuid,
            "datetime": _format_time(self.time_us, offset=self.offset_suffix)
            if shape is ReplyShape.MODELLED or not self.offset_suffix
            # The recorded API writes some datetimes with no offset at all.
            else _format_time(self.time_us, offset=True).removesuffix("+00:00"),
            "lat": lat,
            "lng": lng,
            "method": self.method,
            "pkt_drop": self.pkt_drop,
        }
        if self.precision is not None:
            answer["precision"] = self.precision
        if self.rssi is not None:
            # A field the documented schema lacks, as the API adds some.
            answer["rssi"] = self.rssi
        return answer


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A fix a tracker takes, and when the API shows it: seconds from a moment."""

    taken: float
    shown: float
    latitude: float
    longitude: float


class Move(NamedTuple):
    """A fix to record by hand: a tracker, its new place, precision and method."""

    tracker_id: int
    lat: float
    lng: float
    precision: int | str | None = 10
    """In metres, or a value the real API may send: text, or None (absent)."""
    method: int = _GPS


@dataclass(frozen=True, slots=True)
class Quirks:
    """Ids of the trackers whose data trips naive clients up, as generated."""

    page_boundary_tracker: int
    """Locations 18 to 21 (newest first) at the world's start share one whole second."""
    same_second_tracker: int
    """Locations 30 to 54 (newest first) at the world's start share one whole second."""
    unknown_values_tracker: int
    """Its icon is 999 and its location 7 (newest first) has method 99."""


def moment(time_us: int) -> datetime:
    """Return the aware datetime of a time in microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=time_us)


def _format_time(time_us: int, *, offset: bool = False) -> str:
    """Write RFC 3339 as the API does: microseconds unless zero, `Z` unless told."""
    text = moment(time_us).isoformat()
    return text if offset else text.removesuffix("+00:00") + "Z"


def _to_us(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime, exactly."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _offset(point: Position, north_m: float, east_m: float) -> Position:
    """Return the point that many metres north and east of another."""
    lat, lng = point
    return (
        lat + north_m / _METRES_PER_DEGREE,
        lng + east_m / (_METRES_PER_DEGREE * cos(radians(lat))),
    )


def _around(
    rng: random.Random, center: Position, min_m: float, max_m: float
) -> Position:
    """Draw a point between two distances from a center."""
    bearing = rng.uniform(0.0, 2 * pi)
    distance = rng.uniform(min_m, max_m)
    return _offset(center, distance * cos(bearing), distance * sin(bearing))


def _distance_m(start: Position, end: Position) -> float:
    """Distance in metres, flat-earth: trips are short enough."""
    north = (end[0] - start[0]) * _METRES_PER_DEGREE
    east = (end[1] - start[1]) * _METRES_PER_DEGREE * cos(radians(start[0]))
    return sqrt(north * north + east * east)


def _stream(key: str) -> random.Random:
    """Open a random stream that repeats for the same key."""
    # Repeatable fake data, not secrets: a seeded Mersenne Twister is the point.
    return random.Random(key)  # noqa: S311 - seeded simulation, not cryptography


def _as_uuid4(bits: int) -> int:
    """Turn 128 random bits into a version 4 UUID: set its version and variant bits."""
    return bits & ~_UUID4_MASK | _UUID4_BITS


def _chance(rng: random.Random, probability: float) -> bool:
    """Draw whether something happens, given how likely it is."""
    return rng.random() < probability


class _Quirk(StrEnum):
    """Wire quirks planted in a tracker's data."""

    PAGE_BOUNDARY = "page_boundary"
    SAME_SECOND = "same_second"
    UNKNOWN_VALUES = "unknown_values"


class Tracker:
    """One tracker: identity, configuration, motion and location history."""

    def __init__(  # noqa: PLR0913 - one keyword per trait the world decides
        self,
        *,
        tracker_id: int,
        index: int,
        seed: int,
        kind: str,
        usage: str,
        name: str,
        created_us: int,
        home: Position,
        now_us: int,
        history: bool,
        quirks: frozenset[_Quirk] = frozenset(),
        pace: float = 1.0,
        shape: ReplyShape = ReplyShape.MODELLED,
    ) -> None:
        """Create the `index`-th tracker at `now_us`; with `history`, it has a past.

        It rests, at home and at stops, `pace` times shorter than in life.
        """
        self.id = tracker_id
        self.shape = shape
        """How the API renders the tracker."""
        self._pace = pace
        self.kind = kind
        self.usage = usage
        self.name = name
        # Multiplying by an odd number modulo 2**48 is a bijection: serials are unique.
        self.serial = f"{(tracker_id * 0x9E3779B97F4B) % 2**48 ^ 0x5C2A7B1E9F03:012X}"
        self._seed_key = f"{seed}:{index}"
        self._home = home
        self._profile = _USAGES[usage]
        self._hardware = _KINDS[kind]
        self._quirks = quirks
        self._created_us = created_us
        self._clock_start_us = now_us
        # One stream draws the traits, then the motion: seeding costs more than drawing.
        rng = self._motion = _stream(self._seed_key)
        self._config = self._new_config(rng)
        self._begin_date_us = created_us + rng.randrange(60 * _SECOND, _HOUR)
        sub_end = moment(now_us + rng.randrange(30, 700) * _DAY)
        self._sub_end_date = None if _chance(rng, 0.2) else sub_end.date().isoformat()
        self._operator = rng.choice(self._hardware.operators)
        self._version_build = f"{rng.getrandbits(28):07x}"
        self._battery_at_start = float(rng.randint(15, 100)) if history else 100.0
        self._drain_per_us = rng.uniform(0.5, 3.0) / _DAY
        self._history_size = rng.randint(150, 400) if history else 0
        # Every sixth tracker rests at home for good; the others start at every stage
        # of a round trip in turn, so even a small world has trackers on the move.
        self._roams = history and index % 6 != _SEDENTARY
        self._past: random.Random | None = None
        self._fixes: list[Fix] = []
        self._pending: list[Fix] = []
        # Fixes to record when the clock reaches the time the API shows each, in order.
        self._reported: list[tuple[int, Fix]] = []
        self._later = 0
        self._moved_by_hand = False
        self._pinned = not history
        self._leg = _Leg(_Phase.HOME, now_us, now_us, home, home, 0.0)
        if history:
            phase = _Phase(index % len(_Phase)) if self._roams else _Phase.HOME
            self._leg = self._first_leg(phase, now_us)
            self.run_until(now_us)
        self._oldest = self._leg
        # The fixes taken so far are the newest of the past before the world's start.
        self._later = 0
        self._planted = not quirks
        self.missing_fields: frozenset[str] = frozenset()
        """Top-level fields the API leaves out when it lists the tracker."""
        self.overrides: JsonObject = {}
        """Fields the API lists with these values instead: nested objects merge."""
        self.reported_type: str | None = None
        """The type the API lists the tracker as, when not its own."""
        self.clock_ahead_us = 0
        """How far ahead of the world's clock the tracker's runs, in microseconds."""

    def _new_config(self, rng: random.Random) -> JsonObject:
        """Draw the `tracker_config` object once: owners rarely change it."""
        profile = self._profile
        mode = rng.choice(profile.modes)
        if profile.usage == "dog" and _chance(rng, 0.2):
            mode = _LOST_PET_MODE
        weight: float | str | None = None
        if profile.weight_kg is not None:
            kilos = round(rng.uniform(*profile.weight_kg), 1)
            # The API sends the weight as a number, as a string, or not at all.
            weight = rng.choice((kilos, str(kilos), None))
        image = f"images/{rng.getrandbits(64):016x}.jpg" if _chance(rng, 0.2) else None
        config: JsonObject = {
            "mode": str(mode) if _chance(rng, 0.3) else mode,
            "color": rng.randrange(12),
            "icon": _UNKNOWN_ICON
            if _Quirk.UNKNOWN_VALUES in self._quirks
            else profile.icon,
            "notify_position": _chance(rng, 0.5),
            "notify_long_walk": profile.weight_kg is not None,
            "network": self._hardware.network,
            "network_region": self._hardware.network_region,
            "network_config": rng.choice((1, 2, None)),
            "firmware_path": _FIRMWARE_PATH,
            "board_name": self._hardware.board_name,
            "usage": profile.usage,
            "image": image,
            "weight": weight,
        }
        if self._hardware.kind == "tracker_04":
            config["led_enabled"] = True
        return config

    @property
    def roams(self) -> bool:
        """Whether the tracker goes on trips; otherwise it rests around home."""
        return self._roams

    @property
    def stationary(self) -> bool:
        """Whether the tracker is at rest now; one just moved by hand is not."""
        return not (self._moved_by_hand or self._leg.phase.moving)

    @property
    def last_fix(self) -> Fix | None:
        """The newest location, if any."""
        return self._fixes[-1] if self._fixes else None

    def battery(self, now_us: int) -> int:
        """Battery level in percent: it drains slowly and steadily."""
        level = self._battery_at_start - self._drain_per_us * (
            now_us - self._clock_start_us
        )
        return max(0, round(level))

    def history(self) -> list[Fix]:
        """All locations, newest first."""
        self._reach_back(self._history_size)
        return self._fixes[::-1]

    def locations(
        self, not_before_us: int | None, not_after_us: int | None
    ) -> list[Fix]:
        """At most a page of locations within both bounds (inclusive), newest first."""
        # Only a tracker with quirks needs them in place before its past is read.
        self._reach_back(_MIN_PAST if self._quirks else 0)
        # The past is generated newest first, only as far back as a page needs.
        newest = self._count_until(not_after_us)
        while newest < PAGE_SIZE and not self._complete(not_before_us):
            self._go_back()
            newest = self._count_until(not_after_us)
        oldest = 0
        if not_before_us is not None:
            oldest = bisect_left(self._fixes, not_before_us, key=_time)
        return self._fixes[max(oldest, newest - PAGE_SIZE) : newest][::-1]

    def run_until(self, now_us: int) -> None:
        """Travel along planned legs, recording every fix taken up to `now_us`.

        A tracker that follows reports records those shown by then instead.
        """
        shown = 0
        while shown < len(self._reported) and self._reported[shown][0] <= now_us:
            shown += 1
        self._record([fix for _, fix in self._reported[:shown]])
        del self._reported[:shown]
        if self._pinned:
            return
        while True:
            taken = 0
            while taken < len(self._pending) and self._pending[taken].time_us <= now_us:
                taken += 1
            self._record(self._pending[:taken])
            del self._pending[:taken]
            if self._pending or self._leg.end > now_us:
                return
            self._leg = self._plan(self._leg, self._motion, forward=True)
            self._pending = self._leg_fixes(self._leg, self._motion)

    def move_to(self, fix: Fix) -> None:
        """Record a fix taken by hand: the tracker stops roaming and stays there."""
        self._pinned = True
        self._moved_by_hand = True
        self._pending.clear()
        self._record([fix])

    def follow(self, reported: list[tuple[int, Fix]]) -> None:
        """Stop roaming; record each fix once the clock reaches the time given first."""
        self._pinned = True
        self._pending.clear()
        self._reported = reported

    def device_json(self, user_id: int, now_us: int) -> JsonObject:
        """Render the tracker as `/devices/` lists it."""
        if self.shape is ReplyShape.RECORDED:
            return self._recorded_device_json(now_us)
        answer: JsonObject = {
            "id": self.id,
            "name": self.name,
            "type": self.reported_type or self.kind,
            "serial": self.serial,
            "created": _format_time(self._created_us),
            "version_build": self._version_build,
            "timezone": _TIMEZONE,
            "version": self._hardware.version,
            "model": None if self.kind == "tracker_01" else self._profile.model,
            "owner": user_id,
            "tracker_config": self.config_json(),
            "tracker_status": self.status_json(now_us),
        }
        for key in self.missing_fields:
            del answer[key]
        return _merged(answer, self.overrides)

    def _recorded_device_json(self, now_us: int) -> JsonObject:
        """Render the tracker as the recorded replies list one."""
        answer: JsonObject = {
            "id": self.id,
            "name": self.name,
            "type": self.reported_type or self.kind,
            "serial": self.serial,
            "created": _format_time(self._created_us),
            "version_build": self._version_build,
            "timezone": _TIMEZONE,
            "version": self._hardware.version,
            "tracker_config": self.config_json(),
            "tracker_status": self.status_json(now_us),
        }
        for key in self.missing_fields:
            del answer[key]
        return _merged(answer, self.overrides)

    def config_json(self) -> JsonObject:
        """Render the `tracker_config` object."""
        if self.shape is ReplyShape.MODELLED:
            return dict(self._config)
        config: JsonObject = {
            key: value
            for key, value in self._config.items()
            if key not in {"image", "led_enabled"} and value is not None
        }
        config["mode"] = str(config["mode"])
        if "weight" in config:
            config["weight"] = str(config["weight"])
        return config

    def last_event_us(self, now_us: int) -> int:
        """When the tracker last talked to the server: a fix, or a keep-alive."""
        last = self.last_fix
        keep_alive = now_us - (now_us - self._created_us) % _KEEP_ALIVE_US
        return keep_alive if last is None else max(last.time_us, keep_alive)

    def status_json(self, now_us: int) -> JsonObject:
        """Render the `tracker_status` object as of `now_us`."""
        if self.shape is ReplyShape.RECORDED:
            return self._recorded_status_json(now_us)
        last = self.last_fix
        fixed_at = None if last is None else _format_time(last.time_us)
        status: JsonObject = {
            "battery": self.battery(now_us),
            "begin_date": _format_time(self._begin_date_us),
            "last_event": fixed_at,
            "state": "active",
            "sub_end_date": self._sub_end_date,
            "sub_state": "normal",
            "network_operator": self._operator,
            "stationary": int(self.stationary),
            "lost_pending": self._config["mode"]
            in {_LOST_PET_MODE, str(_LOST_PET_MODE)},
            "last_location": fixed_at,
            "last_loc_latitude": None if last is None else round(last.lat, 6),
            "last_loc_longitude": None if last is None else round(last.lng, 6),
        }
        if self.kind == "tracker_04":
            status["temperature"] = 21
        return status

    def _recorded_status_json(self, now_us: int) -> JsonObject:
        """Render the `tracker_status` object as the recorded replies have it."""
        last = self.last_fix
        at_rest = 0
        if self.stationary:
            since = self._created_us if last is None else last.time_us
            at_rest = 1 + (now_us - since) // _KEEP_ALIVE_US
        last_event = self.last_event_us(now_us)
        return {
            "battery": self.battery(now_us),
            "begin_date": _format_time(self._begin_date_us),
            "last_event": _format_time(last_event),
            "state": "online",
            "sub_end_date": self._sub_end_date,
            "sub_state": "normal",
            # Sigfox trackers report no operator: the API sends an empty string.
            "network_operator": "" if self._operator == "Sigfox" else self._operator,
            "stationary": at_rest,
        }

    def render_locations(
        self, not_before_us: int | None, not_after_us: int | None
    ) -> list[JsonValue]:
        """Render a page of `tracker_data`; unsorted in the recorded shape."""
        fixes = self.locations(not_before_us, not_after_us)
        page: list[JsonValue] = [fix.to_json(self.shape) for fix in fixes]
        if self.shape is ReplyShape.RECORDED:
            # Oldest half first, then the newest: an order no client should trust.
            middle = len(page) // 2
            page = page[middle:] + page[:middle]
        return page

    def _record(self, fixes: list[Fix]) -> None:
        """Append fixes taken after the world's start."""
        self._fixes.extend(fixes)
        self._later += len(fixes)

    def _first_leg(self, phase: _Phase, now_us: int) -> _Leg:
        """Plan the leg in progress at `now_us`, and its fixes around that moment."""
        rng = self._motion
        spot = self._home_spot(rng)
        destination = self._destination(rng)
        origin, target = {
            _Phase.HOME: (spot, spot),
            _Phase.OUTBOUND: (spot, destination),
            _Phase.AWAY: (destination, destination),
            _Phase.INBOUND: (destination, spot),
        }[phase]
        duration = self._duration(rng, phase, origin, target)
        offsets = self._fix_offsets(rng, phase, duration)
        # Which planned fix is the newest at `now_us`, and how long ago it was taken.
        newest = rng.randrange(len(offsets))
        following = offsets[newest + 1] if newest + 1 < len(offsets) else duration
        start = now_us - rng.randrange(following - offsets[newest]) - offsets[newest]
        leg = _Leg(
            phase, start, start + duration, origin, target, rng.uniform(-0.2, 0.2)
        )
        self._pending = self._fixes_at(leg, offsets, rng)
        return leg

    def _count_until(self, not_after_us: int | None) -> int:
        """How many of the fixes generated so far were taken at or before a time."""
        if not_after_us is None:
            return len(self._fixes)
        return bisect_right(self._fixes, not_after_us, key=_time)

    def _reach_back(self, count: int) -> None:
        """Generate the past until it holds `count` fixes, or all of them.

        Quirks land once the fixes they rewrite exist, before anything reads them.
        """
        while len(self._fixes) - self._later < count and not self._complete(None):
            self._go_back()
        if not self._planted:
            self._planted = True
            self._plant_quirks()

    def _complete(self, not_before_us: int | None) -> bool:
        """Whether the past generated so far holds every fix from `not_before_us` on."""
        if len(self._fixes) - self._later >= self._history_size:
            return True
        return not_before_us is not None and self._fixes[0].time_us < not_before_us

    def _go_back(self) -> None:
        """Generate the fixes of the leg before the oldest one."""
        known = len(self._fixes) - self._later
        if self._past is None:
            self._past = _stream(f"{self._seed_key}:history")
        self._oldest = self._plan(self._oldest, self._past, forward=False)
        fixes = self._leg_fixes(self._oldest, self._past)
        # The last leg back may overshoot the history's size: drop its oldest fixes.
        fixes = fixes[max(0, known + len(fixes) - self._history_size) :]
        self._fixes[:0] = fixes

    def _plant_quirks(self) -> None:
        """Rewrite the fixes carrying the tracker's quirks, counted from the start."""
        start = len(self._fixes) - self._later
        # Quirks draw from their own stream: the past reads the same, however paged.
        rng = _stream(f"{self._seed_key}:quirks")
        if _Quirk.PAGE_BOUNDARY in self._quirks:
            _same_second(self._fixes, start, _PAGE_BOUNDARY_RUN, rng)
        if _Quirk.SAME_SECOND in self._quirks:
            _same_second(self._fixes, start, _SAME_SECOND_RUN, rng)
        if _Quirk.UNKNOWN_VALUES in self._quirks:
            index = start - 1 - _UNKNOWN_METHOD_INDEX
            self._fixes[index] = self._fixes[index]._replace(
                method=_UNKNOWN_METHOD, precision=100
            )

    def _plan(self, neighbour: _Leg, rng: random.Random, *, forward: bool) -> _Leg:
        """Plan the leg just after (or before) `neighbour`, joined to it."""
        phase = neighbour.phase
        if self._roams:
            phase = _Phase((phase + (1 if forward else -1)) % len(_Phase))
        joint = neighbour.target if forward else neighbour.origin
        if phase is _Phase.OUTBOUND:
            other = self._destination(rng) if forward else self._home_spot(rng)
        elif phase is _Phase.INBOUND:
            other = self._home_spot(rng) if forward else self._destination(rng)
        else:
            other = joint
        origin, target = (joint, other) if forward else (other, joint)
        duration = self._duration(rng, phase, origin, target)
        start = neighbour.end if forward else neighbour.start - duration
        return _Leg(
            phase, start, start + duration, origin, target, rng.uniform(-0.2, 0.2)
        )

    def _home_spot(self, rng: random.Random) -> Position:
        """Where the tracker rests at home: never twice exactly the same spot."""
        return _around(rng, self._home, 0.0, _HOME_RADIUS_M)

    def _destination(self, rng: random.Random) -> Position:
        """Where a trip goes: how far depends on what the tracker is attached to."""
        return _around(rng, self._home, *self._profile.trip_m)

    def _duration(
        self, rng: random.Random, phase: _Phase, origin: Position, target: Position
    ) -> int:
        """How long a leg lasts, in microseconds."""
        if phase.moving:
            speed = rng.uniform(*self._profile.speed_m_s)
            seconds = max(
                _distance_m(origin, target) / speed, 2.0 * self._profile.fix_every_s
            )
        elif phase is _Phase.HOME:
            seconds = rng.uniform(1.0, 10.0) * 3600 / self._pace
        else:
            seconds = rng.uniform(10.0, 90.0) * 60 / self._pace
        return round(seconds * _SECOND)

    def _fix_offsets(
        self, rng: random.Random, phase: _Phase, duration: int
    ) -> list[int]:
        """Plan when fixes are taken: on the move, on a rhythm; at rest, hourly.

        On the move, a fix comes every `fix_every_s`, each interval within
        ±`_RHYTHM_JITTER` of it, as a real tracker's do: a poller can learn the
        rhythm. A moving leg lasts two intervals at least: it has a fix. At rest,
        fixes are evenly spread, one an hour or one in all.
        """
        if phase.moving:
            every = self._profile.fix_every_s * _SECOND
            low, high = every * (1 - _RHYTHM_JITTER), every * (1 + _RHYTHM_JITTER)
            offsets: list[int] = []
            offset = round(rng.uniform(low, high))
            while offset < duration:
                offsets.append(offset)
                offset += round(rng.uniform(low, high))
            return offsets
        count = max(1, round(duration / _HOUR))
        step = duration / count
        # Jitter stays within a quarter step, so fixes are ordered and inside the leg.
        return [
            round((index + 0.5 + rng.uniform(-0.25, 0.25)) * step)
            for index in range(count)
        ]

    def _leg_fixes(self, leg: _Leg, rng: random.Random) -> list[Fix]:
        """Take the fixes of a leg, oldest first."""
        return self._fixes_at(
            leg, self._fix_offsets(rng, leg.phase, leg.end - leg.start), rng
        )

    def _fixes_at(self, leg: _Leg, offsets: list[int], rng: random.Random) -> list[Fix]:
        """Take fixes along a leg at these offsets from its start, with their noise."""
        duration = leg.end - leg.start
        lat_per_m = 1 / _METRES_PER_DEGREE
        lng_per_m = 1 / (_METRES_PER_DEGREE * cos(radians(leg.origin[0])))
        north = (leg.target[0] - leg.origin[0]) / lat_per_m
        east = (leg.target[1] - leg.origin[1]) / lng_per_m
        # A swing perpendicular to the journey, largest halfway, makes the path curve.
        swing_north, swing_east = -east * leg.bend, north * leg.bend
        methods = self._hardware.methods
        fixes = []
        for offset in offsets:
            share = offset / duration
            swing = sin(pi * share)
            # One draw gives method, precision and noise, each from its own bits:
            # fixes are generated by the thousand, so each must be cheap.
            bits = rng.getrandbits(48)
            method = methods[(bits & 0xFF) % len(methods)]
            low, high = _PRECISION_M[method]
            precision = low + (bits >> 8 & 0xFF) % (high - low + 1)
            noise_north = ((bits >> 16 & 0xFFFF) / 0xFFFF - 0.5) * precision
            noise_east = ((bits >> 32) / 0xFFFF - 0.5) * precision
            position = (
                leg.origin[0]
                + (north * share + swing_north * swing + noise_north) * lat_per_m,
                leg.origin[1]
                + (east * share + swing_east * swing + noise_east) * lng_per_m,
            )
            fixes.append(_new_fix(rng, leg.start + offset, position, method, precision))
        return fixes


def _check_place(lat: float, lng: float) -> None:
    """Refuse coordinates off the globe."""
    if not (-_MAX_LAT <= lat <= _MAX_LAT and -_MAX_LNG <= lng <= _MAX_LNG):
        msg = f"no such place: {lat}, {lng}"
        raise ValueError(msg)


def _merged(answer: JsonObject, overrides: JsonObject) -> JsonObject:
    """Return an answer with some of its fields replaced; nested objects merge."""
    merged = dict(answer)
    for key, value in overrides.items():
        inner = merged.get(key)
        merged[key] = (
            _merged(inner, value)
            if isinstance(inner, dict) and isinstance(value, dict)
            else value
        )
    return merged


def _time(fix: Fix) -> int:
    """Sort key of fixes."""
    return fix.time_us


def _new_fix(
    rng: random.Random, time_us: int, position: Position, method: int, precision: int
) -> Fix:
    """Build a fix, drawing its identifier and wire quirks."""
    # One draw gives the UUID (128 bits) and every quirk, each from its own bits.
    bits = rng.getrandbits(160)
    if bits & 0xF0000 == 0:
        # Some fixes have a whole-second datetime: the API omits the fraction.
        time_us -= time_us % _SECOND
    return Fix(
        time_us=time_us,
        lat=position[0],
        lng=position[1],
        method=method,
        precision=precision,
        pkt_drop=1 + (bits >> 20 & 0xF) % 3 if bits & 0x1C0 == 0 else 0,
        uuid_bits=_as_uuid4(bits >> 32),
        text_coordinates=bool(bits & 0x1),
        offset_suffix=bits & 0xE == 0,
        rssi=-125 + (bits >> 24 & 0xFF) % 56 if bits & 0x30 == 0 else None,
    )


def _same_second(fixes: list[Fix], start: int, run: range, rng: random.Random) -> None:
    """Turn a run of fixes, counted back from index `start`, into a one-second burst."""
    anchor = fixes[start - 1 - run.start]
    second = anchor.time_us - anchor.time_us % _SECOND
    for number, back in enumerate(run):
        method = _BURST_METHODS[number % len(_BURST_METHODS)]
        precision = rng.randint(*_PRECISION_M[method])
        position = _offset(
            (anchor.lat, anchor.lng), rng.uniform(-5, 5), rng.uniform(-5, 5)
        )
        fixes[start - 1 - back] = _new_fix(rng, second, position, method, precision)


class World:
    """The account the simulator serves, its trackers and its clock."""

    def __init__(  # noqa: PLR0913 - one keyword per trait of the world
        self,
        *,
        seed: int = 1,
        trackers: int = 5,
        home: Position = DEFAULT_HOME,
        start: datetime | None = None,
        pace: float = 1.0,
        shape: ReplyShape = ReplyShape.MODELLED,
    ) -> None:
        """Generate `trackers` trackers around `home`, as of `start` (default: now).

        Trackers rest, at home and at stops, `pace` times shorter than in life: a
        demo's trackers leave and come home every few minutes at a pace of 60. The
        API renders them in `shape`; `set_shape` changes that per tracker.
        """
        if trackers < 1:
            msg = "a world needs at least one tracker"
            raise ValueError(msg)
        if pace <= 0:
            msg = "pace must be positive"
            raise ValueError(msg)
        moment = datetime.now(UTC) if start is None else start
        if moment.tzinfo is None:
            msg = "start must be timezone-aware"
            raise ValueError(msg)
        self.seed = seed
        self.home = home
        self.pace = pace
        self.shape = shape
        self._now_us = _to_us(moment)
        self._username = DEFAULT_USERNAME
        self._password = DEFAULT_PASSWORD
        rng = _stream(f"{seed}:account")
        self.user_id = rng.randrange(100_000, 1_000_000)
        self.profile_id = rng.randrange(100_000, 1_000_000)
        self._joined_us = self._now_us - rng.randrange(400 * _DAY, 1500 * _DAY)
        self.phone_type = rng.choice(PHONE_TYPES)
        self.phone_id = rng.randrange(100_000, 300_000)
        serial = str(UUID(int=rng.getrandbits(128), version=4))
        # iOS reports its identifier in upper case.
        self._phone_serial = serial.upper() if self.phone_type == "iphone" else serial
        self._last_id = rng.randrange(300_000, 900_000)
        self._ids = _stream(f"{seed}:ids")
        self._by_hand = _stream(f"{seed}:by-hand")
        self._created = 0
        self._trackers: dict[int, Tracker] = {}
        holders = {
            _Quirk.PAGE_BOUNDARY: 0,
            _Quirk.SAME_SECOND: 1 % trackers,
            _Quirk.UNKNOWN_VALUES: 2 % trackers,
        }
        for index in range(trackers):
            quirks = frozenset(
                quirk for quirk, holder in holders.items() if holder == index
            )
            self._create_tracker(history=True, quirks=quirks)
        ids = list(self._trackers)
        self.quirks = Quirks(
            page_boundary_tracker=ids[holders[_Quirk.PAGE_BOUNDARY]],
            same_second_tracker=ids[holders[_Quirk.SAME_SECOND]],
            unknown_values_tracker=ids[holders[_Quirk.UNKNOWN_VALUES]],
        )

    @property
    def now(self) -> datetime:
        """The world's current time."""
        return moment(self._now_us)

    @property
    def now_us(self) -> int:
        """The world's current time in microseconds since the epoch."""
        return self._now_us

    @property
    def username(self) -> str:
        """The account's username, an email address."""
        return self._username

    @property
    def tracker_ids(self) -> tuple[int, ...]:
        """Ids of the account's trackers, oldest first."""
        return tuple(self._trackers)

    def tracker(self, tracker_id: int) -> Tracker:
        """Return the tracker with this id."""
        try:
            return self._trackers[tracker_id]
        except KeyError:
            raise UnknownTrackerError(tracker_id) from None

    def set_credentials(self, username: str, password: str) -> None:
        """Change the account's credentials: the old ones stop working at once."""
        self._username = username
        self._password = password

    def check_credentials(self, username: str, password: str) -> bool:
        """Whether these are the account's credentials, compared in constant time."""
        return secrets.compare_digest(
            f"{username}\0{password}".encode(),
            f"{self._username}\0{self._password}".encode(),
        )

    def add_tracker(
        self,
        *,
        name: str | None = None,
        usage: str | None = None,
        kind: str | None = None,
        position: Position | None = None,
    ) -> int:
        """Register a new tracker, located at `position` now if given; return its id.

        A new tracker has no past and does not move on its own.
        """
        if usage is not None and usage not in USAGES:
            msg = f"unknown usage {usage!r}"
            raise ValueError(msg)
        if kind is not None and kind not in TRACKER_TYPES:
            msg = f"unknown tracker type {kind!r}"
            raise ValueError(msg)
        if position is not None:
            _check_place(*position)
        tracker = self._create_tracker(history=False, name=name, usage=usage, kind=kind)
        if position is not None:
            self.move_tracker(tracker.id, *position)
        return tracker.id

    def misreport(
        self,
        tracker_id: int,
        *,
        missing: Collection[str] = (),
        device_type: str | None = None,
        overrides: JsonObject | None = None,
    ) -> None:
        """Have the API list a tracker unlike it is; with no options, as it is again.

        The listing then leaves out the `missing` top-level fields, with a
        `device_type` gives the tracker that type, such as one newer than the client,
        and gives the fields of `overrides` their values (nested objects merge): a
        battery of 140, a latitude of "nan".
        """
        tracker = self.tracker(tracker_id)
        fields = tracker.device_json(self.user_id, self._now_us).keys()
        unknown = set(missing) - fields - tracker.missing_fields
        if unknown:
            msg = f"trackers have no field {', '.join(sorted(unknown))}"
            raise ValueError(msg)
        tracker.missing_fields = frozenset(missing)
        tracker.reported_type = device_type
        tracker.overrides = overrides or {}

    def set_shape(self, tracker_id: int, shape: ReplyShape) -> None:
        """Have the API render a tracker in another shape from now on."""
        self.tracker(tracker_id).shape = shape

    def skew_clock(self, tracker_id: int, ahead: timedelta) -> None:
        """Set how far ahead of the world's clock (behind if negative) a tracker's runs.

        The fixes it is moved to from then on are dated by its clock.
        """
        self.tracker(tracker_id).clock_ahead_us = ahead // timedelta(microseconds=1)

    def remove_tracker(self, tracker_id: int) -> None:
        """Remove a tracker from the account."""
        del self._trackers[self.tracker(tracker_id).id]

    def move_tracker(
        self,
        tracker_id: int,
        lat: float,
        lng: float,
        *,
        precision: int | str | None = 10,
        method: int = _GPS,
    ) -> Fix:
        """Record a fix of a tracker at this place now; it then stays there.

        The fix is dated by the tracker's clock (see `skew_clock`), and never before
        the tracker's newest one.
        """
        [fix] = self.move_trackers([Move(tracker_id, lat, lng, precision, method)])
        return fix

    def move_trackers(self, moves: Sequence[Move]) -> list[Fix]:
        """Record the fixes of several moves now, as `move_tracker`: all, or none.

        Every move is checked before any is recorded.
        """
        moved = [(self.tracker(move.tracker_id), move) for move in moves]
        for tracker, move in moved:
            _check_place(move.lat, move.lng)
            newest = tracker.last_fix
            if (
                newest is not None
                and self._now_us + tracker.clock_ahead_us < newest.time_us
            ):
                msg = "a fix cannot predate the tracker's newest one"
                raise ValueError(msg)
        fixes = []
        for tracker, move in moved:
            fix = self._plain_fix(
                self._now_us + tracker.clock_ahead_us,
                move.lat,
                move.lng,
                move.precision,
                move.method,
            )
            tracker.move_to(fix)
            fixes.append(fix)
        return fixes

    def follow(self, tracker_id: int, reports: Iterable[Report]) -> None:
        """Have a tracker report these fixes, each shown by the API when it says.

        Their times count in seconds from now, those before now are the tracker's
        history at once; it stops roaming. They must be taken in the order they
        show, after the tracker's newest fix: the API lists fixes by their time.
        """
        tracker = self.tracker(tracker_id)
        newest = tracker.last_fix
        reported: list[tuple[int, Fix]] = []
        for report in sorted(reports, key=lambda report: report.shown):
            if report.shown < report.taken:
                msg = "a fix cannot show before it is taken"
                raise ValueError(msg)
            fix = self._plain_fix(
                self._now_us + round(report.taken * _SECOND),
                report.latitude,
                report.longitude,
                REPORTED_PRECISION_M,
                _GPS,
            )
            if newest is not None and fix.time_us < newest.time_us:
                msg = "a fix cannot predate one shown before it"
                raise ValueError(msg)
            newest = fix
            reported.append((self._now_us + round(report.shown * _SECOND), fix))
        tracker.follow(reported)
        tracker.run_until(self._now_us)

    def _plain_fix(
        self,
        time_us: int,
        lat: float,
        lng: float,
        precision: int | str | None,
        method: int,
    ) -> Fix:
        """Build a fix with none of the wire quirks, its identifier drawn at random."""
        return Fix(
            time_us=time_us,
            lat=round(lat, 6),
            lng=round(lng, 6),
            method=method,
            precision=precision,
            pkt_drop=0,
            uuid_bits=_as_uuid4(self._by_hand.getrandbits(128)),
            text_coordinates=False,
            offset_suffix=False,
            rssi=None,
        )

    def advance(self, seconds: float) -> None:
        """Move the clock forward: trackers travel, take fixes and use their battery."""
        if seconds < 0:
            msg = "time only moves forward"
            raise ValueError(msg)
        self._now_us += round(seconds * _SECOND)
        for tracker in self._trackers.values():
            tracker.run_until(self._now_us)

    def user_json(self) -> JsonObject:
        """Render the account's user as `/users/` lists it."""
        return {
            "id": self.user_id,
            "username": self._username,
            "profiles": [self.profile_id],
            "first_name": "Camille",
            "last_name": "Martin",
            "date_joined": _format_time(self._joined_us),
        }

    def devices_json(self, kind: str | None = None) -> list[JsonValue]:
        """Render devices as `/devices/` lists them; "tracker" means all trackers."""
        devices: list[JsonValue] = []
        if kind in {None, self.phone_type}:
            devices.append(self._phone_json())
        devices.extend(
            tracker.device_json(self.user_id, self._now_us)
            for tracker in self._trackers.values()
            if kind in {None, "tracker", tracker.kind}
        )
        return devices

    def device_json(self, device_id: int) -> JsonObject:
        """Render one device, phone or tracker."""
        if device_id == self.phone_id:
            return self._phone_json()
        return self.tracker(device_id).device_json(self.user_id, self._now_us)

    def _phone_json(self) -> JsonObject:
        """Render the phone running the Invoxia app, as `/devices/` lists it."""
        android = self.phone_type == "android"
        return {
            "id": self.phone_id,
            "name": "Pixel 8" if android else "iPhone de Camille",
            "type": self.phone_type,
            "serial": self._phone_serial,
            "created": _format_time(self._joined_us),
            "timezone": _TIMEZONE,
            "version": "13.1.0" if android else "9.5.1.88141004",
            "owner": self.user_id,
        }

    def _create_tracker(
        self,
        *,
        history: bool,
        name: str | None = None,
        usage: str | None = None,
        kind: str | None = None,
        quirks: frozenset[_Quirk] = frozenset(),
    ) -> Tracker:
        """Create the next tracker; types and usages cycle so every pairing shows up."""
        index = self._created
        self._created += 1
        self._last_id += self._ids.randint(1, 97)
        chosen_usage = usage or USAGES[index % len(USAGES)]
        names = _USAGES[chosen_usage].names
        default_name = names[index // len(USAGES) % len(names)]
        cycle = index // (len(USAGES) * len(names))
        # Trackers joined the account after its user did.
        age = (
            self._ids.randrange(30 * _DAY, self._now_us - self._joined_us)
            if history
            else 0
        )
        tracker = Tracker(
            tracker_id=self._last_id,
            index=index,
            seed=self.seed,
            kind=kind or TRACKER_TYPES[index % len(TRACKER_TYPES)],
            usage=chosen_usage,
            name=name or (f"{default_name} {cycle + 1}" if cycle else default_name),
            created_us=self._now_us - age,
            home=self.home,
            now_us=self._now_us,
            history=history,
            quirks=quirks,
            pace=self.pace,
            shape=self.shape,
        )
        self._trackers[tracker.id] = tracker
        return tracker
