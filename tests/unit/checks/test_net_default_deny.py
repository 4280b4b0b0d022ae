from __future__ import annotations

from typing import Any

from k8saudit.model.findings import Severity, Status
from tests.unit.support.helpers import deployment, failing, namespace, run, summary


def policy(name: str, ns: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


DENY_ALL = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_namespace_with_default_deny_both_ways_passes() -> None:
    docs = [namespace("shop"), deployment("web"), policy("deny-all", "shop", DENY_ALL)]
    report = run(docs, "net.default-deny")
    assert summary(report).status is Status.PASS
    assert summary(report).passed == 1


def test_separate_ingress_and_egress_policies_count() -> None:
    docs = [
        namespace("shop"),
        deployment("web"),
        policy("deny-in", "shop", {"podSelector": {}}),  # policyTypes defaults to [Ingress]
        policy("deny-out", "shop", {"podSelector": {}, "policyTypes": ["Egress"]}),
    ]
    assert summary(run(docs, "net.default-deny")).status is Status.PASS


def test_message_says_which_direction_is_missing() -> None:
    docs = [
        namespace("ingress-only"),
        namespace("nothing"),
        namespace("egress-only"),
        deployment("a", namespace="ingress-only"),
        deployment("b", namespace="nothing"),
        deployment("c", namespace="egress-only"),
        policy("deny-in", "ingress-only", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        policy("deny-out", "egress-only", {"podSelector": {}, "policyTypes": ["Egress"]}),
    ]
    got = failing(run(docs, "net.default-deny"))
    assert set(got) == {"ingress-only", "nothing", "egress-only"}
    assert got["ingress-only"].message == (
        "Namespace ingress-only has no default-deny egress NetworkPolicy "
        "(its one NetworkPolicy selects only some pods or allows some traffic)"
    )
    assert "no default-deny egress NetworkPolicy" in got["ingress-only"].message
    assert "no default-deny ingress NetworkPolicy" in got["egress-only"].message
    assert "no default-deny ingress or egress NetworkPolicy" in got["nothing"].message
    assert got["nothing"].resource is not None and got["nothing"].resource.kind == "Namespace"
    assert got["nothing"].severity is Severity.MEDIUM


def test_policies_that_allow_or_select_some_pods_are_not_default_deny() -> None:
    docs = [
        namespace("shop"),
        deployment("web"),
        # selects only app=web
        policy(
            "web-only", "shop", {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress", "Egress"]}
        ),
        # selects all pods but allows all ingress (an empty rule) and some egress
        policy("allow-all-in", "shop", {"podSelector": {}, "ingress": [{}], "policyTypes": ["Ingress"]}),
        policy(
            "dns-out", "shop", {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}], "policyTypes": ["Egress"]}
        ),
    ]
    got = failing(run(docs, "net.default-deny"))
    assert "no default-deny ingress or egress" in got["shop"].message
    assert "its 3 NetworkPolicies select" in got["shop"].message


def test_system_namespaces_are_skipped_and_empty_namespaces_fail_low() -> None:
    docs = [
        namespace("kube-system"),
        namespace("kube-node-lease"),
        namespace("kube-public"),
        namespace("empty"),
        namespace("shop"),
        deployment("web"),
        deployment("coredns", namespace="kube-system"),
        policy("deny-all", "shop", DENY_ALL),
    ]
    report = run(docs, "net.default-deny")
    got = failing(report)
    assert set(got) == {"empty"}
    assert got["empty"].severity is Severity.LOW
    assert summary(report).passed == 1


def test_kube_public_with_workloads_is_judged() -> None:
    docs = [namespace("kube-public"), deployment("oops", namespace="kube-public"), policy("x", "kube-public", DENY_ALL)]
    docs.append(deployment("web"))
    got = failing(run(docs, "net.default-deny"))
    assert set(got) == {"shop"}  # kube-public has its policy; shop (derived from the workload) has none
    docs_without = [
        namespace("kube-public"),
        deployment("oops", namespace="kube-public"),
        policy("x", "shop", DENY_ALL),
    ]
    assert "kube-public" in failing(run(docs_without, "net.default-deny"))


def test_egress_rules_without_policy_types_also_isolate_ingress() -> None:
    # The API server defaults policyTypes to [Ingress, Egress] when egress rules are present:
    # such a policy selects every pod for ingress and allows none.
    docs = [namespace("shop"), deployment("web")]
    docs.append(policy("dns-only", "shop", {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}))
    got = failing(run(docs, "net.default-deny"))
    assert "no default-deny egress NetworkPolicy" in got["shop"].message


def test_namespaces_come_from_objects_when_no_namespace_is_listed() -> None:
    docs = [deployment("web", namespace="shop"), deployment("api", namespace="billing"), policy("d", "shop", DENY_ALL)]
    report = run(docs, "net.default-deny")
    assert set(failing(report)) == {"billing"}
    assert summary(report).passed == 1


def test_without_network_policies_in_the_source_it_is_not_assessable() -> None:
    report = run([namespace("shop"), deployment("web")], "net.default-deny")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "NetworkPolicy" in (summary(report).reason or "")


def test_only_system_namespaces_is_not_assessable() -> None:
    report = run([namespace("kube-system"), policy("d", "kube-system", DENY_ALL)], "net.default-deny")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "kube-system" in (summary(report).reason or "")
