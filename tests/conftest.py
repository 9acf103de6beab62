"""Fixtures shared by the tests."""

import asyncio
from base64 import b64encode
from collections.abc import AsyncGenerator, AsyncIterator, Generator
from contextlib import asynccontextmanager
import copy
from datetime import UTC, datetime, timedelta
import json
import logging
from traceback import format_exception
from types import SimpleNamespace
from unittest.mock import AsyncMock, PropertyMock, patch

from aiohttp import ClientSession, TraceConfig, TraceRequestStartParams, hdrs, web
from aiohttp.typedefs import Handler
from freezegun.api import FrozenDateTimeFactory
from homeassistant import block_async_io
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_get_persistent_notifications,
)
from yarl import URL

from custom_components.invoxia.api import (
    AsyncClient,
    Config,
    Tracker01,
    Tracker03,
    Tracker04,
)
from custom_components.invoxia.const import CONF_API_URL, DOMAIN
from custom_components.invoxia.coordinator import InvoxiaCoordinator
from custom_components.invoxia.diagnostics import async_get_config_entry_diagnostics
from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, ReplyShape, Simulator, World

SIMULATOR_START = datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True, scope="session")
def blocking_call_detection() -> Generator[None]:
    """Detect blocking calls in the event loop, as Home Assistant's own tests do.

    Calls that are strict (time.sleep, blocking HTTP) raise; the others log.
    """
    block_async_io.enable()
    yield
    # Coverage then reads its files in this thread: it is not the event loop's.
    calls = block_async_io._BLOCKED_CALLS.calls
    for call in calls:
        setattr(call.object, call.function, call.original_func)
    calls.clear()


@pytest.fixture(autouse=True)
def no_home_assistant_complaint(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail any test in which Home Assistant reports a misuse of its API.

    A blocking call in the event loop, or a deprecated call by the integration.
    """
    yield
    complaints = [
        record.getMessage().partition(";")[0]
        for record in _records(caplog)
        if record.name in {"homeassistant.util.loop", "homeassistant.helpers.frame"}
    ]
    assert not complaints


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Return the log records of a test, its setup and teardown included."""
    return [
        *caplog.get_records("setup"),
        *caplog.get_records("call"),
        *caplog.get_records("teardown"),
    ]


POLL_INTERVAL = timedelta(seconds=60)


@pytest.fixture
def reply_shape() -> ReplyShape:
    """Render trackers as the gps_tracker models have them; modules may override it.

    Those that test the integration against both shapes parametrize it with
    `both_shapes`.
    """
    return ReplyShape.MODELLED


@pytest.fixture
async def simulator(
    socket_enabled: None, reply_shape: ReplyShape
) -> AsyncGenerator[Simulator]:
    """Run a simulated cloud: seed 1, five trackers, clock at 2026-01-01 12:00 UTC."""
    world = World(seed=1, trackers=5, start=SIMULATOR_START, shape=reply_shape)
    async with Simulator(world) as running:
        yield running


@pytest.fixture
async def simulator_client(simulator: Simulator) -> AsyncGenerator[ClientSession]:
    """Provide an HTTP client of the simulator, with the account's credentials."""
    headers = {"Authorization": basic_authorization(DEFAULT_USERNAME, DEFAULT_PASSWORD)}
    async with ClientSession(simulator.url, headers=headers) as session:
        yield session


@pytest.fixture
async def client(simulator: Simulator) -> AsyncGenerator[AsyncClient]:
    """Provide a client of the simulated account that owns its session."""
    config = Config(DEFAULT_USERNAME, DEFAULT_PASSWORD, simulator.url)
    async with AsyncClient(config) as api:
        yield api


def basic_authorization(username: str, password: str, encoding: str = "utf-8") -> str:
    """Write an HTTP Basic `Authorization` header, as aiohttp versions all agree."""
    credentials = f"{username}:{password}".encode(encoding)
    return f"Basic {b64encode(credentials).decode()}"


SECRETS = (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    basic_authorization(DEFAULT_USERNAME, DEFAULT_PASSWORD).removeprefix("Basic "),
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom_components/ in the tests that run it.

    Tests of the client and the simulator need no Home Assistant: they get none.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


TRACKER_TYPES = [Tracker01, Tracker03, Tracker04, Tracker01, Tracker03]
"""The types of the simulated account's trackers, in the order it lists them."""


@pytest.fixture
def config(simulator: Simulator) -> Config:
    """Return the simulated account's configuration for the client."""
    return Config(DEFAULT_USERNAME, DEFAULT_PASSWORD, simulator.url)


class Recorder:
    """An aiohttp session that records the URL and Authorization of every request."""

    def __init__(self) -> None:
        """Open the session, tracing the start of each request."""
        self.urls: list[URL] = []
        self.authorizations: list[str | None] = []
        trace = TraceConfig()
        trace.on_request_start.append(self._record)
        self.session = ClientSession(trace_configs=[trace])

    async def _record(
        self,
        _session: ClientSession,
        _context: SimpleNamespace,
        params: TraceRequestStartParams,
    ) -> None:
        """Keep what the request carries."""
        self.urls.append(params.url)
        self.authorizations.append(params.headers.get(hdrs.AUTHORIZATION))


@pytest.fixture
async def recorder() -> AsyncGenerator[Recorder]:
    """Provide a recording session, closed at the end of the test."""
    recording = Recorder()
    yield recording
    await recording.session.close()


@pytest.fixture
def recorded_client(config: Config, recorder: Recorder) -> AsyncClient:
    """Provide a client of the simulated account using the recording session."""
    return AsyncClient(config, recorder.session)


@pytest.fixture
def mock_config_entry(simulator: Simulator) -> MockConfigEntry:
    """Return a config entry of the simulated account, polled at least every minute.

    The simulated trackers' fixes date from the simulator's clock, months before
    the test clock: adaptive polling deems them still, and polls every minute.
    """
    return MockConfigEntry(
        domain=DOMAIN,
        title="d***@example.com",
        unique_id=str(simulator.world.user_id),
        data={
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: simulator.url,
        },
        options={CONF_SCAN_INTERVAL: int(POLL_INTERVAL.total_seconds())},
    )


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Stand in for the entry's setup, for flow tests that are not about it."""
    with patch(
        "custom_components.invoxia.async_setup_entry", return_value=True
    ) as setup_entry:
        yield setup_entry


async def add_account(hass: HomeAssistant, api_url: str) -> ConfigFlowResult:
    """Add the simulated account's credentials through the config flow's user form."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: api_url,
        },
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up the integration with the simulated account."""
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


async def poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    after: timedelta = POLL_INTERVAL,
) -> None:
    """Let the polling interval pass and the poll finish."""
    freezer.tick(after)
    async_fire_time_changed(hass)
    # Scheduled refreshes run as background tasks.
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
def harness_loop_kept() -> Generator[None]:
    """Give the test harness its event loop back after a test ran `asyncio.run`.

    asyncio.run leaves the thread with no event loop, which the harness still needs.
    """
    harness_loop = asyncio.get_event_loop()
    yield
    asyncio.set_event_loop(harness_loop)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the entities that are disabled by default, like Home Assistant's own."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[str]:
    """Answer every GET with `handler` on an ephemeral loopback port; yield the URL.

    For answers the simulator never gives (redirects, unknown device types...).
    """
    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def serve_json(
    payload: object, requests: list[URL] | None = None
) -> AsyncIterator[str]:
    """Serve a JSON answer to every GET on an ephemeral loopback port; yield its URL.

    The URLs asked are added to `requests`; after ten, the answer is an empty list,
    so that a client asking forever fails its test instead of hanging it.
    """
    asked = [] if requests is None else requests

    async def answer(request: web.Request) -> web.Response:
        asked.append(request.rel_url)
        return web.json_response(payload if len(asked) <= 10 else [])

    async with serve(answer) as url:
        yield url


def devices_with_unknown_types() -> list[object]:
    """Return the simulated devices, then trackers of types the client does not know."""
    devices = World(seed=1, trackers=5, start=SIMULATOR_START).devices_json()
    extra = []
    for device_type in ("tracker_99", "scooter", "tracker_99"):
        device = copy.deepcopy(devices[1])
        assert isinstance(device, dict)
        device["type"] = device_type
        extra.append(device)
    return [*devices, *extra]


def shown_by_error(where: str, error: BaseException) -> list[tuple[str, str]]:
    """List what an error shows: its traceback, and each chained error's str and repr.

    The chain includes a context that `raise ... from None` hides from tracebacks.
    """
    shown = [(f"{where}: traceback", "".join(format_exception(error)))]
    pending: list[BaseException | None] = [error]
    seen: set[int] = set()
    while pending:
        err = pending.pop()
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        shown.append((f"{where}: {type(err).__name__}", f"{err}\n{err!r}"))
        pending += (err.__cause__, err.__context__)
        if isinstance(err, BaseExceptionGroup):
            pending += err.exceptions
    return shown


def shown_by_record(record: logging.LogRecord) -> list[tuple[str, str]]:
    """List what a log record shows: its message and the errors it carries."""
    where = f"a log record of {record.name}"
    shown = [(where, record.getMessage())]
    if record.exc_info is not None and record.exc_info[1] is not None:
        shown += shown_by_error(where, record.exc_info[1])
    return shown


async def shown_by_hass(hass: HomeAssistant) -> list[tuple[str, str]]:
    """List what Home Assistant shows of the integration.

    Persistent notifications, and of each entry: its title, the reason its setup
    failed, the last error of its coordinator and its diagnostics.
    """
    shown = [
        (f"notification {key}", f"{item['title']}\n{item['message']}")
        for key, item in async_get_persistent_notifications(hass).items()
    ]
    for entry in hass.config_entries.async_entries(DOMAIN):
        where = f"entry {entry.title}"
        shown.append((f"{where}: title and reason", f"{entry.title}\n{entry.reason}"))
        coordinator = getattr(entry, "runtime_data", None)
        if not isinstance(coordinator, InvoxiaCoordinator):
            continue
        if coordinator.last_exception is not None:
            shown += shown_by_error(f"{where}: last error", coordinator.last_exception)
        diagnostics = await async_get_config_entry_diagnostics(hass, entry)
        shown.append((f"{where}: diagnostics", json.dumps(diagnostics, default=str)))
    return shown


def assert_no_secret(shown: list[tuple[str, str]]) -> None:
    """Fail if a text shows the account's password, Authorization or email."""
    for where, text in shown:
        leaked = [secret for secret in SECRETS if secret in text]
        assert not leaked, f"{where} shows {len(leaked)} secret(s)"


@pytest.fixture
async def no_secret_in_hass(hass: HomeAssistant) -> AsyncGenerator[None]:
    """Fail a test after which Home Assistant shows a secret of the account."""
    yield
    assert_no_secret(await shown_by_hass(hass))


@pytest.fixture(autouse=True)
def no_secret_leaks(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Generator[None]:
    """Fail any test that shows the account's password, Authorization or email.

    In its logs, and, when it runs Home Assistant, in what Home Assistant shows;
    the tests that run none get none.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("no_secret_in_hass")
    yield
    for record in _records(caplog):
        assert_no_secret(shown_by_record(record))
