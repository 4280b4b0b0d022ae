"""`LiveOptions.on_progress` against the fake API server: every kind reports once when its list is
done (with its final status), and pages of a long list report the count so far."""

from __future__ import annotations

import threading
from pathlib import Path

from k8saudit.model.kinds import KINDS
from k8saudit.sources.live import NEVER_LISTED, LiveOptions, collect_live
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI


def test_progress_reports_pages_and_each_kind_once(fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path) -> None:
    fake_api.forbid("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings")
    calls: list[tuple[str, int, str | None]] = []
    lock = threading.Lock()

    def on_progress(resource: str, objects: int, status: str | None) -> None:
        with lock:
            calls.append((resource, objects, status))

    inv = collect_live(LiveOptions(kubeconfig=kubeconfig, page_size=5, sleep=lambda _: None, on_progress=on_progress))
    done = {resource: (objects, status) for resource, objects, status in calls if status is not None}
    listed = {k.resource for k in KINDS if k.kind not in NEVER_LISTED}
    assert set(done) == listed
    assert sum(1 for _, _, status in calls if status is not None) == len(listed)  # once per kind
    assert done["clusterrolebindings"] == (0, "forbidden")
    assert done["pods"] == (inv.count("Pod"), "ok")
    pages = [objects for resource, objects, status in calls if resource == "pods" and status is None]
    assert inv.count("Pod") > 5 and pages and pages == sorted(pages) and pages[0] == 5
