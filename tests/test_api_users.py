"""The client's user queries against the simulated cloud: the account and its user."""

import pytest

from custom_components.invoxia.api import (
    AsyncClient,
    FailedQuery,
    User,
)
from simulator import DEFAULT_USERNAME, Simulator


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
