"""The control API: drive the simulator over HTTP, for demos and out-of-process tools.

Every route lives under `/_simulator/`, takes and returns JSON and needs no credentials:
the simulator only listens on the loopback interface. A request it cannot carry out
changes nothing and is answered 400 (404 for a tracker the account lacks) with
`{"error": message}`. The README lists the routes; each one's docstring below says
what it takes and answers.
"""

import json

from aiohttp import web

from .counters import Counters
from .faults import Fault, FaultKind, Faults
from .world import (
    Fix,
    JsonObject,
    JsonValue,
    Move,
    ReplyShape,
    Tracker,
    UnknownTrackerError,
    World,
    moment,
)

PREFIX = "/_simulator"


class _BadRequestError(Exception):
    """The request's body does not say something the simulator can do."""


def _json(payload: JsonValue, status: int = 200) -> web.Response:
    """Answer with JSON."""
    return web.Response(
        text=json.dumps(payload, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


def _error(status: int, message: str) -> web.Response:
    """Answer with an error the caller can read."""
    return _json({"error": message}, status)


async def _decoded(request: web.Request) -> JsonValue:
    """Decode the request's JSON body."""
    try:
        data: JsonValue = await request.json()
    except ValueError as err:
        message = "the body is not JSON"
        raise _BadRequestError(message) from err
    return data


async def _read(request: web.Request) -> JsonObject:
    """Read the request's JSON object; an empty body is an empty object."""
    if not request.body_exists:
        return {}
    data = await _decoded(request)
    if not isinstance(data, dict):
        message = "the body must be a JSON object"
        raise _BadRequestError(message)
    return data


async def _read_list(request: web.Request) -> list[JsonObject]:
    """Read the request's JSON array of objects."""
    data = await _decoded(request)
    if isinstance(data, list):
        items = [item for item in data if isinstance(item, dict)]
        if len(items) == len(data):
            return items
    message = "the body must be a JSON array of objects"
    raise _BadRequestError(message)


def _value[T: (str, int, float)](data: JsonObject, key: str, kind: type[T]) -> T | None:
    """Read an optional field of this type; a whole number is a fine float."""
    value = data.get(key)
    if value is None:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    # JSON booleans are Python ints: refuse them where numbers are expected.
    if isinstance(value, bool) or not isinstance(value, kind):
        message = f"{key} must be of type {kind.__name__}"
        raise _BadRequestError(message)
    return value


def _required[T: (str, int, float)](data: JsonObject, key: str, kind: type[T]) -> T:
    """Read a field that must be there."""
    value = _value(data, key, kind)
    if value is None:
        message = f"{key} is required"
        raise _BadRequestError(message)
    return value


def _fault(data: JsonObject) -> Fault:
    """Read a fault from its JSON description."""
    kind = _required(data, "kind", str)
    if kind not in set(FaultKind):
        message = f"kind must be one of: {', '.join(FaultKind)}"
        raise _BadRequestError(message)
    try:
        return Fault(
            FaultKind(kind),
            path=_value(data, "path", str) or "/",
            count=_value(data, "count", int),
            status=_value(data, "status", int),
            retry_after=_value(data, "retry_after", int),
            seconds=_value(data, "seconds", float) or 0.0,
            size=_value(data, "size", int) or 0,
        )
    except ValueError as err:
        raise _BadRequestError(str(err)) from err


def _move(data: JsonObject, tracker_id: int) -> Move:
    """Read a move of a tracker: `lat`, `lng`, and `precision` or `method` if set."""
    options = {
        key: value
        for key in ("precision", "method")
        if (value := _value(data, key, int)) is not None
    }
    return Move(
        tracker_id,
        _required(data, "lat", float),
        _required(data, "lng", float),
        **options,
    )


def _shape(data: JsonObject) -> ReplyShape:
    """Read a reply shape from its name."""
    shape = _required(data, "shape", str)
    if shape not in set(ReplyShape):
        message = f"shape must be one of: {', '.join(ReplyShape)}"
        raise _BadRequestError(message)
    return ReplyShape(shape)


def _tracker_json(tracker: Tracker, now_us: int) -> JsonObject:
    """Describe a tracker as the world knows it, whatever its reply shape."""
    fix = tracker.last_fix
    return {
        "id": tracker.id,
        "serial": tracker.serial,
        "name": tracker.name,
        "battery": tracker.battery(now_us),
        "last_event": moment(tracker.last_event_us(now_us)).isoformat(),
        "last_fix": None
        if fix is None
        else {
            "datetime": fix.at.isoformat(),
            # As the API sends them: rounded to six decimals.
            "lat": round(fix.lat, 6),
            "lng": round(fix.lng, 6),
            "precision": fix.precision,
            "method": fix.method,
        },
    }


class ControlRoutes:
    """The routes of the control API."""

    def __init__(self, world: World, faults: Faults, counters: Counters) -> None:
        """Drive `world`, `faults` and `counters`."""
        self._world = world
        self._faults = faults
        self._counters = counters

    def routes(self) -> list[web.RouteDef]:
        """Return the control API's routes."""
        trackers = f"{PREFIX}/trackers"
        tracker = trackers + r"/{id:\d+}"
        return [
            web.get(f"{PREFIX}/state", self._state),
            web.put(f"{PREFIX}/credentials", self._set_credentials),
            web.get(trackers, self._list_trackers),
            web.post(trackers, self._add_tracker),
            web.post(f"{trackers}/move", self._move_trackers),
            web.delete(tracker, self._remove_tracker),
            web.post(f"{tracker}/move", self._move_tracker),
            web.post(f"{tracker}/shape", self._set_shape),
            web.post(f"{PREFIX}/advance", self._advance),
            web.get(f"{PREFIX}/faults", self._list_faults),
            web.post(f"{PREFIX}/faults", self._add_fault),
            web.put(f"{PREFIX}/faults", self._set_faults),
            web.delete(f"{PREFIX}/faults", self._clear_faults),
            web.get(f"{PREFIX}/counters", self._read_counters),
            web.delete(f"{PREFIX}/counters", self._reset_counters),
        ]

    async def _state(self, _: web.Request) -> web.Response:
        """`GET /_simulator/state`: the world at a glance."""
        world = self._world
        return _json(
            {
                "now": world.now.isoformat(),
                "username": world.username,
                "user_id": world.user_id,
                "phone_id": world.phone_id,
                "trackers": list(world.tracker_ids),
                "shapes": {
                    str(tracker_id): world.tracker(tracker_id).shape
                    for tracker_id in world.tracker_ids
                },
                "quirks": {
                    "page_boundary_tracker": world.quirks.page_boundary_tracker,
                    "same_second_tracker": world.quirks.same_second_tracker,
                    "unknown_values_tracker": world.quirks.unknown_values_tracker,
                },
            }
        )

    async def _set_credentials(self, request: web.Request) -> web.Response:
        """`PUT /_simulator/credentials {"username", "password"}`."""
        try:
            data = await _read(request)
            username = _required(data, "username", str)
            password = _required(data, "password", str)
        except _BadRequestError as err:
            return _error(web.HTTPBadRequest.status_code, str(err))
        self._world.set_credentials(username, password)
        return _json({"username": username})

    async def _list_trackers(self, _: web.Request) -> web.Response:
        """`GET /_simulator/trackers`: the trackers, oldest first, with their last fix.

        Each with its id, serial, name, battery, when it last reported (`last_event`:
        a fix or a keep-alive) and its last fix, if any.
        """
        world = self._world
        return _json(
            [
                _tracker_json(world.tracker(tracker_id), world.now_us)
                for tracker_id in world.tracker_ids
            ]
        )

    async def _add_tracker(self, request: web.Request) -> web.Response:
        """`POST /_simulator/trackers {"name"?, "usage"?, "type"?, "lat"?, "lng"?}`.

        The answer is the new tracker, as `GET /_simulator/trackers` lists it.
        """
        world = self._world
        try:
            data = await _read(request)
            position = None
            if "lat" in data or "lng" in data:
                position = (
                    _required(data, "lat", float),
                    _required(data, "lng", float),
                )
            tracker_id = world.add_tracker(
                name=_value(data, "name", str),
                usage=_value(data, "usage", str),
                kind=_value(data, "type", str),
                position=position,
            )
        except (_BadRequestError, ValueError) as err:
            return _error(web.HTTPBadRequest.status_code, str(err))
        return _json(
            _tracker_json(world.tracker(tracker_id), world.now_us),
            web.HTTPCreated.status_code,
        )

    async def _remove_tracker(self, request: web.Request) -> web.Response:
        """`DELETE /_simulator/trackers/{id}`."""
        try:
            self._world.remove_tracker(int(request.match_info["id"]))
        except UnknownTrackerError:
            return _error(web.HTTPNotFound.status_code, "no such tracker")
        return web.Response(status=web.HTTPNoContent.status_code)

    async def _move_tracker(self, request: web.Request) -> web.Response:
        """`POST …/trackers/{id}/move {"lat", "lng", "precision"?, "method"?}`.

        The tracker then stays there: it no longer roams on its own.
        """
        try:
            move = _move(await _read(request), int(request.match_info["id"]))
            [fix] = self._world.move_trackers([move])
        except UnknownTrackerError:
            return _error(web.HTTPNotFound.status_code, "no such tracker")
        except (_BadRequestError, ValueError) as err:
            return _error(web.HTTPBadRequest.status_code, str(err))
        return _json(fix.to_json())

    async def _move_trackers(self, request: web.Request) -> web.Response:
        """`POST /_simulator/trackers/move [{"id", "lat", "lng", ...}, ...]`.

        Each item is the body of `POST …/trackers/{id}/move` with the tracker's id.
        Every tracker moves, or none does; the answer lists their new fixes in order.
        """
        try:
            moves = [
                _move(item, _required(item, "id", int))
                for item in await _read_list(request)
            ]
            fixes = self._world.move_trackers(moves)
        except UnknownTrackerError as err:
            return _error(web.HTTPNotFound.status_code, f"no such tracker: {err}")
        except (_BadRequestError, ValueError) as err:
            return _error(web.HTTPBadRequest.status_code, str(err))
        return _json([fix.to_json() for fix in fixes])

    async def _set_shape(self, request: web.Request) -> web.Response:
        """`POST …/trackers/{id}/shape {"shape"}`: render the tracker so from now on."""
        tracker_id = int(request.match_info["id"])
        try:
            self._world.set_shape(tracker_id, _shape(await _read(request)))
        except UnknownTrackerError:
            return _error(web.HTTPNotFound.status_code, "no such tracker")
        except _BadRequestError as err:
            return _error(web.HTTPBadRequest.status_code, str(err))
        return _json({"id": tracker_id, "shape": self._world.tracker(tracker_id).shape})

    async def _advance(self, request: web.Request) -> web.Response:
        """`POST /_simulator/advance {"seconds"}`: move the world's clock forward.

        The answer gives the new time, and lists (oldest first) the trackers that took
        a fix meanwhile, `fixed`, and those whose `last_event` moved, `reported`: a
        fix, or a keep-alive.
        """
        world = self._world
        try:
            seconds = _required(await _read(request), "seconds", float)
            before = self._reports()
            world.advance(seconds)
        except (_BadRequestError, ValueError) as err:
            return _error(web.HTTPBadRequest.status_code, str(err))
        after = self._reports()
        return _json(
            {
                "now": world.now.isoformat(),
                "fixed": [
                    tracker_id
                    for tracker_id, (fix, _) in before.items()
                    if after[tracker_id][0] != fix
                ],
                "reported": [
                    tracker_id
                    for tracker_id, (_, event) in before.items()
                    if after[tracker_id][1] != event
                ],
            }
        )

    def _reports(self) -> dict[int, tuple[Fix | None, int]]:
        """Each tracker's last fix, and when it last reported."""
        world = self._world
        now_us = world.now_us
        return {
            tracker.id: (tracker.last_fix, tracker.last_event_us(now_us))
            for tracker in map(world.tracker, world.tracker_ids)
        }

    async def _list_faults(self, _: web.Request) -> web.Response:
        """`GET /_simulator/faults`: the faults in force, oldest first."""
        return _json([fault.to_json() for fault in self._faults.active])

    async def _add_fault(self, request: web.Request) -> web.Response:
        """`POST /_simulator/faults {"kind", "path"?, "count"?, ...}`: add a fault."""
        try:
            self._faults.add(_fault(await _read(request)))
        except _BadRequestError as err:
            return _error(web.HTTPBadRequest.status_code, str(err))
        faults: list[JsonValue] = [fault.to_json() for fault in self._faults.active]
        return _json(faults, web.HTTPCreated.status_code)

    async def _set_faults(self, request: web.Request) -> web.Response:
        """`PUT /_simulator/faults [{"kind", ...}, ...]`: these faults, and no others.

        Each item is the body of `POST /_simulator/faults`. As a clear does, it lets
        hung and delayed requests go on.
        """
        try:
            faults = [_fault(item) for item in await _read_list(request)]
        except _BadRequestError as err:
            return _error(web.HTTPBadRequest.status_code, str(err))
        self._faults.clear()
        for fault in faults:
            self._faults.add(fault)
        return _json([fault.to_json() for fault in self._faults.active])

    async def _clear_faults(self, _: web.Request) -> web.Response:
        """`DELETE /_simulator/faults`: no more faults; hung requests are answered."""
        self._faults.clear()
        return web.Response(status=web.HTTPNoContent.status_code)

    async def _read_counters(self, _: web.Request) -> web.Response:
        """`GET /_simulator/counters`."""
        return _json(self._counters.to_json())

    async def _reset_counters(self, _: web.Request) -> web.Response:
        """`DELETE /_simulator/counters`: the counts so far; counting starts anew."""
        counted = self._counters.to_json()
        self._counters.reset()
        return _json(counted)
