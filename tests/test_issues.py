"""Repair issues: a warning two weeks before a tracker's subscription ends."""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.invoxia.const import DOMAIN
from simulator import Simulator, World
from simulator.world import JsonObject, Tracker
from tests.conftest import SIMULATOR_START, poll

DAY = timedelta(days=1)
URL = "https://gps.invoxia.com/"

pytestmark = pytest.mark.freeze_time(SIMULATOR_START)


def _ends(world: World, tracker: Tracker, end_date: str | None) -> None:
    """Have the API list a tracker whose subscription ends on this day."""
    status: JsonObject = {"sub_end_date": end_date}
    world.misreport(tracker.id, overrides={"tracker_status": status})


def _issue(hass: HomeAssistant, tracker: Tracker) -> tuple[object, ...] | None:
    """Return what the subscription issue of a tracker says, if it has one."""
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"subscription_{tracker.serial}")
    if issue is None:
        return None
    assert (issue.is_fixable, issue.learn_more_url) == (False, URL)
    return (issue.translation_key, issue.severity, issue.translation_placeholders)


def _ending(tracker: Tracker, days: int, end_date: str) -> tuple[object, ...]:
    """Return what the issue of a subscription ending in that many days says."""
    return (
        "subscription_ending",
        ir.IssueSeverity.WARNING,
        {"name": tracker.name, "days": str(days), "end_date": end_date, "url": URL},
    )


def _domain_issues(hass: HomeAssistant) -> list[str]:
    """Return the ids of the integration's issues."""
    return sorted(
        issue_id for domain, issue_id in ir.async_get(hass).issues if domain == DOMAIN
    )


@pytest.fixture
def rex(simulator: Simulator) -> Tracker:
    """Return the first tracker of the account, Rex."""
    return simulator.world.tracker(simulator.world.tracker_ids[0])


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up the integration with the simulated account."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_warning_comes_14_days_before_the_end_and_counts_down(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    rex: Tracker,
) -> None:
    """15 days before the end, nothing; from 14 days, an issue with the days left.

    Days pass with nothing else changing: the issue follows all the same.
    """
    _ends(simulator.world, rex, "2026-01-16")
    await _set_up(hass, mock_config_entry)
    assert _domain_issues(hass) == []

    await poll(hass, freezer, DAY)
    assert _issue(hass, rex) == _ending(rex, 14, "2026-01-16")
    assert _domain_issues(hass) == [f"subscription_{rex.serial}"]

    await poll(hass, freezer, DAY)
    assert _issue(hass, rex) == _ending(rex, 13, "2026-01-16")


async def test_ended_subscription_says_it_has_ended(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    rex: Tracker,
) -> None:
    """On its last day the subscription still ends; the day after, it has ended."""
    _ends(simulator.world, rex, "2026-01-15")
    await _set_up(hass, mock_config_entry)
    assert _issue(hass, rex) == _ending(rex, 14, "2026-01-15")

    await poll(hass, freezer, 14 * DAY)
    assert _issue(hass, rex) == _ending(rex, 0, "2026-01-15")

    await poll(hass, freezer, DAY)
    assert _issue(hass, rex) == (
        "subscription_ended",
        ir.IssueSeverity.ERROR,
        {"name": rex.name, "days": "0", "end_date": "2026-01-15", "url": URL},
    )


@pytest.mark.parametrize("renewed", ["2026-01-16", "2027-01-15", None])
async def test_renewal_beyond_14_days_or_no_end_date_clears_the_issue(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    renewed: str | None,
) -> None:
    """The issue goes once the end is more than 14 days away, or not known."""
    rex = simulator.world.tracker(simulator.world.tracker_ids[0])
    _ends(simulator.world, rex, "2026-01-15")
    await _set_up(hass, mock_config_entry)
    assert _issue(hass, rex) == _ending(rex, 14, "2026-01-15")

    _ends(simulator.world, rex, renewed)
    await poll(hass, freezer)
    assert _issue(hass, rex) is None


async def test_tracker_leaving_the_account_takes_its_issue_along(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    rex: Tracker,
) -> None:
    """A removed tracker's issue is cleared; another tracker's stays."""
    world = simulator.world
    other = world.tracker(world.tracker_ids[1])
    _ends(world, rex, "2026-01-10")
    _ends(world, other, "2026-01-11")
    await _set_up(hass, mock_config_entry)
    assert _issue(hass, rex) == _ending(rex, 9, "2026-01-10")

    world.remove_tracker(rex.id)
    await poll(hass, freezer)
    assert _issue(hass, rex) is None
    assert _issue(hass, other) == _ending(other, 10, "2026-01-11")
    assert _domain_issues(hass) == [f"subscription_{other.serial}"]


async def test_trackers_without_an_end_date_never_get_an_issue(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A subscription not ending soon raises nothing, nor one without an end date."""
    world = simulator.world
    await _set_up(hass, mock_config_entry)
    # The simulated subscriptions end 30 days from now or later, or have no end.
    assert _domain_issues(hass) == []
    for tracker_id in world.tracker_ids:
        _ends(world, world.tracker(tracker_id), None)
    await poll(hass, freezer, 1000 * DAY)
    assert _domain_issues(hass) == []


async def test_unloading_keeps_the_issues_and_removing_the_account_clears_them(
    hass: HomeAssistant,
    simulator: Simulator,
    mock_config_entry: MockConfigEntry,
    rex: Tracker,
) -> None:
    """An unloaded account still has its trackers; a removed one has none left."""
    _ends(simulator.world, rex, "2026-01-15")
    await _set_up(hass, mock_config_entry)
    issue = _ending(rex, 14, "2026-01-15")
    assert _issue(hass, rex) == issue

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert _issue(hass, rex) == issue

    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert _domain_issues(hass) == []
