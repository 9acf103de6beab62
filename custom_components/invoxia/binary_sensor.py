"""Whether each tracker is moving, in lost mode, and connected to Invoxia."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, override

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import InvoxiaConfigEntry, InvoxiaTrackerData
from .entity import InvoxiaEntity, async_add_tracker_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class InvoxiaBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A tracker binary sensor and how to read its value."""

    is_on_fn: Callable[[InvoxiaTrackerData], bool | None]


# The status's `state`: the real API sends online or offline; the listings of the
# gps_tracker library's era sent active for a tracker in service, taken as online.
# Any other value says nothing known: the sensor is unknown.
_CONNECTED: Final[dict[str, bool]] = {"online": True, "active": True, "offline": False}


BINARY_SENSORS: Final[tuple[InvoxiaBinarySensorEntityDescription, ...]] = (
    InvoxiaBinarySensorEntityDescription(
        key="moving",
        device_class=BinarySensorDeviceClass.MOVING,
        is_on_fn=lambda data: data.tracker.tracker_status.moving,
    ),
    InvoxiaBinarySensorEntityDescription(
        key="lost_mode",
        translation_key="lost_mode",
        is_on_fn=lambda data: data.tracker.lost_mode,
    ),
    InvoxiaBinarySensorEntityDescription(
        key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda data: _CONNECTED.get(data.tracker.tracker_status.state),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: InvoxiaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every tracker of the account."""
    async_add_tracker_entities(
        entry, async_add_entities, BINARY_SENSORS, InvoxiaBinarySensorEntity
    )


class InvoxiaBinarySensorEntity(InvoxiaEntity, BinarySensorEntity):
    """A binary sensor of a tracker."""

    entity_description: InvoxiaBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """The sensor's value from the latest data."""
        return self.entity_description.is_on_fn(self.data)
