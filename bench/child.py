"""Child processes spoken to in JSON lines: one command in, one answer out.

Only the library's driver (`bench.library`) is spoken to so; simulators are driven
over their control API (`tools.remote`).
"""

import asyncio
from collections.abc import Sequence
import contextlib
import json
from typing import Self

from tools import REPOSITORY

type Message = dict[str, object]

_STOP_TIMEOUT_S = 10.0


class ChildError(RuntimeError):
    """A child process failed, or answered something unexpected."""


class Child:
    """A process reading commands on its standard input, answering on its output."""

    def __init__(self, process: asyncio.subprocess.Process, hello: Message) -> None:
        """Wrap a started process and the first message it wrote."""
        self._process = process
        self.hello = hello

    @classmethod
    async def start(cls, program: Sequence[str]) -> Self:
        """Start a program and wait for its first message."""
        process = await asyncio.create_subprocess_exec(
            *program,
            cwd=REPOSITORY,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        child = cls(process, {})
        try:
            child.hello = await child._receive()
        except BaseException:
            await child.close()
            raise
        return child

    async def ask(self, command: Message) -> Message:
        """Send a command and return the answer."""
        stdin = self._process.stdin
        if stdin is None:
            msg = "the child has no input"
            raise ChildError(msg)
        stdin.write(json.dumps(command).encode() + b"\n")
        await stdin.drain()
        return await self._receive()

    async def _receive(self) -> Message:
        """Read one message; a child that ended or printed anything else is an error."""
        stdout = self._process.stdout
        line = b"" if stdout is None else await stdout.readline()
        if not line:
            code = await self._process.wait()
            msg = f"the child process ended (exit status {code})"
            raise ChildError(msg)
        message = json.loads(line)
        if not isinstance(message, dict):
            msg = f"the child answered {line!r}"
            raise ChildError(msg)
        return message

    async def close(self) -> None:
        """Close the child's input, which ends it; kill it if it does not end."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            async with asyncio.timeout(_STOP_TIMEOUT_S):
                await self._process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            await self._process.wait()


def number(message: Message, key: str) -> float:
    """Read a number from a message."""
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{key} is not a number in {message!r}"
        raise ChildError(msg)
    return float(value)


def integer(message: Message, key: str) -> int:
    """Read a whole number from a message."""
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{key} is not an integer in {message!r}"
        raise ChildError(msg)
    return value


def text(message: Message, key: str) -> str:
    """Read a string from a message."""
    value = message.get(key)
    if not isinstance(value, str):
        msg = f"{key} is not a string in {message!r}"
        raise ChildError(msg)
    return value
