"""The gps_tracker library polling the simulator, from its own virtualenv."""

from pathlib import Path
from typing import Self

from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME

from .child import Child, integer, number, text
from .results import Client

_MODES = {Client.SEQUENTIAL: "sequential", Client.GATHERED: "gathered"}


class Library:
    """`bench.library_driver` running under the library's interpreter."""

    def __init__(self, child: Child) -> None:
        """Drive a started driver process."""
        self._child = child
        self.version = text(child.hello, "gps_tracker")
        self.aiohttp_version = text(child.hello, "aiohttp")

    @classmethod
    async def start(cls, python: Path) -> Self:
        """Start the driver with `python`, the interpreter of its virtualenv."""
        child = await Child.start(
            [
                str(python),
                "-m",
                "bench.library_driver",
                f"--username={DEFAULT_USERNAME}",
                f"--password={DEFAULT_PASSWORD}",
            ]
        )
        try:
            return cls(child)
        except BaseException:
            await child.close()
            raise

    async def poll(self, url: str, client: Client) -> tuple[float, float]:
        """Poll the API at `url` once as `client` does; return wall and CPU time."""
        answer = await self._child.ask(
            {"op": "poll", "url": url, "mode": _MODES[client]}
        )
        return number(answer, "wall_s"), number(answer, "cpu_s")

    async def memory(self, url: str, client: Client) -> tuple[int, int]:
        """Poll once under tracemalloc; return the bytes its result holds, and peak."""
        answer = await self._child.ask(
            {"op": "memory", "url": url, "mode": _MODES[client]}
        )
        return integer(answer, "data_bytes"), integer(answer, "peak_bytes")

    async def close(self) -> None:
        """End the driver."""
        await self._child.close()
