"""The soak's seeded plan: what goes wrong before each poll, and what the poll must do.

Most polls meet a healthy API. The others meet one disturbance each: a fault of the
simulator on the tracker listing (the first request of a poll, so the poll fails), a
failing location history of one tracker (the poll succeeds without its fix), a tracker
added or removed, or the account's password changed (the poll asks for reauth).
"""

from dataclasses import dataclass
from enum import StrEnum
import random

from custom_components.invoxia.api.client import MAX_RESPONSE_BYTES
from custom_components.invoxia.const import MIN_SCAN_INTERVAL
from simulator import Fault, FaultKind

POLL_INTERVAL_S = int(MIN_SCAN_INTERVAL.total_seconds())
"""How far the world's clock moves before a poll: the shortest interval allowed.

A hundred trackers take about 3.5 new fixes per 30 s, each fetched by the next poll:
half as many as at the default 60 s, so that 10,000 polls fit in five minutes.
"""
LISTING = "/devices/"
_SERVER_ERRORS = (500, 502, 503, 504)
_RETRY_AFTER_S = (120, 300, 600)


class Disturbance(StrEnum):
    """What the soak does to the simulated account before a poll."""

    NONE = "none"
    SERVER_ERROR = "5xx"
    NO_CONTENT = "204"
    RATE_LIMITED = "429"
    RATE_LIMITED_RETRY_AFTER = "429 Retry-After"
    MALFORMED = "malformed"
    TRUNCATED = "truncated"
    RESET = "reset"
    HANG = "hang"
    HUGE = "huge"
    HISTORY = "one history fails"
    TRACKER_ADDED = "tracker added"
    TRACKER_REMOVED = "tracker removed"
    CREDENTIALS_CHANGED = "password changed"

    @property
    def fails_poll(self) -> bool:
        """Whether the poll must fail: a fault spoils the listing, or a password."""
        return self not in _POLL_SUCCEEDS


_POLL_SUCCEEDS = frozenset(
    {
        Disturbance.NONE,
        Disturbance.HISTORY,
        Disturbance.TRACKER_ADDED,
        Disturbance.TRACKER_REMOVED,
    }
)

_STATUSES = {
    Disturbance.NO_CONTENT: 204,
    Disturbance.RATE_LIMITED: 429,
    Disturbance.RATE_LIMITED_RETRY_AFTER: 429,
}
_FAULT_KINDS = {
    Disturbance.SERVER_ERROR: FaultKind.STATUS,
    **dict.fromkeys(_STATUSES, FaultKind.STATUS),
    Disturbance.MALFORMED: FaultKind.MALFORMED,
    Disturbance.TRUNCATED: FaultKind.TRUNCATED,
    Disturbance.RESET: FaultKind.RESET,
    Disturbance.HANG: FaultKind.HANG,
    Disturbance.HUGE: FaultKind.HUGE,
}

WEIGHTS: dict[Disturbance, float] = {
    Disturbance.SERVER_ERROR: 10,
    Disturbance.NO_CONTENT: 3,
    Disturbance.RATE_LIMITED: 3,
    Disturbance.RATE_LIMITED_RETRY_AFTER: 3,
    Disturbance.MALFORMED: 4,
    Disturbance.TRUNCATED: 4,
    Disturbance.RESET: 4,
    # A hang lasts the client's timeout, a huge answer moves 32 MiB, a password change
    # reloads the entry: each costs real time.
    Disturbance.HANG: 0.5,
    Disturbance.HUGE: 0.5,
    Disturbance.HISTORY: 10,
    Disturbance.TRACKER_ADDED: 1,
    Disturbance.TRACKER_REMOVED: 1,
    Disturbance.CREDENTIALS_CHANGED: 0.3,
}
"""Disturbances per 1,000 polls; the remaining polls meet a healthy API.

A failed poll makes every entity unavailable and the next poll makes them available
again: at 100 trackers, 1,400 state writes, by far the dearest poll. About 3 % of the
polls fail, so that 10,000 polls fit in five minutes.
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """What happens before one poll."""

    disturbance: Disturbance
    seconds: int
    """How far the world's clock moves first: the interval, or the Retry-After asked."""
    status: int | None = None
    """The status of a server error."""
    retry_after: int | None = None


def baseline(polls: int) -> int:
    """Return the poll after which memory is first measured: the 1,000th, or a tenth."""
    return min(1000, max(1, polls // 10))


def plan(polls: int, seed: int) -> list[Step]:
    """Draw the steps of `polls` polls.

    Every disturbance comes once before the memory baseline (if there is room), so
    that a short run meets them all and what a first occurrence loads for good
    (modules, caches) is not taken for growth. The last poll is undisturbed: the final
    states are compared after it.
    """
    rng = random.Random(f"soak:{seed}")  # noqa: S311 - a repeatable plan, not a secret
    kinds = list(WEIGHTS)
    drawn = rng.choices(
        [Disturbance.NONE, *kinds],
        weights=[1000 - sum(WEIGHTS.values()), *WEIGHTS.values()],
        k=polls,
    )
    room = range(min(baseline(polls), polls - 1))
    places = rng.sample(room, min(len(kinds), len(room)))
    for place, kind in zip(places, kinds, strict=False):
        drawn[place] = kind
    drawn[-1] = Disturbance.NONE
    _alternate_trackers(drawn)
    steps = []
    wait = POLL_INTERVAL_S
    for disturbance in drawn:
        status = retry_after = None
        if disturbance is Disturbance.SERVER_ERROR:
            status = rng.choice(_SERVER_ERRORS)
        elif disturbance is Disturbance.RATE_LIMITED_RETRY_AFTER:
            retry_after = rng.choice(_RETRY_AFTER_S)
        steps.append(
            Step(
                disturbance=disturbance,
                seconds=wait,
                status=status,
                retry_after=retry_after,
            )
        )
        # The next poll comes when the API asked, as Home Assistant schedules it.
        wait = retry_after or POLL_INTERVAL_S
    return steps


def _alternate_trackers(drawn: list[Disturbance]) -> None:
    """Make additions and removals of trackers alternate, an addition first.

    The account then never strays from its size by more than one tracker: memory is
    compared between polls where it has about as many entities.
    """
    churn = (Disturbance.TRACKER_ADDED, Disturbance.TRACKER_REMOVED)
    changes = 0
    for index, disturbance in enumerate(drawn):
        if disturbance in churn:
            drawn[index] = churn[changes % 2]
            changes += 1


def listing_faults(step: Step) -> list[Fault]:
    """Return the simulator faults that spoil the listing of this step's poll."""
    kind = _FAULT_KINDS.get(step.disturbance)
    if kind is None:
        return []
    return [
        Fault(
            kind,
            path=LISTING,
            # aiohttp sends an idempotent request again once when a reused
            # connection drops: both attempts are spoiled.
            count=2 if kind is FaultKind.RESET else 1,
            status=step.status or _STATUSES.get(step.disturbance),
            retry_after=step.retry_after,
            size=MAX_RESPONSE_BYTES if kind is FaultKind.HUGE else 0,
        )
    ]
