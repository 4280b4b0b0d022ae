from __future__ import annotations

from typing import Any

from k8saudit.model.inventory import parse_flags
from k8saudit.model.objects import Deployment
from tests.conftest import make_inventory
from tests.unit.support.helpers import apiserver, deployment, namespace


def owned(kind: str, name: str, owner_kind: str | None, owner: str | None, ns: str = "shop") -> dict[str, Any]:
    api = {"Pod": "v1", "ReplicaSet": "apps/v1", "Job": "batch/v1"}[kind]
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if owner_kind and owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner_kind, "name": owner, "controller": True}]
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "x:1"}]}
    if kind != "Pod":
        spec = {"template": {"spec": spec}}
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": spec}


def summary_of(docs: list[dict[str, Any]]) -> list[tuple[str, str | None, str, int]]:
    return [(w.kind, w.namespace, w.name, w.pods) for w in make_inventory(docs).workloads]


def test_pods_of_a_deployment_are_counted_once_under_it() -> None:
    docs = [
        deployment("web"),
        owned("ReplicaSet", "web-5d9f", "Deployment", "web"),
        owned("ReplicaSet", "web-4c1a", "Deployment", "web"),  # an old revision, scaled to zero
        owned("Pod", "web-5d9f-a", "ReplicaSet", "web-5d9f"),
        owned("Pod", "web-5d9f-b", "ReplicaSet", "web-5d9f"),
        owned("Pod", "web-5d9f-c", "ReplicaSet", "web-5d9f"),
    ]
    assert summary_of(docs) == [("Deployment", "shop", "web", 3)]


def test_job_pods_are_counted_under_their_cronjob() -> None:
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "shop"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}},
        },
    }
    docs = [
        cronjob,
        owned("Job", "nightly-29000", "CronJob", "nightly"),
        owned("Pod", "nightly-29000-x", "Job", "nightly-29000"),
        owned("Job", "adhoc", None, None),
    ]
    assert summary_of(docs) == [("CronJob", "shop", "nightly", 1), ("Job", "shop", "adhoc", 0)]
    workloads = make_inventory(docs).workloads
    # the CronJob's own template first; the pod's container the template lacks is audited as injected
    assert [c.name for _, c in workloads[0].containers()] == ["c", "app"]
    assert workloads[0].injected == {"app"}


def test_pod_whose_replicaset_is_missing_is_reported_as_the_replicaset() -> None:
    docs = [owned("Pod", "api-7f-a", "ReplicaSet", "api-7f"), owned("Pod", "api-7f-b", "ReplicaSet", "api-7f")]
    assert summary_of(docs) == [("ReplicaSet", "shop", "api-7f", 2)]
    (workload,) = make_inventory(docs).workloads
    assert workload.api_version == "apps/v1"


def test_static_pod_owned_by_its_node_is_reported_as_the_pod() -> None:
    assert summary_of([apiserver()]) == [("Pod", "kube-system", "kube-apiserver-cp1", 1)]


def test_bare_pod_is_its_own_workload() -> None:
    assert summary_of([owned("Pod", "debug", None, None)]) == [("Pod", "shop", "debug", 1)]


def test_control_plane_flags_parsed_from_command_and_args() -> None:
    inv = make_inventory([apiserver("--anonymous-auth=false", "--authorization-mode", "Node,RBAC", "--profiling")])
    (replica,) = inv.control_plane["kube-apiserver"]
    assert replica.flags == {"anonymous-auth": "false", "authorization-mode": "Node,RBAC", "profiling": "true"}


def test_parse_flags_last_occurrence_wins_and_ignores_positionals() -> None:
    assert parse_flags(["etcd", "--a=1", "--b", "2", "--c", "--a=3", "-v", "x"]) == {"a": "3", "b": "2", "c": "true"}


def test_namespaces_are_listed_ones_plus_where_objects_live() -> None:
    inv = make_inventory([namespace("declared"), deployment("web", namespace="shop")])
    assert inv.namespaces == ["declared", "shop"]
    assert make_inventory([]).namespaces == []


def test_availability_of_a_kind_the_source_does_not_hold() -> None:
    inv = make_inventory([deployment("web")])
    assert inv.availability("Deployment").ok
    absent = inv.availability("NetworkPolicy")
    assert absent.status == "absent" and "NetworkPolicy" in (absent.reason or "")
    assert inv.availability("workloads").ok


def test_sidecar_injected_into_pods_is_audited_with_the_workload() -> None:
    """istio-proxy exists only in the pods (a webhook adds it), yet it runs: it must be checked."""
    from k8saudit.engine.run import ScanOptions, run_checks
    from k8saudit.model.findings import Status

    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "x:1"}]}}},
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-1",
            "namespace": "shop",
            "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}],
        },
        "spec": {
            "containers": [
                {"name": "app", "image": "x:1"},
                {"name": "istio-proxy", "image": "istio/proxyv2:1", "securityContext": {"privileged": True}},
            ]
        },
    }
    inv = make_inventory([deployment, pod])
    (workload,) = inv.workloads
    assert workload.pods == 1
    assert [c.name for c in workload.spec.containers] == ["app", "istio-proxy"]
    assert workload.injected == {"istio-proxy"}
    # the controller's own template is untouched
    assert [c.name for c in inv.of("Deployment", Deployment)[0].spec.template.spec.containers] == ["app"]
    report = run_checks(inv, ScanOptions(checks=("pod.privileged",)))
    (finding,) = [f for f in report.findings if f.status is Status.FAIL]
    assert finding.container == "istio-proxy"
    assert "injected" in finding.message


def test_reasons_name_the_source_as_a_person_would() -> None:
    from k8saudit.model.facts import ClusterFactsSpec
    from k8saudit.model.inventory import Inventory

    phrases = {
        src: Inventory([], ClusterFactsSpec(source=src)).source_phrase() for src in ("live", "snapshot", "manifests")
    }
    assert phrases == {"live": "the cluster", "snapshot": "the snapshot", "manifests": "the set of manifests"}
    assert (
        Inventory([], ClusterFactsSpec(source="live")).availability("Pod").reason == "the cluster holds no Pod objects"
    )
