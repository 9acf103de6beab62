"""A simulator in a process of its own, driven over its control API.

In a process of its own, the simulator's work (a world of a thousand trackers, their
answers) neither counts in the CPU time, stalls or memory measured in this one nor
competes with it for the interpreter. `RemoteSimulator.start` runs
`python -m simulator --port 0`, reads where it serves from the first line it prints,
then drives it over one kept-alive HTTP session on 127.0.0.1.
"""

import asyncio
from collections.abc import Sequence
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
import re
import sys
from types import TracebackType
from typing import Self

from aiohttp import ClientError, ClientSession

from simulator import Fault, Move, ReplyShape

from . import REPOSITORY

START = datetime(2026, 1, 1, 12, tzinfo=UTC)
"""The simulated world's clock at start: the same world on every run."""
_CONTROL = "/_simulator"
_READY = re.compile(r"Invoxia simulator on (?P<url>http://\S+) ")
"""The first line the simulator prints, once it serves."""
_READY_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 10.0


class SimulatorError(RuntimeError):
    """The simulator did not start, refused a request, or answered nonsense."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LastFix:
    """Where a tracker was last located."""

    latitude: float
    longitude: float
    accuracy: int
    """In metres."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatedTracker:
    """A tracker as the simulated world knows it."""

    id: int
    serial: str
    battery: int
    last_fix: LastFix | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Advanced:
    """Which trackers, oldest first, did something while the clock moved."""

    fixed: tuple[int, ...]
    """Those that took a fix."""
    reported: tuple[int, ...]
    """Those whose `last_event` moved: a fix, or a keep-alive."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Traffic:
    """What the simulated API answered since the last count."""

    requests: dict[str, int]
    """Requests per path template, such as `/devices/{id}/tracker_data/`."""
    bytes_sent: int
    """Response body bytes."""

    @property
    def total(self) -> int:
        """Requests of any path."""
        return sum(self.requests.values())


def _value[T: (int, float, str)](value: object, kind: type[T], what: str) -> T:
    """Check the type of a value the simulator sent; a whole number is a fine float."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    # JSON booleans are Python ints: refuse them where numbers are expected.
    if isinstance(value, bool) or not isinstance(value, kind):
        msg = f"{what} is not of type {kind.__name__}: {value!r}"
        raise SimulatorError(msg)
    return value


def _get(data: object, key: str) -> object:
    """Read a field of a JSON object the simulator sent; None if it has none."""
    return data.get(key) if isinstance(data, dict) else None


def _field[T: (int, float, str)](data: object, key: str, kind: type[T]) -> T:
    """Read a field of this type of a JSON object the simulator sent."""
    return _value(_get(data, key), kind, key)


def _array(value: object, what: str) -> list[object]:
    """Check that a value the simulator sent is a JSON array."""
    if not isinstance(value, list):
        msg = f"{what} is not an array: {value!r}"
        raise SimulatorError(msg)
    return value


def _tracker(data: object) -> SimulatedTracker:
    """Read a tracker as `GET /_simulator/trackers` lists it."""
    fix = _get(data, "last_fix")
    return SimulatedTracker(
        id=_field(data, "id", int),
        serial=_field(data, "serial", str),
        battery=_field(data, "battery", int),
        last_fix=None
        if fix is None
        else LastFix(
            latitude=_field(fix, "lat", float),
            longitude=_field(fix, "lng", float),
            accuracy=_field(fix, "precision", int),
        ),
    )


class RemoteSimulator:
    """A running simulator, driven over its control API; its process, if started."""

    def __init__(
        self,
        session: ClientSession,
        *,
        url: str,
        user_id: int,
        process: asyncio.subprocess.Process | None = None,
    ) -> None:
        """Drive the simulator at `url` over `session`, which this object closes."""
        self._session = session
        self.url = url
        self.user_id = user_id
        """The id of the account's user."""
        self._process = process

    @classmethod
    async def start(
        cls,
        *,
        trackers: int,
        seed: int,
        shape: ReplyShape = ReplyShape.MODELLED,
        latency_s: float | None = None,
        lifetime_s: float,
    ) -> Self:
        """Start a simulator of `trackers` trackers drawn from `seed`, as of `START`.

        Its API answers in `shape`, `latency_s` late if given. It stops by itself
        after `lifetime_s`, should this process end without stopping it.
        """
        options = [
            f"--trackers={trackers}",
            f"--seed={seed}",
            f"--start={START.isoformat()}",
            f"--shape={shape}",
            f"--duration={lifetime_s}",
        ]
        if latency_s is not None:
            options.append(f"--latency={latency_s}")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "simulator",
            "--port=0",
            *options,
            cwd=REPOSITORY,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            return await cls.connect(await _served_url(process), process)
        except BaseException:
            await _stop(process)
            raise

    @classmethod
    async def connect(
        cls, url: str, process: asyncio.subprocess.Process | None = None
    ) -> Self:
        """Drive the simulator serving at `url` (started as `process`, if given)."""
        session = ClientSession(url)
        try:
            state = await _call(session, "GET", "state")
            return cls(
                session,
                url=url,
                user_id=_field(state, "user_id", int),
                process=process,
            )
        except BaseException:
            await session.close()
            raise

    async def trackers(self) -> list[SimulatedTracker]:
        """Return every tracker of the account, oldest first."""
        listed = _array(await _call(self._session, "GET", "trackers"), "the trackers")
        return [_tracker(item) for item in listed]

    async def add_tracker(self, latitude: float, longitude: float) -> SimulatedTracker:
        """Add a tracker located there; it has no past and stays put."""
        body = {"lat": latitude, "lng": longitude}
        return _tracker(await _call(self._session, "POST", "trackers", body))

    async def remove_tracker(self, tracker_id: int) -> None:
        """Remove a tracker from the account."""
        await _call(self._session, "DELETE", f"trackers/{tracker_id}")

    async def move(self, moves: Sequence[Move]) -> None:
        """Give trackers a fix at these places now; each then stays there."""
        await _call(
            self._session,
            "POST",
            "trackers/move",
            [
                {
                    "id": move.tracker_id,
                    "lat": move.lat,
                    "lng": move.lng,
                    "precision": move.precision,
                    "method": move.method,
                }
                for move in moves
            ],
        )

    async def advance(self, seconds: float) -> Advanced:
        """Move the world's clock forward; say which trackers fixed or reported."""
        answer = await _call(self._session, "POST", "advance", {"seconds": seconds})
        fixed, reported = (
            tuple(_value(item, int, key) for item in _array(_get(answer, key), key))
            for key in ("fixed", "reported")
        )
        return Advanced(fixed=fixed, reported=reported)

    async def set_faults(self, faults: Sequence[Fault]) -> None:
        """Put these faults in force, and no others; hung requests are answered."""
        await _call(
            self._session, "PUT", "faults", [fault.to_json() for fault in faults]
        )

    async def set_credentials(self, username: str, password: str) -> None:
        """Change the account's credentials: the old ones stop working at once."""
        body = {"username": username, "password": password}
        await _call(self._session, "PUT", "credentials", body)

    async def traffic(self) -> Traffic:
        """Return the API's traffic since the last count, and count anew."""
        answer = await _call(self._session, "DELETE", "counters")
        requests = _get(answer, "requests")
        if not isinstance(requests, dict):
            msg = f"unexpected counters {answer!r}"
            raise SimulatorError(msg)
        return Traffic(
            requests={path: _field(requests, path, int) for path in requests},
            bytes_sent=_field(answer, "bytes_sent", int),
        )

    async def close(self) -> None:
        """Close the session; stop the simulator's process if `start` started it."""
        await self._session.close()
        if self._process is not None:
            await _stop(self._process)

    async def __aenter__(self) -> Self:
        """Drive the simulator for the duration of an `async with` block."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close, as `close` does."""
        await self.close()


async def _call(
    session: ClientSession, method: str, path: str, body: object = None
) -> object:
    """Make a control request; return its decoded answer, None if it has none."""
    try:
        async with session.request(method, f"{_CONTROL}/{path}", json=body) as response:
            answer: object = (
                None
                if response.status == HTTPStatus.NO_CONTENT
                else await response.json()
            )
            failed = not response.ok
    except (ClientError, ValueError) as err:
        msg = f"{method} {path} failed: {err!r}"
        raise SimulatorError(msg) from err
    if failed:
        msg = f"{method} {path} was refused: {answer!r}"
        raise SimulatorError(msg)
    return answer


async def _served_url(process: asyncio.subprocess.Process) -> str:
    """Wait for the simulator's first line; return the URL it says it serves at."""
    stdout = process.stdout
    async with asyncio.timeout(_READY_TIMEOUT_S):
        line = b"" if stdout is None else await stdout.readline()
    ready = _READY.match(line.decode(errors="replace"))
    if ready is None:
        code = await process.wait() if not line else None
        msg = f"the simulator did not start: {line!r} (exit status {code})"
        raise SimulatorError(msg)
    return ready["url"]


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Stop the simulator as Ctrl-C would; kill it if it does not stop."""
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        async with asyncio.timeout(_STOP_TIMEOUT_S):
            await process.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
