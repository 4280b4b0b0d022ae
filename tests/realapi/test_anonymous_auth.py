"""Proof 6: `cp.anonymous-auth` (the flag from the control-plane pod, and the live probe) agrees
with real servers started with anonymous authentication on (the default) and off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.realapi.harness import ApiServer
from tests.realapi.support import scan_report, start_server

pytestmark = pytest.mark.apiserver
CHECK = "cp.anonymous-auth"


@pytest.fixture(scope="module")
def no_anonymous_server(binaries: Path) -> Iterator[ApiServer]:
    server = start_server(binaries, "anonymous-off", anonymous_auth=False)
    try:
        yield server
    finally:
        server.stop()


def live_report(server: ApiServer) -> dict[str, Any]:
    return scan_report("--kubeconfig", server.kubeconfigs["admin"])


def anonymous_statuses(server: ApiServer) -> tuple[int, int]:
    """What the server answers a request without credentials (the CA still verified)."""
    anonymous = server.client(None)
    return anonymous.request("GET", "/version").status, anonymous.request("GET", "/api").status


def judged(report: dict[str, Any]) -> tuple[str, list[tuple[str, str, str]]]:
    (summary,) = [c for c in report["checks"] if c["id"] == CHECK]
    findings = [f for f in report["findings"] if f["check"] == CHECK]
    return summary["status"], [
        (f["status"], f["resource"]["name"] if f["resource"] else "probe", f["message"]) for f in findings
    ]


def test_anonymous_auth_on_by_default_is_a_failure_from_flag_and_probe(apiserver: ApiServer) -> None:
    assert not any(f.startswith("--anonymous-auth") for f in apiserver.flags)  # the binary default: on
    assert anonymous_statuses(apiserver) == (200, 403)  # served as system:anonymous, not refused

    status, findings = judged(live_report(apiserver))

    assert status == "fail"
    by_source = {name: (st, msg) for st, name, msg in findings}
    assert by_source["kube-apiserver-k8saudit-control-plane"][0] == "fail"
    assert "defaults to true" in by_source["kube-apiserver-k8saudit-control-plane"][1]
    assert by_source["probe"][0] == "fail" and "got 200" in by_source["probe"][1]


def test_anonymous_auth_off_passes_from_flag_and_probe(no_anonymous_server: ApiServer) -> None:
    assert "--anonymous-auth=false" in no_anonymous_server.flags
    assert anonymous_statuses(no_anonymous_server) == (401, 401)

    report = live_report(no_anonymous_server)
    status, findings = judged(report)

    assert status == "pass", findings
    assert findings == []  # passes are counted, not listed
    (summary,) = [c for c in report["checks"] if c["id"] == CHECK]
    assert summary["passed"] == 2  # the flag of the one replica, and the probe
