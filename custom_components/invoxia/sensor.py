"""Battery, last seen, location method and more, for each tracker."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum
from typing import Final, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import TrackerMethod, TrackerMode
from .coordinator import InvoxiaConfigEntry, InvoxiaTrackerData
from .entity import InvoxiaEntity, async_add_tracker_entities

PARALLEL_UPDATES = 0

type SensorValue = int | str | date | datetime | None


@dataclass(frozen=True, kw_only=True)
class InvoxiaSensorEntityDescription(SensorEntityDescription):
    """A tracker sensor and how to read its value."""

    value_fn: Callable[[InvoxiaTrackerData], SensorValue]


def _last_seen(data: InvoxiaTrackerData) -> datetime | None:
    """When the tracker was last heard of: its last event, fix or position.

    A fix too inaccurate to move the tracker still says it was heard of.
    """
    status = data.tracker.tracker_status
    moments = [
        moment
        for moment in (
            status.last_event,
            status.last_location,
            data.fix.datetime if data.fix else None,
            data.position.time if data.position else None,
        )
        if moment
    ]
    return max(moments, default=None)


def _option[EnumT: IntEnum](value: EnumT | None) -> str | None:
    """Return the state of an enum value; None (shown as unknown) for UNKNOWN."""
    return None if value is None or value.name == "UNKNOWN" else value.name.lower()


def _options(values: type[IntEnum]) -> list[str]:
    """List the states of an enum sensor: its known values."""
    return [value.name.lower() for value in values if value.name != "UNKNOWN"]


SENSORS: Final[tuple[InvoxiaSensorEntityDescription, ...]] = (
    InvoxiaSensorEntityDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.tracker.tracker_status.battery,
    ),
    InvoxiaSensorEntityDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_last_seen,
    ),
    InvoxiaSensorEntityDescription(
        key="location_method",
        translation_key="location_method",
        device_class=SensorDeviceClass.ENUM,
        options=_options(TrackerMethod),
        value_fn=lambda data: _option(data.position.method if data.position else None),
    ),
    InvoxiaSensorEntityDescription(
        key="mode",
        translation_key="mode",
        device_class=SensorDeviceClass.ENUM,
        entity_category=EntityCategory.DIAGNOSTIC,
        options=_options(TrackerMode),
        value_fn=lambda data: _option(data.tracker.tracker_config.mode),
    ),
    InvoxiaSensorEntityDescription(
        key="network_operator",
        translation_key="network_operator",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.tracker.tracker_status.network_operator,
    ),
    InvoxiaSensorEntityDescription(
        key="subscription_end",
        translation_key="subscription_end",
        device_class=SensorDeviceClass.DATE,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.tracker.tracker_status.sub_end_date,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: InvoxiaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every tracker of the account."""
    async_add_tracker_entities(entry, async_add_entities, SENSORS, InvoxiaSensorEntity)


class InvoxiaSensorEntity(InvoxiaEntity, SensorEntity):
    """A sensor of a tracker."""

    entity_description: InvoxiaSensorEntityDescription

    @property
    @override
    def native_value(self) -> SensorValue:
        """The sensor's value from the latest data."""
        return self.entity_description.value_fn(self.data)
