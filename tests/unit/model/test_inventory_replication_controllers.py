"""ReplicationControllers are audited like the other controllers (issue 15, item 2).

The core/v1 controller is still served by every API server and kubernetes/examples alone holds
34 of them; before this the kind was not in the kinds table, so a manifest of one audited as "no
workloads" and a live cluster's RC pods were reported as bare pods named after a replica.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model import objects as o
from k8saudit.model.findings import Status
from k8saudit.model.kinds import BY_KIND, WORKLOAD_KINDS
from k8saudit.sources.files import load_manifests
from tests.conftest import make_inventory

DATA = Path(__file__).resolve().parents[2] / "data" / "replication-controllers"


def rc(name: str = "redis", *, privileged: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "replicas": 2,
            "selector": {"app": name},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [{"name": name, "image": "redis:7.2", "securityContext": {"privileged": privileged}}]
                },
            },
        },
    }


def pod_of(owner: str, name: str, *, node: str = "n1", extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "labels": {"app": owner},
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "ReplicationController", "name": owner, "controller": True}
            ],
        },
        "spec": {"nodeName": node, "containers": [{"name": owner, "image": "redis:7.2"}, *(extra or [])]},
    }


def test_the_kind_is_read_from_the_core_group() -> None:
    info = BY_KIND["ReplicationController"]
    assert (info.group, info.version, info.resource, info.namespaced) == ("", "v1", "replicationcontrollers", True)
    assert info.list_path == "/api/v1/replicationcontrollers"
    assert "ReplicationController" in WORKLOAD_KINDS


def test_the_selector_is_a_plain_label_map() -> None:
    parsed = o.ReplicationController.model_validate(rc())
    assert parsed.spec.selector == {"app": "redis"}
    assert parsed.spec.replicas == 2
    assert [c.name for c in parsed.spec.template.spec.containers] == ["redis"]


def test_a_replication_controller_manifest_is_audited() -> None:
    """The kubernetes/examples NFS server: privileged. Before: no workload, pod.privileged
    not-assessable ("holds no workloads"). After: a critical failure naming the RC."""
    inv = load_manifests([DATA / "nfs-server-rc.yaml"])
    assert [(w.kind, w.namespace, w.name, w.replicas) for w in inv.workloads] == [
        ("ReplicationController", "default", "nfs-server", 1)
    ]
    report = run_checks(inv, ScanOptions(checks=("pod.privileged",)))
    (summary,) = report.checks
    assert summary.status is Status.FAIL
    (finding,) = [f for f in report.findings if f.status is Status.FAIL]
    assert finding.resource is not None
    assert (finding.resource.apiVersion, finding.resource.kind, finding.resource.name) == (
        "v1",
        "ReplicationController",
        "nfs-server",
    )
    assert finding.container == "nfs-server"
    assert finding.location == f"{DATA / 'nfs-server-rc.yaml'}:4"  # the document starts after its comment


def test_its_pods_are_counted_under_it_and_their_injected_containers_audited() -> None:
    sidecar = {"name": "istio-proxy", "image": "istio/proxyv2:1.24", "securityContext": {"privileged": True}}
    docs = [rc(), pod_of("redis", "redis-a1b2c", node="n1"), pod_of("redis", "redis-d3e4f", node="n2", extra=[sidecar])]
    (workload,) = make_inventory(docs).workloads
    assert (workload.kind, workload.name, workload.pods, workload.nodes) == (
        "ReplicationController",
        "redis",
        2,
        {"n1", "n2"},
    )
    assert workload.injected == {"istio-proxy"}
    report = run_checks(make_inventory(docs), ScanOptions(checks=("pod.privileged",)))
    failed = [
        (f.resource.name if f.resource else None, f.container) for f in report.findings if f.status is Status.FAIL
    ]
    assert failed == [("redis", "istio-proxy")]


def test_a_pod_whose_replication_controller_was_not_read_is_reported_as_it() -> None:
    (workload,) = make_inventory([pod_of("redis", "redis-a1b2c")]).workloads
    assert (workload.kind, workload.api_version, workload.name, workload.pods) == (
        "ReplicationController",
        "v1",
        "redis",
        1,
    )
