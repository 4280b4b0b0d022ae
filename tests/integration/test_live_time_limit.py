"""The live collector's time limit (`LiveOptions.deadline`, `--cluster-timeout`) and the contexts
a kubeconfig offers (`--all-contexts`), against the fake API server on loopback.

A cluster that answers, but slowly, would otherwise hold its reader for as long as every list's
retries take (per list: `retries` + 1 request timeouts and the backoff between them); with a
deadline, every request's timeout and every wait is cut to what is left, and the read ends with
`ScanTimeout` once nothing is left.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from k8saudit.model.inventory import Inventory
from k8saudit.runtime.errors import EXIT_CLUSTER, InputError
from k8saudit.sources.live import LiveOptions, ScanTimeout, collect_live, kubeconfig_contexts
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI

PODS = "/api/v1/pods"


def test_a_cluster_slower_than_its_limit_is_given_up_at_the_limit(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    fake_api.fail(PODS, 503, times=None, delay=30.0)  # each pods request takes 30 s to fail
    started = time.monotonic()
    options = LiveOptions(kubeconfig=kubeconfig, timeout=10.0, deadline=started + 2.0, time_limit=2.0)

    with pytest.raises(ScanTimeout) as raised:
        collect_live(options)

    took = time.monotonic() - started
    assert 2.0 <= took < 6.0, took  # not 10 s (one request's timeout), let alone its retries
    assert raised.value.exit_code == EXIT_CLUSTER
    assert str(raised.value) == (
        f"gave up reading the Kubernetes API server at {fake.url} (context fake): its time limit (2 s, "
        "--cluster-timeout) passed before the reading was done"
    )


def test_a_wait_before_a_retry_that_would_outlast_the_limit_is_not_waited(
    fake: FakeCluster, fake_api: FakeKubeAPI, kubeconfig: Path
) -> None:
    fake_api.fail(PODS, 429, times=None, headers={"Retry-After": "8"})
    slept: list[float] = []
    options = LiveOptions(kubeconfig=kubeconfig, deadline=time.monotonic() + 3.0, sleep=slept.append)
    with pytest.raises(ScanTimeout):
        collect_live(options)
    assert slept == []  # giving up now, rather than after sleeping past the limit


def test_within_its_limit_a_scan_is_unchanged(fake: FakeCluster, kubeconfig: Path) -> None:
    limited = collect_live(LiveOptions(kubeconfig=kubeconfig, deadline=time.monotonic() + 120, time_limit=120))
    unlimited = collect_live(LiveOptions(kubeconfig=kubeconfig))

    def keys(inv: Inventory) -> list[tuple[str, str | None, str]]:
        return sorted((o.kind, o.namespace, o.name) for o in inv.all_objects())

    assert keys(limited) == keys(unlimited)
    assert limited.facts.kinds == unlimited.facts.kinds


def test_the_contexts_of_a_kubeconfig_in_its_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": n, "context": {"cluster": "c", "user": "u"}} for n in ("prod", "dev", "prod", "ci")],
        "current-context": "dev",
    }
    path = tmp_path / "kc"
    path.write_text(yaml.safe_dump(doc))
    assert kubeconfig_contexts(path) == (["prod", "dev", "ci"], f"--kubeconfig {path}")
    monkeypatch.setenv("KUBECONFIG", str(path))
    assert kubeconfig_contexts(None) == (["prod", "dev", "ci"], "$KUBECONFIG")
    (tmp_path / "broken").write_text("contexts: 3\n")
    with pytest.raises(InputError, match=re.escape(f"--kubeconfig {tmp_path / 'broken'} is not a usable kubeconfig")):
        kubeconfig_contexts(tmp_path / "broken")
    with pytest.raises(InputError, match=r"kubeconfig .* not found"):
        kubeconfig_contexts(tmp_path / "missing")
