"""Tests of the demo, `scripts/develop`: a real Home Assistant fed by the simulator."""

import asyncio
from collections.abc import Iterator
from contextlib import suppress
import json
import os
from pathlib import Path
import re
import signal
import socket
import subprocess
import sys
from typing import Any

from aiohttp import ClientSession
import pytest
from yarl import URL

from demo.__main__ import parse_args
from demo.launcher import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    HOST,
    REPOSITORY,
    Demo,
    PortInUseError,
    port_in_use,
    simulator_arguments,
    start_demo,
)
from simulator import ReplyShape
from simulator.__main__ import parse_args as parse_simulator_args

ONBOARDING_STEPS = ("user", "core_config", "analytics", "integration")
TRACKER_NAMES = {"Rex", "Mistigri", "Vélo", "Clio", "Léa"}
# The longest trip of a simulated tracker, a car's, is 40 km from home.
WITHIN_TRIP_DEGREES = 0.6
# A record of Home Assistant's log: its date, time and level first.
LOG_ERROR = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) ")
# What the demo prints once ready; "Stop with Ctrl-C." is the simulator's too.
READY_LINE = "Home Assistant is ready, after "
READY_TIMEOUT_SECONDS = 120
# Stopping waits up to 30 s for each process before killing it.
STOP_TIMEOUT_SECONDS = 90
# Home Assistant logs whole API answers at debug, on one line.
LINE_LIMIT = 2**20


@pytest.fixture
def taken_port(socket_enabled: None) -> Iterator[int]:
    """Listen on a port of 127.0.0.1 for the duration of a test."""
    with socket.socket() as server:
        server.bind((HOST, 0))
        server.listen()
        yield server.getsockname()[1]


def _log_errors(config_dir: Path) -> list[str]:
    """Return the error records of Home Assistant's log of its last start."""
    log = (config_dir / "home-assistant.log").read_text(encoding="utf-8")
    return [line for line in log.splitlines() if LOG_ERROR.match(line)]


async def _get(demo: Demo, path: str) -> tuple[int, Any]:
    """Ask the demo's Home Assistant as its user; return the status and JSON answer."""
    headers = {"Authorization": f"Bearer {demo.access_token}"}
    async with (
        ClientSession(headers=headers) as session,
        session.get(demo.url.join(URL(path))) as response,
    ):
        return response.status, await response.json() if response.ok else None


async def _check_demo(demo: Demo) -> None:
    """Check a ready demo: the account loaded, every tracker on the map."""
    status, entries = await _get(
        demo, "/api/config/config_entries/entry?domain=invoxia"
    )
    assert status == 200
    assert isinstance(entries, list)
    assert [(entry["title"], entry["state"]) for entry in entries] == [
        ("d***@example.com", "loaded")
    ]
    status, states = await _get(demo, "/api/states")
    assert status == 200
    assert isinstance(states, list)
    trackers = [
        state for state in states if state["entity_id"].startswith("device_tracker.")
    ]
    assert {state["attributes"]["friendly_name"] for state in trackers} == (
        TRACKER_NAMES
    )
    for state in trackers:
        assert state["attributes"]["source_type"] == "gps"
        assert abs(state["attributes"]["latitude"] - 48.8566) < WITHIN_TRIP_DEGREES
        assert abs(state["attributes"]["longitude"] - 2.3522) < WITHIN_TRIP_DEGREES
    assert {state["entity_id"] for state in demo.trackers} == {
        state["entity_id"] for state in trackers
    }


@pytest.mark.demo
# Two starts of a real Home Assistant, each given 120 s to be ready and 30 s to stop,
# and a minute to spare: those timeouts fail first. 40 s in all on an idle machine.
@pytest.mark.timeout(360)
async def test_demo_onboards_once_then_reuses_its_user_and_entry(
    config_dir: Path, ports: list[int]
) -> None:
    """A first start onboards and adds the account; a second reuses both.

    The second start moves Home Assistant and the simulator to other ports, the
    account following. Each start is ready with all trackers on the map, serves on
    127.0.0.1 only, logs no error, and stops leaving nothing listening.
    """
    # The demo runs the Home Assistant of .venv: scripts/setup adds its frontend there.
    pytest.importorskip("hass_frontend")
    # Once onboarded, Home Assistant serves its onboarding API no more.
    onboarded = (200, [{"step": step, "done": True} for step in ONBOARDING_STEPS])
    starts = [(ports[0], ports[1], onboarded), (ports[2], ports[3], (404, None))]
    for port, simulator_port, onboarding in starts:
        async with start_demo(
            config_dir,
            port=port,
            simulator_port=simulator_port,
            ready_timeout=120,
            output=subprocess.DEVNULL,
        ) as demo:
            assert (demo.username, demo.password) == (DEMO_USERNAME, DEMO_PASSWORD)
            assert demo.url == URL(f"http://127.0.0.1:{port}")
            assert demo.simulator_url == URL(f"http://127.0.0.1:{simulator_port}")
            assert await _get(demo, "/api/onboarding") == onboarding
            await _check_demo(demo)
        http = json.loads((config_dir / ".storage" / "http").read_text())["data"]
        assert (http["stable"]["server_host"], http["stable"]["server_port"]) == (
            ["127.0.0.1"],
            port,
        )
        assert http["pending"] is None
        assert _log_errors(config_dir) == []
        assert not port_in_use(port)
        assert not port_in_use(simulator_port)
    assert (config_dir / "custom_components").resolve() == (
        Path(__file__).parents[2] / "custom_components"
    ).resolve()


async def _read_until(
    output: asyncio.StreamReader, marker: str, seen: list[str]
) -> None:
    """Read lines of the demo's output into `seen` until one contains `marker`."""
    while marker not in (line := (await output.readline()).decode(errors="replace")):
        if not line:
            pytest.fail(
                f"the demo stopped before printing {marker!r}:\n{''.join(seen)}"
            )
        seen.append(line)
    seen.append(line)


async def _interrupt_demo(
    config_dir: Path, ports: list[int], marker: str | None
) -> tuple[int | None, str]:
    """Start the demo as scripts/develop does; Ctrl-C it once `marker` is printed.

    Without a marker, Ctrl-C comes as soon as the process exists. Return the exit
    code and the output of the demo and of what it started.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "demo",
        "--config",
        str(config_dir),
        "--port",
        str(ports[0]),
        "--simulator-port",
        str(ports[1]),
        "--ready-timeout",
        str(READY_TIMEOUT_SECONDS),
        cwd=REPOSITORY,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # A process group of its own, which Ctrl-C reaches as from a terminal.
        start_new_session=True,
        limit=LINE_LIMIT,
    )
    assert process.stdout is not None
    seen: list[str] = []
    try:
        if marker is not None:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS + 60):
                await _read_until(process.stdout, marker, seen)
        os.killpg(process.pid, signal.SIGINT)
        async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
            rest, _ = await process.communicate()
    finally:
        if process.returncode is None:
            # SIGTERM stops the demo as Ctrl-C does; SIGKILL if even that fails.
            process.terminate()
            with suppress(TimeoutError):
                async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
                    await process.wait()
            with suppress(ProcessLookupError):
                process.kill()
    return process.returncode, "".join(seen) + rest.decode(errors="replace")


@pytest.mark.demo
@pytest.mark.parametrize(
    ("marker", "exit_codes", "last_line"),
    [
        # Still importing Python modules: Python stops on KeyboardInterrupt, or the
        # demo on Ctrl-C, having started nothing.
        pytest.param(None, {0, -signal.SIGINT}, None, id="at-once"),
        # Preparing the configuration, before starting anything: the first start
        # imports Home Assistant, for seconds.
        pytest.param(
            "[develop] preparing", {0}, "[develop] SIGINT: stopping", id="first-line"
        ),
        pytest.param(
            READY_LINE,
            {0},
            "[develop] stopped: nothing listens on 127.0.0.1 ports {ports} any more",
            id="ready",
        ),
    ],
)
async def test_ctrl_c_at_any_moment_stops_everything_the_demo_started(
    config_dir: Path,
    ports: list[int],
    marker: str | None,
    exit_codes: set[int],
    last_line: str | None,
) -> None:
    """Ctrl-C stops the demo, from its first instant to once it is ready.

    The demo exits in bounded time, and nothing listens on its ports any more: a
    next start finds them free.
    """
    pytest.importorskip("hass_frontend")
    code, output = await _interrupt_demo(config_dir, ports, marker)
    assert code in exit_codes, output
    if last_line is not None:
        assert output.splitlines()[-1] == last_line.format(ports=ports[:2]), output
    assert not port_in_use(ports[0])
    assert not port_in_use(ports[1])


@pytest.mark.parametrize(
    ("which", "option"), [("port", "--port"), ("simulator_port", "--simulator-port")]
)
async def test_taken_port_is_refused_with_the_option_to_choose_another(
    config_dir: Path,
    ports: list[int],
    taken_port: int,
    which: str,
    option: str,
) -> None:
    """A taken port stops the demo before it starts anything, naming the option."""
    chosen = {"port": ports[0], "simulator_port": ports[1]}
    chosen[which] = taken_port
    with pytest.raises(PortInUseError) as refused:
        async with start_demo(
            config_dir,
            port=chosen["port"],
            simulator_port=chosen["simulator_port"],
            output=subprocess.DEVNULL,
        ):
            pass
    assert str(refused.value) == (
        f"port {taken_port} of 127.0.0.1, for "
        f"{'Home Assistant' if which == 'port' else 'the simulator'}, is already in "
        "use (by an earlier demo still running?). Stop what uses it, or choose "
        f"another port with {option}."
    )
    assert not (config_dir / ".storage").exists()


@pytest.mark.parametrize(
    ("arguments", "shape"),
    [([], ReplyShape.MODELLED), (["--recorded"], ReplyShape.RECORDED)],
)
def test_recorded_starts_the_simulator_with_recorded_replies(
    arguments: list[str], shape: ReplyShape
) -> None:
    """`--recorded` starts the simulator in the recorded shape; by default, modelled."""
    options = parse_args(arguments)
    assert options.shape is shape
    started = simulator_arguments(URL("http://127.0.0.1:8766"), options.shape)
    assert started[:2] == ["-m", "simulator"]
    simulator = parse_simulator_args(started[2:])
    assert (simulator.port, simulator.shape) == (8766, shape)


def test_recorded_replies_need_the_simulator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--recorded` with `--real`, which starts no simulator, is a usage error."""
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--real", "--recorded"])
    assert stopped.value.code == 2
    assert "argument --recorded: not allowed with argument --real" in (
        capsys.readouterr().err
    )
