"""The e2e tier: k8saudit against a real cluster, from outside and as deploy/'s CronJob inside it.

Opt-in with `--run-e2e` (`make test` and `make e2e` pass it). The cluster comes from a provider
(tests/e2e/providers.py): a local single-node cluster built from Go modules (root on Linux; what
CI and this project's sandbox use) or kind (a machine with Docker). The pytest header and the
summary say which one ran and how long it took; with neither usable every e2e test is skipped
with both reasons, never an error.

Why not pytest-kind-ng: it downloads kind v0.17.0 (2022) and kubectl from GitHub unless given
both binaries, and pulls in pykube-ng; the kind provider uses the developer's own kind and kubectl.

Environment:
- K8SAUDIT_E2E_PROVIDER=local|kind: use this provider (default: kind when usable, else local).
- K8SAUDIT_E2E_KEEP=1: keep the cluster (kind) or its state directory and logs (local).
- K8SAUDIT_E2E_CLUSTER: kind only, reuse this existing kind cluster (never created or deleted here).
- K8SAUDIT_E2E_NODE_IMAGE: kind only, the node image for a new cluster.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import providers
from tests.e2e.providers import Cluster, DeployImage

E2E_DIR = Path(__file__).resolve().parent
MANIFESTS = E2E_DIR / "manifests"
#: Pods the fixtures create, per namespace, before a scan is meaningful.
EXPECTED_PODS = {"e2e-insecure": 3, "e2e-hardened": 2}
READY_WAIT_SECONDS = 300

_tier: dict[str, Any] = {}  # what the summary reports: provider, timings
_e2e_ids: set[str] = set()  # the tests marked e2e


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    e2e_items = [item for item in items if item.get_closest_marker("e2e") is not None]
    _e2e_ids.update(item.nodeid for item in e2e_items)
    if not e2e_items:
        return
    if not config.getoption("--run-e2e", default=False):
        reason: str | None = "the e2e tier runs with --run-e2e (`make test`, `make e2e`)"
    else:
        reason = providers.choose().why if providers.choose().provider is None else None
    if reason is not None:
        for item in e2e_items:
            item.add_marker(pytest.mark.skip(reason=f"e2e: {reason}"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """The tier's time: set-up, call and teardown of every e2e test (the cluster's start and stop
    fall into the first set-up and the last teardown), whatever else the session runs."""
    if report.nodeid in _e2e_ids:
        _tier["seconds"] = _tier.get("seconds", 0.0) + report.duration
        _tier["tests"] = _tier.get("tests", 0) + (report.when == "call")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if "started" not in _tier:
        return
    lines = [providers.choose().describe()]
    lines.append(
        f"e2e tier: {_tier.get('tests', 0)} tests in {_tier.get('seconds', 0.0):.0f} s, cluster start and stop included"
    )
    timings: dict[str, float] = _tier.get("timings", {})
    if timings:
        lines.append("e2e tier timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    if "leftovers" in _tier:
        lines.append(f"e2e tier teardown: {_tier['leftovers']}")
    terminalreporter.write_sep("-", "e2e tier")
    for line in lines:
        terminalreporter.write_line(line)


def _apply_fixtures(cluster: Cluster) -> None:
    """The fixture objects (kept when already there) and their pods (created; not necessarily running)."""
    cluster.kubectl("apply", "-f", str(MANIFESTS))
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while True:
        pods = cluster.json("get", "pods", "--all-namespaces")["items"]
        counts = {ns: sum(1 for p in pods if p["metadata"]["namespace"] == ns) for ns in EXPECTED_PODS}
        if all(counts[ns] >= n for ns, n in EXPECTED_PODS.items()):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"fixture pods were not created within {READY_WAIT_SECONDS} s: {counts}")
        time.sleep(1)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The e2e cluster with the fixture manifests applied; always stopped at the end (local: and
    checked to have left nothing on the host; kind: deleted unless reused or kept)."""
    choice = providers.choose()
    assert choice.provider is not None, choice.why  # collection skipped the tier otherwise
    _tier["started"] = True
    started = providers.start(choice.provider, tmp_path_factory.mktemp("cluster"))
    _tier["timings"] = started.timings
    try:
        _apply_fixtures(started)
        yield started
    finally:
        leftovers = started.stop()  # test_teardown.py may have stopped it already: then a no-op
        if leftovers is not None:
            _tier["leftovers"] = f"left on the host: {leftovers}" if leftovers else "nothing left on the host"
            assert not leftovers, f"the local cluster left this on the host: {leftovers}"


@pytest.fixture(scope="session")
def image(cluster: Cluster) -> DeployImage:
    """The image built from the repository's Dockerfile, available to the cluster's node."""
    return cluster.load_image()
