"""API server settings (NSA/CISA: Authentication and authorization, Audit logging, Secrets).

Flags are read from the kube-apiserver static pods in kube-system (kubeadm, kind, RKE2), one
result per replica, since replicas can drift apart. A flag that is not set means the binary's
default (docs/kubernetes-facts.md). Where no such pod exists (EKS, GKE, AKS, k3s, an external control plane),
`reads=("kube-apiserver",)` makes the check not-assessable with the reason and the provider
setting to review (Inventory._component_availability); it never passes.

`cp.anonymous-auth` also uses the live anonymous probe, and `cp.authorizer-probe` a live
SubjectAccessReview, so both can be judged on a managed cluster too. Helpers shared with the
etcd, controller-manager and scheduler checks are in `_flags.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks._flags import APISERVER, flag_list, go_bool, profiling_results, replicas
from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import ControlPlaneComponent, Inventory


def _always_allow(replica: ControlPlaneComponent) -> bool:
    """AlwaysAllow is among the authorization modes (the default when none is set)."""
    if replica.flag("authorization-config"):
        return False  # the modes are in a file we cannot see
    modes = replica.flag("authorization-mode")
    return modes is None or "AlwaysAllow" in flag_list(modes)


def _flag_results(inv: Inventory) -> Iterator[Result]:
    for replica in replicas(inv, APISERVER):
        pod = replica.pod
        value = replica.flag("anonymous-auth")
        authn_config = replica.flag("authentication-config")
        enabled = go_bool(value)
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
    problem="API server answering anonymous requests",
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
def anonymous_auth(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
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
    problem="API server authorization without Node and RBAC, or with AlwaysAllow",
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
def authorization_mode(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, APISERVER):
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
        modes = flag_list(value)
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
    problem="Missing or incomplete API server audit logging",
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
def audit_logging(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, APISERVER):
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
    problem="Secrets not encrypted at rest",
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
def secrets_encryption(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, APISERVER):
        value = replica.flag("encryption-provider-config") or None
        yield result(
            replica.pod,
            failed=value is None,
            message=f"--encryption-provider-config={value} (review that its first provider for secrets is not identity)"
            if value
            else "--encryption-provider-config is not set: Secrets are stored unencrypted in etcd",
            evidence=[("--encryption-provider-config", value)],
        )


# --- further API server flags ------------------------------------------------------------------
# Each of these reads every kube-apiserver replica; an unset flag means the binary's default.


@check(
    id="cp.token-auth-file",
    title="The API server accepts no static token file",
    problem="Static token file accepted by the API server",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(APISERVER,),
    rationale="""
--token-auth-file names a CSV of bearer tokens that authenticate as the users and groups
beside them. Those tokens never expire, cannot be revoked without restarting every API
server, sit in clear text on the control-plane disk and appear in no RBAC object: whoever
reads the file (a backup, a node compromise) holds those identities for good. kubeadm never
sets it; it is usually a leftover from a bootstrap or a hand-made break-glass account.
""",
    remediation="Remove --token-auth-file from every kube-apiserver and move its users to client certificates, "
    "an OIDC provider or short-lived service-account tokens; then delete the file.",
    references={"cis": ["1.2.2"], "kubescape": ["C-0114"]},
)
def token_auth_file(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, APISERVER):
        value = replica.flag("token-auth-file") or None
        yield result(
            replica.pod,
            failed=value is not None,
            message=f"--token-auth-file={value}: static bearer tokens that never expire authenticate users"
            if value
            else "No static token file (--token-auth-file is not set)",
            evidence=[("--token-auth-file", value)],
        )


#: Admission plugins the API server enables without being asked (1.30 and later; the list has
#: not lost a security-relevant member since PodSecurity joined it in 1.23).
DEFAULT_ADMISSION_PLUGINS = frozenset(
    {
        "NamespaceLifecycle",
        "LimitRanger",
        "ServiceAccount",
        "TaintNodesByCondition",
        "PodSecurity",
        "Priority",
        "DefaultTolerationSeconds",
        "DefaultStorageClass",
        "StorageObjectInUseProtection",
        "PersistentVolumeClaimResize",
        "RuntimeClass",
        "CertificateApproval",
        "CertificateSigning",
        "ClusterTrustBundleAttest",
        "CertificateSubjectRestriction",
        "DefaultIngressClass",
        "MutatingAdmissionWebhook",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionWebhook",
        "ResourceQuota",
    }
)


def enabled_admission_plugins(replica: ControlPlaneComponent) -> set[str]:
    """The plugins that run: the defaults plus --enable-admission-plugins (or the older
    --admission-control), minus --disable-admission-plugins."""
    enabled = set(DEFAULT_ADMISSION_PLUGINS)
    enabled |= set(flag_list(replica.flag("enable-admission-plugins")))
    enabled |= set(flag_list(replica.flag("admission-control")))
    enabled -= set(flag_list(replica.flag("disable-admission-plugins")))
    return enabled


@check(
    id="cp.admission-plugins",
    title="The API server runs NodeRestriction and PodSecurity admission, never AlwaysAdmit",
    problem="NodeRestriction or PodSecurity admission missing, or AlwaysAdmit on",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(APISERVER,),
    rationale="""
Admission plugins are the API server's last word on every write. NodeRestriction (not on by
default) limits each kubelet to its own Node object and the pods bound to it: without it a
stolen node credential can relabel other nodes to attract sensitive pods and edit any mirror
pod. PodSecurity (on by default since 1.23) is what makes the
`pod-security.kubernetes.io/enforce` namespace labels enforce anything; disabling it silently
turns every namespace's Pod Security level into decoration. AlwaysAdmit is a deprecated
plugin that admits everything and only signals a configuration copied from very old guides.
Judged from --enable-admission-plugins (and the older --admission-control) and
--disable-admission-plugins against the defaults of Kubernetes 1.30 and later.
""",
    remediation="Add NodeRestriction to --enable-admission-plugins (with --authorization-mode including Node), remove "
    "AlwaysAdmit from it, and remove PodSecurity from --disable-admission-plugins on every kube-apiserver.",
    references={"cis": ["1.2.10", "1.2.14"], "kubescape": ["C-0122", "C-0127"]},
)
def admission_plugins(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, APISERVER):
        enabled = enabled_admission_plugins(replica)
        disabled = flag_list(replica.flag("disable-admission-plugins"))
        problems: list[str] = []
        if "NodeRestriction" not in enabled:
            problems.append("NodeRestriction is not enabled")
        if "PodSecurity" not in enabled:
            problems.append("PodSecurity is disabled, so pod-security.kubernetes.io labels enforce nothing")
        if "AlwaysAdmit" in enabled:
            problems.append("AlwaysAdmit is enabled")
        yield result(
            replica.pod,
            failed=bool(problems),
            message="Admission: " + "; ".join(problems)
            if problems
            else "NodeRestriction and PodSecurity admission run; AlwaysAdmit does not",
            evidence=[
                ("--enable-admission-plugins", replica.flag("enable-admission-plugins")),
                ("--disable-admission-plugins", ",".join(disabled) or None),
            ],
        )


@check(
    id="cp.profiling",
    title="The API server does not expose profiling",
    problem="API server profiling exposed",
    section=Section.AUTH,
    severity=Severity.LOW,
    reads=(APISERVER,),
    rationale="""
With --profiling (on by default) the API server serves Go's pprof handlers under
/debug/pprof to any identity RBAC lets read that path. Profiles reveal internals and
collecting them costs the API server CPU: nothing a production control plane needs by
default. Profile on demand, on a test cluster, instead.
""",
    remediation="Set --profiling=false on every kube-apiserver.",
    references={"cis": ["1.2.15"], "kubescape": ["C-0129"]},
)
def apiserver_profiling(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, APISERVER):
        yield from profiling_results(replica)


@check(
    id="cp.kubelet-tls",
    title="The API server authenticates to kubelets with a client certificate and verifies theirs",
    problem="Unverified TLS between the API server and kubelets",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=(APISERVER,),
    rationale="""
The API server connects to every kubelet for `kubectl exec`, `logs`, `port-forward` and the
node proxy. --kubelet-client-certificate and --kubelet-client-key let kubelets authenticate
the API server (without them a kubelet that requires authentication refuses it, or one that
allows anonymous access serves anyone). --kubelet-certificate-authority makes the API server
verify the kubelet's serving certificate; without it those connections, which carry exec
sessions and logs, can be intercepted by anything that can impersonate a node's address.
kubeadm sets the client pair but not the CA (kubelets serve self-signed certificates unless
serverTLSBootstrap is on): a missing CA alone is reported at medium severity, a missing client
certificate at high.
""",
    remediation="Set --kubelet-client-certificate and --kubelet-client-key on every kube-apiserver; enable "
    "serverTLSBootstrap on kubelets, approve their serving CSRs and set --kubelet-certificate-authority to the "
    "cluster CA.",
    references={"cis": ["1.2.4", "1.2.5"], "kubescape": ["C-0116", "C-0117"]},
)
def kubelet_tls(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, APISERVER):
        cert = replica.flag("kubelet-client-certificate") or None
        key = replica.flag("kubelet-client-key") or None
        ca = replica.flag("kubelet-certificate-authority") or None
        problems: list[str] = []
        if not (cert and key):
            problems.append("no kubelet client certificate and key")
        if not ca:
            problems.append("kubelet serving certificates are not verified (no --kubelet-certificate-authority)")
        yield result(
            replica.pod,
            failed=bool(problems),
            message="API server to kubelet: " + "; ".join(problems)
            if problems
            else "The API server presents a client certificate to kubelets and verifies theirs",
            evidence=[
                ("--kubelet-client-certificate", cert),
                ("--kubelet-client-key", key),
                ("--kubelet-certificate-authority", ca),
            ],
            severity=Severity.HIGH if not (cert and key) else None,
        )


#: The cipher suites CIS Kubernetes Benchmark v1.10 (1.2.29) accepts for the API server.
STRONG_CIPHERS = frozenset(
    {
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    }
)
WEAK_TLS_VERSIONS = {"VersionTLS10", "VersionTLS11"}
#: Kubernetes built with Go 1.22+ (1.30 and later) serves TLS 1.2 at least by default; with Go
#: 1.23+ (1.32 and later) Go's default cipher list holds only suites in STRONG_CIPHERS.
GO_TLS12_DEFAULT = (1, 30)
GO_STRONG_CIPHERS_DEFAULT = (1, 32)


@check(
    id="cp.tls-config",
    title="The API server offers TLS 1.2 or later with strong cipher suites only",
    problem="Weak TLS versions or cipher suites on the API server",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=(APISERVER,),
    also_reads=("version",),
    rationale="""
Every client, kubelet and controller talks to the API server over TLS. TLS 1.0 and 1.1, and
suites with RSA key exchange, 3DES or RC4, allow downgrade and decryption attacks that
modern clients no longer need to accept. --tls-min-version and --tls-cipher-suites set what
the API server offers; unset, Go's defaults apply, which depend on the Go release the API
server was built with: Kubernetes 1.30 and later refuse TLS 1.0/1.1 by default, and 1.32
and later offer only suites CIS accepts. So an unset flag passes on those versions and fails
at low severity before them (or when the server version is unknown). An explicit weak
setting fails at medium severity. With --tls-min-version=VersionTLS13 the cipher list does
not apply (TLS 1.3 suites are fixed).
""",
    remediation="Set --tls-min-version=VersionTLS12 (or VersionTLS13) and --tls-cipher-suites to a subset of the "
    "CIS list (ECDHE with AES-GCM or ChaCha20-Poly1305) on every kube-apiserver.",
    references={"cis": ["1.2.29"], "kubescape": ["C-0277"]},
)
def tls_config(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    server = inv.facts.version.minor_version() if inv.facts.version else None
    for replica in replicas(inv, APISERVER):
        min_version = replica.flag("tls-min-version") or None
        suites = flag_list(replica.flag("tls-cipher-suites"))
        problems: list[str] = []
        defaults: list[str] = []
        if min_version in WEAK_TLS_VERSIONS:
            problems.append(f"--tls-min-version={min_version} accepts TLS before 1.2")
        elif min_version is None and (server is None or server < GO_TLS12_DEFAULT):
            defaults.append(
                "--tls-min-version is not set and "
                + ("the server version is unknown" if server is None else "before Kubernetes 1.30 the default")
                + " may accept TLS 1.0"
            )
        weak = sorted(s for s in suites if s not in STRONG_CIPHERS)
        if min_version != "VersionTLS13":
            if weak:
                problems.append(f"weak cipher suites {', '.join(weak)}")
            elif not suites and (server is None or server < GO_STRONG_CIPHERS_DEFAULT):
                defaults.append(
                    "--tls-cipher-suites is not set and Go's default list before Kubernetes 1.32 includes "
                    "3DES or RSA key-exchange suites"
                )
        evidence = [
            ("--tls-min-version", min_version),
            ("--tls-cipher-suites", ",".join(suites) or None),
            ("server version", f"{server[0]}.{server[1]}" if server else None),
        ]
        if problems or defaults:
            yield result(
                replica.pod,
                failed=True,
                message="API server TLS: " + "; ".join([*problems, *defaults]),
                evidence=evidence,
                severity=None if problems else Severity.LOW,
            )
        else:
            yield result(
                replica.pod,
                failed=False,
                message="API server TLS: "
                + (f"at least {min_version}" if min_version else "at least TLS 1.2 (default)")
                + (", CIS-strong cipher suites" if suites else ", Go's default cipher suites"),
                evidence=evidence,
            )


@check(
    id="cp.service-account-lookup",
    title="The API server checks that a service-account token's account still exists",
    problem="Tokens of deleted service accounts still accepted",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=(APISERVER,),
    rationale="""
With --service-account-lookup (the default) the API server confirms, for every
service-account token, that the ServiceAccount and (for a Secret-based token) its Secret
still exist. Set to false, a token keeps working after its ServiceAccount or Secret is
deleted, until it expires; for legacy Secret-based tokens, that is forever.
""",
    remediation="Remove --service-account-lookup=false (or set it to true) on every kube-apiserver.",
    references={"cis": ["1.2.21"], "kubescape": ["C-0135"]},
)
def service_account_lookup(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, APISERVER):
        value = replica.flag("service-account-lookup")
        enabled = go_bool(value)
        if value is not None and enabled is None:
            yield not_assessable(f"--service-account-lookup={value!r} is not a boolean", replica.pod)
            continue
        yield result(
            replica.pod,
            failed=enabled is False,
            message="--service-account-lookup=false: tokens of deleted service accounts keep working"
            if enabled is False
            else "Service-account tokens are checked against existing accounts"
            + (" (--service-account-lookup defaults to true)" if value is None else ""),
            evidence=[("--service-account-lookup", value)],
        )


@check(
    id="cp.service-account-key-file",
    title="The API server verifies service-account tokens with a dedicated key",
    problem="No dedicated key verifying service-account tokens",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=(APISERVER,),
    rationale="""
--service-account-key-file lists the public keys that verify service-account tokens; its
private half (the controller-manager's --service-account-private-key-file and the API
server's --service-account-signing-key-file) signs them. Without it the API server falls
back to its TLS serving key, which ties token signing to the serving certificate: rotating
one breaks or prolongs the other, and a leaked serving key can mint tokens.
""",
    remediation="Create a dedicated key pair for service-account tokens and set --service-account-key-file (public) "
    "and --service-account-signing-key-file (private) on every kube-apiserver.",
    references={"cis": ["1.2.22"], "kubescape": ["C-0136"]},
)
def service_account_key_file(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, APISERVER):
        value = replica.flag("service-account-key-file") or None
        yield result(
            replica.pod,
            failed=value is None,
            message=f"Service-account tokens are verified with {value}"
            if value
            else "--service-account-key-file is not set: tokens are verified with the TLS serving key",
            evidence=[
                ("--service-account-key-file", value),
                ("--service-account-signing-key-file", replica.flag("service-account-signing-key-file")),
            ],
        )


@check(
    id="cp.etcd-tls",
    title="The API server talks to etcd over verified, mutually authenticated TLS",
    problem="API server to etcd without verified mutual TLS",
    section=Section.NETWORK,
    severity=Severity.HIGH,
    reads=(APISERVER,),
    rationale="""
etcd holds every object of the cluster, Secrets included. The API server must reach it over
https (--etcd-servers), verify its certificate (--etcd-cafile) and authenticate with a client
certificate (--etcd-certfile, --etcd-keyfile); etcd can then refuse any client without one
(see etcd.client-tls). Without these, anyone on the path to etcd reads or rewrites the cluster.
""",
    remediation="Set --etcd-servers to https:// URLs, --etcd-cafile to the etcd CA and --etcd-certfile / "
    "--etcd-keyfile to a client certificate the etcd CA signed, on every kube-apiserver.",
    references={"cis": ["1.2.23", "1.2.26"], "kubescape": ["C-0137", "C-0140"]},
)
def etcd_tls(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, APISERVER):
        servers = flag_list(replica.flag("etcd-servers"))
        cert = replica.flag("etcd-certfile") or None
        key = replica.flag("etcd-keyfile") or None
        ca = replica.flag("etcd-cafile") or None
        problems: list[str] = []
        plain = [s for s in servers if not s.lower().startswith(("https://", "unixs://"))]
        if plain:
            problems.append(f"etcd servers without TLS: {', '.join(plain)}")
        if not (cert and key):
            problems.append("no client certificate for etcd (--etcd-certfile/--etcd-keyfile)")
        if not ca:
            problems.append("etcd's certificate is not verified (no --etcd-cafile)")
        yield result(
            replica.pod,
            failed=bool(problems),
            message="API server to etcd: " + "; ".join(problems)
            if problems
            else "The API server reaches etcd over TLS with a client certificate and a pinned CA",
            evidence=[
                ("--etcd-servers", ",".join(servers) or None),
                ("--etcd-certfile", cert),
                ("--etcd-keyfile", key),
                ("--etcd-cafile", ca),
            ],
        )


# --- the authorizer probe (live, any platform) ---------------------------------------------------


@check(
    id="cp.authorizer-probe",
    title="The authorizer refuses a made-up user (no AlwaysAllow-like authorizer)",
    problem="Authorizer letting a made-up user in",
    section=Section.AUTH,
    severity=Severity.CRITICAL,
    reads=("authorizer-probe",),
    rationale="""
Flags show the authorizer only where the control plane is visible. This probe works on any
cluster, managed ones included: the collector asks the API server, with a
SubjectAccessReview (a question that stores nothing), whether a user name nobody has, with
no groups, may list Secrets in every namespace. RBAC and Node refuse that; only an authorizer
that allows whatever it is asked (the AlwaysAllow mode, or a webhook authorizer that behaves
like it) says yes, and then every authenticated identity can do everything. The probe needs
`create` on `subjectaccessreviews`, the one non-read permission the auditor uses; without it
this check is not-assessable.
""",
    remediation="Remove AlwaysAllow from --authorization-mode (or the AuthorizationConfiguration) and fix or remove "
    "any webhook authorizer that allows unknown users; on a managed cluster, open a support case: this is not a "
    "supported configuration.",
    references={"cis": ["1.2.6"], "kubescape": ["C-0118"]},
)
def authorizer_probe(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    probe = inv.facts.authorizerProbe
    if probe is None or probe.allowed is None:  # reads=("authorizer-probe",) makes this unreachable
        yield not_assessable("the authorizer probe was not made")
        return
    evidence = [
        ("SubjectAccessReview spec.user", probe.user),
        ("spec.resourceAttributes", "list secrets in all namespaces"),
        ("status.allowed", probe.allowed),
        ("status.reason", probe.reason or None),
        ("status.evaluationError", probe.evaluationError),
    ]
    if probe.allowed:
        yield result(
            None,
            failed=True,
            message=f"The authorizer allowed a made-up user ({probe.user}, no groups) to list Secrets in every "
            "namespace: an AlwaysAllow-like authorizer lets every authenticated identity do everything",
            evidence=evidence,
        )
        return
    how = "denied it" if probe.denied else "had no rule allowing it"
    message = f"The authorizer {how}: a made-up user may not list Secrets cluster-wide"
    if probe.evaluationError:
        message += f" (an authorizer reported an evaluation error: {probe.evaluationError})"
    yield result(None, failed=False, message=message, evidence=evidence)
