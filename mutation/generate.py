"""List cosmic-ray's mutants of modules as JSON lines, one mutant a line.

Runs in the mutation tool's own virtualenv (.venv-mutate, made by scripts/mutate),
where cosmic-ray lives; the project's never imports it. The first line holds
cosmic-ray's version; each other, the module's path, the operator, its occurrence,
cosmic-ray's positions, and the mutant as the lines it replaces: first and last
(1-based, inclusive) and their replacement, or `failed` and why when the operator
cannot make it. Operators that need arguments (VariableReplacer, VariableInserter)
make no mutant unconfigured.
"""

import difflib
from importlib.metadata import version
import json
from pathlib import Path
import sys

from cosmic_ray.ast import ast_nodes, get_ast
from cosmic_ray.mutating import mutate_code
from cosmic_ray.plugins import get_operator, operator_names


def mutants(source: str) -> list[dict[str, object]]:
    """Return every mutant cosmic-ray's core operators make of a module's source."""
    original = source.splitlines(keepends=True)
    found: list[dict[str, object]] = []
    for name in operator_names():
        operator_class = get_operator(name)
        if operator_class.arguments():
            continue
        operator = operator_class()
        positions = [
            position
            for node in ast_nodes(get_ast(source))
            for position in operator.mutation_positions(node)
        ]
        for occurrence, (start, end) in enumerate(positions):
            where = {"operator": name, "occurrence": occurrence}
            try:
                mutated = mutate_code(source, operator, occurrence)
            except Exception as err:  # noqa: BLE001 - an operator's bug skips its mutant
                # ExceptionReplacer cannot replace a dotted name (aiohttp.ClientError).
                found.append(where | {"failed": f"{type(err).__name__}: {err}"})
                continue
            if mutated is None or mutated == source:
                continue
            changed = difflib.SequenceMatcher(
                None, original, mutated.splitlines(keepends=True), autojunk=False
            ).get_opcodes()
            edits = [opcode for opcode in changed if opcode[0] != "equal"]
            first, last = edits[0][1], edits[-1][2]
            lines = mutated.splitlines(keepends=True)
            tail = len(original) - last
            found.append(
                where
                | {
                    "start": list(start),
                    "end": list(end),
                    "first": first + 1,
                    "last": last,
                    "replacement": "".join(lines[first : len(lines) - tail]),
                }
            )
    return found


def main(argv: list[str]) -> int:
    """Print cosmic-ray's version, then the mutants of the modules at these paths."""
    sys.stdout.write(json.dumps({"cosmic-ray": version("cosmic-ray")}) + "\n")
    for path in argv:
        for mutant in mutants(Path(path).read_text(encoding="utf-8")):
            sys.stdout.write(json.dumps({"file": path, **mutant}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
