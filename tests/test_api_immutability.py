"""The client's models and Config are immutable values holding only their fields.

The coordinator shares one parsed tracker between every entity and compares polls by
value: nobody may change a model under the others. Fields passed by name keep callers
right when one is added; no per-instance dictionary keeps a thousand trackers small.
"""

from collections.abc import Callable
from dataclasses import FrozenInstanceError, fields
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from custom_components.invoxia.api import (
    Config,
    Device,
    PartialListing,
    Tracker,
    TrackerData,
    TrackerListing,
    UnknownAnswerScheme,
    UnreadableDevice,
    User,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

TRACKER = json.loads((Path(__file__).parent / "fixtures" / "tracker.json").read_text())
PHONE = {
    "id": 7,
    "name": "Pixel",
    "serial": "0c8e7b3a-5d1f-4c5e-9f0a-1b2c3d4e5f60",
}


def _models() -> list[object]:
    """Return one instance of each model of the client, and a Config.

    Every tracker type and phone, a tracker's config and status, a fix, a user, and
    a listing with a device it cannot read.
    """
    trackers = [
        Device.from_json(TRACKER | {"type": device_type})
        for device_type in ("tracker", "tracker_01", "tracker_03", "tracker_04")
    ]
    tracker = trackers[0]
    assert isinstance(tracker, Tracker)
    unreadable = UnreadableDevice(name="Rex", error=UnknownAnswerScheme("no serial"))
    return [
        *trackers,
        Device.from_json(PHONE | {"type": "android"}),
        Device.from_json(PHONE | {"type": "iphone"}),
        tracker.tracker_config,
        tracker.tracker_status,
        TrackerData.from_json(
            {
                "datetime": "2026-01-01T12:00:00Z",
                "uuid": "6f1d3a52-1a4e-4b0c-8c1e-2f3a4b5c6d7e",
            }
        ),
        User.from_json({"id": 1, "username": "rex@example.com", "profiles": [3]}),
        Config("rex@example.com", "secret"),
        unreadable,
        TrackerListing(trackers=(tracker,), unreadable=(unreadable,)),
    ]


MODELS = _models()
IDS = [type(model).__name__ for model in MODELS]
# A client's Config is written positionally, as Config(username, password, url).
BY_NAME = [model for model in MODELS if not isinstance(model, Config)]


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_a_model_refuses_to_change(model: DataclassInstance) -> None:
    """Setting any field of a parsed model raises FrozenInstanceError, and keeps it."""
    for field in fields(model):
        before = getattr(model, field.name)
        with pytest.raises(FrozenInstanceError):
            setattr(model, field.name, None)
        assert getattr(model, field.name) is before


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_a_model_holds_its_fields_only(model: DataclassInstance) -> None:
    """A model has no instance dictionary: nothing can be attached to it."""
    with pytest.raises(AttributeError, match="attached"):
        object.__setattr__(model, "attached", True)


@pytest.mark.parametrize(
    "model", BY_NAME, ids=[type(model).__name__ for model in BY_NAME]
)
def test_a_model_takes_every_field_by_name_only(model: DataclassInstance) -> None:
    """Each field, given by position, is refused; given by name, rebuilds the model."""
    build: Callable[..., object] = type(model)
    values = {field.name: getattr(model, field.name) for field in fields(model)}
    assert build(**values) == model
    for name, value in values.items():
        others = {key: other for key, other in values.items() if key != name}
        with pytest.raises(TypeError, match="positional argument"):
            build(value, **others)


def test_a_partial_listing_without_names_has_none_for_each_unreadable_device() -> None:
    """Unnamed, each device that cannot be read still has its place in `names`."""
    errors = [UnknownAnswerScheme("no serial"), UnknownAnswerScheme("no type")]
    assert PartialListing([], errors).names == [None, None]
