"""How many queries a history may cost: one page more than the count asked needs.

An API that ignores the bounds it is asked, answering the same page again and again,
must not make the client ask forever, nor stop short of the pages a count needs.
"""

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from uuid import UUID

from aiohttp import web
import pytest
from yarl import URL

from custom_components.invoxia.api import AsyncClient, Config, Device, Tracker
from tests.conftest import serve

TRACKER = json.loads((Path(__file__).parent / "fixtures" / "tracker.json").read_text())
NEWEST = datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(("max_count", "queries"), [(21, 2), (90, 6), (100, 6)])
async def test_a_count_between_whole_pages_may_take_one_page_more(
    socket_enabled: None, max_count: int, queries: int
) -> None:
    """⌈max_count / 20⌉ + 1 queries at most, each answered with one location new.

    The client returns the 19 locations seen on every page and each new one, and
    asks no more once it has max_count.
    """
    tracker = Device.from_json(TRACKER)
    assert isinstance(tracker, Tracker)
    asked: list[URL] = []

    async def answer(request: web.Request) -> web.Response:
        """Answer the same 20 seconds of history, the newest under a new uuid."""
        asked.append(request.rel_url)
        return web.json_response(
            [
                {
                    "datetime": (NEWEST - timedelta(seconds=index)).isoformat(),
                    "uuid": str(UUID(int=100 * len(asked) if index == 0 else index)),
                }
                for index in range(20)
            ]
        )

    async with serve(answer) as url, AsyncClient(Config("a", "b", url)) as api:
        locations = await api.get_locations(tracker, max_count=max_count)
    assert len(asked) == queries
    assert len(locations) == min(19 + queries, max_count)
