"""The base of every Invoxia entity, and how platforms add entities for new trackers."""

from collections.abc import Callable, Iterable
from typing import override

from homeassistant.components.device_tracker import TrackerEntity
from homeassistant.core import callback
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import (
    InvoxiaConfigEntry,
    InvoxiaCoordinator,
    InvoxiaTrackerData,
    device_info,
)


class InvoxiaEntity(CoordinatorEntity[InvoxiaCoordinator]):
    """An entity of one tracker, described by an entity description."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: InvoxiaCoordinator,
        serial: str,
        description: EntityDescription,
    ) -> None:
        """Attach the entity to the device of the tracker with this serial number."""
        super().__init__(coordinator)
        self.entity_description = description
        self._serial = serial
        # The tracker entity stands for the tracker itself: its serial identifies it.
        self._attr_unique_id = (
            serial if isinstance(self, TrackerEntity) else f"{serial}_{description.key}"
        )
        self._attr_device_info = device_info(self.data.tracker)

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Write the state unless the poll succeeded and left this tracker unchanged.

        A poll where one tracker moved updates every listener; writing the unchanged
        state of every other entity would cost a state-reported event each.
        """
        coordinator = self.coordinator
        if coordinator.last_update_success and self._serial not in coordinator.changed:
            return
        super()._handle_coordinator_update()

    @property
    def data(self) -> InvoxiaTrackerData:
        """The latest data of this entity's tracker."""
        return self.coordinator.data[self._serial]

    @property
    def available(self) -> bool:
        """Tell whether the last poll succeeded and could read the tracker."""
        data = self.coordinator.data.get(self._serial)
        return super().available and data is not None and not data.unreadable


def async_add_tracker_entities[DescriptionT: EntityDescription](
    entry: InvoxiaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Iterable[DescriptionT],
    entity_factory: Callable[[InvoxiaCoordinator, str, DescriptionT], InvoxiaEntity],
) -> None:
    """Add a platform's entities for every tracker, now and when new ones appear."""
    coordinator = entry.runtime_data
    known: set[str] = set()
    descriptions = tuple(descriptions)

    def add_new_trackers() -> None:
        # Forget removed trackers, so that one coming back gets its entities again.
        known.intersection_update(coordinator.data)
        new = {
            serial
            for serial, data in coordinator.data.items()
            if serial not in known and not data.shown_elsewhere
        }
        if not new:
            return
        known.update(new)
        async_add_entities(
            entity_factory(coordinator, serial, description)
            for serial in sorted(new)
            for description in descriptions
        )

    add_new_trackers()
    entry.async_on_unload(coordinator.async_add_listener(add_new_trackers))
