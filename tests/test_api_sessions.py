"""The client's sessions and credentials: injected or owned, closed, sent each time."""

import aiohttp
import pytest

from custom_components.invoxia.api import (
    ApiConnectionError,
    AsyncClient,
    ClientClosedError,
    Config,
    GpsTrackerException,
    UnauthorizedQuery,
)
from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, Simulator
from tests.conftest import (
    Recorder,
    basic_authorization,
)


def _session_of(api: AsyncClient) -> aiohttp.ClientSession | None:
    """Return the session a client holds now."""
    return api._session


async def test_injected_session_is_used_and_never_closed(
    simulator: Simulator, config: Config, recorder: Recorder
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
    recorder: Recorder,
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
    simulator: Simulator, recorded_client: AsyncClient, recorder: Recorder
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
    simulator: Simulator, recorder: Recorder
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
