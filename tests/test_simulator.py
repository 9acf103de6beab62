"""Tests of the simulated Invoxia API: what it answers, and how the server runs."""

from base64 import b64encode
from datetime import UTC, datetime
import re

from aiohttp import ClientSession
import pytest

from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, PAGE_SIZE, Simulator, World
from tests.conftest import SIMULATOR_START, basic_authorization

USER_ID = 722998
PHONE_ID = 203976
TRACKER_IDS = [720908, 720940, 720949, 721011, 721033]
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?(Z|\+00:00)")


def _parse_time(text: str) -> datetime:
    """Read a datetime the API sent."""
    assert RFC3339.fullmatch(text), text
    return datetime.fromisoformat(text)


async def test_users_lists_the_account_user(simulator_client: ClientSession) -> None:
    """`/users/` lists one user: id, username, profiles, and fields the docs lack."""
    async with simulator_client.get("/users/") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        users = await response.json()
    assert users == [
        {
            "id": USER_ID,
            "username": DEFAULT_USERNAME,
            "profiles": [341914],
            "first_name": "Camille",
            "last_name": "Martin",
            "date_joined": "2024-07-28T19:14:15.976376Z",
        }
    ]


async def test_user_by_id_is_only_the_account_user(
    simulator_client: ClientSession,
) -> None:
    """`/users/{id}/` answers the account's user, and 404 for anyone else."""
    async with simulator_client.get(f"/users/{USER_ID}/") as response:
        assert response.status == 200
        assert (await response.json())["id"] == USER_ID
    async with simulator_client.get(f"/users/{USER_ID + 1}/") as response:
        assert response.status == 404
        assert await response.json() == {"detail": "Not found."}


async def test_missing_credentials_are_refused(simulator: Simulator) -> None:
    """Without credentials the API answers 401 and asks for Basic authentication."""
    async with (
        ClientSession(simulator.url) as session,
        session.get("/users/") as response,
    ):
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == 'Basic realm="api"'
        assert await response.json() == {
            "detail": "Authentication credentials were not provided."
        }


@pytest.mark.parametrize(
    "authorization",
    [
        basic_authorization(DEFAULT_USERNAME, "wrong"),
        basic_authorization("someone@example.com", DEFAULT_PASSWORD),
        f"Basic {b64encode(DEFAULT_USERNAME.encode()).decode()}",
        "Basic !!!not-base64!!!",
        "Bearer 0123456789abcdef",
    ],
    ids=["wrong password", "wrong username", "no colon", "not base64", "not basic"],
)
async def test_wrong_credentials_are_refused(
    simulator: Simulator, authorization: str
) -> None:
    """Wrong or unreadable credentials get the API's 401 answer."""
    async with (
        ClientSession(simulator.url) as session,
        session.get("/devices/", headers={"Authorization": authorization}) as response,
    ):
        assert response.status == 401
        assert await response.json() == {"detail": "Invalid username/password."}


@pytest.mark.parametrize("encoding", ["utf-8", "latin1"])
async def test_credentials_in_utf8_or_latin1_are_accepted(
    simulator: Simulator, encoding: str
) -> None:
    """Non-ASCII credentials work in UTF-8 and in Latin-1 (aiohttp's `BasicAuth`)."""
    simulator.world.set_credentials("zoé@example.com", "mot-de-passe-à-jour")
    authorization = basic_authorization(
        "zoé@example.com", "mot-de-passe-à-jour", encoding
    )
    headers = {"Authorization": authorization}
    async with (
        ClientSession(simulator.url) as session,
        session.get("/users/", headers=headers) as response,
    ):
        assert response.status == 200
        assert (await response.json())[0]["username"] == "zoé@example.com"


async def test_devices_lists_the_phone_then_the_trackers(
    simulator_client: ClientSession,
) -> None:
    """`/devices/` lists the phone first, then every tracker, with all their fields."""
    async with simulator_client.get("/devices/") as response:
        assert response.status == 200
        devices = await response.json()
    assert [device["id"] for device in devices] == [PHONE_ID, *TRACKER_IDS]
    assert devices[0] == {
        "id": PHONE_ID,
        "name": "iPhone de Camille",
        "type": "iphone",
        "serial": "AAC49A1E-D0A8-49C7-86B7-226C3F5E9834",
        "created": "2024-07-28T19:14:15.976376Z",
        "timezone": "Europe/Paris",
        "version": "9.5.1.88141004",
        "owner": USER_ID,
    }
    assert [device["type"] for device in devices[1:]] == [
        "tracker_01",
        "tracker_03",
        "tracker_04",
        "tracker_01",
        "tracker_03",
    ]
    assert [device["name"] for device in devices[1:]] == [
        "Rex",
        "Mistigri",
        "Vélo",
        "Clio",
        "Léa",
    ]
    rex = devices[1]
    assert set(rex) == {
        "id",
        "name",
        "type",
        "serial",
        "created",
        "version_build",
        "timezone",
        "version",
        "model",
        "owner",
        "tracker_config",
        "tracker_status",
    }
    assert rex["serial"] == "F9B857F46887"
    assert rex["model"] is None
    assert rex["version"] == "tracker_LWTv2-9.34.0-LoRa+Sigfox"
    assert rex["tracker_config"] == {
        "mode": "22",
        "color": 6,
        "icon": 14,
        "notify_position": False,
        "notify_long_walk": True,
        "network": "SigFox",
        "network_region": "RC1",
        "network_config": None,
        "firmware_path": "http://developer.invoxia.com/update/tracker/update.pup",
        "board_name": "LWT1v2",
        "usage": "dog",
        "image": "images/ee0c671584ee8ca9.jpg",
        "weight": "23.9",
    }
    assert devices[3]["model"] == "Invoxia Bike Tracker"
    assert devices[3]["tracker_config"]["icon"] == 999
    assert devices[3]["tracker_config"]["led_enabled"] is True
    assert devices[3]["tracker_status"]["temperature"] == 21


async def test_tracker_status_matches_the_newest_location(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """A tracker's status holds its battery, motion and newest fix, as its history."""
    async with simulator_client.get(
        f"/devices/{TRACKER_IDS[1]}/tracker_status/"
    ) as resp:
        assert resp.status == 200
        status = await resp.json()
    async with simulator_client.get(f"/devices/{TRACKER_IDS[1]}/tracker_data/") as resp:
        newest = (await resp.json())[0]
    assert status == {
        "battery": 49,
        "begin_date": "2024-10-29T03:16:09.911993Z",
        "last_event": status["last_location"],
        "state": "active",
        "sub_end_date": "2027-08-07",
        "sub_state": "normal",
        "network_operator": "Orange",
        "stationary": 0,
        "lost_pending": False,
        "last_location": status["last_location"],
        "last_loc_latitude": float(newest["lat"]),
        "last_loc_longitude": float(newest["lng"]),
    }
    newest_at = _parse_time(newest["datetime"])
    assert _parse_time(status["last_location"]) == newest_at
    assert newest_at <= SIMULATOR_START
    tracker = simulator.world.tracker(TRACKER_IDS[1])
    assert tracker.last_fix is not None
    assert tracker.last_fix.uuid == newest["uuid"]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("?type=tracker", TRACKER_IDS),
        ("?type=iphone", [PHONE_ID]),
        ("?type=android", []),
        ("?type=tracker_01", [TRACKER_IDS[0], TRACKER_IDS[3]]),
        ("?type=tracker_04", [TRACKER_IDS[2]]),
    ],
)
async def test_devices_filtered_by_type(
    simulator_client: ClientSession, query: str, ids: list[int]
) -> None:
    """`?type=tracker` lists every tracker type; other types list their devices."""
    async with simulator_client.get(f"/devices/{query}") as response:
        assert response.status == 200
        assert [device["id"] for device in await response.json()] == ids


async def test_devices_of_an_unknown_type_is_a_bad_request(
    simulator_client: ClientSession,
) -> None:
    """An unknown `type` is refused as Django REST framework's filters do."""
    async with simulator_client.get("/devices/?type=fridge") as response:
        assert response.status == 400
        assert await response.json() == {
            "type": [
                "Select a valid choice. fridge is not one of the available choices."
            ]
        }


async def test_device_by_id(simulator_client: ClientSession) -> None:
    """`/devices/{id}/` answers one device, phone or tracker, and 404 for others."""
    async with simulator_client.get(f"/devices/{PHONE_ID}/") as response:
        assert (await response.json())["type"] == "iphone"
    async with simulator_client.get(f"/devices/{TRACKER_IDS[4]}/") as response:
        assert (await response.json())["name"] == "Léa"
    async with simulator_client.get("/devices/1/") as response:
        assert response.status == 404
        assert await response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("part", ["tracker_status", "tracker_config", "tracker_data"])
async def test_tracker_parts_of_the_phone_are_empty(
    simulator_client: ClientSession, part: str
) -> None:
    """The phone has no tracker status, config or data: 204 with no body."""
    async with simulator_client.get(f"/devices/{PHONE_ID}/{part}/") as response:
        assert response.status == 204
        assert await response.read() == b""


@pytest.mark.parametrize("part", ["tracker_status", "tracker_config", "tracker_data"])
async def test_tracker_parts_of_an_unknown_device_are_not_found(
    simulator_client: ClientSession, part: str
) -> None:
    """Parts of a device the account does not have are 404."""
    async with simulator_client.get(f"/devices/42/{part}/") as response:
        assert response.status == 404
        assert await response.json() == {"detail": "Not found."}


async def test_tracker_config_alone(simulator_client: ClientSession) -> None:
    """`tracker_config` answers the object `/devices/` embeds."""
    async with simulator_client.get(
        f"/devices/{TRACKER_IDS[3]}/tracker_config/"
    ) as resp:
        config = await resp.json()
    async with simulator_client.get(f"/devices/{TRACKER_IDS[3]}/") as resp:
        assert (await resp.json())["tracker_config"] == config
    assert config["usage"] == "vehicle"
    assert config["icon"] == 10
    assert config["mode"] == 8


async def test_tracker_data_pages_newest_first(simulator_client: ClientSession) -> None:
    """A page holds the 20 newest locations, newest first, in the API's shapes."""
    async with simulator_client.get(f"/devices/{TRACKER_IDS[0]}/tracker_data/") as resp:
        assert resp.status == 200
        page = await resp.json()
    assert len(page) == PAGE_SIZE
    times = [_parse_time(location["datetime"]) for location in page]
    assert times == sorted(times, reverse=True)
    assert {"datetime", "lat", "lng", "method", "pkt_drop", "precision", "uuid"} <= set(
        page[0]
    )
    assert page[0] == {
        "uuid": "4e73fd54-d2da-4b57-aae3-3552e059e44f",
        "datetime": "2026-01-01T11:29:50.267363Z",
        "lat": 48.856548,
        "lng": 2.352044,
        "precision": 7,
        "method": 2,
        "pkt_drop": 0,
    }
    assert len({location["uuid"] for location in page}) == PAGE_SIZE


async def test_tracker_data_bounds_are_inclusive_seconds(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """`timestamp` and `timestamp_max` bound full datetimes, both ends included."""
    tracker_id = simulator.world.quirks.page_boundary_tracker
    history = simulator.world.tracker(tracker_id).history()
    burst = int(history[PAGE_SIZE].at.timestamp())
    url = f"/devices/{tracker_id}/tracker_data/"
    async with simulator_client.get(url, params={"timestamp_max": burst}) as resp:
        page = await resp.json()
    assert [location["uuid"] for location in page] == [
        fix.uuid for fix in history[18 : 18 + PAGE_SIZE]
    ]
    params = {"timestamp": burst, "timestamp_max": burst}
    async with simulator_client.get(url, params=params) as resp:
        page = await resp.json()
    assert [location["datetime"] for location in page] == [
        history[18].at.isoformat().replace("+00:00", "Z")
    ] * 4
    params = {"timestamp": int(history[2].at.timestamp()) + 1}
    async with simulator_client.get(url, params=params) as resp:
        page = await resp.json()
    assert [location["uuid"] for location in page] == [fix.uuid for fix in history[:2]]


@pytest.mark.parametrize("name", ["timestamp", "timestamp_max"])
async def test_tracker_data_bound_must_be_an_integer(
    simulator_client: ClientSession, name: str
) -> None:
    """A bound that is not a whole number of seconds is a bad request."""
    url = f"/devices/{TRACKER_IDS[0]}/tracker_data/"
    async with simulator_client.get(url, params={name: "yesterday"}) as response:
        assert response.status == 400
        assert await response.json() == {name: ["A valid integer is required."]}


async def test_counters_count_requests_per_template_and_bytes(
    simulator: Simulator, simulator_client: ClientSession
) -> None:
    """Requests count under their path template; bytes count what bodies sent."""
    sent = 0
    for path in ["/users/", "/devices/", f"/devices/{TRACKER_IDS[0]}/tracker_data/"]:
        async with simulator_client.get(path) as response:
            sent += len(await response.read())
    async with simulator_client.get(f"/devices/{TRACKER_IDS[1]}/tracker_data/") as resp:
        sent += len(await resp.read())
    async with simulator_client.get(f"/devices/{PHONE_ID}/tracker_status/") as resp:
        assert resp.status == 204
    async with simulator_client.get("/nowhere/") as response:
        assert response.status == 404
    assert simulator.counters.total == 5
    assert simulator.counters.bytes_sent == sent
    assert simulator.counters.to_json() == {
        "total": 5,
        "bytes_sent": sent,
        "requests": {
            "/devices/": 1,
            "/devices/{id}/tracker_data/": 2,
            "/devices/{id}/tracker_status/": 1,
            "/users/": 1,
        },
    }
    simulator.counters.reset()
    assert simulator.counters.to_json() == {"total": 0, "bytes_sent": 0, "requests": {}}


async def test_simulator_serves_on_an_ephemeral_loopback_port(
    socket_enabled: None,
) -> None:
    """A simulator picks a free port on 127.0.0.1, and runs once, from start to stop."""
    simulator = Simulator(World(start=SIMULATOR_START))
    with pytest.raises(RuntimeError, match="not running"):
        assert simulator.url
    await simulator.start()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", simulator.url)
    with pytest.raises(RuntimeError, match="starts only once"):
        await simulator.start()
    await simulator.stop()
    await simulator.stop()
    with pytest.raises(RuntimeError, match="not running"):
        assert simulator.url
    with pytest.raises(RuntimeError, match="starts only once"):
        await simulator.start()


def test_simulator_refuses_to_listen_beyond_this_machine() -> None:
    """The control API has no authentication: only loopback addresses are allowed."""
    with pytest.raises(ValueError, match=r"0\.0\.0\.0 is not a loopback address"):
        Simulator(World(start=SIMULATOR_START), host="0.0.0.0")  # noqa: S104 - the bind refused


def test_simulator_defaults_to_a_world_of_now() -> None:
    """Without a world, a simulator serves five trackers of seed 1 as of now."""
    before = datetime.now(UTC)
    simulator = Simulator()
    assert before <= simulator.world.now <= datetime.now(UTC)
    assert len(simulator.world.tracker_ids) == 5
    assert simulator.world.seed == 1
