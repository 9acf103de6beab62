"""The mutants of a module: what each changes, where, and which lines run it."""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
import json
from typing import Final
import warnings

type Position = tuple[int, int]
"""A line (from 1) and a column (from 0, in characters), as cosmic-ray counts."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Mutant:
    """One mutation of a module: lines `first` to `last` become `replacement`."""

    file: str
    """The module, from the root of the tree."""
    operator: str
    """cosmic-ray's operator, such as core/ReplaceComparisonOperator_Lt_LtE."""
    first: int
    last: int
    replacement: str
    where: str
    """The qualified name of the function or class it is in, or <module>."""
    before: str
    """The lines replaced, each stripped, joined by a space."""
    after: str
    """The replacement, stripped the same way; empty when the lines go."""
    context: str = ""
    """The first line of the statement it is in (`if size > LIMIT:` for a
    `break` under it), stripped; empty at the top of the module."""
    blank_before: int = 0
    """Lines replaced before the first that holds code (a decorator removed takes
    the blank line before it along, as cosmic-ray removes it)."""

    @property
    def line(self) -> int:
        """The first line it changes that holds code, for people to find it."""
        return self.first + self.blank_before

    def apply(self, source: str) -> str:
        """Return the module's source with this mutation made."""
        lines = source.splitlines(keepends=True)
        return "".join(
            [*lines[: self.first - 1], self.replacement, *lines[self.last :]]
        )

    def describe(self) -> str:
        """Say where the mutant is and what it changes, as `file:line: a → b`."""
        after = f"`{self.after}`" if self.after else "(removed)"
        operator = self.operator.removeprefix("core/")
        return f"{self.file}:{self.line}: `{self.before}` → {after} ({operator})"


def _flatten(text: str) -> str:
    """Strip each line of a piece of code and join them with a space."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class Module:
    """What the mutants of one module need to know of its source."""

    def __init__(self, file: str, source: str) -> None:
        """Parse the source of the module at `file` (from the root)."""
        self.file = file
        self.source = source
        self._lines = source.splitlines(keepends=True)
        tree = ast.parse(source)
        self._annotations = list(self._annotation_spans(tree))
        self._statements: dict[int, tuple[int, frozenset[int]]] = {}
        self._contexts: dict[int, tuple[int, str]] = {}
        self._scopes: dict[int, tuple[int, str]] = {}
        for node in ast.walk(tree):
            self._add_statement(node)
        self._add_scopes(tree.body, "")

    def _column(self, line: int, offset: int) -> int:
        """Turn ast's column, in UTF-8 bytes, into cosmic-ray's, in characters."""
        return len(self._lines[line - 1].encode()[:offset].decode(errors="ignore"))

    def _span(self, node: ast.expr) -> tuple[Position, Position]:
        """Return where an expression starts and ends."""
        end_line = node.end_lineno or node.lineno
        end_column = node.end_col_offset or 0
        return (
            (node.lineno, self._column(node.lineno, node.col_offset)),
            (end_line, self._column(end_line, end_column)),
        )

    def _annotation_spans(
        self, tree: ast.Module
    ) -> Iterator[tuple[Position, Position]]:
        """Yield where each annotation and type alias value is.

        Python 3.14 evaluates neither until asked, and nothing asks for ours: a
        mutant there changes nothing that runs.
        """
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args
                every = [
                    *arguments.posonlyargs,
                    *arguments.args,
                    *arguments.kwonlyargs,
                    *(item for item in (arguments.vararg, arguments.kwarg) if item),
                ]
                for argument in every:
                    if argument.annotation is not None:
                        yield self._span(argument.annotation)
                if node.returns is not None:
                    yield self._span(node.returns)
            elif isinstance(node, ast.AnnAssign):
                yield self._span(node.annotation)
            elif isinstance(node, ast.TypeAlias):
                yield self._span(node.value)

    def in_annotation(self, start: Position, end: Position) -> bool:
        """Tell whether a piece of code lies within an annotation."""
        return any(first <= start and end <= last for first, last in self._annotations)

    def _add_statement(self, node: ast.AST) -> None:
        """Record, for each line of a statement, the lines whose execution runs it.

        A compound statement's are its header's (its decorators included); a line
        keeps the innermost statement it is in.
        """
        if not isinstance(node, ast.stmt | ast.ExceptHandler):
            return
        decorators: list[ast.expr] = getattr(node, "decorator_list", [])
        start = min([node.lineno, *(item.lineno for item in decorators)])
        end = node.end_lineno or node.lineno
        children = [
            child.lineno
            for name in ("body", "orelse", "finalbody", "handlers")
            for child in getattr(node, name, [])
        ]
        body = min(children) if children else end + 1
        header = frozenset(range(start, body))
        for line in range(start, end + 1):
            known = self._statements.get(line)
            if known is None or end - start < known[0]:
                self._statements[line] = (end - start, header)
        text = self._lines[node.lineno - 1].strip()
        for line in range(body, end + 1):
            context = self._contexts.get(line)
            if context is None or end - start < context[0]:
                self._contexts[line] = (end - start, text)

    def _add_scopes(self, body: list[ast.stmt], prefix: str) -> None:
        """Record the qualified name of the innermost function or class of each line."""
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{node.name}"
                start = min(
                    [node.lineno, *(item.lineno for item in node.decorator_list)]
                )
                end = node.end_lineno or node.lineno
                for line in range(start, end + 1):
                    known = self._scopes.get(line)
                    if known is None or end - start < known[0]:
                        self._scopes[line] = (end - start, name)
                self._add_scopes(node.body, f"{name}.")
            else:
                for name in ("body", "orelse", "finalbody"):
                    self._add_scopes(getattr(node, name, []), prefix)
                for handler in getattr(node, "handlers", []):
                    self._add_scopes(handler.body, prefix)

    def context(self, line: int) -> str:
        """Return the first line of the compound statement a line is in, stripped."""
        known = self._contexts.get(line)
        return "" if known is None else known[1]

    def scope(self, line: int) -> str:
        """Return the qualified name of the function or class a line is in."""
        known = self._scopes.get(line)
        return "<module>" if known is None else known[1]

    def lines_running(self, first: int, last: int) -> frozenset[int]:
        """Return the lines any of which runs when lines first to last are run.

        The lines themselves, and the statements they are in: a test that runs
        none of them cannot see a change there.
        """
        lines = set(range(first, last + 1))
        for line in range(first, last + 1):
            known = self._statements.get(line)
            if known is not None:
                lines |= known[1]
        return frozenset(lines)

    def mutant(self, data: dict[str, object]) -> Mutant | None:
        """Read one line of `mutation.generate`; None for a mutant of an annotation.

        Raises:
            ValueError: The line is not one `mutation.generate` writes.

        """
        try:
            operator = str(data["operator"])
            first = int(str(data["first"]))
            last = int(str(data["last"]))
            replacement = str(data["replacement"])
            start, end = (_position(data["start"]), _position(data["end"]))
        except (KeyError, TypeError, ValueError) as err:
            msg = f"Not a mutant of mutation.generate: {data!r}"
            raise ValueError(msg) from err
        if self.in_annotation(start, end):
            return None
        replaced = self._lines[first - 1 : last]
        blank = next(
            (index for index, text in enumerate(replaced) if text.strip()),
            len(replaced),
        )
        return Mutant(
            file=self.file,
            operator=operator,
            first=first,
            last=last,
            replacement=replacement,
            where=self.scope(first + blank),
            context=self.context(first + blank),
            before=_flatten("".join(replaced)),
            after=_flatten(replacement),
            blank_before=blank,
        )

    def mutants(self, generated: str) -> Generated:
        """Read the output of `mutation.generate`, leaving out annotations' mutants.

        Mutants that cosmic-ray fails to make, or whose source does not compile,
        are left out as well: its parser does not know every syntax of Python 3.14.
        """
        found: list[Mutant] = []
        annotations = invalid = 0
        for line in generated.splitlines():
            data = json.loads(line)
            if "failed" in data:
                invalid += 1
                continue
            mutant = self.mutant(data)
            if mutant is None:
                annotations += 1
            elif not _compiles(mutant.apply(self.source)):
                invalid += 1
            else:
                found.append(mutant)
        return Generated(mutants=found, annotations=annotations, invalid=invalid)


@dataclass(frozen=True, slots=True, kw_only=True)
class Generated:
    """The mutants of a module, and how many were left out, and why."""

    mutants: list[Mutant]
    annotations: int
    """Mutants of annotations, which nothing evaluates."""
    invalid: int
    """Mutants cosmic-ray fails to make, or whose source does not compile."""


def _position(value: object) -> Position:
    """Read a [line, column] pair."""
    if not isinstance(value, list) or len(value) != _PAIR:
        msg = f"Not a position: {value!r}"
        raise ValueError(msg)
    return (int(str(value[0])), int(str(value[1])))


_PAIR: Final = 2


def _compiles(source: str) -> bool:
    """Tell whether a module's source compiles."""
    try:
        with warnings.catch_warnings():
            # `x is 0` compiles, with a warning: the mutant is valid, if odd.
            warnings.simplefilter("ignore", SyntaxWarning)
            compile(source, "<mutant>", "exec", dont_inherit=True)
    except SyntaxError:
        return False
    return True
