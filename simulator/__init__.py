"""A local simulator of the Invoxia GPS tracker cloud API: tests, demos, benchmarks.

`Simulator` serves a `World` (a seeded account with trackers roaming around home) on
the loopback interface, with `Faults` switched at run time and traffic `Counters`.
"""

from .counters import Counters
from .faults import Fault, FaultKind, Faults
from .server import Simulator
from .world import (
    DEFAULT_HOME,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    PAGE_SIZE,
    Fix,
    Move,
    Quirks,
    ReplyShape,
    Report,
    Tracker,
    UnknownTrackerError,
    World,
)

__all__ = [
    "DEFAULT_HOME",
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "PAGE_SIZE",
    "Counters",
    "Fault",
    "FaultKind",
    "Faults",
    "Fix",
    "Move",
    "Quirks",
    "ReplyShape",
    "Report",
    "Simulator",
    "Tracker",
    "UnknownTrackerError",
    "World",
]
