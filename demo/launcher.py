"""Start the simulator and a real Home Assistant, set up and ready to use; stop them."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
import json
import logging
import os
from pathlib import Path
import signal
import socket
import sys
from typing import Any, Final, Self

from aiohttp import ClientError, ClientSession
from yarl import URL

from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, ReplyShape

from .homeassistant import ConfigEntry, DemoError, HomeAssistantApi, positioned

LOGGER: Final = logging.getLogger(__package__)

REPOSITORY: Final = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_DIR: Final = REPOSITORY / "config"
HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8123
DEFAULT_SIMULATOR_PORT: Final = 8765
DEFAULT_READY_TIMEOUT: Final = 300.0

DEMO_NAME: Final = "Demo"
DEMO_USERNAME: Final = "demo"
# Published on purpose: a local demo only, bound to 127.0.0.1.
DEMO_PASSWORD: Final = "demo-password-1"  # noqa: S105 - the demo's published login

SIMULATOR_TRACKERS: Final = 5
SIMULATOR_SEED: Final = 1
SIMULATOR_TICK_SECONDS: Final = 10.0
"""The simulated world moves that far every that many seconds: in real time."""
SIMULATOR_PACE: Final = 60.0
"""Trackers rest 60 times shorter than in life: some leave or come home every few
minutes (the simulator's tests measure it)."""
SIMULATED_ACCOUNT_TITLE: Final = "d***@example.com"
"""The title the config flow gives the simulated account's entry: its masked email."""

_ONBOARDED_WITHOUT_USER: Final = ("core_config", "analytics", "integration")
_POLL_SECONDS: Final = 0.5
_STOP_TIMEOUT_SECONDS: Final = 30.0
# What Home Assistant exits with when asked to restart, for its supervisor to start it.
_RESTART_EXIT_CODE: Final = 100


class PortInUseError(DemoError):
    """A port the demo needs is taken."""


def port_in_use(port: int) -> bool:
    """Whether something listens on this port of 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers do: connections closing on the port do not keep it taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
    return False


def _check_port(port: int, what: str, option: str) -> None:
    """Fail with what to do if the port is taken."""
    if port_in_use(port):
        msg = (
            f"port {port} of {HOST}, for {what}, is already in use (by an earlier demo "
            f"still running?). Stop what uses it, or choose another port with {option}."
        )
        raise PortInUseError(msg)


def _serve_on_loopback(config_dir: Path, port: int) -> None:
    """Make Home Assistant serve HTTP on 127.0.0.1 and `port` only.

    Home Assistant keeps its HTTP settings in `.storage/http` (YAML ones are only
    imported once): `stable` is the confirmed configuration, `pending` one on trial,
    which it reverts after five minutes unless confirmed in the UI. The demo owns
    them: its own, confirmed, and nothing on trial.
    """
    path = config_dir / ".storage" / "http"
    if path.exists():
        store: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        stable = store["data"]["stable"]
    else:
        # Importing Home Assistant takes seconds: only a first start needs its defaults.
        from homeassistant.components.http import config  # noqa: PLC0415 - lazy

        store = {
            "version": config.STORAGE_VERSION,
            "minor_version": config.STORAGE_MINOR_VERSION,
            "key": config.STORAGE_KEY,
            "data": None,
        }
        stable = {
            **config.HTTP_STORAGE_SCHEMA({}),
            "created_at": datetime.now(UTC).isoformat(),
            "error": None,
            "error_message": None,
        }
    data = {
        "stable": {**stable, "server_host": [HOST], "server_port": port},
        "pending": None,
        "yaml_migration_done": True,
    }
    if store["data"] != data:
        store["data"] = data
        _write_store(path, store)


def _onboard_without_internet(config_dir: Path) -> None:
    """Mark every onboarding step but the user's done, before Home Assistant starts.

    Finishing the core_config step through its API sets up Google Translate, Met and
    Radio Browser, which reach the Internet; the demo stays on this machine, and its
    configuration.yaml already says where home is. The user step stays for the demo
    to create its user with.
    """
    path = config_dir / ".storage" / "onboarding"
    if path.exists():
        store: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    else:
        from homeassistant.components import onboarding  # noqa: PLC0415 - as above

        store = {
            "version": onboarding.STORAGE_VERSION,
            "minor_version": 1,
            "key": onboarding.STORAGE_KEY,
            "data": {"done": []},
        }
    done: list[str] = store["data"]["done"]
    missing = [step for step in _ONBOARDED_WITHOUT_USER if step not in done]
    if missing:
        done.extend(missing)
        _write_store(path, store)


def _write_store(path: Path, store: dict[str, Any]) -> None:
    """Write a file of Home Assistant's `.storage` as it does: private, atomically."""
    path.parent.mkdir(exist_ok=True)
    written = path.with_name(f"{path.name}.demo")
    written.write_text(json.dumps(store, indent=2), encoding="utf-8")
    written.chmod(0o600)
    written.replace(path)


def _link_integration(config_dir: Path) -> None:
    """Let Home Assistant load the integration from the repository's working tree."""
    link = config_dir / "custom_components"
    if link.exists() or link.is_symlink():
        return
    link.symlink_to(
        os.path.relpath(REPOSITORY / "custom_components", config_dir),
        target_is_directory=True,
    )


def simulator_arguments(url: URL, shape: ReplyShape) -> list[str]:
    """Return the arguments of `python` that start the demo's simulator at `url`."""
    return [
        "-m",
        "simulator",
        "--port",
        str(url.port),
        "--trackers",
        str(SIMULATOR_TRACKERS),
        "--seed",
        str(SIMULATOR_SEED),
        "--tick",
        str(SIMULATOR_TICK_SECONDS),
        "--pace",
        str(SIMULATOR_PACE),
        "--shape",
        shape,
    ]


class _Child:
    """A child process in a process group of its own, which Ctrl-C does not reach."""

    def __init__(self, name: str, process: asyncio.subprocess.Process) -> None:
        """Track a started process."""
        self.name = name
        self.process = process

    @classmethod
    async def start(
        cls,
        name: str,
        arguments: Sequence[str],
        *,
        cwd: Path,
        output: int | None,
    ) -> Self:
        """Start a Python module, its output to ours unless told otherwise."""
        LOGGER.debug("starting %s: %s", name, " ".join(arguments))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *arguments,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            process_group=0,
        )
        return cls(name, process)

    def check_running(self) -> None:
        """Fail if the process has stopped."""
        if self.process.returncode is not None:
            msg = f"{self.name} stopped with exit code {self.process.returncode}"
            raise DemoError(msg)

    async def stop(self) -> None:
        """Stop the process group: SIGTERM, then SIGKILL if it takes too long."""
        if self.process.returncode is None:
            self._signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(_STOP_TIMEOUT_SECONDS):
                    await self.process.wait()
            except TimeoutError:
                LOGGER.warning("%s did not stop in time: killing it", self.name)
        # Whatever the process left behind in its group goes too.
        self._signal(signal.SIGKILL)
        await self.process.wait()

    def _signal(self, signum: signal.Signals) -> None:
        """Send a signal to the process group, if anything of it is left."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)


async def _poll[T](
    check: Callable[[], Awaitable[T | None]],
    deadline: float,
    failure: str,
    children: Sequence[_Child],
) -> T:
    """Ask `check` until it returns something; fail with `failure` at the deadline."""
    loop = asyncio.get_running_loop()
    while loop.time() < deadline:
        for child in children:
            child.check_running()
        if (result := await check()) is not None:
            return result
        await asyncio.sleep(_POLL_SECONDS)
    raise DemoError(failure)


class Demo:
    """A running demo: Home Assistant, signed in as the demo user, and the simulator."""

    def __init__(
        self,
        *,
        config_dir: Path,
        port: int,
        simulator_port: int | None,
        shape: ReplyShape,
        output: int | None,
    ) -> None:
        """Prepare a demo; `start` starts it."""
        self.config_dir = config_dir
        self._port = port
        self._simulator_port = simulator_port
        self.shape = shape
        """How the simulator renders the trackers."""
        self.url = URL.build(scheme="http", host=HOST, port=port)
        self.simulator_url = (
            None
            if simulator_port is None
            else URL.build(scheme="http", host=HOST, port=simulator_port)
        )
        self.username = DEMO_USERNAME
        self.password = DEMO_PASSWORD
        self.trackers: list[dict[str, object]] = []
        """The states of the simulated account's device trackers, once ready."""
        self._output = output
        self._session = ClientSession()
        self.api = HomeAssistantApi(self._session, self.url)
        self._homeassistant: _Child | None = None
        self._simulator: _Child | None = None
        self._signed_in = False

    @property
    def access_token(self) -> str:
        """An access token of the demo user, valid for 30 minutes after the start."""
        return self.api.tokens.access_token

    def _children(self) -> list[_Child]:
        """List the processes started so far."""
        return [child for child in (self._simulator, self._homeassistant) if child]

    async def start(self, ready_timeout: float) -> None:
        """Start everything and set it up, within `ready_timeout` seconds."""
        deadline = asyncio.get_running_loop().time() + ready_timeout
        _check_port(self._port, "Home Assistant", "--port")
        if self._simulator_port is not None:
            _check_port(self._simulator_port, "the simulator", "--simulator-port")
        LOGGER.info("preparing %s", self.config_dir)
        # A first start imports Home Assistant for its defaults, for seconds: in a
        # thread, so that a Ctrl-C meanwhile stops the demo before it starts anything.
        await asyncio.to_thread(self._prepare)
        if self.simulator_url is not None:
            await self._start_simulator(self.simulator_url, deadline)
        await self._start_homeassistant(deadline)
        LOGGER.info("signing in as %s", self.username)
        created = await self.api.sign_in(DEMO_NAME, self.username, self.password)
        self._signed_in = True
        if created:
            # Then the map opens on its devices: the trackers, not an absent person.
            await self.api.remove_own_person()
        await _poll(
            self._running,
            deadline,
            self._late("Home Assistant did not finish starting"),
            self._children(),
        )
        if self.simulator_url is None:
            await self._disable_simulated_account()
            return
        await self._set_up_simulated_account(self.simulator_url)
        self.trackers = await _poll(
            self._positioned_trackers,
            deadline,
            self._late("the simulated trackers did not show up on the map"),
            self._children(),
        )

    def _prepare(self) -> None:
        """Prepare the configuration folder for the demo's Home Assistant."""
        _link_integration(self.config_dir)
        _serve_on_loopback(self.config_dir, self._port)
        _onboard_without_internet(self.config_dir)

    def _late(self, what: str) -> str:
        """Say what did not happen in time, and where to look."""
        log = self.config_dir / "home-assistant.log"
        return f"{what} in time: see {log}"

    async def _start_simulator(self, url: URL, deadline: float) -> None:
        """Start the simulator and wait until it answers."""
        LOGGER.info("starting the simulator on %s", url)
        self._simulator = await _Child.start(
            "the simulator",
            simulator_arguments(url, self.shape),
            cwd=REPOSITORY,
            output=self._output,
        )

        async def answering() -> bool | None:
            """Whether the simulator's control API answers."""
            try:
                async with self._session.get(url / "_simulator" / "state") as answer:
                    return answer.ok or None
            except ClientError:
                return None

        await _poll(
            answering,
            deadline,
            "the simulator did not answer in time: see its output above",
            self._children(),
        )

    async def _start_homeassistant(self, deadline: float) -> None:
        """Start Home Assistant on the config dir and wait until it answers."""
        LOGGER.info("starting Home Assistant on %s", self.url)
        self._homeassistant = await _Child.start(
            "Home Assistant",
            # Packages are the project's business (scripts/setup): Home Assistant
            # installs none at run time.
            ["-m", "homeassistant", "--config", str(self.config_dir), "--skip-pip"],
            cwd=self.config_dir,
            output=self._output,
        )

        async def answering() -> bool | None:
            """Whether Home Assistant's HTTP server answers."""
            return await self.api.answering() or None

        await _poll(
            answering,
            deadline,
            self._late("Home Assistant did not answer"),
            self._children(),
        )

    async def _running(self) -> bool | None:
        """Whether Home Assistant has finished starting."""
        return await self.api.running() or None

    async def _set_up_simulated_account(self, url: URL) -> None:
        """Add the simulated account through the config flow, or reuse its entry."""
        entry = await self._simulated_account()
        if entry is None:
            LOGGER.info("adding the simulated account through the config flow")
            await self.api.configure_account(
                DEFAULT_USERNAME, DEFAULT_PASSWORD, str(url)
            )
            return
        if entry.disabled:
            LOGGER.info("enabling the simulated account again")
            await self.api.set_disabled(entry.entry_id, disabled=False)
            entry = await self._simulated_account()
        if entry is not None and entry.state != "loaded":
            # The simulator answers elsewhere than last time (another --simulator-port).
            LOGGER.info("pointing the simulated account to %s", url)
            await self.api.configure_account(
                DEFAULT_USERNAME, DEFAULT_PASSWORD, str(url), entry.entry_id
            )

    async def _simulated_account(self) -> ConfigEntry | None:
        """Return the entry of the simulated account, if there is one."""
        return next(
            (e for e in await self.api.entries() if e.title == SIMULATED_ACCOUNT_TITLE),
            None,
        )

    async def _disable_simulated_account(self) -> None:
        """Disable the simulated account: without the simulator, it cannot load."""
        entry = await self._simulated_account()
        if entry is not None and not entry.disabled:
            LOGGER.info("disabling the simulated account while it has no simulator")
            await self.api.set_disabled(entry.entry_id, disabled=True)

    async def _positioned_trackers(self) -> list[dict[str, object]] | None:
        """Return the simulated account's device trackers once all are on the map."""
        trackers = await self.api.trackers(SIMULATED_ACCOUNT_TITLE)
        if len(trackers) < SIMULATOR_TRACKERS or not all(map(positioned, trackers)):
            return None
        return trackers

    async def wait(self) -> int:
        """Wait until Home Assistant stops by itself; start it again when it restarts.

        Return its exit code.
        """
        while True:
            if self._homeassistant is None:
                msg = "Home Assistant is not running"
                raise RuntimeError(msg)
            code = await self._homeassistant.process.wait()
            if code != _RESTART_EXIT_CODE:
                return code
            LOGGER.info("Home Assistant asked for a restart: starting it again")
            loop = asyncio.get_running_loop()
            await self._start_homeassistant(loop.time() + DEFAULT_READY_TIMEOUT)

    async def stop(self) -> None:
        """Stop Home Assistant, then the simulator; fail if a port is still taken."""
        try:
            if self._signed_in and self._homeassistant is not None:
                with suppress(ClientError, TimeoutError, DemoError):
                    await self.api.revoke()
            for child in reversed(self._children()):
                LOGGER.info("stopping %s", child.name)
                await child.stop()
        finally:
            await self._session.close()
        ports = [
            port
            for child, port in (
                (self._homeassistant, self._port),
                (self._simulator, self._simulator_port),
            )
            if child is not None and port is not None
        ]
        if taken := [port for port in ports if port_in_use(port)]:
            msg = f"ports of {HOST} still in use after stopping: {taken}"
            raise DemoError(msg)
        if ports:
            LOGGER.info("stopped: nothing listens on %s ports %s any more", HOST, ports)


@asynccontextmanager
async def start_demo(  # noqa: PLR0913 - one keyword per option of the demo
    config_dir: Path = DEFAULT_CONFIG_DIR,
    *,
    port: int = DEFAULT_PORT,
    simulator_port: int | None = DEFAULT_SIMULATOR_PORT,
    shape: ReplyShape = ReplyShape.MODELLED,
    ready_timeout: float = DEFAULT_READY_TIMEOUT,
    output: int | None = None,
) -> AsyncIterator[Demo]:
    """Run the demo for the duration of an `async with` block.

    Home Assistant runs on `config_dir` and `port`, the simulator on `simulator_port`
    (None: no simulator, to try a real account), its trackers' replies in `shape`.
    The block starts once the demo user is signed in and, with the simulator, its
    trackers are on the map. Both processes write to `output`, a file descriptor such
    as `subprocess.DEVNULL`, or to our own standard output and error if None.
    """
    demo = Demo(
        config_dir=config_dir,
        port=port,
        simulator_port=simulator_port,
        shape=shape,
        output=output,
    )
    try:
        await demo.start(ready_timeout)
        yield demo
    finally:
        await demo.stop()
