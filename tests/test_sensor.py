"""Sensor values that the simulated account does not show."""

from datetime import date
import json
from pathlib import Path

import pytest

from custom_components.invoxia.api import Device, Tracker
from custom_components.invoxia.coordinator import InvoxiaTrackerData
from custom_components.invoxia.sensor import _subscription_end

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("sub_end_date", "expected"),
    [
        ("2027-03-14", date(2027, 3, 14)),
        ("2027-03-14T00:00:00Z", date(2027, 3, 14)),
        ("unlimited", None),
        (None, None),
    ],
)
def test_subscription_end_is_a_date_or_unknown(
    sub_end_date: str | None, expected: date | None
) -> None:
    """The API's subscription end becomes a date; anything else is unknown."""
    data = json.loads((FIXTURES / "tracker.json").read_text())
    data["tracker_status"]["sub_end_date"] = sub_end_date
    tracker = Device.from_json(data)
    assert isinstance(tracker, Tracker)
    snapshot = InvoxiaTrackerData(tracker=tracker, fix=None, fix_of=None)
    assert _subscription_end(snapshot) == expected
