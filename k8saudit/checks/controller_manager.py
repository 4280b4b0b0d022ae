"""kube-controller-manager flags (NSA/CISA: control plane hardening).

Read from its static pods in kube-system (label `component=kube-controller-manager`), one result
per replica. A flag that is not set means the binary's default. Where no such pod exists
(managed or external control planes, k3s), `reads` makes each check not-assessable with what to
review by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks._flags import (
    BIND_RATIONALE,
    CONTROLLER_MANAGER,
    PROFILING_RATIONALE,
    bind_address_result,
    feature_gate,
    go_bool,
    profiling_results,
    replicas,
)
from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity


@check(
    id="controller-manager.bind-address",
    title="The controller manager serves only on loopback",
    problem="Controller manager serving beyond loopback",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=(CONTROLLER_MANAGER,),
    rationale=BIND_RATIONALE.format(name="kube-controller-manager"),
    remediation="Set --bind-address=127.0.0.1 on every kube-controller-manager (scrape metrics through a local "
    "proxy or the node's loopback).",
    references={"cis": ["1.3.7"], "kubescape": ["C-0150"]},
)
def controller_manager_bind_address(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, CONTROLLER_MANAGER):
        yield bind_address_result(replica)


@check(
    id="controller-manager.profiling",
    title="The controller manager does not expose profiling",
    problem="Controller manager profiling exposed",
    section=Section.AUTH,
    severity=Severity.LOW,
    reads=(CONTROLLER_MANAGER,),
    rationale=PROFILING_RATIONALE.format(name="kube-controller-manager"),
    remediation="Set --profiling=false on every kube-controller-manager.",
    references={"cis": ["1.3.2"], "kubescape": ["C-0145"]},
)
def controller_manager_profiling(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, CONTROLLER_MANAGER):
        yield from profiling_results(replica)


@check(
    id="controller-manager.service-account-credentials",
    title="Each controller uses its own service account",
    problem="Controllers sharing one identity",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=(CONTROLLER_MANAGER,),
    rationale="""
With --use-service-account-credentials=true every controller loop (deployments, jobs,
namespaces, ...) calls the API as its own service account in kube-system, bound by default
to a role holding only what that controller needs. Without it (the default is false) they
all share the controller manager's own identity, which must then hold the union of their
permissions, and audit logs cannot tell which controller did what.
""",
    remediation="Set --use-service-account-credentials=true on every kube-controller-manager (the RBAC roles for "
    "each controller are created by the API server).",
    references={"cis": ["1.3.3"], "kubescape": ["C-0146"]},
)
def controller_manager_sa_credentials(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, CONTROLLER_MANAGER):
        value = replica.flag("use-service-account-credentials")
        enabled = go_bool(value)
        if value is not None and enabled is None:
            yield not_assessable(f"--use-service-account-credentials={value!r} is not a boolean", replica.pod)
            continue
        yield result(
            replica.pod,
            failed=enabled is not True,
            message="Each controller calls the API as its own service account"
            if enabled
            else "All controllers share the controller manager's identity ("
            + ("--use-service-account-credentials=false" if value is not None else "the flag defaults to false")
            + ")",
            evidence=[("--use-service-account-credentials", value)],
        )


@check(
    id="controller-manager.service-account-key",
    title="The controller manager signs service-account tokens with a dedicated key",
    problem="No dedicated key signing service-account tokens",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=(CONTROLLER_MANAGER,),
    rationale="""
--service-account-private-key-file is the key the token controller signs legacy
service-account token Secrets with; the API server verifies them with the matching public
key (--service-account-key-file). Without it the controller manager cannot populate token
Secrets and key rotation has nothing to pair with.
""",
    remediation="Set --service-account-private-key-file to the private half of the key pair whose public half is in "
    "the API server's --service-account-key-file.",
    references={"cis": ["1.3.4"], "kubescape": ["C-0147"]},
)
def controller_manager_sa_key(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, CONTROLLER_MANAGER):
        value = replica.flag("service-account-private-key-file") or None
        yield result(
            replica.pod,
            failed=value is None,
            message=f"Service-account tokens are signed with {value}"
            if value
            else "--service-account-private-key-file is not set",
            evidence=[("--service-account-private-key-file", value)],
        )


@check(
    id="controller-manager.root-ca",
    title="The controller manager gives pods the cluster CA",
    problem="Pods not given the cluster CA",
    section=Section.AUTH,
    severity=Severity.LOW,
    reads=(CONTROLLER_MANAGER,),
    rationale="""
--root-ca-file is the CA bundle the controller manager publishes to every namespace
(`kube-root-ca.crt`) and puts in token Secrets, so that pods can verify the API server's
certificate. Without it, in-cluster clients either fail or are configured to skip
verification, which lets anything on the pod network impersonate the API server.
""",
    remediation="Set --root-ca-file to the cluster CA certificate on every kube-controller-manager.",
    references={"cis": ["1.3.5"], "kubescape": ["C-0148"]},
)
def controller_manager_root_ca(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, CONTROLLER_MANAGER):
        value = replica.flag("root-ca-file") or None
        yield result(
            replica.pod,
            failed=value is None,
            message=f"Pods receive the cluster CA from {value}" if value else "--root-ca-file is not set",
            evidence=[("--root-ca-file", value)],
        )


@check(
    id="controller-manager.kubelet-cert-rotation",
    title="The controller manager can sign rotated kubelet serving certificates",
    problem="Kubelet serving-certificate rotation turned off",
    section=Section.AUTH,
    severity=Severity.LOW,
    reads=(CONTROLLER_MANAGER,),
    rationale="""
The RotateKubeletServerCertificate feature gate (on by default since 1.12, locked on in
later releases) lets kubelets request serving certificates from the cluster CA and renew
them before they expire. Turned off, kubelets keep self-signed certificates the API server
cannot verify (see cp.kubelet-tls).
""",
    remediation="Remove RotateKubeletServerCertificate=false from --feature-gates on every kube-controller-manager.",
    references={"cis": ["1.3.6"], "kubescape": ["C-0149"]},
)
def controller_manager_kubelet_rotation(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for replica in replicas(inv, CONTROLLER_MANAGER):
        gates = replica.flag("feature-gates")
        setting = feature_gate(gates, "RotateKubeletServerCertificate")
        yield result(
            replica.pod,
            failed=setting is False,
            message="--feature-gates turns RotateKubeletServerCertificate off"
            if setting is False
            else "Kubelet serving certificate rotation is enabled" + (" (the default)" if setting is None else ""),
            evidence=[("--feature-gates", gates)],
        )
