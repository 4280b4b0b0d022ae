"""Pod Security admission per namespace (NSA/CISA: Policy enforcement).

- `psa.enforce` asks every non-system namespace to enforce baseline or restricted with the
  `pod-security.kubernetes.io/enforce` label, and says which level its workloads would
  already pass; `psa.tighten-to-restricted` points out namespaces whose workloads all meet
  restricted but that do not enforce it: they can tighten today without breaking anything.

Which namespaces (decided as `net.default-deny` decides, `k8saudit.semantics.namespaces`):
`kube-system` and `kube-node-lease` are skipped; `kube-public` is judged only when workloads run
in it. A namespace whose Namespace object the source does not hold has unknown labels:
not-assessable. Cluster-wide defaults (the PodSecurity plugin's AdmissionConfiguration) are
invisible through the API; when the API server has `--admission-control-config-file`, findings
say to review it. The facts per namespace come from `k8saudit.semantics.psa`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import Namespace, ObjectMeta
from k8saudit.semantics.namespaces import ONLY_WITH_WORKLOADS, SKIPPED_NAMESPACES
from k8saudit.semantics.podsecurity import Level
from k8saudit.semantics.psa import LABEL_PREFIX, NamespaceReadiness, WorkloadLevel


def _judged(ctx: ScanContext) -> Iterator[tuple[NamespaceReadiness, Namespace | None]]:
    """Non-system namespaces (kube-public only with workloads), with their Namespace object if listed."""
    listed = {ns.name: ns for ns in ctx.inventory.of("Namespace", Namespace)}
    for ready in ctx.readiness:
        if ready.namespace in SKIPPED_NAMESPACES:
            continue
        if ready.namespace in ONLY_WITH_WORKLOADS and not ready.workloads:
            continue
        yield ready, listed.get(ready.namespace)


def _stand_in(name: str) -> Namespace:
    return Namespace(apiVersion="v1", kind="Namespace", metadata=ObjectMeta(name=name))


def _label_evidence(ready: NamespaceReadiness) -> list[tuple[str, Any]]:
    evidence: list[tuple[str, Any]] = []
    for mode, label in ready._modes():
        evidence.append((f"metadata.labels[{LABEL_PREFIX}{mode}]", label.level))
        if label.version:
            evidence.append((f"metadata.labels[{LABEL_PREFIX}{mode}-version]", label.version))
    return evidence


def _names(workloads: tuple[WorkloadLevel, ...], limit: int = 5) -> str:
    names = [f"{w.workload.kind} {w.workload.name}" for w in workloads]
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _readiness_note(ready: NamespaceReadiness) -> str:
    """What its current workloads allow: the level that can be enforced today, what would break."""
    if not ready.workloads_known:
        return ""
    if not ready.workloads:
        return "; it runs no workloads, so restricted can be enforced today"
    count = ready.workload_count
    all_of = "its one workload meets" if count == 1 else f"all {count} workloads meet"
    if ready.can_enforce_restricted:
        return f"; {all_of} restricted already: enforce restricted today"
    if ready.can_enforce_baseline:
        return (
            f"; {all_of} baseline, so baseline can be enforced today "
            f"(restricted would reject {_names(ready.would_break(Level.RESTRICTED))})"
        )
    return f"; enforcing baseline would reject {_names(ready.would_break(Level.BASELINE))}"


def _cluster_defaults_note(inv: Inventory) -> str:
    for component in inv.control_plane.get("kube-apiserver", []):
        path = component.flag("admission-control-config-file")
        if path:
            return (
                f" (unless the API server's admission configuration {path} sets PodSecurity defaults for "
                "unlabelled namespaces: review it)"
            )
    return ""


@check(
    id="psa.enforce",
    title="Every namespace enforces a Pod Security Standard (baseline or restricted)",
    problem="Namespaces enforcing no Pod Security Standard",
    section=Section.POLICY,
    severity=Severity.MEDIUM,
    reads=("Namespace",),
    also_reads=("workloads",),
    rationale="""
Pod Security admission, built into every API server since 1.25, rejects pods that break the
level a namespace names in its `pod-security.kubernetes.io/enforce` label. Without the label
(or with `privileged`) anyone who may create pods there may create a privileged pod, mount the
node's filesystem or join its network: the step from "can deploy" to "owns the node". The NSA
guide's replacement for PodSecurityPolicy is exactly this: baseline at least, restricted where
workloads allow. kube-system and kube-node-lease are not judged (node agents live there by
design). The finding says which level the namespace's current workloads already meet, so the
label can be set without breaking them; `warn` and `audit` labels at the stricter level show
what would break next. A policy engine (Kyverno, Gatekeeper) enforcing the same rules is a good
reason for a documented exemption; cluster-wide defaults set in the PodSecurity plugin's
AdmissionConfiguration are not visible through the API and are flagged for review.
""",
    remediation="kubectl label namespace NAME pod-security.kubernetes.io/enforce=baseline (or restricted) "
    "pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted",
    references={"cis": ["5.2.1"], "kubescape": ["C-0192"], "polaris": []},
    fix="""
apiVersion: v1
kind: Namespace
metadata:
  name: NAME
  labels:
    pod-security.kubernetes.io/enforce: restricted  # or baseline
    pod-security.kubernetes.io/enforce-version: latest
""",
)
def psa_enforce(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    workloads_seen = inv.availability("workloads").ok
    judged = 0
    defaults_note: str | None = None
    for ready, ns in _judged(ctx):
        judged += 1
        if ns is None:
            yield not_assessable(
                f"namespace {ready.namespace} has objects but no Namespace object in the source: "
                "its labels are unknown",
                _stand_in(ready.namespace),
            )
            continue
        enforced = ready.enforced
        if enforced in (Level.BASELINE, Level.RESTRICTED):
            yield result(
                ns,
                failed=False,
                message=f"Namespace {ready.namespace} enforces {ready.enforce.describe()}",
                evidence=_label_evidence(ready),
            )
            continue
        if defaults_note is None:
            defaults_note = _cluster_defaults_note(inv)
        if ready.enforce.level is None:
            what = "enforces no Pod Security Standard (pods are admitted as privileged)" + defaults_note
        elif enforced is Level.PRIVILEGED:
            what = "explicitly enforces privileged (no Pod Security restriction)"
        else:
            what = f"has an invalid enforce label {ready.enforce.level!r}"
        empty = workloads_seen and not ready.workloads
        yield result(
            ns,
            failed=True,
            message=f"Namespace {ready.namespace} {what}{_readiness_note(ready)}",
            evidence=_label_evidence(ready),
            severity=Severity.LOW if empty else None,
        )
    if not judged:
        yield not_assessable("no namespace outside kube-system and kube-node-lease to judge")


@check(
    id="psa.tighten-to-restricted",
    title="Namespaces whose workloads all meet restricted enforce restricted",
    problem="Namespaces that could enforce restricted but do not",
    section=Section.POLICY,
    severity=Severity.LOW,
    reads=("Namespace", "workloads"),
    rationale="""
When every workload in a namespace already meets the restricted Pod Security Standard but the
namespace enforces less, tightening the `pod-security.kubernetes.io/enforce` label to
restricted costs nothing today and stops the next deployment from regressing (running as
root, adding capabilities, dropping the seccomp profile). This is the cheapest hardening a
namespace owner can do; findings are low severity because nothing is exposed yet. Namespaces
without workloads are left to `psa.enforce`. Readiness is judged at `latest` on the
current workloads, with injected sidecars; a namespace that pins an older `enforce-version`
should move it to `latest` too.
""",
    remediation="kubectl label --overwrite namespace NAME pod-security.kubernetes.io/enforce=restricted "
    "pod-security.kubernetes.io/enforce-version=latest",
    references={"cis": ["5.2.1"], "kubescape": ["C-0192"], "polaris": []},
    fix="""
metadata:
  labels:
    pod-security.kubernetes.io/enforce: restricted
""",
)
def psa_tighten(ctx: ScanContext) -> Iterator[Result]:
    judged = 0
    for ready, ns in _judged(ctx):
        if not ready.workloads:
            continue
        judged += 1
        if ns is None:
            yield not_assessable(
                f"namespace {ready.namespace} has no Namespace object in the source: its labels are unknown",
                _stand_in(ready.namespace),
            )
            continue
        enforced = ready.enforced
        evidence = _label_evidence(ready)
        if enforced is Level.RESTRICTED:
            yield result(
                ns, failed=False, message=f"Namespace {ready.namespace} enforces restricted", evidence=evidence
            )
            continue
        count = ready.workload_count
        if ready.can_enforce_restricted:
            all_of = "its one workload meets" if count == 1 else f"all {count} workloads meet"
            yield result(
                ns,
                failed=True,
                message=f"Namespace {ready.namespace} can enforce restricted today: {all_of} it, but it "
                + ("enforces nothing" if ready.enforce.level is None else f"enforces {ready.enforce.describe()}"),
                evidence=evidence,
            )
            continue
        breaking = ready.would_break(Level.RESTRICTED)
        yield result(
            ns,
            failed=False,
            message=f"Namespace {ready.namespace} is not ready for restricted: it would reject {_names(breaking)}",
            evidence=[*evidence, ("workloads below restricted", [w.label for w in breaking])],
        )
    if not judged:
        yield not_assessable("no namespace with workloads outside kube-system and kube-node-lease")
