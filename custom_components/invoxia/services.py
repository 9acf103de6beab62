"""The integration's actions: where was a tracker, between two moments."""

from datetime import datetime
import math
from typing import Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonObjectType
import voluptuous as vol

from .api import GpsTrackerException, RateLimitedQuery, TrackerData, TrackerMethod
from .const import DOMAIN
from .coordinator import InvoxiaConfigEntry, InvoxiaCoordinator, error_key

SERVICE_GET_LOCATIONS: Final = "get_locations"

ATTR_START: Final = "start"
ATTR_END: Final = "end"
ATTR_MAX_COUNT: Final = "max_count"

DEFAULT_MAX_COUNT: Final = 100
MIN_MAX_COUNT: Final = 1
MAX_MAX_COUNT: Final = 1_000

# Out-of-range counts and bounds in the wrong order are checked by the action, so
# that they get a translated message rather than the schema's.
GET_LOCATIONS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_START): cv.datetime,
        vol.Optional(ATTR_END): cv.datetime,
        vol.Optional(ATTR_MAX_COUNT, default=DEFAULT_MAX_COUNT): vol.Coerce(int),
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions, whether or not an account is loaded."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_LOCATIONS,
        _async_get_locations,
        schema=GET_LOCATIONS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )


async def _async_get_locations(call: ServiceCall) -> ServiceResponse:
    """Answer a tracker's fixes between start and end, newest first."""
    max_count: int = call.data[ATTR_MAX_COUNT]
    if not MIN_MAX_COUNT <= max_count <= MAX_MAX_COUNT:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="max_count_out_of_range",
            translation_placeholders={
                "max_count": str(max_count),
                "min": str(MIN_MAX_COUNT),
                "max": str(MAX_MAX_COUNT),
            },
        )
    start = _as_utc(call.data.get(ATTR_START))
    end = _as_utc(call.data.get(ATTR_END))
    if start is not None and end is not None and start > end:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="start_after_end",
            translation_placeholders={
                "start": dt_util.as_local(start).isoformat(),
                "end": dt_util.as_local(end).isoformat(),
            },
        )
    coordinator, serial = _tracker_of(call.hass, call.data[ATTR_DEVICE_ID])
    fixes = await _async_fetch(coordinator, serial, start, end, max_count)
    return {
        "locations": [
            _location(fix)
            for fix in fixes
            if fix.lat is not None and fix.lng is not None
        ]
    }


def _as_utc(moment: datetime | None) -> datetime | None:
    """Read a moment in UTC; one without a time zone is in Home Assistant's."""
    return None if moment is None else dt_util.as_utc(moment)


def _tracker_of(hass: HomeAssistant, device_id: str) -> tuple[InvoxiaCoordinator, str]:
    """Return the coordinator and serial number of the tracker of a device.

    The device must be a tracker of a loaded account: no other device's data can
    be asked for.
    """
    registry = dr.async_get(hass)
    device = registry.async_get(device_id)
    if device is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_device",
            translation_placeholders={"device_id": device_id},
        )
    name = device.name_by_user or device.name or device_id
    # Listed by entry: how a device names its entry differs between the versions of
    # Home Assistant supported.
    entries: list[InvoxiaConfigEntry] = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if any(
            listed.id == device.id
            for listed in dr.async_entries_for_config_entry(registry, entry.entry_id)
        )
    ]
    if not entries:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_tracker",
            translation_placeholders={"device": name},
        )
    loaded = [entry for entry in entries if entry.state is ConfigEntryState.LOADED]
    if not loaded:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="account_not_loaded",
            translation_placeholders={"device": name},
        )
    for entry in loaded:
        coordinator = entry.runtime_data
        for domain, serial in device.identifiers:
            if domain == DOMAIN and serial in coordinator.data:
                return coordinator, serial
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="tracker_not_on_account",
        translation_placeholders={"device": name},
    )


async def _async_fetch(
    coordinator: InvoxiaCoordinator,
    serial: str,
    start: datetime | None,
    end: datetime | None,
    max_count: int,
) -> list[TrackerData]:
    """Fetch the fixes, saying why the API could not answer, most specific first.

    All of them or none: the client pages through the history before answering.
    """
    try:
        return await coordinator.async_get_locations(serial, start, end, max_count)
    except RateLimitedQuery as err:
        if err.retry_after is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="action_rate_limited"
            ) from err
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="action_rate_limited_retry",
            translation_placeholders={"seconds": str(math.ceil(err.retry_after))},
        ) from err
    except GpsTrackerException as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key=error_key(err)
        ) from err


def _location(fix: TrackerData) -> JsonObjectType:
    """Describe a fix with readable coordinates as the action answers it."""
    return {
        "time": dt_util.as_local(fix.datetime).isoformat(),
        "latitude": fix.lat,
        "longitude": fix.lng,
        "accuracy": fix.precision,
        "method": None
        if fix.method is TrackerMethod.UNKNOWN
        else fix.method.name.lower(),
    }
