"""A listing the client cannot wholly read says what it cannot read, by name if it can.

The coordinator warns of each tracker it never read by the name the listing gives it:
"Bella is listed by Invoxia but cannot be read".
"""

import pytest

from custom_components.invoxia.api import AsyncClient, PartialListing
from simulator import Simulator


async def test_unreadable_trackers_are_named_as_listed_and_unnamed_otherwise(
    simulator: Simulator, client: AsyncClient
) -> None:
    """Each unreadable tracker's name is its listed name, or None if that is no text."""
    world = simulator.world
    named = world.tracker(world.tracker_ids[1])
    world.misreport(named.id, missing=("serial",))
    world.misreport(world.tracker_ids[3], missing=("serial",), overrides={"name": 12})
    with pytest.raises(PartialListing) as err:
        await client.get_trackers()
    assert err.value.names == [named.name, None]
    assert [device.id for device in err.value.devices] == [
        world.tracker_ids[0],
        world.tracker_ids[2],
        world.tracker_ids[4],
    ]
