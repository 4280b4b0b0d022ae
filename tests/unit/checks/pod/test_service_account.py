"""Service-account token and identity (k8saudit/checks/pod/service_account.py)."""

from __future__ import annotations

from typing import Any

from k8saudit.model.facts import Availability, ClusterFactsSpec
from k8saudit.model.findings import Severity, Status
from tests.unit.support.workload_helpers import ctr, fails, run, summary, unjudged, workload


def service_account(name: str, automount: bool | None = None, namespace: str = "shop") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": namespace},
    }
    if automount is not None:
        doc["automountServiceAccountToken"] = automount
    return doc


def static_pod(name: str) -> dict[str, Any]:
    doc = workload(name, ctr(), kind="Pod", namespace="kube-system")
    doc["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": "cp1", "controller": True}]
    return doc


# --- service-account token -----------------------------------------------------------------


def test_token_pod_setting_wins_then_service_account_then_default() -> None:
    docs = [
        service_account("opted-out", automount=False),
        service_account("plain"),
        workload("pod-false", serviceAccountName="plain", automountServiceAccountToken=False),
        workload("pod-true", serviceAccountName="opted-out", automountServiceAccountToken=True),
        workload("sa-false", serviceAccountName="opted-out"),
        workload("sa-unset", serviceAccountName="plain"),
        workload("default-missing"),  # `default` is not in the manifests: assumed as Kubernetes creates it
        static_pod("etcd-cp1"),
    ]
    report = run(docs, "pod.service-account-token")
    got = fails(report)
    assert set(got) == {("pod-true", None), ("sa-unset", None), ("default-missing", None)}
    assert "on the pod" in got[("pod-true", None)].message
    assert "assumed" in got[("default-missing", None)].message
    assert got[("sa-unset", None)].evidence[1].path == "serviceaccounts/shop/plain.automountServiceAccountToken"
    assert summary(report).passed == 3  # pod-false, sa-false, the static pod


def test_token_named_service_account_absent_is_not_assessable() -> None:
    report = run([workload("named", serviceAccountName="builder")], "pod.service-account-token")
    na = unjudged(report)
    assert set(na) == {"named"}
    assert "builder is not in the set of manifests" in (na["named"].reason or "")
    assert summary(report).status is Status.NOT_ASSESSABLE


def test_token_service_accounts_unreadable_is_not_assessable_unless_pod_decides() -> None:
    facts = ClusterFactsSpec(
        source="live",
        kinds={"ServiceAccount": Availability(status="forbidden", reason="list serviceaccounts: forbidden")},
    )
    docs = [workload("unset"), workload("decided", automountServiceAccountToken=False)]
    report = run(docs, "pod.service-account-token", facts)
    assert set(unjudged(report)) == {"unset"}
    assert "forbidden" in (unjudged(report)["unset"].reason or "")
    assert summary(report).status is Status.PASS and summary(report).passed == 1


# --- default service account ---------------------------------------------------------------


def test_default_service_account() -> None:
    docs = [
        service_account("default", automount=False),
        workload("implicit"),
        workload("explicit", serviceAccountName="default", automountServiceAccountToken=True),
        workload("own", serviceAccountName="web"),
        static_pod("kube-apiserver-cp1"),
    ]
    report = run(docs, "pod.default-service-account")
    got = fails(report)
    assert set(got) == {("implicit", None), ("explicit", None)}
    assert got[("implicit", None)].severity is Severity.INFO  # the default SA opts out of the token
    assert got[("explicit", None)].severity is Severity.LOW
    assert summary(report).passed == 2
