"""The Invoxia cloud API as the simulator serves it, faults and counters included."""

from base64 import b64decode
import binascii
from collections.abc import Awaitable, Callable
import json

from aiohttp import hdrs, web

from .counters import Counters
from .faults import Fault, FaultKind, Faults
from .world import TRACKER_TYPES, JsonValue, Tracker, UnknownTrackerError, World

type Endpoint = Callable[[web.Request], Awaitable[web.Response]]

_DEVICE_TYPES = frozenset({"tracker", "android", "iphone", *TRACKER_TYPES})
_MALFORMED_BODY = b'{"detail": "Service temporarily unavailable", }'
_NOT_FOUND = "Not found."
_STATUS_DETAILS = {
    400: "Bad request.",
    401: "Invalid username/password.",
    403: "You do not have permission to perform this action.",
    404: _NOT_FOUND,
}


def _json(payload: JsonValue, status: int = 200) -> web.Response:
    """Answer with compact JSON, as the real API (Django REST framework) does."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return web.Response(body=body, status=status, content_type="application/json")


def _detail(status: int, detail: str) -> web.Response:
    """Answer with an error in the API's `{"detail": ...}` shape."""
    return _json({"detail": detail}, status)


def _forced(status: int, retry_after: int | None) -> web.Response:
    """Answer with a forced status: no body for 204, an HTML page for server errors."""
    if status == web.HTTPNoContent.status_code:
        answer = web.Response(status=status)
    elif status >= web.HTTPInternalServerError.status_code:
        # Server errors come from the web server in front of the API, in HTML.
        page = f"<html><body><h1>Server Error ({status})</h1></body></html>"
        answer = web.Response(text=page, status=status, content_type="text/html")
    elif status == web.HTTPTooManyRequests.status_code:
        wait = (
            ""
            if retry_after is None
            else f" Expected available in {retry_after} seconds."
        )
        answer = _detail(status, f"Request was throttled.{wait}")
    else:
        answer = _detail(status, _STATUS_DETAILS.get(status, "Error."))
    if retry_after is not None:
        answer.headers[hdrs.RETRY_AFTER] = str(retry_after)
    return answer


def _credentials(header: str) -> tuple[str, str] | None:
    """Read Basic credentials, in UTF-8 else Latin-1, as Django REST framework does."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = b64decode(encoded, validate=True)
    except binascii.Error:
        return None
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        text = raw.decode("latin1")
    username, colon, password = text.partition(":")
    return (username, password) if colon else None


def _body(response: web.Response) -> bytes:
    """Return the body of a response the simulator built (none for a 204)."""
    return response.body if isinstance(response.body, bytes) else b""


def _disordered(body: bytes) -> bytes:
    """Reverse a JSON list and repeat each item; leave any other body alone."""
    items = json.loads(body) if body else None
    if not isinstance(items, list):
        return body
    return _body(_json([item for item in reversed(items) for _ in range(2)]))


def _hang_up(request: web.Request) -> web.Response:
    """Drop the connection without answering; the response returned is never sent."""
    # aiohttp copes with a client already gone, and with the write that then fails.
    request.protocol.force_close()
    return web.Response()


class ApiRoutes:
    """The routes of the Invoxia API, backed by a world."""

    def __init__(self, world: World, faults: Faults, counters: Counters) -> None:
        """Serve `world`, spoiled by `faults`, counted in `counters`."""
        self._world = world
        self._faults = faults
        self._counters = counters
        self._answered: dict[str, web.Response] = {}
        """The first real answer of each URL, for a replay."""

    def routes(self) -> list[web.RouteDef]:
        """Return the API's routes, each counted under its path template."""
        endpoints: dict[str, Endpoint] = {
            "/users/": self._users,
            "/users/{id}/": self._user,
            "/devices/": self._devices,
            "/devices/{id}/": self._device,
            "/devices/{id}/tracker_status/": self._tracker_status,
            "/devices/{id}/tracker_config/": self._tracker_config,
            "/devices/{id}/tracker_data/": self._tracker_data,
        }
        return [
            web.get(
                template.replace("{id}", r"{id:\d+}"), self._handler(template, endpoint)
            )
            for template, endpoint in endpoints.items()
        ]

    def _handler(self, template: str, endpoint: Endpoint) -> Endpoint:
        """Wrap an endpoint: count the request, then answer it through the faults."""

        async def handle(request: web.Request) -> web.Response:
            """Answer one API request."""
            self._counters.requests[template] += 1
            latency, fault = self._faults.take(request.path)
            if latency:
                await self._faults.pause(latency)
            response = await self._answer(request, endpoint, fault)
            self._counters.bytes_sent += len(_body(response))
            return response

        return handle

    async def _answer(
        self, request: web.Request, endpoint: Endpoint, fault: Fault | None
    ) -> web.Response:
        """Answer a request as the fault in force, if any, dictates."""
        if fault is None or fault.kind is FaultKind.REPLAYED:
            replay = None if fault is None else self._answered.get(str(request.rel_url))
            response = replay or await self._respond(request, endpoint)
            self._answered.setdefault(str(request.rel_url), response)
            return web.Response(
                body=_body(response), status=response.status, headers=response.headers
            )
        if fault.kind is FaultKind.STATUS and fault.status is not None:
            return _forced(fault.status, fault.retry_after)
        if fault.kind is FaultKind.MALFORMED:
            return web.Response(body=_MALFORMED_BODY, content_type="application/json")
        if fault.kind is FaultKind.RESET or (
            fault.kind is FaultKind.HANG and await self._faults.hang()
        ):
            return _hang_up(request)
        response = await self._respond(request, endpoint)
        body = _body(response)
        if fault.kind is FaultKind.TRUNCATED:
            body = body[: len(body) // 2]
        elif fault.kind is FaultKind.HUGE:
            # Trailing whitespace keeps the JSON valid: only a size limit can object.
            body += b" " * max(0, fault.size + 1 - len(body))
        elif fault.kind is FaultKind.DISORDERED:
            body = _disordered(body)
        return web.Response(body=body, status=response.status, headers=response.headers)

    async def _respond(self, request: web.Request, endpoint: Endpoint) -> web.Response:
        """Answer a request truthfully: authenticate, then ask the endpoint."""
        header = request.headers.get(hdrs.AUTHORIZATION)
        credentials = None if header is None else _credentials(header)
        if credentials is None or not self._world.check_credentials(*credentials):
            detail = "Invalid username/password."
            if header is None:
                detail = "Authentication credentials were not provided."
            answer = _detail(web.HTTPUnauthorized.status_code, detail)
            answer.headers[hdrs.WWW_AUTHENTICATE] = 'Basic realm="api"'
            return answer
        return await endpoint(request)

    async def _users(self, _: web.Request) -> web.Response:
        """`GET /users/`: the account's only user."""
        return _json([self._world.user_json()])

    async def _user(self, request: web.Request) -> web.Response:
        """`GET /users/{id}/`: the account's user, and nobody else."""
        if int(request.match_info["id"]) != self._world.user_id:
            return _detail(web.HTTPNotFound.status_code, _NOT_FOUND)
        return _json(self._world.user_json())

    async def _devices(self, request: web.Request) -> web.Response:
        """`GET /devices/?type=…`: the phone and the trackers, filtered by type."""
        kind = request.query.get("type")
        if kind is not None and kind not in _DEVICE_TYPES:
            message = (
                f"Select a valid choice. {kind} is not one of the available choices."
            )
            return _json({"type": [message]}, web.HTTPBadRequest.status_code)
        return _json(self._world.devices_json(kind))

    async def _device(self, request: web.Request) -> web.Response:
        """`GET /devices/{id}/`: one device."""
        try:
            return _json(self._world.device_json(int(request.match_info["id"])))
        except UnknownTrackerError:
            return _detail(web.HTTPNotFound.status_code, _NOT_FOUND)

    async def _tracker_status(self, request: web.Request) -> web.Response:
        """`GET /devices/{id}/tracker_status/`."""
        now_us = self._world.now_us
        return self._tracker_part(request, lambda tracker: tracker.status_json(now_us))

    async def _tracker_config(self, request: web.Request) -> web.Response:
        """`GET /devices/{id}/tracker_config/`."""
        return self._tracker_part(request, Tracker.config_json)

    async def _tracker_data(self, request: web.Request) -> web.Response:
        """`GET /devices/{id}/tracker_data/?timestamp=…&timestamp_max=…`: a page."""
        bounds: list[int | None] = []
        for name in ("timestamp", "timestamp_max"):
            value = request.query.get(name)
            try:
                bounds.append(None if value is None else int(value) * 1_000_000)
            except ValueError:
                message: list[JsonValue] = ["A valid integer is required."]
                return _json({name: message}, web.HTTPBadRequest.status_code)
        return self._tracker_part(
            request,
            lambda tracker: tracker.render_locations(*bounds),
        )

    def _tracker_part(
        self, request: web.Request, render: Callable[[Tracker], JsonValue]
    ) -> web.Response:
        """Answer with part of a tracker: none (204) for the phone, 404 for others."""
        device_id = int(request.match_info["id"])
        if device_id == self._world.phone_id:
            return web.Response(status=web.HTTPNoContent.status_code)
        try:
            tracker = self._world.tracker(device_id)
        except UnknownTrackerError:
            return _detail(web.HTTPNotFound.status_code, _NOT_FOUND)
        return _json(render(tracker))
