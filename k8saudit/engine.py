"""Run the catalogue over an Inventory and build the Report.

This is where honesty is enforced once for every check: an input the source could not see
turns the check `not-assessable` with that reason before the check runs, exemptions are
applied, and passes are counted rather than listed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from k8saudit import __version__
from k8saudit.findings import (
    CheckSummary,
    ClusterInfo,
    Coverage,
    Exemption,
    Finding,
    Report,
    Severity,
    Status,
)
from k8saudit.inventory import Inventory
from k8saudit.objects import Namespace
from k8saudit.registry import Check, Result, all_checks
from k8saudit.scoring import grade, section_scores, weighted_score

EXEMPT_ANNOTATION = "k8saudit.io/exempt"
EXEMPT_REASON_ANNOTATION = "k8saudit.io/exempt-reason"


@dataclass(frozen=True)
class ScanOptions:
    """What changes how results become findings (not what is collected)."""

    annotation_exemptions: bool = True
    checks: tuple[str, ...] | None = None  # run only these ids


def run_checks(inv: Inventory, options: ScanOptions | None = None) -> Report:
    """Evaluate every registered check against `inv` and return the Report."""
    options = options or ScanOptions()
    checks = [c for c in all_checks() if options.checks is None or c.id in options.checks]
    ns_annotations = {ns.name: ns.metadata.annotations for ns in inv.of("Namespace", Namespace)}
    summaries: list[CheckSummary] = []
    findings: list[Finding] = []
    gaps: dict[str, str] = {}
    for chk in checks:
        summary, check_findings = _run_one(chk, inv, options, ns_annotations, gaps)
        summaries.append(summary)
        findings.extend(check_findings)
    findings.sort(
        key=lambda f: (-f.severity.rank, f.check, f.resource.label() if f.resource else "", f.container or "")
    )
    score = weighted_score(summaries)
    assessed = sum(1 for s in summaries if s.status is not Status.NOT_ASSESSABLE)
    counts = Counter(f.severity.value for f in findings if f.status is Status.FAIL)
    facts = inv.facts
    return Report(
        tool=f"k8saudit {__version__}",
        generatedAt=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        cluster=ClusterInfo(
            source=facts.source,
            context=facts.context,
            server=facts.server,
            version=facts.version.gitVersion if facts.version else None,
            platform=facts.platform,
            collectedAt=facts.collectedAt,
            namespaces=len(inv.namespaces),
            workloads=len(inv.workloads),
            pods=inv.count("Pod"),
        ),
        score=score,
        grade=grade(score),
        coverage=Coverage(
            checks=len(summaries),
            assessed=assessed,
            ratio=round(assessed / len(summaries), 3) if summaries else 0.0,
            gaps=gaps,
        ),
        sections=section_scores(summaries),
        checks=summaries,
        findings=findings,
        counts={s.value: counts.get(s.value, 0) for s in Severity},
    )


def _run_one(
    chk: Check,
    inv: Inventory,
    options: ScanOptions,
    ns_annotations: dict[str, dict[str, str]],
    gaps: dict[str, str],
) -> tuple[CheckSummary, list[Finding]]:
    for name in chk.reads:
        avail = inv.availability(name)
        if not avail.ok:
            reason = avail.reason or f"{name}: {avail.status}"
            gaps[name] = reason
            return _summary(chk, Status.NOT_ASSESSABLE, reason=reason), [_cluster_na(chk, reason)]
    results: Iterable[Result] = chk.func(inv)
    findings: list[Finding] = []
    passed = failed = exempt = unjudged = 0
    check_reason: str | None = None
    for res in results:
        if res.passed is None and res.resource is None:
            check_reason = res.reason or res.message
            continue
        if res.passed is True:
            passed += 1
            continue
        finding = _finding(chk, res)
        if finding.status is Status.NOT_ASSESSABLE:
            unjudged += 1
        else:
            exemption = _exemption(chk.id, res, ns_annotations, options)
            if exemption is not None:
                finding.status, finding.exemption = Status.EXEMPT, exemption
                exempt += 1
            else:
                failed += 1
        findings.append(finding)
    if check_reason is not None and passed == failed == exempt == 0:
        return _summary(chk, Status.NOT_ASSESSABLE, reason=check_reason), [_cluster_na(chk, check_reason)]
    if failed:
        status = Status.FAIL
    elif passed or exempt or not unjudged:
        status = Status.PASS
    else:
        status = Status.NOT_ASSESSABLE
    summary = _summary(
        chk,
        status,
        passed=passed,
        failed=failed,
        exempt=exempt,
        reason=check_reason if status is Status.NOT_ASSESSABLE else None,
    )
    return summary, findings


def _summary(
    chk: Check, status: Status, *, passed: int = 0, failed: int = 0, exempt: int = 0, reason: str | None = None
) -> CheckSummary:
    return CheckSummary(
        id=chk.id,
        title=chk.title,
        section=chk.section,
        severity=chk.severity,
        status=status,
        passed=passed,
        failed=failed,
        exempt=exempt,
        reason=reason,
    )


def _cluster_na(chk: Check, reason: str) -> Finding:
    return Finding(
        check=chk.id,
        status=Status.NOT_ASSESSABLE,
        severity=chk.severity,
        section=chk.section,
        message=f"Not assessable: {reason}",
        remediation=chk.remediation,
        reason=reason,
    )


def _finding(chk: Check, res: Result) -> Finding:
    status = Status.NOT_ASSESSABLE if res.passed is None else Status.FAIL
    return Finding(
        check=chk.id,
        status=status,
        severity=res.severity or chk.severity,
        section=chk.section,
        resource=res.resource,
        container=res.container,
        message=res.message,
        evidence=list(res.evidence),
        remediation=chk.remediation,
        reason=res.reason,
    )


def _listed(value: str, check_id: str) -> bool:
    ids = {part.strip() for part in value.split(",")}
    return "*" in ids or check_id in ids


def _exemption(
    check_id: str, res: Result, ns_annotations: dict[str, dict[str, str]], options: ScanOptions
) -> Exemption | None:
    """An annotation on the resource, or on its namespace, that names this check (or `*`)."""
    if not options.annotation_exemptions:
        return None
    namespace = res.resource.namespace if res.resource else None
    for notes, where in ((res.annotations, "resource"), (ns_annotations.get(namespace or "", {}), "namespace")):
        value = notes.get(EXEMPT_ANNOTATION)
        if value and _listed(value, check_id):
            reason = notes.get(EXEMPT_REASON_ANNOTATION) or "no reason given"
            return Exemption(reason=reason, by=f"annotation on the {where}")
    return None
