"""Trackers the listing holds in a form that cannot be read: each said once, not more.

A known tracker says it itself, going unavailable; a tracker never read is warned of
once, by its name, or by the error when the listing gives it none.
"""

import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.invoxia.const import LOGGER
from simulator import Simulator
from tests.conftest import poll


@pytest.fixture(autouse=True)
def info_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Capture what the integration logs from the info level up."""
    caplog.set_level(logging.INFO, logger=LOGGER.name)


def _take_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the lines the integration logged at info level or above; forget them."""
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name == LOGGER.name and record.levelno >= logging.INFO
    ]
    caplog.clear()
    return lines


@pytest.mark.usefixtures("init_integration")
async def test_newcomer_listed_after_an_unreadable_known_tracker_is_warned_of(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The known tracker goes unavailable; the one never read after it is named."""
    world = simulator.world
    known = world.tracker(world.tracker_ids[0])
    world.misreport(known.id, missing=("serial",))
    newcomer = world.add_tracker(name="Bella", position=(45.0, 5.0))
    world.misreport(newcomer, missing=("serial",))
    _take_log(caplog)
    await poll(hass, freezer)
    error = "Device.serial: expected a value, found none"
    assert _take_log(caplog) == [
        f"{known.name} is unavailable: Cannot read 2 listed device(s): {error}",
        f"Bella is listed by Invoxia but cannot be read: {error}",
    ]


@pytest.mark.usefixtures("init_integration")
async def test_each_newcomer_is_warned_of_once_by_name_or_else_by_error(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A named newcomer's new error says nothing more; two unnamed ones are two."""
    world = simulator.world
    named = world.add_tracker(name="Bella", position=(45.0, 5.0))
    unnamed = world.add_tracker(position=(46.0, 6.0))
    badly_named = world.add_tracker(position=(47.0, 7.0))
    world.misreport(named, missing=("serial",))
    world.misreport(unnamed, missing=("name",))
    world.misreport(badly_named, overrides={"name": 12})
    _take_log(caplog)
    await poll(hass, freezer)
    assert _take_log(caplog) == [
        "Bella is listed by Invoxia but cannot be read: "
        "Device.serial: expected a value, found none",
        "A device is listed by Invoxia but cannot be read: "
        "Device.name: expected a value, found none",
        "A device is listed by Invoxia but cannot be read: "
        "Device.name: expected a string",
    ]
    world.misreport(named, missing=("tracker_status",))
    await poll(hass, freezer)
    assert _take_log(caplog) == []
