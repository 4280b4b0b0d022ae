"""Run the catalogue over an Inventory and build the Report.

This is where honesty is enforced once for every check: an input the source could not see
turns the check `not-assessable` with that reason before the check runs, results outside the
configured namespace scope are dropped, exemptions (config file, annotations, defaults: see
`k8saudit.engine.exemptions`) and severity overrides are applied, and passes are counted rather than listed.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from k8saudit import __version__
from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Check, Result, Target, all_checks, ref_fields
from k8saudit.engine import sections
from k8saudit.engine.config import AuditConfig
from k8saudit.engine.exemptions import EXEMPT_ANNOTATION, EXEMPT_REASON_ANNOTATION, Policy
from k8saudit.model.findings import (
    CheckSummary,
    ClusterInfo,
    Coverage,
    Evidence,
    Finding,
    InputCoverage,
    Report,
    ResourceRef,
    Severity,
    Status,
    trusted_evidence,
    trusted_finding,
    trusted_ref,
)
from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import Namespace, Pod
from k8saudit.model.scoring import grade, section_scores, weighted_score

__all__ = ["EXEMPT_ANNOTATION", "EXEMPT_REASON_ANNOTATION", "ScanOptions", "run_checks"]


@dataclass(frozen=True)
class ScanOptions:
    """What changes how results become findings (not what is collected)."""

    annotation_exemptions: bool = True
    checks: tuple[str, ...] | None = None  # run only these ids
    #: The `--config` file: exemptions, severity overrides, namespace scope, registry allow-list.
    config: AuditConfig | None = None
    #: The documented default exemptions (`--no-default-exemptions`, or `defaultExemptions: false`).
    default_exemptions: bool = True
    #: The scan's clock: exemption expiry and `generatedAt` (default: the current UTC time).
    now: dt.datetime | None = None

    def clock(self) -> dt.datetime:
        now = self.now or dt.datetime.now(dt.UTC)
        return (now if now.tzinfo else now.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)

    def policy(self, inv: Inventory, ns_annotations: dict[str, dict[str, str]], registered: list[str]) -> Policy:
        return Policy(
            inv,
            config=self.config,
            annotations=self.annotation_exemptions,
            defaults=self.default_exemptions,
            today=self.clock().date(),
            ns_annotations=ns_annotations,
            registered=registered,
        )


def run_checks(inv: Inventory, options: ScanOptions | None = None) -> Report:
    """Evaluate every registered check against `inv` and return the Report."""
    options = options or ScanOptions()
    now = options.clock()
    if options.config is not None:
        settings = options.config.audit_settings(inv.settings)
        if settings != inv.settings:
            inv = copy.copy(inv)  # the caller's inventory keeps its own settings
            inv.settings = settings
    catalogue = all_checks()
    checks = [c for c in catalogue if options.checks is None or c.id in options.checks]
    ns_annotations = {ns.name: ns.metadata.annotations for ns in inv.of("Namespace", Namespace)}
    policy = options.policy(inv, ns_annotations, [c.id for c in catalogue])
    summaries: list[CheckSummary] = []
    findings: list[Finding] = []
    gaps: dict[str, str] = {}
    shared = _Shared()
    ctx = ScanContext(inv)  # what the checks derive from the inventory: made once, dropped with the scan
    for chk in checks:
        summary, check_findings = _run_one(chk, ctx, options, ns_annotations, gaps, policy, shared)
        summaries.append(summary)
        findings.extend(check_findings)
    findings.sort(key=shared.finding_order)
    score = weighted_score(summaries)
    assessed = sum(1 for s in summaries if s.status is not Status.NOT_ASSESSABLE)
    counts = Counter(f.severity.value for f in findings if f.status is Status.FAIL)
    facts = inv.facts
    in_scope = policy.namespace_in_scope
    return Report(
        tool=f"k8saudit {__version__}",
        generatedAt=now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),  # as collectedAt
        cluster=ClusterInfo(
            source=facts.source,
            context=facts.context,
            server=facts.server,
            version=facts.version.gitVersion if facts.version else None,
            platform=facts.platform,
            collectedAt=facts.collectedAt,
            namespaces=sum(1 for n in inv.namespaces if in_scope(n)),
            workloads=sum(1 for w in inv.workloads if in_scope(w.namespace)),
            pods=sum(1 for p in inv.of("Pod", Pod) if in_scope(p.namespace)),
        ),
        score=score,
        grade=grade(score),
        coverage=Coverage(
            checks=len(summaries),
            assessed=assessed,
            ratio=round(assessed / len(summaries), 3) if summaries else 0.0,
            gaps=gaps,
            inputs=_inputs(inv, checks),
        ),
        sections=section_scores(summaries),
        checks=summaries,
        findings=findings,
        counts={s.value: counts.get(s.value, 0) for s in Severity},
        # The report's sections that are not checks, from the same context, after the checks.
        accessReview=sections.access_review(ctx, in_scope),
        config=policy.summary(inv.namespaces),
        podSecurity=sections.pod_security(ctx, in_scope),
        nodes=sections.nodes(inv),
    )


def _inputs(inv: Inventory, checks: list[Check]) -> list[InputCoverage]:
    """Every input the checks that ran read (sorted by name), with what the source gave."""
    names: list[str] = []
    for chk in checks:
        for name in (*chk.reads, *chk.also_reads):
            if name not in names:
                names.append(name)
    out: list[InputCoverage] = []
    for name in sorted(names):
        avail = inv.availability(name)
        out.append(InputCoverage(name=name, status=avail.status, count=avail.count, reason=avail.reason))
    return out


def _run_one(
    chk: Check,
    ctx: ScanContext,
    options: ScanOptions,
    ns_annotations: dict[str, dict[str, str]],
    gaps: dict[str, str],
    policy: Policy | None = None,
    shared: _Shared | None = None,
) -> tuple[CheckSummary, list[Finding]]:
    inv = ctx.inventory
    policy = policy or options.policy(inv, ns_annotations, [chk.id])
    shared = shared or _Shared()
    severity = policy.severity(chk.id) or chk.severity
    for name in chk.reads:
        avail = inv.availability(name)
        if not avail.ok:
            reason = avail.reason or f"{name}: {avail.status}"
            gaps[name] = reason
            return _summary(chk, Status.NOT_ASSESSABLE, reason=reason, severity=severity), [
                _cluster_na(chk, reason, severity)
            ]
    results: Iterable[Result] = chk.func(ctx)
    findings: list[Finding] = []
    passed = failed = exempt = unjudged = out_of_scope = unscored = 0
    check_reason: str | None = None
    scoped = policy.scope.active
    for res in results:
        verdict = res.passed
        if verdict is True and not scoped:  # three results in four: only counted
            passed += 1
            continue
        if verdict is None and res.target is None:
            check_reason = res.reason or res.message
            continue
        if scoped and not policy.in_scope_at(res.where()):
            out_of_scope += 1
            continue
        if verdict is True:
            passed += 1
            continue
        finding = _finding(chk, res, policy.severity(chk.id), shared)
        if res.origin is not None and inv.facts.source == "manifests":
            finding.location = res.origin  # file and line, for SARIF and the reports
        if finding.status is Status.NOT_ASSESSABLE:
            unjudged += 1
        else:
            exemption = policy.exemption(chk.id, res, finding)
            if exemption is None:
                failed += 1
                unscored += not res.scored
            elif exemption.expired:
                finding.exemption = exemption
                finding.message += (
                    f" (exemption {exemption.source} expired on {exemption.expires}; owner: {exemption.owner})"
                )
                failed += 1
                unscored += not res.scored
            else:
                finding.status, finding.exemption = Status.EXEMPT, exemption
                exempt += 1
        findings.append(finding)
    if check_reason is None and out_of_scope and passed == failed == exempt == unjudged == 0:
        check_reason = "nothing this check judges is in the namespaces in scope (see the report's scope)"
    if check_reason is not None and passed == failed == exempt == 0:
        return _summary(chk, Status.NOT_ASSESSABLE, reason=check_reason, severity=severity), [
            _cluster_na(chk, check_reason, severity)
        ]
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
        unscored=unscored,
        reason=check_reason if status is Status.NOT_ASSESSABLE else None,
        severity=severity,
    )
    return summary, findings


def _summary(
    chk: Check,
    status: Status,
    *,
    passed: int = 0,
    failed: int = 0,
    exempt: int = 0,
    unscored: int = 0,
    reason: str | None = None,
    severity: Severity | None = None,
) -> CheckSummary:
    return CheckSummary(
        id=chk.id,
        title=chk.title,
        problem=chk.problem,
        section=chk.section,
        severity=severity or chk.severity,
        status=status,
        passed=passed,
        failed=failed,
        exempt=exempt,
        unscored=unscored,
        reason=reason,
        rationale=chk.rationale,
        remediation=chk.remediation,
        fix=chk.fix,
        references=chk.references,
    )


def _cluster_na(chk: Check, reason: str, severity: Severity | None = None) -> Finding:
    return Finding(
        check=chk.id,
        status=Status.NOT_ASSESSABLE,
        severity=severity or chk.severity,
        section=chk.section,
        message=f"Not assessable: {reason}",
        remediation=chk.remediation,
        reason=reason,
    )


def _finding(chk: Check, res: Result, override: Severity | None = None, shared: _Shared | None = None) -> Finding:
    """The finding for a failed or unjudged result; a configured severity beats the check's."""
    shared = shared or _Shared()
    status = Status.NOT_ASSESSABLE if res.passed is None else Status.FAIL
    return trusted_finding(  # each value below already has its field's type: no validation needed
        check=chk.id,
        status=status,
        severity=override or res.severity or chk.severity,
        section=chk.section,
        resource=shared.resource(res.target),
        container=res.container,
        message=shared.string(res.message),
        evidence=[shared.evidence(path, value) for path, value in res.pairs],
        remediation=chk.remediation,
        reason=res.reason,
        coveredBy=res.covered_by,
        scored=res.scored,
    )


#: Evidence values held once when equal: scalars, whose equality is their JSON's (`True == 1`, so
#: the type is part of the key; floats are left out for `0.0 == -0.0`).
_SHAREABLE = frozenset({str, int, bool, type(None)})


class _Shared:
    """Equal values of a scan's findings held once: resources, messages and evidence.

    Checks write their strings afresh for every result, so of the 62,800 findings of a
    20,000-pod cluster only 14,000 messages, 7,400 resources and 2,500 evidence paths differ.
    Findings share the one copy: nothing modifies a ResourceRef, an Evidence or a string in place.
    """

    __slots__ = ("evidences", "labels", "refs", "strings")

    def __init__(self) -> None:
        self.refs: dict[tuple[str, str, str | None, str], ResourceRef] = {}
        self.evidences: dict[tuple[str, type, Any], Evidence] = {}
        self.strings: dict[str, str] = {}
        #: Each resource's label (`Deployment shop/web`), written once for the sort.
        self.labels: dict[tuple[str, str, str | None, str], str] = {}

    def finding_order(self, f: Finding) -> tuple[int, str, str, str]:
        """The report's order: worst first, then check, resource label and container."""
        ref = f.resource
        if ref is None:
            label = ""
        else:
            key = (ref.apiVersion, ref.kind, ref.namespace, ref.name)
            found = self.labels.get(key)
            label = found if found is not None else self.labels.setdefault(key, ref.label())
        return -f.severity.rank, f.check, label, f.container or ""

    def resource(self, target: Target) -> ResourceRef | None:
        """`registry.ref(target)`, built once per resource."""
        if target is None:
            return None
        key = ref_fields(target)
        found = self.refs.get(key)
        if found is None:
            found = self.refs[key] = trusted_ref(*key)
        return found

    def evidence(self, path: str, value: Any) -> Evidence:
        kind = type(value)
        if kind not in _SHAREABLE:
            return trusted_evidence(self.string(path), value)
        key = (path, kind, value)
        found = self.evidences.get(key)
        if found is None:
            found = self.evidences[key] = trusted_evidence(self.string(path), value)
        return found

    def string(self, value: str) -> str:
        return self.strings.setdefault(value, value)
