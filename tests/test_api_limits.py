"""The bounds the client keeps to: how much it reads, how long and how often it waits.

An answer may be up to 32 MiB, far above the largest real one; past that, the client
stops reading at once, whatever the API goes on sending, so that a broken or hostile
answer cannot fill Home Assistant's memory. Waits of a second or less are waits.
"""

import asyncio

from aiohttp import web
import pytest

from custom_components.invoxia.api import (
    AsyncClient,
    Config,
    RateLimitedQuery,
    UnknownAnswerScheme,
)
from simulator import Fault, FaultKind, Simulator
from tests.conftest import serve

LIMIT = 32 * 1024 * 1024
REFUSED = rf"^The API answer exceeds {LIMIT} bytes$"


async def test_an_answer_of_32_mib_is_read_and_one_byte_more_refused(
    simulator: Simulator, client: AsyncClient
) -> None:
    """The limit is 32 MiB exactly: the client reads up to it, never past it."""
    simulator.faults.add(Fault(FaultKind.HUGE, size=LIMIT - 1, count=1))
    assert [user.id for user in await client.get_users()] == [simulator.world.user_id]
    simulator.faults.add(Fault(FaultKind.HUGE, size=LIMIT, count=1))
    with pytest.raises(UnknownAnswerScheme, match=REFUSED):
        await client.get_users()
    assert simulator.counters.bytes_sent == 2 * LIMIT + 1


async def test_reading_stops_at_the_limit_however_much_more_comes(
    socket_enabled: None,
) -> None:
    """An answer four times the limit is refused once the limit is passed.

    The client hangs up then: the API cannot send much more than the limit before
    its writes fail.
    """
    chunk = b" " * (1024 * 1024)
    sent = 0
    finished = asyncio.Event()

    async def answer(request: web.Request) -> web.StreamResponse:
        """Send a JSON list padded with 128 MiB of whitespace, a MiB at a time."""
        nonlocal sent
        response = web.StreamResponse()
        await response.prepare(request)
        try:
            await response.write(b"[]")
            for _ in range(4 * LIMIT // len(chunk)):
                await response.write(chunk)
                sent += len(chunk)
        except ConnectionError:
            pass
        finally:
            finished.set()
        return response

    async with serve(answer) as url, AsyncClient(Config("a", "b", url)) as api:
        with pytest.raises(UnknownAnswerScheme, match=REFUSED):
            await api.get_users()
        await finished.wait()
    assert LIMIT <= sent < 2 * LIMIT


def test_a_request_timeout_below_a_second_is_a_timeout() -> None:
    """Half a second is a positive, finite timeout: it is kept as given."""
    assert Config("a", "b", request_timeout=0.5).request_timeout == 0.5


async def test_a_rate_limit_of_one_second_is_a_wait(
    simulator: Simulator, client: AsyncClient
) -> None:
    """Retry-After: 1 asks for a wait of one second, which the error carries."""
    simulator.faults.add(Fault(FaultKind.STATUS, status=429, retry_after=1, count=1))
    with pytest.raises(RateLimitedQuery) as limited:
        await client.get_users()
    assert limited.value.retry_after == 1.0
