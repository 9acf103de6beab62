"""Fixtures of the demo's tests: each runs a demo of its own, on free ports."""

from pathlib import Path
import shutil
import socket

import pytest

from demo.launcher import DEFAULT_CONFIG_DIR, HOST


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Leave the test's Home Assistant out: the demo runs one of its own."""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """Copy the demo's configuration, for a Home Assistant of its own."""
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(DEFAULT_CONFIG_DIR / "configuration.yaml", config)
    return config


@pytest.fixture
def ports(socket_enabled: None) -> list[int]:
    """Pick four free ports of 127.0.0.1."""
    sockets = [socket.socket() for _ in range(4)]
    try:
        for probe in sockets:
            probe.bind((HOST, 0))
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()
