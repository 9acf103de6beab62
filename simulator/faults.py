"""Faults the simulator injects into its API answers, switched at run time."""

import asyncio
from dataclasses import KW_ONLY, dataclass, replace
from enum import StrEnum

from .world import JsonObject

_STATUS_RANGE = range(200, 600)


class FaultKind(StrEnum):
    """What goes wrong with an API request."""

    LATENCY = "latency"
    """The answer comes `seconds` late; combines with any other fault."""
    STATUS = "status"
    """The answer is `status` (204: no body; 429: `Retry-After` if `retry_after`)."""
    MALFORMED = "malformed"
    """The answer is 200 with a body that is not JSON."""
    TRUNCATED = "truncated"
    """The real answer, cut in half."""
    RESET = "reset"
    """The connection closes without an answer.

    aiohttp retries an idempotent request once when dropped: spoil two in a row for
    an aiohttp client to see the error.
    """
    HANG = "hang"
    """No answer until faults are cleared (then the real one) or the server stops.

    Hung requests hold no task of their own: they are the server's request handlers,
    released before the server shuts down.
    """
    HUGE = "huge"
    """The real answer, padded with whitespace to more than `size` bytes."""
    DISORDERED = "disordered"
    """A real list answer reversed, each item twice; any other answer as it is."""
    REPLAYED = "replayed"
    """The answer given to the first request of this very URL, as a stale cache
    replays it; the real answer when there was none."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault, limited to paths starting with `path` and to `count` requests."""

    kind: FaultKind
    _: KW_ONLY
    path: str = "/"
    count: int | None = None
    """How many requests it spoils; `None`: every one until cleared."""
    status: int | None = None
    retry_after: int | None = None
    seconds: float = 0.0
    size: int = 0

    def __post_init__(self) -> None:
        """Reject a fault that could not apply as asked."""
        problem = None
        if not self.path.startswith("/"):
            problem = "path must start with /"
        elif self.count is not None and self.count < 1:
            problem = "count must be at least 1"
        elif self.kind is FaultKind.STATUS and self.status not in _STATUS_RANGE:
            problem = "a status fault needs a status from 200 to 599"
        elif self.retry_after is not None and self.retry_after < 0:
            problem = "retry_after cannot be negative"
        elif self.kind is FaultKind.LATENCY and self.seconds <= 0:
            problem = "a latency fault needs a positive number of seconds"
        elif self.kind is FaultKind.HUGE and self.size < 1:
            problem = "a huge fault needs a size of at least 1 byte"
        if problem is not None:
            raise ValueError(problem)

    def to_json(self) -> JsonObject:
        """Render the fault as the control API shows it."""
        return {
            "kind": self.kind.value,
            "path": self.path,
            "count": self.count,
            "status": self.status,
            "retry_after": self.retry_after,
            "seconds": self.seconds,
            "size": self.size,
        }


class Faults:
    """The faults in force, applied in the order they were added."""

    def __init__(self) -> None:
        """Start with no fault."""
        self._armed: list[Fault] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._hanging = 0
        self._hanging_changed = asyncio.Condition()

    @property
    def active(self) -> tuple[Fault, ...]:
        """The faults in force, each `count` being what is left of it."""
        return tuple(self._armed)

    def add(self, fault: Fault) -> None:
        """Put a fault in force, after those already there."""
        self._armed.append(fault)

    def clear(self) -> None:
        """Remove every fault, and let hung and delayed requests go on."""
        self._armed.clear()
        self._release()

    def close(self) -> None:
        """Let every waiting request go: the server is stopping."""
        self._closed = True
        self._release()

    def take(self, path: str) -> tuple[float, Fault | None]:
        """Spend the faults of a request: its total latency, and the fault answering it.

        Every latency fault matching the path applies; of the others, the oldest
        matching one does, so faults with a count queue up ("500 twice, then a 429").
        """
        latency = 0.0
        answer = None
        remaining = []
        for fault in self._armed:
            kept: Fault | None = fault
            if path.startswith(fault.path) and (
                fault.kind is FaultKind.LATENCY or answer is None
            ):
                if fault.kind is FaultKind.LATENCY:
                    latency += fault.seconds
                else:
                    answer = fault
                kept = _spend(fault)
            if kept is not None:
                remaining.append(kept)
        self._armed = remaining
        return latency, answer

    async def pause(self, seconds: float) -> None:
        """Wait that long, or less if the faults are cleared or the server stops."""
        wake = self._wake
        try:
            async with asyncio.timeout(seconds):
                await wake.wait()
        except TimeoutError:
            return

    @property
    def hanging(self) -> int:
        """How many requests hang now."""
        return self._hanging

    async def hang(self) -> bool:
        """Wait until faults are cleared or the server stops; return whether it does."""
        if self._closed:
            return True
        # Taken first: a clear() while the count is updated still wakes this request.
        wake = self._wake
        async with self._hanging_changed:
            self._hanging += 1
            self._hanging_changed.notify_all()
        try:
            await wake.wait()
        finally:
            self._hanging -= 1
        return self._closed

    async def until_hanging(self, count: int = 1) -> None:
        """Wait until `count` requests hang at once.

        A test then knows the requests reached the server, without waiting for time
        to pass: say, to move the client's clock past its timeout.
        """
        async with self._hanging_changed:
            await self._hanging_changed.wait_for(lambda: self._hanging >= count)

    def _release(self) -> None:
        """Wake every waiting request; later ones wait on a fresh event."""
        self._wake.set()
        self._wake = asyncio.Event()


def _spend(fault: Fault) -> Fault | None:
    """Return what is left of a fault after a request: nothing once it is spent."""
    if fault.count is None:
        return fault
    if fault.count == 1:
        return None
    return replace(fault, count=fault.count - 1)
