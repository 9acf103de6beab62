"""The `invoxia.get_locations` action: where was a tracker, between two moments."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonObjectType, JsonValueType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.invoxia.const import DOMAIN
from simulator import Fault, FaultKind, Fix, Simulator
from tests.conftest import SIMULATOR_START

HISTORY = "/devices/{id}/tracker_data/"
ACTION = "get_locations"


async def _get_locations(hass: HomeAssistant, **data: JsonValueType) -> JsonObjectType:
    """Call the action and return its response."""
    response = await hass.services.async_call(
        DOMAIN, ACTION, data, blocking=True, return_response=True
    )
    assert response is not None
    return response


async def _locations(
    hass: HomeAssistant, **data: JsonValueType
) -> list[dict[str, JsonValueType]]:
    """Call the action and return the locations it answers."""
    response = await _get_locations(hass, **data)
    assert list(response) == ["locations"]
    items = response["locations"]
    assert isinstance(items, list)
    locations = [item for item in items if isinstance(item, dict)]
    assert len(locations) == len(items)
    return locations


def _device_id(hass: HomeAssistant, serial: str) -> str:
    """Return the id of the device of the tracker with this serial number."""
    [entry] = hass.config_entries.async_entries(DOMAIN)
    [device] = [
        device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        if (DOMAIN, serial) in device.identifiers
    ]
    return device.id


def _history_path(tracker_id: int) -> str:
    """Return the path of a tracker's location history."""
    return HISTORY.format(id=tracker_id)


async def test_action_exists_before_any_account_is_loaded(
    hass: HomeAssistant,
) -> None:
    """The action is registered with the integration, described and translated."""
    assert await async_setup_component(hass, DOMAIN, {})
    assert hass.services.has_service(DOMAIN, ACTION)
    description = (await async_get_all_descriptions(hass))[DOMAIN][ACTION]
    assert description["response"] == {"optional": False}
    fields = description["fields"]
    assert {field: list(value["selector"]) for field, value in fields.items()} == {
        "device_id": ["device"],
        "start": ["datetime"],
        "end": ["datetime"],
        "max_count": ["number"],
    }
    assert fields["device_id"]["selector"]["device"]["integration"] == DOMAIN
    number = fields["max_count"]["selector"]["number"]
    assert (number["min"], number["max"], fields["max_count"]["default"]) == (
        1,
        1000,
        100,
    )
    translations = await async_get_translations(hass, "en", "services", [DOMAIN])
    prefix = f"component.{DOMAIN}.services.{ACTION}"
    assert {
        key.removeprefix(prefix): value
        for key, value in translations.items()
        if key.endswith(".name")
    } == {
        ".name": "Get locations",
        ".fields.device_id.name": "Tracker",
        ".fields.start.name": "Start",
        ".fields.end.name": "End",
        ".fields.max_count.name": "Maximum number of locations",
    }


@pytest.mark.freeze_time(SIMULATOR_START)
async def test_action_answers_readable_fixes_newest_first(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each fix: time, coordinates, accuracy and method; impossible ones left out.

    Times are in Home Assistant's time zone, with their offset; an unknown accuracy
    or method is None.
    """
    world = simulator.world
    rover = world.tracker(world.add_tracker(name="Rover", position=(48.85, 2.35)))
    world.advance(600)
    world.move_tracker(rover.id, 48.86, 2.36, precision=25, method=3)
    world.advance(600)
    rover.move_to(
        Fix(
            time_us=world.now_us,
            lat=float("nan"),
            lng=2.37,
            method=2,
            precision=10,
            pkt_drop=0,
            uuid_bits=1 << 100,
            text_coordinates=True,
            offset_suffix=False,
            rssi=None,
        )
    )
    world.advance(600)
    world.move_tracker(rover.id, 48.87, 2.38, precision=-1, method=0)
    freezer.tick(timedelta(seconds=1800))
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    simulator.counters.reset()

    response = await _get_locations(hass, device_id=_device_id(hass, rover.serial))

    assert response == {
        "locations": [
            {
                "time": "2026-01-01T04:30:00-08:00",
                "latitude": 48.87,
                "longitude": 2.38,
                "accuracy": None,
                "method": None,
            },
            {
                "time": "2026-01-01T04:10:00-08:00",
                "latitude": 48.86,
                "longitude": 2.36,
                "accuracy": 25,
                "method": "bssid",
            },
            {
                "time": "2026-01-01T04:00:00-08:00",
                "latitude": 48.85,
                "longitude": 2.35,
                "accuracy": 10,
                "method": "gps",
            },
        ]
    }
    assert dict(simulator.counters.requests) == {HISTORY: 1}


@pytest.mark.freeze_time(SIMULATOR_START)
async def test_action_keeps_to_start_and_end_naive_ones_in_local_time(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Both bounds are included; a naive moment is in Home Assistant's time zone."""
    world = simulator.world
    rover = world.tracker(world.add_tracker(name="Rover", position=(48.85, 2.35)))
    for step in range(1, 4):
        world.advance(600)
        world.move_tracker(rover.id, 48.85 + step / 100, 2.35)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    device_id = _device_id(hass, rover.serial)

    locations = await _locations(
        hass,
        device_id=device_id,
        # 12:10 UTC, in US/Pacific, the tests' time zone.
        start="2026-01-01 04:10:00",
        end="2026-01-01T12:20:00+00:00",
    )

    assert [(location["time"], location["latitude"]) for location in locations] == [
        ("2026-01-01T04:20:00-08:00", 48.87),
        ("2026-01-01T04:10:00-08:00", 48.86),
    ]
    assert await _locations(hass, device_id=device_id, max_count=1) == [
        {
            "time": "2026-01-01T04:30:00-08:00",
            "latitude": 48.88,
            "longitude": 2.35,
            "accuracy": 10,
            "method": "gps",
        }
    ]


@pytest.mark.usefixtures("init_integration")
async def test_action_pages_through_the_history_without_duplicates(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A long history comes in pages of 20, each location once, newest first."""
    world = simulator.world
    tracker = world.tracker(world.quirks.page_boundary_tracker)
    history = tracker.history()
    simulator.counters.reset()

    locations = await _locations(
        hass, device_id=_device_id(hass, tracker.serial), max_count=150
    )

    assert [
        (location["time"], location["latitude"], location["longitude"])
        for location in locations
    ] == [
        (
            dt_util.as_local(fix.at).isoformat(),
            round(fix.lat, 6),
            round(fix.lng, 6),
        )
        for fix in history[:150]
    ]
    assert dict(simulator.counters.requests) == {HISTORY: 8}


@pytest.mark.usefixtures("init_integration")
async def test_action_failing_on_a_later_page_answers_nothing(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A page that fails fails the whole action: never a part of the history."""
    world = simulator.world
    tracker = world.tracker(world.tracker_ids[0])
    path = _history_path(tracker.id)
    simulator.faults.add(Fault(FaultKind.REPLAYED, path=path, count=1))
    simulator.faults.add(Fault(FaultKind.STATUS, status=500, path=path))
    simulator.counters.reset()

    with pytest.raises(HomeAssistantError) as caught:
        await _get_locations(hass, device_id=_device_id(hass, tracker.serial))

    assert (caught.value.translation_domain, caught.value.translation_key) == (
        DOMAIN,
        "api_error",
    )
    assert str(caught.value) == (
        "The Invoxia API answered with an error or with data that cannot be read"
    )
    assert dict(simulator.counters.requests) == {HISTORY: 2}


def _said(error: HomeAssistantError) -> tuple[object, ...]:
    """Return what an error says: its translation and its English message."""
    return (
        error.translation_domain,
        error.translation_key,
        error.translation_placeholders,
        str(error),
    )


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (
            Fault(FaultKind.STATUS, status=429, retry_after=600),
            (
                DOMAIN,
                "action_rate_limited_retry",
                {"seconds": "600"},
                "The Invoxia API asks to slow down; try again in 600 seconds",
            ),
        ),
        (
            Fault(FaultKind.STATUS, status=429),
            (
                DOMAIN,
                "action_rate_limited",
                None,
                "The Invoxia API asks to slow down; try again later",
            ),
        ),
        (
            Fault(FaultKind.STATUS, status=401),
            (
                DOMAIN,
                "invalid_auth",
                None,
                "Invoxia refused the account's credentials",
            ),
        ),
        (
            Fault(FaultKind.STATUS, status=403),
            (
                DOMAIN,
                "forbidden",
                None,
                "Invoxia does not allow this account to see its trackers' data "
                "(HTTP 403). Signing in again cannot help; check the account in the "
                "Invoxia app",
            ),
        ),
        (
            Fault(FaultKind.RESET, count=2),
            (DOMAIN, "cannot_connect", None, "Cannot reach the Invoxia API"),
        ),
        (
            Fault(FaultKind.MALFORMED),
            (
                DOMAIN,
                "api_error",
                None,
                "The Invoxia API answered with an error or with data that cannot "
                "be read",
            ),
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_action_says_why_the_api_did_not_answer(
    hass: HomeAssistant,
    simulator: Simulator,
    fault: Fault,
    said: tuple[object, ...],
) -> None:
    """API failures are translated errors; a rate limit says when to try again."""
    tracker = simulator.world.tracker(simulator.world.tracker_ids[0])
    device_id = _device_id(hass, tracker.serial)
    simulator.faults.add(fault)

    with pytest.raises(HomeAssistantError) as caught:
        await _get_locations(hass, device_id=device_id)

    assert not isinstance(caught.value, ServiceValidationError)
    assert _said(caught.value) == said


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            {"max_count": 0},
            (
                DOMAIN,
                "max_count_out_of_range",
                {"max_count": "0", "min": "1", "max": "1000"},
                "The number of locations must be between 1 and 1000, not 0",
            ),
        ),
        (
            {"max_count": 1001},
            (
                DOMAIN,
                "max_count_out_of_range",
                {"max_count": "1001", "min": "1", "max": "1000"},
                "The number of locations must be between 1 and 1000, not 1001",
            ),
        ),
        (
            {"start": "2026-01-01 10:00:00", "end": "2026-01-01T17:59:59+00:00"},
            (
                DOMAIN,
                "start_after_end",
                {
                    "start": "2026-01-01T10:00:00-08:00",
                    "end": "2026-01-01T09:59:59-08:00",
                },
                "The start (2026-01-01T10:00:00-08:00) must not be after the end "
                "(2026-01-01T09:59:59-08:00)",
            ),
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_action_refuses_bounds_that_cannot_be(
    hass: HomeAssistant,
    simulator: Simulator,
    data: dict[str, JsonValueType],
    said: tuple[object, ...],
) -> None:
    """A count out of 1 to 1000, or a start after the end, is refused, unasked."""
    tracker = simulator.world.tracker(simulator.world.tracker_ids[0])
    device_id = _device_id(hass, tracker.serial)
    simulator.counters.reset()

    with pytest.raises(ServiceValidationError) as caught:
        await _get_locations(hass, device_id=device_id, **data)

    assert _said(caught.value) == said
    assert simulator.counters.total == 0


async def _refusal(hass: HomeAssistant, device_id: str) -> tuple[object, ...]:
    """Call the action for a device it must refuse; return what the error says."""
    with pytest.raises(ServiceValidationError) as caught:
        await _get_locations(hass, device_id=device_id)
    return _said(caught.value)


@pytest.mark.usefixtures("init_integration")
async def test_action_refuses_an_unknown_device(hass: HomeAssistant) -> None:
    """A device id that is no device's is refused."""
    assert await _refusal(hass, "0123456789abcdef") == (
        DOMAIN,
        "unknown_device",
        {"device_id": "0123456789abcdef"},
        "No device has the ID 0123456789abcdef",
    )


@pytest.mark.usefixtures("init_integration")
async def test_action_refuses_a_device_of_another_integration(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Another integration's device is refused, even named with a tracker's serial."""
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    serial = simulator.world.tracker(simulator.world.tracker_ids[0]).serial
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id,
        identifiers={("other", serial)},
        name="Lamp",
    )
    simulator.counters.reset()
    assert await _refusal(hass, device.id) == (
        DOMAIN,
        "not_a_tracker",
        {"device": "Lamp"},
        "Lamp is not an Invoxia tracker",
    )
    assert simulator.counters.total == 0


async def test_action_refuses_a_tracker_of_an_account_not_loaded(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """The trackers of an unloaded account are refused; the action stays."""
    tracker = simulator.world.tracker(simulator.world.tracker_ids[0])
    device_id = _device_id(hass, tracker.serial)
    await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    simulator.counters.reset()
    assert await _refusal(hass, device_id) == (
        DOMAIN,
        "account_not_loaded",
        {"device": tracker.name},
        f"The Invoxia account of {tracker.name} is not loaded; check it under "
        "Settings, Devices & services",
    )
    assert simulator.counters.total == 0


async def test_action_refuses_a_device_whose_tracker_left_the_account(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """A device of the account whose serial it no longer lists is refused."""
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=init_integration.entry_id,
        identifiers={(DOMAIN, "000000000000")},
        name="Gone",
    )
    dr.async_get(hass).async_update_device(device.id, name_by_user="My old tracker")
    simulator.counters.reset()
    assert await _refusal(hass, device.id) == (
        DOMAIN,
        "tracker_not_on_account",
        {"device": "My old tracker"},
        "My old tracker is no longer a tracker of its Invoxia account",
    )
    assert simulator.counters.total == 0
