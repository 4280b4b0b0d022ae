"""ingress-nginx, the community Ingress controller (kubernetes/ingress-nginx): retired, and the
settings that made it dangerous (NSA/CISA: Network separation; Upgrading).

Which workloads are the controller: those with a container whose image is the project's own
(`registry.k8s.io/ingress-nginx/controller` and `controller-chroot`, the same path on
`k8s.gcr.io` or any mirror, and the pre-2020 `quay.io/kubernetes-ingress-controller/
nginx-ingress-controller`), by tag or digest. Vendor rebuilds under other names (Bitnami's, the
RKE2 `rancher/nginx-ingress-controller`) are not recognised: their vendors decide how long they
are patched. F5's NGINX Ingress Controller (`nginx/nginx-ingress`) is another, maintained project.

What is observable through the API and what is not: the version is read from the image tag (a
digest alone leaves it unknown: those results are not-assessable); the admission webhook is
served when the controller runs with `--validating-webhook`; which pods may reach it follows
from the NetworkPolicies that select the controller, which a CNI must enforce (see
net.cni-enforces-policies) and whose `ipBlock` peers only a person can map to the API server's
addresses; whether snippets are accepted follows from `allow-snippet-annotations` in the
ConfigMap named by `--configmap` (the one ConfigMap value k8saudit keeps, as a boolean) and the
version's default.

Without a controller these checks judge nothing: they pass without entering the score, as a
cluster that does not run the product cannot earn (or lose) points for its settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Inventory, Workload, parse_flags
from k8saudit.model.objects import (
    ALLOW_SNIPPETS_KEY,
    ConfigMap,
    Container,
    Ingress,
    NetworkPolicy,
    NetworkPolicyRule,
    ValidatingWebhookConfiguration,
)
from k8saudit.semantics.images import ImageRef

#: Repository paths of the project's controller images, on any registry or mirror.
_IMAGE_PATH = re.compile(
    r"(?:^|/)ingress-nginx/controller(?:-chroot)?$"
    r"|(?:^|/)(?:kubernetes-ingress-controller|google_containers|google-containers)/nginx-ingress-controller"
    r"(?:-(?:amd64|arm64|arm|ppc64le|s390x))?$"
)
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?")
#: The admission webhook's name in the project's ValidatingWebhookConfiguration (chart and static manifests).
WEBHOOK_NAME = "validate.nginx.ingress.kubernetes.io"
DEFAULT_ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io"

Version = tuple[int, int, int]

RETIREMENT = "https://kubernetes.io/blog/2025/11/11/ingress-nginx-retirement/"
CVE_2025_1974 = "https://github.com/kubernetes/kubernetes/issues/131009"
CVE_2021_25742 = "https://github.com/kubernetes/ingress-nginx/issues/7837"


@dataclass(frozen=True)
class Controller:
    """One ingress-nginx controller container: its workload, image, version and flags."""

    workload: Workload
    container: Container
    image: str
    version: Version | None
    flags: dict[str, str]

    @property
    def label(self) -> str:
        shown = ".".join(map(str, self.version)) if self.version else "unknown version"
        return f"{self.workload.kind} {self.workload.namespace}/{self.workload.name} ({shown})"

    def webhook_port(self) -> int | str | None:
        """The admission webhook's container port (`--validating-webhook=:8443`), or None when not served."""
        address = self.flags.get("validating-webhook", "")
        if not address or address == "true":
            return None
        port = address.rpartition(":")[2]
        return int(port) if port.isdigit() else port or None


def _version(ref: ImageRef) -> Version | None:
    """The controller's version from its tag (`v1.11.3`, `v1.12.0-beta.0`, `0.26.1`); None without one."""
    match = _VERSION.fullmatch(ref.tag or "")
    if match is None:
        return None
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def controllers(ctx: ScanContext) -> list[Controller]:
    """Every ingress-nginx controller container, in inventory order."""
    found: list[Controller] = []
    for workload in ctx.inventory.workloads:
        for container in workload.spec.containers:
            if not container.image:
                continue
            ref = ctx.image(container.image)
            if _IMAGE_PATH.search(ref.path):
                flags = parse_flags([*container.command, *container.args])
                found.append(Controller(workload, container, container.image, _version(ref), flags))
    return found


def _evidence(controller: Controller) -> list[tuple[str, object]]:
    return [("image", controller.image), ("version", ".".join(map(str, controller.version or ())) or None)]


# --- end of life -----------------------------------------------------------------------------------


@check(
    id="ingress-nginx.end-of-life",
    title="No retired ingress-nginx controller serves traffic",
    problem="Retired ingress-nginx controllers serving traffic",
    section=Section.UPGRADES,
    severity=Severity.HIGH,
    reads=("workloads",),
    rationale=f"""
Kubernetes SIG Network and the Security Response Committee retired ingress-nginx: best-effort
maintenance ended in March 2026, and there are no further releases, bug fixes or fixes for
security vulnerabilities that may be discovered; the repository is read-only ({RETIREMENT};
the project's README says the same). Existing deployments keep working, which is the danger: an
internet-facing proxy whose ServiceAccount can read the cluster's Secrets (in its default
installation, every Secret) will collect unfixed vulnerabilities, as it did before retirement
(CVE-2021-25742, CVE-2023-5043, CVE-2025-1974). Every controller recognised by its image is
reported, whatever its version.
""",
    remediation="Migrate to a maintained controller: a Gateway API implementation (the project's own "
    "recommendation; ingress2gateway translates Ingresses and many ingress-nginx annotations) or another Ingress "
    "controller from the Kubernetes documentation's list. F5's NGINX Ingress Controller is a different, maintained "
    "project with its own annotations. Until then, keep the last release and the settings checked by the other "
    "ingress-nginx checks.",
    references={},
)
def end_of_life(ctx: ScanContext) -> Iterator[Result]:
    for controller in controllers(ctx):
        yield result(
            controller.workload,
            failed=True,
            container=controller.container.name,
            message=f"ingress-nginx controller {controller.image}: the project is retired and gets no security "
            "fixes since March 2026; migrate to a Gateway API implementation or another maintained controller",
            evidence=_evidence(controller),
        )


# --- CVE-2025-1974 and the admission webhook -------------------------------------------------------


def affected_by_cve_2025_1974(version: Version) -> bool:
    """Versions before 1.11.5, and 1.12.0 with its pre-releases (fixed in 1.11.5 and 1.12.1)."""
    return version < (1, 11, 5) or version[:3] == (1, 12, 0)


@dataclass(frozen=True)
class Exposure:
    """Who may reach the admission webhook's port: `open` (every pod), `pods` (some), `blocks`
    (only address blocks, to be matched to the API server by hand), `none` (no rule allows it)."""

    reach: str
    why: str
    policies: tuple[str, ...] = ()


_OPEN_BLOCKS = {"0.0.0.0/0", "::/0"}


def _port_allowed(rule: NetworkPolicyRule, port: int | str, names: set[str]) -> bool:
    """Whether an ingress rule's ports include the webhook's (a rule without ports allows all)."""
    if not rule.ports:
        return True
    for entry in rule.ports:
        allowed = entry.get("port")
        if allowed is None or allowed == port or allowed in names:
            return True
        end = entry.get("endPort")
        if isinstance(allowed, int) and isinstance(end, int) and isinstance(port, int) and allowed <= port <= end:
            return True
    return False


def _peer_reach(peer: dict[str, object]) -> str:
    """`open`, `pods` or `blocks` for one `from` peer: an empty namespaceSelector without a
    narrower podSelector is every pod of the cluster; the whole address space is every source."""
    block = peer.get("ipBlock")
    if isinstance(block, dict):
        return "open" if block.get("cidr") in _OPEN_BLOCKS else "blocks"
    pods = peer.get("podSelector")
    if peer.get("namespaceSelector") == {} and not pods:
        return "open"
    return "pods"


def webhook_exposure(inv: Inventory, controller: Controller, port: int | str) -> Exposure:
    """Which sources the NetworkPolicies selecting the controller let reach `port` (see Exposure)."""
    workload = controller.workload
    if workload.spec.hostNetwork:
        return Exposure("open", "the controller uses the host network, which NetworkPolicy does not govern")
    labels = workload.template_meta.labels
    selecting = [
        p
        for p in inv.in_namespace("NetworkPolicy", workload.namespace or "", NetworkPolicy)
        if "Ingress" in p.spec.types() and p.spec.podSelector.matches(labels)
    ]
    if not selecting:
        return Exposure("open", "no NetworkPolicy isolates the controller's pods for ingress")
    names = {p.name for p in controller.container.ports if p.name and p.containerPort == port} | {
        p.name for p in controller.container.ports if p.name and p.name == port
    }
    reach: set[str] = set()
    allowing: set[str] = set()
    for policy in selecting:
        for rule in policy.spec.ingress:
            if not _port_allowed(rule, port, names):
                continue
            allowing.add(policy.name)
            reach |= {_peer_reach(peer) for peer in rule.from_} if rule.from_ else {"open"}
    policies = tuple(sorted(p.name for p in selecting))
    for level, why in (
        ("open", f"NetworkPolicy {', '.join(sorted(allowing))} lets every source reach it"),
        ("pods", f"NetworkPolicy {', '.join(sorted(allowing))} lets some pods reach it"),
        ("blocks", f"NetworkPolicy {', '.join(sorted(allowing))} lets only address blocks reach it"),
    ):
        if level in reach:
            return Exposure(level, why, policies)
    return Exposure("none", f"NetworkPolicy {', '.join(policies)} allows no source on that port", policies)


def _webhook_configs(inv: Inventory, controller: Controller) -> list[str]:
    """ValidatingWebhookConfigurations whose ingress-nginx webhook is served from the controller's namespace."""
    return sorted(
        config.name
        for config in inv.of("ValidatingWebhookConfiguration", ValidatingWebhookConfiguration)
        for hook in config.webhooks
        if hook.name == WEBHOOK_NAME
        and hook.clientConfig.service is not None
        and hook.clientConfig.service.namespace == controller.workload.namespace
    )


@check(
    id="ingress-nginx.cve-2025-1974",
    title="No ingress-nginx controller is affected by IngressNightmare (CVE-2025-1974)",
    problem="ingress-nginx controllers open to IngressNightmare (CVE-2025-1974)",
    section=Section.UPGRADES,
    severity=Severity.CRITICAL,
    reads=("workloads",),
    also_reads=("NetworkPolicy",),
    rationale=f"""
CVE-2025-1974 (CVSS 9.8, {CVE_2025_1974}): anyone who can reach the controller's validating
admission webhook from the pod network, without credentials, can make it load arbitrary code
and read the Secrets the controller can read (in the default installation, every Secret of the
cluster). The same release fixed CVE-2025-1097, CVE-2025-1098 and CVE-2025-24514, which let
anyone who may create Ingresses inject configuration through annotations. Affected: every
version before v1.11.5, and v1.12.0; fixed in v1.11.5 and v1.12.1. Critical when the webhook
is served (`--validating-webhook`) and a pod can reach it (see ingress-nginx.admission-webhook);
high otherwise, for the annotation injections. The version comes from the image tag: an image
pinned by digest alone is not-assessable (read it with `kubectl exec ... -- /nginx-ingress-controller --version`).
""",
    remediation="Upgrade the controller to v1.11.5, v1.12.1 or later (and plan the migration: the project is "
    "retired). Until then, turn the admission webhook off (Helm `controller.admissionWebhooks.enabled=false`, or "
    "delete the ValidatingWebhookConfiguration and drop `--validating-webhook`) or let only the API server reach it.",
    references={"cve": ["CVE-2025-1974", "CVE-2025-1097", "CVE-2025-1098", "CVE-2025-24514"]},
)
def cve_2025_1974(ctx: ScanContext) -> Iterator[Result]:
    for controller in controllers(ctx):
        yield _cve_result(ctx.inventory, controller)


def _cve_result(inv: Inventory, controller: Controller) -> Result:
    workload, name = controller.workload, controller.container.name
    if controller.version is None:
        return not_assessable(f"the version of {controller.image} is not in its tag", workload)
    evidence = _evidence(controller)
    if not affected_by_cve_2025_1974(controller.version):
        message = f"{controller.label} is fixed (v1.11.5 / v1.12.1 or later)"
        return result(workload, failed=False, container=name, message=message, evidence=evidence)
    port = controller.webhook_port()
    if port is None:
        reach = "its admission webhook is off; the annotation injections of the same release remain"
    elif not inv.availability("NetworkPolicy").ok:
        # who reaches it cannot be seen: the default installation lets every pod, so it is judged open
        reach = (
            f"its admission webhook listens on port {port} and NetworkPolicies could not be read to see who reaches it"
        )
        return result(
            workload,
            failed=True,
            container=name,
            message=f"{controller.label} is affected by CVE-2025-1974 and {reach}",
            evidence=[*evidence, ("--validating-webhook", port)],
        )
    else:
        exposure = webhook_exposure(inv, controller, port)
        reach = f"its admission webhook on port {port}: {exposure.why}"
        if exposure.reach in ("open", "pods"):
            return result(
                workload,
                failed=True,
                container=name,
                message=f"{controller.label} is affected by CVE-2025-1974 and {reach}",
                evidence=[*evidence, ("--validating-webhook", port)],
            )
    return result(
        workload,
        failed=True,
        container=name,
        message=f"{controller.label} is affected by CVE-2025-1974 (fixed in v1.11.5 / v1.12.1): {reach}",
        evidence=[*evidence, ("--validating-webhook", port)],
        severity=Severity.HIGH,
    )


@check(
    id="ingress-nginx.admission-webhook",
    title="Only the API server can reach the ingress-nginx admission webhook",
    problem="ingress-nginx admission webhooks reachable from pods",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("workloads", "NetworkPolicy"),
    also_reads=("ValidatingWebhookConfiguration",),
    rationale="""
The controller's validating admission webhook (`--validating-webhook`, port 8443 in the chart) is
meant to be called by the API server, but it asks callers for no credentials: any pod that can
open a connection to it can submit admission reviews, which is how CVE-2025-1974 was exploited,
and the project no longer fixes what is found next. It should be reachable from the API server
alone. A controller fails when no NetworkPolicy isolates its pods for ingress, or when a policy
lets every source (no `from`, or the whole address space) or some pods reach the port (low).
It passes when only `ipBlock` address blocks may: confirm by hand that they hold only the
control plane's addresses (the API server calls webhooks from its own address, which the API
does not show), and that the CNI enforces NetworkPolicy (net.cni-enforces-policies). A
controller on the host network fails: NetworkPolicy does not govern it.
""",
    remediation="Apply a NetworkPolicy selecting the controller's pods that allows the webhook port only from the "
    "control plane's addresses (and the proxy ports from where traffic comes), or turn the webhook off.",
    references={"cve": ["CVE-2025-1974"]},
    fix="""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ingress-nginx-admission
  namespace: ingress-nginx
spec:
  podSelector:
    matchLabels: {app.kubernetes.io/component: controller}
  policyTypes: [Ingress]
  ingress:
    - ports: [{port: 80}, {port: 443}]
    - from: [{ipBlock: {cidr: 10.0.0.10/32}}]  # the API server's address
      ports: [{port: 8443}]
""",
)
def admission_webhook(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for controller in controllers(ctx):
        yield _webhook_result(inv, controller)


def _webhook_result(inv: Inventory, controller: Controller) -> Result:
    workload, name = controller.workload, controller.container.name
    port = controller.webhook_port()
    configs = _webhook_configs(inv, controller)
    evidence: list[tuple[str, object]] = [
        ("--validating-webhook", port),
        ("ValidatingWebhookConfigurations", configs or None),
    ]
    if port is None:
        return result(
            workload, failed=False, container=name, message="The admission webhook is not served", evidence=evidence
        )
    exposure = webhook_exposure(inv, controller, port)
    evidence.append(("NetworkPolicies selecting it", list(exposure.policies) or None))
    message = f"The admission webhook on port {port}: {exposure.why}"
    if exposure.reach == "blocks":
        message += " (confirm they hold only the API server's addresses)"
    return result(
        workload,
        failed=exposure.reach in ("open", "pods"),
        container=name,
        message=message,
        evidence=evidence,
        severity=Severity.LOW if exposure.reach == "pods" else None,
    )


# --- snippet annotations (CVE-2021-25742) ----------------------------------------------------------


def _default_allows_snippets(version: Version) -> bool | None:
    """What a version does when the ConfigMap does not say: None when it has no switch at all
    (before v0.49.1, and v1.0.0: snippets always on), else the default (on before v1.9.0)."""
    if version < (0, 49, 1) or version == (1, 0, 0):
        return None
    return version < (1, 9, 0)


@dataclass(frozen=True)
class SnippetVerdict:
    """Whether a controller accepts snippet annotations: `allowed` None when it cannot be told."""

    allowed: bool | None
    why: str


def snippets_allowed(inv: Inventory, controller: Controller) -> SnippetVerdict:
    """Whether the controller accepts `*-snippet` annotations, from its ConfigMap and version."""
    version = controller.version
    if version is not None and _default_allows_snippets(version) is None:
        return SnippetVerdict(True, f"{controller.label} predates the {ALLOW_SNIPPETS_KEY} switch (v0.49.1 / v1.0.1)")
    setting = _configured_switch(inv, controller)
    if isinstance(setting, SnippetVerdict):
        return setting
    if setting is not None:
        return SnippetVerdict(setting == "true", f"its ConfigMap sets {ALLOW_SNIPPETS_KEY}: {setting}")
    if version is None:
        return SnippetVerdict(None, f"{ALLOW_SNIPPETS_KEY} is not set and the version (its default) is unknown")
    default = _default_allows_snippets(version)
    state = "on" if default else "off"
    return SnippetVerdict(default, f"{ALLOW_SNIPPETS_KEY} is not set: {state} by default in {controller.label}")


def _configured_switch(inv: Inventory, controller: Controller) -> str | SnippetVerdict | None:
    """The ConfigMap's `true`/`false`, None when unset, or a verdict when it cannot be read."""
    reference = controller.flags.get("configmap", "").replace("$(POD_NAMESPACE)", controller.workload.namespace or "")
    if not reference:
        return None
    namespace, _, name = reference.rpartition("/")
    if "$(" in reference or not namespace:
        return SnippetVerdict(None, f"--configmap={reference} names no ConfigMap that can be resolved")
    if not inv.availability("ConfigMap").ok:
        return SnippetVerdict(None, f"ConfigMap {reference} could not be read: {inv.availability('ConfigMap').reason}")
    found = [c for c in inv.in_namespace("ConfigMap", namespace, ConfigMap) if c.name == name]
    if not found or ALLOW_SNIPPETS_KEY not in found[0].keys:
        return None
    value = found[0].allowSnippetAnnotations
    if value in ("true", "false"):
        return value
    what = "a value that is not a boolean" if value else "a value this source did not keep"
    return SnippetVerdict(None, f"ConfigMap {reference} sets {ALLOW_SNIPPETS_KEY} to {what}: review it")


@check(
    id="ingress-nginx.snippets-allowed",
    title="ingress-nginx controllers refuse snippet annotations",
    problem="ingress-nginx controllers accepting snippet annotations",
    section=Section.NETWORK,
    severity=Severity.HIGH,
    reads=("workloads",),
    also_reads=("ConfigMap",),
    rationale=f"""
Snippet annotations (`nginx.ingress.kubernetes.io/configuration-snippet`, `server-snippet`,
`auth-snippet`, ...) paste raw nginx configuration into the controller's own configuration. Anyone
who may create or change an Ingress in any namespace can then run code as the controller and
read what its ServiceAccount can read, every Secret of the cluster in the default installation
(CVE-2021-25742, {CVE_2021_25742}; CVE-2023-5043). `allow-snippet-annotations` in the
controller's ConfigMap (`--configmap`) turns them off; it exists from v0.49.1 and v1.0.1 (earlier
versions always accept snippets) and defaults to on before v1.9.0, off since. The ConfigMap's
values are dropped when it is read; this one boolean is kept. Not-assessable when the ConfigMap
could not be read or the version is unknown and the ConfigMap does not say.
""",
    remediation='Set `allow-snippet-annotations: "false"` in the controller\'s ConfigMap (Helm '
    "`controller.allowSnippetAnnotations=false`), keep `annotations-risk-level` below Critical, and replace "
    "snippets by dedicated annotations; upgrade controllers older than v1.0.1, which cannot turn them off.",
    references={"kubescape": ["C-0059"], "cve": ["CVE-2021-25742", "CVE-2023-5043"]},
    fix="""
apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
data:
  allow-snippet-annotations: "false"
""",
)
def snippets_allowed_check(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for controller in controllers(ctx):
        verdict = snippets_allowed(inv, controller)
        if verdict.allowed is None:
            yield not_assessable(f"whether snippets are accepted cannot be told: {verdict.why}", controller.workload)
            continue
        yield result(
            controller.workload,
            failed=verdict.allowed,
            container=controller.container.name,
            message=("Snippet annotations are accepted: " if verdict.allowed else "Snippet annotations are refused: ")
            + verdict.why,
            evidence=[*_evidence(controller), ("--configmap", controller.flags.get("configmap"))],
        )


def snippet_keys(annotations: dict[str, str], prefixes: set[str]) -> list[str]:
    """The annotations that are ingress-nginx snippets (`<prefix>/<anything>-snippet`)."""
    return sorted(k for k in annotations if k.endswith("-snippet") and k.rpartition("/")[0] in prefixes)


@check(
    id="ingress-nginx.snippet-annotations",
    title="No Ingress carries ingress-nginx snippet annotations",
    problem="Ingresses with ingress-nginx snippet annotations",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("Ingress",),
    also_reads=("workloads", "ConfigMap"),
    rationale="""
An Ingress with a `nginx.ingress.kubernetes.io/*-snippet` annotation (configuration-snippet,
server-snippet, auth-snippet, stream-snippet, modsecurity-snippet; or the prefix a controller's
`--annotations-prefix` sets) hands raw nginx configuration to the controller: the CVE-2021-25742
path to the controller's credentials and every Secret they can read. High when a recognised
ingress-nginx controller accepts snippets (see ingress-nginx.snippets-allowed); medium
otherwise, as the snippet is refused or ignored today and runs the day snippets are turned back
on. The annotation is named, its text is not reported.
""",
    remediation="Replace each snippet by the dedicated annotation or ConfigMap setting for what it does (headers, "
    "redirects, auth), or move the route to a Gateway API implementation; then turn snippets off.",
    references={"kubescape": ["C-0059"], "cve": ["CVE-2021-25742"]},
)
def snippet_annotations(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    found = controllers(ctx) if inv.availability("workloads").ok else []
    prefixes = {
        DEFAULT_ANNOTATION_PREFIX,
        *(c.flags["annotations-prefix"] for c in found if "annotations-prefix" in c.flags),
    }
    accepting = sorted({c.label for c in found if snippets_allowed(inv, c).allowed})
    for ingress in inv.of("Ingress", Ingress):
        keys = snippet_keys(ingress.metadata.annotations, prefixes)
        if not keys:
            yield result(ingress, failed=False, message="No snippet annotation")
            continue
        where = f": {', '.join(accepting)} accepts snippets" if accepting else ""
        yield result(
            ingress,
            failed=True,
            message=f"Snippet annotations inject raw nginx configuration: {', '.join(keys)}{where}",
            evidence=[(f"metadata.annotations[{k}]", "<snippet>") for k in keys],
            severity=Severity.HIGH if accepting else None,
        )
