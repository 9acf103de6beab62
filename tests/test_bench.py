"""Smoke test of the benchmark, `scripts/bench --quick`: it runs and reports every case.

Timings are the benchmark's business, not the test suite's: only the work done, which
does not depend on the machine, is asserted. The library's part needs its own
virtualenv, which the test suite does not make: it is left out.
"""

from pathlib import Path
import re

import pytest

from bench.freshness import WATCHES, _foreseeable, _foresight, _outcome, watching
from bench.runner import main, parse_args, publish, run
from simulator import Report

ROW = re.compile(
    r"^\| (?P<size>[\d,]+) \| (?P<label>ours, [^|]+) \| \d+ \| (?P<requests>\d+) \|"
)
RECORDED_ROW = re.compile(
    r"^\| (?P<size>[\d,]+) \| (?P<polls>\d+) \| (?P<moved>[\d.]+) \| "
    r"(?P<requests>[\d.]+) \| \d+ to \d+ \|"
)
RECORDED_TARGET = re.compile(
    r"^\| Requests per poll, recorded replies: [^|]+ \| (?P<measured>[^|]+) \| "
    r"(?P<verdict>[^|]+) \|$"
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Leave the harness's Home Assistant out: the benchmark runs its own."""


@pytest.mark.usefixtures("socket_enabled")
async def test_quick_run_polls_every_case_and_writes_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every case of ours is polled at every size, with 1 + k requests, and reported.

    On recorded replies, a quarter of an hour of polls a minute apart fetches each
    tracker's history once, at its keep-alive: one request more than the listing in
    the poll after it, none in the others.
    """
    output = tmp_path / "benchmark.md"
    settings = parse_args(
        [
            "--quick",
            "--sizes=1,3",
            "--polls=2",
            "--rtt=0.005",
            "--no-library",
            "--no-plot",
            f"--output={output}",
        ]
    )

    results = await run(settings)
    publish(results, settings)

    expected = [
        ("1", "ours, nothing moved", "1"),
        ("1", "ours, all moved", "2"),
        ("3", "ours, nothing moved", "1"),
        ("3", "ours, 1 moved", "2"),
        ("3", "ours, all moved", "4"),
    ]
    expected_recorded = [
        ("1", "15", "0.07", "1.07"),
        ("3", "15", "0.20", "1.20"),
    ]
    expected_target = [
        ("N=1: 1.07 for 0.07 moved, N=3: 1.20 for 0.20 moved (means)", "met")
    ]
    for text in (capsys.readouterr().out, output.read_text(encoding="utf-8")):
        lines = text.splitlines()
        assert [
            (match["size"], match["label"].strip(), match["requests"])
            for line in lines
            if (match := ROW.match(line))
        ] == expected
        assert [
            tuple(match.groups())
            for line in lines
            if (match := RECORDED_ROW.match(line))
        ] == expected_recorded
        assert [
            (match["measured"], match["verdict"])
            for line in lines
            if (match := RECORDED_TARGET.match(line))
        ] == expected_target
    report = output.read_text(encoding="utf-8")
    assert report.startswith("# Benchmark: what a poll costs\n")
    assert "\n## Recorded replies\n" in report
    assert [footprint.size for footprint in results.footprints] == [1, 3]
    assert [
        (
            series.size,
            sum(sample.moved for sample in series.samples),
            [sample.requests - sample.moved for sample in series.samples],
        )
        for series in results.recorded
    ] == [(1, 1, [1] * 15), (3, 3, [1] * 15)]


FRESHNESS_SUMMARY = re.compile(
    r"^freshness N=1: adaptive (?P<ours>\d+) requests/day, median staleness \d+ s; "
    r"fixed 60 s: (?P<fixed>\d+) requests/day, \d+ s; "
    r"peer: (?P<peer>\d+) requests/day, \d+ s$"
)


@pytest.mark.usefixtures("socket_enabled", "harness_loop_kept")
def test_quick_freshness_run_ends_with_its_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--freshness --quick` prints its tables, then the N=1 summary as last line.

    The day is seeded, and polled on a virtual clock: the requests of each strategy
    are the same on every machine.
    """
    main(["--freshness", "--quick"])

    lines = capsys.readouterr().out.splitlines()
    match = FRESHNESS_SUMMARY.match(lines[-1])
    assert match is not None
    assert match.groupdict() == {"ours": "486", "fixed": "1511", "peer": "412"}
    assert lines[0].startswith("| N | strategy | requests/day |")
    assert [line.split(" | ")[1] for line in lines[2:6]] == [
        "fixed 60 s",
        "fixed 300 s",
        "peer",
        "adaptive",
    ]


def _report(taken: float) -> Report:
    """Return a fix taken at `taken` s and shown 10 s later."""
    return Report(taken=taken, shown=taken + 10, latitude=0.0, longitude=0.0)


def test_the_blind_bound_foresees_every_fix_but_a_trips_first() -> None:
    """Keep-alives an hour apart and a trip's rhythm are foreseen; its first is not."""
    day = [_report(taken) for taken in (-10, 3590, 7190, 9000, 9300, 9610)]

    assert [report.taken for report in _foreseeable(day)] == [3590, 7190, 9300, 9610]


@pytest.mark.parametrize("watch", [60.0, 300.0])
def test_the_blind_bound_sees_a_trips_first_fix_by_its_watch(watch: float) -> None:
    """Foreseen fixes show at once; a trip's first waits for the next watch poll."""
    day = [_report(taken) for taken in (-100, 3500, 5020, 5420, 5820)]
    homes = [[True] * len(day)]

    requests, shown = _foresight([day], homes, watch=watch, blind=True)
    outcome = _outcome("blind", [day], homes, requests, shown)

    first_wait = outcome.staleness[1]
    assert 0 < first_wait <= watch
    assert outcome.staleness[0] == outcome.staleness[2] == outcome.staleness[3] == 0
    # A listing per poll, and a history per new fix seen (the day before's included).
    polls = len({moment for moment, _, _ in shown[0]})
    assert requests == polls + 5


def test_watching_more_often_costs_more_and_waits_less() -> None:
    """On the seeded day, each shorter watch costs more requests for a shorter p95."""
    outcomes = watching(1)

    assert [item.strategy for item in outcomes][-1] == (
        "foresight blind to trip starts, watching every 60 s"
    )
    requests = [item.requests for item in outcomes]
    assert requests == sorted(requests)
    assert len(set(requests)) == len(WATCHES)
    assert outcomes[0].p95 > outcomes[-1].p95
