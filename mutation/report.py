"""What a mutation run found: scores per module, survivors, docs/mutation.md."""

from collections.abc import Sequence
from dataclasses import dataclass
import textwrap
from typing import Final

from .equivalent import Equivalent
from .mutants import Mutant
from .runner import Outcome
from .targets import TARGETS

TARGET_SCORE: Final = 0.9
"""The share of the mutants that change behaviour the tests must kill (issue #18)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FileResult:
    """The mutants of one module and their outcomes."""

    file: str
    outcomes: list[tuple[Mutant, Outcome]]
    annotations: int
    """Mutants of annotations, left out: nothing evaluates them."""
    invalid: int
    """Mutants cosmic-ray fails to make, or that do not compile, left out."""
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """How one module's mutants fared, equivalent ones told apart."""

    result: FileResult
    killed: int
    survivors: list[tuple[Mutant, Outcome]]
    """The mutants that survived and are not known to be equivalent."""
    equivalent: list[tuple[Mutant, Equivalent]]
    killed_equivalent: list[Mutant]
    """Mutants listed as equivalent that a test killed: the list is wrong."""

    @property
    def mutants(self) -> int:
        """All the mutants tested."""
        return len(self.result.outcomes)

    @property
    def score(self) -> float:
        """The share of the mutants that change behaviour which were killed."""
        relevant = self.killed + len(self.survivors)
        return self.killed / relevant if relevant else 1.0


def summarize(result: FileResult, known: Sequence[Equivalent]) -> Summary:
    """Count a module's outcomes, matching its survivors against the known list."""
    killed = 0
    survivors: list[tuple[Mutant, Outcome]] = []
    equivalent: list[tuple[Mutant, Equivalent]] = []
    killed_equivalent: list[Mutant] = []
    for mutant, outcome in sorted(
        result.outcomes, key=lambda item: (item[0].line, item[0].operator)
    ):
        listed = next((entry for entry in known if entry.matches(mutant)), None)
        if outcome.killed:
            killed += 1
            if listed is not None:
                killed_equivalent.append(mutant)
        elif listed is not None:
            equivalent.append((mutant, listed))
        else:
            survivors.append((mutant, outcome))
    return Summary(
        result=result,
        killed=killed,
        survivors=survivors,
        equivalent=equivalent,
        killed_equivalent=killed_equivalent,
    )


def unmatched(
    summaries: Sequence[Summary], known: Sequence[Equivalent]
) -> list[Equivalent]:
    """Return the entries of the known list, for the modules run, matching no mutant."""
    files = {summary.result.file for summary in summaries}
    return [
        entry
        for entry in known
        if entry.file in files
        and not any(
            entry.matches(mutant)
            for summary in summaries
            for mutant, _ in summary.result.outcomes
        )
    ]


def duration(seconds: float) -> str:
    """Write a duration in minutes and seconds."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def percent(share: float) -> str:
    """Write a share as a percentage with one decimal."""
    return f"{100 * share:.1f} %"


def table(summaries: Sequence[Summary]) -> str:
    """Tabulate the scores per module, in Markdown."""
    rows = [
        "| module | mutants | killed | survived | equivalent | score | time |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows += [
        f"| `{summary.result.file}` | {summary.mutants} | {summary.killed} | "
        f"{len(summary.survivors)} | {len(summary.equivalent)} | "
        f"{percent(summary.score)} | {duration(summary.result.seconds)} |"
        for summary in summaries
    ]
    return "\n".join(rows)


def survivor_lines(summary: Summary) -> list[str]:
    """Describe each survivor: `file:line: code → mutant (operator)`."""
    return [
        mutant.describe()
        + (" — no mapped test runs it" if outcome.how == "not run" else "")
        for mutant, outcome in summary.survivors
    ]


def verdict(summaries: Sequence[Summary]) -> list[str]:
    """Name the modules whose score is below the target; empty when none is."""
    return [
        f"{summary.result.file}: {percent(summary.score)}, below the "
        f"{percent(TARGET_SCORE)} target"
        for summary in summaries
        if summary.score < TARGET_SCORE
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Environment:
    """Where and how the run ran."""

    command: str
    date: str
    machine: str
    python: str
    home_assistant: str
    cosmic_ray: str
    jobs: int
    seconds: float


def _paragraph(text: str) -> str:
    """Wrap a paragraph of prose at 88 columns."""
    return textwrap.fill(text, width=88, break_on_hyphens=False)


def _item(text: str) -> str:
    """Wrap an item of a list at 88 columns, its next lines indented."""
    return textwrap.fill(
        text,
        width=88,
        initial_indent="- ",
        subsequent_indent="  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def document(
    summaries: Sequence[Summary], environment: Environment, known: Sequence[Equivalent]
) -> str:
    """Write docs/mutation.md: the method, this run's scores, survivors, equivalents."""
    survivors = [line for summary in summaries for line in survivor_lines(summary)]
    # Mutants of one piece of code, equivalent for one reason, share an item.
    alike: dict[tuple[str, int, str, str, str], list[str]] = {}
    for summary in summaries:
        for mutant, entry in summary.equivalent:
            key = (mutant.file, mutant.line, mutant.where, mutant.before, entry.reason)
            alike.setdefault(key, []).append(
                f"`{mutant.after}`" if mutant.after else "(removed)"
            )
    equivalent = [
        f"`{file}:{line}` (`{where}`): `{before}` → {', '.join(afters)}. {reason}"
        for (file, line, where, before, reason), afters in alike.items()
    ]
    stale = unmatched(summaries, known)
    mapping = [
        f"| `{file}` | {', '.join(f'`{pattern}`' for pattern in patterns)} |"
        for file, patterns in TARGETS.items()
    ]
    tested = sum(summary.mutants for summary in summaries)
    annotations = sum(summary.result.annotations for summary in summaries)
    invalid = sum(summary.result.invalid for summary in summaries)
    hangs = sum(
        outcome.how == "timed out"
        for summary in summaries
        for _, outcome in summary.result.outcomes
    )
    parts = [
        "# Mutation testing",
        "",
        "Written by `scripts/mutate` (issue #18): re-run it rather than edit this "
        "file.",
        "",
        _paragraph(
            "A mutant is a copy of a module with one small mistake in it: `<` for "
            "`<=`, `and` for `or`, a number off by one, an exception no longer caught. "
            "The tests kill it when one of them fails. A mutant that survives is a "
            "mistake the tests would let through, unless it changes nothing at all: "
            "it is then equivalent, listed below with the reason. The target: the "
            f"tests kill at least {percent(TARGET_SCORE)} of the mutants that change "
            "behaviour in each of the client, its models, the coordinator and its "
            "scheduler."
        ),
        "",
        "## Run it",
        "",
        _paragraph(
            "Before merging a change to the client (`api/`), the coordinator or its "
            "scheduler, or to their tests. It takes too long for `scripts/test` and CI."
        ),
        "",
        "```sh",
        "scripts/mutate               # client, models, coordinator, scheduler; "
        "rewrites this",
        "scripts/mutate api/models.py # some modules, or a directory: prints only",
        "scripts/mutate --help        # jobs, per-test timeout, output",
        "```",
        "",
        _paragraph(
            "It prints, for each module, its mutants, killed, survived and "
            "equivalent, and the score; then each survivor as `file:line: code → "
            "mutant (operator)`. It exits with 1 when a score is below the target. "
            "To kill a survivor, write a test of the behaviour it breaks; when it "
            "breaks none, add it to `mutation/equivalent.py` with the reason."
        ),
        "",
        "## How it works",
        "",
        _item(
            "`scripts/mutate` provisions the project (`scripts/setup`) and the "
            "tool's own virtualenv, `.venv-mutate`, from `mutation/requirements.txt`: "
            "cosmic-ray, never a dependency of the project."
        ),
        _item(
            "It works on a copy of the tree (the files git sees, committed or not) "
            "in a temporary directory: the working tree is never written to."
        ),
        _item(
            "cosmic-ray's core operators make the mutants (`mutation/generate.py`), "
            "but for those in annotations and type aliases: Python 3.14 evaluates "
            "neither until asked, and nothing asks for ours."
        ),
        _item(
            "One process imports pytest, Home Assistant and the tests once. Each "
            "mutant runs in a child forked from it, which imports the project "
            "afresh, the mutated module from memory."
        ),
        _item(
            "A mutant runs the tests mapped to its module (below) that run its "
            "lines, as a first run of them with coverage per test finds: those "
            "that killed most mutants of the same function first, then most "
            "mutants in all, then the quickest. A line run on "
            "import is run by every test."
        ),
        _item(
            "Tests run with `-x`, `--no-cov`, `-p no:cacheprovider` and "
            "pytest-timeout's thread method: a mutant that makes a test hang is "
            "killed by the timeout (once tried again, as other work on the machine "
            "may slow a test that much), and a child running ten times longer than "
            "its tests did unmutated is ended."
        ),
        "",
        "| module | tests |",
        "| --- | --- |",
        *mapping,
        "",
        "## This run",
        "",
        "| | |",
        "| --- | --- |",
        f"| command | `{environment.command}` |",
        f"| date | {environment.date} |",
        f"| machine | {environment.machine} |",
        f"| Python | {environment.python} |",
        f"| Home Assistant | {environment.home_assistant} |",
        f"| cosmic-ray | {environment.cosmic_ray} |",
        f"| jobs | {environment.jobs} children at a time |",
        f"| mutants | {tested} tested; left out: {annotations} in annotations, "
        f"{invalid} that cosmic-ray fails to make or that do not compile |",
        f"| killed by a timeout | {hangs} |",
        f"| time | {duration(environment.seconds)}, from start to report |",
        "",
        table(summaries),
        "",
        "The score is killed / (mutants - equivalent).",
        "",
        "## Survivors",
        "",
        *(_item(line) for line in survivors),
        *([] if survivors else ["None."]),
        "",
        "## Equivalent mutants",
        "",
        _paragraph(
            "Each changes nothing a user of the integration or a caller of the "
            "client can tell, for the reason given."
        ),
        "",
        *(_item(line) for line in equivalent),
        *([] if equivalent else ["None."]),
    ]
    if stale:
        parts += [
            "",
            "Listed in `mutation/equivalent.py`, made by no operator any more:",
            "",
            *(
                _item(f"`{entry.file}` (`{entry.where}`): `{entry.before}`")
                for entry in stale
            ),
        ]
    return "\n".join(parts) + "\n"
