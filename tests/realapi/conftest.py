"""Fixtures of the `apiserver` tier: one real kube-apiserver + etcd for the whole tier.

The shared server is started once per session (lazily, by the first test that needs it) and
stopped at the end, with kube-controller-manager running the real ClusterRole aggregation
controller beside it (when the binary exists: `tests/apiserver/build.sh` builds or links it), so
aggregated roles hold what a cluster's hold and the RBAC comparisons ask k8saudit in the mode the
CLI uses. Servers with other flags (`--anonymous-auth=false`, paging from etcd) are started
only by the test that needs them. Each server gets a `kube-system` pod labelled
`component=kube-apiserver`, `tier=control-plane` whose `command` is the flag set the server was
really started with, so the control-plane checks read the truth.

Binaries: `$KUBEBUILDER_ASSETS`, else the build cache, else `tests/apiserver/build.sh` once
(`make test` runs `make apiserver` first). Without Go and without assets the tier is skipped
with that reason; a failing build is an error.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.realapi.harness import (
    ADMIN,
    AGGREGATION_CONTROLLER,
    ApiServer,
    BinariesUnavailable,
    controller_manager,
    locate_binaries,
)
from tests.realapi.support import TIMINGS, realistic_objects, start_server

#: Named users of the shared server (token file), with their groups.
USERS: dict[str, tuple[str, ...]] = {
    "partial": ("k8saudit:partial-auditors",),
    "alice": ("devs",),
}

_tier = [0.0, 0.0]  # seconds, tests run


@pytest.fixture(scope="session")
def binaries() -> Path:
    started = time.perf_counter()
    try:
        found = locate_binaries()
    except BinariesUnavailable as exc:
        pytest.skip(str(exc))
    TIMINGS["locating (or building) the binaries"] = time.perf_counter() - started
    return found


@pytest.fixture(scope="session")
def apiserver(binaries: Path) -> Iterator[ApiServer]:
    """The tier's shared server: anonymous auth left at its default (on), users in USERS, and the
    aggregation controller when kube-controller-manager is there."""
    controllers = (AGGREGATION_CONTROLLER,) if controller_manager(binaries) is not None else ()
    server = start_server(binaries, "shared", users=USERS, controllers=controllers)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def aggregating(apiserver: ApiServer) -> ApiServer:
    """The shared server, which must run the aggregation controller (else the test skips)."""
    if AGGREGATION_CONTROLLER not in apiserver.controllers:
        pytest.skip("no kube-controller-manager for the ClusterRole aggregation controller (tests/apiserver/build.sh)")
    return apiserver


@pytest.fixture(scope="session")
def admin_kubeconfig(apiserver: ApiServer) -> Path:
    return apiserver.kubeconfigs[ADMIN]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Sum the set-up, call and teardown time of every `apiserver` test: the tier's run time."""
    if "apiserver" in report.keywords:
        _tier[0] += report.duration
        _tier[1] += report.when == "call"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TIMINGS:
        return
    terminalreporter.section("apiserver tier timings")
    for what, seconds in TIMINGS.items():
        terminalreporter.write_line(f"{seconds:7.2f}s  {what}")
    terminalreporter.write_line(f"{_tier[0]:7.2f}s  the tier: {int(_tier[1])} tests, set-up and teardown included")


@pytest.fixture(scope="session")
def realistic(apiserver: ApiServer) -> list[dict[str, Any]]:
    """The realistic cluster loaded into the shared server (server-side apply)."""
    started = time.perf_counter()
    objects = realistic_objects()
    apiserver.admin.apply_all(objects)
    apiserver.admin.wait_for_authorizer()  # its RBAC is what the scans' RBAC checks and who-can compare with
    TIMINGS["loading the realistic cluster"] = time.perf_counter() - started
    return objects
