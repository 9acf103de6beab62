"""Repair issues: a tracker's subscription ending soon, or ended.

Not named repairs.py: Home Assistant takes that module for a platform of fix flows,
which these issues, fixed in the Invoxia app, have none of.
"""

from typing import TYPE_CHECKING, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .const import DOMAIN, SUBSCRIPTION_WARNING, WEB_APP_URL

if TYPE_CHECKING:
    # The coordinator calls this module after each poll: importing it at run time
    # would be circular.
    from .coordinator import InvoxiaConfigEntry, InvoxiaData

_PREFIX: Final = "subscription_"
# Which entry raised an issue: the issue registry keeps data along with each issue.
_ENTRY_ID: Final = "entry_id"


def _issue_id(serial: str) -> str:
    """Return the id of the subscription issue of a tracker."""
    return f"{_PREFIX}{serial}"


@callback
def async_update_subscription_issues(
    hass: HomeAssistant, entry: InvoxiaConfigEntry, data: InvoxiaData
) -> None:
    """Warn of each subscription ending within the warning period, or ended.

    Days pass without the data changing: this runs after every poll. An issue
    clears itself once its subscription is renewed beyond the warning period, or
    its tracker leaves the account; a tracker without an end date has none.
    """
    today = dt_util.now().date()
    raised: set[str] = set()
    for serial, known in data.items():
        end = known.tracker.tracker_status.sub_end_date
        if end is None or end - today > SUBSCRIPTION_WARNING:
            continue
        days_left = (end - today).days
        ended = days_left < 0
        issue_id = _issue_id(serial)
        raised.add(issue_id)
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            data={_ENTRY_ID: entry.entry_id},
            is_fixable=False,
            learn_more_url=WEB_APP_URL,
            severity=ir.IssueSeverity.ERROR if ended else ir.IssueSeverity.WARNING,
            translation_key="subscription_ended" if ended else "subscription_ending",
            translation_placeholders={
                "name": known.tracker.name,
                "days": str(max(days_left, 0)),
                "end_date": end.isoformat(),
                "url": WEB_APP_URL,
            },
        )
    for issue_id in _entry_issues(hass, entry) - raised:
        ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def async_delete_subscription_issues(
    hass: HomeAssistant, entry: InvoxiaConfigEntry
) -> None:
    """Clear the subscription issues of a removed account."""
    for issue_id in _entry_issues(hass, entry):
        ir.async_delete_issue(hass, DOMAIN, issue_id)


def _entry_issues(hass: HomeAssistant, entry: InvoxiaConfigEntry) -> set[str]:
    """Return the ids of the subscription issues an account raised."""
    return {
        issue.issue_id
        for issue in ir.async_get(hass).issues.values()
        if issue.domain == DOMAIN
        and issue.issue_id.startswith(_PREFIX)
        and issue.data is not None
        and issue.data.get(_ENTRY_ID) == entry.entry_id
    }
