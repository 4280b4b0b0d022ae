"""Service-account identity of workloads (NSA/CISA: Kubernetes Pod security).

Whether a pod gets an API token: the pod's `automountServiceAccountToken` when set, else its
ServiceAccount's, else yes (the Kubernetes default). When the pod leaves it unset, the answer
depends on the ServiceAccount object, which the source may not hold (decided here):
- the ServiceAccount kind could not be read (forbidden, error): not-assessable for that workload;
- it was read and holds the ServiceAccount: judged from it;
- it does not hold it and the name is `default`: judged as "mounted", with that assumption in
  the message. Kubernetes creates every namespace's `default` ServiceAccount without the field,
  and manifests rarely carry it; a cluster that patched it is judged right from a live scan;
- it does not hold another named ServiceAccount: not-assessable for that workload (the account
  may well opt out; only the object can tell).

Static pods (control-plane components) may not use ServiceAccounts and get no token: they pass.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Workload
from k8saudit.model.objects import ServiceAccount
from k8saudit.semantics.containers import is_static_pod


def service_account_name(workload: Workload) -> str:
    return workload.spec.serviceAccountName or "default"


@check(
    id="pod.service-account-token",
    title="Pods do not automount a service-account token they may not need",
    problem="Automounted service-account tokens",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    also_reads=("ServiceAccount",),
    rationale="""
Unless told otherwise, Kubernetes mounts a token for the pod's ServiceAccount into every
container at /var/run/secrets/kubernetes.io/serviceaccount. Most applications never call the
Kubernetes API, but anyone who compromises them can, with whatever the account's RBAC allows
(and every default grant, such as discovery). The pod's `automountServiceAccountToken` wins;
when unset the ServiceAccount's applies; when both are unset the token is mounted. A
ServiceAccount the source does not hold is assumed to leave the field unset only for
`default` (which Kubernetes creates that way); for other accounts the workload is
not-assessable rather than guessed.
""",
    remediation="Set automountServiceAccountToken: false on the pod spec (or on its ServiceAccount) and mount a "
    "projected token explicitly only in workloads that call the API.",
    references={"cis": ["5.1.6"], "kubescape": ["C-0034", "C-0190"], "polaris": ["automountServiceAccountToken"]},
    fix="""
spec:
  automountServiceAccountToken: false  # pod; or on its ServiceAccount
""",
)
def service_account_token(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    accounts = {(sa.namespace, sa.name): sa for sa in inv.of("ServiceAccount", ServiceAccount)}
    sa_avail = inv.availability("ServiceAccount")
    readable = sa_avail.ok or sa_avail.status == "absent"
    for workload in inv.workloads:
        name = service_account_name(workload)
        pod_value = workload.spec.automountServiceAccountToken
        pod_evidence = ("spec.automountServiceAccountToken", pod_value)
        if is_static_pod(workload):
            yield result(workload, failed=False, message="Static pod: the kubelet mounts no service-account token")
            continue
        if pod_value is not None:
            yield result(
                workload,
                failed=pod_value,
                message=f"Pod mounts the token of ServiceAccount {name} (automountServiceAccountToken: true on the pod)"
                if pod_value
                else "Pod opts out of the service-account token",
                evidence=[pod_evidence],
            )
            continue
        account = accounts.get((workload.namespace, name))
        sa_path = f"serviceaccounts/{workload.namespace}/{name}.automountServiceAccountToken"
        if account is not None:
            mounted = account.automountServiceAccountToken is not False
            yield result(
                workload,
                failed=mounted,
                message=f"Pod mounts the token of ServiceAccount {name}: neither the pod nor the ServiceAccount "
                "sets automountServiceAccountToken: false"
                if mounted
                else f"ServiceAccount {name} opts out of token automounting and the pod does not override it",
                evidence=[pod_evidence, (sa_path, account.automountServiceAccountToken)],
            )
        elif not readable:
            why = sa_avail.reason or f"ServiceAccount: {sa_avail.status}"
            yield not_assessable(
                f"the pod leaves automountServiceAccountToken unset and ServiceAccount {name} could not be read "
                f"({why})",
                workload,
            )
        elif name == "default":
            yield result(
                workload,
                failed=True,
                message="Pod mounts the token of ServiceAccount default: the pod leaves automountServiceAccountToken "
                f"unset and {inv.source_phrase()} does not hold that ServiceAccount (assumed as Kubernetes "
                "creates it: without the field)",
                evidence=[pod_evidence, (sa_path, None)],
            )
        else:
            yield not_assessable(
                f"the pod leaves automountServiceAccountToken unset and ServiceAccount {name} is not in "
                f"{inv.source_phrase()}: whether it opts out is unknown",
                workload,
            )


@check(
    id="pod.default-service-account",
    title="Workloads run under their own ServiceAccount, not `default`",
    problem="Workloads running as their namespace's `default` ServiceAccount",
    section=Section.POD_SECURITY,
    severity=Severity.LOW,
    reads=("workloads",),
    also_reads=("ServiceAccount",),
    rationale="""
Every pod that names no ServiceAccount runs as its namespace's `default` account. Permissions
granted to `default` then reach every such workload in the namespace, and audit logs cannot
tell them apart. A ServiceAccount per workload (with its token automount off unless needed)
keeps identities and RBAC grants narrow. Workloads on `default` whose token is not mounted
still fail, at info severity: the identity is shared, but gives them no API access.
""",
    remediation="Create a ServiceAccount per workload and set spec.serviceAccountName; set "
    "automountServiceAccountToken: false on each namespace's default ServiceAccount.",
    references={"cis": ["5.1.5"], "kubescape": ["C-0189"], "polaris": []},
    fix="""
spec:
  serviceAccountName: app  # a ServiceAccount of its own
""",
)
def default_service_account(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    accounts = {(sa.namespace, sa.name): sa for sa in inv.of("ServiceAccount", ServiceAccount)}
    for workload in inv.workloads:
        if is_static_pod(workload):
            yield result(workload, failed=False, message="Static pod: runs under no ServiceAccount")
            continue
        name = service_account_name(workload)
        evidence = [("spec.serviceAccountName", workload.spec.serviceAccountName)]
        if name != "default":
            yield result(workload, failed=False, message=f"Pod runs as ServiceAccount {name}", evidence=evidence)
            continue
        account = accounts.get((workload.namespace, "default"))
        pod_value = workload.spec.automountServiceAccountToken
        token = pod_value if pod_value is not None else (account.automountServiceAccountToken if account else None)
        no_token = token is False
        yield result(
            workload,
            failed=True,
            message="Pod runs as the namespace's default ServiceAccount"
            + (" (its token is not mounted)" if no_token else ""),
            evidence=evidence,
            severity=Severity.INFO if no_token else None,
        )
