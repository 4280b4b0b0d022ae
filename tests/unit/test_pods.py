from __future__ import annotations

from typing import Any

from k8saudit.engine import ScanOptions, run_checks
from k8saudit.findings import Status
from tests.conftest import make_inventory


def deployment(name: str, container: dict[str, Any], pod: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"template": {"spec": {**(pod or {}), "containers": [{"name": "app", "image": "x:1", **container}]}}},
    }


HARDENED = {
    "securityContext": {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
}


def statuses(docs: list[dict[str, Any]], check: str) -> dict[str, Status]:
    report = run_checks(make_inventory(docs), ScanOptions(checks=(check,)))
    failing = {f.resource.name: f.status for f in report.findings if f.resource}
    summary = report.checks[0]
    assert summary.id == check
    return failing | {"_check": summary.status}


def test_privileged_fails_and_hardened_passes() -> None:
    docs = [deployment("bad", {"securityContext": {"privileged": True}}), deployment("good", HARDENED)]
    got = statuses(docs, "pod.privileged")
    assert got == {"bad": Status.FAIL, "_check": Status.FAIL}


def test_run_as_non_root_uses_pod_level_and_container_override() -> None:
    docs = [
        deployment("pod-level", {}, {"securityContext": {"runAsNonRoot": True}}),
        deployment("override-root", {"securityContext": {"runAsUser": 0}}, {"securityContext": {"runAsNonRoot": True}}),
        deployment("unset", {}),
        deployment("uid", {"securityContext": {"runAsUser": 1000}}),
    ]
    got = statuses(docs, "pod.run-as-non-root")
    assert got == {"override-root": Status.FAIL, "unset": Status.FAIL, "_check": Status.FAIL}


def test_no_workloads_in_source_is_not_assessable() -> None:
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}]
    report = run_checks(make_inventory(docs), ScanOptions(checks=("pod.privileged",)))
    assert report.checks[0].status is Status.NOT_ASSESSABLE
    assert "holds no workloads" in (report.checks[0].reason or "")
