"""The benchmark's tables, target checks and document."""

from dataclasses import dataclass
import math

from custom_components.invoxia.const import MAX_CONCURRENT_REQUESTS
from tools.cli import markdown_table

from .results import Client, Footprint, Series

TARGET_SIZE = 1000
"""The account size the CPU and 'all moved' targets are set for."""
SETUP_TARGET_SIZE = 100
CPU_TARGET_S = 0.030
SETUP_TARGET_S = 1.0
ALL_MOVED_SHARE = 0.10


@dataclass(frozen=True, slots=True, kw_only=True)
class Environment:
    """Where and how the benchmark ran."""

    command: str
    date: str
    machine: str
    python: str
    home_assistant: str
    aiohttp: str
    library: str
    rtt_s: float
    seed: int
    polls: int
    budget_s: float
    recorded_polls: int
    """Polls of each series on recorded replies."""
    recorded_interval_s: float
    """Simulated time before each of those polls."""
    duration_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Results:
    """Everything one run measured."""

    environment: Environment
    series: tuple[Series, ...]
    recorded: tuple[Series, ...]
    """Ours on recorded replies, one series per size: nothing moved but the clock."""
    footprints: tuple[Footprint, ...]

    def find(self, size: int, client: Client, moved: int = 0) -> Series | None:
        """Return the series of a client at a size, if measured."""
        for series in self.series:
            if (series.size, series.client, series.moved) == (size, client, moved):
                return series
        return None

    @property
    def sizes(self) -> list[int]:
        """The account sizes measured, smallest first."""
        return sorted({series.size for series in self.series})


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One target of issue #7 and how this run fares against it."""

    name: str
    measured: str
    met: bool | None
    """None when this run did not measure what the target is about."""


def _ms(seconds: float) -> str:
    """Write a duration in milliseconds, to three significant figures at most."""
    milliseconds = seconds * 1000
    if milliseconds >= 100:  # noqa: PLR2004 - digits to show
        return f"{milliseconds:,.0f}"
    if milliseconds >= 10:  # noqa: PLR2004 - two significant digits from here
        return f"{milliseconds:.1f}"
    return f"{milliseconds:.2f}"


def _size(count: float) -> str:
    """Write a number of bytes in kB or MB (powers of ten)."""
    if count >= 1e6:  # noqa: PLR2004 - unit thresholds
        return f"{count / 1e6:.2f} MB"
    return f"{count / 1e3:.1f} kB"


def _number(value: float) -> str:
    """Write a count: whole when it is."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _ratio(ours: float, theirs: float) -> str:
    """Write ours ÷ theirs."""
    if theirs == 0:
        return "—"
    ratio = ours / theirs
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.3f}"  # noqa: PLR2004 - digits


def poll_table(results: Results) -> str:
    """One row per series: requests, wall and CPU time, bytes of a poll."""
    header = [
        "trackers",
        "client",
        "polls",
        "requests / poll",
        "wall median (ms)",
        "wall p95 (ms)",
        "CPU / poll (ms)",
        "received / poll",
    ]
    rows = [
        [
            f"{series.size:,}",
            series.label,
            str(len(series.samples)),
            _number(series.requests),
            _ms(series.wall_median_s),
            _ms(series.wall_p95_s),
            _ms(series.cpu_median_s),
            _size(series.bytes_received),
        ]
        for series in results.series
    ]
    return markdown_table(header, rows)


def _mean(value: float) -> str:
    """Write a mean count, to two decimals."""
    return f"{value:,.2f}"


def recorded_table(results: Results) -> str:
    """One row per size: ours on recorded replies, the clock moving between polls."""
    header = [
        "trackers",
        "polls",
        "last_event moved / poll (mean)",
        "requests / poll (mean)",
        "requests / poll (range)",
        "wall median (ms)",
        "wall mean (ms)",
        "wall p95 (ms)",
        "CPU / poll (ms)",
        "received / poll (mean)",
    ]
    rows = [
        [
            f"{series.size:,}",
            str(len(series.samples)),
            _mean(series.moved_mean),
            _mean(series.requests_mean),
            f"{min(series.request_counts):,} to {max(series.request_counts):,}",
            _ms(series.wall_median_s),
            _ms(series.wall_mean_s),
            _ms(series.wall_p95_s),
            _ms(series.cpu_median_s),
            _size(series.bytes_received_mean),
        ]
        for series in results.recorded
    ]
    return markdown_table(header, rows, text=1)


def footprint_table(results: Results) -> str:
    """One row per account size and client: setup time and memory."""
    header = [
        "trackers",
        "client",
        "setup → entities (ms)",
        "data held",
        "peak during a poll",
    ]
    rows = [
        [
            f"{footprint.size:,}",
            str(footprint.client),
            "—" if footprint.setup_s is None else _ms(footprint.setup_s),
            "—" if footprint.data_bytes is None else _size(footprint.data_bytes),
            "—" if footprint.peak_bytes is None else _size(footprint.peak_bytes),
        ]
        for footprint in results.footprints
    ]
    return markdown_table(header, rows)


def ratio_table(results: Results) -> str:
    """Ours ÷ the library, for each case of ours."""
    header = [
        "trackers",
        "ours",
        "requests ÷ library",
        "wall ÷ sequential",
        "wall ÷ gathered",
        "CPU ÷ sequential",
        "CPU ÷ gathered",
        "received ÷ library",
    ]
    rows = []
    for series in results.series:
        if series.client is not Client.OURS:
            continue
        sequential = results.find(series.size, Client.SEQUENTIAL)
        gathered = results.find(series.size, Client.GATHERED)
        library = sequential or gathered
        if library is None:
            continue
        rows.append(
            [
                f"{series.size:,}",
                series.label.removeprefix("ours, "),
                _ratio(series.requests, library.requests),
                "—"
                if sequential is None
                else _ratio(series.wall_median_s, sequential.wall_median_s),
                "—"
                if gathered is None
                else _ratio(series.wall_median_s, gathered.wall_median_s),
                "—"
                if sequential is None
                else _ratio(series.cpu_median_s, sequential.cpu_median_s),
                "—"
                if gathered is None
                else _ratio(series.cpu_median_s, gathered.cpu_median_s),
                _ratio(series.bytes_received, library.bytes_received),
            ]
        )
    return markdown_table(header, rows) if rows else "(the library was not measured)"


def summary_table(results: Results) -> str:
    """Show requests and wall time per poll against the number of trackers."""
    header = [
        "trackers",
        "requests: gps_tracker",
        "requests: ours, nothing / 10 % / all moved",
        "wall (ms): gps_tracker sequential",
        "wall (ms): gps_tracker gathered",
        "wall (ms): ours, nothing / 10 % / all moved",
        "wall (ms): listing alone",
    ]
    rows = []
    for size in results.sizes:
        ours = [
            series
            for series in results.series
            if series.size == size and series.client is Client.OURS
        ]
        # At one tracker, 10 % of them is all of them: that column repeats.
        cases = ours if len(ours) == 3 else [ours[0], ours[-1], ours[-1]]  # noqa: PLR2004
        sequential = results.find(size, Client.SEQUENTIAL)
        gathered = results.find(size, Client.GATHERED)
        floor = results.find(size, Client.FLOOR)
        library = sequential or gathered
        rows.append(
            [
                f"{size:,}",
                "—" if library is None else _number(library.requests),
                " / ".join(_number(series.requests) for series in cases),
                "—" if sequential is None else _ms(sequential.wall_median_s),
                "—" if gathered is None else _ms(gathered.wall_median_s),
                " / ".join(_ms(series.wall_median_s) for series in cases),
                "—" if floor is None else _ms(floor.wall_median_s),
            ]
        )
    return markdown_table(header, rows, text=1)


def setup_round_trips(requests: int) -> int:
    """Round trips one after the other that a setup making `requests` requests needs."""
    return 1 + math.ceil(max(0, requests - 1) / MAX_CONCURRENT_REQUESTS)


def targets(results: Results) -> list[Target]:
    """Check this run against the targets of issue #7."""
    rtt = results.environment.rtt_s
    ours = [series for series in results.series if series.client is Client.OURS]
    found: list[Target] = []
    quiet = [series for series in ours if series.moved == 0]
    found.append(
        Target(
            name="Requests per poll: 1 when nothing moved",
            measured=", ".join(
                f"N={series.size}: {sorted(series.request_counts)}" for series in quiet
            ),
            met=all(series.request_counts == {1} for series in quiet),
        )
    )
    moving = [series for series in ours if series.moved]
    found.append(
        Target(
            name="Requests per poll: 1 + k when k trackers moved",
            measured=", ".join(
                f"N={series.size}, k={series.moved}: {sorted(series.request_counts)}"
                for series in moving
            ),
            met=all(series.request_counts == {1 + series.moved} for series in moving),
        )
    )
    found.append(
        Target(
            name=f"Wall time, nothing moved: ≤ 2 RTT = {_ms(2 * rtt)} ms, every N",
            measured="; ".join(
                f"N={series.size}: {_ms(series.wall_median_s)}"
                + (
                    ""
                    if (floor := results.find(series.size, Client.FLOOR)) is None
                    else f" (listing alone {_ms(floor.wall_median_s)})"
                )
                for series in quiet
            )
            + " ms, medians",
            met=all(series.wall_median_s <= 2 * rtt for series in quiet),
        )
    )
    found.append(
        Target(
            name="Requests per poll, recorded replies: 1 + the trackers whose "
            "last_event moved",
            measured=", ".join(
                f"N={series.size}: {_mean(series.requests_mean)} for "
                f"{_mean(series.moved_mean)} moved"
                for series in results.recorded
            )
            + " (means)",
            met=all(
                sample.requests == 1 + sample.moved
                for series in results.recorded
                for sample in series.samples
            ),
        )
    )
    everything = results.find(TARGET_SIZE, Client.OURS, TARGET_SIZE)
    sequential = results.find(TARGET_SIZE, Client.SEQUENTIAL)
    if everything is None or sequential is None:
        found.append(
            Target(
                name="Wall time, all 1,000 moved: ≤ 10 % of the sequential library",
                measured="not measured in this run",
                met=None,
            )
        )
    else:
        share = everything.wall_median_s / sequential.wall_median_s
        found.append(
            Target(
                name="Wall time, all 1,000 moved: ≤ 10 % of the sequential library",
                measured=f"{_ms(everything.wall_median_s)} ms vs "
                f"{_ms(sequential.wall_median_s)} ms: {share:.1%}",
                met=share <= ALL_MOVED_SHARE,
            )
        )
    idle = results.find(TARGET_SIZE, Client.OURS)
    found.append(
        Target(
            name="CPU per poll, N = 1,000, nothing moved: ≤ 30 ms",
            measured="not measured in this run"
            if idle is None
            else f"{_ms(idle.cpu_median_s)} ms (median)",
            met=None if idle is None else idle.cpu_median_s <= CPU_TARGET_S,
        )
    )
    setup = next(
        (
            footprint
            for footprint in results.footprints
            if footprint.client is Client.OURS and footprint.size == SETUP_TARGET_SIZE
        ),
        None,
    )
    if setup is None or setup.setup_s is None or setup.setup_requests is None:
        found.append(
            Target(
                name="Setup to entities, N = 100: ≤ 1 s plus round trips",
                measured="not measured in this run",
                met=None,
            )
        )
    else:
        trips = setup_round_trips(setup.setup_requests)
        limit = SETUP_TARGET_S + trips * rtt
        found.append(
            Target(
                name="Setup to entities, N = 100: ≤ 1 s plus round trips",
                measured=f"{_ms(setup.setup_s)} ms; limit 1 s + {trips} round trips "
                f"({setup.setup_requests} requests, "
                f"{MAX_CONCURRENT_REQUESTS} at a time) = {_ms(limit)} ms",
                met=setup.setup_s <= limit,
            )
        )
    return found


def target_table(found: list[Target]) -> str:
    """Render the target checks."""
    verdicts = {True: "met", False: "**missed**", None: "not measured"}
    return markdown_table(
        ["target", "this run", "verdict"],
        [[target.name, target.measured, verdicts[target.met]] for target in found],
        text=3,
    )
