"""The mutants that change no behaviour, with the reason; docs/mutation.md lists them.

A mutant is known by its module, the function or class it is in, and the code
before and after, as `scripts/mutate` prints them: line numbers move, these rarely do.
"""

from dataclasses import dataclass
from typing import Final

from .mutants import Mutant


@dataclass(frozen=True, slots=True, kw_only=True)
class Equivalent:
    """A mutant known to change nothing a user or a caller can tell."""

    file: str
    where: str
    before: str
    after: str
    reason: str
    context: str | None = None
    """The first line of the statement the mutant is in, when `before` alone
    could be another's: a `break` under `if len(locations) >= max_count:`."""

    def matches(self, mutant: Mutant) -> bool:
        """Tell whether this is the mutant given; spaces do not count."""
        return (
            mutant.file == self.file
            and mutant.where == self.where
            and _code(mutant.before) == _code(self.before)
            and _code(mutant.after) == _code(self.after)
            and (self.context is None or _code(mutant.context) == _code(self.context))
        )


def _code(text: str) -> str:
    """Return code without its spaces: cosmic-ray's mutants may add some."""
    return "".join(text.split())


_CLIENT: Final = "custom_components/invoxia/api/client.py"
_COORDINATOR: Final = "custom_components/invoxia/coordinator.py"
_MODELS: Final = "custom_components/invoxia/api/models.py"
_SCHEDULER: Final = "custom_components/invoxia/scheduler.py"

_IDENTITY: Final = (
    "{} compare equal only when they are the same object: `is` and `==` agree."
)
_OVERRIDE: Final = (
    "typing.override only marks the method for type checkers: nothing reads the mark."
)
_POSITIVE_FINITE: Final = (
    "Above zero, a number is below infinity exactly when it is not infinity; nan "
    "fails `0 <` either way."
)
_CHUNK: Final = (
    "A positive chunk size changes how the body is read, not what is read or "
    "refused: the limit is checked as each chunk comes, and a chunk is at most "
    "what has arrived."
)
_CHUNKS: Final = (
    "63 * 1024",
    "65 * 1024",
    "64 * 1025",
    "64 * 1023",
    "64 + 1024",
    "64 | 1024",
    "64 ^ 1024",
    "64 << 1024",
    "64 % 1024",
    "64 ** 1024",
)
_READ_BODY = "async for chunk in response.content.iter_chunked({}):"

EQUIVALENT: Final[tuple[Equivalent, ...]] = (
    Equivalent(
        file=_CLIENT,
        where="Config",
        before="password: str = field(repr=False)",
        after="password: str = field(repr=True)",
        reason="Config writes its own `__repr__`, which the dataclass keeps: nothing "
        "reads the field's repr flag.",
    ),
    Equivalent(
        file=_CLIENT,
        where="Config.__post_init__",
        before="if not 0 < self.request_timeout < math.inf:",
        after="if not 0 < self.request_timeout != math.inf:",
        reason=_POSITIVE_FINITE,
    ),
    Equivalent(
        file=_CLIENT,
        where="Config.__repr__",
        before="@override",
        after="",
        reason=_OVERRIDE,
    ),
    *(
        Equivalent(
            file=_CLIENT,
            where="_retry_after",
            before="except (TypeError, ValueError, OverflowError):",
            after=after,
            reason="On Python 3.14, parsedate_to_datetime raises ValueError for "
            "any text it cannot read (TypeError was Python 3.9's), and no date it "
            "reads overflows: the handler only ever catches ValueError.",
        )
        for after in (
            "except (CosmicRayTestingException, ValueError, OverflowError):",
            "except (TypeError, ValueError, CosmicRayTestingException):",
        )
    ),
    Equivalent(
        file=_CLIENT,
        where="_retry_after",
        before="return seconds if 0 < seconds < math.inf else None",
        after="return seconds if 0 < seconds != math.inf else None",
        reason=_POSITIVE_FINITE,
    ),
    Equivalent(
        file=_CLIENT,
        where="AsyncClient._get",
        before="except (aiohttp.ClientError, OSError) as err:",
        after="except (aiohttp.ClientError, CosmicRayTestingException) as err:",
        reason="aiohttp raises any OSError of a request as ClientOSError, a "
        "ClientError, and TimeoutError, the one OSError it lets through, is caught "
        "before: OSError is there in case aiohttp ever stops wrapping.",
    ),
    *(
        Equivalent(
            file=_CLIENT,
            where="AsyncClient._read_body",
            before=_READ_BODY.format("64 * 1024"),
            after=_READ_BODY.format(size),
            reason=_CHUNK,
        )
        for size in _CHUNKS
    ),
    Equivalent(
        file=_CLIENT,
        where="AsyncClient.get_locations",
        before="break",
        after="continue",
        context="if len(locations) >= max_count:",
        reason="Once max_count locations are known, the rest of the bounded loop "
        "asks nothing either way: the request comes after this test.",
    ),
    Equivalent(
        file=_CLIENT,
        where="AsyncClient.get_locations",
        before="upper = oldest - 1 if not new or oldest == max(seconds) else oldest",
        after="upper = oldest - 1 if not new or oldest >= max(seconds) else oldest",
        reason="oldest is the smallest of the seconds: never above the largest.",
    ),
    Equivalent(
        file=_CLIENT,
        where="AsyncClient.get_locations",
        before="upper = oldest - 1 if not new or oldest == max(seconds) else oldest",
        after="upper = oldest - 1 if not new or oldest is max(seconds) else oldest",
        reason="min and max of a list return its first smallest and first largest "
        "element: the same object exactly when all are equal.",
    ),
    *(
        Equivalent(
            file=_CLIENT,
            where="AsyncClient.get_locations",
            before="return ordered[: max(max_count, 0)]",
            after=f"return ordered[: max(max_count, {bound})]",
            reason="A max_count below 1 stops the loop before any query: the list "
            "sliced is empty; above, max_count is the bound either way.",
        )
        for bound in (-1, 1)
    ),
    *(
        Equivalent(
            file=_MODELS,
            where=where,
            before="@override",
            after="",
            reason=_OVERRIDE,
        )
        for where in ("_UnknownIntEnum._missing_", "TrackerUsage._missing_")
    ),
    *(
        Equivalent(
            file=_MODELS,
            where=where,
            before="@staticmethod",
            after="",
            reason="It is only ever called on a class (Device.from_json, "
            "cls._common): a function looked up on a class is called the same.",
        )
        for where in ("Device.from_json", "Device._common")
    ),
    Equivalent(
        file=_COORDINATOR,
        where="tracker_data",
        before="*,",
        after="/,",
        reason="Every caller gives the tracker, fix and fix_of by position and "
        "unreadable by name, which both signatures accept.",
    ),
    Equivalent(
        file=_COORDINATOR,
        where="InvoxiaCoordinator._async_update_data",
        before="elif data.keys() != previous.keys():",
        after="elif data.keys() is not previous.keys():",
        reason="The test only spares a look at the device registry: with the same "
        "trackers listed, removing the stale devices removes none.",
    ),
    Equivalent(
        file=_COORDINATOR,
        where="InvoxiaCoordinator._mark_shown_elsewhere",
        before="if entry.state is ConfigEntryState.LOADED",
        after="if entry.state == ConfigEntryState.LOADED",
        reason=_IDENTITY.format("Enum members"),
    ),
    Equivalent(
        file=_COORDINATOR,
        where="InvoxiaCoordinator._mark_shown_elsewhere",
        before="and entry.entry_id != self.config_entry.entry_id",
        after="and entry.entry_id is not self.config_entry.entry_id",
        reason="Home Assistant lists the very config entry objects: this entry's "
        "id is the same string as its own, every other's another one.",
    ),
    Equivalent(
        file=_COORDINATOR,
        where="InvoxiaCoordinator._mark_shown_elsewhere",
        before="if shown_elsewhere != known.shown_elsewhere:",
        after="if shown_elsewhere is not known.shown_elsewhere:",
        reason=_IDENTITY.format("True and False"),
    ),
    Equivalent(
        file=_COORDINATOR,
        where="InvoxiaCoordinator._async_latest_fix",
        before="known.fix_of if fixes and fix is not fixes[0] else "
        "_change_marker(tracker)",
        after="known.fix_of if fixes and fix != fixes[0] else _change_marker(tracker)",
        reason="_newer returns the fix fetched itself, or the one shown when the "
        "fetched one is older, and so unequal to it.",
    ),
    Equivalent(
        file=_COORDINATOR,
        where="InvoxiaCoordinator._update_devices",
        before="and device_info(before.tracker) != device_info(known.tracker)",
        after="and device_info(before.tracker) is not device_info(known.tracker)",
        reason="Asking the device registry for a device with its info unchanged "
        "changes nothing in it: the test only spares the asking.",
    ),
    Equivalent(
        file=_COORDINATOR,
        where="_shown_position",
        before="if new is None or new == shown:",
        after="if new is None or new is shown:",
        reason="A position equal to the one shown is as old and as accurate as it, "
        "which passed the same checks under the same options: the checks return "
        "one of two equal positions.",
    ),
    Equivalent(
        file=_COORDINATOR,
        where="InvoxiaCoordinator._selected",
        before="import_new = options.get(CONF_IMPORT_NEW, True)",
        after="import_new = options.get(CONF_IMPORT_NEW, False)",
        reason="The options flow writes import_new whenever it writes the trackers "
        "chosen, and removes both together: the default is never used.",
    ),
    *(
        Equivalent(
            file=_COORDINATOR,
            where="is_listed",
            before="domain == DOMAIN and identifier in data",
            after=f"domain {operator} DOMAIN and identifier in data",
            reason="The devices of an entry are the integration's own, identified by "
            "(DOMAIN, serial) alone (device_info): no other domain is compared.",
        )
        for operator in ("<=", ">=")
    ),
    *(
        Equivalent(
            file=_COORDINATOR,
            where="InvoxiaCoordinator._schedule_refresh",
            before=decorator,
            after="",
            reason="The base class calls the method itself, in the event loop: "
            "neither marker is read at run time.",
        )
        for decorator in ("@callback", "@override")
    ),
    Equivalent(
        file=_COORDINATOR,
        where="InvoxiaCoordinator._updated",
        before="elif known.tracker == tracker:",
        after="elif known.tracker is tracker:",
        reason="The test only spares composing again: an unchanged tracker, with "
        "the fix known of it, composes data equal to what was known.",
    ),
    Equivalent(
        file=_COORDINATOR,
        where="InvoxiaCoordinator._update_devices",
        before="and (before := previous.get(serial)) is not None",
        after="or (before := previous.get(serial)) is not None",
        reason="A changed device info changes the data, so the serial is in "
        "self.changed either way; the mutant adds only trackers whose device info "
        "the registry already has, or new ones, whose entities write the same info: "
        "asking the registry for a device as it is changes nothing in it.",
    ),
    *(
        Equivalent(
            file=_MODELS,
            where=where,
            before="@dataclass(frozen=True, slots=True, kw_only=True)",
            after="@dataclass(frozen=True, slots=True, kw_only=False)",
            reason="It declares no field of its own, only class attributes: kw_only "
            "applies to none, and the inherited fields keep their own.",
        )
        for where in ("Android", "Iphone", "Tracker01", "Tracker03", "Tracker04")
    ),
    Equivalent(
        file=_MODELS,
        where="TrackerStatus.moving",
        before="return None if self.stationary is None else self.stationary == 0",
        after="return None if self.stationary is None else self.stationary <= 0",
        reason="stationary is read with a minimum of 0: it is never negative.",
    ),
    Equivalent(
        file=_CLIENT,
        where="Config.api_origin",
        before='if parts.scheme == "http" and not _is_loopback(host):',
        after='if parts.scheme <= "http" and not _is_loopback(host):',
        reason='The scheme is http or https by then, and only http is <= "http".',
    ),
    Equivalent(
        file=_COORDINATOR,
        where="InvoxiaTrackerData",
        before="shown_elsewhere: bool = False",
        after="shown_elsewhere: bool = True",
        reason="Every poll marks each tracker shown elsewhere or not "
        "(_mark_shown_elsewhere) before its data is published: a default of True "
        "is undone there.",
    ),
    *(
        Equivalent(
            file=_SCHEDULER,
            where=where,
            before=before,
            after=before.replace("slots=True", "slots=False"),
            reason="Slots only save memory and refuse attributes the class does "
            "not declare, which no code sets.",
        )
        for where, before in (
            ("InvoxiaWindow", "@dataclass(frozen=True, slots=True)"),
            ("InvoxiaRhythm", "@dataclass(slots=True)"),
        )
    ),
    Equivalent(
        file=_SCHEDULER,
        where="_rhythm",
        before="if len(samples) < 2:  # noqa: PLR2004 - one interval is no rhythm yet",
        after="if len(samples) < 1:  # noqa: PLR2004 - one interval is no rhythm yet",
        reason="One sample is its own median and agrees with it alone: 1 agreeing "
        "is fewer than the 2 a rhythm needs, so None comes either way.",
    ),
    Equivalent(
        file=_SCHEDULER,
        where="_rhythm",
        before="if len(agreeing) < max(2, len(samples) / 2):",
        after="if len(agreeing) < max(1, len(samples) / 2):",
        reason="The two differ only for one agreeing sample of two or three: of "
        "two, the median lies halfway, so both agree or neither does; of three, "
        "one is below 1.5 either way.",
    ),
    Equivalent(
        file=_SCHEDULER,
        where="InvoxiaRhythm.windows",
        before="if resting is not None and len(self.times) > 1:",
        after="if resting is not None and len(self.times) != 1:",
        reason="A rhythm with a last fix knows its time: times is never empty there.",
    ),
    Equivalent(
        file=_SCHEDULER,
        where="InvoxiaScheduler.observe",
        before="if time is None or time == rhythm.last_fix:",
        after="if time is None or time is rhythm.last_fix:",
        reason="An equal fix time that is another object goes on to tell no delay "
        "(it is not after the last fix), no new interval (it is known), and becomes "
        "the last fix, equal to the one there.",
    ),
    Equivalent(
        file=_SCHEDULER,
        where="InvoxiaScheduler.observe",
        before="if rhythm.last_fix is not None and rhythm.last_fix < time <= now:",
        after="if rhythm.last_fix is not None and rhythm.last_fix <= time <= now:",
        reason="A time equal to the last fix was skipped just before.",
    ),
    *(
        Equivalent(
            file=_SCHEDULER,
            where="InvoxiaScheduler.observe",
            before="not_shown = (previous - time).total_seconds() if previous else 0.0",
            after=f"not_shown = (previous - time).total_seconds() if previous "
            f"else {value}",
            reason="Only the first poll has no poll before it, and then no tracker "
            "has a last fix yet: no delay is told.",
        )
        for value in ("1.0", "-1.0")
    ),
)
"""The equivalent mutants of the modules `scripts/mutate` runs by default."""
