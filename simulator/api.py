"""The Invoxia cloud API as the simulator serves it, faults and counters included."""

from collections.abc import Awaitable, Callable
import json

from aiohttp import BasicAuth, hdrs, web

from .counters import Counters
from .faults import Fault, FaultKind, Faults
from .world import TRACKER_TYPES, JsonValue, UnknownTrackerError, World

CONTROL_PREFIX = "/_simulator/"
"""Paths of the control API, which has no faults, no counters and no authentication."""

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_DEVICE_TYPES = frozenset({"tracker", "android", "iphone", *TRACKER_TYPES})
_MALFORMED_BODY = b'{"detail": "Service temporarily unavailable", }'
_STATUS_DETAILS = {
    400: "Bad request.",
    401: "Invalid username/password.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
}


def _json(payload: JsonValue, status: int = 200) -> web.Response:
    """Answer with compact JSON, as the real API (Django REST framework) does."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return web.Response(body=body, status=status, content_type="application/json")


def _detail(status: int, detail: str) -> web.Response:
    """Answer with an error in the API's `{"detail": ...}` shape."""
    return _json({"detail": detail}, status)


def _status_answer(status: int, retry_after: int | None) -> web.Response:
    """Answer with a forced status: no body for 204, an HTML page for server errors."""
    if status == web.HTTPNoContent.status_code:
        return web.Response(status=status)
    if status >= web.HTTPInternalServerError.status_code:
        # Server errors come from the web server in front, as HTML, not from the API.
        page = f"<html><body><h1>Server Error ({status})</h1></body></html>"
        return web.Response(text=page, status=status, content_type="text/html")
    if status == web.HTTPTooManyRequests.status_code:
        wait = "" if retry_after is None else f" Expected available in {retry_after} seconds."
        answer = _detail(status, f"Request was throttled.{wait}")
    else:
        answer = _detail(status, _STATUS_DETAILS.get(status, "Error."))
    if retry_after is not None:
        answer.headers[hdrs.RETRY_AFTER] = str(retry_after)
    return answer


def _credentials(header: str) -> tuple[str, str] | None:
    """Read HTTP Basic credentials, UTF-8 first then Latin-1, as Django REST framework."""
    for encoding in ("utf-8", "latin1"):
        try:
            auth = BasicAuth.decode(header, encoding=encoding)
        except (ValueError, UnicodeDecodeError):
            continue
        return auth.login, auth.password
    return None


def _bound(request: web.Request, name: str) -> int | None:
    """Read an optional epoch-seconds query parameter."""
    value = request.query.get(name)
    return None if value is None else int(value)


class ApiRoutes:
    """Routes and middleware of the Invoxia API, backed by a world."""

    def __init__(self, world: World, faults: Faults, counters: Counters) -> None:
        """Serve `world`, spoiled by `faults`, counted in `counters`."""
        self._world = world
        self._faults = faults
        self._counters = counters

    def routes(self) -> list[web.RouteDef]:
        """The API's routes."""
        return [
            web.get("/users/", self._users),
            web.get(r"/users/{id:\d+}/", self._user),
            web.get("/devices/", self._devices),
            web.get(r"/devices/{id:\d+}/", self._device),
            web.get(r"/devices/{id:\d+}/tracker_status/", self._tracker_status),
            web.get(r"/devices/{id:\d+}/tracker_config/", self._tracker_config),
            web.get(r"/devices/{id:\d+}/tracker_data/", self._tracker_data),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Count an API request, then answer it through the faults in force."""
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        resource = request.match_info.route.resource
        self._counters.requests[request.path if resource is None else resource.canonical] += 1
        latency, fault = self._faults.take(request.path)
        if latency:
            await self._faults.pause(latency)
        response = await self._answer(request, handler, fault)
        self._counters.bytes_sent += len(response.body) if isinstance(response.body, bytes) else 0
        return response

    async def _answer(
        self, request: web.Request, handler: Handler, fault: Fault | None
    ) -> web.Response:
        """Answer a request as the fault in force dictates."""
        if fault is None:
            return await self._respond(request, handler)
        if fault.kind is FaultKind.STATUS and fault.status is not None:
            return _status_answer(fault.status, fault.retry_after)
        if fault.kind is FaultKind.MALFORMED:
            return web.Response(body=_MALFORMED_BODY, content_type="application/json")
        if fault.kind is FaultKind.RESET or (
            fault.kind is FaultKind.HANG and await self._faults.hang()
        ):
            return _hang_up(request)
        response = await self._respond(request, handler)
        body = response.body if isinstance(response.body, bytes) else b""
        if fault.kind is FaultKind.TRUNCATED:
            body = body[: len(body) // 2]
        elif fault.kind is FaultKind.HUGE:
            # Trailing whitespace keeps the JSON valid: only a size limit can object.
            body += b" " * max(0, fault.size + 1 - len(body))
        return web.Response(body=body, status=response.status, headers=response.headers)

    async def _respond(self, request: web.Request, handler: Handler) -> web.Response:
        """Answer a request truthfully: authenticate, then route it."""
        header = request.headers.get(hdrs.AUTHORIZATION)
        credentials = None if header is None else _credentials(header)
        if credentials is None or not self._world.check_credentials(*credentials):
            detail = (
                "Authentication credentials were not provided."
                if header is None
                else "Invalid username/password."
            )
            answer = _detail(web.HTTPUnauthorized.status_code, detail)
            answer.headers[hdrs.WWW_AUTHENTICATE] = 'Basic realm="api"'
            return answer
        try:
            response = await handler(request)
        except web.HTTPException as err:
            return _detail(err.status, _STATUS_DETAILS.get(err.status, err.reason))
        # Every API handler answers with a plain response; the router raises instead.
        assert isinstance(response, web.Response)  # noqa: S101
        return response

    async def _users(self, _: web.Request) -> web.Response:
        """`GET /users/`: the account's only user."""
        return _json([self._world.user_json()])

    async def _user(self, request: web.Request) -> web.Response:
        """`GET /users/{id}/`: the account's user, and nobody else."""
        if int(request.match_info["id"]) != self._world.user_id:
            return _detail(web.HTTPNotFound.status_code, "Not found.")
        return _json(self._world.user_json())

    async def _devices(self, request: web.Request) -> web.Response:
        """`GET /devices/?type=…`: phone and trackers, filtered by type."""
        kind = request.query.get("type")
        if kind is not None and kind not in _DEVICE_TYPES:
            message = f"Select a valid choice. {kind} is not one of the available choices."
            return _json({"type": [message]}, web.HTTPBadRequest.status_code)
        return _json(self._world.devices_json(kind))

    async def _device(self, request: web.Request) -> web.Response:
        """`GET /devices/{id}/`: one device."""
        try:
            return _json(self._world.device_json(int(request.match_info["id"])))
        except UnknownTrackerError:
            return _detail(web.HTTPNotFound.status_code, "Not found.")

    async def _tracker_status(self, request: web.Request) -> web.Response:
        """`GET /devices/{id}/tracker_status/`: none for a phone."""
        return self._tracker_part(request, lambda tracker_id: self._world.tracker(
            tracker_id).status_json(self._world.now_us))

    async def _tracker_config(self, request: web.Request) -> web.Response:
        """`GET /devices/{id}/tracker_config/`: none for a phone."""
        return self._tracker_part(request, lambda tracker_id: self._world.tracker(
            tracker_id).config_json())

    async def _tracker_data(self, request: web.Request) -> web.Response:
        """`GET /devices/{id}/tracker_data/?timestamp=…&timestamp_max=…`: a page of fixes."""
        bounds = {}
        for name in ("timestamp", "timestamp_max"):
            try:
                bounds[name] = _bound(request, name)
            except ValueError:
                return _json({name: ["A valid integer is required."]}, 400)
        not_before, not_after = bounds["timestamp"], bounds["timestamp_max"]
        return self._tracker_part(
            request,
            lambda tracker_id: [
                fix.to_json()
                for fix in self._world.tracker(tracker_id).locations(
                    None if not_before is None else not_before * 1_000_000,
                    None if not_after is None else not_after * 1_000_000,
                )
            ],
        )

    def _tracker_part(
        self, request: web.Request, render: Callable[[int], JsonValue]
    ) -> web.Response:
        """Answer with part of a tracker: nothing (204) for the phone, 404 for no device."""
        device_id = int(request.match_info["id"])
        if device_id == self._world.phone_id:
            return web.Response(status=web.HTTPNoContent.status_code)
        try:
            return _json(render(device_id))
        except UnknownTrackerError:
            return _detail(web.HTTPNotFound.status_code, "Not found.")


def _hang_up(request: web.Request) -> web.Response:
    """Drop the connection without answering; the response returned is never sent."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response()
