"""The benchmark's code must not rot: the generator and the runner work at a tiny size.

No timing is asserted (timings depend on the machine): only that a generated cluster looks like
what an API server returns, that it is deterministic, and that the runner completes a scan, the
floor and the snapshot mode end to end and prints its table and ratio line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from benchmarks import run
from benchmarks.generate import LISTS, generate


def test_generated_cluster_is_api_shaped_and_deterministic() -> None:
    cluster = generate(60, seed=3)
    again = generate(60, seed=3)
    assert json.dumps(cluster.lists, sort_keys=True) == json.dumps(again.lists, sort_keys=True)
    assert json.dumps(generate(60, seed=4).lists) != json.dumps(cluster.lists)
    pods = cluster.lists["/api/v1/pods"]
    assert len(pods) == 60
    uids = {item["metadata"]["uid"] for _k, _v, path in LISTS for item in cluster.lists[path]}
    kinds_present = {kind for kind, _v, path in LISTS if cluster.lists[path]}
    assert {"Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"} <= kinds_present
    assert {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "NetworkPolicy", "Node"} <= kinds_present
    for _kind, _version, path in LISTS:
        for item in cluster.lists[path]:
            assert "kind" not in item and "apiVersion" not in item  # as a real list returns items
            for ref in item["metadata"].get("ownerReferences", []):
                assert ref["uid"] in uids or ref["kind"] == "Node"  # every owner exists
    control_plane = [p for p in pods if p["metadata"]["labels"].get("tier") == "control-plane"]
    assert {p["metadata"]["labels"]["component"] for p in control_plane} == {
        "kube-apiserver",
        "etcd",
        "kube-controller-manager",
        "kube-scheduler",
    }
    app_pods = [p for p in pods if "managedFields" in p["metadata"] and p["spec"]["containers"][0].get("env")]
    average = sum(len(json.dumps(p)) for p in app_pods) / len(app_pods)
    assert 5_000 < average < 12_000  # about 8 KB a pod, as the benchmark promises


def test_runner_end_to_end_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.json"
    assert run.main(["--pods", "50", "--repeat", "1", "--out", str(tmp_path), "--json", str(results)]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert re.fullmatch(r"ratio total/floor: \d+\.\d\d  peak_rss_mb: \d+  size: 50", lines[-1]), lines[-1]
    for row in ("fetch (Σ over threads)", "parse (Σ over threads)", "collect (wall)", "checks", "render html"):
        assert row in out
    assert "snapshot mode: collect → file" in out
    data = json.loads(results.read_text())[0]
    scan, floor = data["scan"], data["floor"]
    assert scan["pods"] == 50 and scan["findings"] > 0
    assert not scan["unhooked"]  # every stage of the real code path was measured
    assert floor["objects"] > 50 and floor["requests"] >= 20
    assert (tmp_path / "50" / "scan" / "report.html").is_file()
    assert data["snapshot"]["total_s"] > 0


def test_fleet_benchmark_end_to_end_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/fleet.py: several clusters scanned from one process, and `fleet` over many reports."""
    from benchmarks import fleet

    results = tmp_path / "fleet.json"
    argv = ["--size", "30", "--clusters", "2", "--workers", "2", "--reports", "20", "--latency-ms", "20"]
    argv += ["--out", str(tmp_path)]
    assert fleet.main([*argv, "--json", str(results)]) == 0
    out = capsys.readouterr().out
    for row in ("one scan (c01)", "2 x one scan, a process each", "2 clusters at once, --cluster-workers 2",
                "4 clusters at once, --cluster-workers 4", "20 reports (2 clusters x 10 runs each)"):  # fmt: skip
        assert row in out, row
    assert re.search(r"speed-up of the fastest concurrent run: \d+\.\d\dx over 2 processes", out)
    assert "the same 2 clusters, 20 ms before every API answer" in out
    data = json.loads(results.read_text())
    assert data["clusters"]["workers2"]["exit"] == 0 and data["reports"]["fleet20"]["peak_rss_mb"] > 0
    assert data["latency"]["latency_ms"] == 20 and data["latency"]["workers2"]["exit"] == 0
    fleet_report = json.loads((tmp_path / "fleet-20" / "fleet.json").read_text())
    assert len(fleet_report["clusters"]) == 2 and all(len(c["runs"]) == 10 for c in fleet_report["clusters"])
