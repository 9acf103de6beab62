"""Tests of the simulator's control API, under `/_simulator/`."""

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from aiohttp import ClientSession
import pytest

from simulator import FaultKind, Simulator

type Reply = tuple[int, Any]


@pytest.fixture
async def control(simulator: Simulator) -> AsyncGenerator[ClientSession]:
    """Provide a client of the control API, which takes no credentials."""
    async with ClientSession(simulator.url) as session:
        yield session


async def _call(
    control: ClientSession,
    method: str,
    path: str,
    body: object = None,
    *,
    data: str = "",
) -> Reply:
    """Call the control API: the status and the decoded JSON answer, if any."""
    options: dict[str, Any] = {"data": data} if data else {"json": body}
    if body is None and not data:
        options = {}
    async with control.request(method, f"/_simulator/{path}", **options) as response:
        if response.status == 204:
            return 204, await response.read()
        return response.status, await response.json()


async def test_state_shows_the_world_at_a_glance(
    simulator: Simulator, control: ClientSession
) -> None:
    """The state holds the clock, the account, the trackers, their shapes and quirks."""
    world = simulator.world
    assert await _call(control, "GET", "state") == (
        200,
        {
            "now": "2026-01-01T12:00:00+00:00",
            "username": "demo@example.com",
            "user_id": world.user_id,
            "phone_id": world.phone_id,
            "trackers": list(world.tracker_ids),
            "shapes": {str(tracker_id): "modelled" for tracker_id in world.tracker_ids},
            "quirks": {
                "page_boundary_tracker": world.tracker_ids[0],
                "same_second_tracker": world.tracker_ids[1],
                "unknown_values_tracker": world.tracker_ids[2],
            },
        },
    )


async def test_changing_the_password(
    simulator: Simulator, control: ClientSession, simulator_client: ClientSession
) -> None:
    """New credentials work at once; the old ones stop working."""
    body = {"username": "demo@example.com", "password": "changed"}
    assert await _call(control, "PUT", "credentials", body) == (
        200,
        {"username": "demo@example.com"},
    )
    async with simulator_client.get("/users/") as response:
        assert response.status == 401
    assert simulator.world.check_credentials("demo@example.com", "changed")


@pytest.mark.parametrize(
    ("body", "data", "error"),
    [
        ({"username": "demo@example.com"}, "", "password is required"),
        ({"username": 7, "password": "x"}, "", "username must be of type str"),
        (["demo@example.com", "x"], "", "the body must be a JSON object"),
        (None, "{not json", "the body is not JSON"),
    ],
)
async def test_credentials_need_a_username_and_a_password(
    simulator: Simulator, control: ClientSession, body: object, data: str, error: str
) -> None:
    """Credentials without both strings are refused, and change nothing."""
    assert await _call(control, "PUT", "credentials", body, data=data) == (
        400,
        {"error": error},
    )
    assert simulator.world.check_credentials("demo@example.com", "demo-password")


async def test_listing_trackers_as_the_world_knows_them(
    simulator: Simulator, control: ClientSession
) -> None:
    """Every tracker, oldest first: serial, battery, last report and last fix, exact."""
    world = simulator.world
    world.advance(90)
    moved = world.tracker_ids[1]
    world.move_tracker(moved, 48.8584, 2.2945, precision=8, method=3)
    world.advance(30)

    status, listed = await _call(control, "GET", "trackers")

    assert status == 200
    assert [tracker["id"] for tracker in listed] == list(world.tracker_ids)
    assert listed[1] == {
        "id": moved,
        "serial": world.tracker(moved).serial,
        "name": "Mistigri",
        "battery": world.tracker(moved).battery(world.now_us),
        "last_event": "2026-01-01T12:01:30+00:00",
        "last_fix": {
            "datetime": "2026-01-01T12:01:30+00:00",
            "lat": 48.8584,
            "lng": 2.2945,
            "precision": 8,
            "method": 3,
        },
    }
    fixes = [world.tracker(tracker_id).last_fix for tracker_id in world.tracker_ids]
    assert [tracker["last_fix"]["lat"] for tracker in listed] == [
        round(fix.lat, 6) for fix in fixes if fix is not None
    ]
    assert [tracker["battery"] for tracker in listed] == [
        world.tracker(tracker_id).battery(world.now_us)
        for tracker_id in world.tracker_ids
    ]


async def test_adding_a_tracker(simulator: Simulator, control: ClientSession) -> None:
    """A tracker added with no details takes the next type and usage; no fix yet."""
    status, answer = await _call(control, "POST", "trackers")
    assert status == 201
    tracker = simulator.world.tracker(simulator.world.tracker_ids[-1])
    assert answer == {
        "id": tracker.id,
        "serial": tracker.serial,
        "name": "Nala",
        "battery": 100,
        "last_event": "2026-01-01T12:00:00+00:00",
        "last_fix": None,
    }
    assert (tracker.kind, tracker.usage, tracker.history()) == ("tracker_04", "dog", [])


async def test_adding_a_located_tracker(
    simulator: Simulator, control: ClientSession, simulator_client: ClientSession
) -> None:
    """A tracker added with details and a place appears in the API at once."""
    body = {
        "name": "Biscotte",
        "usage": "cat",
        "type": "tracker_01",
        "lat": 48,
        "lng": 2.5,
    }
    status, answer = await _call(control, "POST", "trackers", body)
    assert status == 201
    assert answer["last_fix"] == {
        "datetime": "2026-01-01T12:00:00+00:00",
        "lat": 48.0,
        "lng": 2.5,
        "precision": 10,
        "method": 2,
    }
    async with simulator_client.get(f"/devices/{answer['id']}/") as response:
        device = await response.json()
    assert device["name"] == "Biscotte"
    assert device["type"] == "tracker_01"
    assert device["tracker_config"]["usage"] == "cat"
    assert device["tracker_status"]["last_loc_latitude"] == 48.0
    assert device["tracker_status"]["last_loc_longitude"] == 2.5


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"lat": 48.0}, "lng is required"),
        ({"lat": True, "lng": 2.0}, "lat must be of type float"),
        ({"usage": "fish"}, "unknown usage 'fish'"),
        ({"lat": 95.0, "lng": 2.0}, "no such place: 95.0, 2.0"),
        ({"name": ["Rex"]}, "name must be of type str"),
    ],
)
async def test_adding_a_tracker_needs_sound_details(
    simulator: Simulator, control: ClientSession, body: object, error: str
) -> None:
    """A tracker with unusable details is refused, and not added."""
    assert await _call(control, "POST", "trackers", body) == (400, {"error": error})
    assert len(simulator.world.tracker_ids) == 5


async def test_removing_a_tracker(
    simulator: Simulator, control: ClientSession, simulator_client: ClientSession
) -> None:
    """A removed tracker is gone from the API; removing it again is not found."""
    tracker_id = simulator.world.tracker_ids[1]
    assert await _call(control, "DELETE", f"trackers/{tracker_id}") == (204, b"")
    async with simulator_client.get(f"/devices/{tracker_id}/") as response:
        assert response.status == 404
    assert await _call(control, "DELETE", f"trackers/{tracker_id}") == (
        404,
        {"error": "no such tracker"},
    )


async def test_moving_a_tracker(
    simulator: Simulator, control: ClientSession, simulator_client: ClientSession
) -> None:
    """A tracker moved by hand reports that place now, as its newest location."""
    tracker_id = simulator.world.tracker_ids[0]
    body = {"lat": 48.8584, "lng": 2.2945, "precision": 40, "method": 3}
    status, location = await _call(control, "POST", f"trackers/{tracker_id}/move", body)
    assert status == 200
    assert location["datetime"] == "2026-01-01T12:00:00Z"
    assert (location["lat"], location["lng"]) == (48.8584, 2.2945)
    assert (location["precision"], location["method"], location["pkt_drop"]) == (
        40,
        3,
        0,
    )
    async with simulator_client.get(f"/devices/{tracker_id}/tracker_data/") as response:
        assert (await response.json())[0] == location
    _, default = await _call(
        control,
        "POST",
        f"trackers/{tracker_id}/move",
        body | {"precision": None, "method": None},
    )
    assert (default["precision"], default["method"]) == (10, 2)


@pytest.mark.parametrize(
    ("tracker", "body", "reply"),
    [
        (0, {"lat": 95.0, "lng": 2.0}, (400, {"error": "no such place: 95.0, 2.0"})),
        (0, {"lng": 2.0}, (400, {"error": "lat is required"})),
        (
            0,
            {"lat": 48.0, "lng": 2.0, "precision": 1.5},
            (400, {"error": "precision must be of type int"}),
        ),
        (None, {"lat": 48.0, "lng": 2.0}, (404, {"error": "no such tracker"})),
    ],
)
async def test_moving_a_tracker_needs_a_tracker_and_a_place(
    simulator: Simulator,
    control: ClientSession,
    tracker: int | None,
    body: object,
    reply: Reply,
) -> None:
    """Moving a tracker the account lacks, or to no place, is refused."""
    tracker_id = 42 if tracker is None else simulator.world.tracker_ids[tracker]
    assert await _call(control, "POST", f"trackers/{tracker_id}/move", body) == reply


async def test_moving_trackers_at_once(
    simulator: Simulator, control: ClientSession, simulator_client: ClientSession
) -> None:
    """Several trackers move in one request; each reports its new place at once."""
    first, second = simulator.world.tracker_ids[:2]
    body = [
        {"id": first, "lat": 48.8584, "lng": 2.2945, "precision": 40, "method": 3},
        {"id": second, "lat": 45, "lng": 4.83},
    ]
    status, fixes = await _call(control, "POST", "trackers/move", body)
    assert status == 200
    assert [
        (fix["datetime"], fix["lat"], fix["lng"], fix["precision"], fix["method"])
        for fix in fixes
    ] == [
        ("2026-01-01T12:00:00Z", 48.8584, 2.2945, 40, 3),
        ("2026-01-01T12:00:00Z", 45.0, 4.83, 10, 2),
    ]
    for tracker_id, fix in zip((first, second), fixes, strict=True):
        async with simulator_client.get(
            f"/devices/{tracker_id}/tracker_data/"
        ) as response:
            assert (await response.json())[0] == fix
    assert await _call(control, "POST", "trackers/move", []) == (200, [])


@pytest.mark.parametrize(
    ("body", "data", "reply"),
    [
        (
            {"id": 0, "lat": 48.0, "lng": 2.0},
            "",
            (400, {"error": "the body must be a JSON array of objects"}),
        ),
        (
            [{"id": 0, "lat": 48.0, "lng": 2.0}, 7],
            "",
            (400, {"error": "the body must be a JSON array of objects"}),
        ),
        (None, "[not json", (400, {"error": "the body is not JSON"})),
        ([{"lat": 48.0, "lng": 2.0}], "", (400, {"error": "id is required"})),
        (
            [{"id": 0, "lat": 48.0, "lng": 2.0}, {"id": 1, "lat": 95.0, "lng": 2.0}],
            "",
            (400, {"error": "no such place: 95.0, 2.0"}),
        ),
        (
            [{"id": 0, "lat": 48.0, "lng": 2.0}, {"id": 42, "lat": 48.0, "lng": 2.0}],
            "",
            (404, {"error": "no such tracker: 42"}),
        ),
    ],
)
async def test_moving_trackers_at_once_is_all_or_nothing(
    simulator: Simulator, control: ClientSession, body: object, data: str, reply: Reply
) -> None:
    """A batch with one move that cannot be made is refused whole: nobody moves."""
    world = simulator.world
    if isinstance(body, list):
        # Indices in the parametrized bodies stand for the account's trackers.
        for move in body:
            if isinstance(move, dict) and move.get("id") in {0, 1}:
                move["id"] = world.tracker_ids[move["id"]]
    before = [world.tracker(tracker_id).last_fix for tracker_id in world.tracker_ids]
    assert await _call(control, "POST", "trackers/move", body, data=data) == reply
    assert [world.tracker(i).last_fix for i in world.tracker_ids] == before


async def test_setting_a_trackers_shape(
    simulator: Simulator, control: ClientSession, simulator_client: ClientSession
) -> None:
    """A tracker set to recorded replies is listed so at once; the others are not."""
    first, second = simulator.world.tracker_ids[:2]
    assert await _call(
        control, "POST", f"trackers/{first}/shape", {"shape": "recorded"}
    ) == (200, {"id": first, "shape": "recorded"})
    async with simulator_client.get(
        "/devices/", params={"type": "tracker"}
    ) as response:
        listed = {tracker["id"]: tracker for tracker in await response.json()}
    assert "last_location" not in listed[first]["tracker_status"]
    assert "last_location" in listed[second]["tracker_status"]
    _, state = await _call(control, "GET", "state")
    assert (state["shapes"][str(first)], state["shapes"][str(second)]) == (
        "recorded",
        "modelled",
    )
    assert await _call(
        control, "POST", f"trackers/{first}/shape", {"shape": "modelled"}
    ) == (200, {"id": first, "shape": "modelled"})
    async with simulator_client.get(f"/devices/{first}/") as response:
        assert "last_location" in (await response.json())["tracker_status"]


@pytest.mark.parametrize(
    ("tracker", "body", "reply"),
    [
        (
            0,
            {"shape": "real"},
            (400, {"error": "shape must be one of: modelled, recorded"}),
        ),
        (0, {"shape": 1}, (400, {"error": "shape must be of type str"})),
        (0, None, (400, {"error": "shape is required"})),
        (None, {"shape": "recorded"}, (404, {"error": "no such tracker"})),
    ],
)
async def test_setting_a_shape_needs_a_tracker_and_a_shape(
    simulator: Simulator,
    control: ClientSession,
    tracker: int | None,
    body: object,
    reply: Reply,
) -> None:
    """An unknown shape, or a tracker the account lacks, is refused: nothing changes."""
    world = simulator.world
    tracker_id = 42 if tracker is None else world.tracker_ids[tracker]
    assert await _call(control, "POST", f"trackers/{tracker_id}/shape", body) == reply
    shapes = [world.tracker(known).shape for known in world.tracker_ids]
    assert shapes == ["modelled"] * 5


async def test_advancing_the_clock(
    simulator: Simulator, control: ClientSession
) -> None:
    """Advancing moves the world's clock, by whole or fractional seconds."""
    status, answer = await _call(control, "POST", "advance", {"seconds": 60})
    assert (status, answer["now"]) == (200, "2026-01-01T12:01:00+00:00")
    status, answer = await _call(control, "POST", "advance", {"seconds": 0.5})
    assert (status, answer["now"]) == (200, "2026-01-01T12:01:00.500000+00:00")
    assert simulator.world.now_us == 1767268860500000


async def test_advancing_says_who_took_a_fix_and_who_reported(
    simulator: Simulator, control: ClientSession
) -> None:
    """Trackers moved by hand take no fix, but report at each 15-minute keep-alive.

    The others roam and take fixes; a standstill changes nothing.
    """
    world = simulator.world
    ids = world.tracker_ids
    for tracker_id in ids[:3]:
        world.move_tracker(tracker_id, 48.85, 2.35)

    assert await _call(control, "POST", "advance", {"seconds": 7200}) == (
        200,
        {
            "now": "2026-01-01T14:00:00+00:00",
            "fixed": list(ids[3:]),
            "reported": list(ids),
        },
    )
    assert await _call(control, "POST", "advance", {"seconds": 0}) == (
        200,
        {"now": "2026-01-01T14:00:00+00:00", "fixed": [], "reported": []},
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"seconds": -1}, "time only moves forward"),
        ({}, "seconds is required"),
        ({"seconds": "60"}, "seconds must be of type float"),
    ],
)
async def test_advancing_needs_seconds_forward(
    simulator: Simulator, control: ClientSession, body: object, error: str
) -> None:
    """The clock only advances by a number of seconds, forward."""
    assert await _call(control, "POST", "advance", body) == (400, {"error": error})
    assert simulator.world.now_us == 1767268800000000


async def test_switching_faults(
    simulator: Simulator, control: ClientSession, simulator_client: ClientSession
) -> None:
    """Faults are added, listed and cleared over the control API."""
    assert await _call(control, "GET", "faults") == (200, [])
    body = {
        "kind": "status",
        "status": 429,
        "retry_after": 9,
        "path": "/users/",
        "count": 2,
    }
    fault = {
        "kind": "status",
        "path": "/users/",
        "count": 2,
        "status": 429,
        "retry_after": 9,
        "seconds": 0.0,
        "size": 0,
    }
    assert await _call(control, "POST", "faults", body) == (201, [fault])
    async with simulator_client.get("/users/") as response:
        assert response.status == 429
    assert await _call(control, "GET", "faults") == (200, [fault | {"count": 1}])
    latency = {"kind": "latency", "seconds": 1}
    status, faults = await _call(control, "POST", "faults", latency)
    assert status == 201
    assert [item["kind"] for item in faults] == ["status", "latency"]
    assert faults[1]["seconds"] == 1.0
    assert faults[1]["path"] == "/"
    assert await _call(control, "DELETE", "faults") == (204, b"")
    assert simulator.faults.active == ()
    async with simulator_client.get("/users/") as response:
        assert response.status == 200


async def test_replacing_every_fault(
    simulator: Simulator, control: ClientSession, simulator_client: ClientSession
) -> None:
    """The faults put replace those in force; a hung request is answered first."""
    status, _ = await _call(
        control, "POST", "faults", {"kind": "hang", "path": "/users/"}
    )
    assert status == 201
    hung = asyncio.create_task(simulator_client.get("/users/"))
    await simulator.faults.until_hanging()
    body = [
        {"kind": "status", "status": 500, "path": "/users/", "count": 1},
        {"kind": "latency", "seconds": 0.001},
    ]
    status, faults = await _call(control, "PUT", "faults", body)
    assert status == 200
    assert [(fault["kind"], fault["status"], fault["count"]) for fault in faults] == [
        ("status", 500, 1),
        ("latency", None, None),
    ]
    async with await hung as response:
        assert response.status == 200
    async with simulator_client.get("/users/") as response:
        assert response.status == 500
    assert await _call(control, "PUT", "faults", []) == (200, [])
    assert simulator.faults.active == ()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"kind": "reset"}, "the body must be a JSON array of objects"),
        ([{"kind": "reset"}, {"kind": "explode"}], "kind must be one of: "),
        ([{"kind": "reset"}, {"kind": "huge"}], "a huge fault needs a size"),
    ],
)
async def test_replacing_faults_needs_faults_that_make_sense(
    simulator: Simulator, control: ClientSession, body: object, error: str
) -> None:
    """A list with one fault that could not apply is refused: the faults stay."""
    status, _ = await _call(control, "POST", "faults", {"kind": "malformed"})
    assert status == 201
    status, answer = await _call(control, "PUT", "faults", body)
    assert status == 400
    assert answer["error"].startswith(error)
    assert [fault.kind for fault in simulator.faults.active] == [FaultKind.MALFORMED]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"kind": "explode"}, f"kind must be one of: {', '.join(FaultKind)}"),
        ({}, "kind is required"),
        (
            {"kind": "status", "status": 99},
            "a status fault needs a status from 200 to 599",
        ),
        ({"kind": "reset", "count": "2"}, "count must be of type int"),
    ],
)
async def test_faults_must_make_sense(
    simulator: Simulator, control: ClientSession, body: object, error: str
) -> None:
    """A fault that could not apply is refused, and not added."""
    assert await _call(control, "POST", "faults", body) == (400, {"error": error})
    assert simulator.faults.active == ()


async def test_counters_over_the_control_api(
    simulator: Simulator, control: ClientSession, simulator_client: ClientSession
) -> None:
    """Counters count API requests only; a reset answers what it counted."""
    async with simulator_client.get("/users/") as response:
        sent = len(await response.read())
    assert await _call(control, "GET", "counters") == (
        200,
        {"total": 1, "bytes_sent": sent, "requests": {"/users/": 1}},
    )
    assert await _call(control, "DELETE", "counters") == (
        200,
        {"total": 1, "bytes_sent": sent, "requests": {"/users/": 1}},
    )
    assert await _call(control, "GET", "counters") == (
        200,
        {"total": 0, "bytes_sent": 0, "requests": {}},
    )
    assert simulator.counters.total == 0
