"""The client's tracker queries: the listing and its parse cache, status, config."""

from dataclasses import replace
from datetime import UTC, datetime
import logging

import pytest

from custom_components.invoxia.api import (
    AsyncClient,
    Config,
    NoContentQuery,
    TrackerIcon,
    TrackerListing,
)
from simulator import Simulator, World
from tests.conftest import (
    SIMULATOR_START,
    TRACKER_TYPES,
    devices_with_unknown_types,
    serve_json,
)

API_LOGGER = "custom_components.invoxia.api"
UNKNOWN_TYPE_LOG = "Skipping devices of unknown type %s"


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
    async with serve_json(listing) as url, AsyncClient(Config("a", "b", url)) as api:
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
        serve_json(devices_with_unknown_types()) as url,
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
