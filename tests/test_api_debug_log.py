"""What the client logs at debug level: one line per request, for whoever debugs it."""

import logging

import pytest

from custom_components.invoxia.api import AsyncClient
from simulator import Simulator

LOGGER = "custom_components.invoxia.api"


async def test_each_request_logs_its_path_parameters_status_and_size(
    simulator: Simulator, client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A line names the path, its query parameters if any, the status and the bytes."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    sizes = []
    for call in (client.get_users(), client.get_trackers()):
        simulator.counters.reset()
        await call
        sizes.append(simulator.counters.bytes_sent)
    assert [
        record.getMessage() for record in caplog.records if record.name == LOGGER
    ] == [
        f"GET /users/ : 200, {sizes[0]} bytes",
        f"GET /devices/ {{'type': 'tracker'}}: 200, {sizes[1]} bytes",
    ]
