"""Tests of the demo, `scripts/develop`: a real Home Assistant fed by the simulator."""

from collections.abc import Iterator
import json
from pathlib import Path
import re
import socket
import subprocess
from typing import Any

from aiohttp import ClientSession
import pytest
from yarl import URL

from demo.__main__ import parse_args
from demo.launcher import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    HOST,
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
