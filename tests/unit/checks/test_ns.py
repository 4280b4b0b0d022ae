"""Namespace quotas and limit ranges (k8saudit/checks/ns.py)."""

from __future__ import annotations

from typing import Any

import pytest

from k8saudit.model.findings import Severity, Status
from tests.unit.support.helpers import deployment, failing, namespace, run, summary

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
