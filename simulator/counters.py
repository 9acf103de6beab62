"""Traffic counters of the simulated API, for tests and benchmarks to assert on."""

from collections import Counter

from .world import JsonObject


class Counters:
    """API requests per path template (`/devices/{id}/`) and response bytes sent."""

    def __init__(self) -> None:
        """Start from zero."""
        self.requests: Counter[str] = Counter()
        self.bytes_sent = 0

    @property
    def total(self) -> int:
        """API requests received, whatever became of them."""
        return self.requests.total()

    def reset(self) -> None:
        """Start counting again from zero."""
        self.requests.clear()
        self.bytes_sent = 0

    def to_json(self) -> JsonObject:
        """Render the counters as the control API shows them."""
        return {
            "total": self.total,
            "bytes_sent": self.bytes_sent,
            "requests": dict(sorted(self.requests.items())),
        }
