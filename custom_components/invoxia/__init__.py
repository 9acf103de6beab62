"""The Invoxia GPS tracker integration."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .api import AsyncClient, Config
from .const import CONF_API_URL, DOMAIN
from .coordinator import InvoxiaConfigEntry, InvoxiaCoordinator, is_listed
from .issues import async_delete_subscription_issues
from .services import async_setup_services

PLATFORMS = [Platform.BINARY_SENSOR, Platform.DEVICE_TRACKER, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, which exist before any account is loaded."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: InvoxiaConfigEntry) -> bool:
    """Connect to the account and set up its trackers."""
    client = AsyncClient(
        Config(
            entry.data[CONF_EMAIL], entry.data[CONF_PASSWORD], entry.data[CONF_API_URL]
        ),
        session=async_get_clientsession(hass),
    )
    coordinator = InvoxiaCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: InvoxiaConfigEntry) -> bool:
    """Unload the platforms of an account."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: InvoxiaConfigEntry) -> None:
    """Clear the repair issues of a removed account; an unloaded one keeps them."""
    async_delete_subscription_issues(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: InvoxiaConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user remove a device whose tracker is no longer on the account.

    Until the entry is loaded (its setup is retried, say), which trackers the account
    has is unknown: the removal is refused, saying so.
    """
    if entry.state is not ConfigEntryState.LOADED:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="not_loaded"
        )
    return not is_listed(device, entry.runtime_data.data)
