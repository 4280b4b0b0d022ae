"""Network separation (NSA/CISA: Network separation and hardening).

`net.default-deny` judges namespaces, not pods: a namespace is isolated when a NetworkPolicy
selecting every pod in it (empty podSelector) denies all ingress and one denies all egress.

Which namespaces (decided here, since the guide says "each namespace"):
- the namespaces the source lists (Namespace objects); when it lists none (manifests, or a
  live scan refused `list namespaces`), every namespace an object lives in
  (`Inventory.namespaces`). That can only miss namespaces in which nothing at all was seen;
- `kube-system` is skipped: most of its pods use hostNetwork, which NetworkPolicy does not
  govern, and a default deny there needs allowances specific to the CNI and DNS; user
  workloads in kube-system are a separate concern;
- `kube-node-lease` is skipped (it holds Lease objects, not pods);
- `kube-public` is judged only when workloads run in it;
- every other namespace is judged, empty ones too (CIS 5.3.2 asks it of every namespace:
  a default deny is what protects the next workload deployed there), but a namespace with no
  workloads fails at low severity when workloads could be seen.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Inventory, Workload
from k8saudit.model.objects import Ingress, NetworkPolicy, Node, Service, Taint, Toleration
from k8saudit.semantics.namespaces import NONE_TO_JUDGE, SKIPPED_NAMESPACES, judged_namespaces


def denies(policy: NetworkPolicy, direction: str) -> bool:
    """True when the policy selects every pod and allows no traffic in `direction`."""
    spec = policy.spec
    if not spec.podSelector.is_empty() or direction not in spec.types():
        return False
    rules = spec.ingress if direction == "Ingress" else spec.egress
    return not rules


#: The fix of net.default-deny and net.workloads-without-policy: a namespace's default deny.
DEFAULT_DENY_FIX = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: NAME
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
"""


@check(
    id="net.default-deny",
    title="Every namespace denies ingress and egress by default",
    problem="Namespaces without default-deny ingress and egress",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("NetworkPolicy",),
    also_reads=("Namespace", "workloads"),
    rationale="""
Without a NetworkPolicy every pod accepts connections from every other pod in the cluster and
may connect anywhere: one compromised workload can probe databases in other namespaces, reach
the cloud metadata endpoint or send data out. A default-deny policy for ingress and one for
egress in each namespace turn that around: traffic flows only where a further policy allows
it. Policies are enforced only by a CNI that implements them (Calico, Cilium, Antrea, ...;
Flannel alone does not), which this check cannot see: confirm it.
""",
    remediation="In each namespace apply a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress, Egress]` "
    "and no rules, then add policies that allow the flows each workload needs (DNS egress to kube-system first).",
    references={"cis": ["5.3.2"], "kubescape": ["C-0030", "C-0054", "C-0260"]},
    fix=DEFAULT_DENY_FIX,
)
def default_deny(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    namespaces = judged_namespaces(inv)
    if not namespaces:
        yield not_assessable(NONE_TO_JUDGE)
        return
    for ns in namespaces:
        name = ns.name
        policies = inv.in_namespace("NetworkPolicy", name, NetworkPolicy)
        ingress = sorted(p.name for p in policies if denies(p, "Ingress"))
        egress = sorted(p.name for p in policies if denies(p, "Egress"))
        missing = [d for d, found in (("ingress", ingress), ("egress", egress)) if not found]
        if missing:
            message = f"Namespace {name} has no default-deny {' or '.join(missing)} NetworkPolicy"
            if policies:
                message += (
                    " (its one NetworkPolicy selects only some pods or allows some traffic)"
                    if len(policies) == 1
                    else f" (its {len(policies)} NetworkPolicies select only some pods or allow some traffic)"
                )
        else:
            message = f"Namespace {name} denies ingress and egress by default"
        yield result(
            ns.target,
            failed=bool(missing),
            message=message,
            evidence=[
                ("networkpolicies[podSelector={}, ingress=[]]", ingress),
                ("networkpolicies[podSelector={}, egress=[]]", egress),
            ],
            severity=Severity.LOW if missing and ns.empty else None,
        )


# --- system components ---------------------------------------------------------------------------
# Which workloads belong to the cluster rather than to its users. Conservative on purpose: a
# workload is a system component only on positive evidence, so a user workload is never hidden
# for looking vaguely infrastructural; a component this list does not know can be exempted by
# annotation or configuration.

#: Names (workload name, or the value of `k8s-app`, `app.kubernetes.io/name` or `app`) of
#: components Kubernetes distributions and managed platforms install: DNS, kube-proxy, CNIs,
#: CSI node plugins, cloud controllers, metrics-server.
SYSTEM_COMPONENT_NAMES = frozenset(
    {
        "kube-proxy",
        "kube-dns",
        "coredns",
        "coredns-autoscaler",
        "dns-autoscaler",
        "node-local-dns",
        "nodelocaldns",
        "kindnet",
        "kube-flannel-ds",
        "flannel",
        "canal",
        "calico-node",
        "calico-kube-controllers",
        "calico-typha",
        "cilium",
        "cilium-operator",
        "cilium-envoy",
        "weave-net",
        "antrea-agent",
        "antrea-controller",
        "kube-router",
        "istio-cni-node",
        "ztunnel",
        "aws-node",
        "ebs-csi-node",
        "ebs-csi-controller",
        "efs-csi-node",
        "efs-csi-controller",
        "eks-pod-identity-agent",
        "csi-azuredisk-node",
        "csi-azurefile-node",
        "cloud-node-manager",
        "azure-ip-masq-agent",
        "azure-npm",
        "ip-masq-agent",
        "konnectivity-agent",
        "gke-metadata-server",
        "pdcsi-node",
        "anetd",
        "metrics-server",
        "cloud-controller-manager",
        "snapshot-controller",
        "local-path-provisioner",
        "kube-vip",
    }
)
#: Labels or annotations that managed platforms and the addon manager put on what they install.
PLATFORM_MARKS = (
    "addonmanager.kubernetes.io/mode",
    "eks.amazonaws.com/component",
    "kubernetes.azure.com/managedby",
    "components.gke.io/component-name",
)
SYSTEM_PRIORITY_CLASSES = frozenset({"system-node-critical", "system-cluster-critical"})


def system_component(workload: Workload) -> str | None:
    """Why `workload` is part of the cluster (a phrase), or None for a user workload."""
    meta, template = workload.meta, workload.template_meta
    if any(ref.kind == "Node" for ref in meta.ownerReferences) or "kubernetes.io/config.mirror" in meta.annotations:
        return "a static pod of the node"
    # The owner's labels over the template's; merged only when both have some (called for every workload).
    labels = {**template.labels, **meta.labels} if template.labels and meta.labels else meta.labels or template.labels
    if labels.get("tier") == "control-plane" and labels.get("component"):
        return "a control-plane component"
    names = {workload.name, *(labels.get(k) for k in ("k8s-app", "app.kubernetes.io/name", "app"))}
    known = sorted(n for n in names if n in SYSTEM_COMPONENT_NAMES)
    if known:
        return f"the well-known cluster component {known[0]}"
    mark = next((m for m in PLATFORM_MARKS if m in labels or m in meta.annotations or m in template.annotations), None)
    if mark:
        return f"installed by the platform ({mark})"
    if workload.namespace == "kube-system" and workload.spec.priorityClassName in SYSTEM_PRIORITY_CLASSES:
        return f"a cluster add-on (priorityClassName {workload.spec.priorityClassName})"
    return None


SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public")


@check(
    id="net.system-namespaces",
    title="User workloads stay out of default, kube-system and kube-public",
    problem="User workloads in default, kube-system or kube-public",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
Namespaces are the unit of isolation: RBAC, network policies, Pod Security levels and quotas
attach to them. `kube-system` holds the cluster's own components, usually exempt from Pod
Security and network policies and readable by many system service accounts, so a user
workload there inherits that laxity and is hard to isolate (medium severity). `default` and
`kube-public` are where things land by accident: nobody owns their policies (low severity).

A workload in kube-system counts as a system component only on positive evidence: a static
or mirror pod, the control-plane labels, a well-known component name (DNS, kube-proxy, CNI and
CSI agents, cloud controllers, metrics-server), a platform's addon label
(`addonmanager.kubernetes.io/mode`, `eks.amazonaws.com/component`,
`kubernetes.azure.com/managedby`, `components.gke.io/component-name`) or a system priority
class. Anything else there is reported; exempt the rest of your infrastructure by annotation
or configuration.
""",
    remediation="Move application workloads to namespaces of their own, with their own RBAC, NetworkPolicies, Pod "
    "Security level and quotas.",
    references={"cis": ["5.7.1", "5.7.4"], "kubescape": ["C-0061", "C-0212"]},
)
def system_namespaces(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    judged = 0
    for workload in inv.workloads:
        if workload.namespace not in SYSTEM_NAMESPACES:
            continue
        judged += 1
        why = system_component(workload)
        where = workload.namespace
        yield result(
            workload,
            failed=why is None,
            message=f"{workload.kind} {workload.name} is {why}" if why else f"A user workload runs in {where}",
            evidence=[("metadata.namespace", where), ("system component", why)],
            severity=None if why or where == "kube-system" else Severity.LOW,
        )
    if not judged:
        yield result(
            None,
            failed=False,
            message=f"No workload runs in {', '.join(SYSTEM_NAMESPACES)}",
        )


def control_plane_nodes(inv: Inventory) -> list[Node]:
    """Nodes labelled or tainted as control plane (`node-role.kubernetes.io/control-plane` or `master`)."""
    roles = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")
    return [
        node
        for node in inv.of("Node", Node)
        if any(r in node.metadata.labels for r in roles) or any(t.key in roles for t in node.spec.taints)
    ]


def _tolerates(tolerations: list[Toleration], taint: Taint) -> bool:
    for tol in tolerations:
        if tol.effect and tol.effect != taint.effect:
            continue
        if tol.operator == "Exists" and not tol.key:
            return True
        if tol.key != taint.key:
            continue
        if tol.operator == "Exists" or (tol.value or "") == (taint.value or ""):
            return True
    return False


def _repelling(node: Node) -> list[Taint]:
    return [t for t in node.spec.taints if t.effect in ("NoSchedule", "NoExecute")]


@check(
    id="net.control-plane-isolation",
    title="User workloads are not scheduled on control-plane nodes",
    problem="User workloads on control-plane nodes",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("workloads", "Node"),
    rationale="""
Control-plane nodes hold the cluster's keys: etcd's data, the CA and service-account signing
keys, the static pod manifests. A user workload that escapes its container there owns the
cluster, where on a worker it would own one node. Control-plane nodes are tainted
`node-role.kubernetes.io/control-plane:NoSchedule` so that only what tolerates the taint lands
there. A workload fails when its pods run on a control-plane node, or when it tolerates every
repelling taint of one (or names it with nodeName / nodeSelector) and could be moved there.
A control-plane node without a NoSchedule or NoExecute taint fails as well: any pod can land
on it. System components (see net.system-namespaces) are not judged; monitoring and logging
agents that tolerate everything are, as their privileges usually make them the best target.
Managed platforms run the control plane elsewhere: there this check passes.
""",
    remediation="Remove control-plane tolerations (and `operator: Exists` tolerations without a key) from user "
    "workloads, or pin node agents to worker nodes with a nodeSelector; keep control-plane nodes tainted.",
    references={},
)
def control_plane_isolation(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    cp_nodes = control_plane_nodes(inv)
    if not cp_nodes:
        yield result(
            None,
            failed=False,
            message="No node is a control-plane node (the control plane is managed or external)",
        )
        return
    names = {n.name for n in cp_nodes}
    for node in cp_nodes:
        taints = _repelling(node)
        yield result(
            node,
            failed=not taints,
            message=f"Control-plane node {node.name} repels pods with "
            + ", ".join(f"{t.key}:{t.effect}" for t in taints)
            if taints
            else f"Control-plane node {node.name} has no NoSchedule or NoExecute taint: any pod can be scheduled on it",
            evidence=[("spec.taints", [f"{t.key}:{t.effect}" for t in node.spec.taints])],
        )
    for workload in inv.workloads:
        if system_component(workload):
            continue
        spec = workload.spec
        running = sorted(workload.nodes & names)
        reachable = sorted(
            node.name
            for node in cp_nodes
            if (taints := _repelling(node))
            and all(_tolerates(spec.tolerations, t) for t in taints)
            and all(node.metadata.labels.get(k) == v for k, v in spec.nodeSelector.items())
        )
        pinned = spec.nodeName if spec.nodeName in names and workload.kind != "Pod" else None
        evidence = [
            ("pods on nodes", sorted(workload.nodes) or None),
            ("spec.tolerations", [f"{t.key or '*'}:{t.effect or '*'}" for t in spec.tolerations] or None),
            ("spec.nodeSelector", spec.nodeSelector or None),
        ]
        if running:
            message = f"Pods run on control-plane node {', '.join(running)}"
        elif pinned:
            message = f"spec.nodeName pins it to control-plane node {pinned}"
        elif reachable:
            message = f"It tolerates the taints of control-plane node {', '.join(reachable)} and can be scheduled there"
        else:
            message = "It cannot be scheduled on a control-plane node"
        yield result(workload, failed=bool(running or pinned or reachable), message=message, evidence=evidence)


@check(
    id="net.workloads-without-policy",
    title="Every workload is isolated by NetworkPolicy for ingress and egress",
    problem="Workloads not isolated by NetworkPolicy",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("workloads", "NetworkPolicy"),
    rationale="""
A pod that no NetworkPolicy selects is not isolated at all: it accepts connections from
every pod in the cluster and may connect anywhere. This names the workloads left open, which
a namespace-level view (net.default-deny) cannot: a namespace with one narrow policy still
leaves its other pods wide open.

Isolation is per direction. A pod is isolated for ingress (or egress) only when a policy
selecting it has that direction in its policyTypes; when policyTypes is not set the API server
takes Ingress, plus Egress when the policy has egress rules (NetworkPolicySpec.PolicyTypes in
k8s.io/api networking/v1). So an Egress-only policy leaves ingress open, and a policy with
ingress rules alone leaves egress open. A workload fails when no policy selects it or when a
direction stays open: medium while ingress is open (any pod can connect to it), low when only
egress is (it can connect anywhere: the cloud metadata endpoint, other namespaces, the
internet). Rules do not matter here: a direction listed with no rules allows nothing.

Skipped: kube-system and kube-node-lease (see net.default-deny), static pods, and pods on the
host network, which NetworkPolicy does not govern (the pod checks report hostNetwork).
""",
    remediation="Add a default-deny NetworkPolicy (`podSelector: {}`, `policyTypes: [Ingress, Egress]`) to each "
    "namespace, or policies selecting the workload's pods for both directions, then allow the traffic it needs.",
    references={"cis": ["5.3.2"], "kubescape": ["C-0260"], "polaris": ["missingNetworkPolicy"]},
    fix=DEFAULT_DENY_FIX,
)
def workloads_without_policy(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    by_namespace: dict[str | None, list[NetworkPolicy]] = {}
    for policy in inv.of("NetworkPolicy", NetworkPolicy):
        by_namespace.setdefault(policy.namespace, []).append(policy)
    judged = 0
    for workload in inv.workloads:
        if workload.namespace in SKIPPED_NAMESPACES or workload.spec.hostNetwork:
            continue
        if any(ref.kind == "Node" for ref in workload.meta.ownerReferences):
            continue
        judged += 1
        labels = workload.template_meta.labels
        selecting = [p for p in by_namespace.get(workload.namespace, []) if p.spec.podSelector.matches(labels)]
        evidence: list[tuple[str, object]] = [
            ("pod labels", labels or None),
            ("selecting NetworkPolicies", sorted(p.name for p in selecting) or None),
        ]
        if not selecting:
            message = f"No NetworkPolicy in {workload.namespace} selects its pods: all traffic is allowed"
            yield result(workload, failed=True, message=message, evidence=evidence)
            continue
        yield _isolation(workload, selecting, evidence)
    if not judged:
        yield not_assessable("no workload outside kube-system and the host network to judge")


#: What an open direction lets through, for the message.
_OPEN = {"Ingress": "ingress is open: any pod can connect to it", "Egress": "egress is open: it may connect anywhere"}


def _isolation(workload: Workload, selecting: list[NetworkPolicy], evidence: list[tuple[str, object]]) -> Result:
    """The verdict for a workload some policies select: open in a direction none of them isolates."""
    isolated = sorted({d for p in selecting for d in p.spec.types()})
    open_directions = [d for d in ("Ingress", "Egress") if d not in isolated]
    names = ", ".join(sorted(p.name for p in selecting))
    if not open_directions:
        return result(workload, failed=False, message=f"Selected by {names} (Ingress, Egress)", evidence=evidence)
    only = " and ".join(isolated)
    message = f"Selected by {names} ({only} only): " + "; ".join(_OPEN[d] for d in open_directions)
    return result(
        workload,
        failed=True,
        message=message,
        evidence=[*evidence, ("isolated directions", isolated), ("open directions", open_directions)],
        severity=None if "Ingress" in open_directions else Severity.LOW,
    )


#: Annotations that make a cloud LoadBalancer internal (reachable only from the private network).
INTERNAL_LB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": ("true", "0.0.0.0/0"),
    "service.beta.kubernetes.io/aws-load-balancer-scheme": ("internal",),
    "networking.gke.io/load-balancer-type": ("internal",),
    "cloud.google.com/load-balancer-type": ("internal",),
    "service.beta.kubernetes.io/azure-load-balancer-internal": ("true",),
    "service.beta.kubernetes.io/oci-load-balancer-internal": ("true",),
    "service.beta.kubernetes.io/openstack-internal-load-balancer": ("true",),
    "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": ("private",),
}
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
OPEN_RANGES = {"0.0.0.0/0", "::/0"}


def _internal_annotation(service: Service) -> str | None:
    for key, values in INTERNAL_LB_ANNOTATIONS.items():
        if service.metadata.annotations.get(key, "").strip().lower() in values:
            return key
    return None


@check(
    id="net.service-exposure",
    title="Services are not exposed outside the cluster without source restrictions",
    problem="Services exposed outside the cluster without source restrictions",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("Service",),
    rationale="""
A Service of type LoadBalancer gets an address the cloud provider usually makes public:
without `loadBalancerSourceRanges` (or the provider's internal-load-balancer annotation) the
workload behind it is reachable from the whole internet (medium severity). A NodePort Service
opens the same port on every node, reachable from wherever the nodes are (low severity: node
addresses are often private, which the API cannot show). `externalIPs` makes nodes accept
traffic for arbitrary addresses and is rarely intended (low severity). A LoadBalancer limited
by source ranges, or internal, passes; its node ports are not reported again.
""",
    remediation="Put internet-facing traffic behind an Ingress or Gateway with TLS; set loadBalancerSourceRanges (or "
    "the provider's internal annotation) on LoadBalancer Services; use ClusterIP for everything reached only from "
    "inside the cluster.",
    references={"kubescape": ["C-0256"]},
)
def service_exposure(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    exposed = 0
    for service in inv.of("Service", Service):
        spec = service.spec
        kind = spec.type or "ClusterIP"
        if kind not in ("LoadBalancer", "NodePort") and not spec.externalIPs:
            continue
        exposed += 1
        annotated = [r.strip() for r in service.metadata.annotations.get(SOURCE_RANGES_ANNOTATION, "").split(",")]
        ranges = [r for r in [*spec.loadBalancerSourceRanges, *annotated] if r]
        restricted = [r for r in ranges if r not in OPEN_RANGES]
        internal = _internal_annotation(service)
        ports = [p.nodePort or p.port for p in spec.ports]
        node_ports = [p.nodePort for p in spec.ports if p.nodePort]
        evidence = [
            ("spec.type", kind),
            ("spec.loadBalancerSourceRanges", ranges or None),
            ("internal load balancer annotation", internal),
            ("spec.externalIPs", spec.externalIPs or None),
            ("ports", ports or None),
        ]
        if kind == "LoadBalancer":
            if internal or restricted:
                how = f"internal ({internal})" if internal else f"limited to {', '.join(restricted)}"
                yield result(service, failed=False, message=f"LoadBalancer {how}", evidence=evidence)
            else:
                yield result(
                    service,
                    failed=True,
                    message="LoadBalancer without source ranges: reachable from anywhere the load balancer is",
                    evidence=evidence,
                )
        elif kind == "NodePort":
            yield result(
                service,
                failed=True,
                message="NodePort Service: "
                + (f"port {', '.join(str(p) for p in node_ports)}" if node_ports else "a port")
                + " is open on every node",
                evidence=evidence,
                severity=Severity.LOW,
            )
        else:
            yield result(
                service,
                failed=True,
                message=f"spec.externalIPs {', '.join(spec.externalIPs)}: nodes accept traffic for these addresses",
                evidence=evidence,
                severity=Severity.LOW,
            )
    if not exposed:
        yield result(None, failed=False, message="No Service is of type LoadBalancer or NodePort or has externalIPs")


def _covered(host: str, tls_hosts: set[str]) -> bool:
    if host in tls_hosts:
        return True
    _, dot, parent = host.partition(".")
    return bool(dot) and f"*.{parent}" in tls_hosts


@check(
    id="net.ingress-tls",
    title="Ingresses serve their hosts over TLS",
    problem="Ingress hosts served without TLS",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("Ingress",),
    rationale="""
An Ingress without a `tls` section serves its hosts over plain HTTP: credentials, session
cookies and data cross the network in clear text and can be altered on the way. Every host a
rule names must be covered by a `tls` entry (a wildcard entry covers one label). A TLS
section is what the Ingress asks for; whether the controller redirects HTTP to HTTPS is its
own setting.
""",
    remediation="Add a `tls` section naming every host with a certificate Secret (cert-manager can issue and renew "
    "them), and make the controller redirect HTTP to HTTPS.",
    references={"polaris": ["tlsSettingsMissing"]},
)
def ingress_tls(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for ingress in inv.of("Ingress", Ingress):
        spec = ingress.spec
        tls_hosts = {h for entry in spec.tls for h in entry.hosts}
        hosts = sorted({r.host for r in spec.rules if r.host})
        evidence = [("spec.rules[].host", hosts or None), ("spec.tls[].hosts", sorted(tls_hosts) or None)]
        if not spec.tls:
            yield result(
                ingress,
                failed=True,
                message="No TLS: " + (", ".join(hosts) if hosts else "the default host") + " served over plain HTTP",
                evidence=evidence,
            )
            continue
        plain = [h for h in hosts if not _covered(h, tls_hosts)] if tls_hosts else []
        yield result(
            ingress,
            failed=bool(plain),
            message=f"Hosts without TLS: {', '.join(plain)}" if plain else "Every host is served over TLS",
            evidence=evidence,
        )


# --- the CNI ---------------------------------------------------------------------------------------

#: DaemonSet names (or k8s-app / app.kubernetes.io/name values) of CNIs that enforce NetworkPolicy.
ENFORCING_CNIS = {
    "calico-node": "Calico",
    "canal": "Canal (Calico policy)",
    "cilium": "Cilium",
    "antrea-agent": "Antrea",
    "weave-net": "Weave Net",
    "kube-router": "kube-router",
    "azure-npm": "Azure Network Policy Manager",
    "anetd": "GKE Dataplane V2",
    "kube-network-policies": "kube-network-policies",
}
FLANNEL_NAMES = {"kube-flannel-ds", "flannel", "kube-flannel"}


def _agent_names(workload: Workload) -> set[str]:
    labels = {**workload.template_meta.labels, **workload.meta.labels}
    return {workload.name, *(v for k in ("k8s-app", "app.kubernetes.io/name", "app") if (v := labels.get(k)))}


def _vpc_cni_enforces(workload: Workload) -> bool:
    """The AWS VPC CNI enforces policies only when its node agent runs with --enable-network-policy=true."""
    for _, container in workload.containers():
        words = [*container.command, *container.args]
        if any(w.replace(" ", "") in ("--enable-network-policy=true",) for w in words):
            return True
    return False


@check(
    id="net.cni-enforces-policies",
    title="The CNI enforces NetworkPolicies (heuristic)",
    problem="A CNI that does not enforce NetworkPolicies (heuristic)",
    section=Section.NETWORK,
    severity=Severity.INFO,
    reads=("workloads",),
    also_reads=("NetworkPolicy",),
    rationale="""
NetworkPolicy objects do nothing by themselves: the CNI plugin enforces them, and some do
not. Flannel alone silently ignores every policy, so a namespace with a perfect default-deny
is wide open. This heuristic recognises the CNI from its node DaemonSet: Calico, Canal,
Cilium, Antrea, Weave Net, kube-router, Azure NPM and GKE Dataplane V2 enforce policies;
Flannel does not; the AWS VPC CNI does only with its network policy agent enabled. It fails
(informational) only on positive evidence of a non-enforcing CNI and no enforcing one, and is
not-assessable when it recognises none: confirm by hand (create a deny-all policy in a test
namespace and try a connection).
""",
    remediation="Run a CNI that enforces NetworkPolicy (Calico or Cilium, or Canal on top of Flannel), or enable the "
    "network policy agent of the AWS VPC CNI (enableNetworkPolicy in the add-on configuration).",
    references={"cis": ["5.3.1"], "kubescape": ["C-0205"]},
)
def cni_enforces_policies(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    agents = [w for w in inv.workloads if w.kind == "DaemonSet"]
    enforcing: list[str] = []
    lacking: list[tuple[Workload, str]] = []
    for agent in agents:
        names = _agent_names(agent)
        images = " ".join(c.image or "" for _, c in agent.containers())
        known = next((ENFORCING_CNIS[n] for n in sorted(names) if n in ENFORCING_CNIS), None)
        if known or "calico/node" in images:
            enforcing.append(f"{known or 'Calico'} ({agent.namespace}/{agent.name})")
        elif names & FLANNEL_NAMES:
            lacking.append((agent, "Flannel does not enforce NetworkPolicy"))
        elif "aws-node" in names:
            if _vpc_cni_enforces(agent):
                enforcing.append(f"AWS VPC CNI network policy agent ({agent.namespace}/{agent.name})")
            else:
                lacking.append((agent, "the AWS VPC CNI enforces NetworkPolicy only with --enable-network-policy=true"))
    policies = inv.count("NetworkPolicy") if inv.availability("NetworkPolicy").ok else None
    if enforcing:
        yield result(None, failed=False, message=f"NetworkPolicies are enforced by {', '.join(enforcing)}")
        return
    if not lacking:
        yield not_assessable(
            "no known CNI DaemonSet was recognised: confirm by hand that the cluster's CNI enforces NetworkPolicy"
        )
        return
    for agent, why in lacking:
        defined = (
            f"{policies} NetworkPolicies are defined and ignored"
            if policies
            else "any NetworkPolicy added will be ignored"
        )
        yield result(
            agent,
            failed=True,
            message=f"{why}: {defined}",
            evidence=[("DaemonSet", f"{agent.namespace}/{agent.name}"), ("NetworkPolicies", policies)],
        )
