"""The synchronous client, on its own event loop, against a simulator in a thread."""

import asyncio
from collections.abc import Coroutine, Iterator
import gc
import inspect
import threading
import warnings

import aiohttp
import pytest

from custom_components.invoxia.api import (
    AsyncClient,
    Client,
    ClientClosedError,
    Config,
    FailedQuery,
    Iphone,
    Tracker,
    TrackerListing,
    UnauthorizedQuery,
    User,
)
from simulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    Fault,
    FaultKind,
    Simulator,
    World,
)
from tests.conftest import SIMULATOR_START

IN_EVENT_LOOP = (
    r"^Client cannot run inside a running event loop: use AsyncClient there$"
)


class _ThreadedSimulator:
    """A simulator serving from its own event loop in a thread of its own.

    The sync client runs an event loop in the test's thread, so the simulator cannot
    share it; calls into the simulator's loop wait for their result.
    """

    def __init__(self) -> None:
        """Start the loop's thread, then the simulator on it."""
        self.simulator = Simulator(World(seed=1, trackers=5, start=SIMULATOR_START))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="simulator")
        self._thread.start()
        self.run(self.simulator.start())

    def run[T](self, call: Coroutine[object, object, T]) -> T:
        """Run a coroutine on the simulator's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(call, self._loop).result()

    def stop(self) -> None:
        """Stop the simulator, then its loop, and join the thread."""
        try:
            self.run(self.simulator.stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()


@pytest.fixture
def threaded_simulator(socket_enabled: None) -> Iterator[Simulator]:
    """Run the simulated cloud in a thread, stopped and joined after the test."""
    threaded = _ThreadedSimulator()
    yield threaded.simulator
    threaded.stop()


@pytest.fixture
def config(threaded_simulator: Simulator) -> Config:
    """Return the simulated account's configuration."""
    return Config(DEFAULT_USERNAME, DEFAULT_PASSWORD, threaded_simulator.url)


def _session_of(client: Client) -> aiohttp.ClientSession | None:
    """Return the session the client's async client holds now."""
    return client._client._session


def _queries(client_class: type[object]) -> dict[str, list[str]]:
    """Map each query method of a client class to its parameters' names."""
    return {
        name: list(inspect.signature(getattr(client_class, name)).parameters)
        for name in dir(client_class)
        if name.startswith("get_")
    }


def test_sync_client_mirrors_every_query_of_the_async_one() -> None:
    """Client offers each query of AsyncClient, with the same parameters."""
    assert _queries(Client) == _queries(AsyncClient)
    assert "get_tracker_listing" in _queries(Client)


def test_every_method_answers_from_the_api(
    threaded_simulator: Simulator, config: Config
) -> None:
    """Each method of the sync client returns what the API says."""
    world = threaded_simulator.world
    user = User(
        id=world.user_id, username=DEFAULT_USERNAME, profiles=(world.profile_id,)
    )
    with Client(config) as client:
        assert client.get_users() == [user]
        assert client.get_user(world.user_id) == user
        assert [device.id for device in client.get_devices()] == [
            world.phone_id,
            *world.tracker_ids,
        ]
        assert [device.id for device in client.get_devices("iphone")] == [
            world.phone_id
        ]
        assert client.get_devices("android") == []
        with pytest.raises(
            ValueError, match=r"^kind must be one of android, iphone, tracker$"
        ):
            client.get_devices("phone")
        trackers = client.get_trackers()
        assert [tracker.id for tracker in trackers] == list(world.tracker_ids)
        assert client.get_devices("tracker") == trackers
        assert client.get_tracker_listing() == TrackerListing(trackers=tuple(trackers))
        assert isinstance(client.get_device(world.phone_id), Iphone)
        tracker = client.get_device(world.tracker_ids[3])
        assert isinstance(tracker, Tracker)
        assert tracker == trackers[3]
        locations = client.get_locations(
            tracker, not_before=None, not_after=None, max_count=25
        )
        history = world.tracker(tracker.id).history()
        assert [str(location.uuid) for location in locations] == [
            fix.uuid for fix in history[:25]
        ]
        assert client.get_tracker_status(tracker) == tracker.tracker_status
        assert client.get_tracker_config(tracker) == tracker.tracker_config
    assert threaded_simulator.counters.requests == {
        "/users/": 1,
        "/users/{id}/": 1,
        "/devices/": 6,
        "/devices/{id}/": 2,
        "/devices/{id}/tracker_data/": 2,
        "/devices/{id}/tracker_status/": 1,
        "/devices/{id}/tracker_config/": 1,
    }


def test_errors_come_through_unchanged(threaded_simulator: Simulator) -> None:
    """The sync client raises the async client's exceptions."""
    config = Config(DEFAULT_USERNAME, "not-the-password", threaded_simulator.url)
    with Client(config) as client:
        with pytest.raises(UnauthorizedQuery, match=r"^Invalid username/password\.$"):
            client.get_users()
        threaded_simulator.faults.add(Fault(FaultKind.STATUS, status=502))
        with pytest.raises(FailedQuery) as err:
            client.get_users()
    assert (type(err.value), err.value.status) == (FailedQuery, 502)


def test_with_block_closes_the_session_and_the_loop(
    threaded_simulator: Simulator, config: Config
) -> None:
    """Leaving the `with` block closes the session and the loop: none is left open.

    An event loop collected unclosed warns, as does a session.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Client(config) as client:
            client.get_users()
            session = _session_of(client)
            assert isinstance(session, aiohttp.ClientSession)
        assert session.closed
        assert _session_of(client) is None
        del client, session
        gc.collect()
    assert [str(warning.message) for warning in caught] == []
    assert threaded_simulator.counters.total == 1


def test_close_closes_the_session_and_again_does_nothing(config: Config) -> None:
    """close() closes the session; closing again, or on leaving `with`, is harmless."""
    with Client(config) as client:
        client.get_users()
        session = _session_of(client)
        assert isinstance(session, aiohttp.ClientSession)
        client.close()
        assert session.closed
        client.close()


def test_close_of_an_unused_client(config: Config) -> None:
    """A client that never queried closes without a session to close."""
    client = Client(config)
    client.close()
    assert _session_of(client) is None


def test_the_calling_thread_keeps_its_event_loop(config: Config) -> None:
    """Using and closing the client leaves the thread's current event loop in place."""
    kept: list[bool] = []

    def use_client() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            with Client(config) as client:
                client.get_users()
            kept.append(asyncio.get_event_loop() is loop)
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    thread = threading.Thread(target=use_client, name="script")
    thread.start()
    thread.join()
    assert kept == [True]


def test_closed_client_refuses_to_query(
    threaded_simulator: Simulator, config: Config
) -> None:
    """After close() a query is ClientClosedError, leaving no coroutine unawaited."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Client(config) as client:
            client.get_users()
        with pytest.raises(
            ClientClosedError,
            match=r"^The client is closed: create a new one to query the API$",
        ):
            client.get_trackers()
        gc.collect()
    assert [str(warning.message) for warning in caught] == []
    assert threaded_simulator.counters.requests == {"/users/": 1}


async def test_client_inside_an_event_loop_says_to_use_async_client(
    threaded_simulator: Simulator, config: Config
) -> None:
    """Inside a running event loop a query is a RuntimeError saying what to use.

    No coroutine is left unawaited, no event loop is left open, and the client,
    which never ran, closes there.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = Client(config)
        with pytest.raises(RuntimeError, match=IN_EVENT_LOOP):
            client.get_users()
        client.close()
        with pytest.raises(ClientClosedError):
            client.get_users()
        del client
        gc.collect()
    assert [str(warning.message) for warning in caught] == []
    assert threaded_simulator.counters.total == 0


def test_client_that_ran_is_closed_outside_an_event_loop(
    threaded_simulator: Simulator, config: Config
) -> None:
    """Closing inside an event loop a client that ran is refused; outside, it closes."""
    client = Client(config)
    client.get_users()
    session = _session_of(client)
    assert isinstance(session, aiohttp.ClientSession)

    async def close_inside_a_loop() -> None:
        with pytest.raises(RuntimeError, match=IN_EVENT_LOOP):
            client.close()

    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        runner.run(close_inside_a_loop())
    open_after_the_refusal = not session.closed
    assert client.get_users()[0].id == threaded_simulator.world.user_id
    client.close()
    assert (open_after_the_refusal, session.closed) == (True, True)
    assert threaded_simulator.counters.requests == {"/users/": 2}
