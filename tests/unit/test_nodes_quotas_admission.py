"""Kubelet version skew, the node inventory, namespace quotas and limit ranges, and the
admission policy engine check."""

from __future__ import annotations

from typing import Any

import pytest

from k8saudit.checks.admission import policy_engine
from k8saudit.checks.context import ScanContext
from k8saudit.model.facts import ClusterFactsSpec, ServerVersion
from k8saudit.model.findings import Severity, Status
from k8saudit.semantics.nodes import node_inventory
from tests.conftest import make_inventory
from tests.unit.cluster_builders import node
from tests.unit.helpers import deployment, failing, namespace, run, summary


def version(git: str) -> ClusterFactsSpec:
    return ClusterFactsSpec(source="snapshot", version=ServerVersion(gitVersion=git))


# --- nodes.kubelet-version-skew ----------------------------------------------------------------------


def test_kubelet_skew() -> None:
    docs = [
        node("same", kubelet="v1.33.2"),
        node("three-behind", kubelet="v1.30.9"),
        node("four-behind", kubelet="v1.29.9"),
        node("newer", kubelet="v1.34.0"),
    ]
    report = run(docs, "nodes.kubelet-version-skew", version("v1.33.4"))
    got = failing(report)
    assert set(got) == {"four-behind", "newer"}
    assert got["newer"].severity is Severity.HIGH and "newer than the API server" in got["newer"].message
    assert got["four-behind"].severity is Severity.MEDIUM and "at most 3" in got["four-behind"].message
    assert summary(report).passed == 2


def test_before_1_28_two_minors_were_allowed() -> None:
    report = run([node("n", kubelet="v1.24.3")], "nodes.kubelet-version-skew", version("v1.27.1"))
    assert "at most 2" in failing(report)["n"].message


def test_skew_needs_the_server_version_and_nodes() -> None:
    assert summary(run([node("n")], "nodes.kubelet-version-skew")).status is Status.NOT_ASSESSABLE
    report = run([deployment("web")], "nodes.kubelet-version-skew", version("v1.33.0"))
    assert summary(report).status is Status.NOT_ASSESSABLE
    unreadable = node("n", kubelet="")
    report = run([unreadable], "nodes.kubelet-version-skew", version("v1.33.0"))
    assert summary(report).status is Status.NOT_ASSESSABLE


def test_node_inventory_lists_runtime_and_os_per_node() -> None:
    inv = make_inventory([node("w2"), node("cp1", control_plane=True)])
    rows = node_inventory(inv)
    assert [r.name for r in rows] == ["cp1", "w2"]
    assert rows[0].roles == ["control-plane"] and rows[1].roles == []
    assert rows[0].containerRuntime == "containerd://2.1.3" and rows[0].osImage == "Ubuntu 24.04.2 LTS"
    assert rows[0].kernelVersion == "6.8.0-60-generic" and rows[0].kubeletVersion == "v1.33.2"


# --- ns.resource-quota / ns.limit-range ----------------------------------------------------------


def quota(ns: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "compute", "namespace": ns}}


def limits(ns: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "defaults", "namespace": ns}}


@pytest.mark.parametrize(("check", "builder"), [("ns.resource-quota", quota), ("ns.limit-range", limits)])
def test_namespaces_without_resource_policies(check: str, builder: Any) -> None:
    docs = [
        namespace("shop"),
        namespace("empty"),
        namespace("kube-system"),
        deployment("web", namespace="shop"),
        deployment("api", namespace="billing"),
        builder("shop"),
    ]
    report = run(docs, check)
    got = failing(report)
    assert set(got) == {"billing", "empty"}  # kube-system skipped
    assert got["empty"].severity is Severity.LOW  # no workloads yet
    assert summary(report).passed == 1


@pytest.mark.parametrize("check", ["ns.resource-quota", "ns.limit-range"])
def test_resource_policies_not_assessable_without_the_kind(check: str) -> None:
    report = run([namespace("shop"), deployment("web")], check)
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "holds no" in (summary(report).reason or "")


# --- admission.policy-engine -------------------------------------------------------------------


def webhook_config(kind: str, name: str, hook: str, service_ns: str, service: str) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": name},
        "webhooks": [
            {
                "name": hook,
                "clientConfig": {"service": {"namespace": service_ns, "name": service}, "caBundle": "LS0tLS1CRUdJTg=="},
                "failurePolicy": "Ignore",
            }
        ],
    }


ISTIO = webhook_config(
    "ValidatingWebhookConfiguration",
    "istio-validator-istio-system",
    "rev.validation.istio.io",
    "istio-system",
    "istiod",
)


@pytest.mark.parametrize(
    ("doc", "engine"),
    [
        (
            webhook_config(
                "ValidatingWebhookConfiguration",
                "gatekeeper-validating-webhook-configuration",
                "validation.gatekeeper.sh",
                "gatekeeper-system",
                "gatekeeper-webhook-service",
            ),
            "OPA Gatekeeper",
        ),
        (
            webhook_config(
                "ValidatingWebhookConfiguration",
                "kyverno-resource-validating-webhook-cfg",
                "validate.kyverno.svc-fail",
                "kyverno",
                "kyverno-svc",
            ),
            "Kyverno",
        ),
        (
            webhook_config(
                "ValidatingWebhookConfiguration",
                "clusterwide-no-privileged",
                "clusterwide-no-privileged.kubewarden.admission",
                "kubewarden",
                "policy-server-default",
            ),
            "Kubewarden",
        ),
    ],
)
def test_policy_engines_are_recognised_from_webhooks(doc: dict[str, Any], engine: str) -> None:
    report = run([doc, ISTIO], "admission.policy-engine")
    assert summary(report).status is Status.PASS and summary(report).passed == 1
    (seen,) = policy_engine(ScanContext(make_inventory([doc, ISTIO])))
    assert seen.message.startswith(f"Admission policy: {engine} (") and "istio" not in seen.message


def test_bound_validating_admission_policy_counts_and_unbound_does_not() -> None:
    vap = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": "require-team-label"},
        "spec": {"failurePolicy": "Fail", "validations": [{"expression": "has(object.metadata.labels.team)"}]},
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": "require-team-label"},
        "spec": {"policyName": "require-team-label", "validationActions": ["Warn", "Audit"]},
    }
    unbound = failing(run([vap, ISTIO], "admission.policy-engine"))["cluster"]
    assert unbound.severity is Severity.INFO and "No admission policy engine" in unbound.message
    report = run([vap, binding, ISTIO], "admission.policy-engine")
    assert summary(report).status is Status.PASS
    (seen,) = policy_engine(ScanContext(make_inventory([vap, binding])))
    assert "none with the Deny action" in seen.message


def test_no_engine_fails_info_and_no_webhooks_readable_is_not_assessable() -> None:
    assert failing(run([ISTIO], "admission.policy-engine"))["cluster"].severity is Severity.INFO
    report = run([deployment("web")], "admission.policy-engine")
    assert summary(report).status is Status.NOT_ASSESSABLE


def test_webhook_urls_and_ca_bundles_are_not_kept() -> None:
    doc = webhook_config("ValidatingWebhookConfiguration", "ext", "ext.example.com", "x", "y")
    doc["webhooks"][0]["clientConfig"] = {"url": "https://user:CANARY-pass@hooks.example.com/validate"}
    (config,) = make_inventory([doc]).all_objects()
    dumped = str(config.dump())
    assert "CANARY" not in dumped and "caBundle" not in dumped and "x-k8saudit-has-url" in dumped
