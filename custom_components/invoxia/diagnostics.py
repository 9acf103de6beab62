"""Diagnostics of an Invoxia account, with personal data redacted."""

from dataclasses import asdict
from datetime import date
from enum import Enum
from typing import Any, Final
from uuid import UUID

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_EMAIL, CONF_NAME, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .coordinator import InvoxiaConfigEntry

TO_REDACT: Final = {
    CONF_EMAIL,
    CONF_PASSWORD,
    "title",
    # What the user calls a tracker ("Camille's bike") is personal too.
    CONF_NAME,
    "serial",
    "lat",
    "lng",
    "last_loc_latitude",
    "last_loc_longitude",
    "latitude",
    "longitude",
}


def _json_dict(fields: list[tuple[str, object]]) -> dict[str, object]:
    """Render dataclass fields as JSON values: dates in ISO 8601, enums by name."""
    return {key: _json_value(value) for key, value in fields}


def _json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.name.lower()
    if isinstance(value, UUID):
        return str(value)
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: InvoxiaConfigEntry
) -> dict[str, Any]:
    """Return the entry's settings, the latest data of its trackers, and polling.

    Each tracker's `rhythm` is what adaptive polling learned of it: in seconds, the
    interval between its fixes while it moves and its keep-alive's at rest, the
    least and most its fixes take to show in the API; and from when to when its
    next fix is expected.
    """
    coordinator = entry.runtime_data
    scheduler = coordinator.scheduler
    now = dt_util.utcnow()
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "update_success": coordinator.last_update_success,
            "polling": {
                "adaptive": coordinator.adaptive,
                "longest_interval": coordinator.longest.total_seconds(),
                "next_poll": _json_value(coordinator.next_poll),
            },
            "trackers": [
                {
                    **asdict(item, dict_factory=_json_dict),
                    "rhythm": scheduler.describe(serial, now),
                }
                for serial, item in coordinator.data.items()
            ],
        },
        TO_REDACT,
    )
