"""What to fix first: failing checks ranked by the severity of their own findings.

A check has a default severity, but a finding may be graver or milder than it (a writable
container-runtime socket is a critical `pod.host-path` finding, a check whose default is high).
Ranking checks by their default would bury such a finding under every high check, so every place
that says what to fix first (the terminal's list, the reports' top risks, the order of the failing
checks, the HTML severity filter) ranks by the worst finding a check has, then by how many findings
share that severity. One entry per check keeps the list diverse: 50 privileged containers are one
line, next to the one anonymous binding, not 50 lines above it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from k8saudit.model.findings import CheckSummary, Finding, Report, Severity, Status

#: Checks in a top-risks list, before the checks with a critical finding that did not fit in it.
TOP_RISKS = 5


@dataclass
class FailingCheck:
    """A failing check and its failing findings, the most severe first."""

    check: CheckSummary
    #: Worst first; findings of one severity keep the report's order.
    findings: list[Finding]

    @property
    def problem(self) -> str:
        """What the failures are called ("Privileged containers"): the heading of a failing check."""
        return self.check.as_problem()

    @property
    def worst(self) -> Severity:
        """The severity of the check's gravest finding: what the check ranks by."""
        return self.findings[0].severity

    @cached_property
    def by_severity(self) -> dict[Severity, int]:
        """How many findings of each severity, the worst first (only the severities present)."""
        counts: dict[Severity, int] = {}
        for finding in self.findings:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
        return counts

    @property
    def counted_elsewhere(self) -> bool:
        """Every failure is left out of the score (`Finding.scored`): counted by the check it is
        `coveredBy` (a cluster-admin holder's exec, Secrets, ...), or informational by design."""
        return not any(f.scored for f in self.findings)

    @property
    def mixed(self) -> bool:
        """Whether the findings differ in severity (then each severity's count is worth saying)."""
        return len(self.by_severity) > 1

    def sort_key(self) -> tuple[int, int, int, str]:
        return (-self.worst.rank, -self.by_severity[self.worst], -len(self.findings), self.check.id)


def worst_first(findings: Iterable[Finding]) -> list[Finding]:
    """`findings` ordered by severity, the worst first, each severity in its given order."""
    return sorted(findings, key=_minus_rank)


def _minus_rank(finding: Finding) -> int:
    return -finding.severity.rank


def failures_by_check(report: Report) -> dict[str, list[Finding]]:
    """The failing findings of each check, in the report's order."""
    failures: dict[str, list[Finding]] = {}
    for finding in report.findings:
        if finding.status is Status.FAIL:
            failures.setdefault(finding.check, []).append(finding)
    return failures


def rank(report: Report, failures: dict[str, list[Finding]] | None = None) -> list[FailingCheck]:
    """Every check with a failing finding, the one to fix first first (see the module's docstring).
    `failures` is `failures_by_check(report)` when the caller has it already."""
    if failures is None:
        failures = failures_by_check(report)
    checks = {c.id: c for c in report.checks}
    ranked = [FailingCheck(checks[cid], worst_first(fs)) for cid, fs in failures.items() if cid in checks]
    ranked.sort(key=FailingCheck.sort_key)
    return ranked


def top(ranked: list[FailingCheck], limit: int = TOP_RISKS) -> list[FailingCheck]:
    """The first `limit` of `ranked`, and after them every other check with a critical finding:
    no critical finding is left out of a list of what to fix first."""
    shown = ranked[:limit]
    shown += [r for r in ranked[limit:] if r.worst is Severity.CRITICAL]
    return shown
