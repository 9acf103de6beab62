"""A real Home Assistant, with the integration set up on a simulator's account.

The benchmark and the soak run the integration in it, as Home Assistant does: real
core, state machine and registries, nothing written to disk.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import logging
import tempfile
import time
from unittest.mock import patch

from aiohttp import ThreadedResolver
from homeassistant import loader
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_SCAN_INTERVAL,
    EVENT_STATE_CHANGED,
    STATE_UNAVAILABLE,
)
from homeassistant.core import (
    DOMAIN as HOMEASSISTANT_DOMAIN,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import (
    aiohttp_client,
    entity_registry as er,
    frame,
    translation,
)
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.invoxia.const import (
    CONF_ADAPTIVE,
    CONF_API_URL,
    DOMAIN,
    MAX_SCAN_INTERVAL,
)
from custom_components.invoxia.coordinator import InvoxiaCoordinator
from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME

from .remote import RemoteSimulator


class SetupError(RuntimeError):
    """The integration did not set up, or not every entity became available."""


class _Resolver(ThreadedResolver):
    """aiohttp's own resolver, with the closing hook Home Assistant calls on its own."""

    async def real_close(self) -> None:
        """Close the resolver when Home Assistant stops."""
        await self.close()


@asynccontextmanager
async def home_assistant() -> AsyncIterator[HomeAssistant]:
    """Run a Home Assistant instance, as the test harness makes one, with no disk use.

    Its registries are real but never written to disk; the integration is loaded from
    `custom_components/`, as Home Assistant finds custom integrations.
    """
    # Loading a custom integration logs a warning that is no news here.
    logging.getLogger(loader.__name__).setLevel(logging.ERROR)
    with (
        tempfile.TemporaryDirectory(prefix="hass-") as config_dir,
        # Home Assistant's resolver asks mDNS too, through multicast sockets on every
        # network interface: the benchmark and the soak stay on loopback (and aiohttp
        # resolves no IP address, such as the simulator's, anyway).
        patch.object(aiohttp_client, "_async_make_resolver", return_value=_Resolver()),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            # The harness hides custom integrations until a test enables them.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            frame.async_setup(hass)
            await translation.async_load_integrations(hass, {HOMEASSISTANT_DOMAIN})
            try:
                yield hass
            finally:
                # As the harness does: entries unload first, so nothing lingers.
                for entry in hass.config_entries.async_entries():
                    if entry.state is ConfigEntryState.LOADED:
                        await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)


async def set_up(
    hass: HomeAssistant, simulator: RemoteSimulator
) -> tuple[InvoxiaCoordinator, float]:
    """Set up a config entry of the simulator's account, as Home Assistant does.

    Return its coordinator and the time from the start of the setup to the last state
    written by one of its entities, once every enabled entity is available.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        # The config flow's title: the masked email, which task names and logs show.
        title="d***@example.com",
        unique_id=str(simulator.user_id),
        data={
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: simulator.url,
        },
        # Polls are the caller's: no scheduled one may slip in between.
        options={
            CONF_SCAN_INTERVAL: MAX_SCAN_INTERVAL.total_seconds(),
            CONF_ADAPTIVE: False,
        },
    )
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    last_write = 0.0

    @callback
    def _state_written(event: Event[EventStateChangedData]) -> None:
        nonlocal last_write
        entity = registry.async_get(event.data["entity_id"])
        if entity is not None and entity.config_entry_id == entry.entry_id:
            last_write = time.perf_counter()

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, _state_written)
    start = time.perf_counter()
    try:
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        unsubscribe()
    if entry.state is not ConfigEntryState.LOADED:
        msg = f"the config entry did not load: {entry.state}"
        raise SetupError(msg)
    enabled = [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if entity.disabled_by is None
    ]
    unavailable = [
        entity_id
        for entity_id in enabled
        if (state := hass.states.get(entity_id)) is None
        or state.state == STATE_UNAVAILABLE
    ]
    if not enabled or unavailable:
        msg = f"{len(unavailable)} of {len(enabled)} entities are not available"
        raise SetupError(msg)
    coordinator: InvoxiaCoordinator = entry.runtime_data
    return coordinator, last_write - start
