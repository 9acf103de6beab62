"""The location of each tracker, for the map and for zone automations."""

from typing import Final, override

from homeassistant.components.device_tracker import (
    SourceType,
    TrackerEntity,
    TrackerEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import TrackerIcon, TrackerUsage
from .coordinator import InvoxiaConfigEntry, InvoxiaCoordinator, InvoxiaTrackerData
from .entity import InvoxiaEntity, async_add_tracker_entities

PARALLEL_UPDATES = 0

LOCATION: Final = TrackerEntityDescription(key="location")

# Translation keys, whose icons show what the tracker is attached to.
_ICON_KEYS: Final[dict[TrackerIcon, str]] = {
    TrackerIcon.DOG: "dog",
    TrackerIcon.CAT: "cat",
    TrackerIcon.ANIMAL: "pet",
    TrackerIcon.BIKE: "bike",
    TrackerIcon.EBIKE: "bike",
    TrackerIcon.MOTO: "motorbike",
    TrackerIcon.SCOOTER: "motorbike",
    TrackerIcon.CAR: "car",
    TrackerIcon.CARAVAN: "car",
    TrackerIcon.TRUCK: "truck",
    TrackerIcon.TRACTOR: "truck",
    TrackerIcon.BACKHOE_LOADER: "truck",
    TrackerIcon.PERSON: "person",
    TrackerIcon.GIRL: "person",
    TrackerIcon.WOMAN: "person",
    TrackerIcon.MAN: "person",
}
_USAGE_KEYS: Final[dict[TrackerUsage, str]] = {
    TrackerUsage.DOG: "dog",
    TrackerUsage.CAT: "cat",
    TrackerUsage.PET: "pet",
    TrackerUsage.BIKE: "bike",
    TrackerUsage.MOTO: "motorbike",
    TrackerUsage.VEHICLE: "car",
    TrackerUsage.PERSON: "person",
    TrackerUsage.CHILD: "person",
}


def _translation_key(data: InvoxiaTrackerData) -> str:
    """Pick the icon's translation key from the tracker's icon, then its usage."""
    config = data.tracker.tracker_config
    return _ICON_KEYS.get(config.icon) or _USAGE_KEYS.get(config.usage, "tracker")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: InvoxiaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a tracker entity for every tracker of the account."""
    async_add_tracker_entities(
        entry, async_add_entities, (LOCATION,), InvoxiaTrackerEntity
    )


class InvoxiaTrackerEntity(InvoxiaEntity, TrackerEntity):
    """Where a tracker is, with the accuracy of its latest fix."""

    _attr_name = None
    _attr_source_type = SourceType.GPS

    def __init__(
        self,
        coordinator: InvoxiaCoordinator,
        tracker_id: int,
        description: TrackerEntityDescription,
    ) -> None:
        """Name the entity after its device; its icon after what it tracks."""
        super().__init__(coordinator, tracker_id, description)
        self._attr_unique_id = self.data.tracker.serial
        self._attr_translation_key = _translation_key(self.data)

    @property
    @override
    def latitude(self) -> float | None:
        """Latitude of the last fix."""
        return self.data.tracker.tracker_status.last_loc_latitude

    @property
    @override
    def longitude(self) -> float | None:
        """Longitude of the last fix."""
        return self.data.tracker.tracker_status.last_loc_longitude

    @property
    @override
    def location_accuracy(self) -> float:
        """Accuracy in metres of the latest fix whose details are known."""
        return self.data.fix.precision if self.data.fix else 0
