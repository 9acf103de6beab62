"""The benchmark's simulated accounts, each served by a simulator process of its own.

Serving a thousand trackers costs the simulator CPU time of its own: in a process of
its own, it neither counts in the CPU time measured for Home Assistant nor competes
with it for the interpreter. The benchmark drives each one over its control API
(`tools.remote`), between polls only: never during the poll it measures.
"""

from collections.abc import Sequence
from typing import Self

from simulator import DEFAULT_HOME, Move, ReplyShape
from tools.remote import RemoteSimulator, Traffic

_TICK_S = 1e-6
"""How far the clock moves before trackers are moved, so each move is a newer fix."""
_STEP_DEGREES = 1e-4


class SimulatedAccount:
    """One simulated account of a given size and reply shape."""

    def __init__(
        self, simulator: RemoteSimulator, tracker_ids: Sequence[int], shape: ReplyShape
    ) -> None:
        """Drive the account `simulator` serves: these trackers, in `shape`."""
        self.simulator = simulator
        self.size = len(tracker_ids)
        self.shape = shape
        self._tracker_ids = tuple(tracker_ids)
        self._moves = 0

    @classmethod
    async def start(
        cls,
        size: int,
        shape: ReplyShape = ReplyShape.MODELLED,
        *,
        seed: int,
        rtt_s: float,
        lifetime_s: float,
    ) -> Self:
        """Start the simulator of `size` trackers in `shape`, answering `rtt_s` late.

        The recorded shape's trackers are moved by hand to their newest fix, where
        they stay: only their keep-alives move as its clock advances. The simulator
        stops by itself after `lifetime_s`.
        """
        simulator = await RemoteSimulator.start(
            trackers=size,
            seed=seed,
            shape=shape,
            latency_s=rtt_s if rtt_s > 0 else None,
            lifetime_s=lifetime_s,
        )
        try:
            trackers = await simulator.trackers()
            if shape is ReplyShape.RECORDED:
                await simulator.move(
                    [
                        Move(tracker.id, fix.latitude, fix.longitude)
                        for tracker in trackers
                        if (fix := tracker.last_fix) is not None
                    ]
                )
        except BaseException:
            await simulator.close()
            raise
        return cls(simulator, [tracker.id for tracker in trackers], shape)

    async def move(self, count: int) -> int:
        """Give the first `count` trackers a new fix; return `count`.

        Each fix is a little later than the last, and elsewhere.
        """
        if count:
            await self.simulator.advance(_TICK_S)
            self._moves += 1
            step = _STEP_DEGREES * (self._moves % 100 + 1)
            lat, lng = DEFAULT_HOME
            await self.simulator.move(
                [
                    Move(tracker_id, lat + step, lng + step)
                    for tracker_id in self._tracker_ids[:count]
                ]
            )
        return count

    async def tick(self, seconds: float) -> int:
        """Move the world's clock forward.

        Return how many trackers' `last_event` moved meanwhile: a fix or a keep-alive.
        """
        return len((await self.simulator.advance(seconds)).reported)

    async def traffic(self) -> Traffic:
        """Return the traffic since the last count, and count anew."""
        return await self.simulator.traffic()

    async def close(self) -> None:
        """Stop the simulator."""
        await self.simulator.close()
