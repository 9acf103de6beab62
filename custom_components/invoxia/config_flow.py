"""Config flow of the Invoxia integration: account, reauth, reconfigure, options."""

from collections.abc import Mapping
import ipaddress
from typing import Any, override
from urllib.parse import urlsplit

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD, CONF_SCAN_INTERVAL
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .api import (
    DEFAULT_API_URL,
    AsyncClient,
    Config,
    ForbiddenQuery,
    GpsTrackerException,
    UnauthorizedQuery,
)
from .const import (
    CONF_API_URL,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
)
from .coordinator import InvoxiaConfigEntry


class InvalidApiUrlError(Exception):
    """The API URL is not https (nor http on a loopback host, for the simulator)."""


class NoUserError(Exception):
    """The account lists no user: none whose id can identify the entry."""


def _checked_api_url(url: str) -> str:
    """Return the URL if it is https, or http(s) on a loopback host."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError as err:
        raise InvalidApiUrlError from err
    if not host or parts.scheme not in ("http", "https"):
        raise InvalidApiUrlError
    if parts.scheme == "http" and not _is_loopback(host):
        raise InvalidApiUrlError
    return f"{parts.scheme}://{host if ':' not in host else f'[{host}]'}" + (
        f":{port}" if port else ""
    )


def _is_loopback(host: str) -> bool:
    """Tell whether a host name or address is this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_SELECTORS: dict[str, TextSelector] = {
    CONF_EMAIL: TextSelector(
        TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
    ),
    CONF_PASSWORD: TextSelector(
        TextSelectorConfig(
            type=TextSelectorType.PASSWORD, autocomplete="current-password"
        )
    ),
    CONF_API_URL: TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
}


def _account_schema(fields: list[str], suggested: Mapping[str, Any]) -> vol.Schema:
    """Build an account form; every field but the password is pre-filled."""
    return vol.Schema(
        {
            _required(field, suggested if field != CONF_PASSWORD else {}): _SELECTORS[
                field
            ]
            for field in fields
        }
    )


def _account_title(email: str) -> str:
    """Name an entry after its account without the whole email.

    Home Assistant writes entry titles into logs and task names; the email is
    personal data, so the title only hints at it: r***@example.com.
    """
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _required(key: str, suggested: Mapping[str, Any]) -> vol.Required:
    """Mark a field required, pre-filled with its suggested value if there is one."""
    if key in suggested:
        return vol.Required(key, description={"suggested_value": suggested[key]})
    return vol.Required(key)


class InvoxiaConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up an Invoxia account."""

    VERSION = 1

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: InvoxiaConfigEntry) -> InvoxiaOptionsFlow:
        """Return the options flow."""
        return InvoxiaOptionsFlow()

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the account's email, password and API URL (Invoxia's by default)."""
        # Not gated by advanced mode: Home Assistant 2026.6 deprecated it, always
        # answering True and logging a warning each time it is read.
        return await self._async_step_account(
            "user", user_input, {}, [CONF_EMAIL, CONF_PASSWORD, CONF_API_URL]
        )

    async def async_step_reauth(
        self,
        entry_data: Mapping[str, Any],  # noqa: ARG002 - the entry is read in the next step
    ) -> ConfigFlowResult:
        """Start a reauthentication when the password was refused."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password of the account."""
        return await self._async_step_account(
            "reauth_confirm", user_input, self._get_reauth_entry().data, [CONF_PASSWORD]
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the account's email, password or API URL."""
        return await self._async_step_account(
            "reconfigure",
            user_input,
            self._get_reconfigure_entry().data,
            [CONF_EMAIL, CONF_PASSWORD, CONF_API_URL],
        )

    async def _async_step_account(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        current: Mapping[str, Any],
        fields: list[str],
    ) -> ConfigFlowResult:
        """Show an account form, then check the account and finish the flow."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_API_URL: DEFAULT_API_URL, **current, **user_input}
            try:
                data[CONF_API_URL] = _checked_api_url(data[CONF_API_URL])
                return await self._async_finish(data)
            except AbortFlow:
                raise
            except InvalidApiUrlError:
                errors[CONF_API_URL] = "invalid_api_url"
            except UnauthorizedQuery, ForbiddenQuery:
                errors["base"] = "invalid_auth"
            except GpsTrackerException, NoUserError:
                # Unreachable, answering errors or no user: the API cannot be used.
                errors["base"] = "cannot_connect"
            except Exception:  # noqa: BLE001 - the form shows "unknown", the log the cause
                LOGGER.exception("Unexpected error while checking the account")
                errors["base"] = "unknown"
        return self.async_show_form(
            step_id=step_id,
            data_schema=_account_schema(
                fields, {CONF_API_URL: DEFAULT_API_URL, **current, **(user_input or {})}
            ),
            description_placeholders={CONF_EMAIL: current.get(CONF_EMAIL, "")},
            errors=errors,
        )

    async def _async_finish(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Check the credentials, then create or update the entry of their account."""
        client = AsyncClient(
            Config(data[CONF_EMAIL], data[CONF_PASSWORD], data[CONF_API_URL]),
            session=async_get_clientsession(self.hass),
        )
        users = await client.get_users()
        if not users:
            raise NoUserError
        await self.async_set_unique_id(str(users[0].id))
        if self.source == SOURCE_REAUTH:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            return self.async_update_reload_and_abort(
                self._get_reauth_entry(), data=data
            )
        if self.source == SOURCE_RECONFIGURE:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(),
                title=_account_title(data[CONF_EMAIL]),
                data=data,
            )
        self._abort_if_unique_id_configured()
        return self.async_create_entry(
            title=_account_title(data[CONF_EMAIL]), data=data
        )


class InvoxiaOptionsFlow(OptionsFlowWithReload):
    """Change how often the account is polled."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the polling interval."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_SCAN_INTERVAL,
                        default=self.config_entry.options.get(
                            CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds()
                        ),
                    ): vol.All(
                        NumberSelector(
                            NumberSelectorConfig(
                                min=MIN_SCAN_INTERVAL.total_seconds(),
                                max=MAX_SCAN_INTERVAL.total_seconds(),
                                step=1,
                                mode=NumberSelectorMode.BOX,
                                unit_of_measurement="s",
                            )
                        ),
                        vol.Coerce(int),
                    )
                }
            ),
        )
