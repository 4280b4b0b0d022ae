"""Pod Security Standards per workload, and Pod Security admission per namespace
(NSA/CISA: Kubernetes Pod security; Policy enforcement).

`k8saudit.semantics.podsecurity` evaluates one pod template exactly as the PodSecurity admission plugin
does (`latest`); this module applies it to every workload and namespace:

- `pss.baseline` and `pss.restricted` judge each workload against each level, so the score
  counts both: a workload below baseline fails both (high and medium), one at baseline fails
  only `pss.restricted`. Workloads are evaluated with the containers admission webhooks
  injected into their pods (sidecars), since those pods are what admission sees.
- `psa.enforce` asks every non-system namespace to enforce baseline or restricted with the
  `pod-security.kubernetes.io/enforce` label, and says which level its workloads would
  already pass; `psa.tighten-to-restricted` points out namespaces whose workloads all meet
  restricted but that do not enforce it: they can tighten today without breaking anything.
- `pss_readiness(inv)` gives the same facts per namespace for the report.

Which namespaces (decided here, as `net.default-deny` decides): `kube-system` and
`kube-node-lease` are skipped (kube-system runs the privileged node agents by design;
kube-node-lease holds Leases); `kube-public` is judged only when workloads run in it. A
namespace whose Namespace object the source does not hold has unknown labels: not-assessable.
Cluster-wide defaults (the PodSecurity plugin's AdmissionConfiguration) are invisible through
the API; when the API server has `--admission-control-config-file`, findings say to review it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from k8saudit.checks._namespaces import ONLY_WITH_WORKLOADS, SKIPPED_NAMESPACES
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Inventory, Workload
from k8saudit.model.objects import Namespace, ObjectMeta
from k8saudit.semantics.podsecurity import Level, Violation, assess, forbidden_detail

LABEL_PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "audit", "warn")
_ORDER = (Level.PRIVILEGED, Level.BASELINE, Level.RESTRICTED)


# --- per workload ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkloadLevel:
    """The highest Pod Security Standard a workload's pods satisfy, and what keeps them from each level."""

    workload: Workload
    level: Level
    baseline: tuple[Violation, ...]  # why not baseline (empty when it meets baseline)
    restricted: tuple[Violation, ...]  # why not restricted (empty when it meets restricted)

    @property
    def label(self) -> str:
        """`Deployment web/cart`."""
        return f"{self.workload.kind} {self.workload.namespace}/{self.workload.name}"

    def meets(self, level: Level) -> bool:
        return _ORDER.index(self.level) >= _ORDER.index(level)

    def violations(self, level: Level) -> tuple[Violation, ...]:
        return {Level.BASELINE: self.baseline, Level.RESTRICTED: self.restricted}.get(level, ())


def _evaluate(workload: Workload) -> WorkloadLevel:
    level, baseline, restricted = assess(workload.template_meta, workload.spec)
    return WorkloadLevel(workload, level, tuple(baseline), tuple(restricted))


_CACHE: weakref.WeakKeyDictionary[Inventory, list[WorkloadLevel]] = weakref.WeakKeyDictionary()


def workload_levels(inv: Inventory) -> list[WorkloadLevel]:
    """Every workload's level, evaluated once per inventory (checks and the report share it)."""
    cached = _CACHE.get(inv)
    if cached is None:
        cached = [_evaluate(w) for w in inv.workloads]
        _CACHE[inv] = cached
    return cached


def _evidence(violations: tuple[Violation, ...]) -> list[tuple[str, Any]]:
    return [(", ".join(v.paths) or "spec", f"{v.check}: {v}") for v in violations]


def _injected_note(workload: Workload) -> str:
    if not workload.injected:
        return ""
    return f" (evaluated with the containers injected into its pods: {', '.join(sorted(workload.injected))})"


@check(
    id="pss.baseline",
    title="Workloads meet the baseline Pod Security Standard",
    section=Section.POD_SECURITY,
    severity=Severity.HIGH,
    reads=("workloads",),
    rationale="""
Baseline is the upstream Kubernetes policy that "prevents known privilege escalations": no
privileged containers, host namespaces, hostPath volumes, host ports, added capabilities
beyond the runtime defaults, unsafe sysctls, unmasked /proc, Unconfined seccomp or AppArmor,
custom SELinux user/role/type, or Windows HostProcess. A workload below it can usually take
over its node. Evaluated control by control as the PodSecurity admission plugin of Kubernetes
1.37 does at `latest`, on the pod template plus any containers injected into its pods; the
finding lists the violated upstream checks in the admission plugin's own words.
""",
    remediation="Fix each violation listed (or move a node agent that truly needs host access into a namespace "
    "that enforces privileged and exempt it with a reason).",
    references={"cis": ["5.2.1"], "kubescape": ["C-0192"], "polaris": []},
)
def pss_baseline(inv: Inventory) -> Iterator[Result]:
    for wl in workload_levels(inv):
        failed = not wl.meets(Level.BASELINE)
        yield result(
            wl.workload,
            failed=failed,
            message=f"Pods would violate PodSecurity baseline: {forbidden_detail(wl.baseline)}"
            + _injected_note(wl.workload)
            if failed
            else f"Pods meet the {wl.level} Pod Security Standard",
            evidence=_evidence(wl.baseline) or [("podSecurityLevel", str(wl.level))],
        )


@check(
    id="pss.restricted",
    title="Workloads meet the restricted Pod Security Standard",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
Restricted is the upstream Kubernetes policy of current pod-hardening practice: baseline plus
running as non-root, no privilege escalation, all capabilities dropped (NET_BIND_SERVICE may be
added back), a RuntimeDefault or Localhost seccomp profile and only the volume types that
cannot reach the node. Workloads that meet it can live in a namespace that enforces it, which
is what keeps the next deployment there from regressing. Medium severity: the serious gaps are
already counted by `pss.baseline`; the finding lists every restricted check that fails.
""",
    remediation="Fix each violation listed; most workloads need only securityContext: runAsNonRoot: true, "
    "allowPrivilegeEscalation: false, capabilities.drop: [ALL] and seccompProfile.type: RuntimeDefault.",
    references={"cis": ["5.2.1"], "kubescape": ["C-0192"], "polaris": []},
)
def pss_restricted(inv: Inventory) -> Iterator[Result]:
    for wl in workload_levels(inv):
        failed = not wl.meets(Level.RESTRICTED)
        level = "meet baseline but" if wl.level is Level.BASELINE else "meet neither baseline nor restricted and"
        yield result(
            wl.workload,
            failed=failed,
            message=f"Pods {level} would violate PodSecurity restricted: {forbidden_detail(wl.restricted)}"
            + _injected_note(wl.workload)
            if failed
            else "Pods meet the restricted Pod Security Standard",
            evidence=_evidence(wl.restricted) or [("podSecurityLevel", str(wl.level))],
        )


# --- per namespace -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModeLabel:
    """One Pod Security admission mode of a namespace: its level label and version label, as written."""

    level: str | None = None
    version: str | None = None

    @property
    def parsed(self) -> Level | None:
        """The level when the label is a valid one, else None (unset or invalid)."""
        try:
            return Level(self.level) if self.level is not None else None
        except ValueError:
            return None

    def describe(self) -> str:
        if self.level is None:
            return "unset"
        return f"{self.level}" + (f" ({self.version})" if self.version else "")


def mode_labels(labels: dict[str, str], mode: str) -> ModeLabel:
    return ModeLabel(labels.get(f"{LABEL_PREFIX}{mode}"), labels.get(f"{LABEL_PREFIX}{mode}-version"))


@dataclass(frozen=True)
class NamespaceReadiness:
    """A namespace's Pod Security admission labels and whether its workloads could live with stricter ones.

    `labels_known` is False when the source holds no Namespace object for it (labels unknown);
    `workloads_known` is False when workloads could not be read (then nothing is said about them).
    """

    namespace: str
    system: bool
    labels_known: bool
    enforce: ModeLabel
    audit: ModeLabel
    warn: ModeLabel
    workloads_known: bool
    workloads: tuple[WorkloadLevel, ...]

    @property
    def workload_count(self) -> int:
        return len(self.workloads)

    @property
    def counts(self) -> dict[str, int]:
        """Workloads by the highest level they meet: privileged, baseline, restricted."""
        return {str(level): sum(1 for w in self.workloads if w.level is level) for level in _ORDER}

    @property
    def enforced(self) -> Level | None:
        """The level the namespace enforces (None: unset or invalid label)."""
        return self.enforce.parsed

    def would_break(self, level: Level) -> tuple[WorkloadLevel, ...]:
        """Workloads whose pods enforcing `level` would reject."""
        return tuple(w for w in self.workloads if not w.meets(level))

    def can_enforce(self, level: Level) -> bool | None:
        """Whether enforcing `level` today rejects none of the current workloads (None: unknown)."""
        return not self.would_break(level) if self.workloads_known else None

    @property
    def can_enforce_baseline(self) -> bool | None:
        return self.can_enforce(Level.BASELINE)

    @property
    def can_enforce_restricted(self) -> bool | None:
        return self.can_enforce(Level.RESTRICTED)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for writers (JSON, templates)."""

        def breaking(level: Level) -> list[dict[str, Any]]:
            return [
                {"workload": w.label, "level": str(w.level), "violations": [str(v) for v in w.violations(level)]}
                for w in self.would_break(level)
            ]

        return {
            "namespace": self.namespace,
            "system": self.system,
            "labelsKnown": self.labels_known,
            **{mode: {"level": m.level, "version": m.version} for mode, m in self._modes()},
            "workloadsKnown": self.workloads_known,
            "workloads": self.workload_count,
            "levels": self.counts,
            "canEnforceBaseline": self.can_enforce_baseline,
            "canEnforceRestricted": self.can_enforce_restricted,
            "wouldBreakBaseline": breaking(Level.BASELINE) if self.workloads_known else None,
            "wouldBreakRestricted": breaking(Level.RESTRICTED) if self.workloads_known else None,
        }

    def _modes(self) -> tuple[tuple[str, ModeLabel], ...]:
        return (("enforce", self.enforce), ("audit", self.audit), ("warn", self.warn))


def pss_readiness(inv: Inventory) -> list[NamespaceReadiness]:
    """Every namespace (system ones flagged) with its PSA labels and its workloads' levels."""
    listed = {ns.name: ns for ns in inv.of("Namespace", Namespace)}
    workloads_known = inv.availability("workloads").ok
    by_namespace: dict[str | None, list[WorkloadLevel]] = {}
    if workloads_known:
        for wl in workload_levels(inv):
            by_namespace.setdefault(wl.workload.namespace, []).append(wl)
    out: list[NamespaceReadiness] = []
    for name in inv.namespaces:
        ns = listed.get(name)
        labels = ns.metadata.labels if ns is not None else {}
        out.append(
            NamespaceReadiness(
                namespace=name,
                system=name in SKIPPED_NAMESPACES or name in ONLY_WITH_WORKLOADS,
                labels_known=ns is not None,
                enforce=mode_labels(labels, "enforce"),
                audit=mode_labels(labels, "audit"),
                warn=mode_labels(labels, "warn"),
                workloads_known=workloads_known,
                workloads=tuple(by_namespace.get(name, ())),
            )
        )
    return out


def _judged(inv: Inventory) -> Iterator[tuple[NamespaceReadiness, Namespace | None]]:
    """Non-system namespaces (kube-public only with workloads), with their Namespace object if listed."""
    listed = {ns.name: ns for ns in inv.of("Namespace", Namespace)}
    for ready in pss_readiness(inv):
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
def psa_enforce(inv: Inventory) -> Iterator[Result]:
    workloads_seen = inv.availability("workloads").ok
    judged = 0
    defaults_note: str | None = None
    for ready, ns in _judged(inv):
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
def psa_tighten(inv: Inventory) -> Iterator[Result]:
    judged = 0
    for ready, ns in _judged(inv):
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
