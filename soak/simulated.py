"""The simulator in a child process, changed by the soak before each poll.

In a process of its own, the simulator's work (a world of a hundred trackers, their
answers, 32 MiB of padding) neither competes with Home Assistant for the interpreter
nor counts in its event loop's stalls, memory or file descriptors. Run by the soak
as `python -m soak.simulated --trackers N --seed S`, it serves the account and obeys one
JSON line at a time on its standard input (`step`, `truth`) until the input ends.
"""

import argparse
import asyncio
from dataclasses import asdict, dataclass
import json
import random
import sys
from types import TracebackType
from typing import Self

from bench.child import Child, ChildError, Message, integer, number, text
from bench.simulated import START, SimulatedAccount
from simulator import Fault, FaultKind, Simulator, World

from .plan import LISTING, Disturbance, Step, listing_faults

_HISTORY_ERROR = 500
_HISTORIES = "/devices/{id}/tracker_data/"
"""How the simulator counts requests for a location history."""
_NEW_TRACKER_RADIUS_DEGREES = 0.01


@dataclass(frozen=True, slots=True, kw_only=True)
class Truth:
    """A tracker as the simulated world knows it."""

    serial: str
    latitude: float | None
    longitude: float | None
    accuracy: int | None
    battery: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Stepped:
    """What the world did before a poll: the tracker concerned, the new password."""

    tracker: str | None
    """The serial number of the tracker concerned."""
    password: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Served:
    """What the simulated API answered over the run, faults included."""

    listings: int
    histories: int
    """Requests for a tracker's location history."""


class SimulatedWorld:
    """The simulated account, served by the child process, one step at a time."""

    def __init__(self, child: Child, trackers: int) -> None:
        """Drive the account the started child serves."""
        self._child = child
        self.account = SimulatedAccount(child, trackers)

    @classmethod
    async def start(cls, *, trackers: int, seed: int) -> Self:
        """Start the child: a world of `trackers`, drawn from `seed`."""
        child = await Child.start(
            [
                sys.executable,
                "-m",
                "soak.simulated",
                f"--trackers={trackers}",
                f"--seed={seed}",
            ]
        )
        try:
            return cls(child, trackers)
        except BaseException:
            await child.close()
            raise

    async def step(self, step: Step) -> Stepped:
        """Move the clock and disturb the account as the step says."""
        answer = await self._child.ask({"op": "step", **asdict(step)})
        tracker = answer.get("tracker")
        password = answer.get("password")
        return Stepped(
            tracker=tracker if isinstance(tracker, str) else None,
            password=password if isinstance(password, str) else None,
        )

    async def truth(self) -> tuple[list[Truth], Served]:
        """Return every tracker as the world knows it, and what the API served."""
        answer = await self._child.ask({"op": "truth"})
        trackers = answer.get("trackers")
        if not isinstance(trackers, list):
            msg = f"unexpected truth {answer!r}"
            raise ChildError(msg)
        found = []
        for item in trackers:
            if not isinstance(item, dict):
                msg = f"unexpected tracker {item!r}"
                raise ChildError(msg)
            fixed = item.get("latitude") is not None
            found.append(
                Truth(
                    serial=text(item, "serial"),
                    latitude=number(item, "latitude") if fixed else None,
                    longitude=number(item, "longitude") if fixed else None,
                    accuracy=integer(item, "accuracy") if fixed else None,
                    battery=integer(item, "battery"),
                )
            )
        return found, Served(
            listings=integer(answer, "listings"), histories=integer(answer, "histories")
        )

    async def __aenter__(self) -> Self:
        """Use the child for the duration of an `async with` block."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """End the child."""
        await self._child.close()


class _Disturber:
    """Carries out the plan's steps on the simulator the child serves."""

    def __init__(self, simulator: Simulator, seed: int) -> None:
        """Disturb `simulator`; which tracker, and where, is drawn from `seed`."""
        self._simulator = simulator
        self._rng = random.Random(f"soak:{seed}:world")  # noqa: S311 - repeatable
        self._passwords = 0

    def answer(self, command: Message) -> Message:
        """Carry out one command of the soak."""
        if command.get("op") == "step":
            return self._step(_step(command))
        if command.get("op") == "truth":
            return self._truth()
        msg = f"unknown command {command!r}"
        raise ChildError(msg)

    def _step(self, step: Step) -> Message:
        """Clear the last faults, move the clock, then disturb the account."""
        simulator = self._simulator
        world = simulator.world
        # Clearing also answers a request still hanging from the last poll.
        simulator.faults.clear()
        before = {
            tracker_id: world.tracker(tracker_id).last_fix
            for tracker_id in world.tracker_ids
        }
        world.advance(step.seconds)
        for fault in listing_faults(step):
            simulator.faults.add(fault)
        answer: Message = {}
        match step.disturbance:
            case Disturbance.HISTORY:
                moved = [
                    tracker_id
                    for tracker_id, fix in before.items()
                    if world.tracker(tracker_id).last_fix != fix
                ]
                if moved:
                    tracker_id = self._rng.choice(moved)
                    simulator.faults.add(
                        Fault(
                            FaultKind.STATUS,
                            status=_HISTORY_ERROR,
                            path=f"/devices/{tracker_id}/tracker_data/",
                        )
                    )
                    answer["tracker"] = world.tracker(tracker_id).serial
            case Disturbance.TRACKER_ADDED:
                lat, lng = world.home
                added = world.add_tracker(
                    position=(
                        lat + self._rng.uniform(-1, 1) * _NEW_TRACKER_RADIUS_DEGREES,
                        lng + self._rng.uniform(-1, 1) * _NEW_TRACKER_RADIUS_DEGREES,
                    )
                )
                answer["tracker"] = world.tracker(added).serial
            case Disturbance.TRACKER_REMOVED if len(before) > 1:
                tracker_id = self._rng.choice(list(before))
                answer["tracker"] = world.tracker(tracker_id).serial
                world.remove_tracker(tracker_id)
            case Disturbance.CREDENTIALS_CHANGED:
                self._passwords += 1
                password = f"soak-password-{self._passwords}"
                world.set_credentials(world.username, password)
                answer["password"] = password
        return answer

    def _truth(self) -> Message:
        """Describe every tracker, and count the requests served."""
        requests = self._simulator.counters.requests
        return {
            "trackers": [asdict(tracker) for tracker in truth(self._simulator.world)],
            "listings": requests[LISTING],
            "histories": requests[_HISTORIES],
        }


def truth(world: World) -> list[Truth]:
    """Describe every tracker of a world: its latest fix and its battery, now."""
    found = []
    for tracker_id in world.tracker_ids:
        tracker = world.tracker(tracker_id)
        fix = tracker.last_fix
        found.append(
            Truth(
                serial=tracker.serial,
                # The API sends coordinates rounded to six decimals.
                latitude=None if fix is None else round(fix.lat, 6),
                longitude=None if fix is None else round(fix.lng, 6),
                accuracy=None if fix is None else fix.precision,
                battery=tracker.battery(world.now_us),
            )
        )
    return found


def _step(command: Message) -> Step:
    """Read a step sent by the soak."""
    status = command.get("status")
    retry_after = command.get("retry_after")
    return Step(
        disturbance=Disturbance(text(command, "disturbance")),
        seconds=integer(command, "seconds"),
        status=status if isinstance(status, int) else None,
        retry_after=retry_after if isinstance(retry_after, int) else None,
    )


def _write(message: Message) -> None:
    """Send a message to the soak."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def serve(trackers: int, seed: int) -> None:
    """Serve the account until the standard input ends, obeying its commands."""
    world = World(seed=seed, trackers=trackers, start=START)
    async with Simulator(world) as simulator:
        disturber = _Disturber(simulator, seed)
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
        )
        # The hello of bench.simulated: the account of this size and where it is.
        _write({str(trackers): {"url": simulator.url, "user_id": world.user_id}})
        while line := await reader.readline():
            command = json.loads(line)
            if not isinstance(command, dict):
                msg = f"unknown command {command!r}"
                raise ChildError(msg)
            _write(disturber.answer(command))


def main() -> None:
    """Read the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m soak.simulated")
    parser.add_argument("--trackers", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    options = parser.parse_args()
    asyncio.run(serve(options.trackers, options.seed))


if __name__ == "__main__":
    main()
