"""Failures of the async client: every fault the simulator injects, and odd answers."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
import json
import socket
import traceback

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.invoxia.api import (
    ApiConnectionError,
    ApiTimeoutError,
    AsyncClient,
    Config,
    Device,
    FailedQuery,
    ForbiddenQuery,
    HttpException,
    NoContentQuery,
    PartialListing,
    RateLimitedQuery,
    Tracker,
    UnauthorizedQuery,
    UnknownAnswerScheme,
)
from simulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    Fault,
    FaultKind,
    Simulator,
    World,
)
from tests.conftest import (
    SIMULATOR_START,
    assert_no_secret,
    basic_authorization,
    serve,
    shown_by_error,
)

type Call = Callable[[AsyncClient, Simulator], Awaitable[object]]

NOT_JSON = "The API answered with a body that is not JSON"
NOT_A_LIST = "Expected a JSON list from the API"
# Deeper than any recursion limit: the JSON decoder gives up on it.
TOO_DEEP = b"[" * 200_000 + b"]" * 200_000
REQUEST_TIMEOUT = 20.0


async def _timed_out(
    simulator: Simulator, freezer: FrozenDateTimeFactory, call: Awaitable[object]
) -> ApiTimeoutError:
    """Run a call whose request hangs; once it does, move the clock past the timeout.

    The event loop's clock is the test's: no real time passes, so a busy machine
    cannot make the request miss, or beat, its timeout.
    """
    request = asyncio.ensure_future(call)
    await _until_hanging(simulator, request)
    freezer.tick(REQUEST_TIMEOUT - 1)
    for _ in range(10):
        await asyncio.sleep(0)
    assert not request.done()
    # Past the timeout, not onto it: float rounding must not leave it pending.
    freezer.tick(2)
    with pytest.raises(ApiTimeoutError) as err:
        await request
    return err.value


async def _until_hanging(simulator: Simulator, request: asyncio.Future[object]) -> None:
    """Wait until the simulator holds a hung request, or the request ends first."""
    hanging = asyncio.ensure_future(simulator.faults.until_hanging())
    either: list[asyncio.Future[object] | asyncio.Future[None]] = [request, hanging]
    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    hanging.cancel()


def _tracker(simulator: Simulator) -> Tracker:
    """Parse the account's first tracker without querying the API."""
    tracker = Device.from_json(
        simulator.world.device_json(simulator.world.tracker_ids[0])
    )
    assert isinstance(tracker, Tracker)
    return tracker


def _assert_no_secret(err: BaseException) -> None:
    """Check that no secret shows in an error, its traceback or anything chained."""
    assert_no_secret(shown_by_error("the error", err))


@asynccontextmanager
async def _serve(status: int, body: bytes) -> AsyncIterator[str]:
    """Answer every GET with this status and body, on a loopback port; yield the URL."""

    async def answer(_: web.Request) -> web.Response:
        return web.Response(status=status, body=body, content_type="application/json")

    async with serve(answer) as url:
        yield url


async def _get_users(api: AsyncClient, _: Simulator) -> object:
    return await api.get_users()


async def _get_user(api: AsyncClient, simulator: Simulator) -> object:
    return await api.get_user(simulator.world.user_id)


async def _get_devices(api: AsyncClient, _: Simulator) -> object:
    return await api.get_devices()


async def _get_device(api: AsyncClient, simulator: Simulator) -> object:
    return await api.get_device(simulator.world.phone_id)


async def _get_trackers(api: AsyncClient, _: Simulator) -> object:
    return await api.get_trackers()


async def _get_locations(api: AsyncClient, simulator: Simulator) -> object:
    return await api.get_locations(_tracker(simulator), max_count=100)


async def _get_tracker_status(api: AsyncClient, simulator: Simulator) -> object:
    return await api.get_tracker_status(_tracker(simulator))


async def _get_tracker_config(api: AsyncClient, simulator: Simulator) -> object:
    return await api.get_tracker_config(_tracker(simulator))


EVERY_METHOD = pytest.mark.parametrize(
    "call",
    [
        _get_users,
        _get_user,
        _get_devices,
        _get_device,
        _get_trackers,
        _get_locations,
        _get_tracker_status,
        _get_tracker_config,
    ],
)


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (401, UnauthorizedQuery, "Invalid username/password."),
        (403, ForbiddenQuery, "These credentials are not allowed to access this data"),
        (204, NoContentQuery, "The API has no content for this request"),
        (300, FailedQuery, "The API answered with HTTP status 300"),
        (304, FailedQuery, "The API answered with HTTP status 304"),
        (399, FailedQuery, "The API answered with HTTP status 399"),
        (400, FailedQuery, "The API answered with HTTP status 400"),
        (404, FailedQuery, "The API answered with HTTP status 404"),
        (500, FailedQuery, "The API answered with HTTP status 500"),
        (502, FailedQuery, "The API answered with HTTP status 502"),
        (503, FailedQuery, "The API answered with HTTP status 503"),
    ],
)
async def test_error_status_raises_its_exception(
    simulator: Simulator,
    client: AsyncClient,
    status: int,
    error: type[HttpException],
    message: str,
) -> None:
    """Each error status has its exception, carrying the status and no secret."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=status))
    with pytest.raises(error) as err:
        await client.get_users()
    assert type(err.value) is error
    assert (err.value.status, str(err.value)) == (status, message)
    _assert_no_secret(err.value)
    assert simulator.counters.requests == {"/users/": 1}


@pytest.mark.parametrize(
    ("header", "retry_after"), [(30, 30.0), (0, None), (None, None)]
)
async def test_rate_limit_carries_retry_after_in_seconds(
    simulator: Simulator,
    client: AsyncClient,
    header: int | None,
    retry_after: float | None,
) -> None:
    """A 429 is RateLimitedQuery with Retry-After in seconds; None without a wait."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=429, retry_after=header))
    with pytest.raises(RateLimitedQuery) as err:
        await client.get_devices()
    assert (err.value.status, err.value.retry_after, str(err.value)) == (
        429,
        retry_after,
        "The API limits the request rate",
    )
    _assert_no_secret(err.value)
    assert simulator.counters.total == 1


async def test_server_error_with_retry_after_is_a_failed_query(
    simulator: Simulator, client: AsyncClient
) -> None:
    """Only a 429 is a rate limit, whatever headers another error carries."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=503, retry_after=5))
    with pytest.raises(FailedQuery) as err:
        await client.get_devices()
    assert (type(err.value), err.value.status) == (FailedQuery, 503)


@pytest.mark.parametrize("kind", [FaultKind.MALFORMED, FaultKind.TRUNCATED])
async def test_body_that_is_not_json_is_unknown_answer_scheme(
    simulator: Simulator, client: AsyncClient, kind: FaultKind
) -> None:
    """A garbled or cut answer is UnknownAnswerScheme; the next one is read."""
    simulator.faults.add(Fault(kind, path="/devices/", count=1))
    with pytest.raises(UnknownAnswerScheme) as err:
        await client.get_devices()
    assert (type(err.value), str(err.value)) == (UnknownAnswerScheme, NOT_JSON)
    assert len(await client.get_devices()) == 6
    assert simulator.counters.requests == {"/devices/": 2}


async def test_dropped_connection_is_a_connection_error(
    simulator: Simulator, client: AsyncClient
) -> None:
    """A connection closed without an answer, twice, is ApiConnectionError."""
    # aiohttp sends a GET once more when the server drops it (RFC 9112 section 9.3.1).
    simulator.faults.add(Fault(FaultKind.RESET, path="/devices/", count=2))
    with pytest.raises(ApiConnectionError) as err:
        await client.get_devices()
    assert (type(err.value), str(err.value)) == (
        ApiConnectionError,
        "Cannot reach the API: ServerDisconnectedError",
    )
    assert (err.value.__cause__, err.value.__context__) == (None, None)
    _assert_no_secret(err.value)
    assert simulator.counters.requests == {"/devices/": 2}
    assert len(await client.get_devices()) == 6
    assert simulator.counters.requests == {"/devices/": 3}


async def test_connection_dropped_once_is_retried(
    simulator: Simulator, client: AsyncClient
) -> None:
    """One dropped connection costs a second request, not a failure."""
    simulator.faults.add(Fault(FaultKind.RESET, path="/devices/", count=1))
    assert len(await client.get_devices()) == 6
    assert simulator.counters.requests == {"/devices/": 2}


@EVERY_METHOD
async def test_every_method_raises_failed_query(
    simulator: Simulator, client: AsyncClient, call: Call
) -> None:
    """An error status fails every method with FailedQuery, after one request."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=500))
    with pytest.raises(FailedQuery) as err:
        await call(client, simulator)
    assert (type(err.value), err.value.status) == (FailedQuery, 500)
    assert simulator.counters.total == 1


@EVERY_METHOD
async def test_every_method_raises_connection_error(
    simulator: Simulator, client: AsyncClient, call: Call
) -> None:
    """A dropped connection fails every method with ApiConnectionError."""
    simulator.faults.add(Fault(FaultKind.RESET))
    with pytest.raises(ApiConnectionError) as err:
        await call(client, simulator)
    assert type(err.value) is ApiConnectionError
    _assert_no_secret(err.value)
    # The request and aiohttp's one retry.
    assert simulator.counters.total == 2


@EVERY_METHOD
async def test_every_method_raises_timeout_error(
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    client: AsyncClient,
    call: Call,
) -> None:
    """No answer within request_timeout fails every method with ApiTimeoutError."""
    simulator.faults.add(Fault(FaultKind.HANG))
    error = await _timed_out(simulator, freezer, call(client, simulator))
    assert type(error) is ApiTimeoutError
    assert simulator.counters.total == 1


@EVERY_METHOD
async def test_every_method_raises_unknown_answer_scheme_on_bad_json(
    simulator: Simulator, client: AsyncClient, call: Call
) -> None:
    """A body that is not JSON fails every method with UnknownAnswerScheme."""
    simulator.faults.add(Fault(FaultKind.MALFORMED))
    with pytest.raises(UnknownAnswerScheme, match=f"^{NOT_JSON}$"):
        await call(client, simulator)
    assert simulator.counters.total == 1


@pytest.mark.parametrize(
    "call", [_get_users, _get_devices, _get_trackers, _get_locations]
)
async def test_object_where_a_list_is_expected_is_unknown_answer_scheme(
    simulator: Simulator, client: AsyncClient, call: Call
) -> None:
    """A listing answered with a JSON object is UnknownAnswerScheme."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=200))
    with pytest.raises(UnknownAnswerScheme, match=f"^{NOT_A_LIST}$"):
        await call(client, simulator)
    assert simulator.counters.total == 1


async def test_object_missing_its_fields_is_unknown_answer_scheme(
    simulator: Simulator, client: AsyncClient
) -> None:
    """An object without the fields of a user is UnknownAnswerScheme, no KeyError."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=200))
    with pytest.raises(
        UnknownAnswerScheme, match=r"^User\.id: expected a value, found none$"
    ):
        await client.get_user(simulator.world.user_id)


async def test_wrong_password_never_shows(simulator: Simulator) -> None:
    """A refused password shows in no message, repr or traceback."""
    config = Config(DEFAULT_USERNAME, "hunter2-wrong", simulator.url)
    async with AsyncClient(config) as api:
        with pytest.raises(UnauthorizedQuery) as err:
            await api.get_users()
    shown = repr(err.value) + "".join(traceback.format_exception(err.value))
    assert "hunter2-wrong" not in shown
    assert basic_authorization(DEFAULT_USERNAME, "hunter2-wrong") not in shown
    assert str(err.value) == "Invalid username/password."


async def test_hung_request_times_out_and_the_next_is_answered(
    freezer: FrozenDateTimeFactory, simulator: Simulator, client: AsyncClient
) -> None:
    """A request without answer ends at request_timeout; the client stays usable.

    The timeout runs on the event loop's clock, which the test moves: no real time
    passes, however busy the machine.
    """
    simulator.faults.add(Fault(FaultKind.HANG, path="/users/", count=1))
    error = await _timed_out(simulator, freezer, client.get_users())
    assert str(error) == "No answer from the API within 20.0 s"
    assert isinstance(error, ApiConnectionError)
    assert (error.__cause__, error.__context__) == (None, None)
    _assert_no_secret(error)
    assert [user.id for user in await client.get_users()] == [simulator.world.user_id]
    assert simulator.counters.requests == {"/users/": 2}


@pytest.mark.parametrize(("size", "refused"), [(999, False), (1000, True)])
async def test_answer_larger_than_the_limit_is_refused(
    simulator: Simulator,
    client: AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    size: int,
    refused: bool,  # noqa: FBT001 - a parameter of the test
) -> None:
    """An answer of MAX_RESPONSE_BYTES is read; one byte more is UnknownAnswerScheme."""
    monkeypatch.setattr("custom_components.invoxia.api.client.MAX_RESPONSE_BYTES", 1000)
    simulator.faults.add(Fault(FaultKind.HUGE, size=size))
    if refused:
        with pytest.raises(
            UnknownAnswerScheme, match=r"^The API answer exceeds 1000 bytes$"
        ):
            await client.get_users()
    else:
        assert len(await client.get_users()) == 1
    assert simulator.counters.bytes_sent == size + 1


async def test_answer_larger_than_the_limit_is_refused_across_chunks(
    simulator: Simulator, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit counts every chunk of a body read in several."""
    monkeypatch.setattr(
        "custom_components.invoxia.api.client.MAX_RESPONSE_BYTES", 100_000
    )
    simulator.faults.add(Fault(FaultKind.HUGE, size=99_999, count=1))
    assert len(await client.get_users()) == 1
    simulator.faults.add(Fault(FaultKind.HUGE, size=100_000, count=1))
    with pytest.raises(
        UnknownAnswerScheme, match=r"^The API answer exceeds 100000 bytes$"
    ):
        await client.get_users()


async def test_closed_port_is_a_connection_error(socket_enabled: None) -> None:
    """Nothing listening is ApiConnectionError, with no secret shown."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = Config(DEFAULT_USERNAME, DEFAULT_PASSWORD, f"http://127.0.0.1:{port}")
    async with AsyncClient(config) as api:
        with pytest.raises(ApiConnectionError) as err:
            await api.get_users()
    assert (type(err.value), str(err.value)) == (
        ApiConnectionError,
        "Cannot reach the API: ClientConnectorError",
    )
    assert (err.value.__cause__, err.value.__context__) == (None, None)
    _assert_no_secret(err.value)


@asynccontextmanager
async def _serve_raw(answer: bytes) -> AsyncIterator[tuple[str, list[bytes]]]:
    """Answer every request with these bytes, then hang up; yield URL and requests.

    For answers no HTTP server library sends: malformed status lines and headers.
    """
    requests: list[bytes] = []

    async def answer_one(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        with suppress(asyncio.IncompleteReadError, ConnectionError):
            requests.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(answer)
            await writer.drain()
        writer.close()
        with suppress(ConnectionError):
            await writer.wait_closed()

    server = await asyncio.start_server(answer_one, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", requests


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 abc\r\n\r\n",
        b"HTTP/1.1 1000 Too Far\r\n\r\n",
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 2\r\n\r\n[]",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    ids=["status_not_a_number", "status_too_long", "no_status_line", "header", "chunk"],
)
async def test_malformed_answer_is_a_connection_error_chained_to_nothing(
    socket_enabled: None, answer: bytes
) -> None:
    """An answer aiohttp cannot parse is ApiConnectionError, with no cause or context.

    aiohttp's own error for it holds the request and shows its Authorization
    header in its repr: it must not come along.
    """
    async with (
        _serve_raw(answer) as (url, requests),
        AsyncClient(Config(DEFAULT_USERNAME, DEFAULT_PASSWORD, url)) as api,
    ):
        with pytest.raises(ApiConnectionError) as err:
            await api.get_users()
    assert (type(err.value), str(err.value)) == (
        ApiConnectionError,
        "Cannot reach the API: ClientResponseError",
    )
    assert (err.value.__cause__, err.value.__context__) == (None, None)
    _assert_no_secret(err.value)
    # The request carried the secret that aiohttp's error would have shown.
    authorization = basic_authorization(DEFAULT_USERNAME, DEFAULT_PASSWORD)
    assert [request.split(b"\r\n")[0] for request in requests] == [
        b"GET /users/ HTTP/1.1"
    ]
    assert f"Authorization: {authorization}\r\n".encode() in requests[0]


@pytest.mark.parametrize("status", [200, 203, 299])
async def test_every_2xx_status_but_204_is_an_answer(
    socket_enabled: None, status: int
) -> None:
    """Any status from 200 to 299 but 204 is a success: its body is read."""
    world = World(seed=1, trackers=2, start=SIMULATOR_START)
    listing = json.dumps(world.devices_json("tracker")).encode()
    async with (
        _serve(status, listing) as url,
        AsyncClient(Config("a", "b", url)) as api,
    ):
        trackers = await api.get_trackers()
    assert [tracker.id for tracker in trackers] == list(world.tracker_ids)


async def test_informational_answer_before_the_final_one_is_skipped(
    socket_enabled: None,
) -> None:
    """A 1xx answer is no answer: the final one after it is read."""
    answer = (
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]"
    )
    async with (
        _serve_raw(answer) as (url, requests),
        AsyncClient(Config("a", "b", url)) as api,
    ):
        assert await api.get_users() == []
    assert len(requests) == 1


async def test_informational_answer_alone_is_a_connection_error(
    socket_enabled: None,
) -> None:
    """A 1xx answer and then nothing is no answer: ApiConnectionError, no success."""
    async with (
        _serve_raw(b"HTTP/1.1 199 Odd\r\n\r\n") as (url, requests),
        AsyncClient(Config("a", "b", url)) as api,
    ):
        with pytest.raises(ApiConnectionError) as err:
            await api.get_users()
    assert (type(err.value), str(err.value)) == (
        ApiConnectionError,
        "Cannot reach the API: ServerDisconnectedError",
    )
    # aiohttp sends a GET once more when the server hangs up without answering.
    assert len(requests) == 2


async def test_status_below_100_is_a_failed_query(socket_enabled: None) -> None:
    """A status under 200 that reaches the client is no success: FailedQuery."""
    answer = b"HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\n[]"
    async with (
        _serve_raw(answer) as (url, _),
        AsyncClient(Config("a", "b", url)) as api,
    ):
        with pytest.raises(FailedQuery) as err:
            await api.get_users()
    assert (type(err.value), err.value.status, str(err.value)) == (
        FailedQuery,
        99,
        "The API answered with HTTP status 99",
    )


@pytest.mark.parametrize(
    "body",
    [b"<html>Unauthorized</html>", b'{"detail": ["not", "text"]}', b"[]", TOO_DEEP],
    ids=["html", "detail_not_text", "list", "too_deep"],
)
async def test_unauthorized_without_a_detail_has_a_message_of_its_own(
    socket_enabled: None, body: bytes
) -> None:
    """A 401 whose body gives no text detail still says what went wrong."""
    async with (
        _serve(401, body) as url,
        AsyncClient(Config(DEFAULT_USERNAME, DEFAULT_PASSWORD, url)) as api,
    ):
        with pytest.raises(UnauthorizedQuery) as err:
            await api.get_users()
    assert (err.value.status, str(err.value)) == (401, "Invalid credentials")


async def test_too_deeply_nested_json_is_unknown_answer_scheme(
    socket_enabled: None,
) -> None:
    """JSON nested deeper than the decoder goes is UnknownAnswerScheme."""
    async with (
        _serve(200, TOO_DEEP) as url,
        AsyncClient(Config(DEFAULT_USERNAME, DEFAULT_PASSWORD, url)) as api,
    ):
        with pytest.raises(UnknownAnswerScheme, match=f"^{NOT_JSON}$"):
            await api.get_users()


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("120", 120.0),
        ("1.5", 1.5),
        ("31536000", 31536000.0),
        ("0", None),
        ("-0", None),
        ("-5", None),
        ("inf", None),
        ("-inf", None),
        ("1e400", None),
        ("nan", None),
        ("soon", None),
        ("", None),
        ("Thu, 01 Jan 2026 12:02:00 GMT", 120.0),
        ("Thu, 01 Jan 2026 13:02:00 +0100", 120.0),
        ("Thu, 01 Jan 2026 12:02:00 -0000", 120.0),
        ("Thu, 01 Jan 2026 12:02:00", 120.0),
        ("Thu, 01 Jan 2026 12:00:00 GMT", None),
        ("Thu, 01 Jan 2026 11:58:00 GMT", None),
        ("Thu, 01 Jan 1970 00:00:00 GMT", None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 251_635_031_999.0),
        # In UTC a day into year 10000: past what a datetime holds.
        ("Fri, 31 Dec 9999 23:59:59 -2359", 251_635_118_339.0),
        ("Sat, 01 Jan 10000 00:00:00 GMT", None),
        ("Thu, 01 Jan 2026 12:02:00 +9999", None),
    ],
)
async def test_rate_limit_reads_retry_after_as_seconds_or_an_http_date(
    socket_enabled: None,
    freezer: FrozenDateTimeFactory,
    header: str | None,
    seconds: float | None,
) -> None:
    """A 429's Retry-After is seconds or an HTTP date (GMT when no zone is given).

    Only a positive, finite wait counts: zero, negative, past and unreadable are
    None, never 0. A far wait is kept whole, for the caller to cap.
    """
    freezer.move_to("2026-01-01T12:00:00+00:00")
    asked: list[str] = []

    async def throttle(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.json_response(
            {"detail": "Request was throttled."},
            status=429,
            headers={} if header is None else {"Retry-After": header},
        )

    async with (
        serve(throttle) as url,
        AsyncClient(Config(DEFAULT_USERNAME, DEFAULT_PASSWORD, url)) as api,
    ):
        with pytest.raises(RateLimitedQuery) as err:
            await api.get_devices()
    assert (err.value.status, err.value.retry_after) == (429, seconds)
    assert asked == ["/devices/"]


async def test_listing_with_unreadable_trackers_carries_the_readable_ones(
    simulator: Simulator, client: AsyncClient
) -> None:
    """Trackers listed without a required field are PartialListing's errors.

    The others are its devices, parsed once: those listed unchanged stay the same
    objects. A listing whole again is read whole.
    """
    world = simulator.world
    first = await client.get_trackers()
    world.misreport(world.tracker_ids[1], missing=("serial",))
    world.misreport(world.tracker_ids[3], missing=("tracker_status",))
    with pytest.raises(PartialListing) as err:
        await client.get_trackers()
    assert isinstance(err.value, UnknownAnswerScheme)
    assert err.value.devices == [first[0], first[2], first[4]]
    assert all(
        read is before
        for read, before in zip(err.value.devices, first[::2], strict=True)
    )
    assert [str(error) for error in err.value.errors] == [
        "Device.serial: expected a value, found none",
        "Device.tracker_status: expected a value, found none",
    ]
    assert str(err.value) == (
        "Cannot read 2 listed device(s): Device.serial: expected a value, found none"
    )
    _assert_no_secret(err.value)

    world.misreport(world.tracker_ids[1])
    world.misreport(world.tracker_ids[3])
    assert await client.get_trackers() == first
    assert simulator.counters.requests == {"/devices/": 3}


async def test_tracker_listing_names_the_unreadable_trackers_and_raises_nothing(
    simulator: Simulator, client: AsyncClient
) -> None:
    """get_tracker_listing answers a partly unreadable listing, as get_trackers cannot.

    It holds the trackers read, and of the others their listed name and the reason.
    """
    world = simulator.world
    first = await client.get_trackers()
    named = world.tracker(world.tracker_ids[1])
    world.misreport(named.id, missing=("serial",))
    world.misreport(world.tracker_ids[3], missing=("name", "tracker_status"))
    listing = await client.get_tracker_listing()
    assert listing.trackers == (first[0], first[2], first[4])
    assert [(device.name, str(device.error)) for device in listing.unreadable] == [
        (named.name, "Device.serial: expected a value, found none"),
        (None, "Device.name: expected a value, found none"),
    ]
    assert listing.unreadable_summary == (
        "Cannot read 2 listed device(s): Device.serial: expected a value, found none"
    )


async def test_listing_item_that_is_not_an_object_is_unreadable(
    socket_enabled: None,
) -> None:
    """An item of a listing that is no JSON object leaves the others readable."""
    world = World(seed=1, trackers=1, start=SIMULATOR_START)
    listing = json.dumps([*world.devices_json("tracker"), "garbage"]).encode()
    async with (
        _serve(200, listing) as url,
        AsyncClient(Config("a", "b", url)) as api,
    ):
        with pytest.raises(PartialListing) as err:
            await api.get_devices()
    assert [device.id for device in err.value.devices] == list(world.tracker_ids)
    assert str(err.value) == (
        "Cannot read 1 listed device(s): Device: expected a JSON object"
    )


async def test_history_duplicated_and_out_of_order_reads_newest_first_once_each(
    simulator: Simulator, client: AsyncClient
) -> None:
    """A history answered oldest first, each location twice, reads as one in order.

    Only locations of one same second may come in another order.
    """
    tracker = _tracker(simulator)
    expected = await client.get_locations(tracker, max_count=50)
    simulator.faults.add(
        Fault(FaultKind.DISORDERED, path=f"/devices/{tracker.id}/tracker_data/")
    )
    read = await client.get_locations(tracker, max_count=50)
    assert len(read) == len(set(read)) == 50
    assert set(read) == set(expected)
    assert [fix.datetime for fix in read] == [fix.datetime for fix in expected]
