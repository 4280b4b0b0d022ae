"""Small builders shared by the unit tests of the checks and the engine."""

from __future__ import annotations

from typing import Any

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.facts import ClusterFactsSpec
from k8saudit.model.findings import CheckSummary, Finding, Report, Status
from tests.conftest import make_inventory


def run(
    docs: list[dict[str, Any]], check: str, facts: ClusterFactsSpec | None = None, *, annotations: bool = True
) -> Report:
    """The report of one check over `docs`."""
    report = run_checks(make_inventory(docs, facts), ScanOptions(annotation_exemptions=annotations, checks=(check,)))
    assert [c.id for c in report.checks] == [check]
    return report


def summary(report: Report) -> CheckSummary:
    assert len(report.checks) == 1
    return report.checks[0]


def failing(report: Report) -> dict[str, Finding]:
    """Failing findings by resource name (`cluster` for cluster-level findings)."""
    out: dict[str, Finding] = {}
    for finding in report.findings:
        if finding.status is Status.FAIL:
            key = finding.resource.name if finding.resource else "cluster"
            assert key not in out, f"two failing findings for {key}"
            out[key] = finding
    return out


def by_status(report: Report, status: Status) -> list[Finding]:
    return [f for f in report.findings if f.status is status]


def deployment(
    name: str,
    container: dict[str, Any] | None = None,
    pod: dict[str, Any] | None = None,
    *,
    namespace: str = "shop",
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {**(pod or {}), "containers": [{"name": "app", "image": "x:1", **(container or {})}]},
            }
        },
    }


def namespace(name: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "annotations": annotations or {}}}


def apiserver(*flags: str, name: str = "kube-apiserver-cp1", field: str = "command") -> dict[str, Any]:
    """A kubeadm-style kube-apiserver static pod with these flags."""
    words = ["kube-apiserver", *flags] if field == "command" else list(flags)
    container: dict[str, Any] = {"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.35.0"}
    container[field] = words
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "kube-system",
            "labels": {"component": "kube-apiserver", "tier": "control-plane"},
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "cp1", "controller": True}],
        },
        "spec": {"containers": [container]},
    }


def binding(
    kind: str, name: str, role: str, *subjects: tuple[str, str], namespace: str | None = None, role_kind: str = ""
) -> dict[str, Any]:
    """A (Cluster)RoleBinding; subjects as (kind, name) or (\"ServiceAccount\", \"ns/name\")."""
    subs: list[dict[str, Any]] = []
    for sub_kind, sub_name in subjects:
        if sub_kind == "ServiceAccount":
            ns, _, sa = sub_name.partition("/")
            subs.append({"kind": "ServiceAccount", "name": sa, "namespace": ns})
        else:
            subs.append({"kind": sub_kind, "name": sub_name, "apiGroup": "rbac.authorization.k8s.io"})
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": meta,
        "subjects": subs,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind or "ClusterRole", "name": role},
    }


def cluster_role(name: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name},
        "rules": list(rules),
    }
