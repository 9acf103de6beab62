"""Smoke test of the benchmark, `scripts/bench --quick`: it runs and reports every case.

Timings are the benchmark's business, not the test suite's: only the work done, which
does not depend on the machine, is asserted. The library's part needs its own
virtualenv, which the test suite does not make: it is left out.
"""

from pathlib import Path
import re

import pytest

from bench.runner import parse_args, publish, run

ROW = re.compile(
    r"^\| (?P<size>[\d,]+) \| (?P<label>ours, [^|]+) \| \d+ \| (?P<requests>\d+) \|"
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Leave the harness's Home Assistant out: the benchmark runs its own."""


@pytest.mark.usefixtures("socket_enabled")
async def test_quick_run_polls_every_case_and_writes_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every case of ours is polled at every size, with 1 + k requests, and reported."""
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
    printed = [
        (match["size"], match["label"].strip(), match["requests"])
        for line in capsys.readouterr().out.splitlines()
        if (match := ROW.match(line))
    ]
    assert printed == expected
    report = output.read_text(encoding="utf-8")
    assert report.startswith("# Benchmark: what a poll costs\n")
    reported = [
        (match["size"], match["label"].strip(), match["requests"])
        for line in report.splitlines()
        if (match := ROW.match(line))
    ]
    assert reported == expected
    assert [footprint.size for footprint in results.footprints] == [1, 3]
