"""What the soak watches in its own process: exceptions, stalls, memory, descriptors."""

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
import gc
import logging
import os
from pathlib import Path
import sys
import time
from typing import Protocol, override
from unittest.mock import patch
import warnings

from custom_components.invoxia.const import DOMAIN

STALL_NS = 50_000_000
"""A callback or task step holding the event loop this long (50 ms) is a stall."""
_EXPECTED = (
    # How the coordinator reports a failed poll, once per failure: not an exception.
    f"Error fetching {DOMAIN} data: ",
    f"Authentication failed while fetching {DOMAIN} data: ",
)
_SHOWN = 5


@dataclass(slots=True)
class Findings:
    """What the probes found, by kind, and what the soak is doing, to file it by."""

    exceptions: list[str] = field(default_factory=list)
    """Reports of the loop's exception handler, and errors logged with a traceback."""
    setting_up: bool = True
    """Whether an entry is being set up: its stalls are filed apart from the polls'."""
    poll: str = ""
    """The poll going on, named in the stalls it causes."""
    stalls: list[str] = field(default_factory=list)
    setup_stalls: list[str] = field(default_factory=list)
    measuring: bool = False
    """Whether the soak is measuring memory: the loop is held by the soak itself."""
    preempted: int = 0
    """Callbacks that took as long as a stall only because others held the CPU."""
    collecting_ns: int = 0
    """Time spent collecting garbage so far."""
    collections: list[int] = field(default_factory=list)
    """Garbage collections that lasted a stall, in nanoseconds."""
    unexpected_errors: list[str] = field(default_factory=list)
    """Errors logged without a traceback, other than a poll's expected failure."""
    resource_warnings: list[str] = field(default_factory=list)
    warnings: Counter[str] = field(default_factory=Counter)
    """Other warnings logged, by message."""
    expected_failures: Counter[str] = field(default_factory=Counter)

    def file_slow(
        self, handle: asyncio.Handle, held: int, wait: int, during: tuple[bool, str]
    ) -> None:
        """File a callback that took 50 ms: a stall if it held the loop that long.

        `held` is its time less the garbage collections during it, `wait` the time
        the process waited for a CPU, `during` what the soak was doing when it
        started (setting up, the poll): a callback that ends one poll and starts
        the next belongs to the one whose work it began with.
        """
        if held < STALL_NS:
            if held + wait >= STALL_NS:
                self.preempted += 1
            return
        stall = f"{_described(handle)} held the loop {held / 1e6:.0f} ms"
        setting_up, poll = during
        if setting_up:
            self.setup_stalls.append(stall)
        else:
            self.stalls.append(f"{poll}: {stall}")


def _described(handle: asyncio.Handle) -> str:
    """Name what a callback ran: the task it stepped, as asyncio's own log does."""
    owner = getattr(getattr(handle, "_callback", None), "__self__", None)
    return repr(owner) if isinstance(owner, asyncio.Task) else repr(handle)


class _Recorder(logging.Handler):
    """Sorts the log records of the whole process into findings."""

    def __init__(self, findings: Findings) -> None:
        """Record into `findings`."""
        super().__init__(logging.WARNING)
        self._findings = findings

    @override
    def emit(self, record: logging.LogRecord) -> None:
        """Sort one record."""
        findings = self._findings
        message = record.getMessage()
        if record.name == "py.warnings" and "ResourceWarning" in message:
            findings.resource_warnings.append(message)
        elif record.levelno < logging.ERROR:
            findings.warnings[f"{record.name}: {message}"] += 1
        elif record.exc_info is not None:
            findings.exceptions.append(f"{record.name}: {message}")
        elif message.startswith(_EXPECTED):
            findings.expected_failures[message.partition(":")[0]] += 1
        else:
            findings.unexpected_errors.append(f"{record.name}: {message}")


class Clock(Protocol):
    """Where the probes read the time: the machine's clocks, or planted ones."""

    def now_ns(self) -> int:
        """Return a monotonic time, in nanoseconds."""
        ...

    def waited_ns(self) -> int:
        """Return how long the event loop's thread has waited for a CPU so far."""
        ...


class MachineClock:
    """The machine's clocks: `perf_counter_ns`, and the kernel's count of CPU wait.

    The wait is the second field of `/proc/thread-self/schedstat`: the time this
    thread was ready to run while other processes held every CPU. Open it in the
    thread it is to measure, the event loop's.
    """

    def __init__(self) -> None:
        """Open the calling thread's scheduler statistics."""
        self._schedstat = os.open("/proc/thread-self/schedstat", os.O_RDONLY)

    def now_ns(self) -> int:
        """Return `time.perf_counter_ns()`."""
        return time.perf_counter_ns()

    def waited_ns(self) -> int:
        """Return the nanoseconds the thread has waited for a CPU."""
        return int(os.pread(self._schedstat, 64, 0).split()[1])

    def close(self) -> None:
        """Close the scheduler statistics."""
        os.close(self._schedstat)


@contextmanager
def _timing_callbacks(findings: Findings, clock: Clock) -> Iterator[None]:
    """Time every callback and task step the loop runs, as asyncio's debug mode does.

    Debug mode's slow-callback log would make the run half as slow again: it also
    records a traceback at every callback, future, task and coroutine made, which
    lengthens the very callbacks it times. And it counts the time the process waited
    for a CPU that other processes held: the clock's count of that wait is taken off
    here, so that a busy machine does not pass for a stall. Time spent blocked (on
    I/O, in `sleep`) still counts. So does garbage collection, but apart: a
    collection walks the whole heap, Home Assistant's, whoever's allocation happens
    to start it.
    """
    run = asyncio.Handle._run  # noqa: SLF001 - the one place every callback goes through
    timing = True
    collection_start = 0

    def _timed(handle: asyncio.Handle) -> None:
        # The handle reports its callback's exceptions itself: nothing escapes here.
        during = (findings.setting_up, findings.poll)
        start = clock.now_ns()
        waited = clock.waited_ns()
        collected = findings.collecting_ns
        run(handle)
        if not timing:
            # The block was left in this very callback: the clock may be closed.
            return
        took = clock.now_ns() - start
        if took >= STALL_NS and not findings.measuring:
            wait = clock.waited_ns() - waited
            findings.file_slow(
                handle, took - wait - (findings.collecting_ns - collected), wait, during
            )

    def _collecting(phase: str, _: dict[str, int]) -> None:
        nonlocal collection_start
        if phase == "start":
            collection_start = clock.now_ns()
            return
        took = clock.now_ns() - collection_start
        findings.collecting_ns += took
        if took >= STALL_NS and not findings.measuring:
            findings.collections.append(took)

    gc.callbacks.append(_collecting)
    try:
        with patch.object(asyncio.Handle, "_run", _timed):
            yield
    finally:
        timing = False
        gc.callbacks.remove(_collecting)


@contextmanager
def watching(
    loop: asyncio.AbstractEventLoop, clock: Clock | None = None
) -> Iterator[Findings]:
    """Watch the process while in the block: every log record, every callback.

    The loop's exception handler records what it is handed: a task's exception nobody
    retrieved, a callback that raised, an unclosed session. Callbacks are timed by
    `clock`, the machine's unless another is given: the soak's own tests plant the
    stalls they look for, so that a busy machine cannot fail them. The loop leaves
    debug mode meanwhile, if it was in it (pytest-homeassistant-custom-component sets
    it): its slow-callback warnings would judge the machine's time again, and its
    tracebacks slow every callback down.
    """
    findings = Findings()
    recorder = _Recorder(findings)
    root = logging.getLogger()

    def _unhandled(_: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        error = context.get("exception")
        detail = f": {error!r}" if error is not None else ""
        findings.exceptions.append(f"loop: {context.get('message')}{detail}")

    previous_handler = loop.get_exception_handler()
    previous_debug = loop.get_debug()
    previous_level = root.level
    root.addHandler(recorder)
    # Only warnings and worse are recorded: formatting debug records costs time.
    root.setLevel(logging.WARNING)
    loop.set_exception_handler(_unhandled)
    loop.set_debug(False)
    logging.captureWarnings(capture=True)
    try:
        with ExitStack() as stack:
            if clock is None:
                clock = stack.enter_context(closing(MachineClock()))
            stack.enter_context(_timing_callbacks(findings, clock))
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("always", ResourceWarning)
            yield findings
    finally:
        logging.captureWarnings(capture=False)
        loop.set_debug(previous_debug)
        loop.set_exception_handler(previous_handler)
        root.setLevel(previous_level)
        root.removeHandler(recorder)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """The process's memory and descriptors after one poll."""

    poll: int
    blocks: int
    """Memory blocks the interpreter holds, after a full garbage collection."""
    rss_bytes: int
    descriptors: int


async def sample(poll: int, findings: Findings) -> Sample:
    """Collect garbage, then measure; the collection's own stall is not counted."""
    # The collection runs in a task step of its own, which must not pass for a stall
    # of the code under test.
    await asyncio.sleep(0)
    findings.measuring = True
    gc.collect()
    measured = Sample(
        poll=poll,
        blocks=sys.getallocatedblocks(),
        rss_bytes=_rss_bytes(),
        descriptors=open_descriptors(),
    )
    await asyncio.sleep(0)
    findings.measuring = False
    return measured


def open_descriptors() -> int:
    """Count this process's open file descriptors (Linux)."""
    # Listing the directory opens one more: it is not counted.
    return len(list(Path("/proc/self/fd").iterdir())) - 1


def _rss_bytes() -> int:
    """Resident memory of this process (Linux)."""
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def shown(found: list[str]) -> list[str]:
    """Return the first few findings of a kind, and how many more there are."""
    more = len(found) - _SHOWN
    return found[:_SHOWN] + ([f"... and {more} more"] if more > 0 else [])
