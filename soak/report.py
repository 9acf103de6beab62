"""The soak's verdict: each check with what was measured, its limit, pass or fail."""

from collections import Counter
from dataclasses import dataclass

from tools.cli import markdown_table

from .plan import POLL_INTERVAL_S, Disturbance
from .probes import Findings, Sample, shown
from .simulated import Served

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One requirement of the soak and how this run fares."""

    name: str
    measured: str
    limit: str
    passed: bool
    details: tuple[str, ...] = ()
    """What failed, a few examples at most."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Results:
    """Everything one run measured."""

    polls: int
    trackers: int
    seed: int
    request_timeout_s: float
    duration_s: float
    limit_s: float
    served: Served
    endings: Counter[tuple[Disturbance, str]]
    """How many polls met each disturbance and ended each way."""
    surprises: list[str]
    """Polls that did not end as their disturbance says they must."""
    findings: Findings
    samples: tuple[Sample, ...]
    descriptors_before: int
    descriptors_after: int
    mismatches: list[str]
    """Differences between the final entity states and the simulated world."""
    compared: int
    """Trackers whose final states were compared."""

    @property
    def planned(self) -> Counter[Disturbance]:
        """How many polls met each disturbance."""
        planned: Counter[Disturbance] = Counter()
        for (disturbance, _), count in self.endings.items():
            planned[disturbance] += count
        return planned

    @property
    def checks(self) -> list[Check]:
        """Judge the run."""
        findings = self.findings
        first, last = self.samples[0], self.samples[-1]
        growth = last.blocks - first.blocks
        # Runs grow 0.1 to 0.5 % without a leak (see docs/soak.md): twice the worst.
        allowed = first.blocks // 100
        return [
            Check(
                name="polls made",
                measured=f"{self.polls:,} in {self.duration_s:.0f} s",
                limit=f"all planned, within {self.limit_s:.0f} s",
                passed=self.duration_s < self.limit_s,
            ),
            Check(
                name="polls ending as planned",
                measured=f"{self.polls - len(self.surprises):,} of {self.polls:,}",
                limit="all",
                passed=not self.surprises,
                details=tuple(shown(self.surprises)),
            ),
            _none("unhandled exceptions", findings.exceptions),
            _none("other errors logged", findings.unexpected_errors),
            _none("event-loop stalls ≥ 50 ms while polling", findings.stalls),
            Check(
                name=f"memory blocks, poll {first.poll:,} to {last.poll:,}",
                measured=f"{first.blocks:,} → {last.blocks:,} ({growth:+,})",
                limit=f"≤ +{allowed:,} (1 %)",
                passed=growth <= allowed,
            ),
            _none("unclosed resources (ResourceWarning)", findings.resource_warnings),
            Check(
                name="open file descriptors, start → end",
                measured=f"{self.descriptors_before} → {self.descriptors_after}",
                limit="equal",
                passed=self.descriptors_before == self.descriptors_after,
            ),
            Check(
                name="final states equal to the world",
                measured=f"{self.compared - len(self.mismatches)} of {self.compared}",
                limit="all",
                passed=not self.mismatches and self.compared > 0,
                details=tuple(shown(self.mismatches)),
            ),
        ]

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return all(check.passed for check in self.checks)


def _none(name: str, found: list[str]) -> Check:
    """Check that nothing of a kind was found."""
    return Check(
        name=name,
        measured=str(len(found)),
        limit="0",
        passed=not found,
        details=tuple(shown(found)),
    )


def _noted(findings: Findings) -> list[str]:
    """List what was seen but is not judged."""
    lines = [
        "Not judged:",
        "- poll failures logged by the coordinator (once per run of failed polls): "
        f"{findings.expected_failures.total():,}",
        f"- callbacks that took 50 ms only because other processes held the CPU: "
        f"{findings.preempted:,}",
        "- garbage collections of 50 ms or more (the whole heap, Home Assistant's): "
        f"{len(findings.collections)}"
        + (
            f", longest {max(findings.collections) / 1e6:.0f} ms"
            if findings.collections
            else ""
        ),
        f"- stalls while setting the entry up, first and after each reauth: "
        f"{len(findings.setup_stalls)}",
    ]
    lines.extend(f"  - {stall}" for stall in shown(findings.setup_stalls))
    lines.append(f"- other warnings logged: {findings.warnings.total():,}")
    lines.extend(
        f"  - {count} times: {message}"
        for message, count in findings.warnings.most_common()
    )
    return lines


def render(results: Results) -> str:
    """Write the report: the run, the disturbances, the samples, the checks."""
    checks = results.checks
    planned = results.planned
    verdicts = {True: "pass", False: "**FAIL**"}
    parts = [
        f"# Soak: {results.polls:,} polls of {results.trackers} trackers, "
        f"seed {results.seed}",
        "Each poll is the coordinator's refresh, after the simulated world's clock "
        f"moved {POLL_INTERVAL_S} s (or the Retry-After asked). The simulator, in a "
        f"process of its own, served {results.served.listings:,} tracker listings "
        f"(a reset one is sent twice) and {results.served.histories:,} location "
        "histories. The client's timeout is "
        f"{results.request_timeout_s:g} s instead of 20 s: a hung request costs "
        "that long.",
        markdown_table(
            [
                "disturbance",
                "polls ended (ok, or the error's translation key)",
                "polls",
            ],
            [
                [
                    str(kind),
                    ", ".join(
                        f"{ending} {times:,}"
                        for (disturbance, ending), times in sorted(
                            results.endings.items()
                        )
                        if disturbance is kind
                    ),
                    f"{planned[kind]:,}",
                ]
                for kind in Disturbance
                if planned[kind]
            ],
        ),
        markdown_table(
            ["after poll", "memory blocks", "RSS (MiB)", "descriptors"],
            [
                [
                    f"{sample.poll:,}",
                    f"{sample.blocks:,}",
                    f"{sample.rss_bytes / _MIB:.1f}",
                    str(sample.descriptors),
                ]
                for sample in results.samples
            ],
            text=0,
        ),
        markdown_table(
            ["check", "measured", "limit", "result"],
            [
                [check.name, check.measured, check.limit, verdicts[check.passed]]
                for check in checks
            ],
            text=4,
        ),
    ]
    details = [
        f"- {check.name}: {detail}" for check in checks for detail in check.details
    ]
    if details:
        parts.append("\n".join(details))
    parts.append("\n".join(_noted(results.findings)))
    parts.append("PASS" if results.passed else "FAIL")
    return "\n\n".join(parts) + "\n"
