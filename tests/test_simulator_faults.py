"""Tests of the faults the simulator injects into its API answers."""

import asyncio
from collections.abc import Callable
import json

from aiohttp import ClientConnectorError, ClientSession, ServerDisconnectedError
import pytest

from simulator import Fault, FaultKind, Faults, Simulator

THROTTLED = "Request was throttled."


async def _fetch(client: ClientSession, path: str) -> tuple[int, bytes]:
    """GET a path: the status and the body."""
    async with client.get(path) as response:
        return response.status, await response.read()


async def _eventually(condition: Callable[[], bool]) -> None:
    """Wait, a millisecond at a time, until a condition holds (a second at most)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.001)
    pytest.fail("the condition never held")


def _tracker_data(simulator: Simulator, index: int) -> str:
    """Return the `tracker_data` path of a tracker."""
    return f"/devices/{simulator.world.tracker_ids[index]}/tracker_data/"


@pytest.mark.parametrize(
    ("status", "retry_after", "body"),
    [
        (401, None, {"detail": "Invalid username/password."}),
        (403, None, {"detail": "You do not have permission to perform this action."}),
        (404, None, {"detail": "Not found."}),
        (400, None, {"detail": "Bad request."}),
        (418, None, {"detail": "Error."}),
        (429, None, {"detail": THROTTLED}),
        (429, 30, {"detail": f"{THROTTLED} Expected available in 30 seconds."}),
    ],
)
async def test_forced_client_errors_answer_json(
    simulator: Simulator,
    simulator_client: ClientSession,
    status: int,
    retry_after: int | None,
    body: dict[str, str],
) -> None:
    """A forced 4xx answers the API's JSON error, with `Retry-After` when given."""
    simulator.faults.add(
        Fault(FaultKind.STATUS, status=status, retry_after=retry_after)
    )
    async with simulator_client.get("/devices/") as response:
        assert response.status == status
        assert response.headers.get("Retry-After") == (
            None if retry_after is None else str(retry_after)
        )
        assert await response.json() == body


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_forced_server_errors_answer_html(
    simulator: Simulator, simulator_client: ClientSession, status: int
) -> None:
    """A forced 5xx answers an HTML page, as the web server in front would."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=status, retry_after=5))
    async with simulator_client.get("/users/") as response:
        assert response.status == status
        assert response.content_type == "text/html"
        assert response.headers["Retry-After"] == "5"
        page = f"<html><body><h1>Server Error ({status})</h1></body></html>"
        assert await response.text() == page


async def test_forced_no_content(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """A forced 204 answers no body at all."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=204))
    assert await _fetch(simulator_client, "/devices/") == (204, b"")
    assert simulator.counters.bytes_sent == 0


async def test_faults_with_a_count_queue_up(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """Counted faults apply in turn ("500 twice, then a 429"), then go."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=500, count=2))
    simulator.faults.add(Fault(FaultKind.STATUS, status=429, count=1))
    statuses = [(await _fetch(simulator_client, "/users/"))[0] for _ in range(2)]
    assert [fault.count for fault in simulator.faults.active] == [1]
    statuses += [(await _fetch(simulator_client, "/users/"))[0] for _ in range(3)]
    assert statuses == [500, 500, 429, 200, 200]
    assert simulator.faults.active == ()
    assert simulator.counters.requests["/users/"] == 5


async def test_a_fault_limited_to_one_trackers_history(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """A path prefix limits a fault, such as failing one tracker's history only."""
    failing = _tracker_data(simulator, 2)
    simulator.faults.add(Fault(FaultKind.STATUS, status=500, path=failing))
    assert (await _fetch(simulator_client, failing))[0] == 500
    assert (await _fetch(simulator_client, f"{failing}?timestamp=0"))[0] == 500
    assert (await _fetch(simulator_client, _tracker_data(simulator, 1)))[0] == 200
    assert (await _fetch(simulator_client, "/devices/"))[0] == 200
    assert len(simulator.faults.active) == 1


async def test_malformed_json(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """A malformed answer is a 200 JSON answer whose body does not parse."""
    simulator.faults.add(Fault(FaultKind.MALFORMED, count=1))
    async with simulator_client.get("/users/") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        body = await response.read()
    assert body == b'{"detail": "Service temporarily unavailable", }'
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


async def test_truncated_json(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """A truncated answer is the real one cut in half, its length told right."""
    _, whole = await _fetch(simulator_client, "/devices/")
    simulator.faults.add(Fault(FaultKind.TRUNCATED, count=1))
    async with simulator_client.get("/devices/") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        assert response.headers["Content-Length"] == str(len(whole) // 2)
        assert await response.read() == whole[: len(whole) // 2]
    assert simulator.counters.bytes_sent == len(whole) + len(whole) // 2


async def test_truncated_nothing_is_nothing(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """Cutting an empty answer (a phone's status) leaves it empty."""
    simulator.faults.add(Fault(FaultKind.TRUNCATED))
    path = f"/devices/{simulator.world.phone_id}/tracker_status/"
    assert await _fetch(simulator_client, path) == (204, b"")


async def test_truncated_errors_keep_their_headers(simulator: Simulator) -> None:
    """A truncated 401 still asks for credentials."""
    simulator.faults.add(Fault(FaultKind.TRUNCATED))
    async with (
        ClientSession(simulator.url) as session,
        session.get("/users/") as response,
    ):
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == 'Basic realm="api"'
        whole = b'{"detail":"Authentication credentials were not provided."}'
        assert await response.read() == whole[: len(whole) // 2]


async def test_huge_answers(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """A huge answer is the real one, still valid JSON, padded past the size."""
    _, whole = await _fetch(simulator_client, "/users/")
    simulator.faults.add(Fault(FaultKind.HUGE, size=100_000, count=1))
    status, body = await _fetch(simulator_client, "/users/")
    assert status == 200
    assert len(body) == 100_001
    assert json.loads(body) == json.loads(whole)
    simulator.faults.add(Fault(FaultKind.HUGE, size=10, count=1))
    assert await _fetch(simulator_client, "/users/") == (200, whole)
    assert simulator.counters.bytes_sent == 2 * len(whole) + 100_001


async def test_connection_reset(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """A reset closes the connection without an answer; the next request works."""
    simulator.faults.add(Fault(FaultKind.RESET, count=2))
    with pytest.raises(ServerDisconnectedError):
        await _fetch(simulator_client, "/devices/")
    # aiohttp tried twice: it retries an idempotent request once when dropped.
    assert simulator.counters.requests["/devices/"] == 2
    assert (await _fetch(simulator_client, "/devices/"))[0] == 200
    assert simulator.counters.requests["/devices/"] == 3


async def test_a_single_reset_is_absorbed_by_aiohttps_retry(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """One reset alone goes unnoticed: aiohttp retries a dropped GET once."""
    simulator.faults.add(Fault(FaultKind.RESET, count=1))
    assert (await _fetch(simulator_client, "/devices/"))[0] == 200
    assert simulator.counters.requests["/devices/"] == 2


async def test_latency_delays_answers(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """Latency delays every matching answer, and adds to another fault."""
    simulator.faults.add(Fault(FaultKind.LATENCY, seconds=0.004, path="/users/"))
    simulator.faults.add(Fault(FaultKind.LATENCY, seconds=0.002, path="/users/"))
    simulator.faults.add(Fault(FaultKind.STATUS, status=429, count=1))
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await _fetch(simulator_client, "/users/"))[0] == 429
    assert loop.time() - started >= 0.006
    assert (await _fetch(simulator_client, "/users/"))[0] == 200
    assert [fault.kind for fault in simulator.faults.active] == [FaultKind.LATENCY] * 2


async def test_clearing_faults_cuts_latency_short(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """Clearing the faults lets a delayed request through at once."""
    simulator.faults.add(Fault(FaultKind.LATENCY, seconds=60))
    request = asyncio.create_task(_fetch(simulator_client, "/users/"))
    await _eventually(lambda: simulator.counters.total == 1)
    assert not request.done()
    simulator.faults.clear()
    status, _ = await asyncio.wait_for(request, 5)
    assert status == 200


async def test_a_hung_request_answers_once_faults_clear(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """A hung request gets no answer until the faults are cleared, then the real one."""
    simulator.faults.add(Fault(FaultKind.HANG, count=1))
    request = asyncio.create_task(_fetch(simulator_client, "/users/"))
    await _eventually(lambda: simulator.counters.total == 1)
    await asyncio.sleep(0.005)
    assert not request.done()
    simulator.faults.clear()
    status, body = await asyncio.wait_for(request, 5)
    assert status == 200
    assert json.loads(body)[0]["id"] == simulator.world.user_id


async def test_a_hung_request_is_dropped_when_the_server_stops(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """Stopping the server drops hung requests promptly, leaving no task behind."""
    simulator.faults.add(Fault(FaultKind.HANG))
    request = asyncio.create_task(_fetch(simulator_client, "/users/"))
    await _eventually(lambda: simulator.counters.total == 1)
    await asyncio.wait_for(simulator.stop(), 5)
    # Dropped, aiohttp retries once, and finds the server gone.
    with pytest.raises(ClientConnectorError):
        await request
    assert simulator.counters.total == 1
    assert simulator.counters.bytes_sent == 0


async def test_hung_requests_can_be_awaited_and_are_counted(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """until_hanging returns once that many requests hang; hanging counts them."""
    simulator.faults.add(Fault(FaultKind.HANG))
    requests = [
        asyncio.create_task(_fetch(simulator_client, path))
        for path in ("/users/", "/devices/")
    ]
    await asyncio.wait_for(simulator.faults.until_hanging(2), 5)
    assert simulator.faults.hanging == 2
    assert simulator.counters.requests == {"/users/": 1, "/devices/": 1}
    assert [request.done() for request in requests] == [False, False]
    simulator.faults.clear()
    answers = await asyncio.wait_for(asyncio.gather(*requests), 5)
    assert [status for status, _ in answers] == [200, 200]
    assert simulator.faults.hanging == 0


async def test_a_stopped_simulator_hangs_nothing() -> None:
    """Once closed, faults no longer hang anything."""
    faults = Faults()
    faults.close()
    assert await asyncio.wait_for(faults.hang(), 1) is True


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Fault(FaultKind.RESET, path="devices/"), "path must start with /"),
        (lambda: Fault(FaultKind.RESET, count=0), "count must be at least 1"),
        (lambda: Fault(FaultKind.STATUS), "status from 200 to 599"),
        (lambda: Fault(FaultKind.STATUS, status=600), "status from 200 to 599"),
        (
            lambda: Fault(FaultKind.STATUS, status=429, retry_after=-1),
            "retry_after cannot be negative",
        ),
        (lambda: Fault(FaultKind.LATENCY), "positive number of seconds"),
        (lambda: Fault(FaultKind.HUGE, size=0), "size of at least 1 byte"),
    ],
)
def test_faults_that_cannot_apply_are_refused(
    build: Callable[[], Fault], message: str
) -> None:
    """A fault missing what it needs, or out of range, is refused."""
    with pytest.raises(ValueError, match=message):
        build()


def test_a_fault_as_json() -> None:
    """A fault renders every parameter."""
    fault = Fault(
        FaultKind.STATUS, status=429, retry_after=3, path="/devices/", count=2
    )
    assert fault.to_json() == {
        "kind": "status",
        "path": "/devices/",
        "count": 2,
        "status": 429,
        "retry_after": 3,
        "seconds": 0.0,
        "size": 0,
    }


async def test_disordered_lists(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """A disordered list is the real one reversed, each item twice; nothing else is."""
    history = _tracker_data(simulator, 0)
    user = f"/users/{simulator.world.user_id}/"
    phone_status = f"/devices/{simulator.world.phone_id}/tracker_status/"
    before = [await _fetch(simulator_client, path) for path in (history, user)]
    simulator.faults.add(Fault(FaultKind.DISORDERED))
    status, body = await _fetch(simulator_client, history)
    assert status == 200
    items = json.loads(before[0][1])
    assert len(items) == 20
    assert json.loads(body) == [item for item in reversed(items) for _ in range(2)]
    assert await _fetch(simulator_client, user) == before[1]
    assert await _fetch(simulator_client, phone_status) == (204, b"")
    assert [fault.kind for fault in simulator.faults.active] == [FaultKind.DISORDERED]
