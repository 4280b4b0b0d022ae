"""Helpers shared by the `apiserver` tier's conftest and tests (importable, unlike a conftest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.runcli import invoke
from tests.realapi.harness import ApiServer

#: Timings shown at the end of the run (`pytest_terminal_summary` in conftest.py).
TIMINGS: dict[str, float] = {}


def start_server(binaries: Path, name: str, **kwargs: Any) -> ApiServer:
    """Start a server, create its truthful control-plane pod, record its start-up time."""
    server = ApiServer(binaries, name=name, **kwargs)
    server.start()
    try:
        server.admin.apply(server.control_plane_pod())
    except BaseException:
        server.stop()
        raise
    TIMINGS[f"{name} server start-up (etcd + kube-apiserver to /readyz)"] = server.startup_seconds
    return server


def realistic_objects() -> list[dict[str, Any]]:
    """The fake-API tests' realistic cluster, without its made-up control-plane static pods: on
    a real server the truthful kube-apiserver pod (`start_server`) stands in their place."""
    from tests.integration.cluster import realistic_cluster

    return [
        obj
        for obj in realistic_cluster()
        if not (obj["kind"] == "Pod" and obj["metadata"].get("labels", {}).get("tier") == "control-plane")
    ]


def scan_report(*args: str | Path) -> dict[str, Any]:
    """`k8saudit scan ARGS --format json --output -` in-process; the report, parsed."""
    result = invoke("scan", *args, "--format", "json", "--output", "-", "--quiet")
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)
    report: dict[str, Any] = json.loads(result.stdout)
    return report
