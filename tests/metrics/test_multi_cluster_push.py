"""`scan --all-contexts --pushgateway`: each cluster pushes its own group to a real Pushgateway
(Debian's `prometheus-pushgateway` on loopback), labelled by its context; a cluster that could not
be read pushes its failure, and the others' pushes are what their reports say."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cluster import realistic_cluster
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI, make_ca_and_server_cert
from tests.integration.runcli import clean_env, closed_port, run_cli
from tests.integration.test_multi_context import kubeconfig
from tests.metrics import servers
from tests.metrics.test_pushgateway import scrape, value


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[servers.Server]:
    with servers.pushgateway(tmp_path / "pushgateway") as server:
        yield server


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[FakeCluster]:
    api = FakeKubeAPI()
    api.add(*realistic_cluster())
    with FakeCluster(api, make_ca_and_server_cert(tmp_path / "tls")) as fake:
        yield fake


def test_each_cluster_pushes_its_own_group_and_a_failed_one_its_failure(
    gateway: servers.Server, cluster: FakeCluster, tmp_path: Path
) -> None:
    assert cluster.tls is not None
    up = {"server": cluster.url, "ca": cluster.tls.ca, "token": cluster.api.token}
    config = kubeconfig(
        tmp_path / "kc",
        {"prod": up, "stage": up, "gone": {"server": f"https://127.0.0.1:{closed_port()}", "token": "t"}},
    )
    out = tmp_path / "out"
    proc = run_cli(
        "scan", "--kubeconfig", config, "--all-contexts", "--pushgateway", gateway.url, "-q", "-d", out,
        cwd=tmp_path, env=clean_env(),
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    for name in ("prod", "stage"):
        report = json.loads((out / name / "report.json").read_text())
        series = scrape(gateway, name)
        assert value(series, "k8saudit_last_run_success") == 1
        assert value(series, "k8saudit_score") == report["score"]
    gone = scrape(gateway, "gone")
    assert value(gone, "k8saudit_last_run_success") == 0
    assert value(gone, "k8saudit_score") is None  # no report: nothing but the failure
