"""Fixtures shared by the tests."""

from base64 import b64encode
from collections.abc import AsyncGenerator, AsyncIterator, Generator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
import traceback
from unittest.mock import PropertyMock, patch

from aiohttp import ClientSession, web
from aiohttp.typedefs import Handler
from homeassistant.const import (
    CONF_EMAIL,
    CONF_PASSWORD,
)
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.invoxia.const import CONF_API_URL, DOMAIN
from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, Simulator, World

SIMULATOR_START = datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """Run a simulated cloud: seed 1, five trackers, clock at 2026-01-01 12:00 UTC."""
    async with Simulator(World(seed=1, trackers=5, start=SIMULATOR_START)) as running:
        yield running


@pytest.fixture
async def simulator_client(simulator: Simulator) -> AsyncGenerator[ClientSession]:
    """Provide an HTTP client of the simulator, with the account's credentials."""
    headers = {"Authorization": basic_authorization(DEFAULT_USERNAME, DEFAULT_PASSWORD)}
    async with ClientSession(simulator.url, headers=headers) as session:
        yield session


def basic_authorization(username: str, password: str, encoding: str = "utf-8") -> str:
    """Write an HTTP Basic `Authorization` header, as aiohttp versions all agree."""
    credentials = f"{username}:{password}".encode(encoding)
    return f"Basic {b64encode(credentials).decode()}"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom_components/ in the tests that run it.

    Tests of the client and the simulator need no Home Assistant: they get none.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture
def mock_config_entry(simulator: Simulator) -> MockConfigEntry:
    """Return a config entry of the simulated account."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="d***@example.com",
        unique_id=str(simulator.world.user_id),
        data={
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: simulator.url,
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


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail any test that logs the account's password, Authorization or email."""
    yield
    secrets = (
        DEFAULT_PASSWORD,
        DEFAULT_USERNAME,
        basic_authorization(DEFAULT_USERNAME, DEFAULT_PASSWORD).split()[1],
    )
    for when in ("setup", "call", "teardown"):
        for record in caplog.get_records(when):
            text = record.getMessage() + (
                "".join(traceback.format_exception(*record.exc_info))
                if record.exc_info
                else ""
            )
            leaked = [secret for secret in secrets if secret in text]
            assert not leaked, f"{record.name} logged a secret: {record.getMessage()}"
