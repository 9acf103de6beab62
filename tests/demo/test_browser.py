"""A person uses the demo in a real browser: Debian's Chromium, driven by Playwright.

The screenshots it takes are the README's, in docs/images/.
"""

from collections.abc import AsyncIterator
from pathlib import Path
import re
import subprocess

from aiohttp import ClientSession
from playwright.async_api import Page, Route, ViewportSize, async_playwright, expect
import pytest
from yarl import URL

from custom_components.invoxia.const import DOMAIN
from demo.launcher import Demo, start_demo
from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.conftest import basic_authorization

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"
# As root, with no GPU, and with nothing of Chromium's own reaching out: the browser
# resolves no host name but 127.0.0.1's.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
UI_TIMEOUT_MS = 60_000
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
# Far enough from home to be away from it, wherever home is in the demo.
AWAY = {"lat": 48.8738, "lng": 2.2950}
ACCOUNT_AUTHORIZATION = basic_authorization(DEFAULT_USERNAME, DEFAULT_PASSWORD)
TRACKER = "Rex"
TRACKER_ENTITY = "device_tracker.rex"


@pytest.fixture
async def demo(config_dir: Path, ports: list[int]) -> AsyncIterator[Demo]:
    """Run the demo, as scripts/develop does, on ports of its own."""
    # The demo runs the Home Assistant of .venv: scripts/setup adds its frontend there.
    pytest.importorskip("hass_frontend")
    async with start_demo(
        config_dir,
        port=ports[0],
        simulator_port=ports[1],
        ready_timeout=180,
        output=subprocess.DEVNULL,
    ) as running:
        yield running


@pytest.fixture
async def page(demo: Demo) -> AsyncIterator[Page]:
    """Open a page of a headless Chromium that may reach this machine only."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: scripts/setup installs Debian's chromium "
            "package with apt-get, which needs root and Debian's package archive"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS
        )
        context = await browser.new_context(
            viewport=VIEWPORT, locale="en-US", timezone_id="Europe/Paris"
        )
        # The first visit of a panel loads its code, on a busy machine: time it has.
        context.set_default_timeout(UI_TIMEOUT_MS)
        expect.set_options(timeout=UI_TIMEOUT_MS)
        opened = await context.new_page()
        await opened.route("**/*", _loopback_only)
        try:
            yield opened
        finally:
            await browser.close()


async def _loopback_only(route: Route) -> None:
    """Let requests to 127.0.0.1 through; refuse the others (map tiles, brands)."""
    if URL(route.request.url).host == "127.0.0.1":
        await route.continue_()
    else:
        await route.abort("blockedbyclient")


async def _post(url: URL, body: object, token: str | None = None) -> None:
    """POST JSON, as the demo's user when given its token; fail unless it succeeds."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        ClientSession(headers=headers) as session,
        session.post(url, json=body) as response,
    ):
        assert response.ok, await response.text()


async def _move_and_poll(demo: Demo, tracker_id: int, place: dict[str, float]) -> None:
    """Move a tracker in the simulator, then have Home Assistant poll the account."""
    assert demo.simulator_url is not None
    await _post(
        demo.simulator_url / "_simulator" / "trackers" / str(tracker_id) / "move",
        {**place, "precision": 10},
    )
    await _post(
        demo.url / "api" / "services" / "homeassistant" / "update_entity",
        {"entity_id": TRACKER_ENTITY},
        demo.access_token,
    )


async def _tracker_id(demo: Demo, name: str) -> int:
    """Ask the simulated API, as the account, for the id of the tracker of this name."""
    assert demo.simulator_url is not None
    async with (
        ClientSession(headers={"Authorization": ACCOUNT_AUTHORIZATION}) as session,
        session.get(demo.simulator_url / "devices" / "") as response,
    ):
        devices = await response.json()
    return next(int(device["id"]) for device in devices if device["name"] == name)


async def _log_in(page: Page, demo: Demo) -> None:
    """Log in on Home Assistant's login page, as the demo user."""
    await page.goto(str(demo.url))
    await page.get_by_role("textbox", name="Username").fill(demo.username)
    await page.get_by_role("textbox", name="Password").fill(demo.password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(re.compile(r"/home(/|$)"))


@pytest.mark.browser
# A real Home Assistant given 180 s to be ready and 30 s to stop, and the browser's
# steps, each given UI_TIMEOUT_MS: those timeouts fail first. 60 s in all on an idle
# machine, the start included.
@pytest.mark.timeout(360)
async def test_a_person_finds_every_tracker_in_home_assistant(
    demo: Demo, page: Page
) -> None:
    """Logged in, a person sees the trackers on the map and on their device pages.

    The map shows a marker per tracker; a tracker's device page, its battery; a
    tracker moved in the simulator, its new place after a poll; the integration's
    page, the account loaded with its five devices; and adding the integration, the
    form of the config flow.
    """
    await _log_in(page, demo)

    await page.goto(str(demo.url / "map"))
    markers = page.locator("ha-entity-marker")
    await expect(markers).to_have_count(len(demo.trackers))
    shown = await markers.evaluate_all(
        "markers => markers.map(marker => marker.getAttribute('entity-id'))"
    )
    assert sorted(shown) == sorted(str(state["entity_id"]) for state in demo.trackers)
    await page.screenshot(path=SCREENSHOTS / "map.png")

    await page.goto(str(demo.url / "config" / "devices" / "dashboard"))
    await page.get_by_text(TRACKER, exact=True).click()
    await page.wait_for_url("**/config/devices/device/**")
    sensors = page.locator("ha-device-entities-card").filter(has_text="Sensors")
    await expect(sensors).to_match_aria_snapshot("- list: /Battery \\d{1,3} ?% /")
    place = page.locator("ha-device-entities-card").filter(has_text="Diagnostic")
    await _move_and_poll(demo, await _tracker_id(demo, TRACKER), AWAY)
    await expect(place).to_match_aria_snapshot(f"- list: /{TRACKER} Away/")
    await page.screenshot(path=SCREENSHOTS / "device.png")

    integrations = demo.url / "config" / "integrations"
    await page.goto(str(integrations / "integration" / DOMAIN))
    await expect(page.get_by_text("d***@example.com")).to_be_visible()
    devices = page.get_by_role("link", name=f"{len(demo.trackers)} devices")
    await expect(devices).to_be_visible()
    assert [entry.state for entry in await demo.api.entries()] == ["loaded"]
    await page.screenshot(path=SCREENSHOTS / "integration.png")

    await page.goto(str((integrations / "dashboard" / "add").with_query(domain=DOMAIN)))
    await page.get_by_role("button", name="OK").click()
    for field in ("Email", "Password", "API URL"):
        await expect(page.get_by_role("textbox", name=field)).to_be_visible()
    await expect(page.get_by_role("textbox", name="API URL")).to_have_value(
        "https://labs.invoxia.io"
    )
    await page.screenshot(path=SCREENSHOTS / "config-flow.png")
