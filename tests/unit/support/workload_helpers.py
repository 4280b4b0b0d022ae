"""Builders for the workload check tests: pods with several containers, and reports of one check."""

from __future__ import annotations

from typing import Any

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.facts import ClusterFactsSpec
from k8saudit.model.findings import CheckSummary, Finding, Report, Status
from k8saudit.model.inventory import AuditSettings, Inventory
from tests.conftest import make_inventory

#: A container the restricted Pod Security Standard admits.
HARDENED_SC: dict[str, Any] = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def ctr(name: str = "app", image: str | None = "registry.example.com/app:1.0", **fields: Any) -> dict[str, Any]:
    """A container; keyword arguments are container fields (`securityContext=...`, `env=...`)."""
    out: dict[str, Any] = {"name": name, **fields}
    if image is not None:
        out["image"] = image
    return out


def workload(
    name: str,
    *containers: dict[str, Any],
    kind: str = "Deployment",
    namespace: str = "shop",
    init: list[dict[str, Any]] | None = None,
    ephemeral: list[dict[str, Any]] | None = None,
    template_annotations: dict[str, str] | None = None,
    **pod: Any,
) -> dict[str, Any]:
    """A workload of `kind` whose pod spec holds these containers and pod-level fields."""
    spec: dict[str, Any] = {"containers": list(containers) or [ctr()], **pod}
    if init:
        spec["initContainers"] = init
    if ephemeral:
        spec["ephemeralContainers"] = ephemeral
    meta: dict[str, Any] = {"annotations": template_annotations or {}}
    if kind == "Pod":
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, **meta},
            "spec": spec,
        }
    api = {"Job": "batch/v1", "CronJob": "batch/v1"}.get(kind, "apps/v1")
    template = {"metadata": {"labels": {"app": name}, **meta}, "spec": spec}
    body: dict[str, Any] = (
        {"schedule": "@daily", "jobTemplate": {"spec": {"template": template}}}
        if kind == "CronJob"
        else {"template": template}
    )
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": namespace}, "spec": body}


def hardened(name: str, **pod: Any) -> dict[str, Any]:
    """A workload that meets every pod check (and restricted)."""
    container = ctr(
        securityContext=dict(HARDENED_SC),
        resources={"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        image="registry.example.com/app:1.0@sha256:" + "a" * 64,
    )
    return workload(name, container, serviceAccountName=name, automountServiceAccountToken=False, **pod)


def namespace(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}}


def psa(level: str, version: str | None = None) -> dict[str, str]:
    labels = {"pod-security.kubernetes.io/enforce": level}
    if version:
        labels["pod-security.kubernetes.io/enforce-version"] = version
    return labels


def inventory(
    docs: list[dict[str, Any]],
    facts: ClusterFactsSpec | None = None,
    settings: AuditSettings | None = None,
) -> Inventory:
    parsed = make_inventory(docs, facts)
    return Inventory(list(parsed.all_objects()), parsed.facts, settings)


def run(
    docs: list[dict[str, Any]],
    check: str,
    facts: ClusterFactsSpec | None = None,
    settings: AuditSettings | None = None,
) -> Report:
    report = run_checks(inventory(docs, facts, settings), ScanOptions(checks=(check,)))
    assert [c.id for c in report.checks] == [check]
    return report


def summary(report: Report) -> CheckSummary:
    return report.checks[0]


def fails(report: Report) -> dict[tuple[str, str | None], Finding]:
    """Failing findings by (resource name, container)."""
    out: dict[tuple[str, str | None], Finding] = {}
    for finding in report.findings:
        if finding.status is Status.FAIL and finding.resource is not None:
            key = (finding.resource.name, finding.container)
            assert key not in out, f"two failing findings for {key}"
            out[key] = finding
    return out


def unjudged(report: Report) -> dict[str, Finding]:
    """Per-resource not-assessable findings by resource name."""
    return {f.resource.name: f for f in report.findings if f.status is Status.NOT_ASSESSABLE and f.resource is not None}
