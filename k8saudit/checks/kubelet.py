"""Kubelet settings from each node's `configz` (NSA/CISA: Authentication and authorization).

Only collected with `--kubelet-config` (`GET /api/v1/nodes/{node}/proxy/configz`, which needs
`get nodes/proxy`); without it every check here is not-assessable with that reason. One result
per node; a node whose configz could not be read is not-assessable with its own reason.

configz returns the kubelet's effective KubeletConfiguration (v1beta1) as JSON with zero
values omitted: a missing `readOnlyPort` means 0, a missing boolean means false
(docs/kubernetes-facts.md). Fields that are never zero when set (`authorization.mode`,
`streamingConnectionIdleTimeout`) are not guessed: missing means not-assessable for that node.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import Node, ObjectMeta

#: What one setting of one node looks like: passed (None: not judged), message, evidence, severity.
Judgement = tuple[bool | None, str, list[tuple[str, Any]], Severity | None]


def _get(config: dict[str, Any], path: str) -> Any:
    value: Any = config
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def per_node(inv: Inventory, judge: Callable[[dict[str, Any]], Judgement]) -> Iterator[Result]:
    """Apply `judge` to every node's kubelet configuration, reporting each node as its Node."""
    nodes = {n.name: n for n in inv.of("Node", Node)}
    for name in sorted(inv.facts.kubelet):
        entry = inv.facts.kubelet[name]
        node = nodes.get(name) or Node(apiVersion="v1", kind="Node", metadata=ObjectMeta(name=name))
        if entry.config is None:
            yield not_assessable(entry.reason or "the kubelet's configz could not be read", node)
            continue
        passed, message, evidence, severity = judge(entry.config)
        if passed is None:
            yield not_assessable(message, node)
        else:
            yield result(node, failed=not passed, message=message, evidence=evidence, severity=severity)


@check(
    id="kubelet.anonymous-auth",
    title="Kubelets refuse anonymous requests",
    problem="Kubelets answering anonymous requests",
    section=Section.AUTH,
    severity=Severity.CRITICAL,
    reads=("kubelet",),
    rationale="""
The kubelet API (port 10250) runs commands in containers, reads logs and lists every pod of
the node. With anonymous authentication on, a request without credentials is served as
`system:anonymous`; with authorization mode AlwaysAllow as well (the kubelet's defaults when
run without a configuration file), anyone who reaches the node can exec into its pods.
""",
    remediation="Set `authentication.anonymous.enabled: false` in every kubelet's configuration (or "
    "--anonymous-auth=false) and restart it.",
    references={"cis": ["4.2.1"], "kubescape": ["C-0069", "C-0172"]},
)
def anonymous_auth(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory

    def judge(config: dict[str, Any]) -> Judgement:
        enabled = _get(config, "authentication.anonymous.enabled") is True
        evidence = [("authentication.anonymous.enabled", enabled)]
        if enabled:
            return False, "The kubelet serves requests without credentials as system:anonymous", evidence, None
        return True, "The kubelet refuses anonymous requests", evidence, None

    yield from per_node(inv, judge)


@check(
    id="kubelet.authorization-mode",
    title="Kubelets authorize requests through the API server (Webhook)",
    problem="Kubelets not authorizing through the API server",
    section=Section.AUTH,
    severity=Severity.CRITICAL,
    reads=("kubelet",),
    rationale="""
With `authorization.mode: Webhook` the kubelet asks the API server (a SubjectAccessReview)
whether each caller may use each endpoint, so RBAC on `nodes/proxy`, `nodes/log` and
friends decides. AlwaysAllow lets every authenticated caller (and, with anonymous auth,
everyone) run commands in every pod of the node.
""",
    remediation="Set `authorization.mode: Webhook` in every kubelet's configuration (or --authorization-mode=Webhook), "
    "with `authentication.webhook.enabled: true`.",
    references={"cis": ["4.2.2"], "kubescape": ["C-0173"]},
)
def authorization_mode(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory

    def judge(config: dict[str, Any]) -> Judgement:
        mode = _get(config, "authorization.mode")
        evidence = [("authorization.mode", mode)]
        if not mode:
            return None, "configz does not report authorization.mode", evidence, None
        if mode == "Webhook":
            return True, "The kubelet authorizes requests through the API server", evidence, None
        return False, f"authorization.mode={mode}: every authenticated caller may use the kubelet API", evidence, None

    yield from per_node(inv, judge)


@check(
    id="kubelet.read-only-port",
    title="Kubelets do not serve the unauthenticated read-only port",
    problem="Kubelet read-only port open",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=("kubelet",),
    rationale="""
The read-only port (historically 10255) serves the kubelet's pod list, specs and metrics
over plain HTTP with no authentication or authorization at all: environment variables,
images, volumes and service account names of every pod on the node, to anyone who can reach
it. configz omits the field when it is 0 (disabled).
""",
    remediation="Set `readOnlyPort: 0` in every kubelet's configuration (or --read-only-port=0).",
    references={"cis": ["4.2.4"], "kubescape": ["C-0175"]},
)
def read_only_port(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory

    def judge(config: dict[str, Any]) -> Judgement:
        port = config.get("readOnlyPort") or 0
        evidence = [("readOnlyPort", port)]
        if port:
            return False, f"The kubelet serves pod details without authentication on port {port}", evidence, None
        return True, "The read-only port is disabled (readOnlyPort: 0)", evidence, None

    yield from per_node(inv, judge)


@check(
    id="kubelet.client-ca",
    title="Kubelets verify client certificates against the cluster CA",
    problem="Kubelets not verifying client certificates",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=("kubelet",),
    rationale="""
`authentication.x509.clientCAFile` is how the kubelet authenticates the API server's client
certificate (and any other certificate-holding caller). Without it, certificate
authentication is off: only webhook token authentication (or anonymous access) remains.
""",
    remediation="Set `authentication.x509.clientCAFile` to the cluster CA in every kubelet's configuration (or "
    "--client-ca-file).",
    references={"cis": ["4.2.3"], "kubescape": ["C-0070", "C-0174"]},
)
def client_ca(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory

    def judge(config: dict[str, Any]) -> Judgement:
        ca = _get(config, "authentication.x509.clientCAFile") or None
        evidence = [("authentication.x509.clientCAFile", ca)]
        if ca:
            return True, f"The kubelet verifies client certificates against {ca}", evidence, None
        return False, "The kubelet has no client CA: certificate authentication is off", evidence, None

    yield from per_node(inv, judge)


@check(
    id="kubelet.certificate-rotation",
    title="Kubelets rotate their client and serving certificates",
    problem="Kubelet certificates not rotated",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=("kubelet",),
    rationale="""
`rotateCertificates` makes the kubelet renew its client certificate before it expires, so
node credentials stay short-lived instead of being replaced by hand (or left to expire and
be re-issued for long periods). `serverTLSBootstrap` makes it request its serving certificate
from the cluster CA, which is what lets the API server verify the kubelet
(--kubelet-certificate-authority, see cp.kubelet-tls); without it the kubelet serves a
self-signed certificate. A missing serving-certificate bootstrap alone is reported at low
severity (kubeadm's default).
""",
    remediation="Set `rotateCertificates: true` and `serverTLSBootstrap: true` in every kubelet's configuration, "
    "and approve kubelet serving CSRs (kubelet-csr-approver or by hand).",
    references={"cis": ["4.2.10", "4.2.11"], "kubescape": ["C-0182", "C-0183"]},
)
def certificate_rotation(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory

    def judge(config: dict[str, Any]) -> Judgement:
        client = config.get("rotateCertificates") is True
        server = config.get("serverTLSBootstrap") is True
        gate = _get(config, "featureGates.RotateKubeletServerCertificate")
        evidence = [
            ("rotateCertificates", client),
            ("serverTLSBootstrap", server),
            ("featureGates.RotateKubeletServerCertificate", gate),
        ]
        problems = []
        if not client:
            problems.append("the client certificate is not rotated (rotateCertificates: false)")
        if not server or gate is False:
            problems.append("the serving certificate is self-signed, not requested from the cluster CA")
        if not problems:
            return True, "The kubelet rotates its client and serving certificates", evidence, None
        return False, "Kubelet certificates: " + "; ".join(problems), evidence, None if not client else Severity.LOW

    yield from per_node(inv, judge)


@check(
    id="kubelet.seccomp-default",
    title="Kubelets apply the RuntimeDefault seccomp profile by default",
    problem="Kubelets not applying RuntimeDefault seccomp by default",
    section=Section.POD_SECURITY,
    severity=Severity.LOW,
    reads=("kubelet",),
    rationale="""
A container without a seccomp profile runs Unconfined: every system call is allowed,
including the ones most container escapes use. `seccompDefault: true` (GA in 1.27) makes the
kubelet apply the container runtime's RuntimeDefault profile to every container that does
not ask for another, a safety net under the per-workload seccomp checks.
""",
    remediation="Set `seccompDefault: true` in every kubelet's configuration (or --seccomp-default) and test "
    "workloads that need extra system calls with a Localhost profile.",
    references={},
)
def seccomp_default(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory

    def judge(config: dict[str, Any]) -> Judgement:
        enabled = config.get("seccompDefault") is True
        evidence = [("seccompDefault", enabled)]
        if enabled:
            return True, "Containers without a seccomp profile get RuntimeDefault", evidence, None
        return False, "Containers without a seccomp profile run Unconfined (seccompDefault: false)", evidence, None

    yield from per_node(inv, judge)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_duration_seconds(text: str) -> float | None:
    """A Go duration (`4h0m0s`, `5m`, `0s`) in seconds; None when unreadable."""
    text = text.strip()
    if text in ("0", ""):
        return 0.0
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


@check(
    id="kubelet.streaming-idle-timeout",
    title="Kubelets close idle exec and port-forward streams",
    problem="Idle exec and port-forward streams never closed",
    section=Section.AUTH,
    severity=Severity.LOW,
    reads=("kubelet",),
    rationale="""
`streamingConnectionIdleTimeout` ends exec, attach and port-forward sessions that have been
idle that long (4h by default). 0 disables the timeout: a forgotten or hijacked session
stays open for good, and idle connections pile up on the node.
""",
    remediation="Set `streamingConnectionIdleTimeout` to a non-zero duration (for example 5m) in every kubelet's "
    "configuration.",
    references={"cis": ["4.2.5"], "kubescape": ["C-0176"]},
)
def streaming_idle_timeout(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory

    def judge(config: dict[str, Any]) -> Judgement:
        value = config.get("streamingConnectionIdleTimeout")
        evidence = [("streamingConnectionIdleTimeout", value)]
        if value is None:
            return None, "configz does not report streamingConnectionIdleTimeout", evidence, None
        seconds = go_duration_seconds(str(value))
        if seconds is None:
            return None, f"streamingConnectionIdleTimeout={value!r} is not a duration", evidence, None
        if seconds == 0:
            return False, "Idle exec and port-forward streams are never closed (timeout 0)", evidence, None
        return True, f"Idle streams are closed after {value}", evidence, None

    yield from per_node(inv, judge)


@check(
    id="kubelet.pod-pids-limit",
    title="Kubelets limit the number of processes per pod",
    problem="No per-pod process limit on kubelets",
    section=Section.POD_SECURITY,
    severity=Severity.LOW,
    reads=("kubelet",),
    rationale="""
Without `podPidsLimit` (-1 by default) one pod can fork until the node runs out of process
ids, and then no container on that node, the kubelet's own helpers included, can start a
process: a fork bomb in one workload is a denial of service for the whole node.
""",
    remediation="Set `podPidsLimit` (for example 4096, or what your heaviest workload needs) in every kubelet's "
    "configuration (or --pod-max-pids).",
    references={"cis": ["4.2.13"], "kubescape": ["C-0284"]},
)
def pod_pids_limit(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory

    def judge(config: dict[str, Any]) -> Judgement:
        limit = config.get("podPidsLimit")
        evidence = [("podPidsLimit", limit)]
        if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
            return True, f"Each pod may run at most {limit} processes", evidence, None
        return (
            False,
            "Pods may run unlimited processes (podPidsLimit " + (f"{limit})" if limit is not None else "not set)"),
            evidence,
            None,
        )

    yield from per_node(inv, judge)
