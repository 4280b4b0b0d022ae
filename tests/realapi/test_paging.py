"""Proof 2: 1,200 pods are all read through real continue tokens, and a continue token made stale
by an etcd compaction (410 Gone) makes the collector list again from the start.

The stale token is produced mid-list through `LiveOptions.on_page` (the collector's test seam):
after the first page of pods, the test writes one object (so etcd's revision moves past the
list's) and compacts etcd to the new revision through its v3 HTTP gateway.

Since Kubernetes 1.34 (`ListFromCacheSnapshot`, on by default) kube-apiserver serves continue
pages from watch-cache snapshots, which it drops only after *its own* compactor has noticed a
compaction (it polls every 15 s). The 410 test therefore runs on a server of its own started
with `--feature-gates=ListFromCacheSnapshot=false`, where continue pages are read from etcd and a
compaction expires them at once (the behaviour of 1.33 and older servers). The shared server,
with the default gate, serves the 1,200-pod listing.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from k8saudit import api
from k8saudit.model.objects import Pod
from k8saudit.sources.live import LiveOptions, collect_live
from tests.integration.cluster import bulk_deployment
from tests.integration.runcli import invoke
from tests.realapi.harness import ApiServer
from tests.realapi.support import start_server

pytestmark = pytest.mark.apiserver
PODS = 1200
PAGE = 500


class Pages:
    """Records the pages of pods the collector read (the seam is called from worker threads)."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str]] = []
        self.lock = threading.Lock()

    def __call__(self, resource: str, index: int, token: str) -> None:
        if resource == "pods":
            with self.lock:
                self.seen.append((index, token))


def server_pod_count(server: ApiServer, namespace: str | None = None) -> int:
    path = f"/api/v1/namespaces/{namespace}/pods" if namespace else "/api/v1/pods"
    return len(server.admin.call("GET", path)["items"])  # one unpaged list: the server's own count


@pytest.fixture(scope="module")
def many_pods(apiserver: ApiServer) -> int:
    apiserver.admin.apply_all(bulk_deployment("paging", "bulk", PODS), workers=12)
    assert server_pod_count(apiserver, "paging") == PODS
    return PODS


def test_1200_pods_are_read_through_continue_tokens(
    apiserver: ApiServer, many_pods: int, admin_kubeconfig: Path, tmp_path: Path
) -> None:
    total = server_pod_count(apiserver)
    pages = Pages()

    inventory = collect_live(LiveOptions(kubeconfig=admin_kubeconfig, page_size=PAGE, on_page=pages))
    report = api.run_checks(inventory)

    expected_pages = math.ceil(total / PAGE)
    assert [i for i, _ in pages.seen] == list(range(expected_pages))
    tokens = [t for _, t in pages.seen]
    assert all(tokens[:-1]) and tokens[-1] == "" and len(set(tokens[:-1])) == expected_pages - 1
    assert inventory.facts.kinds["Pod"].status == "ok" and inventory.facts.kinds["Pod"].count == total
    names = {(p.namespace, p.name) for p in inventory.of("Pod", Pod)}
    assert len(names) == total  # every pod once: no page lost, none read twice
    assert report.cluster.pods == total
    bulk = [w for w in inventory.workloads if (w.namespace, w.name) == ("paging", "bulk")]
    assert len(bulk) == 1 and bulk[0].pods == PODS  # 1,200 pods reported as their one Deployment

    # and through the CLI: the snapshot `collect` writes holds every pod
    snapshot = tmp_path / "snapshot.json"
    collected = invoke("collect", "--kubeconfig", admin_kubeconfig, "--output", snapshot, "--page-size", str(PAGE))
    assert collected.exit_code == 0, (collected.stderr, collected.exception)
    items = json.loads(snapshot.read_text())["items"]
    pods = [i for i in items if i["kind"] == "Pod"]
    assert len(pods) == total and sum(1 for p in pods if p["metadata"]["namespace"] == "paging") == PODS
    (facts,) = [i for i in items if i["kind"] == "ClusterFacts"]
    assert facts["spec"]["kinds"]["Pod"] == {"status": "ok", "count": total}


@pytest.fixture(scope="module")
def etcd_paged_server(binaries: Path) -> Iterator[ApiServer]:
    server = start_server(binaries, "etcd-paging", extra_flags=["--feature-gates=ListFromCacheSnapshot=false"])
    try:
        server.admin.apply_all(bulk_deployment("paging", "bulk", PODS), workers=12)
        yield server
    finally:
        server.stop()


def test_a_continue_token_expired_by_compaction_restarts_the_list(etcd_paged_server: ApiServer, tmp_path: Path) -> None:
    server = etcd_paged_server
    assert server.etcd is not None
    etcd = server.etcd
    total = server_pod_count(server)
    compacted: list[int] = []
    pages = Pages()

    def compact_after_first_page(resource: str, index: int, token: str) -> None:
        pages(resource, index, token)
        if resource == "pods" and index == 0 and not compacted:
            bump: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "bump", "namespace": "paging"},
            }
            server.admin.apply(bump)  # etcd's revision moves past the list's
            compacted.append(etcd.compact())

    inventory = collect_live(
        LiveOptions(kubeconfig=server.kubeconfigs["admin"], page_size=PAGE, on_page=compact_after_first_page)
    )

    assert compacted, "the seam never saw a first page of pods"
    stale = pages.seen[0][1]
    gone = server.admin.request("GET", "/api/v1/pods", query={"limit": PAGE, "continue": stale})
    assert gone.status == 410, gone  # the server really expired the token the collector held
    expected_pages = math.ceil(total / PAGE)
    # page 0, then 410 on page 1, then the whole list again from page 0
    assert [i for i, _ in pages.seen] == [0, *range(expected_pages)]
    assert pages.seen[1][1] not in ("", stale)
    assert inventory.facts.kinds["Pod"].status == "ok"
    names = [(p.namespace, p.name) for p in inventory.of("Pod", Pod)]
    assert len(names) == len(set(names)) == total  # the first pass's page was not kept twice
