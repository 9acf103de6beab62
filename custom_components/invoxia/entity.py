"""The base of every Invoxia entity, and how platforms add entities for new trackers."""

from collections.abc import Callable, Iterable
from typing import override

from homeassistant.core import callback
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
        self._written_data: InvoxiaTrackerData | None = None
        self._written_available: bool | None = None
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

    @override
    async def async_added_to_hass(self) -> None:
        """Remember what the first state, written next, is made of."""
        await super().async_added_to_hass()
        self._written_data = self.coordinator.data.get(self._tracker_id)
        self._written_available = self.available

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Write the state only when this tracker's data or availability changed.

        A poll where one tracker moved updates every listener; writing the unchanged
        state of every other entity would cost a state-reported event each.
        """
        # The coordinator keeps the very object of a tracker that did not change:
        # identity says it all, where comparing values would cost more.
        data = self.coordinator.data.get(self._tracker_id)
        available = self.available
        if data is self._written_data and available is self._written_available:
            return
        self._written_data = data
        self._written_available = available
        super()._handle_coordinator_update()

    @property
    def data(self) -> InvoxiaTrackerData:
        """The latest data of this entity's tracker."""
        return self.coordinator.data[self._tracker_id]

    @property
    def available(self) -> bool:
        """Tell whether the last poll succeeded and could read the tracker."""
        data = self.coordinator.data.get(self._tracker_id)
        return super().available and data is not None and not data.unreadable


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
        if not new:
            return
        known.update(new)
        async_add_entities(
            entity_factory(coordinator, tracker_id, description)
            for tracker_id in sorted(new)
            for description in descriptions
        )

    add_new_trackers()
    entry.async_on_unload(coordinator.async_add_listener(add_new_trackers))
