"""The live collector against the fake API server, through the Python API (`collect_live`).

Real HTTP over TLS to a real (fake) server; the kubernetes client is never patched. Waits
between retries go through `LiveOptions.sleep`, recorded here instead of slept.
"""

from __future__ import annotations

import gc
import json
import ssl
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from k8saudit.checks.registry import all_checks
from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.findings import Status
from k8saudit.model.inventory import Inventory
from k8saudit.model.kinds import BY_KIND, KINDS
from k8saudit.model.objects import Job, K8sObject, Node, Pod, ReplicaSet
from k8saudit.runtime.errors import ClusterError
from k8saudit.sources.live import LiveOptions, collect_live
from tests.integration.cluster import (
    DEFAULT_PODS,
    DEFAULT_WORKLOADS,
    NODES,
    RESTRICTED,
    bulk_deployment,
    container,
    meta,
    owner,
    pods_of,
)
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI, TLSFiles

PODS = "/api/v1/pods"
DEPLOYMENTS = "/apis/apps/v1/deployments"
REPLICASETS = "/apis/apps/v1/replicasets"
JOBS = "/apis/batch/v1/jobs"


class Sleeps(list[float]):
    """Stands in for time.sleep: records each wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def collect(kubeconfig: Path, **options: Any) -> Inventory:
    options.setdefault("sleep", Sleeps())
    return collect_live(LiveOptions(kubeconfig=kubeconfig, **options))


def checks_reading(kind: str) -> list[str]:
    return [c.id for c in all_checks() if kind in c.reads]


def test_reads_every_kind_and_records_the_facts(fake: FakeCluster, kubeconfig: Path) -> None:
    inv = collect(kubeconfig)

    facts = inv.facts
    assert facts.source == "live"
    assert facts.context == "fake"
    assert facts.server == fake.url
    assert facts.collectedAt and facts.tool and facts.tool.startswith("k8saudit ")
    assert facts.version is not None and facts.version.gitVersion == "v1.31.4"
    assert facts.platform == "kind"  # from the nodes' providerIDs
    assert set(facts.namespaces) >= {"default", "kube-system", "prod", "staging", "monitoring"}
    assert set(facts.kinds) == {k.kind for k in KINDS}
    for kind, avail in facts.kinds.items():
        assert avail.status == "ok", (kind, avail)
        assert avail.count == inv.count(kind), kind
    assert inv.count("Pod") == DEFAULT_PODS
    assert inv.count("Node") == len(NODES)
    # list items arrive without kind/apiVersion; the collector sets them
    assert all(obj.kind and obj.apiVersion for obj in inv.all_objects())
    assert {obj.apiVersion for obj in inv.all_objects() if obj.kind == "Deployment"} == {"apps/v1"}
    assert all(node.namespace is None for node in inv.of("Node", Node))
    # the control plane is found from the static pods and their kubeadm flags
    apiserver = inv.control_plane["kube-apiserver"][0]
    assert apiserver.flag("authorization-mode") == "Node,RBAC"
    assert set(inv.control_plane) == {"kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler"}
    # owners resolved: a Deployment once, its pods counted; CronJob → Job → Pod
    workloads = {(w.kind, w.namespace, w.name): w for w in inv.workloads}
    assert len(workloads) == DEFAULT_WORKLOADS
    assert workloads["Deployment", "prod", "web"].pods == 3
    assert workloads["DaemonSet", "monitoring", "security-agent"].pods == len(NODES)
    assert workloads["CronJob", "prod", "backup"].pods == 1
    assert not any(kind == "ReplicaSet" for kind, _, _ in workloads)


def test_secrets_are_never_requested(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    collect(kubeconfig, kubelet_config=True)
    assert fake_api.seen, "the fake server saw no request"
    assert not [s.path for s in fake_api.seen if "secret" in s.path]


def test_every_request_but_the_probe_carries_the_token(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    collect(kubeconfig)
    anonymous = [(s.path, s.status) for s in fake_api.seen if s.identity != "user"]
    assert sorted(anonymous) == [("/api", 403), ("/version", 200)]


def test_1200_pods_are_read_in_pages_of_500(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    fake_api.add(*bulk_deployment("load", "bulk", 1200))

    inv = collect(kubeconfig)

    pods = inv.of("Pod", Pod)
    assert len(pods) == DEFAULT_PODS + 1200
    assert len({(p.namespace, p.name) for p in pods}) == len(pods)  # no page read twice
    assert inv.facts.kinds["Pod"].count == len(pods)
    pages = fake_api.requests_to(PODS)
    assert [p.params.get("limit") for p in pages] == ["500", "500", "500"]
    assert ["continue" in p.params for p in pages] == [False, True, True]
    bulk = next(w for w in inv.workloads if w.name == "bulk")
    assert (bulk.kind, bulk.pods) == ("Deployment", 1200)


def test_page_size_is_honoured_and_one_worker_works(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    inv = collect(kubeconfig, page_size=10, workers=1)
    assert inv.count("Pod") == DEFAULT_PODS
    assert len(fake_api.requests_to(PODS)) == -(-DEFAULT_PODS // 10)


def test_an_expired_continue_token_restarts_the_list(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    fake_api.add(*bulk_deployment("load", "bulk", 1200))
    fake_api.fail(PODS, 410, continue_only=True, message="The provided continue parameter is too old")

    inv = collect(kubeconfig)

    pods = inv.of("Pod", Pod)
    assert len(pods) == len({(p.namespace, p.name) for p in pods}) == DEFAULT_PODS + 1200
    assert inv.facts.kinds["Pod"].status == "ok"
    seen = fake_api.requests_to(PODS)
    assert [s.status for s in seen] == [200, 410, 200, 200, 200]
    assert "continue" not in seen[2].params  # started again from the beginning


def test_a_list_that_keeps_expiring_is_an_error_not_an_abort(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    fake_api.add(*bulk_deployment("load", "bulk", 600))
    fake_api.fail(PODS, 410, continue_only=True, times=None)

    inv = collect(kubeconfig, restarts=2)

    avail = inv.facts.kinds["Pod"]
    assert avail.status == "error" and avail.reason and "410" in avail.reason
    assert inv.count("Pod") == 0  # a partial list is not passed off as the whole
    assert len(fake_api.requests_to(PODS)) == 3 * 2
    assert inv.facts.kinds["Deployment"].status == "ok"
    report = run_checks(inv, ScanOptions(checks=("pod.privileged",)))
    assert report.checks[0].status is Status.NOT_ASSESSABLE
    assert "410" in (report.checks[0].reason or "")


def test_429_and_a_500_are_retried(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    fake_api.fail(DEPLOYMENTS, 429, headers={"Retry-After": "7"}, message="too many requests, please try again later")
    fake_api.fail(PODS, 500, message="etcdserver: request timed out")
    sleeps = Sleeps()

    inv = collect(kubeconfig, sleep=sleeps, backoff=0.25)

    assert [s.status for s in fake_api.requests_to(DEPLOYMENTS)] == [429, 200]
    assert [s.status for s in fake_api.requests_to(PODS)] == [500, 200]
    assert inv.facts.kinds["Deployment"].status == inv.facts.kinds["Pod"].status == "ok"
    assert inv.count("Pod") == DEFAULT_PODS
    assert 7.0 in sleeps  # Retry-After honoured
    assert len(sleeps) == 2
    assert all(0 < s <= 7.0 for s in sleeps)


def test_retry_after_is_capped(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    fake_api.fail(DEPLOYMENTS, 429, headers={"Retry-After": "3600"})
    sleeps = Sleeps()
    collect(kubeconfig, sleep=sleeps, max_delay=2.5)
    assert sleeps == [2.5]


def test_retries_are_bounded(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    fake_api.fail(DEPLOYMENTS, 503, times=None, message="the server is currently unable to handle the request")
    sleeps = Sleeps()

    inv = collect(kubeconfig, sleep=sleeps, retries=2, backoff=0.5)

    assert len(fake_api.requests_to(DEPLOYMENTS)) == 3
    avail = inv.facts.kinds["Deployment"]
    assert avail.status == "error" and "503" in (avail.reason or "")
    assert inv.facts.kinds["Pod"].status == "ok"  # the rest of the scan went on
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # backoff grows


def test_forbidden_and_not_served_are_recorded_and_the_scan_goes_on(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    fake_api.forbid("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings")
    fake_api.unserve("networking.k8s.io")

    inv = collect(kubeconfig)

    kinds = inv.facts.kinds
    crb = kinds["ClusterRoleBinding"]
    assert crb.status == "forbidden" and crb.reason and "forbidden" in crb.reason
    assert 'cannot list resource "clusterrolebindings"' in crb.reason  # the server's own words
    assert kinds["NetworkPolicy"].status == kinds["Ingress"].status == "not-served"
    assert "does not serve" in (kinds["NetworkPolicy"].reason or "")
    assert kinds["Pod"].status == "ok" and inv.count("Pod") == DEFAULT_PODS
    report = run_checks(inv)
    for summary in report.checks:
        if {"NetworkPolicy", "ClusterRoleBinding"} & set(next(c for c in all_checks() if c.id == summary.id).reads):
            assert summary.status is Status.NOT_ASSESSABLE, summary.id


def test_401_in_the_middle_of_a_scan_is_fatal(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    fake_api.fail("/apis/rbac.authorization.k8s.io/v1/roles", 401, times=None)
    with pytest.raises(ClusterError, match="rejected our credentials for context fake"):
        collect(kubeconfig)


def test_the_gc_is_restored_after_parsing(fake: FakeCluster, kubeconfig: Path) -> None:
    assert gc.isenabled()
    collect(kubeconfig)
    assert gc.isenabled()


def test_anonymous_probe_records_what_an_unauthenticated_client_gets(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    probe = collect(kubeconfig).facts.anonymousProbe
    assert probe is not None
    assert (probe.versionStatus, probe.apiStatus, probe.error) == (200, 403, None)

    fake_api.anonymous_auth = False
    probe = collect(kubeconfig).facts.anonymousProbe
    assert probe is not None and (probe.versionStatus, probe.apiStatus) == (401, 401)

    fake_api.anonymous_auth = True
    fake_api.anonymous_paths = fake_api.anonymous_paths | {"/api"}
    before = len(fake_api.seen)
    probe = collect(kubeconfig).facts.anonymousProbe
    assert probe is not None and (probe.versionStatus, probe.apiStatus) == (200, 200)
    # One GET /api without credentials (the probe) and one with them (API discovery).
    assert sorted(s.identity for s in fake_api.seen[before:] if s.path == "/api") == ["anonymous", "user"]


def test_api_discovery_is_recorded_with_every_resource_and_its_scope(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    """kmock answers legacy discovery only: read group version by group version (issue 15 item 14)."""
    discovery = collect(kubeconfig).facts.apiDiscovery
    assert discovery is not None and discovery.status == "ok"
    scopes = {(r.group, r.resource): r.namespaced for r in discovery.resources}
    assert scopes[("", "nodes")] is False and scopes[("", "pods")] is True
    assert scopes[("apps", "deployments")] is True
    assert scopes[("rbac.authorization.k8s.io", "clusterroles")] is False
    assert all("/" not in r.resource for r in discovery.resources)


def test_kubelet_settings_only_when_asked(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    inv = collect(kubeconfig)
    assert not inv.facts.kubeletCollected and not inv.facts.kubelet
    assert not [s for s in fake_api.seen if s.path.endswith("/configz")]
    assert not inv.availability("kubelet").ok


def test_kubelet_settings_per_node_with_reasons(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    fake_api.kubelet[NODES[1]] = {
        "readOnlyPort": 10255,
        "authentication": {"anonymous": {"enabled": True}},
        "staticPodURLHeader": {"Authorization": ["Bearer CANARY-kubelet-token"]},
    }
    fake_api.fail(
        f"/api/v1/nodes/{NODES[2]}/proxy/configz",
        403,
        times=None,
        message=f'nodes "{NODES[2]}" is forbidden: User "auditor" cannot get resource "nodes/proxy"',
    )

    inv = collect(kubeconfig, kubelet_config=True)

    kubelet = inv.facts.kubelet
    assert inv.facts.kubeletCollected and set(kubelet) == set(NODES)
    assert kubelet[NODES[0]].config and kubelet[NODES[0]].config["authentication"]["anonymous"]["enabled"] is False
    assert kubelet[NODES[1]].config == {"readOnlyPort": 10255, "authentication": {"anonymous": {"enabled": True}}}
    third = kubelet[NODES[2]]
    assert third.config is None and third.reason and "403" in third.reason and "nodes/proxy" in third.reason
    assert inv.availability("kubelet").ok


def _as_served(inv: Inventory, fake: FakeCluster, tls: TLSFiles) -> Inventory:
    """`inv` with its pods, ReplicaSets and Jobs as the server sends them, parsed in full."""
    context = ssl.create_default_context(cafile=str(tls.ca))
    replaced = {"Pod": (PODS, Pod), "ReplicaSet": (REPLICASETS, ReplicaSet), "Job": (JOBS, Job)}
    full: list[K8sObject] = []
    for kind, (path, model) in replaced.items():
        request = urllib.request.Request(f"{fake.url}{path}", headers={"Authorization": f"Bearer {fake.api.token}"})
        with urllib.request.urlopen(request, context=context) as response:
            items = [model.model_validate(item) for item in json.loads(response.read())["items"]]
        for obj in items:
            obj.kind, obj.apiVersion = kind, BY_KIND[kind].api_version
        full += items
    return Inventory([*(obj for obj in inv.all_objects() if obj.kind not in replaced), *full], inv.facts)


@pytest.mark.parametrize("workers", [1, 4])
def test_owned_pods_are_compacted_without_changing_workloads_or_findings(
    fake_api: FakeKubeAPI, tls: TLSFiles, tmp_path: Path, workers: int
) -> None:
    """A pod its listed controller owns keeps only what is read of it; the audit is the same."""
    labels = {"app": "meshed"}
    template = {"containers": [container("app", "registry.example.com/app:1", securityContext=RESTRICTED)]}
    sidecar = container("istio-proxy", "istio/proxyv2:1", securityContext={"privileged": True})
    debug = container("debugger", "busybox:1", command=["sh", "-c", "sleep 1; --password=hunter2"])
    spec = {
        "replicas": 3,
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": template},
    }
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("meshed", "prod"), "spec": spec}
    replicaset = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta("meshed-abc", "prod", ownerReferences=owner("Deployment", "meshed")),
        "spec": spec,
    }
    pods = pods_of("prod", "meshed-abc", "ReplicaSet", labels, template, 3)
    pods[0]["spec"]["containers"] = [*template["containers"], sidecar]
    pods[1]["spec"]["ephemeralContainers"] = [debug]
    # an owner that was never listed: the pod is its own (unresolved) workload, kept in full
    orphan = pods_of("prod", "gone-123", "ReplicaSet", labels, template, 1)
    fake_api.add(deployment, replicaset, *pods, *orphan)

    with FakeCluster(fake_api, tls) as fake:
        live = collect(fake.write_kubeconfig(tmp_path / "kubeconfig"), workers=workers)
        full = _as_served(live, fake, tls)
    assert live.count("Pod") == full.count("Pod") == DEFAULT_PODS + 4

    def workloads(inv: Inventory) -> list[tuple[Any, ...]]:
        return [
            (w.kind, w.namespace, w.name, w.pods, sorted(w.nodes), sorted(w.injected), w.spec.dump(), w.meta.dump())
            for w in inv.workloads
        ]

    assert workloads(live) == workloads(full)
    meshed = {(w.kind, w.name): w for w in live.workloads}["Deployment", "meshed"]
    assert meshed.injected == {"istio-proxy", "debugger"}
    assert meshed.pods == 3
    # owned pods hold only the containers their template lacks; the orphan and static pods are whole
    by_name = {p.name: p for p in live.of("Pod", Pod)}
    assert [c.name for c in by_name[pods[0]["metadata"]["name"]].spec.containers] == ["istio-proxy"]
    assert by_name[pods[2]["metadata"]["name"]].spec.containers == []
    assert by_name[pods[2]["metadata"]["name"]].spec.nodeName == pods[2]["spec"]["nodeName"]
    assert "--password=hunter2" not in str(by_name[pods[1]["metadata"]["name"]].dump())
    assert [c.name for c in by_name[orphan[0]["metadata"]["name"]].spec.containers] == ["app"]
    # a ReplicaSet whose Deployment was listed keeps no template of its own; the Deployment does
    replicasets = {r.name: r for r in live.of("ReplicaSet", ReplicaSet)}
    assert replicasets["meshed-abc"].spec.template.spec.containers == []
    assert replicasets["meshed-abc"].metadata.ownerReferences[0].name == "meshed"
    assert [c.name for c in meshed.spec.containers] == ["app", "istio-proxy"]
    assert live.control_plane.keys() == full.control_plane.keys()
    assert all(
        a.flags == b.flags
        for name in live.control_plane
        for a, b in zip(live.control_plane[name], full.control_plane[name], strict=True)
    )

    def report(inv: Inventory) -> dict[str, Any]:
        data = run_checks(inv).model_dump(mode="json")
        data.pop("generatedAt")
        return data

    live_report = report(live)
    assert live_report == report(full)
    assert any(f["container"] == "istio-proxy" for f in live_report["findings"])


@pytest.mark.parametrize("workers", [1, 4])
def test_replication_controllers_are_listed_and_own_their_pods(
    fake_api: FakeKubeAPI, tls: TLSFiles, tmp_path: Path, workers: int
) -> None:
    """Issue 15: the core/v1 controller is listed (paged like the others) before pods, so its
    pods are reported as it and kept compact, its injected sidecar audited under it."""
    labels = {"app": "legacy"}
    template = {"containers": [container("app", "registry.example.com/legacy:1", securityContext=RESTRICTED)]}
    controller = {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": meta("legacy", "prod"),
        "spec": {"replicas": 3, "selector": labels, "template": {"metadata": {"labels": labels}, "spec": template}},
    }
    pods = pods_of("prod", "legacy", "ReplicationController", labels, template, 3, api_version="v1")
    pods[0]["spec"]["containers"] = [
        *template["containers"],
        container("istio-proxy", "istio/proxyv2:1", securityContext={"privileged": True}),
    ]
    idle = [{**controller, "metadata": meta(f"idle-{i}", "prod"), "spec": {"replicas": 0}} for i in range(2)]
    fake_api.add(controller, *idle, *pods)

    with FakeCluster(fake_api, tls) as fake:
        inv = collect(fake.write_kubeconfig(tmp_path / "kubeconfig"), workers=workers, page_size=2)
        rc_lists = fake_api.requests_to("/api/v1/replicationcontrollers")
    assert [(s.status, "continue" in s.params) for s in rc_lists] == [(200, False), (200, True)]  # two pages
    assert inv.facts.kinds["ReplicationController"].count == 3
    legacy = {(w.kind, w.name): w for w in inv.workloads}["ReplicationController", "legacy"]
    assert (legacy.pods, legacy.replicas, legacy.injected) == (3, 3, {"istio-proxy"})
    assert not [w for w in inv.workloads if w.kind == "Pod" and w.name.startswith("legacy-")]
    by_name = {p.name: p for p in inv.of("Pod", Pod)}
    assert [c.name for c in by_name[pods[0]["metadata"]["name"]].spec.containers] == ["istio-proxy"]
    assert by_name[pods[1]["metadata"]["name"]].spec.containers == []  # compact: the RC's template is audited
    report = run_checks(inv, ScanOptions(checks=("pod.privileged",)))
    failed = [
        (f.resource.kind, f.resource.name, f.container)
        for f in report.findings
        if f.resource and f.status is Status.FAIL
    ]
    assert ("ReplicationController", "legacy", "istio-proxy") in failed
