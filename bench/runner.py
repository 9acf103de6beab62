"""Run the benchmark: measure every client at every size, then report."""

import argparse
import asyncio
from base64 import b64encode
from collections.abc import Awaitable, Callable, Sequence
import contextlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
import json
import math
import os
from pathlib import Path
import platform
import subprocess
import sys
import time
from typing import Protocol

import aiohttp
from homeassistant import const as ha_const

from simulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, ReplyShape
from tools import REPOSITORY
from tools.cli import positive_float, positive_int
from tools.homeassistant import home_assistant, set_up

from . import freshness, ours
from .document import document
from .library import Library
from .report import (
    Environment,
    Results,
    footprint_table,
    poll_table,
    ratio_table,
    recorded_table,
    summary_table,
    target_table,
    targets,
)
from .results import Client, Footprint, Sample, Series
from .simulated import SimulatedAccount

FULL_SIZES = (1, 10, 100, 500, 1000)
QUICK_SIZES = (1, 10, 100)
DEFAULT_LIBRARY_PYTHON = REPOSITORY / ".cache" / "bench" / "bin" / "python"
DEFAULT_OUTPUT = REPOSITORY / "docs" / "benchmark.md"
DEFAULT_PLOT = REPOSITORY / "docs" / "images" / "benchmark.png"
RECORDED_INTERVAL_S = 60.0
"""How far the recorded world's clock moves before each poll: a fixed minute, the
interval every published figure was measured at (polling it adaptively is the
freshness benchmark's business)."""
RECORDED_POLLS = 15
"""Polls of a recorded series: a simulated quarter of an hour at that interval, in
which every tracker's 15-minute keep-alive falls once."""
_FULL_LIMIT_S = 600.0
_QUICK_LIMIT_S = 60.0

type Poll = Callable[[], Awaitable[tuple[float, float]]]
type Prepare = Callable[[], Awaitable[int]]
"""What changes the world before a poll; returns the trackers it moved."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """What to measure, and where to write it."""

    sizes: tuple[int, ...]
    rtt_s: float
    polls: int
    budget_s: float
    seed: int
    library: bool
    """Whether to measure gps_tracker."""
    python: Path
    """The interpreter of the benchmark's virtualenv: gps_tracker and matplotlib."""
    output: Path | None
    plot: Path | None
    limit_s: float
    command: str


def _sizes(text: str) -> tuple[int, ...]:
    """Accept account sizes written `1,10,100`."""
    try:
        sizes = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        sizes = ()
    if not sizes or sizes[0] < 1:
        message = f"{text} is not a list of positive numbers"
        raise argparse.ArgumentTypeError(message)
    return sizes


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Measure the cost of a poll: our coordinator against gps_tracker.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="N = 1, 10, 100 and a few polls; prints the tables, writes nothing",
    )
    parser.add_argument(
        "--sizes", type=_sizes, help="numbers of trackers (default 1,10,100,500,1000)"
    )
    parser.add_argument(
        "--rtt",
        type=float,
        default=0.05,
        help="round-trip time the simulator adds to each answer, in s (default 0.05)",
    )
    parser.add_argument(
        "--polls",
        type=positive_int,
        help="polls per series at most (default 20; quick 3)",
    )
    parser.add_argument(
        "--budget",
        type=positive_float,
        help="seconds a series may take, one poll at least (default 8; quick 0.5)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the simulated world (default 1)"
    )
    parser.add_argument(
        "--library-python",
        type=Path,
        default=DEFAULT_LIBRARY_PYTHON,
        help="interpreter of the virtualenv holding gps_tracker and matplotlib",
    )
    parser.add_argument("--no-library", action="store_true", help="measure ours only")
    parser.add_argument(
        "--output", type=Path, help="Markdown report (default docs/benchmark.md)"
    )
    parser.add_argument(
        "--plot", type=Path, help="PNG plot (default docs/images/benchmark.png)"
    )
    parser.add_argument("--no-plot", action="store_true", help="draw no plot")
    options = parser.parse_args(argv)
    quick: bool = options.quick
    plot: Path | None = options.plot or (None if quick else DEFAULT_PLOT)
    return Settings(
        sizes=options.sizes or (QUICK_SIZES if quick else FULL_SIZES),
        rtt_s=options.rtt,
        polls=options.polls or (3 if quick else 20),
        budget_s=options.budget or (0.5 if quick else 8.0),
        seed=options.seed,
        library=not options.no_library,
        python=options.library_python,
        output=options.output or (None if quick else DEFAULT_OUTPUT),
        plot=None if options.no_plot else plot,
        limit_s=_QUICK_LIMIT_S if quick else _FULL_LIMIT_S,
        command=os.environ.get("BENCH_COMMAND")
        or " ".join(["python -m bench", *(argv or sys.argv[1:])]),
    )


_STARTED = time.perf_counter()


def _progress(message: str) -> None:
    """Tell the reader what is being measured, and since when the run goes on."""
    sys.stderr.write(f"[bench {time.perf_counter() - _STARTED:5.1f} s] {message}\n")
    sys.stderr.flush()


async def _series(
    account: SimulatedAccount,
    prepare: Prepare,
    poll: Poll,
    what: Series,
    settings: Settings,
) -> Series:
    """Poll until enough polls are done or the budget is spent (one poll at least).

    `prepare` changes the world before each poll; `what` names the client, the account
    size and the trackers moved. Its samples are the polls made.
    """
    samples: list[Sample] = []
    start = time.perf_counter()
    while True:
        moved = await prepare()
        # Only the poll's own requests are counted.
        await account.traffic()
        wall_s, cpu_s = await poll()
        traffic = await account.traffic()
        samples.append(
            Sample(
                wall_s=wall_s,
                cpu_s=cpu_s,
                requests=traffic.total,
                bytes_received=traffic.bytes_sent,
                moved=moved,
            )
        )
        elapsed = time.perf_counter() - start
        # A poll that would end past the budget is not started.
        if len(samples) >= settings.polls or elapsed + wall_s > settings.budget_s:
            break
    series = replace(what, samples=tuple(samples))
    shape = "" if account.shape is ReplyShape.MODELLED else f" ({account.shape})"
    _progress(
        f"N={series.size:>5} {series.label}{shape}: {len(samples)} polls, "
        f"{series.requests_mean:.2f} requests and "
        f"{series.wall_median_s * 1000:.1f} ms median"
    )
    return series


async def _measure_floor(account: SimulatedAccount, settings: Settings) -> Series:
    """Time the tracker listing alone, read but not decoded: no client does less."""
    credentials = b64encode(f"{DEFAULT_USERNAME}:{DEFAULT_PASSWORD}".encode()).decode()
    async with aiohttp.ClientSession(
        headers={aiohttp.hdrs.AUTHORIZATION: f"Basic {credentials}"}
    ) as session:

        async def _get() -> tuple[float, float]:
            wall = time.perf_counter()
            cpu = time.process_time()
            async with session.get(
                f"{account.simulator.url}/devices/", params={"type": "tracker"}
            ) as response:
                response.raise_for_status()
                await response.read()
            return time.perf_counter() - wall, time.process_time() - cpu

        return await _series(
            account,
            partial(account.move, 0),
            _get,
            Series(size=account.size, client=Client.FLOOR, moved=0, samples=()),
            settings,
        )


async def _measure_ours(
    account: SimulatedAccount, settings: Settings
) -> tuple[list[Series], Footprint]:
    """Set the integration up, then poll with nothing, 10 % and all trackers moved."""
    size = account.size
    async with home_assistant() as hass:
        await account.traffic()
        coordinator, setup_s = await set_up(hass, account.simulator)
        setup = await account.traffic()
        _progress(f"N={size:>5} ours set up in {setup_s * 1000:.0f} ms")
        found = [
            await _series(
                account,
                partial(account.move, moved),
                partial(ours.refresh, coordinator),
                Series(size=size, client=Client.OURS, moved=moved, samples=()),
                settings,
            )
            for moved in sorted({0, math.ceil(size / 10), size})
        ]
        await account.move(size)
        data_bytes, peak_bytes = await ours.memory(coordinator)
        await account.traffic()
    footprint = Footprint(
        size=size,
        client=Client.OURS,
        setup_s=setup_s,
        setup_requests=setup.total,
        data_bytes=data_bytes,
        peak_bytes=peak_bytes,
    )
    return found, footprint


async def _measure_recorded(account: SimulatedAccount, settings: Settings) -> Series:
    """Set the integration up on recorded replies, then poll as the clock advances.

    No tracker moves: each poll follows `RECORDED_INTERVAL_S` of simulated time, in
    which some trackers' keep-alives move their `last_event`.
    """
    async with home_assistant() as hass:
        coordinator, setup_s = await set_up(hass, account.simulator)
        await account.traffic()
        _progress(
            f"N={account.size:>5} ours set up on recorded replies "
            f"in {setup_s * 1000:.0f} ms"
        )
        return await _series(
            account,
            partial(account.tick, RECORDED_INTERVAL_S),
            partial(ours.refresh, coordinator),
            Series(size=account.size, client=Client.OURS, moved=0, samples=()),
            # The whole quarter of an hour, whatever it takes: the mean needs it.
            replace(settings, polls=RECORDED_POLLS, budget_s=math.inf),
        )


async def _measure_library(
    library: Library, account: SimulatedAccount, settings: Settings
) -> tuple[list[Series], list[Footprint]]:
    """Poll with the library, tracker after tracker, then all at once."""
    size = account.size
    found: list[Series] = []
    footprints: list[Footprint] = []
    for client in (Client.SEQUENTIAL, Client.GATHERED):
        series = await _series(
            account,
            partial(account.move, 0),
            partial(library.poll, account.simulator.url, client),
            Series(size=size, client=client, moved=0, samples=()),
            settings,
        )
        found.append(series)
        first = series.samples[0]
        data_bytes = peak_bytes = None
        if client is Client.GATHERED:
            # A traced poll costs little gathered; sequential, it costs N RTTs.
            data_bytes, peak_bytes = await library.memory(account.simulator.url, client)
            await account.traffic()
        footprints.append(
            Footprint(
                size=size,
                client=client,
                setup_s=first.wall_s,
                setup_requests=first.requests,
                data_bytes=data_bytes,
                peak_bytes=peak_bytes,
            )
        )
    return found, footprints


def _machine() -> str:
    """Describe the processor, core count and system."""
    model = platform.processor() or platform.machine()
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.partition(":")[2].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


class _Closing(Protocol):
    """A process driven from here, which `close` ends."""

    async def close(self) -> None:
        """End the process."""


async def _kept[T: _Closing](
    stack: contextlib.AsyncExitStack, starting: Awaitable[T]
) -> T:
    """Wait for a process to start; `stack` ends it on the way out."""
    started = await starting
    stack.push_async_callback(started.close)
    return started


async def run(settings: Settings) -> Results:
    """Measure every client at every size, within the run's time limit."""
    started = time.perf_counter()
    series: list[Series] = []
    recorded: list[Series] = []
    footprints: list[Footprint] = []
    library_version = "not measured (--no-library)"
    async with asyncio.timeout(settings.limit_s), contextlib.AsyncExitStack() as stack:
        # Every process starts at once: each spends a while importing. The stack
        # stops each one started, whatever happens to the others.
        async with asyncio.TaskGroup() as group:
            accounts = {
                (size, shape): group.create_task(
                    _kept(
                        stack,
                        SimulatedAccount.start(
                            size,
                            shape,
                            seed=settings.seed,
                            rtt_s=settings.rtt_s,
                            lifetime_s=settings.limit_s,
                        ),
                    )
                )
                for size in settings.sizes
                for shape in ReplyShape
            }
            library_started = (
                group.create_task(_kept(stack, Library.start(settings.python)))
                if settings.library
                else None
            )
        library = None
        if library_started is not None:
            library = library_started.result()
            library_version = (
                f"gps_tracker {library.version} (aiohttp {library.aiohttp_version})"
            )
        _progress(
            f"{len(accounts)} simulators started"
            + (", gps_tracker driver started" if library else "")
        )
        for size in settings.sizes:
            account = accounts[size, ReplyShape.MODELLED].result()
            series.append(await _measure_floor(account, settings))
            found, footprint = await _measure_ours(account, settings)
            series.extend(found)
            footprints.append(footprint)
            recorded.append(
                await _measure_recorded(
                    accounts[size, ReplyShape.RECORDED].result(), settings
                )
            )
            if library is not None:
                found, more = await _measure_library(library, account, settings)
                series.extend(found)
                footprints.extend(more)
    environment = Environment(
        command=settings.command,
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=_machine(),
        python=platform.python_version(),
        home_assistant=ha_const.__version__,
        aiohttp=aiohttp.__version__,
        library=library_version,
        rtt_s=settings.rtt_s,
        seed=settings.seed,
        polls=settings.polls,
        budget_s=settings.budget_s,
        recorded_polls=RECORDED_POLLS,
        recorded_interval_s=RECORDED_INTERVAL_S,
        duration_s=time.perf_counter() - started,
    )
    return Results(
        environment=environment,
        series=tuple(series),
        recorded=tuple(recorded),
        footprints=tuple(footprints),
    )


_CASE_LABELS = {
    "nothing": "ours, nothing moved",
    "tenth": "ours, 10 % moved",
    "all": "ours, all moved",
}


def _plot(results: Results, python: Path, output: Path) -> None:
    """Draw the plot with the library's interpreter, which has matplotlib."""
    lines = []
    clients: list[tuple[Client, str | None]] = [
        (Client.FLOOR, None),
        (Client.SEQUENTIAL, None),
        (Client.GATHERED, None),
        *((Client.OURS, case) for case in _CASE_LABELS),
    ]
    for client, case in clients:
        chosen = [
            series
            for series in results.series
            if series.client is client and _case(series) in {case, None}
        ]
        if chosen:
            lines.append(
                {
                    "label": chosen[0].label if case is None else _CASE_LABELS[case],
                    "sizes": [series.size for series in chosen],
                    "wall_ms": [series.wall_median_s * 1000 for series in chosen],
                    "requests": [series.requests for series in chosen],
                }
            )
    payload = {"rtt_ms": results.environment.rtt_s * 1000, "lines": lines}
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - our own script, with the interpreter given
        [str(python), "-m", "bench.plot", f"--output={output}"],
        input=json.dumps(payload),
        text=True,
        check=True,
        cwd=REPOSITORY,
    )


def _case(series: Series) -> str | None:
    """Which case of ours a series is; None for the library."""
    if series.client is not Client.OURS:
        return None
    if series.moved == 0:
        return "nothing"
    if series.moved == series.size:
        return "all"
    return "tenth"


def publish(results: Results, settings: Settings) -> None:
    """Print the tables; write the report and draw the plot where asked."""
    found = targets(results)
    sys.stdout.write(
        "\n\n".join(
            [
                summary_table(results),
                poll_table(results),
                recorded_table(results),
                footprint_table(results),
                ratio_table(results),
                target_table(found),
            ]
        )
        + "\n"
    )
    if settings.output is not None:
        settings.output.parent.mkdir(parents=True, exist_ok=True)
        # The freshness benchmark writes its own section: a rewrite keeps it.
        kept = freshness.kept_section(settings.output)
        settings.output.write_text(document(results, found) + kept, encoding="utf-8")
        _progress(f"wrote {settings.output}")
    if settings.plot is not None:
        _plot(results, settings.python, settings.plot)
        _progress(f"wrote {settings.plot}")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark from the command line; `--freshness` runs that one."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if "--freshness" in arguments:
        arguments.remove("--freshness")
        freshness.main(arguments)
        return
    settings = parse_args(argv)
    if (settings.library or settings.plot) and not settings.python.exists():
        message = (
            f"{settings.python} does not exist: run scripts/bench, which makes it, "
            "or pass --no-library --no-plot"
        )
        raise SystemExit(message)
    results = asyncio.run(run(settings))
    publish(results, settings)
    _progress(f"done in {results.environment.duration_s:.0f} s")
