"""The config flow of Invoxia: account, reauthentication, reconfiguration, options."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
import logging
import socket
from typing import Any
from unittest.mock import AsyncMock, patch

from aiohttp import ClientSession, hdrs, web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    get_schema_suggested_value,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)

from custom_components.invoxia.api import DEFAULT_API_URL
from custom_components.invoxia.const import CONF_API_URL, DOMAIN
from simulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    Fault,
    FaultKind,
    Simulator,
    World,
)
from tests.conftest import poll, serve

NEW_PASSWORD = "n3w-Pa55word"  # noqa: S105 - the simulated account's next password
OTHER_EMAIL = "dominique.martin@example.org"


@pytest.fixture
def closed_port_url(socket_enabled: None) -> Iterator[str]:
    """Return an http URL of this machine on which nothing listens.

    The port stays bound, not listening, so that no other server takes it meanwhile.
    """
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{bound.getsockname()[1]}"


def _answer(aioclient_mock: AiohttpClientMocker, url: str, body: object) -> None:
    """Make Home Assistant's HTTP session answer GET `url` with a JSON body."""
    aioclient_mock.get(url, json=body)  # type: ignore[no-untyped-call]  # untyped mock


def _form_fields(result: ConfigFlowResult) -> dict[str, object]:
    """Map each field of a form, in order, to the value it is pre-filled with."""
    schema = result["data_schema"]
    assert schema is not None
    return {
        str(key): get_schema_suggested_value(schema.schema, str(key))
        for key in schema.schema
    }


async def _start_user_flow(hass: HomeAssistant) -> ConfigFlowResult:
    """Start adding an account from the user interface."""
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )


async def _sign_in(
    hass: HomeAssistant, result: ConfigFlowResult, api_url: str
) -> ConfigFlowResult:
    """Submit the simulated account's credentials to a user form."""
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: api_url,
        },
    )


def _assert_created_simulated_account(
    result: ConfigFlowResult, simulator: Simulator
) -> None:
    """Check that a flow created the entry of the simulated account."""
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "d***@example.com"
    assert result["data"] == {
        CONF_EMAIL: DEFAULT_USERNAME,
        CONF_PASSWORD: DEFAULT_PASSWORD,
        CONF_API_URL: simulator.url,
    }
    assert result["result"].unique_id == str(simulator.world.user_id)


async def test_user_form_asks_for_the_account_and_the_api_url(
    hass: HomeAssistant,
) -> None:
    """The form asks for the email, a hidden password, and the API URL, Invoxia's."""
    result = await _start_user_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    assert _form_fields(result) == {
        CONF_EMAIL: None,
        CONF_PASSWORD: None,
        CONF_API_URL: DEFAULT_API_URL,
    }
    schema = result["data_schema"]
    assert schema is not None
    assert {
        str(key): selector.config["type"] for key, selector in schema.schema.items()
    } == {CONF_EMAIL: "email", CONF_PASSWORD: "password", CONF_API_URL: "url"}


async def test_user_creates_an_entry_per_account(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Valid credentials create an entry titled by the masked email, unique by user id.

    The API URL is stored as scheme://host:port, without the path given.
    """
    result = await _start_user_flow(hass)
    result = await _sign_in(hass, result, f"{simulator.url}/api/v1/")
    await hass.async_block_till_done()

    _assert_created_simulated_account(result, simulator)
    assert simulator.counters.requests["/users/"] == 1
    assert result["result"].state is ConfigEntryState.LOADED


async def test_user_with_the_api_url_as_suggested_signs_in_to_invoxia(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    mock_setup_entry: AsyncMock,
) -> None:
    """The API URL the form suggests is Invoxia's, checked and stored as it is."""
    user = World(seed=1).user_json()
    _answer(aioclient_mock, f"{DEFAULT_API_URL}/users/", [user])
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: _form_fields(result)[CONF_API_URL],
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_EMAIL: DEFAULT_USERNAME,
        CONF_PASSWORD: DEFAULT_PASSWORD,
        CONF_API_URL: DEFAULT_API_URL,
    }
    assert result["result"].unique_id == str(user["id"])
    assert [str(call[1]) for call in aioclient_mock.mock_calls] == [
        f"{DEFAULT_API_URL}/users/"
    ]
    mock_setup_entry.assert_called_once()


async def test_user_with_a_wrong_password_shows_invalid_auth(
    hass: HomeAssistant, simulator: Simulator, mock_setup_entry: AsyncMock
) -> None:
    """A refused password shows invalid_auth; the email stays, the password does not."""
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: "wrong",
            CONF_API_URL: simulator.url,
        },
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "invalid_auth"}
    assert _form_fields(result) == {
        CONF_EMAIL: DEFAULT_USERNAME,
        CONF_PASSWORD: None,
        CONF_API_URL: simulator.url,
    }

    result = await _sign_in(hass, result, simulator.url)
    _assert_created_simulated_account(result, simulator)
    mock_setup_entry.assert_called_once()


@pytest.mark.parametrize(
    ("fault", "error", "requests"),
    [
        pytest.param(
            Fault(FaultKind.STATUS, status=403, count=1), "invalid_auth", 1, id="403"
        ),
        # aiohttp retries a dropped GET once: two resets make one failed request.
        pytest.param(Fault(FaultKind.RESET, count=2), "cannot_connect", 2, id="reset"),
        pytest.param(
            Fault(FaultKind.STATUS, status=500, count=1), "cannot_connect", 1, id="500"
        ),
        pytest.param(
            Fault(FaultKind.MALFORMED, count=1), "cannot_connect", 1, id="json"
        ),
    ],
)
async def test_user_with_a_failing_api_shows_the_error(  # noqa: PLR0913 - fixtures and parameters
    hass: HomeAssistant,
    simulator: Simulator,
    mock_setup_entry: AsyncMock,
    fault: Fault,
    error: str,
    requests: int,
) -> None:
    """A forbidden answer shows invalid_auth; a dropped or broken one cannot_connect."""
    result = await _start_user_flow(hass)
    simulator.faults.add(fault)
    result = await _sign_in(hass, result, simulator.url)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert simulator.counters.requests["/users/"] == requests
    assert simulator.faults.active == ()

    result = await _sign_in(hass, result, simulator.url)
    _assert_created_simulated_account(result, simulator)
    mock_setup_entry.assert_called_once()


@asynccontextmanager
async def _serve_no_user_first(simulator: Simulator) -> AsyncIterator[str]:
    """Serve the simulated API, except that the first `/users/` lists no user.

    Every other request goes on to the simulator, with its Authorization.
    """
    users_asked = 0
    async with ClientSession() as session:

        async def _answer(request: web.Request) -> web.Response:
            nonlocal users_asked
            if request.path == "/users/":
                users_asked += 1
                if users_asked == 1:
                    return web.json_response([])
            async with session.get(
                f"{simulator.url}{request.path_qs}",
                headers={hdrs.AUTHORIZATION: request.headers[hdrs.AUTHORIZATION]},
            ) as answer:
                return web.Response(
                    status=answer.status,
                    body=await answer.read(),
                    content_type=answer.content_type,
                )

        async with serve(_answer) as url:
            yield url


async def _start_flow(
    hass: HomeAssistant, simulator: Simulator, source: str, api_url: str
) -> tuple[ConfigFlowResult, dict[str, Any]]:
    """Start a flow of `source` for the simulated account at `api_url`.

    Return its form and what the user enters there.
    """
    account = {
        CONF_EMAIL: DEFAULT_USERNAME,
        CONF_PASSWORD: DEFAULT_PASSWORD,
        CONF_API_URL: api_url,
    }
    if source == SOURCE_USER:
        return await _start_user_flow(hass), account
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="d***@example.com",
        unique_id=str(simulator.world.user_id),
        data=account,
    )
    entry.add_to_hass(hass)
    if source == SOURCE_REAUTH:
        return await entry.start_reauth_flow(hass), {CONF_PASSWORD: DEFAULT_PASSWORD}
    return await entry.start_reconfigure_flow(hass), account


@pytest.mark.parametrize(
    ("source", "ending"),
    [
        (SOURCE_USER, FlowResultType.CREATE_ENTRY),
        (SOURCE_REAUTH, "reauth_successful"),
        (SOURCE_RECONFIGURE, "reconfigure_successful"),
    ],
)
async def test_account_listing_no_user_shows_cannot_connect(
    hass: HomeAssistant,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    source: str,
    ending: FlowResultType | str,
) -> None:
    """An account whose `/users/` lists nobody shows cannot_connect, no traceback.

    The user's id names the entry: without it, the API cannot be used. Sent again,
    once the user is listed, the same form succeeds.
    """
    async with _serve_no_user_first(simulator) as api_url:
        result, entered = await _start_flow(hass, simulator, source, api_url)
        step_id = result["step_id"]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], entered
        )

        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == step_id
        assert result["errors"] == {"base": "cannot_connect"}
        assert [
            record.getMessage() for record in caplog.records if record.exc_info
        ] == []
        assert simulator.counters.requests["/users/"] == 0

        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], entered
        )
        await hass.async_block_till_done()

        if ending is FlowResultType.CREATE_ENTRY:
            assert result["type"] is FlowResultType.CREATE_ENTRY
            entry = result["result"]
        else:
            assert result["type"] is FlowResultType.ABORT
            assert result["reason"] == ending
            [entry] = hass.config_entries.async_entries(DOMAIN)
        assert entry.unique_id == str(simulator.world.user_id)
        assert entry.data[CONF_API_URL] == api_url
        assert entry.state is ConfigEntryState.LOADED
        assert simulator.counters.requests["/users/"] == 1
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_user_with_nothing_listening_shows_cannot_connect(
    hass: HomeAssistant,
    simulator: Simulator,
    closed_port_url: str,
    mock_setup_entry: AsyncMock,
) -> None:
    """An API URL where nothing answers shows cannot_connect."""
    result = await _start_user_flow(hass)
    result = await _sign_in(hass, result, closed_port_url)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert _form_fields(result)[CONF_API_URL] == closed_port_url

    result = await _sign_in(hass, result, simulator.url)
    _assert_created_simulated_account(result, simulator)
    mock_setup_entry.assert_called_once()


async def test_user_with_an_unexpected_error_shows_unknown_and_logs_it(
    hass: HomeAssistant,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    mock_setup_entry: AsyncMock,
) -> None:
    """An unexpected exception shows unknown and logs its traceback."""
    result = await _start_user_flow(hass)
    with patch(
        "custom_components.invoxia.config_flow.AsyncClient.get_users",
        side_effect=RuntimeError("unexpected"),
    ):
        result = await _sign_in(hass, result, simulator.url)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    [record] = [
        record
        for record in caplog.records
        if record.name == "custom_components.invoxia"
        and record.levelno == logging.ERROR
    ]
    assert record.getMessage() == "Unexpected error while checking the account"
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError

    result = await _sign_in(hass, result, simulator.url)
    _assert_created_simulated_account(result, simulator)
    mock_setup_entry.assert_called_once()


@pytest.mark.parametrize(
    "api_url",
    [
        pytest.param("", id="empty"),
        pytest.param("http://example.com", id="http-not-loopback"),
        pytest.param("http://192.168.1.2:8080", id="http-on-the-lan"),
        pytest.param("http://localhost.example.com", id="http-not-localhost"),
        pytest.param("ftp://127.0.0.1", id="not-http"),
        pytest.param("not a url", id="no-scheme"),
        pytest.param("https://", id="no-host"),
        pytest.param("http://[::1", id="malformed"),
        pytest.param("https://camille:secret@labs.invoxia.io", id="credentials"),
        pytest.param("http://127.0.0.1:99999", id="port-out-of-range"),
        pytest.param("http://127.0.0.1:port", id="port-not-a-number"),
    ],
)
async def test_user_with_an_invalid_api_url_shows_invalid_api_url(
    hass: HomeAssistant, simulator: Simulator, mock_setup_entry: AsyncMock, api_url: str
) -> None:
    """An API URL that is not https, nor http on this machine, is refused unasked."""
    result = await _start_user_flow(hass)
    result = await _sign_in(hass, result, api_url)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_URL: "invalid_api_url"}
    assert _form_fields(result)[CONF_API_URL] == api_url
    assert simulator.counters.total == 0

    result = await _sign_in(hass, result, simulator.url)
    _assert_created_simulated_account(result, simulator)
    mock_setup_entry.assert_called_once()


async def test_user_with_a_colon_in_the_email_shows_invalid_email(
    hass: HomeAssistant, simulator: Simulator, mock_setup_entry: AsyncMock
) -> None:
    """Basic authentication cannot carry a colon in the username: said, not sent."""
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: "camille:martin@example.com",
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: simulator.url,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_EMAIL: "invalid_email"}
    assert simulator.counters.total == 0

    result = await _sign_in(hass, result, simulator.url)
    _assert_created_simulated_account(result, simulator)
    mock_setup_entry.assert_called_once()


@pytest.mark.parametrize(
    ("api_url", "stored"),
    [
        ("https://labs.invoxia.io/api/", "https://labs.invoxia.io"),
        ("  https://Labs.Invoxia.IO:8443/v1?x=1#y  ", "https://labs.invoxia.io:8443"),
        ("https://[2001:DB8::1]/api", "https://[2001:db8::1]"),
        ("http://localhost:8123/", "http://localhost:8123"),
        ("http://LOCALHOST", "http://localhost"),
        ("http://127.0.0.2:8080", "http://127.0.0.2:8080"),
        ("http://[::1]:8080/api", "http://[::1]:8080"),
    ],
)
async def test_user_api_url_is_stored_as_scheme_host_and_port(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    mock_setup_entry: AsyncMock,
    api_url: str,
    stored: str,
) -> None:
    """An https URL, or an http one on this machine, keeps its scheme, host and port.

    The account is asked there, and the entry keeps it so.
    """
    _answer(aioclient_mock, f"{stored}/users/", [World(seed=1).user_json()])
    result = await _sign_in(hass, await _start_user_flow(hass), api_url)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_API_URL] == stored
    assert [str(call[1]) for call in aioclient_mock.mock_calls] == [f"{stored}/users/"]
    mock_setup_entry.assert_called_once()


@pytest.mark.parametrize("email", [DEFAULT_USERNAME, DEFAULT_USERNAME.upper()])
async def test_user_aborts_for_an_account_already_configured(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
    email: str,
) -> None:
    """An account is configured once, whatever the casing of its email."""
    mock_config_entry.add_to_hass(hass)
    # Invoxia, like most sites, takes an email address in any casing.
    simulator.world.set_credentials(email, DEFAULT_PASSWORD)
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: email,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: simulator.url,
        },
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert simulator.counters.requests["/users/"] == 1
    assert hass.config_entries.async_entries(DOMAIN) == [mock_config_entry]
    mock_setup_entry.assert_not_called()


async def test_reauth_takes_the_new_password_and_reloads(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Reauth asks only for the password of the email shown, then reloads the entry.

    The entry keeps the name the user gave it.
    """
    coordinator = init_integration.runtime_data
    hass.config_entries.async_update_entry(init_integration, title="Family trackers")
    simulator.world.set_credentials(DEFAULT_USERNAME, NEW_PASSWORD)
    result = await init_integration.start_reauth_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {}
    # Home Assistant 2026.6 adds the entry's name to the placeholders of reauth.
    assert result["description_placeholders"] is not None
    assert result["description_placeholders"][CONF_EMAIL] == DEFAULT_USERNAME
    assert _form_fields(result) == {CONF_PASSWORD: None}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: NEW_PASSWORD}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert init_integration.data == {
        CONF_EMAIL: DEFAULT_USERNAME,
        CONF_PASSWORD: NEW_PASSWORD,
        CONF_API_URL: simulator.url,
    }
    assert init_integration.title == "Family trackers"
    # Only the new password opens the account: loading again proves it is in use.
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data is not coordinator


async def test_reauth_started_by_a_refused_password_loads_the_entry(
    hass: HomeAssistant, simulator: Simulator, mock_config_entry: MockConfigEntry
) -> None:
    """A password refused at setup starts reauth, whose success loads the entry."""
    simulator.world.set_credentials(DEFAULT_USERNAME, NEW_PASSWORD)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    state_after_setup = mock_config_entry.state
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: NEW_PASSWORD}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert state_after_setup is ConfigEntryState.SETUP_ERROR
    assert mock_config_entry.state is ConfigEntryState.LOADED


async def test_reauth_with_a_wrong_password_shows_invalid_auth(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """A refused password shows invalid_auth, and the entry keeps its password."""
    simulator.world.set_credentials(DEFAULT_USERNAME, NEW_PASSWORD)
    result = await init_integration.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {"base": "invalid_auth"}
    assert _form_fields(result) == {CONF_PASSWORD: None}
    assert init_integration.data[CONF_PASSWORD] == DEFAULT_PASSWORD

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: NEW_PASSWORD}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert init_integration.data[CONF_PASSWORD] == NEW_PASSWORD
    assert init_integration.state is ConfigEntryState.LOADED


async def test_reauth_with_another_account_aborts(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    """Credentials of another account abort reauth and leave the entry as it was."""
    mock_config_entry.add_to_hass(hass)
    data = dict(mock_config_entry.data)
    result = await mock_config_entry.start_reauth_flow(hass)
    simulator.world.set_credentials(DEFAULT_USERNAME, NEW_PASSWORD)
    simulator.world.user_id += 1

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: NEW_PASSWORD}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert mock_config_entry.data == data
    mock_setup_entry.assert_not_called()


async def test_reconfigure_changes_the_account_settings(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Reconfigure shows the settings but the password, then stores and reloads."""
    coordinator = init_integration.runtime_data
    result = await init_integration.start_reconfigure_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {}
    assert result["description_placeholders"] == {CONF_EMAIL: DEFAULT_USERNAME}
    assert _form_fields(result) == {
        CONF_EMAIL: DEFAULT_USERNAME,
        CONF_PASSWORD: None,
        CONF_API_URL: simulator.url,
    }

    simulator.world.set_credentials(OTHER_EMAIL, NEW_PASSWORD)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: OTHER_EMAIL,
            CONF_PASSWORD: NEW_PASSWORD,
            CONF_API_URL: f"{simulator.url}/",
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.title == "d***@example.org"
    assert init_integration.data == {
        CONF_EMAIL: OTHER_EMAIL,
        CONF_PASSWORD: NEW_PASSWORD,
        CONF_API_URL: simulator.url,
    }
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data is not coordinator


async def test_reconfigure_with_another_account_aborts(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    """Credentials of another account abort reconfigure; the entry stays as it was."""
    mock_config_entry.add_to_hass(hass)
    data = dict(mock_config_entry.data)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    simulator.world.set_credentials(OTHER_EMAIL, NEW_PASSWORD)
    simulator.world.user_id += 1

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: OTHER_EMAIL,
            CONF_PASSWORD: NEW_PASSWORD,
            CONF_API_URL: simulator.url,
        },
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert mock_config_entry.title == "d***@example.com"
    assert mock_config_entry.data == data
    mock_setup_entry.assert_not_called()


async def test_reconfigure_with_an_invalid_api_url_shows_invalid_api_url(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """An invalid API URL is refused on its field; all but the password stay filled."""
    requests = simulator.counters.total
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: "http://example.com",
        },
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {CONF_API_URL: "invalid_api_url"}
    assert _form_fields(result) == {
        CONF_EMAIL: DEFAULT_USERNAME,
        CONF_PASSWORD: None,
        CONF_API_URL: "http://example.com",
    }
    assert simulator.counters.total == requests

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: simulator.url,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data[CONF_API_URL] == simulator.url
    assert init_integration.state is ConfigEntryState.LOADED


async def test_options_change_the_polling_interval_and_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The form shows the current options; a new interval is used after a reload."""
    coordinator = init_integration.runtime_data
    result = await hass.config_entries.options.async_init(init_integration.entry_id)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    schema = result["data_schema"]
    assert schema is not None
    defaults = {str(key): key.default() for key in schema.schema}
    assert defaults == {
        CONF_SCAN_INTERVAL: 60,
        "adaptive": True,
        "max_accuracy": 0,
        "trackers": sorted(coordinator.data),
        "import_new": True,
    }

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 120}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        CONF_SCAN_INTERVAL: 120,
        "adaptive": True,
        "max_accuracy": 0,
    }
    assert type(init_integration.options[CONF_SCAN_INTERVAL]) is int
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data is not coordinator
    assert init_integration.runtime_data.longest == timedelta(seconds=120)
    assert init_integration.runtime_data.adaptive is True


async def test_options_form_shows_the_current_interval(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Once set, the interval is what the options form shows."""
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_SCAN_INTERVAL: 300}
    )
    result = await hass.config_entries.options.async_init(init_integration.entry_id)

    schema = result["data_schema"]
    assert schema is not None
    defaults = {str(key): key.default() for key in schema.schema}
    assert defaults[CONF_SCAN_INTERVAL] == 300


async def test_options_of_a_new_entry_poll_adaptively_at_least_every_5_minutes(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Without options, polling is adaptive with a longest interval of 300 s."""
    hass.config_entries.async_update_entry(init_integration, options={})
    result = await hass.config_entries.options.async_init(init_integration.entry_id)

    schema = result["data_schema"]
    assert schema is not None
    defaults = {str(key): key.default() for key in schema.schema}
    assert (defaults[CONF_SCAN_INTERVAL], defaults["adaptive"]) == (300, True)


async def test_options_turn_adaptive_polling_off(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Adaptive polling off is stored, and the coordinator then polls fixed."""
    result = await _set_options(
        hass, init_integration, {CONF_SCAN_INTERVAL: 90, "adaptive": False}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        CONF_SCAN_INTERVAL: 90,
        "adaptive": False,
        "max_accuracy": 0,
    }
    coordinator = init_integration.runtime_data
    assert (coordinator.adaptive, coordinator.update_interval) == (
        False,
        timedelta(seconds=90),
    )


@pytest.mark.parametrize(("refused", "accepted"), [(29, 30), (3601, 3600)])
async def test_options_refuse_an_interval_out_of_bounds(
    hass: HomeAssistant, init_integration: MockConfigEntry, refused: int, accepted: int
) -> None:
    """The interval lies between 30 s and one hour, both included."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)

    with pytest.raises(InvalidData) as err:
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_SCAN_INTERVAL: refused}
        )
    assert list(err.value.schema_errors) == [CONF_SCAN_INTERVAL]
    assert init_integration.options == {CONF_SCAN_INTERVAL: 60}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: accepted}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        CONF_SCAN_INTERVAL: accepted,
        "adaptive": True,
        "max_accuracy": 0,
    }


async def _set_options(
    hass: HomeAssistant, entry: MockConfigEntry, options: dict[str, object]
) -> ConfigFlowResult:
    """Submit the options form of an entry; wait for the reload."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], options
    )
    await hass.async_block_till_done()
    return result


def _tracked(hass: HomeAssistant) -> dict[str, str]:
    """Map the serial of every tracker entity in Home Assistant to its entity id."""
    registry = er.async_get(hass)
    return {
        entry.unique_id: entry.entity_id
        for entry in registry.entities.values()
        if entry.domain == "device_tracker"
        and hass.states.get(entry.entity_id) is not None
    }


async def test_options_import_the_chosen_trackers_and_newcomers_as_told(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two of five chosen: only they have devices; a newcomer follows import_new.

    Left out, a tracker loses its device and entities; chosen again, it gets the
    same entity ids back.
    """
    world = simulator.world
    serials = [world.tracker(tracker_id).serial for tracker_id in world.tracker_ids]
    before = _tracked(hass)
    result = await _set_options(
        hass,
        init_integration,
        {CONF_SCAN_INTERVAL: 60, "trackers": serials[:2], "import_new": False},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert set(_tracked(hass)) == set(serials[:2])
    assert (
        len(
            dr.async_entries_for_config_entry(
                dr.async_get(hass), init_integration.entry_id
            )
        )
        == 2
    )

    newcomer = world.tracker(world.add_tracker(name="Bella", position=(45.0, 5.0)))
    await poll(hass, freezer)
    assert set(_tracked(hass)) == set(serials[:2])

    await _set_options(
        hass,
        init_integration,
        {CONF_SCAN_INTERVAL: 60, "trackers": serials[:2], "import_new": True},
    )
    assert set(_tracked(hass)) == set(serials[:2])
    later = world.tracker(world.add_tracker(name="Oslo", position=(45.0, 5.0)))
    await poll(hass, freezer)
    assert set(_tracked(hass)) == {*serials[:2], later.serial}

    await _set_options(
        hass,
        init_integration,
        {CONF_SCAN_INTERVAL: 60, "trackers": [*serials, newcomer.serial, later.serial]},
    )
    assert set(_tracked(hass)) == {*serials, newcomer.serial, later.serial}
    assert {serial: _tracked(hass)[serial] for serial in serials} == before
    assert "trackers" not in init_integration.options


async def test_options_refuse_an_accuracy_below_10_metres(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The filter is off (0) or 10 to 5000 m; 5 m is refused, then 10 m is kept."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"max_accuracy": 5}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"max_accuracy": "max_accuracy_range"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"max_accuracy": 10}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options["max_accuracy"] == 10
    assert init_integration.runtime_data.max_accuracy == 10


async def test_options_of_an_account_not_loaded_leave_the_trackers_alone(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """While setup is retried, the trackers cannot be listed: the form omits them."""
    simulator.faults.add(Fault(FaultKind.RESET))
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={"trackers": ["X"], "import_new": False}
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    schema = result["data_schema"]
    assert schema is not None
    assert [str(key) for key in schema.schema] == [
        CONF_SCAN_INTERVAL,
        "adaptive",
        "max_accuracy",
    ]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 90}
    )
    assert mock_config_entry.options == {
        "trackers": ["X"],
        "import_new": False,
        CONF_SCAN_INTERVAL: 90,
        "adaptive": True,
        "max_accuracy": 0,
    }
