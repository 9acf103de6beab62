"""The simulator, served by a child process and driven from the benchmark.

Serving a thousand trackers costs the simulator CPU time of its own: in a process of its
own, it neither counts in the CPU time measured for Home Assistant nor competes with
it for the interpreter.
Run by the benchmark as `python -m bench.simulated --sizes 1,10 --seed S --rtt SECONDS`,
it serves two accounts per size, each on its own port: one in the modelled reply shape,
one in the recorded shape. It reads commands on its standard input (`move`, `tick`,
`traffic`) and ends with it.
"""

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import sys

from simulator import Fault, FaultKind, ReplyShape, Simulator, World

from .child import Child, ChildError, Message, integer, number, text

START = datetime(2026, 1, 1, 12, tzinfo=UTC)
"""The simulated world's clock at start: the same world on every run."""
_TICK_S = 1e-6
"""How far the clock moves before trackers are moved, so each move is a newer fix."""
_STEP_DEGREES = 1e-4


@dataclass(frozen=True, slots=True, kw_only=True)
class Traffic:
    """What the simulated API answered since the last count."""

    requests: dict[str, int]
    """Requests per path template."""
    bytes_sent: int
    """Response body bytes."""

    @property
    def total(self) -> int:
        """Requests of any path."""
        return sum(self.requests.values())


def account_key(size: int, shape: ReplyShape = ReplyShape.MODELLED) -> str:
    """Name an account in the simulator process's hello and commands."""
    return str(size) if shape is ReplyShape.MODELLED else f"{size} {shape}"


class SimulatedAccount:
    """One simulated account of a given size, served by the simulator process."""

    def __init__(
        self, child: Child, size: int, shape: ReplyShape = ReplyShape.MODELLED
    ) -> None:
        """Drive the account of `size` trackers in `shape` the simulator serves."""
        self._child = child
        self.size = size
        self.shape = shape
        self._key = account_key(size, shape)
        served = child.hello.get(self._key)
        if not isinstance(served, dict):
            msg = f"the simulator serves no account of {size} trackers in {shape}"
            raise ChildError(msg)
        self.url = text(served, "url")
        self.user_id = integer(served, "user_id")

    async def move(self, count: int) -> int:
        """Give the first `count` trackers a new fix; start counting traffic anew.

        Return `count`: the trackers whose listing entry moved.
        """
        answer = await self._child.ask(
            {"op": "move", "account": self._key, "count": count}
        )
        return integer(answer, "moved")

    async def tick(self, seconds: float) -> int:
        """Move the world's clock forward; start counting traffic anew.

        Return how many trackers' `last_event` moved meanwhile: a fix or a keep-alive.
        """
        answer = await self._child.ask(
            {"op": "tick", "account": self._key, "seconds": seconds}
        )
        return integer(answer, "moved")

    async def traffic(self) -> Traffic:
        """Return the traffic since the last count or move, and count anew."""
        answer = await self._child.ask({"op": "traffic", "account": self._key})
        requests = answer.get("requests")
        if not isinstance(requests, dict) or not all(
            isinstance(count, int) for count in requests.values()
        ):
            msg = f"unexpected traffic {answer!r}"
            raise ChildError(msg)
        return Traffic(requests=requests, bytes_sent=integer(answer, "bytes_sent"))


async def start_simulator(sizes: Sequence[int], *, seed: int, rtt: float) -> Child:
    """Start the simulator process: one account per size, answering `rtt` s late."""
    return await Child.start(
        [
            sys.executable,
            "-m",
            "bench.simulated",
            f"--sizes={','.join(map(str, sizes))}",
            f"--seed={seed}",
            f"--rtt={rtt}",
        ]
    )


def _write(message: Message) -> None:
    """Send a message to the benchmark."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _pin(world: World) -> None:
    """Keep every tracker where it is: moved by hand to its newest fix, it stays."""
    for tracker_id in world.tracker_ids:
        newest = world.tracker(tracker_id).locations(None, None)
        lat, lng = (newest[0].lat, newest[0].lng) if newest else world.home
        world.move_tracker(tracker_id, lat, lng)


def _last_events(world: World) -> list[int | None]:
    """When each tracker last talked to the server, as the recorded listing says."""
    now_us = world.now_us
    return [
        world.tracker(tracker_id).last_event_us(now_us)
        for tracker_id in world.tracker_ids
    ]


def _answer(simulator: Simulator, command: Message, moves: int) -> Message:
    """Carry out one command of the benchmark on one simulator."""
    world = simulator.world
    if command.get("op") == "tick":
        before = _last_events(world)
        world.advance(number(command, "seconds"))
        moved = sum(
            then != now for then, now in zip(before, _last_events(world), strict=True)
        )
        simulator.counters.reset()
        return {"moved": moved}
    if command.get("op") == "move":
        count = integer(command, "count")
        if count:
            world.advance(_TICK_S)
        lat, lng = world.home
        # A new place at each move: the fix differs from the last one in every field.
        step = _STEP_DEGREES * (moves % 100 + 1)
        for tracker_id in world.tracker_ids[:count]:
            world.move_tracker(tracker_id, lat + step, lng + step)
        simulator.counters.reset()
        return {"moved": count}
    if command.get("op") == "traffic":
        counters = simulator.counters
        answer: Message = {
            "requests": dict(counters.requests),
            "bytes_sent": counters.bytes_sent,
        }
        counters.reset()
        return answer
    msg = f"unknown command {command!r}"
    raise ChildError(msg)


async def serve(sizes: Sequence[int], seed: int, rtt: float) -> None:
    """Serve two worlds per size until the standard input ends, obeying its commands.

    Both have the same seed; the recorded one's trackers are pinned where they are,
    so that only their keep-alives move as its clock advances.
    """
    async with contextlib.AsyncExitStack() as stack:
        simulators: dict[str, Simulator] = {}
        for size in sizes:
            for shape in ReplyShape:
                world = World(seed=seed, trackers=size, start=START, shape=shape)
                if shape is ReplyShape.RECORDED:
                    _pin(world)
                simulator = await stack.enter_async_context(Simulator(world))
                if rtt > 0:
                    simulator.faults.add(Fault(FaultKind.LATENCY, seconds=rtt))
                simulators[account_key(size, shape)] = simulator
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
        )
        _write(
            {
                key: {"url": simulator.url, "user_id": simulator.world.user_id}
                for key, simulator in simulators.items()
            }
        )
        moves = 0
        while line := await reader.readline():
            command = json.loads(line)
            if not isinstance(command, dict):
                msg = f"unknown command {command!r}"
                raise ChildError(msg)
            _write(_answer(simulators[text(command, "account")], command, moves))
            moves += 1


def main() -> None:
    """Read the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m bench.simulated")
    parser.add_argument("--sizes", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--rtt", type=float, required=True)
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    asyncio.run(serve(sizes, options.seed, options.rtt))


if __name__ == "__main__":
    main()
