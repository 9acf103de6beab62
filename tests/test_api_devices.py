"""The client's device queries against the simulated cloud: by kind, or one device."""

from uuid import UUID

import pytest

from custom_components.invoxia.api import (
    AsyncClient,
    Config,
    Device,
    FailedQuery,
    Iphone,
    UnknownDeviceType,
)
from simulator import Simulator
from tests.conftest import (
    TRACKER_TYPES,
    Recorder,
    devices_with_unknown_types,
    serve_json,
)


@pytest.mark.parametrize(
    ("kind", "query", "with_phone", "with_trackers"),
    [
        (None, {}, True, True),
        ("iphone", {"type": "iphone"}, True, False),
        ("android", {"type": "android"}, False, False),
        ("tracker", {"type": "tracker"}, False, True),
    ],
)
async def test_get_devices_filters_by_kind(  # noqa: PLR0913 - fixtures and parameters
    simulator: Simulator,
    recorded_client: AsyncClient,
    recorder: Recorder,
    kind: str | None,
    query: dict[str, str],
    *,
    with_phone: bool,
    with_trackers: bool,
) -> None:
    """get_devices sends the kind as `type` and parses each device to its class."""
    world = simulator.world
    expected: list[tuple[type[Device], int]] = []
    if with_phone:
        expected.append((Iphone, world.phone_id))
    if with_trackers:
        expected.extend(zip(TRACKER_TYPES, world.tracker_ids, strict=True))
    devices = await recorded_client.get_devices(kind)
    assert [(type(device), device.id) for device in devices] == expected
    assert [dict(url.query) for url in recorder.urls] == [query]


@pytest.mark.parametrize("kind", ["tracker_03", "", "TRACKER"])
async def test_get_devices_refuses_an_unknown_kind_without_asking(
    simulator: Simulator, client: AsyncClient, kind: str
) -> None:
    """A kind other than android, iphone or tracker is a ValueError; no query."""
    with pytest.raises(
        ValueError, match=r"^kind must be one of android, iphone, tracker$"
    ):
        await client.get_devices(kind)
    assert simulator.counters.total == 0


@pytest.mark.parametrize("index", range(6))
async def test_get_device_returns_the_device_the_listing_has(
    simulator: Simulator, client: AsyncClient, index: int
) -> None:
    """get_device parses a phone or a tracker exactly as get_devices does."""
    listed = (await client.get_devices())[index]
    device = await client.get_device(listed.id)
    assert device == listed
    assert type(device) is type(listed)
    assert simulator.counters.requests == {"/devices/": 1, "/devices/{id}/": 1}


async def test_get_device_parses_the_phone(
    simulator: Simulator, client: AsyncClient
) -> None:
    """The account's phone is an Iphone with its identifier as a UUID."""
    phone = await client.get_device(simulator.world.phone_id)
    data = simulator.world.device_json(simulator.world.phone_id)
    assert isinstance(phone, Iphone)
    assert (phone.name, phone.version, phone.timezone) == (
        "iPhone de Camille",
        "9.5.1.88141004",
        "Europe/Paris",
    )
    assert phone.serial == UUID(str(data["serial"]))


async def test_get_device_of_another_account_is_a_failed_query(
    simulator: Simulator, client: AsyncClient
) -> None:
    """A device the account does not have is the API's 404, a FailedQuery."""
    with pytest.raises(FailedQuery) as err:
        await client.get_device(1)
    assert (type(err.value), err.value.status) == (FailedQuery, 404)


async def test_get_device_of_an_unknown_type_raises_unknown_device_type(
    socket_enabled: None,
) -> None:
    """One device of a type the client does not know is UnknownDeviceType."""
    device = devices_with_unknown_types()[-1]
    async with serve_json(device) as url, AsyncClient(Config("a", "b", url)) as api:
        with pytest.raises(UnknownDeviceType) as err:
            await api.get_device(1)
    assert err.value.device_type == "tracker_99"
    assert str(err.value) == "Devices of type 'tracker_99' are not supported"
