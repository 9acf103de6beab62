"""Tests of `tools.remote`, the bench's and the soak's client of a simulator process."""

from collections.abc import AsyncGenerator

from aiohttp import ClientConnectionError, ClientSession
import pytest

from simulator import (
    DEFAULT_USERNAME,
    Fault,
    FaultKind,
    Move,
    ReplyShape,
    Simulator,
    World,
)
from tools.remote import START, LastFix, RemoteSimulator, SimulatorError, Traffic


@pytest.fixture
async def remote(simulator: Simulator) -> AsyncGenerator[RemoteSimulator]:
    """Drive the test's simulator over its control API."""
    async with await RemoteSimulator.connect(simulator.url) as connected:
        yield connected


async def test_remote_simulator_reads_and_changes_the_world(
    simulator: Simulator, remote: RemoteSimulator
) -> None:
    """Each call does to the world what its control route says, and reads it back."""
    world = simulator.world
    before = world.tracker_ids
    first, second = before[:2]
    assert remote.user_id == world.user_id

    await remote.move([Move(first, 48.8584, 2.2945, precision=8)])
    advanced = await remote.advance(3600)
    added = await remote.add_tracker(48.5, 2.5)
    await remote.remove_tracker(second)
    await remote.set_credentials(DEFAULT_USERNAME, "changed")
    await remote.set_faults([Fault(FaultKind.STATUS, status=503, count=1)])

    # In an hour every tracker reported; all but the one moved by hand took fixes.
    assert advanced.reported == before
    assert advanced.fixed == before[1:]
    listed = {tracker.id: tracker for tracker in await remote.trackers()}
    assert list(listed) == list(world.tracker_ids)
    assert listed[first].last_fix == LastFix(
        latitude=48.8584, longitude=2.2945, accuracy=8
    )
    assert listed[added.id] == added
    assert added.last_fix == LastFix(latitude=48.5, longitude=2.5, accuracy=10)
    assert world.check_credentials(DEFAULT_USERNAME, "changed")
    assert [fault.status for fault in simulator.faults.active] == [503]


async def test_remote_simulator_counts_traffic_anew(
    remote: RemoteSimulator, simulator_client: ClientSession
) -> None:
    """The traffic is what the API served since the last count."""
    sent = 0
    for _ in range(2):
        async with simulator_client.get("/users/") as response:
            sent += len(await response.read())

    assert await remote.traffic() == Traffic(requests={"/users/": 2}, bytes_sent=sent)
    assert await remote.traffic() == Traffic(requests={}, bytes_sent=0)


async def test_remote_simulator_says_what_the_simulator_refused(
    remote: RemoteSimulator,
) -> None:
    """A refused request raises, with the simulator's reason."""
    with pytest.raises(SimulatorError, match="no such tracker: 42"):
        await remote.move([Move(42, 48.0, 2.0)])
    with pytest.raises(SimulatorError, match="time only moves forward"):
        await remote.advance(-1)


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.timeout(120)
async def test_a_started_simulator_serves_its_world_until_closed() -> None:
    """A simulator process serves the world asked, as of START, and stops when closed.

    One that cannot start says so, with its exit status.
    """
    remote = await RemoteSimulator.start(
        trackers=3, seed=2, shape=ReplyShape.RECORDED, lifetime_s=60
    )
    async with remote:
        expected = World(seed=2, trackers=3, start=START, shape=ReplyShape.RECORDED)
        assert remote.user_id == expected.user_id
        assert [tracker.serial for tracker in await remote.trackers()] == [
            expected.tracker(tracker_id).serial for tracker_id in expected.tracker_ids
        ]
    async with ClientSession() as session:
        with pytest.raises(ClientConnectionError):
            await session.get(f"{remote.url}/_simulator/state")

    with pytest.raises(SimulatorError, match=r"did not start: b'' \(exit status 2\)"):
        await RemoteSimulator.start(trackers=0, seed=1, lifetime_s=60)
