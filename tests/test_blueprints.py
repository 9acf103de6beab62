"""The automation blueprints: zone alert, theft alert and low battery, in two clicks."""

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any
from urllib.parse import quote

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from simulator import Fault, FaultKind, Simulator, World
from simulator.world import JsonObject, Tracker
from tests.conftest import SIMULATOR_START, poll

ROOT = Path(__file__).parent.parent
BLUEPRINTS = ROOT / "blueprints" / "automation" / "invoxia"
SOURCE = "https://github.com/invoxia-ha/invoxia-ha/blob/main/"

# SIMULATOR_START is 04:00 in US/Pacific, the tests' time zone: in the night. Rex,
# the account's first tracker, is at rest then.
pytestmark = pytest.mark.freeze_time(SIMULATOR_START)


def _blueprint(name: str) -> dict[str, Any]:
    """Load a blueprint's YAML, its !input tags kept as they are."""
    return load_yaml_dict(BLUEPRINTS / name)


@pytest.fixture
async def blueprints(
    hass: HomeAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Install the blueprints where Home Assistant looks for them, as an import does.

    In a configuration directory of the test's own: the default one is shared.
    """
    monkeypatch.setattr(hass.config, "config_dir", str(tmp_path))
    await hass.async_add_executor_job(
        shutil.copytree,
        BLUEPRINTS,
        Path(hass.config.path("blueprints", "automation", "invoxia")),
    )


@pytest.fixture
def notified(hass: HomeAssistant) -> list[ServiceCall]:
    """Record the calls of notify.notify, the blueprints' default notification."""
    return async_mock_service(hass, "notify", "notify")


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up the integration with the simulated account."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _use_blueprints(
    hass: HomeAssistant, *automations: tuple[str, Mapping[str, object]]
) -> None:
    """Set up automations from the blueprints, each with its inputs."""
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {
            AUTOMATION_DOMAIN: [
                {"use_blueprint": {"path": f"invoxia/{name}", "input": dict(inputs)}}
                for name, inputs in automations
            ]
        },
    )
    await hass.async_block_till_done()
    assert [state.state for state in hass.states.async_all(AUTOMATION_DOMAIN)] == [
        "on"
    ] * len(automations)


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, world: World, seconds: float
) -> None:
    """Let time pass in the world and in Home Assistant, then poll."""
    world.advance(seconds)
    await poll(hass, freezer, timedelta(seconds=seconds))


def _status(world: World, tracker: Tracker, status: JsonObject) -> None:
    """Have the API list a tracker with these status fields."""
    world.misreport(tracker.id, overrides={"tracker_status": status})


def _state(hass: HomeAssistant, entity_id: str) -> str:
    """Return the state of an entity that exists."""
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def _notifications(calls: list[ServiceCall]) -> list[dict[str, Any]]:
    """Return the data of the notifications sent."""
    return [dict(call.data) for call in calls]


def test_blueprints_choose_invoxia_entities_and_say_where_they_come_from() -> None:
    """Each blueprint's entity inputs offer Invoxia's, and its source is this file."""
    names = sorted(path.name for path in BLUEPRINTS.iterdir())
    assert names == ["low_battery.yaml", "theft_alert.yaml", "zone_notification.yaml"]
    filters = {}
    for name in names:
        blueprint = _blueprint(name)["blueprint"]
        assert blueprint["domain"] == AUTOMATION_DOMAIN
        assert (
            blueprint["source_url"] == f"{SOURCE}{BLUEPRINTS.relative_to(ROOT)}/{name}"
        )
        assert "action" in blueprint["input"]["notify_action"]["selector"]
        filters[name] = [
            value["selector"]["entity"]["filter"]
            for value in blueprint["input"].values()
            if "entity" in value["selector"]
        ]
    assert filters == {
        "low_battery.yaml": [
            [{"integration": "invoxia", "domain": "sensor", "device_class": "battery"}]
        ],
        "theft_alert.yaml": [
            [
                {
                    "integration": "invoxia",
                    "domain": "binary_sensor",
                    "device_class": "moving",
                }
            ]
        ],
        "zone_notification.yaml": [
            [{"integration": "invoxia", "domain": "device_tracker"}],
            [{"domain": "zone"}],
        ],
    }


def test_readme_links_each_blueprint_for_import() -> None:
    """The README has a My Home Assistant import link for each blueprint."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in BLUEPRINTS.iterdir():
        source = _blueprint(path.name)["blueprint"]["source_url"]
        link = (
            "https://my.home-assistant.io/redirect/blueprint_import/"
            f"?blueprint_url={quote(source, safe='')}"
        )
        assert link in readme, path.name


@pytest.mark.usefixtures("blueprints")
async def test_zone_blueprint_notifies_leaving_and_entering_out_of_quiet_hours(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    notified: list[ServiceCall],
) -> None:
    """Rex leaving home at night says nothing; back and off again by day, it does.

    A second automation, for leaving only, notifies through an action of its own.
    """
    world = simulator.world
    rex = world.tracker(world.tracker_ids[0])
    await hass.config.async_update(
        location_name="Home", latitude=world.home[0], longitude=world.home[1]
    )
    assert await async_setup_component(hass, "zone", {})
    world.move_tracker(rex.id, world.home[0] + 0.0002, world.home[1])
    await _set_up(hass, mock_config_entry)
    phone = async_mock_service(hass, "notify", "phone")
    await _use_blueprints(
        hass,
        (
            "zone_notification.yaml",
            {
                "tracker_entity": "device_tracker.rex",
                "quiet_start": "22:00:00",
                "quiet_end": "06:00:00",
            },
        ),
        (
            "zone_notification.yaml",
            {
                "tracker_entity": "device_tracker.rex",
                "events": ["leave"],
                "notify_action": [
                    {"action": "notify.phone", "data": {"message": "{{ message }}"}}
                ],
            },
        ),
    )

    world.move_tracker(rex.id, world.home[0] + 0.01, world.home[1])
    await _tick(hass, freezer, world, 60)
    assert _state(hass, "device_tracker.rex") == "not_home"
    assert _notifications(notified) == []
    assert _notifications(phone) == [{"message": "Rex left Home."}]

    await _tick(hass, freezer, world, 3 * 3600)
    world.move_tracker(rex.id, world.home[0] + 0.0002, world.home[1])
    await _tick(hass, freezer, world, 60)
    world.move_tracker(rex.id, world.home[0] + 0.01, world.home[1])
    await _tick(hass, freezer, world, 60)

    assert _notifications(notified) == [
        {"title": "Rex", "message": "Rex entered Home."},
        {"title": "Rex", "message": "Rex left Home."},
    ]
    assert _notifications(phone) == [{"message": "Rex left Home."}] * 2


@pytest.mark.usefixtures("blueprints")
async def test_theft_blueprint_notifies_moves_at_night_with_the_position(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    notified: list[ServiceCall],
) -> None:
    """Rex moving at 04:00 is told with where it is; moving at noon is not."""
    world = simulator.world
    rex = world.tracker(world.tracker_ids[0])
    await _set_up(hass, mock_config_entry)
    assert _state(hass, "binary_sensor.rex_moving") == "off"
    await _use_blueprints(
        hass, ("theft_alert.yaml", {"moving_entity": "binary_sensor.rex_moving"})
    )

    world.move_tracker(rex.id, 48.8584, 2.2945)
    await _tick(hass, freezer, world, 60)
    assert _notifications(notified) == []
    # Moving for a second: the tracker's position was written in the meantime.
    await _tick(hass, freezer, world, 1)
    assert _notifications(notified) == [
        {
            "title": "Rex is moving",
            "message": "Rex started moving at 04:01. Position: 48.8584, 2.2945, "
            "https://www.openstreetmap.org/?mlat=48.8584&mlon=2.2945",
        }
    ]

    _status(world, rex, {"stationary": 3})
    await _tick(hass, freezer, world, 8 * 3600)
    assert _state(hass, "binary_sensor.rex_moving") == "off"
    world.misreport(rex.id)
    await _tick(hass, freezer, world, 60)
    await _tick(hass, freezer, world, 1)
    assert _state(hass, "binary_sensor.rex_moving") == "on"
    assert len(notified) == 1


@pytest.mark.usefixtures("blueprints")
async def test_battery_blueprint_notifies_once_per_discharge(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    notified: list[ServiceCall],
) -> None:
    """Below the level: one notification, not again after a failed poll or lower.

    Once charged above the level, the next drop notifies again.
    """
    world = simulator.world
    rex = world.tracker(world.tracker_ids[0])
    await _set_up(hass, mock_config_entry)
    await _use_blueprints(
        hass,
        ("low_battery.yaml", {"battery_entity": "sensor.rex_battery", "threshold": 20}),
    )

    _status(world, rex, {"battery": 15})
    await _tick(hass, freezer, world, 60)
    assert _notifications(notified) == [
        {"title": "Rex: battery low", "message": "The battery of Rex is at 15 %."}
    ]

    simulator.faults.add(Fault(FaultKind.STATUS, status=500, count=1))
    await _tick(hass, freezer, world, 60)
    assert _state(hass, "sensor.rex_battery") == STATE_UNAVAILABLE
    await _tick(hass, freezer, world, 60)
    _status(world, rex, {"battery": 12})
    await _tick(hass, freezer, world, 60)
    assert _state(hass, "sensor.rex_battery") == "12"
    assert len(notified) == 1

    _status(world, rex, {"battery": 60})
    await _tick(hass, freezer, world, 60)
    _status(world, rex, {"battery": 9})
    await _tick(hass, freezer, world, 60)
    assert _notifications(notified)[1:] == [
        {"title": "Rex: battery low", "message": "The battery of Rex is at 9 %."}
    ]
