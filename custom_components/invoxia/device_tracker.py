"""The location of each tracker, for the map and for zone automations."""

from typing import Final, override

from homeassistant.components.device_tracker import (
    SourceType,
    TrackerEntity,
    TrackerEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import TrackerIcon, TrackerMethod, TrackerUsage
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


# Wi-Fi fixes locate the tracker by the routers around it.
_SOURCE_TYPES: Final[dict[TrackerMethod | None, SourceType]] = {
    TrackerMethod.BSSID: SourceType.ROUTER,
    TrackerMethod.BSSID_TGU: SourceType.ROUTER,
    TrackerMethod.BSSID2: SourceType.ROUTER,
    TrackerMethod.BSSID3: SourceType.ROUTER,
    TrackerMethod.BSSID4: SourceType.ROUTER,
    TrackerMethod.BLE_NEIGHBOR: SourceType.BLUETOOTH_LE,
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
    """Where a tracker is: its position, composed by the coordinator."""

    _attr_name = None

    def __init__(
        self,
        coordinator: InvoxiaCoordinator,
        serial: str,
        description: TrackerEntityDescription,
    ) -> None:
        """Name the entity after its device; its icon after what it tracks."""
        super().__init__(coordinator, serial, description)
        self._attr_translation_key = _translation_key(self.data)

    @property
    @override
    def latitude(self) -> float | None:
        """Latitude of the position."""
        position = self.data.position
        return position.latitude if position else None

    @property
    @override
    def longitude(self) -> float | None:
        """Longitude of the position."""
        position = self.data.position
        return position.longitude if position else None

    @property
    @override
    def location_accuracy(self) -> float:
        """Accuracy of the position in metres; 0 when unknown."""
        position = self.data.position
        return position.accuracy or 0 if position else 0

    @property
    @override
    def extra_state_attributes(self) -> dict[str, str | None]:
        """When the position shown was taken: an older fix may stand for a worse one."""
        position = self.data.position
        time = position.time if position else None
        return {"position_time": time.isoformat() if time else None}

    @property
    @override
    def source_type(self) -> SourceType:
        """How the position was obtained, where Home Assistant has a match."""
        position = self.data.position
        method = position.method if position else None
        return _SOURCE_TYPES.get(method, SourceType.GPS)
