"""Run tests against mutants, each in a child forked from a warmed-up process.

Starting pytest with Home Assistant's plugin takes tens of seconds, a mutant's
tests often less than one: the process imports everything once, on a copy of the
tree, then forks a child per mutant that imports the project afresh, the mutated
module from memory, and runs only the tests that execute the mutated lines.
"""

import builtins
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Sequence
import contextlib
from dataclasses import dataclass, replace
import gc
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import os
from pathlib import Path
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from types import CodeType, ModuleType
from typing import Final, NoReturn, Protocol

from coverage import CoverageData
import pytest

from .mutants import Module, Mutant

_COMMON_ARGS: Final = (
    "-q",
    "-p",
    "no:cacheprovider",
    # Syrupy would fail a run of some of a module's tests for the snapshots of the
    # others, which are not unused.
    "--snapshot-warn-unused",
)
_SOFTWARE_ERROR: Final = 70
"""A child's exit status when the driver itself fails in it (sysexits' EX_SOFTWARE)."""


def copy_tree(root: Path, destination: Path) -> None:
    """Copy the files git sees in the tree, committed or not, unless ignored.

    Symbolic links are left out: the project's are its virtualenvs and cache.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607 - git from PATH, as the scripts use it
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = root / name
        if source.is_symlink() or not source.is_file():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())


@contextlib.contextmanager
def workspace(root: Path) -> Iterator[Path]:
    """Work in a temporary directory holding a copy of the tree, then remove it.

    Yields the directory; the copy is its `tree`, the current directory and the
    first place imports look in meanwhile.
    """
    with tempfile.TemporaryDirectory(prefix="invoxia-mutate-") as work:
        tree = Path(work).resolve() / "tree"
        copy_tree(root, tree)
        cwd, path = Path.cwd(), list(sys.path)
        os.chdir(tree)
        sys.path[:] = [
            str(tree),
            *(entry for entry in path if entry not in {"", str(root), str(cwd)}),
        ]
        try:
            yield tree.parent
        finally:
            os.chdir(cwd)
            sys.path[:] = path


def module_name(file: str) -> str:
    """Return the import name of a module given by its path from the root."""
    parts = file.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class _MutantLoader(importlib.machinery.SourceFileLoader):
    """Load a module from a source in memory, as if it were the file's."""

    def __init__(self, fullname: str, path: str, source: str) -> None:
        """Load `fullname`, at `path`, from `source`."""
        super().__init__(fullname, path)
        self._source = source

    def get_source(self, fullname: str) -> str:  # noqa: ARG002 - importlib's signature
        """Return the mutated source, for tracebacks."""
        return self._source

    def get_code(self, fullname: str) -> CodeType:  # noqa: ARG002 - importlib's signature
        """Compile the mutated source, never reading or writing bytecode."""
        return compile(self._source, self.path, "exec", dont_inherit=True)


class _MutantFinder(importlib.abc.MetaPathFinder):
    """Find one module in memory: the mutant's, instead of the file."""

    def __init__(self, fullname: str, path: Path, source: str) -> None:
        """Serve `source` for the module `fullname`, whose file is `path`."""
        self._fullname = fullname
        self._path = str(path)
        self._source = source

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,  # noqa: ARG002 - importlib's signature
        target: ModuleType | None = None,  # noqa: ARG002 - importlib's signature
    ) -> importlib.machinery.ModuleSpec | None:
        """Return the mutant's spec for its module, None for every other."""
        if fullname != self._fullname:
            return None
        loader = _MutantLoader(fullname, self._path, self._source)
        return importlib.util.spec_from_file_location(
            fullname, self._path, loader=loader
        )


class _Events(Protocol):
    """Where a child writes what happens to its tests."""

    def write(self, text: str, /) -> int:
        """Write a line."""
        ...


class _Reporter:
    """A pytest plugin telling the parent, a JSON line each, what the tests do."""

    def __init__(self, events: _Events) -> None:
        """Write to `events`."""
        self._events = events

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        """Tell which test starts: the last one started is the one that hung."""
        self._events.write(json.dumps({"start": nodeid}) + "\n")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Tell how a phase of a test went, and how long it took."""
        event = {
            "test": report.nodeid,
            "outcome": report.outcome,
            "duration": report.duration,
        }
        self._events.write(json.dumps(event) + "\n")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Finished:
    """What a child did: its exit status and the events it wrote."""

    status: int | None
    """Its exit status; None when it was killed for running too long."""
    events: list[dict[str, object]]
    seconds: float

    def failed(self) -> str | None:
        """Return the first test that failed, if one did."""
        for event in self.events:
            if event.get("outcome") == "failed":
                return str(event["test"])
        return None

    def last_started(self) -> str | None:
        """Return the test that started last, if any did."""
        started = [str(event["start"]) for event in self.events if "start" in event]
        return started[-1] if started else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What a mutant's tests made of it."""

    killed: bool
    how: str
    """failed, timed out, broke the import, crashed, survived or not run."""
    by: str | None
    """The test that failed or timed out."""


_NOT_RUN: Final = Outcome(killed=False, how="not run", by=None)
"""The outcome of a mutant no mapped test runs: it survives untested."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Baseline:
    """The mapped tests run on the unmutated module: their times and coverage."""

    durations: dict[str, float]
    """Each test that ran, with its setup and teardown, in seconds."""
    lines: dict[int, frozenset[str]]
    """The tests running each line of the module that ran in a test."""
    imported: frozenset[int]
    """The lines that run on import, before any test: any test may see them."""
    seconds: float


@dataclass(slots=True)
class _Child:
    """A child running, and what it wrote so far."""

    pid: int
    fd: int
    slot: int
    started: float
    deadline: float
    output: bytearray


@dataclass(frozen=True, slots=True, kw_only=True)
class _Task:
    """A mutant to test, and with which tests."""

    mutant: Mutant
    tests: list[str]
    whole_files: bool
    retried: bool = False
    """Whether it timed out once already: a loaded machine may slow a test that much."""


class Runner:
    """Forks the children that run the tests, a few at a time."""

    def __init__(self, work: Path, *, jobs: int, timeout: float) -> None:
        """Run up to `jobs` children in `work` (the copy is its `tree`).

        `timeout` is the per-test timeout of a mutant's tests, at the least.
        """
        self.work = work
        self.tree = work / "tree"
        self.jobs = jobs
        self.timeout = timeout

    def warm_up(self, test_files: Sequence[str]) -> None:
        """Import what the tests import, then forget the project's own modules.

        Every child then imports the project afresh, the mutant included, and
        nothing else. Freezing the heap keeps the children's collections short.

        Raises:
            RuntimeError: The tests cannot be collected.

        """
        output = io.StringIO()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            status = pytest.main(
                ["--collect-only", "--no-cov", *_COMMON_ARGS, *test_files]
            )
        if status != pytest.ExitCode.OK:
            msg = f"The tests cannot be collected:\n{output.getvalue()}"
            raise RuntimeError(msg)
        for name, module in list(sys.modules.items()):
            if self._is_ours(module):
                del sys.modules[name]
        gc.collect()
        gc.freeze()

    def _is_ours(self, module: ModuleType) -> bool:
        """Tell whether a module comes from the copy of the tree."""
        places = [getattr(module, "__file__", None), *getattr(module, "__path__", [])]
        return any(
            place is not None and Path(place).resolve().is_relative_to(self.tree)
            for place in places
        )

    def baseline(self, module: Module, test_files: Sequence[str]) -> Baseline:
        """Run the mapped tests on the unmutated module, with coverage per test.

        Raises:
            RuntimeError: A test fails without any mutation.

        """
        data_file = self.work / "baseline.coverage"
        args = [
            *test_files,
            *_COMMON_ARGS,
            "--cov-context=test",
            "--cov-report=",
            "--cov-fail-under=0",
            "-o",
            f"timeout={self.timeout}",
            f"--basetemp={self.work / 'baseline'}",
        ]
        # Coverage's default core on 3.14, sys.monitoring, records no context.
        environment = {"COVERAGE_FILE": str(data_file), "COVERAGE_CORE": "ctrace"}
        child = self._start(args, None, 0, environment)
        finished = self._wait(child)
        if finished.status != 0:
            log = (self.work / "slot-0.log").read_text(errors="replace")
            msg = (
                f"The tests of {module.file} fail unmutated (status "
                f"{finished.status}):\n{log[-5000:]}"
            )
            raise RuntimeError(msg)
        durations: defaultdict[str, float] = defaultdict(float)
        for event in finished.events:
            if "test" in event:
                durations[str(event["test"])] += float(str(event["duration"]))
        data = CoverageData(basename=str(data_file))
        data.read()
        path = (self.tree / module.file).resolve()
        [measured] = [
            name for name in data.measured_files() if Path(name).resolve() == path
        ]
        lines: dict[int, frozenset[str]] = {}
        imported: set[int] = set()
        for line, contexts in (data.contexts_by_lineno(measured) or {}).items():
            tests = {context.rpartition("|")[0] for context in contexts if context}
            lines[line] = frozenset(tests & durations.keys())
            if "" in contexts:
                imported.add(line)
        return Baseline(
            durations=dict(durations),
            lines=lines,
            imported=frozenset(imported),
            seconds=finished.seconds,
        )

    def run(
        self,
        module: Module,
        mutants: Sequence[Mutant],
        baseline: Baseline,
        test_files: Sequence[str],
    ) -> Iterator[tuple[Mutant, Outcome]]:
        """Test every mutant; yield each with its outcome, as they finish."""
        # Tests by the mutants they killed: in the same function or class, and in all.
        kills: Counter[tuple[str, str]] = Counter()
        pending = deque(
            _Task(
                mutant=mutant,
                tests=self._tests_for(module, mutant, baseline),
                whole_files=False,
            )
            for mutant in mutants
        )
        running: dict[int, tuple[_Child, _Task]] = {}
        free = list(range(self.jobs))
        with selectors.DefaultSelector() as selector:
            while pending or running:
                while pending and free:
                    task = pending.popleft()
                    if not task.tests:
                        yield task.mutant, _NOT_RUN
                        continue
                    child = self._launch(task, free.pop(), kills, baseline)
                    selector.register(child.fd, selectors.EVENT_READ, child.fd)
                    running[child.fd] = (child, task)
                for child, task, finished in self._finished(selector, running):
                    free.append(child.slot)
                    if (
                        finished.status == pytest.ExitCode.USAGE_ERROR
                        and not task.whole_files
                    ):
                        # A mutant can rename parametrized tests: run their files.
                        pending.appendleft(
                            _Task(
                                mutant=task.mutant,
                                tests=list(test_files),
                                whole_files=True,
                            )
                        )
                        continue
                    outcome = _outcome(finished)
                    if outcome.how == "timed out" and not task.retried:
                        pending.appendleft(replace(task, retried=True))
                        continue
                    if outcome.by is not None:
                        kills[task.mutant.where, outcome.by] += 1
                        kills["", outcome.by] += 1
                    yield task.mutant, outcome

    def _launch(
        self,
        task: _Task,
        slot: int,
        kills: Counter[tuple[str, str]],
        baseline: Baseline,
    ) -> _Child:
        """Start a child on a mutant's tests, those likeliest to kill it first.

        First the tests that killed most mutants of its function or class, then
        most mutants in all, then the quickest.
        """
        tests = sorted(
            task.tests,
            key=lambda test: (
                -kills[task.mutant.where, test],
                -kills["", test],
                baseline.durations.get(test, 0.0),
            ),
        )
        slowest = max(baseline.durations.values(), default=0.0)
        per_test = max(self.timeout, 5 * slowest)
        expected = sum(baseline.durations.get(test, 1.0) for test in tests)
        args = [
            *tests,
            "-x",
            "--no-cov",
            *_COMMON_ARGS,
            "-o",
            f"timeout={per_test}",
            # The thread method ends the child at once: a hung event loop cannot
            # swallow it.
            "-o",
            "timeout_method=thread",
            f"--basetemp={self.work / f'slot-{slot}'}",
        ]
        # A backstop for hangs out of any test, which pytest-timeout cannot end:
        # far above what the tests took unmutated, as other work may slow them.
        deadline = 10 * expected + 2 * per_test + 120
        return self._start(args, task.mutant, slot, {}, deadline=deadline)

    def _finished(
        self, selector: selectors.BaseSelector, running: dict[int, tuple[_Child, _Task]]
    ) -> list[tuple[_Child, _Task, _Finished]]:
        """Wait for output or a deadline; return the children that ended, reaped.

        A child past its deadline is ended: its mutant made the tests hang.
        """
        if not running:
            return []
        wait = min(child.deadline for child, _ in running.values()) - time.monotonic()
        ready = {key.data for key, _ in selector.select(max(wait, 0))}
        now = time.monotonic()
        ended: list[tuple[_Child, _Task, _Finished]] = []
        for fd, (child, task) in list(running.items()):
            expired = child.deadline <= now
            if fd in ready and not expired and (chunk := os.read(fd, 1 << 16)):
                child.output += chunk
                continue
            if fd not in ready and not expired:
                continue
            selector.unregister(fd)
            del running[fd]
            ended.append((child, task, self._finish(child, killed=expired)))
        return ended

    @staticmethod
    def _tests_for(module: Module, mutant: Mutant, baseline: Baseline) -> list[str]:
        """Return the tests that run a mutant's lines: all, when they run on import."""
        lines = module.lines_running(mutant.first, mutant.last)
        if lines & baseline.imported:
            return list(baseline.durations)
        return sorted({test for line in lines for test in baseline.lines.get(line, ())})

    def _start(
        self,
        args: list[str],
        mutant: Mutant | None,
        slot: int,
        environment: dict[str, str],
        deadline: float = 3600.0,
    ) -> _Child:
        """Fork a child running pytest with `args`, on a mutant or on none."""
        read_fd, write_fd = os.pipe()
        log = self.work / f"slot-{slot}.log"
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(args, mutant, self.tree, log, write_fd, environment)
        os.close(write_fd)
        started = time.monotonic()
        return _Child(
            pid=pid,
            fd=read_fd,
            slot=slot,
            started=started,
            deadline=started + deadline,
            output=bytearray(),
        )

    def _wait(self, child: _Child) -> _Finished:
        """Read a child's events until it exits."""
        while chunk := os.read(child.fd, 1 << 16):
            child.output += chunk
        return self._finish(child, killed=False)

    @staticmethod
    def _finish(child: _Child, *, killed: bool) -> _Finished:
        """Reap a child, and anything it left running, and read its events."""
        if killed:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
        _, wait_status = os.waitpid(child.pid, 0)
        # What the tests started and left running goes with the child.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        os.close(child.fd)
        events = [
            json.loads(line)
            for line in child.output.decode().splitlines()
            if line.startswith("{")
        ]
        return _Finished(
            status=None if killed else os.waitstatus_to_exitcode(wait_status),
            events=events,
            seconds=time.monotonic() - child.started,
        )


def _outcome(finished: _Finished) -> Outcome:
    """Say what a child's exit status and events make of its mutant."""
    started = finished.last_started()
    if finished.status == pytest.ExitCode.OK:
        how, by = "survived", None
    elif finished.status is None:
        how, by = "timed out", started
    elif finished.status == pytest.ExitCode.TESTS_FAILED:
        failed = finished.failed()
        if failed is not None:
            how, by = "failed", failed
        elif started is not None:
            # pytest-timeout's thread method ends a child with status 1, no report.
            how, by = "timed out", started
        else:
            # A test module that fails to import is a collection error.
            how, by = "broke the import", None
    elif finished.status in {pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR}:
        # A module that fails to import fails the collection, or conftest.py.
        how, by = "broke the import", None
    else:
        how, by = "crashed", started
    return Outcome(killed=how != "survived", how=how, by=by)


def _child(  # noqa: PLR0913 - what a forked child needs, passed once
    args: list[str],
    mutant: Mutant | None,
    tree: Path,
    log: Path,
    events_fd: int,
    environment: dict[str, str],
) -> NoReturn:
    """Run pytest in a forked child, on the mutant if any, and exit with its status."""
    status = _SOFTWARE_ERROR
    try:
        # A group of its own: the parent ends it with whatever it started.
        os.setsid()
        output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.environ.update(environment)
        # ExceptionReplacer's handlers catch this instead: nothing raises it.
        builtins.CosmicRayTestingException = type(  # type: ignore[attr-defined]  # a new one
            "CosmicRayTestingException", (Exception,), {}
        )
        if mutant is not None:
            source = mutant.apply((tree / mutant.file).read_text(encoding="utf-8"))
            finder = _MutantFinder(module_name(mutant.file), tree / mutant.file, source)
            sys.meta_path.insert(0, finder)
        with os.fdopen(events_fd, "w", buffering=1) as events:
            status = int(pytest.main(args, plugins=[_Reporter(events)]))
    except BaseException:  # noqa: BLE001 - whatever happens, the child must exit here
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
