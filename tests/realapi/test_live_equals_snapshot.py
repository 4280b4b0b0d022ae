"""Proof 1: a live scan of a real API server finds exactly what `collect` then `scan --snapshot` finds.

The server holds the fake-API tests' realistic cluster (Deployments → ReplicaSets → Pods,
DaemonSets, a CronJob, RBAC, NetworkPolicies, ConfigMaps, a Secret) plus the truthful
kube-apiserver static pod; both scans run through the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cluster import CANARIES
from tests.integration.runcli import invoke
from tests.realapi.harness import ApiServer
from tests.realapi.support import scan_report

pytestmark = pytest.mark.apiserver


def test_live_scan_equals_collect_then_snapshot_scan(
    apiserver: ApiServer, realistic: list[dict[str, Any]], admin_kubeconfig: Path, tmp_path: Path
) -> None:
    live = scan_report("--kubeconfig", admin_kubeconfig)
    snapshot = tmp_path / "snapshot.json"
    collected = invoke("collect", "--kubeconfig", admin_kubeconfig, "--output", snapshot)
    assert collected.exit_code == 0, (collected.stderr, collected.exception)
    offline = scan_report("--snapshot", snapshot)

    assert (live["cluster"]["source"], offline["cluster"]["source"]) == ("live", "snapshot")
    assert live["cluster"]["version"] == offline["cluster"]["version"] == "v1.37.2"
    for key in ("findings", "checks", "coverage", "sections", "score", "grade", "counts"):
        assert live[key] == offline[key], key
    same = ("context", "server", "version", "platform", "namespaces", "workloads", "pods")
    assert {k: live["cluster"][k] for k in same} == {k: offline["cluster"][k] for k in same}

    # Not a comparison of two empty reports: the realistic cluster was read and judged.
    expected_pods = sum(1 for o in realistic if o["kind"] == "Pod") + 1  # + the kube-apiserver pod
    assert live["cluster"]["pods"] >= expected_pods
    failing = {(f["check"], f["resource"]["kind"], f["resource"]["namespace"], f["resource"]["name"])
               for f in live["findings"] if f["status"] == "fail" and f["resource"]}  # fmt: skip
    assert ("pod.privileged", "DaemonSet", "monitoring", "security-agent") in failing
    assert ("cp.authorization-mode", "Pod", "kube-system", "kube-apiserver-k8saudit-control-plane") not in failing
    assert any(f[0] == "cp.anonymous-auth" for f in failing)
    assert {c["status"] for c in live["checks"]} >= {"pass", "fail"}
    # and nothing secret travelled: not in the snapshot, not in the report
    text = snapshot.read_text() + json.dumps(live)
    assert not [c for c in CANARIES if c in text]
