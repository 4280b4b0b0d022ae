"""The fake API server itself, seen through the typed kubernetes client.

These guard what `FakeKubeAPI` adds over kmock 0.8 (and the kmock internals it relies on): if
a kmock upgrade changes them, this file fails before the collector tests mislead anyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from tests.integration.cluster import DEFAULT_PODS, bulk_deployment
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI


@pytest.fixture
def api_client(kubeconfig: Path) -> Iterator[Any]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg, persist_config=False)
    with client.ApiClient(cfg) as api:
        yield api


def test_discovery_and_version_with_the_clients_trailing_slashes(api_client: Any, fake_api: FakeKubeAPI) -> None:
    assert client.VersionApi(api_client).get_code().git_version == "v1.31.4"
    assert client.CoreApi(api_client).get_api_versions().versions == ["v1"]
    groups = {g.name for g in client.ApisApi(api_client).get_api_versions().groups}
    assert {"apps", "batch", "rbac.authorization.k8s.io", "networking.k8s.io"} <= groups
    assert {s.path for s in fake_api.seen} >= {"/version", "/api", "/apis"}


def test_lists_page_with_limit_and_continue(api_client: Any, fake_api: FakeKubeAPI) -> None:
    fake_api.add(*bulk_deployment("load", "bulk", 25))
    core = client.CoreV1Api(api_client)
    names: list[str] = []
    token = None
    pages = 0
    while True:
        page = core.list_pod_for_all_namespaces(limit=10, _continue=token)
        names += [f"{p.metadata.namespace}/{p.metadata.name}" for p in page.items]
        pages += 1
        token = page.metadata._continue
        if not token:
            break
        assert page.metadata.remaining_item_count == DEFAULT_PODS + 25 - len(names)
    assert len(names) == len(set(names)) == DEFAULT_PODS + 25
    assert names == sorted(names, key=lambda n: tuple(n.split("/")))
    assert pages == -(-(DEFAULT_PODS + 25) // 10)
    assert len(core.list_namespaced_pod("load").items) == 25
    assert len(core.list_namespace().items) == 8  # kmock 0.8 alone answers 500 here
    assert core.read_namespaced_config_map("app-config", "prod").metadata.name == "app-config"  # served by kmock


def test_an_empty_but_served_resource_lists_empty(api_client: Any) -> None:
    assert client.AppsV1Api(api_client).list_stateful_set_for_all_namespaces().items == []


def test_wrong_token_is_401_and_faults_fire_as_asked(fake: FakeCluster, fake_api: FakeKubeAPI, tmp_path: Path) -> None:
    cfg = client.Configuration()
    config.load_kube_config(
        config_file=str(fake.write_kubeconfig(tmp_path / "bad", token="wrong")),
        client_configuration=cfg,
        persist_config=False,
    )
    with client.ApiClient(cfg) as bad, pytest.raises(ApiException) as err:
        client.CoreV1Api(bad).list_namespace()
    assert err.value.status == 401

    fake_api.fail("/api/v1/nodes", 429, times=2, headers={"Retry-After": "1"})
    good = client.Configuration()
    config.load_kube_config(
        config_file=str(fake.write_kubeconfig(tmp_path / "good")), client_configuration=good, persist_config=False
    )
    good.retries = 0  # urllib3's default Retry would itself honour Retry-After on 429 and hide it
    with client.ApiClient(good) as api:
        core = client.CoreV1Api(api)
        for _ in range(2):
            with pytest.raises(ApiException) as err:
                core.list_node()
            assert err.value.status == 429 and err.value.headers["Retry-After"] == "1"
        assert len(core.list_node().items) == 3
