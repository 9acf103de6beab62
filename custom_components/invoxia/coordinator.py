"""The coordinator: the only caller of the Invoxia API."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import override

from homeassistant.components.device_tracker import DOMAIN as TRACKER_DOMAIN
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    ApiConnectionError,
    AsyncClient,
    ForbiddenQuery,
    GpsTrackerException,
    RateLimitedQuery,
    Tracker,
    TrackerData,
    TrackerListing,
    TrackerMethod,
    UnauthorizedQuery,
)
from .const import (
    CONF_ADAPTIVE,
    CONF_IMPORT_NEW,
    CONF_MAX_ACCURACY,
    CONF_OFFERED,
    CONF_TRACKERS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MANUFACTURER,
    MAX_CLOCK_AHEAD,
    MAX_CONCURRENT_REQUESTS,
    MAX_RETRY_AFTER,
    WEB_APP_URL,
)
from .issues import async_update_subscription_issues
from .scheduler import HISTORY, InvoxiaScheduler

type InvoxiaConfigEntry = ConfigEntry[InvoxiaCoordinator]


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoxiaPosition:
    """Where a tracker was at one moment, and how that is known.

    `accuracy` and `method` are None when the listing reports a position whose fix
    has not been fetched yet (its history failed): the listing gives no details.
    """

    latitude: float
    longitude: float
    accuracy: int | None
    method: TrackerMethod | None
    time: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoxiaTrackerData:
    """What is known of one tracker: device, config and status, and its position.

    `fix` is its latest fix, fetched when the listing said `fix_of`: its
    `last_location`, else its `last_event`. When the listing says something newer,
    the fix is fetched again; a status with neither has it fetched on every poll.
    `position` is composed once from the listing and the fix. `unreadable` means the
    latest listing may hold the tracker but in a form that cannot be read: the rest
    is the last data that could.
    """

    tracker: Tracker
    fix: TrackerData | None
    fix_of: datetime | None
    position: InvoxiaPosition | None
    unreadable: bool = False
    shown_elsewhere: bool = False
    """Another configured account shows this tracker: it gets no entities here."""

    @property
    def fix_wanted(self) -> bool:
        """Tell whether the listing says the tracker has a fix newer than `fix`."""
        marker = _change_marker(self.tracker)
        return marker is None or marker != self.fix_of


def tracker_data(
    tracker: Tracker,
    fix: TrackerData | None = None,
    fix_of: datetime | None = None,
    *,
    shown: InvoxiaPosition | None = None,
    max_accuracy: int | None = None,
) -> InvoxiaTrackerData:
    """Compose what is known of a tracker, its position included.

    `shown` is the position shown until now, kept when the new one is older or, with
    `max_accuracy` metres, less accurate than that.
    """
    return InvoxiaTrackerData(
        tracker=tracker,
        fix=fix,
        fix_of=fix_of,
        position=_shown_position(_position(tracker, fix, fix_of), shown, max_accuracy),
    )


def _shown_position(
    new: InvoxiaPosition | None,
    shown: InvoxiaPosition | None,
    max_accuracy: int | None,
) -> InvoxiaPosition | None:
    """Pick the position to show: the new one, unless older or too inaccurate.

    A position of unknown accuracy does not pass the accuracy filter. An impossible
    one (None) is shown as unknown, never replaced by the one shown before.
    """
    if new is None or new == shown:
        return new
    if (
        shown is not None
        and new.time is not None
        and shown.time is not None
        and new.time < shown.time
        and shown.time <= dt_util.utcnow() + MAX_CLOCK_AHEAD
    ):
        LOGGER.debug("Position of %s older than the one shown: ignored", new.time)
        return shown
    if max_accuracy is not None and (
        new.accuracy is None or new.accuracy > max_accuracy
    ):
        LOGGER.debug(
            "Position of %s less accurate than %d m: ignored", new.time, max_accuracy
        )
        return shown
    return new


def _change_marker(tracker: Tracker) -> datetime | None:
    """Return what moves in the listing when the tracker may have a new fix."""
    status = tracker.tracker_status
    return status.last_location or status.last_event


def _position(
    tracker: Tracker, fix: TrackerData | None, fix_of: datetime | None
) -> InvoxiaPosition | None:
    """Compose the position: from the listing when it has one, else from the fix.

    The listing's position takes its accuracy and method from the fix fetched for
    it; a newer listed position, whose fix is not known yet (its history failed),
    has neither. Impossible coordinates make the position unknown, never an older
    one shown as current.
    """
    status = tracker.tracker_status
    listed = status.last_location
    if listed is not None:
        if status.last_loc_latitude is None or status.last_loc_longitude is None:
            return None
        details = fix if fix is not None and fix_of == listed else None
        return InvoxiaPosition(
            latitude=status.last_loc_latitude,
            longitude=status.last_loc_longitude,
            accuracy=details.precision if details else None,
            method=details.method if details else None,
            time=listed,
        )
    if fix is None or fix.lat is None or fix.lng is None:
        return None
    return InvoxiaPosition(
        latitude=fix.lat,
        longitude=fix.lng,
        accuracy=fix.precision,
        method=fix.method,
        time=fix.datetime,
    )


type InvoxiaData = dict[str, InvoxiaTrackerData]
"""What is known of each tracker, by serial number: a tracker's identity."""


class InvoxiaCoordinator(DataUpdateCoordinator[InvoxiaData]):
    """Polls the account: one listing per poll, plus the fixes of moved trackers."""

    config_entry: InvoxiaConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: InvoxiaConfigEntry, client: AsyncClient
    ) -> None:
        """Set up the coordinator of one account."""
        longest = timedelta(
            seconds=entry.options.get(
                CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds()
            )
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=longest,
            always_update=False,
        )
        self.longest = longest
        """The longest interval between polls; in fixed mode, the interval."""
        self.adaptive: bool = entry.options.get(CONF_ADAPTIVE, True)
        """Whether polls follow the trackers' rhythms, else come every `longest`."""
        self.scheduler = InvoxiaScheduler(longest)
        self.next_poll: datetime | None = None
        """When the next scheduled poll is due; None while none is."""
        self.client = client
        self.listed: dict[str, str] = {}
        """The name of every tracker the last listing read, imported or not."""
        self.changed: frozenset[str] = frozenset()
        """The trackers whose entities have a new state to write after the last poll.

        Those whose data changed; after a failed poll, all of them: they come back.
        """
        self.max_accuracy: int | None = entry.options.get(CONF_MAX_ACCURACY) or None
        """Fixes less accurate than this many metres do not move the trackers."""
        self._semaphore = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        self._duplicates_logged: set[str] = set()
        self._unreadable_logged: set[str] = set()

    async def _async_update_data(self) -> InvoxiaData:
        """Fetch the trackers, then the latest fix of each tracker that moved."""
        listing = await self._async_list_trackers()
        self.listed = {tracker.serial: tracker.name for tracker in listing.trackers}
        previous = self.data or {}
        data: InvoxiaData = {}
        for tracker in self._unique(self._selected(listing.trackers)):
            data[tracker.serial] = self._updated(previous.get(tracker.serial), tracker)
        if listing.unreadable:
            # A tracker missing from a listing with unreadable items may be one of
            # them: it keeps its last data, unavailable, and its device stays.
            for serial, known in previous.items():
                if serial not in data:
                    data[serial] = _unreadable(known, listing)
            self._warn_of_unreadable(
                listing, {known.tracker.name for known in data.values()}
            )
        elif data.keys() != previous.keys():
            self._remove_stale_devices(data)
        moved = [known for known in data.values() if known.fix_wanted]
        for fresh in await asyncio.gather(*map(self._async_latest_fix, moved)):
            if fresh is not None:
                data[fresh.tracker.serial] = fresh
        self._mark_shown_elsewhere(data)
        self.changed = frozenset(
            serial
            for serial, known in data.items()
            if not self.last_update_success or previous.get(serial) != known
        )
        self._update_devices(previous, data)
        async_update_subscription_issues(self.hass, self.config_entry, data)
        self.scheduler.observe(
            {serial: _newest_fix_time(known) for serial, known in data.items()},
            dt_util.utcnow(),
        )
        return data

    @callback
    @override
    def _schedule_refresh(self) -> None:
        """Plan the next poll: when the next fixes are due, or every `longest`.

        After a failure it comes as the base class has it: after the longest
        interval, or after what a rate limit asks.
        """
        now = dt_util.utcnow()
        if self._retry_after is not None:
            wait, reason = timedelta(seconds=self._retry_after), "the API asked to wait"
        elif not self.last_update_success:
            wait, reason = self.longest, "the last poll failed"
        elif self.adaptive:
            wait, reason = self.scheduler.next_poll(now)
        else:
            wait, reason = self.longest, "fixed interval"
        self.update_interval = wait
        super()._schedule_refresh()
        self.next_poll = now + wait if self._unsub_refresh is not None else None
        LOGGER.debug("Next poll in %.0f s: %s", wait.total_seconds(), reason)

    def _mark_shown_elsewhere(self, data: InvoxiaData) -> None:
        """Mark the trackers that another loaded account already shows.

        A tracker shared by two accounts gets entities in one only (their unique ids
        are its serial's). When that account drops it, the other takes it over at
        its next poll.
        """
        others = {
            entry.entry_id: entry
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            if entry.state is ConfigEntryState.LOADED
            and entry.entry_id != self.config_entry.entry_id
        }
        if not others and not any(known.shown_elsewhere for known in data.values()):
            return
        registry = er.async_get(self.hass)
        for serial, known in data.items():
            entity_id = registry.async_get_entity_id(TRACKER_DOMAIN, DOMAIN, serial)
            entity = registry.async_get(entity_id) if entity_id else None
            owner = others.get(entity.config_entry_id or "") if entity else None
            shown_elsewhere = owner is not None and serial in owner.runtime_data.data
            if shown_elsewhere != known.shown_elsewhere:
                data[serial] = replace(known, shown_elsewhere=shown_elsewhere)

    def _updated(
        self, known: InvoxiaTrackerData | None, tracker: Tracker
    ) -> InvoxiaTrackerData:
        """Combine what was known of a tracker with its fresh listing."""
        if known is None:
            return self._compose(tracker, None, None, None)
        if known.unreadable:
            LOGGER.info("%s can be read again", tracker.name)
        elif known.tracker == tracker:
            return known
        return self._compose(tracker, known.fix, known.fix_of, known)

    def _compose(
        self,
        tracker: Tracker,
        fix: TrackerData | None,
        fix_of: datetime | None,
        known: InvoxiaTrackerData | None,
    ) -> InvoxiaTrackerData:
        """Compose a tracker's data under the account's options."""
        return tracker_data(
            tracker,
            fix,
            fix_of,
            shown=known.position if known else None,
            max_accuracy=self.max_accuracy,
        )

    def _warn_of_unreadable(self, listing: TrackerListing, known: set[str]) -> None:
        """Say once of each tracker never read that the listing has it unreadable.

        Known trackers say it themselves, as they go unavailable.
        """
        for device in listing.unreadable:
            key = device.name or str(device.error)
            if device.name in known or key in self._unreadable_logged:
                continue
            self._unreadable_logged.add(key)
            LOGGER.warning(
                "%s is listed by Invoxia but cannot be read: %s",
                device.name or "A device",
                device.error,
            )

    def _selected(self, trackers: Sequence[Tracker]) -> Sequence[Tracker]:
        """Keep the trackers the options import: those chosen, and maybe newcomers.

        A newcomer is a tracker that was not on the account when they were chosen.
        """
        options = self.config_entry.options
        chosen = options.get(CONF_TRACKERS)
        if chosen is None:
            return trackers
        offered = set(options.get(CONF_OFFERED, ()))
        import_new = options.get(CONF_IMPORT_NEW, True)
        return [
            tracker
            for tracker in trackers
            if tracker.serial in chosen
            or (import_new and tracker.serial not in offered)
        ]

    def _unique(self, trackers: Sequence[Tracker]) -> list[Tracker]:
        """Keep the first tracker of each serial, warning once of the others."""
        seen: dict[str, Tracker] = {}
        for tracker in trackers:
            if tracker.serial not in seen:
                seen[tracker.serial] = tracker
            elif tracker.serial not in self._duplicates_logged:
                self._duplicates_logged.add(tracker.serial)
                LOGGER.warning(
                    "%s and %s share one serial number: only %s is shown",
                    seen[tracker.serial].name,
                    tracker.name,
                    seen[tracker.serial].name,
                )
        return list(seen.values())

    async def _async_list_trackers(self) -> TrackerListing:
        """List the trackers, saying in Home Assistant's terms why the API cannot."""
        try:
            listing = await self.client.get_tracker_listing()
        except UnauthorizedQuery as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except RateLimitedQuery as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                retry_after=self._polling_delay(err.retry_after),
            ) from err
        except GpsTrackerException as err:
            # A 403 lands here too: the password is right, signing in cannot help.
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key=error_key(err)
            ) from err
        if listing.unreadable and not listing.trackers:
            # A listing of which nothing can be read is an answer that cannot be.
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="api_error")
        return listing

    def _polling_delay(self, asked: float | None) -> float | None:
        """Wait what the API asks, never less than the longest interval, at most 1 h."""
        if asked is None:
            return None
        return min(
            max(asked, self.longest.total_seconds()), MAX_RETRY_AFTER.total_seconds()
        )

    async def _async_latest_fix(
        self, known: InvoxiaTrackerData
    ) -> InvoxiaTrackerData | None:
        """Fetch the latest fix of a tracker that moved; None when that fails."""
        tracker = known.tracker
        try:
            async with self._semaphore:
                # One page holds them: the fixes before the newest cost nothing more,
                # and tell the tracker's rhythm.
                fixes = await self.client.get_locations(tracker, max_count=HISTORY)
        except GpsTrackerException as err:
            # One tracker's history failing must not fail the poll: the caller keeps
            # the last fix and its fix_of, so that the next poll asks again.
            LOGGER.debug("Cannot fetch the latest fix of %s: %s", tracker.name, err)
            return None
        self.scheduler.learn(tracker.serial, [fix.datetime for fix in fixes])
        fix = _newer(known.fix, fixes[0]) if fixes else known.fix
        # A fix older than the one shown leaves the listing's news to be asked again.
        fix_of = (
            known.fix_of if fixes and fix is not fixes[0] else _change_marker(tracker)
        )
        return self._compose(tracker, fix, fix_of, known)

    def _remove_stale_devices(self, data: InvoxiaData) -> None:
        """Remove the devices of trackers that are no longer on the account."""
        registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            if not is_listed(device, data):
                # A device belongs to this entry alone: it goes with its tracker.
                registry.async_remove_device(device.id)

    def _update_devices(self, previous: InvoxiaData, data: InvoxiaData) -> None:
        """Follow in the device registry what the Invoxia app changed of a tracker.

        A name given in Home Assistant stays: the registry keeps it apart.
        """
        changed = [
            known.tracker
            for serial, known in data.items()
            if serial in self.changed
            and (before := previous.get(serial)) is not None
            and device_info(before.tracker) != device_info(known.tracker)
        ]
        if not changed:
            return
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        own = {
            identifier
            for device in dr.async_entries_for_config_entry(registry, entry_id)
            for _, identifier in device.identifiers
        }
        for tracker in changed:
            # A tracker shown by another account has no device here to update.
            if tracker.serial in own:
                registry.async_get_or_create(
                    config_entry_id=entry_id, **device_info(tracker)
                )

    # Actions: they too ask the API through the coordinator, its only caller.

    async def async_get_locations(
        self,
        serial: str,
        start: datetime | None,
        end: datetime | None,
        max_count: int,
    ) -> list[TrackerData]:
        """Fetch up to max_count fixes of a tracker between start and end, newest first.

        The client's errors reach the caller, which says what failed.
        """
        async with self._semaphore:
            return await self.client.get_locations(
                self.data[serial].tracker,
                not_before=start,
                not_after=end,
                max_count=max_count,
            )


def _newest_fix_time(known: InvoxiaTrackerData) -> datetime | None:
    """Return when the newest fix known of a tracker was taken, shown or not.

    The listing's position may be newer than the fix fetched (its history failed);
    the fix may be newer than the position shown (the accuracy filter kept it out).
    """
    times = [
        time
        for time in (
            known.position.time if known.position else None,
            known.fix.datetime if known.fix else None,
        )
        if time is not None
    ]
    return max(times, default=None)


def _newer(shown: TrackerData | None, fetched: TrackerData) -> TrackerData | None:
    """Pick the fix to show: the fetched one, unless older than the one shown.

    A shown fix dated ahead of the clock (the tracker's runs ahead) gives way to any
    fetched one, so that it never blocks the fixes after it.
    """
    if (
        shown is None
        or fetched.datetime >= shown.datetime
        or shown.datetime > dt_util.utcnow() + MAX_CLOCK_AHEAD
    ):
        return fetched
    LOGGER.debug(
        "Fix of %s older than the one shown, of %s: ignored",
        fetched.datetime,
        shown.datetime,
    )
    return shown


def error_key(err: GpsTrackerException) -> str:
    """Name the translated message that says why the API could not answer."""
    if isinstance(err, UnauthorizedQuery):
        return "invalid_auth"
    if isinstance(err, ForbiddenQuery):
        return "forbidden"
    if isinstance(err, ApiConnectionError):
        return "cannot_connect"
    return "api_error"


def device_info(tracker: Tracker) -> DeviceInfo:
    """Describe a tracker's device: name, model, firmware version and board."""
    return DeviceInfo(
        identifiers={(DOMAIN, tracker.serial)},
        name=tracker.name,
        manufacturer=MANUFACTURER,
        model=tracker.model_name,
        model_id=tracker.device_type,
        sw_version=tracker.version,
        hw_version=tracker.tracker_config.board_name,
        serial_number=tracker.serial,
        configuration_url=WEB_APP_URL,
    )


def _unreadable(
    known: InvoxiaTrackerData, listing: TrackerListing
) -> InvoxiaTrackerData:
    """Mark a tracker absent from a partly unreadable listing, logging it once."""
    if known.unreadable:
        return known
    # The poll succeeds, so the base class logs nothing: say once why it is unavailable.
    LOGGER.info("%s is unavailable: %s", known.tracker.name, listing.unreadable_summary)
    return replace(known, unreadable=True)


def is_listed(device: dr.DeviceEntry, data: InvoxiaData) -> bool:
    """Tell whether a device is one of the trackers in the data."""
    return any(
        domain == DOMAIN and identifier in data
        for domain, identifier in device.identifiers
    )
