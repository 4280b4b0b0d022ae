"""The score: a severity-weighted pass rate, per NSA/CISA section and overall.

Each assessed check contributes its pass fraction (passed resources / judged resources; a
cluster-level check is 0 or 1) weighted by its severity (critical 10, high 6, medium 3, low 1,
info 0). Not-assessable checks are left out of the score and shown as coverage instead;
exempt results count neither as passed nor failed, and neither do failures marked unscored
(covered by another check that scores them, or informational by design). The same inventory always gets the same
score: nothing here depends on order or time.
"""

from __future__ import annotations

from collections.abc import Iterable

from k8saudit.model.findings import CheckSummary, Section, SectionScore, Status

GRADES = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"))


def check_fraction(summary: CheckSummary) -> float | None:
    """Share of judged resources that passed; None when the check is not in the score.

    Failures another check already scores (or informational by design) are not judged here
    (`CheckSummary.unscored`): a binding that grants everything fails rbac.pod-exec too, but
    only rbac.cluster-admin-bindings scores it."""
    if summary.status is Status.NOT_ASSESSABLE:
        return None
    judged = summary.passed + summary.failed - summary.unscored
    if judged == 0:
        return None  # nothing to evaluate, or everything exempt
    return summary.passed / judged


def weighted_score(summaries: Iterable[CheckSummary]) -> float | None:
    total_weight = 0.0
    earned = 0.0
    for summary in summaries:
        fraction = check_fraction(summary)
        weight = summary.severity.weight
        if fraction is None or weight == 0:
            continue
        total_weight += weight
        earned += weight * fraction
    if total_weight == 0:
        return None
    return round(100.0 * earned / total_weight, 1)


def grade(score: float | None) -> str:
    if score is None:
        return "n/a"
    for floor, letter in GRADES:
        if score >= floor:
            return letter
    return "F"


def section_scores(summaries: list[CheckSummary]) -> list[SectionScore]:
    out: list[SectionScore] = []
    for section in Section:
        in_section = [s for s in summaries if s.section is section]
        if not in_section:
            continue
        out.append(
            SectionScore(
                section=section,
                title=section.heading,
                score=weighted_score(in_section),
                checks=len(in_section),
                assessed=sum(1 for s in in_section if s.status is not Status.NOT_ASSESSABLE),
                failed=sum(1 for s in in_section if s.status is Status.FAIL),
            )
        )
    return out
