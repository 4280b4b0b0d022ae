"""The e2e tier: k8saudit against a real kind cluster (`make e2e`).

Opt-in with `--run-e2e`; it also needs a working Docker engine (`docker info`) and the `kind`
CLI. Without any of them every e2e test is *skipped with the reason*, never an error, so the
normal `make test` run reports them as skipped.

Why a small session fixture over the `kind` CLI rather than pytest-kind-ng: pytest-kind-ng
downloads kind v0.17.0 (2022) and kubectl from GitHub unless given `--kind-bin` and
`--kind-kubectl-bin`, and pulls in pykube-ng. We need neither: `kind create cluster --config
... --kubeconfig ...` uses the kind the developer or CI image already has (and its current node
image), works offline once images are cached, and the fixtures are applied with the
`kubernetes` client k8saudit already depends on, so no kubectl is needed either.

Environment:
- K8SAUDIT_E2E_CLUSTER: reuse this existing kind cluster (never created or deleted here).
- K8SAUDIT_E2E_NODE_IMAGE: node image for a new cluster (`kind create cluster --image`).
- K8SAUDIT_E2E_KEEP=1: keep the cluster this run created, for debugging.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
KIND_CONFIG = E2E_DIR / "kind-config.yaml"
MANIFESTS = sorted((E2E_DIR / "manifests").glob("*.yaml"))
#: Pods the fixtures create, per namespace, before a scan is meaningful.
EXPECTED_PODS = {"e2e-insecure": 2, "e2e-hardened": 2}
READY_WAIT_SECONDS = 300


def _run(args: list[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def why_not_runnable() -> str | None:
    """Why this machine cannot run the e2e tier, or None when it can."""
    if shutil.which("kind") is None:
        return "the `kind` CLI is not on PATH (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)"
    if shutil.which("docker") is None:
        return "the `docker` CLI is not on PATH"
    try:
        info = _run(["docker", "info"], timeout=60)
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer within 60 s"
    if info.returncode != 0:
        return f"`docker info` failed: {_last_line(info.stderr or info.stdout)}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    e2e_items = [item for item in items if item.get_closest_marker("e2e") is not None]
    if not e2e_items:
        return
    if not config.getoption("--run-e2e", default=False):
        reason: str | None = "e2e tier runs only with --run-e2e (`make e2e`; needs Docker and kind)"
    else:
        reason = why_not_runnable()
    if reason is not None:
        for item in e2e_items:
            item.add_marker(pytest.mark.skip(reason=f"e2e: {reason}"))


@dataclass(frozen=True)
class KindCluster:
    name: str
    kubeconfig: Path


def _apply_fixtures(kubeconfig: Path) -> None:
    """Create the fixture objects (those already there, on a reused cluster, are kept) and wait for pods."""
    from kubernetes import client, config, utils

    api = config.new_client_from_config(config_file=str(kubeconfig))
    for manifest in MANIFESTS:
        try:
            utils.create_from_yaml(api, str(manifest))
        except utils.FailToCreateError as exc:
            if any(getattr(e, "status", None) != 409 for e in exc.api_exceptions):
                raise
    core = client.CoreV1Api(api)
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while True:
        counts = {ns: len(core.list_namespaced_pod(ns).items) for ns in EXPECTED_PODS}
        if all(counts[ns] >= n for ns, n in EXPECTED_PODS.items()):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"fixture pods were not created within {READY_WAIT_SECONDS} s: {counts}")
        time.sleep(2)


@pytest.fixture(scope="session")
def kind_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KindCluster]:
    """A kind cluster with the fixture manifests applied; deleted afterwards unless reused or kept."""
    kubeconfig = tmp_path_factory.mktemp("kind") / "kubeconfig"
    reuse = os.environ.get("K8SAUDIT_E2E_CLUSTER")
    if reuse:
        got = _run(["kind", "get", "kubeconfig", "--name", reuse])
        if got.returncode != 0:
            pytest.fail(f"K8SAUDIT_E2E_CLUSTER={reuse}: {_last_line(got.stderr)}")
        kubeconfig.write_text(got.stdout)
        kubeconfig.chmod(0o600)
        _apply_fixtures(kubeconfig)
        yield KindCluster(reuse, kubeconfig)
        return
    name = f"k8saudit-e2e-{secrets.token_hex(3)}"
    create = ["kind", "create", "cluster", "--name", name, "--config", str(KIND_CONFIG)]
    create += ["--kubeconfig", str(kubeconfig), "--wait", "180s"]
    if image := os.environ.get("K8SAUDIT_E2E_NODE_IMAGE"):
        create += ["--image", image]
    created = _run(create, timeout=900)
    try:
        if created.returncode != 0:
            pytest.fail(f"kind create cluster failed: {_last_line(created.stderr)}")
        _apply_fixtures(kubeconfig)
        yield KindCluster(name, kubeconfig)
    finally:
        if os.environ.get("K8SAUDIT_E2E_KEEP") != "1":
            _run(["kind", "delete", "cluster", "--name", name, "--kubeconfig", str(kubeconfig)])
