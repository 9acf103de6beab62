"""`scripts/mutate [FILE…]`: mutation-test modules, print the scores and survivors."""

import argparse
from collections import defaultdict
from datetime import UTC, datetime
from itertools import chain
import json
import os
from pathlib import Path
import platform
import subprocess
import sys
import time

from homeassistant.const import __version__ as home_assistant_version

from .equivalent import EQUIVALENT
from .mutants import Module, Mutant
from .report import (
    Environment,
    FileResult,
    Summary,
    document,
    duration,
    summarize,
    survivor_lines,
    table,
    unmatched,
    verdict,
)
from .runner import Outcome, Runner, workspace
from .targets import mapped_tests, resolve

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GENERATOR = ROOT / ".venv-mutate" / "bin" / "python"
DEFAULT_OUTPUT = ROOT / "docs" / "mutation.md"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/mutate",
        description=(
            "Mutation-test modules of the integration against the tests mapped to "
            "them (mutation/targets.py), on a copy of the tree. Without FILE: the "
            "client, its models, the coordinator and its scheduler, and "
            "docs/mutation.md is rewritten."
        ),
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="a module or a directory, from the root or from custom_components/invoxia",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.process_cpu_count() or 1,
        help="children running at a time (default: the CPUs, %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="per-test timeout in seconds, at the least (default: %(default)s); "
        "5 times the slowest test when longer",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="where to write the report (default: docs/mutation.md, "
        "only when no FILE is given)",
    )
    parser.add_argument(
        "--generator",
        type=Path,
        default=DEFAULT_GENERATOR,
        help="the Python of the virtualenv holding cosmic-ray (default: .venv-mutate)",
    )
    args = parser.parse_args(argv)
    try:
        args.modules = resolve(ROOT, args.files)
    except ValueError as err:
        parser.error(str(err))
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    # The generator runs in the copy of the tree: a relative path is from here.
    args.generator = args.generator.absolute()
    if args.output is None and not args.files:
        args.output = DEFAULT_OUTPUT
    return args


def _log(message: str) -> None:
    """Say how the run goes, on standard error."""
    sys.stderr.write(f"[mutate] {message}\n")


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


def _generated(output: str) -> tuple[str, dict[str, str]]:
    """Split the generator's output: cosmic-ray's version, each module's mutants."""
    lines = output.splitlines()
    version = str(json.loads(lines[0])["cosmic-ray"])
    by_file: defaultdict[str, list[str]] = defaultdict(list)
    for line in lines[1:]:
        by_file[str(json.loads(line)["file"])].append(line)
    return version, {file: "\n".join(found) for file, found in by_file.items()}


def run(args: argparse.Namespace) -> tuple[list[FileResult], str]:
    """Test every module's mutants; return the results and cosmic-ray's version."""
    modules: list[str] = args.modules
    results: list[FileResult] = []
    with workspace(ROOT) as work:
        tree = work / "tree"
        # The generator parses each mutant, for a while: it does so as the tests load.
        generator = subprocess.Popen(  # noqa: S603 - our own module, in our venv
            [str(args.generator), "-m", "mutation.generate", *modules],
            cwd=tree,
            stdout=subprocess.PIPE,
            text=True,
        )
        files = {module: mapped_tests(tree, module) for module in modules}
        runner = Runner(work, jobs=args.jobs, timeout=args.timeout)
        _log("importing the tests once")
        runner.warm_up(sorted(set(chain.from_iterable(files.values()))))
        output, _ = generator.communicate()
        if generator.returncode != 0:
            msg = f"mutation.generate failed with status {generator.returncode}"
            raise RuntimeError(msg)
        version, generated = _generated(output)
        for file in modules:
            started = time.monotonic()
            module = Module(file, (tree / file).read_text(encoding="utf-8"))
            made = module.mutants(generated.get(file, ""))
            baseline = runner.baseline(module, files[file])
            _log(
                f"{file}: {len(made.mutants)} mutants, {len(baseline.durations)} tests "
                f"passing unmutated in {duration(baseline.seconds)}"
            )
            outcomes: list[tuple[Mutant, Outcome]] = []
            for mutant, outcome in runner.run(
                module, made.mutants, baseline, files[file]
            ):
                outcomes.append((mutant, outcome))
                if len(outcomes) % 25 == 0 or len(outcomes) == len(made.mutants):
                    killed = sum(outcome.killed for _, outcome in outcomes)
                    _log(
                        f"{file}: {len(outcomes)}/{len(made.mutants)} tested, "
                        f"{killed} killed"
                    )
            results.append(
                FileResult(
                    file=file,
                    outcomes=outcomes,
                    annotations=made.annotations,
                    invalid=made.invalid,
                    seconds=time.monotonic() - started,
                )
            )
    return results, version


def report(summaries: list[Summary]) -> str:
    """Write what the terminal shows: survivors per module, then the table."""
    lines: list[str] = []
    for summary in summaries:
        lines.append(
            f"{summary.result.file}: {summary.mutants} mutants, {summary.killed} "
            f"killed, {len(summary.survivors)} survived, {len(summary.equivalent)} "
            f"equivalent"
        )
        lines += [f"  survived: {line}" for line in survivor_lines(summary)]
        # A test that only a timeout stops would hang the suite without one.
        lines += [
            f"  killed by a timeout in {outcome.by}: {mutant.describe()}"
            for mutant, outcome in summary.result.outcomes
            if outcome.how == "timed out"
        ]
        lines += [
            f"  killed, yet listed as equivalent: {mutant.describe()}"
            for mutant in summary.killed_equivalent
        ]
    lines += [
        f"listed as equivalent, made by no operator: {entry.file} ({entry.where}): "
        f"{entry.before} → {entry.after}"
        for entry in unmatched(summaries, EQUIVALENT)
    ]
    return "\n".join([*lines, "", table(summaries)])


def main(argv: list[str] | None = None) -> int:
    """Run, print the report, write it when asked; 1 when a score misses the target."""
    started = time.monotonic()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    results, version = run(args)
    summaries = [summarize(result, EQUIVALENT) for result in results]
    sys.stdout.write(report(summaries) + "\n")
    seconds = time.monotonic() - started
    _log(f"done in {duration(seconds)}")
    if args.output is not None:
        environment = Environment(
            command=os.environ.get("MUTATE_COMMAND", "scripts/mutate"),
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            machine=_machine(),
            python=platform.python_version(),
            home_assistant=home_assistant_version,
            cosmic_ray=version,
            jobs=args.jobs,
            seconds=seconds,
        )
        args.output.write_text(
            document(summaries, environment, EQUIVALENT), encoding="utf-8"
        )
        _log(f"wrote {args.output}")
    failures = verdict(summaries)
    for failure in failures:
        _log(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
