"""Diagnostics of an Invoxia account, with personal data redacted."""

from dataclasses import asdict
from typing import Any, Final

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .coordinator import InvoxiaConfigEntry

TO_REDACT: Final = {
    CONF_EMAIL,
    CONF_PASSWORD,
    "title",
    "serial",
    "lat",
    "lng",
    "last_loc_latitude",
    "last_loc_longitude",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: InvoxiaConfigEntry
) -> dict[str, Any]:
    """Return the entry's settings and the latest data of its trackers."""
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "update_success": entry.runtime_data.last_update_success,
            "trackers": [asdict(item) for item in entry.runtime_data.data.values()],
        },
        TO_REDACT,
    )
