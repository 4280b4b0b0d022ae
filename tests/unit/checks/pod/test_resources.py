"""Requests and limits (k8saudit/checks/pod/resources.py), LimitRange defaults included."""

from __future__ import annotations

from typing import Any

from k8saudit.model.facts import Availability, ClusterFactsSpec
from k8saudit.model.findings import Severity, Status
from tests.unit.support.workload_helpers import ctr, fails, run, summary, unjudged, workload

# --- requests and limits -------------------------------------------------------------------


def limit_range(name: str, **item: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"limits": [{"type": "Container", **item}]},
    }


def test_memory_limits_own_value_limit_range_and_ephemeral_skipped() -> None:
    docs = [
        workload("own", ctr(resources={"limits": {"memory": "256Mi"}})),
        workload("none", ctr(resources={"requests": {"memory": "256Mi"}}), init=[ctr("setup")]),
        workload("debug", ctr(resources={"limits": {"memory": "1Gi"}}), ephemeral=[ctr("debugger")]),
    ]
    report = run(docs, "pod.memory-limits")
    got = fails(report)
    assert set(got) == {("none", "app"), ("none", "setup")}
    assert "no memory limit" in got[("none", "app")].message
    assert summary(report).passed == 2  # the ephemeral container is not judged

    defaulted = run([*docs, limit_range("defaults", default={"memory": "512Mi"})], "pod.memory-limits")
    assert summary(defaulted).status is Status.PASS and summary(defaulted).passed == 4


def test_cpu_limits_pod_level_resources_count() -> None:
    docs = [workload("pod-level", ctr("a"), ctr("b"), resources={"limits": {"cpu": "2"}}), workload("none", ctr())]
    got = fails(run(docs, "pod.cpu-limits"))
    assert set(got) == {("none", "app")}
    assert got[("none", "app")].severity is Severity.LOW


def test_requests_default_to_limits_and_limit_range_default_request() -> None:
    docs = [
        workload("from-limit", ctr(resources={"limits": {"cpu": "1", "memory": "1Gi"}})),
        workload("own", ctr(resources={"requests": {"cpu": "100m", "memory": "64Mi"}})),
        workload("none", ctr()),
    ]
    for check in ("pod.cpu-requests", "pod.memory-requests"):
        report = run(docs, check)
        assert set(fails(report)) == {("none", "app")}, check
        assert summary(report).passed == 2
    with_range = [*docs, limit_range("defaults", defaultRequest={"cpu": "50m"})]
    assert summary(run(with_range, "pod.cpu-requests")).status is Status.PASS
    assert set(fails(run(with_range, "pod.memory-requests"))) == {("none", "app")}


def test_limits_not_assessable_when_limit_ranges_unreadable() -> None:
    facts = ClusterFactsSpec(
        source="live", kinds={"LimitRange": Availability(status="forbidden", reason="list limitranges: forbidden")}
    )
    docs = [workload("none", ctr()), workload("own", ctr(resources={"limits": {"memory": "1Gi"}}))]
    report = run(docs, "pod.memory-limits", facts)
    assert set(unjudged(report)) == {"none"}
    assert "could not be read" in (unjudged(report)["none"].reason or "")
    assert summary(report).status is Status.PASS and summary(report).passed == 1
    only_unknown = run([workload("none", ctr())], "pod.memory-limits", facts)
    assert summary(only_unknown).status is Status.NOT_ASSESSABLE
