"""The rules of `scripts/mutate`: which mutants, which tests, what score.

Running mutants forks pytest and takes minutes: `scripts/mutate` does, not the suite.
Here: what is mutated and left out, which tests a mutant needs, how outcomes count.
"""

from dataclasses import replace
import json
from pathlib import Path
import subprocess

import pytest

from mutation.equivalent import EQUIVALENT, Equivalent
from mutation.mutants import Module, Mutant
from mutation.report import (
    Environment,
    FileResult,
    document,
    summarize,
    table,
    verdict,
)
from mutation.runner import Outcome, _Finished, _outcome, copy_tree, module_name
from mutation.targets import DEFAULT_FILES, TARGETS, mapped_tests, resolve

ROOT = Path(__file__).resolve().parent.parent
SOURCE = '''\
"""A module."""

LIMIT: int = 2 * 3


@decorated(1)
def check(value: int | None, other: str = "a") -> bool | None:
    """Check."""
    if (
        value is not None
        and value > LIMIT
    ):
        return True
    return None


type Alias = int | str
'''


def _generated(**fields: object) -> dict[str, object]:
    """Return a line of mutation.generate, as JSON decodes it."""
    return {
        "operator": "core/ReplaceComparisonOperator_Gt_GtE",
        "occurrence": 0,
        "start": [11, 14],
        "end": [11, 15],
        "first": 11,
        "last": 11,
        "replacement": "        and value >= LIMIT\n",
    } | fields


def test_the_default_modules_are_the_client_its_models_and_the_polling() -> None:
    """Without FILE, the run is over client.py, models.py, coordinator, scheduler."""
    assert resolve(ROOT, []) == [
        "custom_components/invoxia/api/client.py",
        "custom_components/invoxia/api/models.py",
        "custom_components/invoxia/coordinator.py",
        "custom_components/invoxia/scheduler.py",
    ]
    assert list(DEFAULT_FILES) == resolve(ROOT, [])


def test_a_directory_or_a_path_from_the_package_names_its_modules() -> None:
    """A directory is every module under it; `api/client.py` is the package's."""
    assert resolve(ROOT, ["api/client.py", "custom_components/invoxia/api"]) == [
        "custom_components/invoxia/api/client.py",
        "custom_components/invoxia/api/__init__.py",
        "custom_components/invoxia/api/exceptions.py",
        "custom_components/invoxia/api/models.py",
    ]


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("api/nothing.py", r"^api/nothing\.py: no such file or directory$"),
        (
            "custom_components/invoxia/sensor.py",
            r"^custom_components/invoxia/sensor\.py: no tests are mapped to it",
        ),
    ],
)
def test_a_module_without_tests_or_file_is_refused(argument: str, message: str) -> None:
    """A path that names nothing, or a module no test is mapped to, is an error."""
    with pytest.raises(ValueError, match=message):
        resolve(ROOT, [argument])


@pytest.mark.parametrize("module", sorted(TARGETS))
def test_every_mapped_module_and_test_file_exists(module: str) -> None:
    """The map names modules of the tree, each with test files that exist."""
    assert (ROOT / module).is_file()
    files = mapped_tests(ROOT, module)
    assert files
    assert all((ROOT / file).is_file() for file in files)


def test_a_glob_matching_no_test_file_is_an_error(tmp_path: Path) -> None:
    """A mapped glob that matches nothing means the map went stale."""
    with pytest.raises(ValueError, match=r"matches no file$"):
        mapped_tests(tmp_path, "custom_components/invoxia/coordinator.py")


def test_mutants_of_annotations_and_type_aliases_are_left_out() -> None:
    """Nothing evaluates them: only the mutants of code that runs are tested."""
    module = Module("m.py", SOURCE)
    generated = [
        _generated(),
        # `int | None` of an argument, `bool | None` returned, `int` of an AnnAssign,
        # `int | str` of a type alias.
        _generated(start=[7, 20], end=[7, 21]),
        _generated(start=[7, 55], end=[7, 56]),
        _generated(start=[3, 7], end=[3, 10]),
        _generated(start=[17, 18], end=[17, 19]),
        # LIMIT's value, `2 * 3`, is code.
        _generated(
            start=[3, 15],
            end=[3, 16],
            first=3,
            last=3,
            replacement="LIMIT: int = 2 + 3\n",
        ),
        {
            "operator": "core/ExceptionReplacer",
            "occurrence": 1,
            "failed": "AttributeError",
        },
        _generated(replacement="        and value >=\n"),
    ]
    made = module.mutants("\n".join(json.dumps(line) for line in generated))
    assert [(mutant.first, mutant.after) for mutant in made.mutants] == [
        (11, "and value >= LIMIT"),
        (3, "LIMIT: int = 2 + 3"),
    ]
    assert (made.annotations, made.invalid) == (4, 2)


def test_a_mutant_says_where_it_is_and_what_it_changes() -> None:
    """Its file and line, its function, the code before and after, its operator."""
    module = Module("m.py", SOURCE)
    mutant = module.mutant(_generated())
    assert mutant is not None
    assert (mutant.where, mutant.before, mutant.after) == (
        "check",
        "and value > LIMIT",
        "and value >= LIMIT",
    )
    assert mutant.describe() == (
        "m.py:11: `and value > LIMIT` → `and value >= LIMIT` "
        "(ReplaceComparisonOperator_Gt_GtE)"
    )
    assert mutant.apply(SOURCE) == SOURCE.replace("value > LIMIT", "value >= LIMIT")


def test_a_mutant_runs_with_the_header_of_the_statement_it_is_in() -> None:
    """A condition spread over lines runs with its `if`; a decorator with its def."""
    module = Module("m.py", SOURCE)
    assert module.lines_running(11, 11) == {9, 10, 11, 12}
    assert module.lines_running(13, 13) == {13}
    assert module.lines_running(6, 6) == {6, 7}
    assert module.scope(6) == "check"
    assert module.scope(3) == "<module>"


def _mutant(line: int, after: str = "x") -> Mutant:
    """Return a mutant of line `line` of client.py."""
    return Mutant(
        file="custom_components/invoxia/api/client.py",
        operator="core/NumberReplacer",
        first=line,
        last=line,
        replacement=f"{after}\n",
        where="f",
        before="y",
        after=after,
    )


def _outcome_of(*, killed: bool) -> Outcome:
    """Return an outcome that killed the mutant, or let it survive."""
    how = "failed" if killed else "survived"
    return Outcome(killed=killed, how=how, by=None)


def test_the_score_leaves_equivalent_mutants_out() -> None:
    """Score = killed / (mutants - equivalent); a killed 'equivalent' is flagged."""
    known = [
        Equivalent(file=_mutant(1).file, where="f", before="y", after="b", reason="r"),
        Equivalent(file=_mutant(1).file, where="f", before="y", after="c", reason="r"),
    ]
    outcomes = [
        *((_mutant(line), _outcome_of(killed=True)) for line in range(8)),
        (_mutant(9), _outcome_of(killed=False)),
        (_mutant(10, "b"), _outcome_of(killed=False)),
        (_mutant(11, "c"), _outcome_of(killed=True)),
    ]
    result = FileResult(
        file=_mutant(1).file,
        outcomes=outcomes,
        annotations=0,
        invalid=0,
        seconds=65.0,
    )
    summary = summarize(result, known)
    assert (summary.mutants, summary.killed, len(summary.survivors)) == (11, 9, 1)
    assert [mutant.first for mutant, _ in summary.equivalent] == [10]
    assert [mutant.first for mutant in summary.killed_equivalent] == [11]
    assert summary.score == 0.9
    assert verdict([summary]) == []
    assert table([summary]).splitlines()[2] == (
        f"| `{result.file}` | 11 | 9 | 1 | 1 | 90.0 % | 1 min 05 s |"
    )
    lower = summarize(result, known[1:])
    assert lower.score == 9 / 11
    assert verdict([lower]) == [f"{result.file}: 81.8 %, below the 90.0 % target"]


def test_the_report_lists_alike_equivalent_mutants_as_one() -> None:
    """Mutants of one line, equivalent for one reason, make one item of the report."""
    known = [
        Equivalent(
            file=_mutant(1).file, where="f", before="y", after=after, reason="R."
        )
        for after in ("b", "c")
    ]
    result = FileResult(
        file=_mutant(1).file,
        outcomes=[(_mutant(4, after), _outcome_of(killed=False)) for after in "bc"],
        annotations=0,
        invalid=0,
        seconds=1.0,
    )
    environment = Environment(
        command="scripts/mutate",
        date="today",
        machine="m",
        python="3.14",
        home_assistant="h",
        cosmic_ray="8.7.0",
        jobs=2,
        seconds=1.0,
    )
    text = document([summarize(result, known)], environment, known)
    assert [line for line in text.splitlines() if line.startswith("- `custom")] == [
        f"- `{result.file}:4` (`f`): `y` → `b`, `c`. R."
    ]


def test_an_equivalent_mutant_is_known_by_its_code_and_where_it_is() -> None:
    """Spaces do not count; a context, when given, tells apart mutants alike."""
    module = Module("m.py", SOURCE)
    mutant = module.mutant(_generated(replacement="        and value >=  LIMIT\n"))
    assert mutant is not None
    header = 'def check(value: int | None, other: str = "a") -> bool | None:'
    assert mutant.context == header
    listed = Equivalent(
        file="m.py",
        where="check",
        before="and value > LIMIT",
        after="and value >= LIMIT",
        reason="r.",
    )
    assert listed.matches(mutant)
    assert replace(listed, context=header).matches(mutant)
    assert not replace(listed, context="if (").matches(mutant)
    assert not replace(listed, where="other").matches(mutant)
    assert not replace(listed, after="and value < LIMIT").matches(mutant)


@pytest.mark.parametrize(
    ("status", "events", "expected"),
    [
        (0, [{"start": "t1"}], ("survived", None, False)),
        (
            1,
            [{"start": "t1"}, {"test": "t1", "outcome": "failed"}],
            ("failed", "t1", True),
        ),
        (1, [{"start": "t1"}, {"start": "t2"}], ("timed out", "t2", True)),
        (1, [], ("broke the import", None, True)),
        (None, [{"start": "t1"}], ("timed out", "t1", True)),
        (2, [], ("broke the import", None, True)),
        (4, [], ("broke the import", None, True)),
        (-11, [{"start": "t1"}], ("crashed", "t1", True)),
    ],
)
def test_a_childs_status_says_how_its_mutant_fared(
    status: int | None,
    events: list[dict[str, object]],
    expected: tuple[str, str | None, bool],
) -> None:
    """Passing survives; failing, hanging, crashing or not importing kills."""
    outcome = _outcome(_Finished(status=status, events=events, seconds=1.0))
    assert (outcome.how, outcome.by, outcome.killed) == expected


def test_a_module_imports_by_its_dotted_path() -> None:
    """A module's import name follows its path; a package's drops __init__."""
    assert module_name("custom_components/invoxia/api/client.py") == (
        "custom_components.invoxia.api.client"
    )
    assert module_name("custom_components/invoxia/api/__init__.py") == (
        "custom_components.invoxia.api"
    )


def test_the_copy_holds_what_git_sees_and_no_more(tmp_path: Path) -> None:
    """Committed and new files are copied; ignored ones and symlinks are not."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / ".gitignore").write_text("ignored.txt\n")
    (tree / "committed.py").write_text("a = 1\n")
    (tree / "ignored.txt").write_text("no\n")
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)  # noqa: S607 - git from PATH, as the scripts use it
    subprocess.run(["git", "add", "."], cwd=tree, check=True)  # noqa: S607 - as above
    (tree / "new").mkdir()
    (tree / "new" / "file.py").write_text("b = 2\n")
    (tree / "link").symlink_to(tree / "committed.py")
    copy_tree(tree, tmp_path / "copy")
    copied = sorted(
        path.relative_to(tmp_path / "copy").as_posix()
        for path in (tmp_path / "copy").rglob("*")
        if path.is_file()
    )
    assert copied == [".gitignore", "committed.py", "new/file.py"]


@pytest.mark.parametrize(
    "entry", EQUIVALENT, ids=[f"{entry.file}:{entry.where}" for entry in EQUIVALENT]
)
def test_every_equivalent_mutant_is_of_a_mapped_module_and_says_why(
    entry: Equivalent,
) -> None:
    """An equivalent mutant names a mutated module, changes code, and has a reason."""
    assert entry.file in TARGETS
    assert entry.before != entry.after
    assert entry.reason.endswith(".")
