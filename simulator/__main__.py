"""Run the simulator until Ctrl-C: `python -m simulator --port 8765 --seed 1`."""

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
from datetime import datetime
from ipaddress import ip_address
import signal
import sys

from tools.cli import positive_float, positive_int

from .control import PREFIX
from .faults import Fault, FaultKind
from .server import Simulator
from .world import (
    DEFAULT_HOME,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    Position,
    ReplyShape,
    World,
)


def _loopback(text: str) -> str:
    """Accept a loopback IP address only: the control API takes no credentials."""
    try:
        loopback = ip_address(text).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        message = f"{text} is not a loopback IP address"
        raise argparse.ArgumentTypeError(message)
    return text


def _moment(text: str) -> datetime:
    """Accept a time in ISO 8601 with its offset, such as `2026-01-01T12:00:00Z`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        if moment.tzinfo is not None:
            return moment
    message = f"{text} is not an ISO 8601 time with an offset"
    raise argparse.ArgumentTypeError(message)


def _position(text: str) -> Position:
    """Accept a place written `LAT,LNG`."""
    lat, _, lng = text.partition(",")
    return float(lat), float(lng)


def _shape(text: str) -> ReplyShape:
    """Accept the name of a reply shape."""
    try:
        return ReplyShape(text)
    except ValueError:
        message = f"{text} is not one of: {', '.join(ReplyShape)}"
        raise argparse.ArgumentTypeError(message) from None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Serve a simulated Invoxia GPS tracker cloud API on this machine.",
    )
    parser.add_argument("--host", type=_loopback, default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--trackers", type=positive_int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--start",
        type=_moment,
        metavar="ISO-8601",
        help="the world's clock at start, so that runs repeat (default: now)",
    )
    parser.add_argument(
        "--home", type=_position, default=DEFAULT_HOME, metavar="LAT,LNG"
    )
    parser.add_argument(
        "--pace",
        type=positive_float,
        default=1.0,
        help="trackers rest at home and at stops that many times shorter than in life",
    )
    parser.add_argument(
        "--shape",
        type=_shape,
        choices=list(ReplyShape),
        default=ReplyShape.MODELLED,
        help="modelled: as the gps_tracker models have it, with the last position in "
        "the listing; recorded: as the real API answers, without it",
    )
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument(
        "--latency",
        type=positive_float,
        help="delay every API answer by that many seconds",
    )
    parser.add_argument(
        "--tick",
        type=positive_float,
        help="every that many seconds, move the world that many seconds forward",
    )
    parser.add_argument(
        "--duration", type=positive_float, help="stop after that many seconds"
    )
    return parser.parse_args(argv)


async def run(
    world: World, stop: asyncio.Event, *, tick: float | None, duration: float | None
) -> None:
    """Wait for `stop`, at most `duration` seconds, advancing the world every `tick`."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(duration):
            if tick is None:
                await stop.wait()
                return
            while not stop.is_set():
                try:
                    async with asyncio.timeout(tick):
                        await stop.wait()
                except TimeoutError:
                    world.advance(tick)


async def serve(options: argparse.Namespace) -> None:
    """Serve as the options say, until SIGINT or SIGTERM (or the duration is over)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        world = World(
            seed=options.seed,
            trackers=options.trackers,
            home=options.home,
            start=options.start,
            pace=options.pace,
            shape=options.shape,
        )
        world.set_credentials(options.username, options.password)
        async with Simulator(world, host=options.host, port=options.port) as simulator:
            if options.latency is not None:
                simulator.faults.add(Fault(FaultKind.LATENCY, seconds=options.latency))
            # Its first line says where it serves: tools.remote reads it there.
            sys.stdout.write(
                f"Invoxia simulator on {simulator.url} "
                f"(seed {options.seed}, {options.trackers} trackers, "
                f"{options.shape} replies)\n"
                f"  username: {options.username}\n"
                f"  password: {options.password}\n"
                f"  control:  {simulator.url}{PREFIX}/state\n"
                "Stop with Ctrl-C.\n"
            )
            sys.stdout.flush()
            await run(world, stop, tick=options.tick, duration=options.duration)
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the simulator from the command line."""
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
