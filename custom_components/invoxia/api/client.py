"""Async and sync clients of the Invoxia cloud API."""

import asyncio
from base64 import b64encode
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
import ipaddress
import json
import logging
import math
from types import TracebackType
from typing import Final, Self, override
from urllib.parse import SplitResult, urlsplit

import aiohttp

from .exceptions import (
    ApiConnectionError,
    ApiTimeoutError,
    ClientClosedError,
    FailedQuery,
    ForbiddenQuery,
    NoContentQuery,
    RateLimitedQuery,
    UnauthorizedQuery,
    UnknownAnswerScheme,
    UnknownDeviceType,
)
from .models import (
    Device,
    PartialListing,
    Tracker,
    TrackerConfig,
    TrackerData,
    TrackerListing,
    TrackerStatus,
    UnreadableDevice,
    User,
)

_LOGGER = logging.getLogger(__package__)

DEFAULT_API_URL: Final = "https://labs.invoxia.io"
DEVICE_KINDS: Final = ("android", "iphone", "tracker")
LOCATIONS_PER_PAGE: Final = 20
CLOSED_MESSAGE: Final = "The client is closed: create a new one to query the API"
IN_EVENT_LOOP_MESSAGE: Final = (
    "Client cannot run inside a running event loop: use AsyncClient there"
)
# Far above the largest real answer (thousands of trackers), far below harm.
MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Config:
    """Credentials and endpoint of an Invoxia account."""

    username: str
    password: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    request_timeout: float = 20.0

    def __post_init__(self) -> None:
        """Check every setting, and normalise api_url to scheme://host[:port].

        No message quotes a setting: the username is an email, and an api_url
        given with credentials would show them.

        Raises:
            ValueError: The username holds a colon; api_url is refused by
                api_origin; request_timeout is not a positive, finite number of
                seconds.

        """
        if ":" in self.username:
            # Basic authentication splits "username:password" at its first colon.
            msg = "username cannot contain ':', which HTTP Basic auth cannot carry"
            raise ValueError(msg)
        object.__setattr__(self, "api_url", self.api_origin(self.api_url))
        # A timeout of nan or infinity would never expire.
        if not 0 < self.request_timeout < math.inf:
            msg = "request_timeout must be a positive, finite number of seconds"
            raise ValueError(msg)

    @staticmethod
    def api_origin(api_url: str) -> str:
        """Return an API URL as a Config keeps it: scheme://host[:port], host lowercase.

        Credentials cross the network in the clear over http: it is refused but on
        a loopback host, such as a local simulator.

        Raises:
            ValueError: api_url is no https URL with a host, nor http to a loopback
                host, or carries credentials.

        """
        parts = _split(api_url.strip())
        host = parts.hostname if parts is not None else None
        if parts is None or not host or parts.scheme not in ("http", "https"):
            msg = "api_url must be an http(s) URL with a host"
            raise ValueError(msg)
        if parts.username is not None or parts.password is not None:
            msg = "api_url cannot carry credentials: give them as username and password"
            raise ValueError(msg)
        if parts.scheme == "http" and not _is_loopback(host):
            msg = "api_url must be https, or http on this machine"
            raise ValueError(msg)
        netloc = f"[{host}]" if ":" in host else host
        return f"{parts.scheme}://{netloc}{f':{parts.port}' if parts.port else ''}"

    @override
    def __repr__(self) -> str:
        """Show everything but the password."""
        return (
            f"Config(username={self.username!r}, password='********', "
            f"api_url={self.api_url!r}, request_timeout={self.request_timeout!r})"
        )


def _split(url: str) -> SplitResult | None:
    """Split a URL and check its port; None when either cannot be read.

    The parser's errors quote the port, which a mistyped "user:password" would be:
    the caller raises its own, with none of them as context.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading the port is what checks it
    except ValueError:
        return None
    return parts


def _is_loopback(host: str) -> bool:
    """Tell whether a host name or address is this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _retry_after(header: str | None) -> float | None:
    """Read a Retry-After header, seconds or an HTTP date, as seconds still to wait.

    Only a wait still to come counts: zero, a negative delay, a date gone by and
    anything unreadable (nan and infinity included) are None.
    """
    if header is None:
        return None
    try:
        seconds = float(header)
    except ValueError:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError, OverflowError):
            return None
        if when.tzinfo is None:
            # HTTP dates are always GMT; "-0000" or no zone at all parse as naive.
            when = when.replace(tzinfo=UTC)
        # Subtracting, unlike converting to UTC, cannot overflow near year 9999.
        seconds = (when - datetime.now(UTC)).total_seconds()
    # Comparisons with nan are false: it goes the way of zero and infinity.
    return seconds if 0 < seconds < math.inf else None


def _epoch(moment: datetime) -> float:
    """Seconds since the epoch; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class AsyncClient:
    """Asynchronous client of the Invoxia API.

    Uses the given aiohttp session (never closing it) or creates and owns one.
    """

    def __init__(
        self, config: Config, session: aiohttp.ClientSession | None = None
    ) -> None:
        """Prepare the client; no request is made."""
        self._config = config
        self._session = session
        self._owns_session = session is None
        self._closed = False
        credentials = f"{config.username}:{config.password}".encode()
        self._headers = {
            aiohttp.hdrs.AUTHORIZATION: f"Basic {b64encode(credentials).decode()}"
        }
        self._unknown_types_logged: set[str] = set()
        # The last listing's devices by id, with the JSON each was parsed from.
        self._listed: dict[int, tuple[object, Device]] = {}

    async def __aenter__(self) -> Self:
        """Enter the context: the client closes its own session on exit."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the client."""
        await self.close()

    async def close(self) -> None:
        """Close the session if the client created it; the client can no longer query.

        Closing again does nothing. A session given to the client stays open.
        """
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _open_session(self) -> aiohttp.ClientSession:
        """Return the session to query with, creating the client's own if needed."""
        if self._closed:
            # Opening a new session here would leak it: nothing would close it.
            raise ClientClosedError(CLOSED_MESSAGE)
        if self._session is None:
            self._session = aiohttp.ClientSession()
        elif self._session.closed:
            # Only a given session can be closed under the client: by its owner.
            msg = "The aiohttp session given to the client is closed"
            raise ApiConnectionError(msg)
        return self._session

    async def _request(self, path: str, params: dict[str, str] | None = None) -> object:
        """GET an API path and return its decoded JSON body."""
        answer = await self._get(self._open_session(), path, params)
        if isinstance(answer, ApiConnectionError):
            # Raised here, outside any except block, it has no context to leak.
            raise answer
        status, body, retry_after = answer
        _LOGGER.debug("GET /%s %s: %d, %d bytes", path, params or "", status, len(body))
        self._raise_for_status(status, body, retry_after)
        # Deeply nested JSON exhausts the decoder's recursion: not a ValueError.
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as err:
            msg = "The API answered with a body that is not JSON"
            raise UnknownAnswerScheme(msg) from err

    async def _get(
        self,
        session: aiohttp.ClientSession,
        path: str,
        params: dict[str, str] | None,
    ) -> tuple[int, bytes, str | None] | ApiConnectionError:
        """GET an API path: its status, body and Retry-After, or the error to raise.

        aiohttp's errors hold the request, its Authorization header included, and
        show it in their repr: the error returned names their type and keeps none
        of them, neither as cause nor as context.
        """
        url = f"{self._config.api_url}/{path}"
        try:
            async with (
                asyncio.timeout(self._config.request_timeout),
                # Credentials go on each request, never on a session that may be shared,
                # and redirects are refused so they never reach another host.
                session.get(
                    url, params=params, headers=self._headers, allow_redirects=False
                ) as response,
            ):
                body = await self._read_body(response)
                return (
                    response.status,
                    body,
                    response.headers.get(aiohttp.hdrs.RETRY_AFTER),
                )
        except TimeoutError:
            msg = f"No answer from the API within {self._config.request_timeout} s"
            return ApiTimeoutError(msg)
        except (aiohttp.ClientError, OSError) as err:
            msg = f"Cannot reach the API: {type(err).__name__}"
            return ApiConnectionError(msg)

    @staticmethod
    async def _read_body(response: aiohttp.ClientResponse) -> bytes:
        """Read a body, refusing one larger than MAX_RESPONSE_BYTES."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                msg = f"The API answer exceeds {MAX_RESPONSE_BYTES} bytes"
                raise UnknownAnswerScheme(msg)
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _raise_for_status(status: int, body: bytes, retry_after: str | None) -> None:
        """Raise the exception that matches an HTTP status that is not a success."""
        if status == HTTPStatus.NO_CONTENT:
            msg = "The API has no content for this request"
            raise NoContentQuery(status, msg)
        # Redirects are not followed, and informational answers are no answer.
        if HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
            return
        if status == HTTPStatus.UNAUTHORIZED:
            raise UnauthorizedQuery(status, _detail(body) or "Invalid credentials")
        if status == HTTPStatus.FORBIDDEN:
            msg = "These credentials are not allowed to access this data"
            raise ForbiddenQuery(status, msg)
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            msg = "The API limits the request rate"
            raise RateLimitedQuery(status, msg, _retry_after(retry_after))
        msg = f"The API answered with HTTP status {status}"
        raise FailedQuery(status, msg)

    async def get_users(self) -> list[User]:
        """Return the users of the account.

        Raises:
            ClientClosedError: The client is closed.
            ApiConnectionError: The API cannot be reached, or the session given to
                the client is closed; ApiTimeoutError, a subclass, when it gives no
                answer within request_timeout.
            HttpException: The API answers with an error status: UnauthorizedQuery
                (401), ForbiddenQuery (403), NoContentQuery (204), RateLimitedQuery
                (429) with retry_after, or FailedQuery for any other.
            UnknownAnswerScheme: The answer cannot be read.

        """
        data = await self._request("users/")
        return [User.from_json(item) for item in _as_list(data)]

    async def get_user(self, user_id: int) -> User:
        """Return one user by id.

        Raises:
            ClientClosedError: The client is closed.
            ApiConnectionError: The API cannot be reached, or the session given to
                the client is closed; ApiTimeoutError, a subclass, when it gives no
                answer within request_timeout.
            HttpException: The API answers with an error status: UnauthorizedQuery
                (401), ForbiddenQuery (403), NoContentQuery (204), RateLimitedQuery
                (429) with retry_after, or FailedQuery for any other.
            UnknownAnswerScheme: The answer cannot be read.
            FailedQuery: The user is not one of the account's (HTTP 404).

        """
        return User.from_json(await self._request(f"users/{user_id}/"))

    async def get_devices(self, kind: str | None = None) -> list[Device]:
        """Return the account's devices, optionally of one kind only.

        Devices of a type unknown to the client are skipped, so that a new product
        never breaks a whole listing. Devices that cannot be read do not break it
        either: PartialListing then carries the others.

        Raises:
            ValueError: kind is none of android, iphone and tracker; nothing is
                asked.
            ClientClosedError: The client is closed.
            ApiConnectionError: The API cannot be reached, or the session given to
                the client is closed; ApiTimeoutError, a subclass, when it gives no
                answer within request_timeout.
            HttpException: The API answers with an error status: UnauthorizedQuery
                (401), ForbiddenQuery (403), NoContentQuery (204), RateLimitedQuery
                (429) with retry_after, or FailedQuery for any other.
            UnknownAnswerScheme: The answer cannot be read.
            PartialListing: Some devices cannot be read; it carries the others.

        """
        if kind is not None and kind not in DEVICE_KINDS:
            msg = f"kind must be one of {', '.join(DEVICE_KINDS)}"
            raise ValueError(msg)
        devices, unreadable = await self._list_devices(kind)
        return _whole(devices, unreadable)

    async def get_device(self, device_id: int) -> Device:
        """Return one device by id.

        Raises:
            ClientClosedError: The client is closed.
            ApiConnectionError: The API cannot be reached, or the session given to
                the client is closed; ApiTimeoutError, a subclass, when it gives no
                answer within request_timeout.
            HttpException: The API answers with an error status: UnauthorizedQuery
                (401), ForbiddenQuery (403), NoContentQuery (204), RateLimitedQuery
                (429) with retry_after, or FailedQuery for any other.
            UnknownAnswerScheme: The answer cannot be read.
            UnknownDeviceType: The device is of a type the client does not know.

        """
        return Device.from_json(await self._request(f"devices/{device_id}/"))

    async def get_tracker_listing(self) -> TrackerListing:
        """Return the account's trackers, and the listed devices that cannot be read.

        Each tracker comes with its config and status. Unlike get_trackers, a
        listing that is partly unreadable is an answer, not an error.

        Raises:
            ClientClosedError: The client is closed.
            ApiConnectionError: The API cannot be reached, or the session given to
                the client is closed; ApiTimeoutError, a subclass, when it gives no
                answer within request_timeout.
            HttpException: The API answers with an error status: UnauthorizedQuery
                (401), ForbiddenQuery (403), NoContentQuery (204), RateLimitedQuery
                (429) with retry_after, or FailedQuery for any other.
            UnknownAnswerScheme: The answer as a whole cannot be read.

        """
        devices, unreadable = await self._list_devices("tracker")
        return TrackerListing(
            trackers=tuple(device for device in devices if isinstance(device, Tracker)),
            unreadable=tuple(unreadable),
        )

    async def get_trackers(self) -> list[Tracker]:
        """Return the account's trackers, each with its config and status.

        When some cannot be read, PartialListing carries the trackers that can.

        Raises:
            ClientClosedError: The client is closed.
            ApiConnectionError: The API cannot be reached, or the session given to
                the client is closed; ApiTimeoutError, a subclass, when it gives no
                answer within request_timeout.
            HttpException: The API answers with an error status: UnauthorizedQuery
                (401), ForbiddenQuery (403), NoContentQuery (204), RateLimitedQuery
                (429) with retry_after, or FailedQuery for any other.
            UnknownAnswerScheme: The answer cannot be read.
            PartialListing: Some trackers cannot be read; it carries the others.

        """
        listing = await self.get_tracker_listing()
        return _whole(list(listing.trackers), listing.unreadable)

    async def _list_devices(
        self, kind: str | None
    ) -> tuple[list[Device], list[UnreadableDevice]]:
        """List the devices of a kind: those read, and those that cannot be."""
        data = await self._request("devices/", {"type": kind} if kind else None)
        devices: list[Device] = []
        unreadable: list[UnreadableDevice] = []
        listed: dict[int, tuple[object, Device]] = {}
        for item in _as_list(data):
            try:
                device = self._parse_listed(item)
            except UnknownDeviceType as err:
                if err.device_type not in self._unknown_types_logged:
                    self._unknown_types_logged.add(err.device_type)
                    _LOGGER.debug(
                        "Skipping devices of unknown type %s", err.device_type
                    )
                continue
            except UnknownAnswerScheme as err:
                name = item.get("name") if isinstance(item, dict) else None
                unreadable.append(
                    UnreadableDevice(
                        name=name if isinstance(name, str) else None, error=err
                    )
                )
                continue
            devices.append(device)
            listed[device.id] = (item, device)
        self._listed = listed
        return devices, unreadable

    def _parse_listed(self, item: object) -> Device:
        """Parse a listed device, reusing the model of the last listing if unchanged.

        Polls list mostly unchanged devices, and comparing an item's JSON with the
        last one costs a fraction of parsing it. The benchmark's poll where nothing
        moved, at 1,000 trackers, costs 16 ms of CPU with this cache, 60 ms without
        it: over the 30 ms its target allows.
        """
        device_id = item.get("id") if isinstance(item, dict) else None
        known = self._listed.get(device_id) if isinstance(device_id, int) else None
        if known is not None and known[0] == item:
            return known[1]
        return Device.from_json(item)

    async def get_locations(
        self,
        tracker: Tracker,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        max_count: int = LOCATIONS_PER_PAGE,
    ) -> list[TrackerData]:
        """Return up to max_count locations of a tracker, newest first.

        The API answers at most a page of locations per query, filtered on whole
        seconds (both bounds included). The next page is asked below the oldest
        second seen: locations of that second come again and are dropped by uuid.
        A page within one second, or bringing nothing new, means that second holds
        more than a page, which the API cannot page through: the query moves below
        it. At most one page more than max_count needs is asked, so that an API
        answering outside the bounds asked, or one location per page, cannot make
        the client ask forever.

        Raises:
            ClientClosedError: The client is closed.
            ApiConnectionError: The API cannot be reached, or the session given to
                the client is closed; ApiTimeoutError, a subclass, when it gives no
                answer within request_timeout.
            HttpException: The API answers with an error status: UnauthorizedQuery
                (401), ForbiddenQuery (403), NoContentQuery (204), RateLimitedQuery
                (429) with retry_after, or FailedQuery for any other.
            UnknownAnswerScheme: The answer cannot be read.

        """
        path = f"devices/{tracker.id}/tracker_data/"
        params: dict[str, str] = {}
        if not_before is not None:
            params["timestamp"] = str(math.ceil(_epoch(not_before)))
        upper = None if not_after is None else math.floor(_epoch(not_after))
        locations: dict[object, TrackerData] = {}
        for _ in range(math.ceil(max_count / LOCATIONS_PER_PAGE) + 1):
            if len(locations) >= max_count:
                break
            if upper is not None:
                params["timestamp_max"] = str(upper)
            page = [
                TrackerData.from_json(item)
                for item in _as_list(await self._request(path, params))
            ]
            new = [item for item in page if item.uuid not in locations]
            locations.update((item.uuid, item) for item in new)
            if len(page) < LOCATIONS_PER_PAGE:
                break
            seconds = [math.floor(item.datetime.timestamp()) for item in page]
            oldest = min(seconds)
            if upper is not None and oldest > upper:
                # Only an API ignoring timestamp_max gets here: going on would
                # page through answers it does not bound.
                break
            upper = oldest - 1 if not new or oldest == max(seconds) else oldest
        ordered = sorted(
            locations.values(), key=lambda item: item.datetime, reverse=True
        )
        return ordered[: max(max_count, 0)]

    async def get_tracker_status(self, tracker: Tracker) -> TrackerStatus:
        """Return the current status of a tracker.

        Raises:
            ClientClosedError: The client is closed.
            ApiConnectionError: The API cannot be reached, or the session given to
                the client is closed; ApiTimeoutError, a subclass, when it gives no
                answer within request_timeout.
            HttpException: The API answers with an error status: UnauthorizedQuery
                (401), ForbiddenQuery (403), NoContentQuery (204), RateLimitedQuery
                (429) with retry_after, or FailedQuery for any other.
            UnknownAnswerScheme: The answer cannot be read.
            NoContentQuery: The device is no tracker (HTTP 204).

        """
        return TrackerStatus.from_json(
            await self._request(f"devices/{tracker.id}/tracker_status/")
        )

    async def get_tracker_config(self, tracker: Tracker) -> TrackerConfig:
        """Return the current settings of a tracker.

        Raises:
            ClientClosedError: The client is closed.
            ApiConnectionError: The API cannot be reached, or the session given to
                the client is closed; ApiTimeoutError, a subclass, when it gives no
                answer within request_timeout.
            HttpException: The API answers with an error status: UnauthorizedQuery
                (401), ForbiddenQuery (403), NoContentQuery (204), RateLimitedQuery
                (429) with retry_after, or FailedQuery for any other.
            UnknownAnswerScheme: The answer cannot be read.

        """
        return TrackerConfig.from_json(
            await self._request(f"devices/{tracker.id}/tracker_config/")
        )


def _as_list(data: object) -> list[object]:
    """Check that an answer is a JSON list."""
    if not isinstance(data, list):
        msg = "Expected a JSON list from the API"
        raise UnknownAnswerScheme(msg)
    return data


def _whole[DeviceT: Device](
    devices: list[DeviceT], unreadable: Sequence[UnreadableDevice]
) -> list[DeviceT]:
    """Return the devices of a listing; PartialListing when some cannot be read."""
    if unreadable:
        raise PartialListing(
            list[Device](devices),
            [device.error for device in unreadable],
            [device.name for device in unreadable],
        )
    return devices


def _detail(body: bytes) -> str | None:
    """Return the API's explanation of an error, when it gives one."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    detail = data.get("detail") if isinstance(data, dict) else None
    return detail if isinstance(detail, str) else None


def _refuse_running_loop() -> None:
    """Raise RuntimeError in a thread running an event loop, which Client cannot use."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    # Raised outside the except block: "no running event loop" is no context of it.
    raise RuntimeError(IN_EVENT_LOOP_MESSAGE)


class Client:
    """Synchronous client for plain scripts, running an AsyncClient on its own loop."""

    def __init__(self, config: Config) -> None:
        """Prepare the client and its private event loop."""
        # Given a loop factory, the runner neither sets nor, on closing, unsets the
        # thread's current event loop, which the caller may rely on.
        self._runner = asyncio.Runner(loop_factory=asyncio.new_event_loop)
        self._client = AsyncClient(config)
        # Until a call runs, neither the loop nor a session exists to close.
        self._started = False
        self._closed = False

    def __enter__(self) -> Self:
        """Enter the context: the client closes on exit."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the client."""
        self.close()

    def _run[T](self, call: Callable[[], Coroutine[object, object, T]]) -> T:
        """Run a call of the async client on the private event loop.

        The checks come before the call: a coroutine made and then refused by the
        loop would never be awaited.
        """
        if self._closed:
            raise ClientClosedError(CLOSED_MESSAGE)
        _refuse_running_loop()
        self._started = True
        return self._runner.run(call())

    def close(self) -> None:
        """Close the session and the event loop; closing again does nothing.

        Raises:
            RuntimeError: A client that ran is closed inside a running event loop,
                which cannot run the closing: close it outside.

        """
        if self._closed:
            return
        if self._started:
            # The session lives on the private loop: only that loop can close it.
            _refuse_running_loop()
        self._closed = True
        if self._started:
            try:
                self._runner.run(self._client.close())
            finally:
                self._runner.close()

    def get_users(self) -> list[User]:
        """Return the users of the account.

        Raises:
            ClientClosedError: The client is closed.
            RuntimeError: The thread runs an event loop: use AsyncClient there.
            GpsTrackerException: The errors AsyncClient.get_users raises.

        """
        return self._run(self._client.get_users)

    def get_user(self, user_id: int) -> User:
        """Return one user by id.

        Raises:
            ClientClosedError: The client is closed.
            RuntimeError: The thread runs an event loop: use AsyncClient there.
            GpsTrackerException: The errors AsyncClient.get_user raises.

        """
        return self._run(lambda: self._client.get_user(user_id))

    def get_devices(self, kind: str | None = None) -> list[Device]:
        """Return the account's devices, optionally of one kind only.

        Raises:
            ClientClosedError: The client is closed.
            RuntimeError: The thread runs an event loop: use AsyncClient there.
            ValueError: kind is none of android, iphone and tracker.
            GpsTrackerException: The errors AsyncClient.get_devices raises.

        """
        return self._run(lambda: self._client.get_devices(kind))

    def get_device(self, device_id: int) -> Device:
        """Return one device by id.

        Raises:
            ClientClosedError: The client is closed.
            RuntimeError: The thread runs an event loop: use AsyncClient there.
            GpsTrackerException: The errors AsyncClient.get_device raises.

        """
        return self._run(lambda: self._client.get_device(device_id))

    def get_tracker_listing(self) -> TrackerListing:
        """Return the account's trackers, and the listed devices that cannot be read.

        Raises:
            ClientClosedError: The client is closed.
            RuntimeError: The thread runs an event loop: use AsyncClient there.
            GpsTrackerException: The errors AsyncClient.get_tracker_listing raises.

        """
        return self._run(self._client.get_tracker_listing)

    def get_trackers(self) -> list[Tracker]:
        """Return the account's trackers.

        Raises:
            ClientClosedError: The client is closed.
            RuntimeError: The thread runs an event loop: use AsyncClient there.
            GpsTrackerException: The errors AsyncClient.get_trackers raises.

        """
        return self._run(self._client.get_trackers)

    def get_locations(
        self,
        tracker: Tracker,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        max_count: int = LOCATIONS_PER_PAGE,
    ) -> list[TrackerData]:
        """Return up to max_count locations of a tracker, newest first.

        Raises:
            ClientClosedError: The client is closed.
            RuntimeError: The thread runs an event loop: use AsyncClient there.
            GpsTrackerException: The errors AsyncClient.get_locations raises.

        """
        return self._run(
            lambda: self._client.get_locations(
                tracker, not_before, not_after, max_count
            )
        )

    def get_tracker_status(self, tracker: Tracker) -> TrackerStatus:
        """Return the current status of a tracker.

        Raises:
            ClientClosedError: The client is closed.
            RuntimeError: The thread runs an event loop: use AsyncClient there.
            GpsTrackerException: The errors AsyncClient.get_tracker_status raises.

        """
        return self._run(lambda: self._client.get_tracker_status(tracker))

    def get_tracker_config(self, tracker: Tracker) -> TrackerConfig:
        """Return the current settings of a tracker.

        Raises:
            ClientClosedError: The client is closed.
            RuntimeError: The thread runs an event loop: use AsyncClient there.
            GpsTrackerException: The errors AsyncClient.get_tracker_config raises.

        """
        return self._run(lambda: self._client.get_tracker_config(tracker))
