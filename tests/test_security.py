"""Where the account's secrets go, and which servers the integration trusts."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
import json
from pathlib import Path
import ssl
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.invoxia.const import CONF_API_URL, DOMAIN
from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, Simulator
from tests.conftest import add_account, basic_authorization


@pytest.fixture
def self_signed_url(
    socket_enabled: None, tmp_path: Path
) -> Iterator[tuple[str, list[str]]]:
    """Serve https on 127.0.0.1 with a certificate no authority signed.

    Yield its URL and the paths of the requests that reached it: none, if clients
    refuse the certificate. The server has a thread of its own: the handshakes that
    clients break off are its business, not the event loop's of the test.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file = tmp_path / "cert.pem"
    key_file = tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    reached: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reached.append(self.path)
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"[]")

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            """Say nothing of handshakes broken off."""

    with Server(("127.0.0.1", 0), Handler) as server:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        serving = threading.Thread(target=server.serve_forever)
        serving.start()
        try:
            yield f"https://127.0.0.1:{server.server_address[1]}", reached
        finally:
            server.shutdown()
            serving.join()


async def test_sign_in_refuses_a_server_whose_certificate_is_not_trusted(
    hass: HomeAssistant, self_signed_url: tuple[str, list[str]]
) -> None:
    """TLS certificates are verified: credentials never reach an untrusted server."""
    url, reached = self_signed_url
    result = await add_account(hass, url)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert reached == []


async def test_setup_refuses_a_server_whose_certificate_is_not_trusted(
    hass: HomeAssistant, self_signed_url: tuple[str, list[str]]
) -> None:
    """An entry whose API presents an untrusted certificate is retried, not trusted."""
    url, reached = self_signed_url
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            CONF_EMAIL: DEFAULT_USERNAME,
            CONF_PASSWORD: DEFAULT_PASSWORD,
            CONF_API_URL: url,
        },
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert reached == []


async def test_credentials_are_stored_in_the_config_entry_only(
    hass: HomeAssistant,
    hass_storage: dict[str, object],
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Once set up and polled, only the config entry holds the password or email.

    Every file Home Assistant stores (registries included) and every state is
    searched for the password, the Basic credentials and the email.
    """
    result = await add_account(hass, simulator.url)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    simulator.world.move_tracker(simulator.world.tracker_ids[0], 48.8584, 2.2945)
    # Past the polling interval and every delayed write of Home Assistant's stores.
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    secrets = (
        DEFAULT_PASSWORD,
        DEFAULT_USERNAME,
        basic_authorization(DEFAULT_USERNAME, DEFAULT_PASSWORD).split()[1],
    )
    holders = {
        key
        for key, stored in hass_storage.items()
        if any(secret in json.dumps(stored) for secret in secrets)
    }
    assert holders == {"core.config_entries"}
    assert "core.entity_registry" in hass_storage
    assert "core.device_registry" in hass_storage
    states = json.dumps(
        [state.as_dict() for state in hass.states.async_all()], default=str
    )
    assert "device_tracker.rex" in states
    assert not [secret for secret in secrets if secret in states]


async def test_a_blocking_call_in_the_event_loop_fails_the_test() -> None:
    """Blocking-call detection is on in the tests, as in Home Assistant."""
    with pytest.raises(RuntimeError, match="Caught blocking call to sleep"):
        time.sleep(0)  # noqa: ASYNC251 - the very call detection must catch
