"""Poll the simulator with `gps_tracker` 0.9.2, the way an integration built on it does.

It runs in the library's own virtualenv (`scripts/bench` makes it), never in the
project's: `python -m bench.library_driver --username U --password P`. It imports
nothing of the project. Each command read on its standard input (a JSON line: `poll` or
`memory`, `sequential` or `gathered`, and the simulator's URL) gets one JSON line in
answer; there is one client per URL, as one integration entry per account.
"""

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import json
import platform
import sys
import time
import tracemalloc

import aiohttp
from gps_tracker import AsyncClient, Config, __version__

type Message = dict[str, object]
type Poll = Callable[[AsyncClient], Awaitable[list[object]]]


async def _poll_sequential(client: AsyncClient) -> list[object]:
    """List the trackers, then ask each one's latest location in turn."""
    trackers: list[object] = await client.get_trackers()
    return [
        (tracker, await client.get_locations(tracker, max_count=1))
        for tracker in trackers
    ]


async def _poll_gathered(client: AsyncClient) -> list[object]:
    """List the trackers, then ask every latest location at once: its best case."""
    trackers: list[object] = await client.get_trackers()
    locations: list[object] = await asyncio.gather(
        *(client.get_locations(tracker, max_count=1) for tracker in trackers)
    )
    return list(zip(trackers, locations, strict=True))


_POLLS: dict[str, Poll] = {
    "sequential": _poll_sequential,
    "gathered": _poll_gathered,
}


async def _timed(client: AsyncClient, poll: Poll) -> Message:
    """Poll once: wall and CPU time, and how much it brought."""
    wall = time.perf_counter()
    cpu = time.process_time()
    result = await poll(client)
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "trackers": len(result),
    }


async def _traced(client: AsyncClient, poll: Poll) -> Message:
    """Poll once under tracemalloc: the peak, and what the result holds on to."""
    tracemalloc.start()
    try:
        result = await poll(client)
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"data_bytes": retained, "peak_bytes": peak, "trackers": len(result)}


def main() -> None:
    """Answer the benchmark's commands until its end of input."""
    parser = argparse.ArgumentParser(prog="python -m bench.library_driver")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    options = parser.parse_args()
    clients: dict[str, AsyncClient] = {}
    hello: Message = {
        "gps_tracker": __version__,
        "aiohttp": aiohttp.__version__,
        "python": platform.python_version(),
    }
    sys.stdout.write(json.dumps(hello) + "\n")
    sys.stdout.flush()
    with asyncio.Runner() as runner:
        try:
            for line in sys.stdin:
                command = json.loads(line)
                url = command["url"]
                if url not in clients:
                    config = Config(options.username, options.password, api_url=url)
                    clients[url] = AsyncClient(config)
                client = clients[url]
                poll = _POLLS[command["mode"]]
                measure = _traced if command["op"] == "memory" else _timed
                answer = runner.run(measure(client, poll))
                sys.stdout.write(json.dumps(answer) + "\n")
                sys.stdout.flush()
        finally:
            for client in clients.values():
                runner.run(client.close())


if __name__ == "__main__":
    main()
