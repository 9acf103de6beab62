"""Diagnostics of an account, with personal data redacted."""

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, Simulator


async def test_diagnostics_redact_credentials_serials_positions_and_names(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics hold the entry and tracker data, minus what identifies the user."""
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    entry = diagnostics["entry"]
    assert isinstance(entry, dict)
    data = entry["data"]
    assert isinstance(data, dict)
    # The simulator's port changes from run to run.
    assert data.pop("api_url") == simulator.url
    polling = diagnostics["polling"]
    assert isinstance(polling, dict)
    # The next poll is due on the test clock, which is real time.
    next_poll = init_integration.runtime_data.next_poll
    assert next_poll is not None
    assert polling.pop("next_poll") == next_poll.isoformat()
    assert diagnostics == snapshot
    text = str(diagnostics)
    trackers = [simulator.world.tracker(i) for i in simulator.world.tracker_ids]
    serials = [tracker.serial for tracker in trackers]
    names = [tracker.name for tracker in trackers]
    assert names == ["Rex", "Mistigri", "Vélo", "Clio", "Léa"]
    for secret in (DEFAULT_PASSWORD, DEFAULT_USERNAME, *serials, *names):
        assert secret not in text
