"""The client's location history: paging newest first, bounds, and odd pages."""

from collections.abc import Iterator
from datetime import datetime, timedelta
import math
import os
import time
from uuid import UUID

from aiohttp import web
import pytest
from yarl import URL

from custom_components.invoxia.api import (
    AsyncClient,
    Config,
    Device,
    Tracker,
    TrackerData,
    TrackerMethod,
)
from simulator import Fix, Simulator, World
from tests.conftest import (
    SIMULATOR_START,
    Recorder,
    serve,
    serve_json,
)


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


def _bounds(recorder: Recorder) -> list[tuple[str | None, str | None]]:
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
    recorder: Recorder,
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
    simulator: Simulator, recorded_client: AsyncClient, recorder: Recorder
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
    recorder: Recorder,
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
    simulator: Simulator, recorded_client: AsyncClient, recorder: Recorder
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
    simulator: Simulator, recorded_client: AsyncClient, recorder: Recorder
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
    recorder: Recorder,
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
    simulator: Simulator, recorded_client: AsyncClient, recorder: Recorder
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
        serve_json(page, asked) as url,
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
        serve_json(page, asked) as url,
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
