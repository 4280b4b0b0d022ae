"""Network and exposure checks: system namespaces, control-plane isolation, workloads without a
policy, exposed Services, Ingress TLS and the CNI heuristic."""

from __future__ import annotations

from typing import Any

import pytest

from k8saudit.model.findings import Severity, Status
from tests.unit.support.cluster_builders import daemonset, ingress, node, pod, policy, service, static_pod
from tests.unit.support.helpers import by_status, deployment, failing, namespace, run, summary

# --- net.system-namespaces ---------------------------------------------------------------------------


def test_user_workloads_in_system_namespaces_fail() -> None:
    docs = [
        deployment("shop-api", namespace="kube-system"),
        deployment("hello", namespace="default"),
        deployment("web", namespace="shop"),
    ]
    got = failing(run(docs, "net.system-namespaces"))
    assert set(got) == {"shop-api", "hello"}
    assert got["shop-api"].severity is Severity.MEDIUM
    assert got["hello"].severity is Severity.LOW


@pytest.mark.parametrize(
    "doc",
    [
        static_pod("kube-apiserver"),
        daemonset("kube-proxy", "kube-system", labels={"k8s-app": "kube-proxy"}),
        deployment("dns", namespace="kube-system", pod={"priorityClassName": "system-cluster-critical"}),
        daemonset("node-agent", "kube-system", labels={"addonmanager.kubernetes.io/mode": "Reconcile"}),
        deployment("coredns", namespace="kube-system"),
    ],
    ids=["static-pod", "k8s-app", "priority-class", "addon-manager", "name"],
)
def test_system_components_pass(doc: dict[str, Any]) -> None:
    report = run([doc], "net.system-namespaces")
    assert summary(report).status is Status.PASS and summary(report).passed == 1


def test_priority_class_excuses_only_in_kube_system() -> None:
    doc = deployment("app", namespace="default", pod={"priorityClassName": "system-cluster-critical"})
    assert set(failing(run([doc], "net.system-namespaces"))) == {"app"}


def test_no_workload_in_system_namespaces_passes_and_no_workloads_is_not_assessable() -> None:
    report = run([deployment("web", namespace="shop")], "net.system-namespaces")
    assert summary(report).status is Status.PASS
    assert summary(run([namespace("shop")], "net.system-namespaces")).status is Status.NOT_ASSESSABLE


# --- net.control-plane-isolation ---------------------------------------------------------------------


TOLERATE_CP = [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]


def test_workload_running_on_control_plane_fails() -> None:
    docs = [node("cp1", control_plane=True), node("w1"), pod("debug", "shop", "cp1"), pod("ok", "shop", "w1")]
    got = failing(run(docs, "net.control-plane-isolation"))
    assert set(got) == {"debug"}
    assert got["debug"].message == "Pods run on control-plane node cp1"


@pytest.mark.parametrize(
    "tolerations", [TOLERATE_CP, [{"operator": "Exists"}]], ids=["control-plane-taint", "tolerate-everything"]
)
def test_tolerating_the_control_plane_taint_fails(tolerations: list[dict[str, Any]]) -> None:
    docs = [node("cp1", control_plane=True), node("w1"), daemonset("log-shipper", "logging", tolerations=tolerations)]
    got = failing(run(docs, "net.control-plane-isolation"))
    assert "can be scheduled there" in got["log-shipper"].message


def test_node_selector_to_workers_keeps_it_off() -> None:
    agent = daemonset("log-shipper", "logging", tolerations=[{"operator": "Exists"}], nodeSelector={"pool": "workers"})
    docs = [node("cp1", control_plane=True), node("w1", labels={"pool": "workers"}), agent]
    report = run(docs, "net.control-plane-isolation")
    assert summary(report).status is Status.PASS and summary(report).passed == 2  # the node and the agent


def test_untainted_control_plane_node_fails_and_system_components_are_skipped() -> None:
    docs = [node("cp1", control_plane=True, taint=False), static_pod("etcd", node="cp1")]
    got = failing(run(docs, "net.control-plane-isolation"))
    assert set(got) == {"cp1"}
    assert got["cp1"].resource is not None and got["cp1"].resource.kind == "Node"


def test_managed_cluster_without_control_plane_nodes_passes() -> None:
    report = run([node("w1"), deployment("web")], "net.control-plane-isolation")
    assert summary(report).status is Status.PASS and summary(report).passed == 1


def test_without_nodes_it_is_not_assessable() -> None:
    assert summary(run([deployment("web")], "net.control-plane-isolation")).status is Status.NOT_ASSESSABLE


# --- net.workloads-without-policy -------------------------------------------------------------------


def test_workload_selected_by_no_policy_fails() -> None:
    docs = [
        deployment("web"),
        deployment("db"),
        policy(
            "allow-web",
            "shop",
            {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress", "Egress"]},
        ),
    ]
    report = run(docs, "net.workloads-without-policy")
    got = failing(report)
    assert set(got) == {"db"}
    assert got["db"].severity is Severity.MEDIUM
    assert got["db"].message == "No NetworkPolicy in shop selects its pods: all traffic is allowed"
    assert summary(report).passed == 1


def test_default_deny_selects_everything_and_skips_are_honoured() -> None:
    docs = [
        deployment("web"),
        deployment("agent", pod={"hostNetwork": True}),
        deployment("dns", namespace="kube-system"),
        policy("deny-all", "shop", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
    ]
    report = run(docs, "net.workloads-without-policy")
    assert summary(report).status is Status.PASS and summary(report).passed == 1


# Issue 15, item 12. Kubernetes (k8s.io/api networking/v1 NetworkPolicySpec.PolicyTypes): "If this
# field is not specified, it will default based on the existence of ingress or egress rules;
# policies that contain an egress section are assumed to affect egress, and all policies (whether
# or not they contain an ingress section) are assumed to affect ingress." A pod is isolated for a
# direction only when some policy selecting it has that type; otherwise that direction is open.
@pytest.mark.parametrize(
    ("spec", "open_direction", "severity"),
    [
        ({"podSelector": {}, "policyTypes": ["Egress"]}, "ingress", Severity.MEDIUM),
        (
            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 53}]}]},
            "ingress",
            Severity.MEDIUM,
        ),
        ({"podSelector": {}}, "egress", Severity.LOW),  # policyTypes defaults to [Ingress]
        ({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]}, "egress", Severity.LOW),
    ],
    ids=["egress-only", "egress-only-with-rules", "default-types", "ingress-only"],
)
def test_one_direction_isolation_fails_naming_the_open_direction(
    spec: dict[str, Any], open_direction: str, severity: Severity
) -> None:
    report = run([deployment("web"), policy("half", "shop", spec)], "net.workloads-without-policy")
    got = failing(report)
    assert set(got) == {"web"}
    assert got["web"].severity is severity
    assert f"{open_direction} is open" in got["web"].message
    assert "half" in got["web"].message
    evidence = {e.path: e.value for e in got["web"].evidence}
    assert evidence["open directions"] == [open_direction.capitalize()]


def test_egress_rules_without_policy_types_isolate_both_directions() -> None:
    spec = {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}  # defaults to [Ingress, Egress]
    report = run([deployment("web"), policy("dns-only", "shop", spec)], "net.workloads-without-policy")
    assert summary(report).status is Status.PASS


def test_two_one_way_policies_together_isolate_both_directions() -> None:
    docs = [
        deployment("web"),
        policy("in", "shop", {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]}),
        policy("out", "shop", {"podSelector": {}, "policyTypes": ["Egress"]}),
    ]
    report = run(docs, "net.workloads-without-policy")
    assert summary(report).status is Status.PASS and summary(report).passed == 1


#: Where k8saudit and Polaris disagree on one of Polaris' own fixtures, and why Kubernetes is on our side.
NO_RULES_DENY_ALL = (
    "Polaris requires ingress and egress rules; a direction listed in policyTypes with no rules allows "
    "nothing (NetworkPolicySpec.PolicyTypes: 'if you want to write a policy that specifies that no egress "
    "is allowed, you must specify a policyTypes value that include Egress'), the strictest isolation"
)


@pytest.mark.parametrize(
    ("spec", "we_pass", "polaris_passes", "disagreement"),
    [
        # Polaris' own fixtures (test/checks/missingNetworkPolicy), reduced to the policy spec.
        (
            {"policyTypes": ["Egress", "Ingress"], "ingress": [{"from": [{}]}], "egress": [{"to": [{}]}]},
            True,
            True,
            None,
        ),
        ({"policyTypes": ["Ingress"], "ingress": [{"from": [{}]}], "egress": [{"to": [{}]}]}, False, False, None),
        ({"policyTypes": ["Egress"], "ingress": [{"from": [{}]}], "egress": [{"to": [{}]}]}, False, False, None),
        ({"policyTypes": ["Egress", "Ingress"], "ingress": [{"from": [{}]}]}, True, False, NO_RULES_DENY_ALL),
        ({"policyTypes": ["Egress", "Ingress"], "egress": [{"to": [{}]}]}, True, False, NO_RULES_DENY_ALL),
    ],
    ids=["success", "missing-egress-in-types", "missing-ingress-in-types", "no-egress-rules", "no-ingress-rules"],
)
def test_against_polaris_missing_network_policy(
    spec: dict[str, Any], we_pass: bool, polaris_passes: bool, disagreement: str | None
) -> None:
    selector = {"podSelector": {"matchLabels": {"app": "web"}}}
    report = run([deployment("web"), policy("test", "shop", {**selector, **spec})], "net.workloads-without-policy")
    assert (summary(report).status is Status.PASS) is we_pass
    assert (we_pass == polaris_passes) is (disagreement is None)  # a disagreement is always written down


# --- net.service-exposure ------------------------------------------------------------------------


def test_service_exposure() -> None:
    docs = [
        service("open-lb", type="LoadBalancer"),
        service("any-lb", type="LoadBalancer", loadBalancerSourceRanges=["0.0.0.0/0"]),
        service("ranged-lb", type="LoadBalancer", loadBalancerSourceRanges=["203.0.113.0/24"]),
        service(
            "annotated-lb",
            type="LoadBalancer",
            annotations={"service.beta.kubernetes.io/load-balancer-source-ranges": "198.51.100.0/24"},
        ),
        service(
            "internal-lb",
            type="LoadBalancer",
            annotations={"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"},
        ),
        service("np", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]),
        service("ext", type="ClusterIP", externalIPs=["198.51.100.7"]),
        service("plain", type="ClusterIP"),
    ]
    report = run(docs, "net.service-exposure")
    got = failing(report)
    assert set(got) == {"open-lb", "any-lb", "np", "ext"}
    assert got["open-lb"].severity is Severity.MEDIUM
    assert got["np"].severity is Severity.LOW and "30080" in got["np"].message
    assert got["ext"].severity is Severity.LOW
    assert summary(report).passed == 3


def test_no_exposed_service_passes_and_no_services_is_not_assessable() -> None:
    assert summary(run([service("plain")], "net.service-exposure")).status is Status.PASS
    assert summary(run([deployment("web")], "net.service-exposure")).status is Status.NOT_ASSESSABLE


# --- net.ingress-tls -----------------------------------------------------------------------------


def test_ingress_tls() -> None:
    docs = [
        ingress("plain", ["shop.example.com"]),
        ingress("full", ["shop.example.com"], tls=[{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]),
        ingress("wildcard", ["a.example.com", "b.example.com"], tls=[{"hosts": ["*.example.com"]}]),
        ingress("partial", ["a.example.com", "admin.other.com"], tls=[{"hosts": ["a.example.com"]}]),
    ]
    report = run(docs, "net.ingress-tls")
    got = failing(report)
    assert set(got) == {"plain", "partial"}
    assert "admin.other.com" in got["partial"].message and "a.example.com" not in got["partial"].message
    assert summary(report).passed == 2
    assert summary(run([deployment("web")], "net.ingress-tls")).status is Status.NOT_ASSESSABLE


# --- net.cni-enforces-policies -------------------------------------------------------------------


DENY = policy("deny-all", "shop", {"podSelector": {}})


def test_flannel_alone_with_policies_fails_info() -> None:
    docs = [daemonset("kube-flannel-ds", "kube-flannel", labels={"app": "flannel"}), DENY]
    got = failing(run(docs, "net.cni-enforces-policies"))
    assert got["kube-flannel-ds"].severity is Severity.INFO
    assert "1 NetworkPolicies are defined and ignored" in got["kube-flannel-ds"].message


def test_enforcing_cni_passes() -> None:
    docs = [daemonset("kube-flannel-ds", "kube-flannel"), daemonset("calico-node", "kube-system"), DENY]
    assert summary(run(docs, "net.cni-enforces-policies")).status is Status.PASS
    docs = [daemonset("cilium", "kube-system", labels={"k8s-app": "cilium"})]
    assert summary(run(docs, "net.cni-enforces-policies")).status is Status.PASS


def test_aws_vpc_cni_needs_its_policy_agent() -> None:
    agent = daemonset("aws-node", "kube-system", labels={"k8s-app": "aws-node"})
    got = failing(run([agent], "net.cni-enforces-policies"))
    assert "--enable-network-policy=true" in got["aws-node"].message
    agent["spec"]["template"]["spec"]["containers"].append(
        {"name": "aws-eks-nodeagent", "image": "nodeagent:1", "args": ["--enable-network-policy=true"]}
    )
    assert summary(run([agent], "net.cni-enforces-policies")).status is Status.PASS


def test_unknown_cni_is_not_assessable() -> None:
    report = run([daemonset("kindnet", "kube-system"), DENY], "net.cni-enforces-policies")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "confirm by hand" in (summary(report).reason or "")
    assert not by_status(report, Status.FAIL)
