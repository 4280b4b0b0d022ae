"""The Markdown summary (`-f md-summary`, `report.summary.md`): a report that always fits where
Markdown goes, from `templates/summary.md`.

A GitHub comment or issue body stops at 65,536 characters; the demo's report.md is 156 KB and a
2,000-pod cluster's 2 MB. The summary holds what a pull request or a ticket needs: score and
grade, coverage, failing findings by severity, what is new since the baseline, the top risks
with their fix, each section's counts, and where the full report is. Its size does not grow with
the cluster: every list is bounded and every value from the cluster is clipped (a context or a
resource name can be as long as anyone made it). It is rendered with the largest budget first
and a smaller one while it is longer than `TARGET`, which leaves room under GitHub's limit for
what a CI job puts around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from k8saudit.model.findings import ChangedFinding, Report, Severity
from k8saudit.output import priorities, templates, view
from k8saudit.output.writer import Writer
from k8saudit.runtime import gcpause

TEMPLATE = "summary.md"
#: GitHub's limit for a comment, an issue or a pull request body, in characters.
GITHUB_LIMIT = 65_536
#: What the summary stays under, in UTF-16 code units (what a browser counts): GitHub's limit
#: less room for a CI job's own header and footer around it.
TARGET = 60_000


@dataclass(frozen=True)
class Budget:
    """How much of each list is shown, and how long a cluster-given text may be."""

    top: int  # checks in the top risks (and every other check with a critical finding)
    new: int  # new findings listed since the baseline
    clip: int  # characters of a name or message from the cluster


#: Tried in order; the first whose summary fits `TARGET` is written.
BUDGETS = (Budget(10, 50, 200), Budget(10, 20, 100), Budget(5, 10, 60), Budget(3, 0, 30), Budget(1, 0, 16))


@dataclass(frozen=True)
class SectionCounts:
    title: str
    score: float | None
    failing: int  # failing checks
    counts: dict[Severity, int]  # failing findings by their own severity


def size(text: str) -> int:
    """The length GitHub checks: UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _sections(report: Report, ranked: list[priorities.FailingCheck]) -> list[SectionCounts]:
    out = []
    for s in report.sections:
        counts: dict[Severity, int] = {}
        failing = [r for r in ranked if r.check.section is s.section]
        for r in failing:
            for severity, n in r.by_severity.items():
                counts[severity] = counts.get(severity, 0) + n
        out.append(SectionCounts(s.title, s.score, len(failing), counts))
    return out


def _new(report: Report) -> list[ChangedFinding]:
    since = report.sinceLastScan
    return sorted(since.new, key=lambda c: -c.severity.rank) if since is not None else []


def text(report: Report) -> str:
    """The summary: the first budget whose text fits `TARGET` (the last one always does)."""
    with gcpause.paused():
        base = view.context(report)
        ranked = base["failing_checks"]
        base.update(section_counts=_sections(report, ranked), new_findings=_new(report))
        rendered = ""
        for i, budget in enumerate(BUDGETS):
            cut = "" if i == 0 else f"lists shortened to fit a GitHub comment ({TARGET:,} characters)"
            context = {
                **base,
                "top_risks": [view.Risk(r) for r in priorities.top(ranked, budget.top)],
                "new": budget.new,
                "clip": budget.clip,
                "cut": cut,
            }
            rendered = templates.template(TEMPLATE).render(**context)
            if size(rendered) <= TARGET:
                return rendered
        return rendered


def write(report: Report, handle: BinaryIO) -> None:
    handle.write(text(report).encode())


def prepare() -> None:
    """Load the template now: a missing file is no write error."""
    templates.template(TEMPLATE)


WRITER = Writer(write=write, text=text, prepare=prepare)
