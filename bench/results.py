"""What the benchmark measures, and the statistics it reports."""

from dataclasses import dataclass
from enum import StrEnum
import math
import statistics


class Client(StrEnum):
    """Who polls the simulator."""

    FLOOR = "floor: the listing alone, fetched, not parsed"
    SEQUENTIAL = "gps_tracker, one tracker after the other"
    GATHERED = "gps_tracker, asyncio.gather"
    OURS = "ours (coordinator refresh)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One poll."""

    wall_s: float
    cpu_s: float
    requests: int
    bytes_received: int
    moved: int
    """Trackers whose listing entry moved before the poll: a new fix, or in recorded
    replies a keep-alive, which moves `last_event` too."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """The polls of one client, at one account size, with the same trackers moving."""

    size: int
    client: Client
    moved: int
    """Trackers with a new fix before each poll (the library fetches all anyway)."""
    samples: tuple[Sample, ...]

    @property
    def label(self) -> str:
        """The client and, for ours, how many trackers moved."""
        if self.client is not Client.OURS:
            return str(self.client)
        if self.moved == 0:
            return "ours, nothing moved"
        if self.moved == self.size:
            return "ours, all moved"
        return f"ours, {self.moved} moved"

    @property
    def wall_median_s(self) -> float:
        """Median wall time of a poll."""
        return statistics.median(sample.wall_s for sample in self.samples)

    @property
    def wall_p95_s(self) -> float:
        """95th percentile of the wall time of a poll (nearest rank)."""
        return percentile([sample.wall_s for sample in self.samples], 95)

    @property
    def cpu_median_s(self) -> float:
        """Median CPU time of a poll, in the polling process."""
        return statistics.median(sample.cpu_s for sample in self.samples)

    @property
    def wall_mean_s(self) -> float:
        """Mean wall time of a poll."""
        return statistics.fmean(sample.wall_s for sample in self.samples)

    @property
    def requests(self) -> float:
        """Median HTTP requests of a poll."""
        return statistics.median(sample.requests for sample in self.samples)

    @property
    def requests_mean(self) -> float:
        """Mean HTTP requests of a poll."""
        return statistics.fmean(sample.requests for sample in self.samples)

    @property
    def moved_mean(self) -> float:
        """Mean number of trackers whose listing entry moved before a poll."""
        return statistics.fmean(sample.moved for sample in self.samples)

    @property
    def request_counts(self) -> frozenset[int]:
        """Every number of HTTP requests a poll made."""
        return frozenset(sample.requests for sample in self.samples)

    @property
    def bytes_received(self) -> float:
        """Median bytes received by a poll (response bodies)."""
        return statistics.median(sample.bytes_received for sample in self.samples)

    @property
    def bytes_received_mean(self) -> float:
        """Mean bytes received by a poll (response bodies)."""
        return statistics.fmean(sample.bytes_received for sample in self.samples)


@dataclass(frozen=True, slots=True, kw_only=True)
class Footprint:
    """What one client costs once for an account, beyond its polls."""

    size: int
    client: Client
    setup_s: float | None
    """Ours: config entry setup to all entities available; the library: first poll."""
    setup_requests: int | None
    """HTTP requests of that setup or first poll."""
    data_bytes: int | None
    """Memory still held, after a poll fetching every tracker, by what it returned."""
    peak_bytes: int | None
    """Memory peak during that poll."""


def percentile(values: list[float], rank: float) -> float:
    """Return the nearest-rank percentile of some values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]
