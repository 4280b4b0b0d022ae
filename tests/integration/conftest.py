"""Fixtures for the integration tier: a fake API server on 127.0.0.1 (TLS, bearer token)
loaded with a realistic cluster, a kubeconfig pointing at it, and ways to run the real CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cluster import realistic_cluster
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI, TLSFiles, make_ca_and_server_cert


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_ca_and_server_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def fake_api() -> FakeKubeAPI:
    """The fake API server's state: add objects or faults before the client runs."""
    api = FakeKubeAPI()
    api.add(*realistic_cluster())
    return api


@pytest.fixture
def fake(fake_api: FakeKubeAPI, tls: TLSFiles) -> Iterator[FakeCluster]:
    with FakeCluster(fake_api, tls) as cluster:
        yield cluster


@pytest.fixture
def kubeconfig(fake: FakeCluster, tmp_path: Path) -> Path:
    return fake.write_kubeconfig(tmp_path / "kubeconfig")
