"""The async client against the simulated cloud: every method, sessions, paging."""

from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import asynccontextmanager
import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import logging
import math
import os
import time
from types import SimpleNamespace
from uuid import UUID

import aiohttp
from aiohttp import web
import pytest
from yarl import URL

from custom_components.invoxia.api import (
    ApiConnectionError,
    AsyncClient,
    ClientClosedError,
    Config,
    Device,
    FailedQuery,
    GpsTrackerException,
    Iphone,
    NoContentQuery,
    Tracker,
    Tracker01,
    Tracker03,
    Tracker04,
    TrackerData,
    TrackerIcon,
    TrackerListing,
    TrackerMethod,
    UnauthorizedQuery,
    UnknownDeviceType,
    User,
)
from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, Fix, Simulator, World
from tests.conftest import SIMULATOR_START, basic_authorization, serve

TRACKER_TYPES = [Tracker01, Tracker03, Tracker04, Tracker01, Tracker03]
API_LOGGER = "custom_components.invoxia.api"
UNKNOWN_TYPE_LOG = "Skipping devices of unknown type %s"


class _Recorder:
    """An aiohttp session that records the URL and Authorization of every request."""

    def __init__(self) -> None:
        """Open the session, tracing the start of each request."""
        self.urls: list[URL] = []
        self.authorizations: list[str | None] = []
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._record)
        self.session = aiohttp.ClientSession(trace_configs=[trace])

    async def _record(
        self,
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        """Keep what the request carries."""
        self.urls.append(params.url)
        self.authorizations.append(params.headers.get(aiohttp.hdrs.AUTHORIZATION))


@pytest.fixture
def config(simulator: Simulator) -> Config:
    """Return the simulated account's configuration."""
    return Config(DEFAULT_USERNAME, DEFAULT_PASSWORD, simulator.url)


@pytest.fixture
async def client(config: Config) -> AsyncGenerator[AsyncClient]:
    """Provide a client of the simulated account that owns its session."""
    async with AsyncClient(config) as api:
        yield api


@pytest.fixture
async def recorder() -> AsyncGenerator[_Recorder]:
    """Provide a recording session, closed at the end of the test."""
    recording = _Recorder()
    yield recording
    await recording.session.close()


@pytest.fixture
def recorded_client(config: Config, recorder: _Recorder) -> AsyncClient:
    """Provide a client of the simulated account using the recording session."""
    return AsyncClient(config, recorder.session)


@asynccontextmanager
async def _serve(
    payload: object, requests: list[URL] | None = None
) -> AsyncIterator[str]:
    """Serve a JSON answer to every GET on an ephemeral loopback port; yield its URL.

    The URLs asked are added to `requests`; after ten, the answer is an empty list,
    so that a client asking forever fails its test instead of hanging it.
    """
    asked = [] if requests is None else requests

    async def answer(request: web.Request) -> web.Response:
        asked.append(request.rel_url)
        return web.json_response(payload if len(asked) <= 10 else [])

    async with serve(answer) as url:
        yield url


def _session_of(api: AsyncClient) -> aiohttp.ClientSession | None:
    """Return the session a client holds now."""
    return api._session


def _devices_with_unknown_types() -> list[object]:
    """Return the simulated devices, then trackers of types the client does not know."""
    devices = World(seed=1, trackers=5, start=SIMULATOR_START).devices_json()
    extra = []
    for device_type in ("tracker_99", "scooter", "tracker_99"):
        device = copy.deepcopy(devices[1])
        assert isinstance(device, dict)
        device["type"] = device_type
        extra.append(device)
    return [*devices, *extra]


async def test_get_users_returns_the_account_user(
    simulator: Simulator, client: AsyncClient
) -> None:
    """get_users parses the account's only user from one query."""
    world = simulator.world
    assert await client.get_users() == [
        User(id=world.user_id, username=DEFAULT_USERNAME, profiles=(world.profile_id,))
    ]
    assert simulator.counters.requests == {"/users/": 1}


async def test_get_user_returns_one_user_by_id(
    simulator: Simulator, client: AsyncClient
) -> None:
    """get_user asks for one user by id."""
    world = simulator.world
    assert await client.get_user(world.user_id) == User(
        id=world.user_id, username=DEFAULT_USERNAME, profiles=(world.profile_id,)
    )
    assert simulator.counters.requests == {"/users/{id}/": 1}


async def test_get_user_of_another_account_is_a_failed_query(
    simulator: Simulator, client: AsyncClient
) -> None:
    """A user the account cannot see is the API's 404, a FailedQuery."""
    with pytest.raises(FailedQuery) as err:
        await client.get_user(simulator.world.user_id + 1)
    assert type(err.value) is FailedQuery
    assert err.value.status == 404
    assert str(err.value) == "The API answered with HTTP status 404"


@pytest.mark.parametrize(
    ("kind", "query", "with_phone", "with_trackers"),
    [
        (None, {}, True, True),
        ("iphone", {"type": "iphone"}, True, False),
        ("android", {"type": "android"}, False, False),
        ("tracker", {"type": "tracker"}, False, True),
    ],
)
async def test_get_devices_filters_by_kind(  # noqa: PLR0913 - fixtures and parameters
    simulator: Simulator,
    recorded_client: AsyncClient,
    recorder: _Recorder,
    kind: str | None,
    query: dict[str, str],
    *,
    with_phone: bool,
    with_trackers: bool,
) -> None:
    """get_devices sends the kind as `type` and parses each device to its class."""
    world = simulator.world
    expected: list[tuple[type[Device], int]] = []
    if with_phone:
        expected.append((Iphone, world.phone_id))
    if with_trackers:
        expected.extend(zip(TRACKER_TYPES, world.tracker_ids, strict=True))
    devices = await recorded_client.get_devices(kind)
    assert [(type(device), device.id) for device in devices] == expected
    assert [dict(url.query) for url in recorder.urls] == [query]


@pytest.mark.parametrize("kind", ["tracker_03", "", "TRACKER"])
async def test_get_devices_refuses_an_unknown_kind_without_asking(
    simulator: Simulator, client: AsyncClient, kind: str
) -> None:
    """A kind other than android, iphone or tracker is a ValueError; no query."""
    with pytest.raises(
        ValueError, match=r"^kind must be one of android, iphone, tracker$"
    ):
        await client.get_devices(kind)
    assert simulator.counters.total == 0


@pytest.mark.parametrize("index", range(6))
async def test_get_device_returns_the_device_the_listing_has(
    simulator: Simulator, client: AsyncClient, index: int
) -> None:
    """get_device parses a phone or a tracker exactly as get_devices does."""
    listed = (await client.get_devices())[index]
    device = await client.get_device(listed.id)
    assert device == listed
    assert type(device) is type(listed)
    assert simulator.counters.requests == {"/devices/": 1, "/devices/{id}/": 1}


async def test_get_device_parses_the_phone(
    simulator: Simulator, client: AsyncClient
) -> None:
    """The account's phone is an Iphone with its identifier as a UUID."""
    phone = await client.get_device(simulator.world.phone_id)
    data = simulator.world.device_json(simulator.world.phone_id)
    assert isinstance(phone, Iphone)
    assert (phone.name, phone.version, phone.timezone) == (
        "iPhone de Camille",
        "9.5.1.88141004",
        "Europe/Paris",
    )
    assert phone.serial == UUID(str(data["serial"]))


async def test_get_device_of_another_account_is_a_failed_query(
    simulator: Simulator, client: AsyncClient
) -> None:
    """A device the account does not have is the API's 404, a FailedQuery."""
    with pytest.raises(FailedQuery) as err:
        await client.get_device(1)
    assert (type(err.value), err.value.status) == (FailedQuery, 404)


async def test_get_device_of_an_unknown_type_raises_unknown_device_type(
    socket_enabled: None,
) -> None:
    """One device of a type the client does not know is UnknownDeviceType."""
    device = _devices_with_unknown_types()[-1]
    async with _serve(device) as url, AsyncClient(Config("a", "b", url)) as api:
        with pytest.raises(UnknownDeviceType) as err:
            await api.get_device(1)
    assert err.value.device_type == "tracker_99"
    assert str(err.value) == "Devices of type 'tracker_99' are not supported"


async def test_get_trackers_returns_every_tracker_in_one_query(
    simulator: Simulator, client: AsyncClient
) -> None:
    """get_trackers lists the trackers with their config and status."""
    trackers = await client.get_trackers()
    assert [(type(tracker), tracker.id) for tracker in trackers] == list(
        zip(TRACKER_TYPES, simulator.world.tracker_ids, strict=True)
    )
    unknown_values = trackers[2]
    assert unknown_values.id == simulator.world.quirks.unknown_values_tracker
    assert unknown_values.tracker_config.icon is TrackerIcon.UNKNOWN
    assert simulator.counters.requests == {"/devices/": 1}


async def test_get_tracker_listing_lists_the_trackers_in_one_query(
    client: AsyncClient, simulator: Simulator
) -> None:
    """A listing read whole holds the trackers get_trackers returns, nothing else."""
    listing = await client.get_tracker_listing()
    assert listing == TrackerListing(trackers=tuple(await client.get_trackers()))
    assert (
        tuple(tracker.id for tracker in listing.trackers) == simulator.world.tracker_ids
    )
    assert listing.unreadable_summary is None
    assert simulator.counters.requests == {"/devices/": 2}


async def test_get_trackers_reuses_the_models_of_unchanged_trackers(
    client: AsyncClient, simulator: Simulator
) -> None:
    """A tracker listed as before is the same object; a changed one is parsed anew."""
    first = await client.get_trackers()
    moved = first[0]
    simulator.world.move_tracker(moved.id, 48.85, 2.29)
    second = await client.get_trackers()
    assert [tracker.id for tracker in second] == [tracker.id for tracker in first]
    assert second[0] is not moved
    assert second[0].tracker_status.last_loc_longitude == 2.29
    assert all(now is before for now, before in zip(second[1:], first[1:], strict=True))


async def test_get_devices_parses_items_without_an_integer_id_every_time(
    socket_enabled: None,
) -> None:
    """Only items with an integer id are remembered; the others are parsed each time."""
    listing = [
        item | {"id": str(item["id"])}
        for item in World(seed=1, trackers=2, start=SIMULATOR_START).devices_json(
            "tracker"
        )
        if isinstance(item, dict)
    ]
    async with _serve(listing) as url, AsyncClient(Config("a", "b", url)) as api:
        first = await api.get_trackers()
        second = await api.get_trackers()
    assert second == first
    assert second[0] is not first[0]


async def test_get_trackers_skips_phones_and_unknown_types_logging_each_type_once(
    socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Phones and unknown types are left out; each unknown type is logged once."""
    caplog.set_level(logging.DEBUG, logger=API_LOGGER)
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    async with (
        _serve(_devices_with_unknown_types()) as url,
        AsyncClient(Config("a", "b", url)) as api,
    ):
        first = await api.get_trackers()
        second = await api.get_trackers()
        devices = await api.get_devices()
    assert [tracker.id for tracker in first] == list(world.tracker_ids)
    assert second == first
    assert [device.id for device in devices] == [world.phone_id, *world.tracker_ids]
    assert [
        (record.levelno, record.args)
        for record in caplog.records
        if record.msg == UNKNOWN_TYPE_LOG
    ] == [(logging.DEBUG, ("tracker_99",)), (logging.DEBUG, ("scooter",))]


async def test_get_tracker_status_returns_the_current_status(
    simulator: Simulator, client: AsyncClient
) -> None:
    """get_tracker_status parses the status the world has now."""
    world = simulator.world
    tracker = (await client.get_trackers())[3]
    status = await client.get_tracker_status(tracker)
    assert status == tracker.tracker_status
    fix = world.tracker(tracker.id).last_fix
    assert fix is not None
    assert status.last_location == fix.at
    assert (status.last_loc_latitude, status.last_loc_longitude) == (
        round(fix.lat, 6),
        round(fix.lng, 6),
    )
    assert status.battery == world.tracker(tracker.id).battery(world.now_us)
    assert simulator.counters.requests == {
        "/devices/": 1,
        "/devices/{id}/tracker_status/": 1,
    }


async def test_get_tracker_status_follows_the_world(
    simulator: Simulator, client: AsyncClient
) -> None:
    """A fix recorded after the listing shows in the next status."""
    tracker = (await client.get_trackers())[0]
    simulator.world.advance(60)
    simulator.world.move_tracker(tracker.id, 45.0, 5.0)
    status = await client.get_tracker_status(tracker)
    assert (status.last_loc_latitude, status.last_loc_longitude) == (45.0, 5.0)
    assert status.last_location == datetime(2026, 1, 1, 12, 1, tzinfo=UTC)


async def test_get_tracker_status_of_a_phone_is_no_content(
    simulator: Simulator, client: AsyncClient
) -> None:
    """The API has no tracker status for a phone: NoContentQuery."""
    tracker = (await client.get_trackers())[0]
    phone_as_tracker = replace(tracker, id=simulator.world.phone_id)
    with pytest.raises(NoContentQuery) as err:
        await client.get_tracker_status(phone_as_tracker)
    assert (err.value.status, str(err.value)) == (
        204,
        "The API has no content for this request",
    )


async def test_get_tracker_config_returns_the_settings(
    simulator: Simulator, client: AsyncClient
) -> None:
    """get_tracker_config parses the tracker's settings, unknown icon included."""
    trackers = await client.get_trackers()
    configs = [await client.get_tracker_config(tracker) for tracker in trackers]
    assert configs == [tracker.tracker_config for tracker in trackers]
    assert configs[2].icon is TrackerIcon.UNKNOWN
    assert simulator.counters.requests == {
        "/devices/": 1,
        "/devices/{id}/tracker_config/": 5,
    }


async def test_injected_session_is_used_and_never_closed(
    simulator: Simulator, config: Config, recorder: _Recorder
) -> None:
    """The client queries through the given session and leaves it open."""
    async with AsyncClient(config, recorder.session) as api:
        await api.get_users()
        await api.close()
        assert not recorder.session.closed
    assert not recorder.session.closed
    assert len(recorder.urls) == 1
    assert simulator.counters.requests == {"/users/": 1}
    # The session stays usable by its owner.
    async with recorder.session.get(f"{simulator.url}/users/") as response:
        assert response.status == 401


@pytest.mark.parametrize("injected", [False, True], ids=["owned", "injected"])
async def test_closed_client_refuses_to_query(
    simulator: Simulator,
    config: Config,
    recorder: _Recorder,
    injected: bool,  # noqa: FBT001 - a parameter of the test
) -> None:
    """After close() a query is ClientClosedError: no request, no new session.

    A session given to the client stays open for its owner.
    """
    api = AsyncClient(config, recorder.session if injected else None)
    await api.get_users()
    await api.close()
    with pytest.raises(ClientClosedError) as err:
        await api.get_users()
    assert str(err.value) == "The client is closed: create a new one to query the API"
    assert isinstance(err.value, GpsTrackerException)
    assert _session_of(api) is (recorder.session if injected else None)
    assert not recorder.session.closed
    assert simulator.counters.requests == {"/users/": 1}


async def test_client_closed_before_any_query_opens_no_session(
    simulator: Simulator, config: Config
) -> None:
    """A client closed unused refuses its first query instead of opening a session."""
    async with AsyncClient(config) as api:
        pass
    with pytest.raises(ClientClosedError):
        await api.get_trackers()
    assert _session_of(api) is None
    assert simulator.counters.total == 0


async def test_injected_session_closed_by_its_owner_is_a_connection_error(
    simulator: Simulator, config: Config
) -> None:
    """A given session its owner closed is ApiConnectionError, not aiohttp's error."""
    session = aiohttp.ClientSession()
    api = AsyncClient(config, session)
    await api.get_users()
    await session.close()
    with pytest.raises(ApiConnectionError) as err:
        await api.get_users()
    assert (type(err.value), str(err.value)) == (
        ApiConnectionError,
        "The aiohttp session given to the client is closed",
    )
    assert (err.value.__cause__, err.value.__context__) == (None, None)
    assert simulator.counters.requests == {"/users/": 1}


async def test_owned_session_is_created_on_first_query_and_closed(
    simulator: Simulator, config: Config
) -> None:
    """Without a session the client opens one when needed and closes it."""
    api = AsyncClient(config)
    assert _session_of(api) is None
    await api.get_users()
    session = _session_of(api)
    assert isinstance(session, aiohttp.ClientSession)
    await api.get_users()
    assert _session_of(api) is session
    open_until_closed = not session.closed
    await api.close()
    assert (open_until_closed, session.closed, _session_of(api)) == (True, True, None)
    await api.close()
    assert simulator.counters.requests == {"/users/": 2}


async def test_owned_session_is_closed_when_the_context_exits(config: Config) -> None:
    """`async with` closes the session the client created."""
    async with AsyncClient(config) as api:
        await api.get_users()
        session = _session_of(api)
        assert isinstance(session, aiohttp.ClientSession)
    assert session.closed
    assert _session_of(api) is None


async def test_closing_an_unused_client_creates_no_session(config: Config) -> None:
    """A client that never queried has nothing to open or close."""
    async with AsyncClient(config) as api:
        pass
    assert _session_of(api) is None


async def test_credentials_go_as_basic_auth_on_every_request(
    simulator: Simulator, recorded_client: AsyncClient, recorder: _Recorder
) -> None:
    """Each request carries the account's HTTP Basic credentials; the API takes them."""
    api = recorded_client
    trackers = await api.get_trackers()
    await api.get_tracker_status(trackers[0])
    await api.get_locations(trackers[0])
    expected = basic_authorization(DEFAULT_USERNAME, DEFAULT_PASSWORD)
    assert recorder.authorizations == [expected] * 3
    assert recorder.session.headers.get(aiohttp.hdrs.AUTHORIZATION) is None
    assert simulator.counters.total == 3


async def test_non_ascii_credentials_are_sent_in_utf8(
    simulator: Simulator, recorder: _Recorder
) -> None:
    """Accented credentials work: they are encoded in UTF-8."""
    simulator.world.set_credentials("zoé@example.com", "mot-de-passe-été")
    config = Config("zoé@example.com", "mot-de-passe-été", simulator.url)
    users = await AsyncClient(config, recorder.session).get_users()
    assert [user.username for user in users] == ["zoé@example.com"]
    assert recorder.authorizations == [
        basic_authorization("zoé@example.com", "mot-de-passe-été")
    ]


async def test_wrong_credentials_are_unauthorized_with_the_api_detail(
    simulator: Simulator,
) -> None:
    """Refused credentials raise UnauthorizedQuery carrying the API's explanation."""
    config = Config(DEFAULT_USERNAME, "not-the-password", simulator.url)
    async with AsyncClient(config) as api:
        with pytest.raises(UnauthorizedQuery) as err:
            await api.get_users()
    assert (err.value.status, str(err.value)) == (401, "Invalid username/password.")
    assert "not-the-password" not in repr(err.value)


async def test_changed_password_is_refused_at_once(
    simulator: Simulator, client: AsyncClient
) -> None:
    """Credentials changed on the account make the next query unauthorized."""
    await client.get_users()
    simulator.world.set_credentials(DEFAULT_USERNAME, "a-new-password")
    with pytest.raises(UnauthorizedQuery):
        await client.get_users()
    assert simulator.counters.requests == {"/users/": 2}


def _tracker(simulator: Simulator, tracker_id: int) -> Tracker:
    """Parse a simulated tracker without querying the API."""
    tracker = Device.from_json(simulator.world.device_json(tracker_id))
    assert isinstance(tracker, Tracker)
    return tracker


def _history(simulator: Simulator, tracker_id: int) -> list[Fix]:
    """Return every location of a simulated tracker, newest first: the truth."""
    return simulator.world.tracker(tracker_id).history()


def _got(locations: list[TrackerData]) -> list[tuple[str, datetime]]:
    """Identify locations by uuid and time."""
    return [(str(location.uuid), location.datetime) for location in locations]


def _fixes(fixes: list[Fix]) -> list[tuple[str, datetime]]:
    """Identify simulated fixes as _got identifies locations."""
    return [(fix.uuid, fix.at) for fix in fixes]


def _second(fix: Fix) -> str:
    """Return the whole second a fix was taken in, as the API's bounds are written."""
    return str(fix.time_us // 1_000_000)


def _bounds(recorder: _Recorder) -> list[tuple[str | None, str | None]]:
    """Return the `timestamp` and `timestamp_max` of each request sent."""
    return [
        (url.query.get("timestamp"), url.query.get("timestamp_max"))
        for url in recorder.urls
    ]


@pytest.fixture
def far_from_utc() -> Iterator[None]:
    """Run the test with a local time zone eight hours behind UTC."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "PST+8"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


@pytest.mark.parametrize(
    ("max_count", "queries"), [(1, 1), (19, 1), (20, 1), (21, 2), (45, 3)]
)
async def test_get_locations_pages_newest_first(
    simulator: Simulator,
    recorded_client: AsyncClient,
    recorder: _Recorder,
    max_count: int,
    queries: int,
) -> None:
    """max_count locations, newest first, in ⌈max_count / 20⌉ queries going back."""
    tracker = _tracker(simulator, simulator.world.tracker_ids[3])
    locations = await recorded_client.get_locations(tracker, max_count=max_count)
    history = _history(simulator, tracker.id)
    assert _got(locations) == _fixes(history[:max_count])
    assert _bounds(recorder) == [
        (None, None),
        *((None, _second(history[20 * page - 1])) for page in range(1, queries)),
    ]
    assert simulator.counters.requests == {"/devices/{id}/tracker_data/": queries}


async def test_get_locations_default_is_one_page(
    simulator: Simulator, client: AsyncClient
) -> None:
    """Without max_count, the 20 newest locations come from one query."""
    tracker = _tracker(simulator, simulator.world.tracker_ids[4])
    locations = await client.get_locations(tracker)
    assert _got(locations) == _fixes(_history(simulator, tracker.id)[:20])
    assert simulator.counters.total == 1


@pytest.mark.parametrize("index", [3, 4])
async def test_get_locations_returns_the_whole_history_when_asked_more(
    simulator: Simulator, client: AsyncClient, index: int
) -> None:
    """Asking more than there is gives everything; the first short page ends it."""
    tracker = _tracker(simulator, simulator.world.tracker_ids[index])
    locations = await client.get_locations(tracker, max_count=1000)
    history = _history(simulator, tracker.id)
    assert len(history) > 100
    assert _got(locations) == _fixes(history)
    assert simulator.counters.total == len(history) // 20 + 1


async def test_get_locations_of_whole_pages_ends_on_an_empty_one(
    simulator: Simulator, recorded_client: AsyncClient, recorder: _Recorder
) -> None:
    """A history of exactly two pages takes a third, empty, query to end."""
    world = simulator.world
    tracker_id = world.add_tracker()
    # Fixes a quarter second past the minute: a bound never lands on one.
    world.advance(0.25)
    for minute in range(40):
        world.move_tracker(tracker_id, 48.0, 2.0 + minute / 1000)
        world.advance(60)
    tracker = _tracker(simulator, tracker_id)
    locations = await recorded_client.get_locations(tracker, max_count=100)
    history = _history(simulator, tracker_id)
    assert len(history) == 40
    assert _got(locations) == _fixes(history)
    assert _bounds(recorder) == [
        (None, None),
        (None, _second(history[19])),
        (None, _second(history[39])),
    ]


@pytest.mark.parametrize(("max_count", "queries"), [(22, 2), (40, 3)])
async def test_get_locations_across_a_second_straddling_two_pages(
    simulator: Simulator,
    recorded_client: AsyncClient,
    recorder: _Recorder,
    max_count: int,
    queries: int,
) -> None:
    """Locations sharing a second across a page boundary come once each, none lost."""
    tracker = _tracker(simulator, simulator.world.quirks.page_boundary_tracker)
    locations = await recorded_client.get_locations(tracker, max_count=max_count)
    history = _history(simulator, tracker.id)
    assert len({fix.at for fix in history[18:22]}) == 1
    assert _got(locations) == _fixes(history[:max_count])
    assert len({location.uuid for location in locations}) == max_count
    assert (
        _bounds(recorder)
        == [
            (None, None),
            (None, _second(history[19])),
            (None, _second(history[37])),
        ][:queries]
    )
    assert simulator.counters.total == queries


async def test_get_locations_goes_below_a_second_holding_more_than_a_page(
    simulator: Simulator, recorded_client: AsyncClient, recorder: _Recorder
) -> None:
    """The API cannot page within one second: the client keeps what it got, goes on.

    A whole page of one second is all the API gives of it: asking that second
    again would bring the same page, so the next query is below it.
    """
    tracker = _tracker(simulator, simulator.world.quirks.same_second_tracker)
    locations = await recorded_client.get_locations(tracker, max_count=60)
    history = _history(simulator, tracker.id)
    crowded = history[30].time_us // 1_000_000
    assert {fix.time_us for fix in history[30:55]} == {crowded * 1_000_000}
    # Locations 50 to 54 hide behind the 20 newest of their second: out of reach.
    assert _got(locations) == _fixes(history[:50] + history[55:65])
    assert _bounds(recorder) == [
        (None, None),
        (None, _second(history[19])),
        (None, str(crowded)),
        (None, str(crowded - 1)),
    ]
    assert simulator.counters.total == 4


async def test_get_locations_terminates_over_a_crowded_second(
    simulator: Simulator, client: AsyncClient
) -> None:
    """Reading the whole history past a crowded second ends, without duplicates."""
    tracker = _tracker(simulator, simulator.world.quirks.same_second_tracker)
    locations = await client.get_locations(tracker, max_count=1000)
    history = _history(simulator, tracker.id)
    assert len(history) > 100
    assert _got(locations) == _fixes(history[:50] + history[55:])
    # Four queries get past the crowded second, then whole pages and a short one.
    assert simulator.counters.total == 4 + (len(history) - 75) // 20 + 1


async def test_get_locations_parses_unknown_methods(
    simulator: Simulator, client: AsyncClient
) -> None:
    """A location method the client does not know is UNKNOWN."""
    tracker = _tracker(simulator, simulator.world.quirks.unknown_values_tracker)
    locations = await client.get_locations(tracker, max_count=8)
    assert [location.method for location in locations].count(TrackerMethod.UNKNOWN) == 1
    assert (locations[7].method, locations[7].precision) == (TrackerMethod.UNKNOWN, 100)


async def test_get_locations_bounds_are_whole_seconds_both_included(
    simulator: Simulator, recorded_client: AsyncClient, recorder: _Recorder
) -> None:
    """A location exactly at not_before or not_after is returned."""
    tracker = _tracker(simulator, simulator.world.quirks.page_boundary_tracker)
    history = _history(simulator, tracker.id)
    moment = history[18].at
    locations = await recorded_client.get_locations(
        tracker, not_before=moment, not_after=moment
    )
    assert _got(locations) == _fixes(history[18:22])
    assert _bounds(recorder) == [(_second(history[18]), _second(history[18]))]


async def test_get_locations_takes_naive_bounds_as_utc(
    simulator: Simulator,
    recorded_client: AsyncClient,
    recorder: _Recorder,
    far_from_utc: None,
) -> None:
    """Naive datetimes are UTC, whatever the local time zone."""
    tracker = _tracker(simulator, simulator.world.quirks.page_boundary_tracker)
    history = _history(simulator, tracker.id)
    naive = history[18].at.replace(tzinfo=None)
    locations = await recorded_client.get_locations(
        tracker, not_before=naive, not_after=naive
    )
    assert _got(locations) == _fixes(history[18:22])
    assert _bounds(recorder) == [(_second(history[18]), _second(history[18]))]


async def test_get_locations_pages_within_bounds(
    simulator: Simulator, recorded_client: AsyncClient, recorder: _Recorder
) -> None:
    """Every query keeps not_before; paging moves timestamp_max down from not_after."""
    tracker = _tracker(simulator, simulator.world.tracker_ids[3])
    history = _history(simulator, tracker.id)
    not_before = history[50].at - timedelta(seconds=1)
    not_after = history[5].at + timedelta(seconds=1)
    locations = await recorded_client.get_locations(
        tracker, not_before=not_before, not_after=not_after, max_count=100
    )
    assert _got(locations) == _fixes(history[5:51])
    lower = str(math.ceil(not_before.timestamp()))
    assert _bounds(recorder) == [
        (lower, str(math.floor(not_after.timestamp()))),
        (lower, _second(history[24])),
        (lower, _second(history[44])),
    ]


async def test_get_locations_never_returns_a_location_out_of_bounds(
    simulator: Simulator, client: AsyncClient
) -> None:
    """Bounds within a second shrink to whole seconds: what is out stays out."""
    tracker = _tracker(simulator, simulator.world.tracker_ids[3])
    history = _history(simulator, tracker.id)
    locations = await client.get_locations(
        tracker,
        not_before=history[40].at + timedelta(microseconds=1),
        not_after=history[5].at - timedelta(microseconds=1),
        max_count=100,
    )
    assert _got(locations) == _fixes(history[6:40])
    assert simulator.counters.total == 2


@pytest.mark.parametrize("max_count", [0, -1])
async def test_get_locations_of_nothing_makes_no_query(
    simulator: Simulator, client: AsyncClient, max_count: int
) -> None:
    """max_count 0 or less returns [] without asking the API."""
    tracker = _tracker(simulator, simulator.world.tracker_ids[0])
    assert await client.get_locations(tracker, max_count=max_count) == []
    assert simulator.counters.total == 0


async def test_get_locations_of_a_short_history(
    simulator: Simulator, client: AsyncClient
) -> None:
    """A history shorter than a page comes whole from one query, newest first."""
    world = simulator.world
    tracker_id = world.add_tracker(position=(48.85, 2.35))
    world.advance(90)
    world.move_tracker(tracker_id, 48.86, 2.36)
    world.advance(0.5)
    world.move_tracker(tracker_id, 48.87, 2.37)
    tracker = _tracker(simulator, tracker_id)
    locations = await client.get_locations(tracker, max_count=50)
    assert [(location.lat, location.lng) for location in locations] == [
        (48.87, 2.37),
        (48.86, 2.36),
        (48.85, 2.35),
    ]
    assert [location.datetime for location in locations] == [
        SIMULATOR_START + timedelta(seconds=90.5),
        SIMULATOR_START + timedelta(seconds=90),
        SIMULATOR_START,
    ]
    assert simulator.counters.total == 1


async def test_get_locations_of_a_tracker_without_any(
    simulator: Simulator, client: AsyncClient
) -> None:
    """A tracker that never reported a location has none; one query tells."""
    tracker = _tracker(simulator, simulator.world.add_tracker())
    assert await client.get_locations(tracker, max_count=50) == []
    assert simulator.counters.total == 1


async def test_get_locations_stops_when_the_api_ignores_timestamp_max(
    socket_enabled: None,
) -> None:
    """An API answering the same full page to every query cannot make it loop."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    tracker = Device.from_json(world.device_json(world.tracker_ids[3]))
    assert isinstance(tracker, Tracker)
    page = [fix.to_json() for fix in world.tracker(tracker.id).history()[:20]]
    asked: list[URL] = []
    async with (
        _serve(page, asked) as url,
        AsyncClient(Config("a", "b", url)) as api,
    ):
        locations = await api.get_locations(tracker, max_count=100)
    assert [str(location.uuid) for location in locations] == [
        str(item["uuid"]) for item in page
    ]
    assert len(asked) == 3


def _fresh_history(index: int) -> tuple[Tracker, list[Fix]]:
    """Return a tracker of a fresh simulated world and its history, newest first."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START)
    tracker = Device.from_json(world.device_json(world.tracker_ids[index]))
    assert isinstance(tracker, Tracker)
    return tracker, world.tracker(tracker.id).history()


@pytest.mark.parametrize(
    ("fresh", "queries", "uuids"),
    [
        (20, 5, {page * 100 + index for page in range(1, 6) for index in range(20)}),
        (1, 6, {*range(100, 120), *(page * 100 for page in range(2, 7))}),
    ],
    ids=["every_uuid_new", "one_uuid_new"],
)
async def test_get_locations_asks_at_most_one_page_more_than_max_count_needs(
    socket_enabled: None, fresh: int, queries: int, uuids: set[int]
) -> None:
    """An API ignoring timestamp_max gets ⌈max_count / 20⌉ + 1 queries at most.

    Even with new uuids on every page: the client returns what these pages brought.
    """
    tracker, history = _fresh_history(3)
    asked: list[URL] = []

    async def answer(request: web.Request) -> web.Response:
        """Answer the same 20 locations, `fresh` of them under uuids never sent."""
        asked.append(request.rel_url)
        page = len(asked)
        return web.json_response(
            [
                {**fix.to_json(), "uuid": str(UUID(int=index + 100 * page))}
                if index < fresh
                else {**fix.to_json(), "uuid": str(UUID(int=index + 100))}
                for index, fix in enumerate(history[:20])
            ]
        )

    async with (
        serve(answer) as url,
        AsyncClient(Config("a", "b", url)) as api,
    ):
        locations = await api.get_locations(tracker, max_count=100)
    assert {location.uuid.int for location in locations} == uuids
    assert len(locations) == len(uuids)
    assert len(asked) == queries


async def test_get_locations_stops_at_a_page_newer_than_asked(
    socket_enabled: None,
) -> None:
    """A page newer than the timestamp_max asked ends the query: the API ignores it."""
    tracker, history = _fresh_history(3)
    asked: list[URL] = []

    async def answer(request: web.Request) -> web.Response:
        """Answer an older page first, then the newest one, whatever is asked."""
        asked.append(request.rel_url)
        page = history[20:40] if len(asked) == 1 else history[:20]
        return web.json_response([fix.to_json() for fix in page])

    async with (
        serve(answer) as url,
        AsyncClient(Config("a", "b", url)) as api,
    ):
        locations = await api.get_locations(tracker, max_count=100)
    assert _got(locations) == _fixes(history[:40])
    assert [url.query.get("timestamp_max") for url in asked] == [
        None,
        _second(history[39]),
    ]


async def test_get_locations_reads_an_unsorted_page_of_more_than_twenty(
    socket_enabled: None,
) -> None:
    """The real API may answer 25 locations at once, in no order: newest first out."""
    tracker, history = _fresh_history(3)
    # A naive datetime, as recorded from the real API, is UTC.
    page = [
        {**fix.to_json(), "datetime": fix.at.replace(tzinfo=None).isoformat()}
        for fix in history[:25]
    ]
    page = page[10:] + page[:10]
    asked: list[URL] = []
    async with (
        _serve(page, asked) as url,
        AsyncClient(Config("a", "b", url)) as api,
    ):
        newest = await api.get_locations(tracker, max_count=1)
        locations = await api.get_locations(tracker, max_count=25)
    assert [location.uuid for location in newest] == [UUID(history[0].uuid)]
    assert [location.uuid for location in locations] == [
        UUID(fix.uuid) for fix in history[:25]
    ]
    assert [location.datetime for location in locations] == [
        fix.at for fix in history[:25]
    ]
