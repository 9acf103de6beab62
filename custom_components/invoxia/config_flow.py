"""Config flow of the Invoxia integration: account, reauth, reconfigure, options."""

from collections.abc import Mapping
from typing import Any, override

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD, CONF_SCAN_INTERVAL
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
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
    CONF_ADAPTIVE,
    CONF_API_URL,
    CONF_IMPORT_NEW,
    CONF_MAX_ACCURACY,
    CONF_OFFERED,
    CONF_TRACKERS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_MAX_ACCURACY,
    MAX_SCAN_INTERVAL,
    MIN_MAX_ACCURACY,
    MIN_SCAN_INTERVAL,
)
from .coordinator import InvoxiaConfigEntry


class InvalidApiUrlError(Exception):
    """The API URL is not https (nor http on a loopback host, for the simulator)."""


class NoUserError(Exception):
    """The account lists no user: none whose id can identify the entry."""


def _checked_api_url(url: str) -> str:
    """Return the API URL as Config keeps it; InvalidApiUrlError if it is refused."""
    try:
        return Config.api_origin(url)
    except ValueError as err:
        raise InvalidApiUrlError from err


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


def _account_schema(fields: list[str]) -> vol.Schema:
    """Build an account form of these fields."""
    return vol.Schema({vol.Required(field): _SELECTORS[field] for field in fields})


def _account_title(email: str) -> str:
    """Name an entry after its account without the whole email.

    Home Assistant writes entry titles into logs and task names; the email is
    personal data, so the title only hints at it: r***@example.com.
    """
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


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
            except ValueError:
                # The URL is checked above: Config refuses the email (a colon in it).
                errors[CONF_EMAIL] = "invalid_email"
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
            # Every field but the password is pre-filled.
            data_schema=self.add_suggested_values_to_schema(
                _account_schema(fields),
                {
                    CONF_API_URL: DEFAULT_API_URL,
                    **current,
                    **(user_input or {}),
                    CONF_PASSWORD: None,
                },
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


def _options_schema(
    current: Mapping[str, Any], trackers: Mapping[str, str] | None
) -> vol.Schema:
    """Build the options form, defaulting to `current`.

    The trackers (serial → name) can be chosen only when given.
    """
    fields: dict[vol.Marker, object] = {
        vol.Required(
            CONF_SCAN_INTERVAL,
            default=current.get(
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
        ),
        vol.Required(
            CONF_ADAPTIVE, default=current.get(CONF_ADAPTIVE, True)
        ): BooleanSelector(),
        vol.Required(
            CONF_MAX_ACCURACY, default=current.get(CONF_MAX_ACCURACY, 0)
        ): vol.All(
            NumberSelector(
                NumberSelectorConfig(
                    min=0,
                    max=MAX_MAX_ACCURACY,
                    step=1,
                    mode=NumberSelectorMode.BOX,
                    unit_of_measurement="m",
                )
            ),
            vol.Coerce(int),
        ),
    }
    if trackers is not None:
        chosen = current.get(CONF_TRACKERS, trackers)
        fields[
            vol.Required(
                CONF_TRACKERS,
                default=sorted(serial for serial in trackers if serial in chosen),
            )
        ] = SelectSelector(
            SelectSelectorConfig(
                options=[
                    SelectOptionDict(value=serial, label=name)
                    for serial, name in sorted(
                        trackers.items(), key=lambda item: item[1]
                    )
                ],
                multiple=True,
                mode=SelectSelectorMode.LIST,
            )
        )
        fields[
            vol.Required(CONF_IMPORT_NEW, default=current.get(CONF_IMPORT_NEW, True))
        ] = BooleanSelector()
    return vol.Schema(fields)


class InvoxiaOptionsFlow(OptionsFlowWithReload):
    """Choose how to poll, the fixes that count and the trackers imported."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the options; the trackers only while the account is loaded."""
        entry: InvoxiaConfigEntry = self.config_entry
        loaded = entry.state is ConfigEntryState.LOADED
        trackers = entry.runtime_data.listed if loaded else None
        errors: dict[str, str] = {}
        if user_input is not None:
            accuracy = user_input[CONF_MAX_ACCURACY]
            if 0 < accuracy < MIN_MAX_ACCURACY:
                errors[CONF_MAX_ACCURACY] = "max_accuracy_range"
            else:
                return self.async_create_entry(
                    data=_options(entry.options, user_input, trackers)
                )
        return self.async_show_form(
            step_id="init",
            data_schema=_options_schema(
                {**entry.options, **(user_input or {})}, trackers
            ),
            errors=errors,
        )


def _options(
    previous: Mapping[str, Any],
    chosen: Mapping[str, Any],
    trackers: Mapping[str, str] | None,
) -> dict[str, Any]:
    """Store the chosen options; every tracker with newcomers is the default: none."""
    options = {**previous, **chosen}
    if trackers is None:
        return options
    options.pop(CONF_OFFERED, None)
    if options[CONF_IMPORT_NEW] and set(trackers) <= set(options[CONF_TRACKERS]):
        del options[CONF_TRACKERS], options[CONF_IMPORT_NEW]
    else:
        options[CONF_OFFERED] = sorted(trackers)
    return options
