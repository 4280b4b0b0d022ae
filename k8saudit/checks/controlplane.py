"""API server settings (NSA/CISA: Authentication and authorization, Audit logging, Secrets).

Flags are read from the kube-apiserver static pods in kube-system (kubeadm, kind, RKE2), one
result per replica, since replicas can drift apart. A flag that is not set means the binary's
default (NOTES.md). Where no such pod exists (EKS, GKE, AKS, k3s, an external control plane),
`reads=("kube-apiserver",)` makes the check not-assessable with the reason and the provider
setting to review (Inventory._component_availability); it never passes.

`cp.anonymous-auth` also uses the live anonymous probe, so it can be judged on a managed
cluster too.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.findings import Section, Severity
from k8saudit.inventory import ControlPlaneComponent, Inventory
from k8saudit.registry import Result, check, not_assessable, result

APISERVER = "kube-apiserver"
_TRUE = {"1", "t", "true"}
_FALSE = {"0", "f", "false"}


def _bool(value: str | None) -> bool | None:
    """A Go boolean flag value (strconv.ParseBool), None when unset or unreadable."""
    if value is None:
        return None
    lowered = value.strip().lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


def _replicas(inv: Inventory) -> list[ControlPlaneComponent]:
    return inv.control_plane.get(APISERVER, [])


def _always_allow(replica: ControlPlaneComponent) -> bool:
    """AlwaysAllow is among the authorization modes (the default when none is set)."""
    if replica.flag("authorization-config"):
        return False  # the modes are in a file we cannot see
    modes = replica.flag("authorization-mode")
    return modes is None or "AlwaysAllow" in [m.strip() for m in modes.split(",")]


def _flag_results(inv: Inventory) -> Iterator[Result]:
    for replica in _replicas(inv):
        pod = replica.pod
        value = replica.flag("anonymous-auth")
        authn_config = replica.flag("authentication-config")
        enabled = _bool(value)
        evidence = [("--anonymous-auth", value), ("--authentication-config", authn_config)]
        if _always_allow(replica) and enabled is not False:
            # kube-apiserver resets AnonymousAuth to false when AlwaysAllow is among the modes.
            yield result(
                pod,
                failed=False,
                message="Anonymous authentication is forced off because the authorizer is AlwaysAllow, which "
                "allows every authenticated request instead (see cp.authorization-mode)",
                evidence=[*evidence, ("--authorization-mode", replica.flag("authorization-mode"))],
            )
        elif enabled is False:
            yield result(pod, failed=False, message="--anonymous-auth=false", evidence=evidence)
        elif value is not None and enabled is None:
            yield not_assessable(f"--anonymous-auth={value!r} is not a boolean the API server accepts", pod)
        elif enabled is True:
            message = "--anonymous-auth=true: every request without credentials is served as system:anonymous"
            if authn_config:
                message += (
                    f"; the AuthenticationConfiguration in {authn_config} cannot narrow it to health paths while "
                    "the flag is set (the two are mutually exclusive)"
                )
            yield result(pod, failed=True, message=message, evidence=evidence)
        elif authn_config:
            yield not_assessable(
                f"--anonymous-auth is not set and --authentication-config={authn_config} is: anonymous access "
                "depends on that file's `anonymous` section (enabled, and conditions that can limit it to paths "
                "such as /livez, /readyz, /healthz); without one it is on. Review the file",
                pod,
            )
        else:
            yield result(
                pod,
                failed=True,
                message="--anonymous-auth is not set and defaults to true: requests without credentials are "
                "served as system:anonymous",
                evidence=evidence,
            )


def _probe_result(inv: Inventory) -> Result | None:
    if not inv.availability("anonymous-probe").ok or inv.facts.anonymousProbe is None:
        return None
    probe = inv.facts.anonymousProbe
    evidence = [
        ("GET /version without credentials", probe.versionStatus),
        ("GET /api without credentials", probe.apiStatus),
    ]
    if probe.apiStatus == 200:
        return result(
            None,
            failed=True,
            message="The API server answered GET /api without credentials with 200: anonymous users can read API "
            "discovery, so bindings grant system:unauthenticated more than the defaults",
            evidence=evidence,
            severity=Severity.CRITICAL,
        )
    if probe.versionStatus in (200, 403) or probe.apiStatus == 403:
        status = probe.versionStatus if probe.versionStatus in (200, 403) else probe.apiStatus
        return result(
            None,
            failed=True,
            message=f"Anonymous authentication is on: a request without credentials got {status}, not 401",
            evidence=evidence,
        )
    if probe.versionStatus == 401 and probe.apiStatus in (None, 401):
        return result(None, failed=False, message="Requests without credentials are refused (401)", evidence=evidence)
    return not_assessable(
        f"the anonymous probe got unexpected answers (/version {probe.versionStatus}, /api {probe.apiStatus})"
    )


@check(
    id="cp.anonymous-auth",
    title="The API server refuses anonymous requests",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=(APISERVER, "anonymous-probe"),
    rationale="""
With anonymous authentication on (the kube-apiserver default) a request that carries no
credentials is not refused: it is served as `system:anonymous`. RBAC then decides what it
may do, so one careless binding to `system:unauthenticated` opens the cluster to anyone who
can reach the endpoint. Judged from each API server replica's `--anonymous-auth` flag and,
on a live scan, from an unauthenticated request (401 means off; 200 or 403 means on; a 200
on /api means anonymous users can read the API). kube-apiserver turns anonymous
authentication off by itself when AlwaysAllow is an authorization mode, which is worse:
see cp.authorization-mode.
""",
    remediation="Set --anonymous-auth=false on every kube-apiserver (health checks can use /livez and /readyz "
    "with credentials, or an AuthenticationConfiguration that allows anonymous only on those paths). On a managed "
    "cluster, restrict the endpoint (private endpoint, authorized networks) and remove anonymous bindings.",
    references={"cis": ["1.2.1"], "kubescape": ["C-0113", "C-0262"]},
)
def anonymous_auth(inv: Inventory) -> Iterator[Result]:
    flags = list(_flag_results(inv))
    probe = _probe_result(inv)
    if not flags and probe is None:
        reasons = [inv.availability(APISERVER).reason, inv.availability("anonymous-probe").reason]
        yield not_assessable("; ".join(r for r in reasons if r) or "neither API server flags nor a probe were seen")
        return
    yield from flags
    if probe is not None:
        yield probe


@check(
    id="cp.authorization-mode",
    title="The API server authorizes with Node and RBAC, never AlwaysAllow",
    section=Section.AUTH,
    severity=Severity.CRITICAL,
    reads=(APISERVER,),
    rationale="""
The authorizer decides what an authenticated (or anonymous) request may do. Without
--authorization-mode the API server uses AlwaysAllow: every caller can do everything, RBAC
objects are decoration. AlwaysAllow anywhere in the list allows whatever the authorizers
before it did not decide. RBAC is what makes Roles and bindings mean something; the Node
authorizer (with the NodeRestriction admission plugin) limits each kubelet to the objects of
its own pods, so one stolen node credential does not read every Secret.
""",
    remediation="Set --authorization-mode=Node,RBAC on every kube-apiserver (or an AuthorizationConfiguration "
    "with Node and RBAC authorizers and no AlwaysAllow).",
    references={"cis": ["1.2.6", "1.2.7", "1.2.8"], "kubescape": ["C-0088", "C-0118", "C-0119", "C-0120"]},
)
def authorization_mode(inv: Inventory) -> Iterator[Result]:
    for replica in _replicas(inv):
        pod = replica.pod
        value = replica.flag("authorization-mode")
        config = replica.flag("authorization-config")
        evidence = [("--authorization-mode", value), ("--authorization-config", config)]
        if config:
            yield not_assessable(
                f"authorization is configured by the AuthorizationConfiguration in {config}: review by hand that its "
                "authorizers include Node and RBAC and never AlwaysAllow",
                pod,
            )
            continue
        if value is None:
            yield result(
                pod,
                failed=True,
                message="--authorization-mode is not set and defaults to AlwaysAllow: every request is allowed",
                evidence=evidence,
            )
            continue
        modes = [m.strip() for m in value.split(",") if m.strip()]
        problems: list[str] = []
        severity: Severity | None = None
        if "AlwaysAllow" in modes:
            problems.append("includes AlwaysAllow")
        missing = [m for m in ("Node", "RBAC") if m not in modes]
        if missing:
            problems.append(f"lacks {' and '.join(missing)}")
            if "AlwaysAllow" not in modes:
                severity = Severity.HIGH
        yield result(
            pod,
            failed=bool(problems),
            message=f"--authorization-mode={value} {' and '.join(problems)}"
            if problems
            else f"--authorization-mode={value}",
            evidence=evidence,
            severity=severity,
        )


RETENTION_FLAGS = ("audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize")


@check(
    id="cp.audit-logging",
    title="The API server writes an audit log under a policy, with retention",
    section=Section.AUDIT,
    severity=Severity.HIGH,
    reads=(APISERVER,),
    rationale="""
The audit log is the only record of who did what through the API: which identity read a
Secret, created a privileged pod or changed a binding. Without it an incident cannot be
reconstructed. The API server records nothing unless it has an audit policy
(--audit-policy-file) *and* a backend: a log file (--audit-log-path) or a webhook
(--audit-webhook-config-file). A log file also needs retention settings
(--audit-log-maxage, --audit-log-maxbackup, --audit-log-maxsize) so it neither fills the
disk nor is rotated away before anyone looks; a missing retention setting alone is reported
at low severity. Ship the log off the node.
""",
    remediation="Set --audit-policy-file to a policy (Metadata level for Secrets, RequestResponse for RBAC changes) "
    "and --audit-log-path (or --audit-webhook-config-file), with --audit-log-maxage=30, --audit-log-maxbackup=10 and "
    "--audit-log-maxsize=100 or values your retention policy requires; forward the log to central storage.",
    references={
        "cis": ["1.2.16", "1.2.17", "1.2.18", "1.2.19", "3.2.1"],
        "kubescape": ["C-0067", "C-0130", "C-0131", "C-0132", "C-0133"],
    },
)
def audit_logging(inv: Inventory) -> Iterator[Result]:
    for replica in _replicas(inv):
        pod = replica.pod
        path = replica.flag("audit-log-path") or None
        webhook = replica.flag("audit-webhook-config-file") or None
        policy = replica.flag("audit-policy-file") or None
        retention = {name: replica.flag(name) for name in RETENTION_FLAGS}
        evidence: list[tuple[str, object]] = [
            ("--audit-policy-file", policy),
            ("--audit-log-path", path),
            ("--audit-webhook-config-file", webhook),
            *((f"--{name}", value) for name, value in retention.items()),
        ]
        problems: list[str] = []
        if not path and not webhook:
            problems.append("no audit backend (--audit-log-path or --audit-webhook-config-file)")
        if not policy:
            problems.append("no --audit-policy-file, so nothing is recorded")
        missing_retention = [f"--{n}" for n, v in retention.items() if v is None]
        if path and path != "-" and missing_retention:
            problems.append(f"no retention setting {', '.join(missing_retention)}")
        # With a log path and a policy, the only possible problem left is retention.
        severity = Severity.LOW if problems and path and policy else None
        if problems:
            message = "Audit logging: " + "; ".join(problems)
        else:
            where = "stdout (retention is up to the log collector)" if path == "-" else (path or f"webhook {webhook}")
            message = f"Audit events under {policy} go to {where}"
        yield result(pod, failed=bool(problems), message=message, evidence=evidence, severity=severity)


@check(
    id="cp.secrets-encryption",
    title="The API server encrypts Secrets at rest",
    section=Section.SECRETS,
    severity=Severity.HIGH,
    reads=(APISERVER,),
    rationale="""
Without an encryption configuration, Secrets are stored in etcd as base64 text: anyone with an
etcd backup, a snapshot of the control-plane disk or etcd client credentials reads every
password, token and key in the cluster. --encryption-provider-config makes the API server
encrypt them before they reach etcd. The file itself is not visible to this check: its first
provider must be a real one (kms v2, aescbc, aesgcm, secretbox), not `identity`.
""",
    remediation="Write an EncryptionConfiguration covering `secrets` (preferably a KMS v2 provider), pass it with "
    "--encryption-provider-config on every kube-apiserver, then rewrite existing Secrets "
    "(`kubectl get secrets -A -o json | kubectl replace -f -`) so they are stored encrypted.",
    references={"cis": ["1.2.27", "1.2.28"], "kubescape": ["C-0066", "C-0141"]},
)
def secrets_encryption(inv: Inventory) -> Iterator[Result]:
    for replica in _replicas(inv):
        value = replica.flag("encryption-provider-config") or None
        yield result(
            replica.pod,
            failed=value is None,
            message=f"--encryption-provider-config={value} (review that its first provider for secrets is not identity)"
            if value
            else "--encryption-provider-config is not set: Secrets are stored unencrypted in etcd",
            evidence=[("--encryption-provider-config", value)],
        )
