"""Smoke test of the benchmark, `scripts/bench --quick`: it runs and reports every case.

Timings are the benchmark's business, not the test suite's: only the work done, which
does not depend on the machine, is asserted. The library's part needs its own
virtualenv, which the test suite does not make: it is left out.
"""

from pathlib import Path
import re

import pytest

from bench.runner import main, parse_args, publish, run

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
    assert match.groupdict() == {"ours": "468", "fixed": "1511", "peer": "412"}
    assert lines[0].startswith("| N | strategy | requests/day |")
    assert [line.split(" | ")[1] for line in lines[2:6]] == [
        "fixed 60 s",
        "fixed 300 s",
        "peer",
        "adaptive",
    ]
