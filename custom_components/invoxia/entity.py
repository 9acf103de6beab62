"""The base of every Invoxia entity, and how platforms add entities for new trackers."""

from collections.abc import Callable, Iterable

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, MANUFACTURER, WEB_APP_URL
from .coordinator import InvoxiaConfigEntry, InvoxiaCoordinator, InvoxiaTrackerData


class InvoxiaEntity(CoordinatorEntity[InvoxiaCoordinator]):
    """An entity of one tracker, described by an entity description."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: InvoxiaCoordinator,
        tracker_id: int,
        description: EntityDescription,
    ) -> None:
        """Attach the entity to its tracker's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._tracker_id = tracker_id
        tracker = self.data.tracker
        self._attr_unique_id = f"{tracker.serial}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, tracker.serial)},
            name=tracker.name,
            manufacturer=MANUFACTURER,
            model=tracker.model,
            model_id=tracker.device_type,
            sw_version=tracker.version_build,
            serial_number=tracker.serial,
            configuration_url=WEB_APP_URL,
        )

    @property
    def data(self) -> InvoxiaTrackerData:
        """The latest data of this entity's tracker."""
        return self.coordinator.data[self._tracker_id]

    @property
    def available(self) -> bool:
        """Tell whether the last poll succeeded and listed the tracker."""
        return super().available and self._tracker_id in self.coordinator.data


def async_add_tracker_entities[DescriptionT: EntityDescription](
    entry: InvoxiaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[DescriptionT],
    entity_factory: Callable[[InvoxiaCoordinator, int, DescriptionT], InvoxiaEntity],
) -> None:
    """Add a platform's entities for every tracker, now and when new ones appear."""
    coordinator = entry.runtime_data
    known: set[int] = set()
    descriptions = tuple(descriptions)

    def add_new_trackers() -> None:
        # Forget removed trackers, so that one coming back gets its entities again.
        known.intersection_update(coordinator.data)
        new = coordinator.data.keys() - known
        known.update(new)
        async_add_entities(
            entity_factory(coordinator, tracker_id, description)
            for tracker_id in sorted(new)
            for description in descriptions
        )

    add_new_trackers()
    entry.async_on_unload(coordinator.async_add_listener(add_new_trackers))
