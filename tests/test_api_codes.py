"""The codes the API sends for icons, modes and fix methods, and what each stands for.

The Invoxia app and API number them; the client names them as gps_tracker does. A
code read as another member would show a tracker's icon, mode or fix method wrong.
"""

from enum import IntEnum

import pytest

from custom_components.invoxia.api import (
    TrackerConfig,
    TrackerData,
    TrackerIcon,
    TrackerMethod,
    TrackerMode,
)

ICONS = {
    "UNKNOWN": -1,
    "OTHER": 0,
    "HANDBAG": 1,
    "BRIEFCASE": 2,
    "SUITCASE": 3,
    "BACKPACK": 5,
    "BIKE": 7,
    "BOAT": 8,
    "CAR": 10,
    "CARAVAN": 12,
    "CART": 13,
    "DOG": 14,
    "KAYAK": 15,
    "LAPTOP": 16,
    "MOTO": 17,
    "HELICOPTER": 18,
    "PLANE": 19,
    "SCOOTER": 21,
    "TENT": 23,
    "TRUCK": 24,
    "TRACTOR": 26,
    "CAT": 31,
    "PERSON": 32,
    "GIRL": 34,
    "BACKHOE_LOADER": 36,
    "ANIMAL": 37,
    "WOMAN": 38,
    "MAN": 39,
    "EBIKE": 40,
    "BEEHIVE": 41,
    "CARPARK": 42,
    "ANTENNA": 43,
    "HEALTH": 44,
    "WASHER": 45,
    "KEYS": 46,
    "TV": 47,
    "PHONE": 48,
}
MODES = {
    "UNKNOWN": -1,
    "DAILY": 1,
    "INTENSE": 2,
    "CHILD": 3,
    "KEEP_ALIVE": 4,
    "AIRPLANE": 6,
    "LOST": 7,
    "VEHICLE_S1": 8,
    "VEHICLE_S2": 9,
    "VEHICLE_S3": 10,
    "DAILY_PET": 21,
    "INTENSE_PET": 22,
    "CHILD_PET": 23,
    "LOST_PET_DEBUG": 24,
    "LOST_PET": 27,
    "LWT3": 235,
}
METHODS = {
    "UNKNOWN": 0,
    "NETWORK": 1,
    "GPS": 2,
    "BSSID": 3,
    "PLACE": 4,
    "UBISCALE": 5,
    "PHONE": 6,
    "BSSID_TGU": 7,
    "SERVER": 8,
    "BSSID2": 9,
    "BSSID3": 10,
    "BSSID4": 11,
    "FLEET_CORRECTION": 12,
    "BLE_NEIGHBOR": 13,
    "GPS_BLE": 14,
    "PHONE2": 15,
}


@pytest.mark.parametrize(
    ("enum", "codes"),
    [(TrackerIcon, ICONS), (TrackerMode, MODES), (TrackerMethod, METHODS)],
    ids=["icons", "modes", "methods"],
)
def test_each_member_is_the_code_the_api_sends(
    enum: type[IntEnum], codes: dict[str, int]
) -> None:
    """Every member keeps gps_tracker's name and the API's code; none is an alias."""
    assert {member.name: member.value for member in enum} == codes


def _config(icon: object, mode: object) -> TrackerConfig:
    """Parse a tracker_config with the given icon and mode codes."""
    return TrackerConfig.from_json(
        {
            "firmware_path": "",
            "icon": icon,
            "mode": mode,
            "network": "LTE-M",
            "network_region": "EU",
            "notify_position": True,
            "notify_long_walk": False,
        }
    )


def test_a_tracker_config_names_its_icon_and_mode_by_their_codes() -> None:
    """Each icon and mode code parses to its member, sent as a number or a string."""
    icons = {name: _config(code, 1).icon.name for name, code in ICONS.items()}
    modes = {name: _config(0, str(code)).mode.name for name, code in MODES.items()}
    assert icons == {name: name for name in ICONS}
    assert modes == {name: name for name in MODES}


def test_a_fix_names_its_method_by_its_code() -> None:
    """Each fix method code parses to its member."""
    methods = {
        name: TrackerData.from_json(
            {
                "datetime": "2026-01-01T12:00:00Z",
                "method": code,
                "uuid": "6f1d3a52-1a4e-4b0c-8c1e-2f3a4b5c6d7e",
            }
        ).method.name
        for name, code in METHODS.items()
    }
    assert methods == {name: name for name in METHODS}
