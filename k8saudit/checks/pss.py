"""Pod Security Standards per workload (NSA/CISA: Kubernetes Pod security).

`pss.baseline` and `pss.restricted` judge each workload against each level, so the score counts
both: a workload below baseline fails both (high and medium), one at baseline fails only
`pss.restricted`. Workloads are evaluated with the containers admission webhooks injected into
their pods (sidecars), since those pods are what admission sees. The evaluation itself is
`k8saudit.semantics.podsecurity` (the PodSecurity admission plugin's checks at `latest`), made
once per workload per scan (`ScanContext.pod_security`); namespaces: `k8saudit/checks/psa.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Workload
from k8saudit.semantics.podsecurity import Level, Violation, forbidden_detail


def _evidence(violations: tuple[Violation, ...]) -> list[tuple[str, Any]]:
    return [(", ".join(v.paths) or "spec", f"{v.check}: {v}") for v in violations]


def _injected_note(workload: Workload) -> str:
    if not workload.injected:
        return ""
    return f" (evaluated with the containers injected into its pods: {', '.join(sorted(workload.injected))})"


@check(
    id="pss.baseline",
    title="Workloads meet the baseline Pod Security Standard",
    problem="Workloads violating the baseline Pod Security Standard",
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
def pss_baseline(ctx: ScanContext) -> Iterator[Result]:
    for wl in ctx.pod_security:
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
    problem="Workloads violating the restricted Pod Security Standard",
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
def pss_restricted(ctx: ScanContext) -> Iterator[Result]:
    for wl in ctx.pod_security:
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
