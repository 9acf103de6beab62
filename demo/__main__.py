"""Run the demo until Ctrl-C: `scripts/develop`, or `python -m demo` in `.venv`."""

import argparse
import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
import logging
from pathlib import Path
import signal
import sys

from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, ReplyShape

from .homeassistant import DemoError
from .launcher import (
    DEFAULT_CONFIG_DIR,
    DEFAULT_PORT,
    DEFAULT_READY_TIMEOUT,
    DEFAULT_SIMULATOR_PORT,
    LOGGER,
    Demo,
    start_demo,
)


def _port(text: str) -> int:
    """Accept a TCP port number."""
    port = int(text)
    if not 0 < port < 2**16:
        message = f"{text} is not a TCP port"
        raise argparse.ArgumentTypeError(message)
    return port


def _seconds(text: str) -> float:
    """Accept a positive number of seconds."""
    seconds = float(text)
    if seconds <= 0:
        message = f"{text} is not a positive number of seconds"
        raise argparse.ArgumentTypeError(message)
    return seconds


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description=(
            "Run Home Assistant with the Invoxia integration against the simulator, "
            "onboarded with a demo user and the simulated account set up."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--real",
        action="store_true",
        help="no simulator: the same Home Assistant, to add a real Invoxia account",
    )
    source.add_argument(
        "--recorded",
        action="store_const",
        dest="shape",
        const=ReplyShape.RECORDED,
        default=ReplyShape.MODELLED,
        help="the simulated trackers answer as the real API does: no last position "
        "in the listing, only in their location history",
    )
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help="Home Assistant's port"
    )
    parser.add_argument(
        "--simulator-port",
        type=_port,
        default=DEFAULT_SIMULATOR_PORT,
        help="the simulator's port",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG_DIR,
        help="Home Assistant's configuration folder (default: config/)",
    )
    parser.add_argument(
        "--ready-timeout",
        type=_seconds,
        default=DEFAULT_READY_TIMEOUT,
        metavar="SECONDS",
        help="fail if not ready within that many seconds",
    )
    parser.add_argument(
        "--exit-after-ready",
        action="store_true",
        help="stop as soon as everything is ready (for checks and benchmarks)",
    )
    return parser.parse_args(argv)


def _banner(demo: Demo, seconds: float) -> str:
    """Say where the demo answers, how to sign in and what it shows."""
    lines = [
        f"Home Assistant is ready, after {seconds:.1f} s: {demo.url}",
        f"  user:      {demo.username}",
        f"  password:  {demo.password}",
        f"  logs:      {demo.config_dir / 'home-assistant.log'}",
    ]
    if demo.simulator_url is None:
        lines.append(
            "Add your Invoxia account: Settings > Devices & services > "
            "Add integration > Invoxia GPS Tracker."
        )
    else:
        lines += [
            f"  map:       {demo.url / 'map'}",
            f"  simulator: {demo.simulator_url} "
            f"(account {DEFAULT_USERNAME}, password {DEFAULT_PASSWORD}, "
            f"{demo.shape} replies)",
            "  trackers:  "
            + ", ".join(
                f"{_name(tracker)} ({tracker.get('state')})"
                for tracker in demo.trackers
            ),
        ]
    return "\n".join(lines) + "\n"


def _name(state: dict[str, object]) -> object:
    """Return the name a state is shown with."""
    attributes = state.get("attributes")
    if isinstance(attributes, dict):
        return attributes.get("friendly_name", state.get("entity_id"))
    return state.get("entity_id")


@contextmanager
def _cancelled_on_signals(task: asyncio.Task[int]) -> Iterator[None]:
    """Cancel the task on Ctrl-C or SIGTERM, once: a second one does not hurry it."""
    loop = asyncio.get_running_loop()
    stopping = False

    def stop(signum: signal.Signals) -> None:
        """Cancel the task, the first time."""
        nonlocal stopping
        if stopping:
            LOGGER.info("still stopping, please wait")
            return
        stopping = True
        # Said at once: stopping what is starting may take seconds.
        LOGGER.info("%s: stopping", signum.name)
        task.cancel()

    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop, signum)
    try:
        yield
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


async def run(options: argparse.Namespace) -> int:
    """Run the demo as the options say, until Ctrl-C or SIGTERM; return an exit code."""
    started = asyncio.get_running_loop().time()
    task = asyncio.current_task()
    if task is None:
        msg = "run() runs in a task"
        raise RuntimeError(msg)
    try:
        with _cancelled_on_signals(task):
            async with start_demo(
                options.config.resolve(),
                port=options.port,
                simulator_port=None if options.real else options.simulator_port,
                shape=options.shape,
                ready_timeout=options.ready_timeout,
            ) as demo:
                elapsed = asyncio.get_running_loop().time() - started
                sys.stdout.write(_banner(demo, elapsed))
                if options.exit_after_ready:
                    sys.stdout.flush()
                    return 0
                sys.stdout.write("Stop with Ctrl-C.\n")
                sys.stdout.flush()
                code = await demo.wait()
                LOGGER.warning("Home Assistant stopped by itself, exit code %s", code)
                return code
    except asyncio.CancelledError:
        task.uncancel()
        return 0
    except DemoError as err:
        LOGGER.error("%s", err)
        return 1


def main(argv: Sequence[str] | None = None) -> None:
    """Run the demo from the command line."""
    options = parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[develop] %(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    sys.exit(asyncio.run(run(options)))


if __name__ == "__main__":
    main()
