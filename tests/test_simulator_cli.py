"""Tests of the simulator's command line, `python -m simulator`."""

import argparse
import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
import re
import selectors
import signal
from typing import Any

from aiohttp import ClientSession
import pytest

from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, ReplyShape, World
from simulator.__main__ import main, parse_args, run, serve
from tests.conftest import SIMULATOR_START, basic_authorization

BANNER = re.compile(
    r"Invoxia simulator on (?P<url>http://127\.0\.0\.1:\d+) "
    r"\(seed 3, 2 trackers, (?P<shape>modelled|recorded) replies\)\n"
    r"  username: ana@example\.com\n"
    r"  password: hunter2\n"
    r"  control:  (?P=url)/_simulator/state\n"
    r"Stop with Ctrl-C\.\n"
)
ARGUMENTS = [
    "--port",
    "0",
    "--trackers",
    "2",
    "--seed",
    "3",
    "--username",
    "ana@example.com",
    "--password",
    "hunter2",
]


def test_defaults() -> None:
    """By default: port 8765 on 127.0.0.1, five trackers of seed 1 around Paris."""
    assert parse_args([]) == argparse.Namespace(
        host="127.0.0.1",
        port=8765,
        trackers=5,
        seed=1,
        start=None,
        home=(48.8566, 2.3522),
        pace=1.0,
        shape=ReplyShape.MODELLED,
        username=DEFAULT_USERNAME,
        password=DEFAULT_PASSWORD,
        latency=None,
        tick=None,
        duration=None,
    )


def test_every_option() -> None:
    """Every option is read, each with its type."""
    options = parse_args(
        [
            *ARGUMENTS,
            "--host",
            "127.0.0.2",
            "--start",
            "2026-03-01T08:30:00+01:00",
            "--home",
            "45.76,4.83",
            "--pace",
            "60",
            "--shape",
            "recorded",
            "--latency",
            "0.05",
            "--tick",
            "2",
            "--duration",
            "30",
        ]
    )
    assert options == argparse.Namespace(
        host="127.0.0.2",
        port=0,
        trackers=2,
        seed=3,
        start=datetime(2026, 3, 1, 7, 30, tzinfo=UTC),
        home=(45.76, 4.83),
        pace=60.0,
        shape=ReplyShape.RECORDED,
        username="ana@example.com",
        password="hunter2",  # noqa: S106 - a made-up password, on purpose
        latency=0.05,
        tick=2.0,
        duration=30.0,
    )


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--host", "0.0.0.0"], "0.0.0.0 is not a loopback IP address"),  # noqa: S104 - refused
        (["--host", "localhost"], "localhost is not a loopback IP address"),
        (["--tick", "0"], "0 is not a positive number"),
        (["--latency", "soon"], "invalid positive_float value: 'soon'"),
        (["--pace", "-1"], "-1 is not a positive number"),
        (["--trackers", "0"], "0 is not a positive number"),
        (["--home", "Paris"], "invalid _position value: 'Paris'"),
        (["--shape", "real"], "real is not one of: modelled, recorded"),
        (["--start", "2026-01-01T12:00"], "is not an ISO 8601 time with an offset"),
        (["--start", "noon"], "noon is not an ISO 8601 time with an offset"),
    ],
)
def test_wrong_options_are_refused(
    capsys: pytest.CaptureFixture[str], arguments: list[str], error: str
) -> None:
    """A wrong option stops the command with a usage error saying what is wrong."""
    with pytest.raises(SystemExit) as stopped:
        parse_args(arguments)
    assert stopped.value.code == 2
    assert error in capsys.readouterr().err


@pytest.mark.usefixtures("harness_loop_kept")
def test_main_serves_until_its_duration_is_over(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """`main` serves, says where and with which credentials, and stops when told."""
    main([*ARGUMENTS, "--duration", "0.01"])
    banner = BANNER.fullmatch(capsys.readouterr().out)
    assert banner is not None
    assert banner["shape"] == "modelled"


async def test_sigterm_stops_the_simulator(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM stops a simulator serving as asked: shape, clock, latency as a fault."""
    serving = asyncio.create_task(
        serve(
            parse_args(
                [
                    *ARGUMENTS,
                    *("--latency", "0.001", "--shape", "recorded"),
                    *("--start", "2026-01-01T12:00:00Z"),
                ]
            )
        )
    )
    output = ""
    for _ in range(1000):
        output += capsys.readouterr().out
        if BANNER.fullmatch(output):
            break
        await asyncio.sleep(0.001)
    banner = BANNER.fullmatch(output)
    assert banner is not None
    assert banner["shape"] == "recorded"
    headers = {"Authorization": basic_authorization("ana@example.com", "hunter2")}
    async with ClientSession(banner["url"], headers=headers) as session:
        async with session.get("/_simulator/faults") as response:
            faults = await response.json()
        async with session.get("/_simulator/state") as response:
            state = await response.json()
        async with session.get("/devices/", params={"type": "tracker"}) as response:
            trackers = await response.json()
    assert [(fault["kind"], fault["seconds"]) for fault in faults] == [
        ("latency", 0.001)
    ]
    assert state["now"] == "2026-01-01T12:00:00+00:00"
    # Recorded replies list no last position.
    statuses = [tracker["tracker_status"] for tracker in trackers]
    assert ["last_location" in status for status in statuses] == [False, False]
    signal.raise_signal(signal.SIGTERM)
    await asyncio.wait_for(serving, 5)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


class JumpingClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to its next timer instead of waiting for it.

    The ticking tests then measure the loop's own time, never the machine's speed.
    """

    def __init__(self) -> None:
        """Start the clock at zero, on a selector that never waits."""
        loop = self

        class JumpingSelector(selectors.DefaultSelector):
            """Answer what is ready now; time out by moving the loop's clock."""

            def select(
                self, timeout: float | None = None
            ) -> list[tuple[selectors.SelectorKey, int]]:
                events = super().select(0)
                if not events and timeout is not None:
                    loop.now += timeout
                return events

        self.now = 0.0
        super().__init__(JumpingSelector())

    def time(self) -> float:
        """Answer the virtual time, in seconds."""
        return self.now


def run_on_jumping_clock(coroutine: Coroutine[Any, Any, None]) -> float:
    """Run `coroutine` to its end; answer how many virtual seconds it took."""
    loop = JumpingClockLoop()
    try:
        loop.run_until_complete(coroutine)
    finally:
        loop.close()
    return loop.now


def moved_us(world: World) -> int:
    """How far the world has moved since the simulator's start, in microseconds."""
    return world.now_us - int(SIMULATOR_START.timestamp()) * 1_000_000


def test_ticking_moves_the_world_in_steps() -> None:
    """With a tick, the world moves that far forward every time that much passes."""
    world = World(seed=1, trackers=2, start=SIMULATOR_START)

    async def tick_until_stopped() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(7.5, stop.set)
        await run(world, stop, tick=2, duration=None)

    assert run_on_jumping_clock(tick_until_stopped()) == 7.5
    assert moved_us(world) == 6_000_000


def test_ticking_stops_after_the_duration() -> None:
    """A duration ends the ticking on its own."""
    world = World(seed=1, trackers=2, start=SIMULATOR_START)
    took = run_on_jumping_clock(run(world, asyncio.Event(), tick=1, duration=10.5))
    assert took == 10.5
    assert moved_us(world) == 10_000_000
