"""The coordinator: the only caller of the Invoxia API."""

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    ApiConnectionError,
    AsyncClient,
    ForbiddenQuery,
    GpsTrackerException,
    PartialListing,
    RateLimitedQuery,
    Tracker,
    TrackerData,
    UnauthorizedQuery,
)
from .const import DEFAULT_SCAN_INTERVAL, DOMAIN, LOGGER, MAX_CONCURRENT_REQUESTS

type InvoxiaConfigEntry = ConfigEntry[InvoxiaCoordinator]


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoxiaTrackerData:
    """What is known of one tracker: device, config and status, and its latest fix.

    `fix_of` is the status's last_location the fix was fetched for: when the status
    reports a newer one, the tracker moved and its fix is fetched again. `unreadable`
    means the latest listing may hold the tracker but in a form that cannot be read:
    the rest is the last data that could.
    """

    tracker: Tracker
    fix: TrackerData | None
    fix_of: datetime | None
    unreadable: bool = False


type InvoxiaData = dict[int, InvoxiaTrackerData]


class InvoxiaCoordinator(DataUpdateCoordinator[InvoxiaData]):
    """Polls the account: one listing per poll, plus the fixes of moved trackers."""

    config_entry: InvoxiaConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: InvoxiaConfigEntry, client: AsyncClient
    ) -> None:
        """Set up the coordinator of one account."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=timedelta(
                seconds=entry.options.get(
                    CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds()
                )
            ),
            always_update=False,
        )
        self.client = client
        self._semaphore = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)

    async def _async_update_data(self) -> InvoxiaData:
        """Fetch the trackers, then the latest fix of each tracker that moved."""
        trackers, partial = await self._async_list_trackers()
        previous = self.data or {}
        data: InvoxiaData = {}
        moved: list[Tracker] = []
        for tracker in trackers:
            data[tracker.id] = _updated(previous.get(tracker.id), tracker)
            last_location = tracker.tracker_status.last_location
            if last_location is not None and data[tracker.id].fix_of != last_location:
                moved.append(tracker)
        if partial is not None:
            # A tracker missing from a listing with unreadable items may be one of
            # them: it keeps its last data, unavailable, and its device stays.
            for tracker_id, known in previous.items():
                if tracker_id not in data:
                    data[tracker_id] = _unreadable(known, partial)
        elif data.keys() != previous.keys():
            self._remove_stale_devices(data)
        for fresh in await asyncio.gather(*map(self._async_latest_fix, moved)):
            if fresh is not None:
                data[fresh.tracker.id] = fresh
        return data

    async def _async_list_trackers(
        self,
    ) -> tuple[list[Tracker], PartialListing | None]:
        """List the trackers; a listing partly unreadable comes with its error."""
        try:
            trackers = await self.client.get_trackers()
        except PartialListing as err:
            trackers = [item for item in err.devices if isinstance(item, Tracker)]
            if not trackers:
                # A listing of which nothing can be read is an answer that cannot be.
                raise UpdateFailed(
                    translation_domain=DOMAIN, translation_key="api_error"
                ) from err
            return trackers, err
        except (UnauthorizedQuery, ForbiddenQuery) as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except RateLimitedQuery as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                retry_after=err.retry_after,
            ) from err
        except ApiConnectionError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="cannot_connect"
            ) from err
        except GpsTrackerException as err:
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="api_error"
            ) from err
        return trackers, None

    async def _async_latest_fix(self, tracker: Tracker) -> InvoxiaTrackerData | None:
        """Fetch the latest fix of a tracker that moved; None when that fails."""
        try:
            async with self._semaphore:
                fixes = await self.client.get_locations(tracker, max_count=1)
        except GpsTrackerException as err:
            # One tracker's history failing must not fail the poll: the caller keeps
            # the last fix and its fix_of, so that the next poll asks again.
            LOGGER.debug("Cannot fetch the latest fix of %s: %s", tracker.name, err)
            return None
        return InvoxiaTrackerData(
            tracker=tracker,
            fix=fixes[0] if fixes else None,
            fix_of=tracker.tracker_status.last_location,
        )

    def _remove_stale_devices(self, data: InvoxiaData) -> None:
        """Remove the devices of trackers that are no longer on the account."""
        registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            if not is_listed(device, data):
                # A device belongs to this entry alone: it goes with its tracker.
                registry.async_remove_device(device.id)


def _updated(known: InvoxiaTrackerData | None, tracker: Tracker) -> InvoxiaTrackerData:
    """Combine what was known of a tracker with its fresh listing."""
    if known is None:
        return InvoxiaTrackerData(tracker=tracker, fix=None, fix_of=None)
    if known.unreadable:
        LOGGER.info("%s can be read again", tracker.name)
        return replace(known, tracker=tracker, unreadable=False)
    if known.tracker == tracker:
        # The very same object when nothing changed: entities then know at once that
        # they have no state to write, and the data compares equal by identity.
        return known
    return replace(known, tracker=tracker)


def _unreadable(known: InvoxiaTrackerData, err: PartialListing) -> InvoxiaTrackerData:
    """Mark a tracker absent from a partly unreadable listing, logging it once."""
    if known.unreadable:
        return known
    # The poll succeeds, so the base class logs nothing: say once why it is unavailable.
    LOGGER.info("%s is unavailable: %s", known.tracker.name, err)
    return replace(known, unreadable=True)


def is_listed(device: dr.DeviceEntry, data: InvoxiaData) -> bool:
    """Tell whether a device is one of the trackers in the data."""
    serials = {item.tracker.serial for item in data.values()}
    return any(
        domain == DOMAIN and identifier in serials
        for domain, identifier in device.identifiers
    )
