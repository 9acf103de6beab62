"""The simulated account the soak disturbs, served by a simulator process of its own.

In a process of its own, the simulator's work (a world of a hundred trackers, their
answers, 32 MiB of padding) neither competes with Home Assistant for the interpreter
nor counts in its event loop's stalls, memory or file descriptors. The soak drives it
over its control API (`tools.remote`): which tracker a step disturbs, and where a new
one appears, is drawn here from the seed, so that a seed repeats its run.
"""

from dataclasses import dataclass
import random
from types import TracebackType
from typing import Self

from simulator import DEFAULT_HOME, DEFAULT_USERNAME, Fault, FaultKind
from tools.remote import RemoteSimulator, SimulatedTracker

from .plan import LISTING, Disturbance, Step, listing_faults

_HISTORY_ERROR = 500
_HISTORIES = "/devices/{id}/tracker_data/"
"""How the simulator counts requests for a location history."""
_NEW_TRACKER_RADIUS_DEGREES = 0.01


@dataclass(frozen=True, slots=True, kw_only=True)
class Stepped:
    """What the world did before a poll: the tracker concerned, the new password."""

    tracker: str | None
    """The serial number of the tracker concerned."""
    password: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Served:
    """What the simulated API answered over the run, faults included."""

    listings: int
    histories: int
    """Requests for a tracker's location history."""


class SimulatedWorld:
    """The simulated account, disturbed one step at a time."""

    def __init__(
        self, simulator: RemoteSimulator, serials: dict[int, str], seed: int
    ) -> None:
        """Disturb the account of `simulator`, whose trackers have these serials.

        Which tracker, and where, is drawn from `seed`.
        """
        self.simulator = simulator
        self._serials = serials
        """The serial of each tracker on the account, by id, oldest first."""
        self._rng = random.Random(f"soak:{seed}:world")  # noqa: S311 - repeatable
        self._passwords = 0
        self._faulted = False
        """Whether faults may be in force, or requests hang, since the last step."""

    @classmethod
    async def start(cls, *, trackers: int, seed: int, lifetime_s: float) -> Self:
        """Start a simulator: a world of `trackers`, drawn from `seed`.

        It stops by itself after `lifetime_s`.
        """
        simulator = await RemoteSimulator.start(
            trackers=trackers, seed=seed, lifetime_s=lifetime_s
        )
        try:
            listed = await simulator.trackers()
        except BaseException:
            await simulator.close()
            raise
        return cls(simulator, {tracker.id: tracker.serial for tracker in listed}, seed)

    async def step(self, step: Step) -> Stepped:
        """Move the clock, then disturb the account as the step says.

        The faults of the last step go: two control requests in all, unless the
        step adds or removes a tracker or changes the password.
        """
        simulator = self.simulator
        advanced = await simulator.advance(step.seconds)
        faults = listing_faults(step)
        tracker = password = None
        match step.disturbance:
            case Disturbance.HISTORY if advanced.fixed:
                tracker_id = self._rng.choice(advanced.fixed)
                faults.append(
                    Fault(
                        FaultKind.STATUS,
                        status=_HISTORY_ERROR,
                        path=f"/devices/{tracker_id}/tracker_data/",
                    )
                )
                tracker = self._serials[tracker_id]
            case Disturbance.TRACKER_ADDED:
                lat, lng = DEFAULT_HOME
                added = await simulator.add_tracker(
                    lat + self._rng.uniform(-1, 1) * _NEW_TRACKER_RADIUS_DEGREES,
                    lng + self._rng.uniform(-1, 1) * _NEW_TRACKER_RADIUS_DEGREES,
                )
                self._serials[added.id] = tracker = added.serial
            case Disturbance.TRACKER_REMOVED if len(self._serials) > 1:
                tracker_id = self._rng.choice(list(self._serials))
                await simulator.remove_tracker(tracker_id)
                tracker = self._serials.pop(tracker_id)
            case Disturbance.CREDENTIALS_CHANGED:
                self._passwords += 1
                password = f"soak-password-{self._passwords}"
                await simulator.set_credentials(DEFAULT_USERNAME, password)
        if faults or self._faulted:
            # Replacing faults also answers a request still hanging from the last poll.
            await simulator.set_faults(faults)
            self._faulted = bool(faults)
        return Stepped(tracker=tracker, password=password)

    async def truth(self) -> tuple[list[SimulatedTracker], Served]:
        """Return every tracker as the world knows it, and what the API served."""
        trackers = await self.simulator.trackers()
        requests = (await self.simulator.traffic()).requests
        return trackers, Served(
            listings=requests.get(LISTING, 0), histories=requests.get(_HISTORIES, 0)
        )

    async def __aenter__(self) -> Self:
        """Use the world for the duration of an `async with` block."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the simulator."""
        await self.simulator.close()
