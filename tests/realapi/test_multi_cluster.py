"""Several real clusters in one scan: three kube-apiservers, each with its own etcd, read at once
(`scan --all-contexts`), one of them stopped in the middle of its scan, plus a context nothing
answers.

What must hold: the clusters that stay up are read completely, each report exactly what a scan of
that one context gives; the stopped one still has a report, partial and honest (what it had read
is judged, every check that needed what it could not read is not-assessable, never a pass) and its
row in the fleet report says what could not be read; the unreachable one has a row saying why,
and the run's exit code (3) says a cluster could not be read.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8saudit.checks.registry import all_checks
from k8saudit.sources import live
from tests.integration.runcli import closed_port, invoke
from tests.realapi.harness import ADMIN, ApiServer
from tests.realapi.support import realistic_objects, scan_report, start_server

pytestmark = pytest.mark.apiserver


@pytest.fixture
def two_more(binaries: Path) -> Iterator[tuple[ApiServer, ApiServer]]:
    """Two more real servers beside the shared one, each with a part of the realistic cluster."""
    objects = realistic_objects()
    b = start_server(binaries, "fleet-b")
    try:
        c = start_server(binaries, "fleet-c")
        try:
            b.admin.apply_all(objects)
            c.admin.apply_all(o for o in objects if o["kind"] != "NetworkPolicy")
            yield b, c
        finally:
            c.stop()
    finally:
        b.stop()


def merged_kubeconfig(path: Path, servers: dict[str, ApiServer]) -> Path:
    """One kubeconfig with a context per server (its admin) and one for a port nothing listens on."""
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
    for name, server in servers.items():
        cluster = {"server": server.url, "certificate-authority": str(server.ca)}
        doc["clusters"].append({"name": name, "cluster": cluster})
        doc["users"].append({"name": name, "user": {"token": server.identities[ADMIN].token}})
        doc["contexts"].append({"name": name, "context": {"cluster": name, "user": name}})
    doc["clusters"].append({"name": "gone", "cluster": {"server": f"https://127.0.0.1:{closed_port()}"}})
    doc["users"].append({"name": "gone", "user": {"token": "x"}})
    doc["contexts"].append({"name": "gone", "context": {"cluster": "gone", "user": "gone"}})
    doc["current-context"] = next(iter(servers))
    path.write_text(yaml.safe_dump(doc))
    return path


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    return {k: report[k] for k in ("findings", "checks", "coverage", "sections", "score", "grade", "counts")}


def test_three_real_clusters_at_once_one_stopped_mid_scan(
    apiserver: ApiServer,
    realistic: list[dict[str, Any]],
    two_more: tuple[ApiServer, ApiServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    b, c = two_more
    config = merged_kubeconfig(tmp_path / "kubeconfig", {"a": apiserver, "b": b, "c": c})
    stopped = threading.Event()
    list_kind = live._Collector.list_kind

    def stop_b_at_pods(self: Any, info: Any) -> Any:
        """Stop b's kube-apiserver and etcd when b starts listing pods: the controllers listed
        before are read, pods and what comes after are not."""
        if self.target.context == "b" and info.kind == "Pod" and not stopped.is_set():
            stopped.set()
            b.stop(keep_logs=True)  # the processes; its CA stays on disk for the clients
        return list_kind(self, info)

    monkeypatch.setattr(live._Collector, "list_kind", stop_b_at_pods)
    out = tmp_path / "out"

    result = invoke("scan", "--kubeconfig", config, "--all-contexts", "--retries", "1", "-d", out)

    assert result.exit_code == 3, (result.stdout, result.stderr, result.exception)
    assert stopped.is_set() and not b.running
    rows = {row["name"]: row for row in json.loads((out / "fleet.json").read_text())["clusters"]}
    statuses = {n: r["status"] for n, r in rows.items()}
    assert statuses == {"a": "scanned", "b": "scanned", "c": "scanned", "gone": "failed"}
    assert rows["gone"]["error"].startswith("cannot reach the Kubernetes API server")

    # The clusters that stayed up: read completely, each exactly as a scan of that context alone.
    monkeypatch.setattr(live._Collector, "list_kind", list_kind)
    denied: dict[str, int] = {}
    for name, server in (("a", apiserver), ("c", c)):
        assert rows[name]["readErrors"] == []
        report = json.loads((out / name / "report.json").read_text())
        alone = scan_report("--kubeconfig", server.kubeconfigs[ADMIN])
        assert comparable(report) == comparable(alone), name
        assert report["cluster"]["context"] == name and report["cluster"]["version"] == "v1.37.2"
        denied[name] = next(chk["failed"] for chk in report["checks"] if chk["id"] == "net.default-deny")
    assert denied["c"] > denied["a"] > 0  # c holds no NetworkPolicy at all: its own findings, not a's

    # The stopped one: a partial report that says so, and no pass on what it could not read.
    partial = json.loads((out / "b" / "report.json").read_text())
    inputs = {i["name"]: i for i in partial["coverage"]["inputs"]}
    unread = {n for n, i in inputs.items() if i["status"] == "error"}
    assert "reading pods failed" in inputs["workloads"]["reason"] and "workloads" in unread
    assert inputs["version"]["status"] == "ok"  # read before the stop: judged
    assert all("connection refused" in (inputs[n]["reason"] or "") or "reset" in (inputs[n]["reason"] or "")
               for n in unread), {n: inputs[n]["reason"] for n in unread}  # fmt: skip
    checked = {chk["id"]: chk["status"] for chk in partial["checks"]}
    needing = [chk.id for chk in all_checks() if set(chk.reads) & unread]
    assert needing and all(checked[i] == "not-assessable" for i in needing), {
        i: checked[i] for i in needing if checked[i] != "not-assessable"
    }
    judged = [i for i, status in checked.items() if status in ("pass", "fail")]
    assert "cluster.version-supported" in judged  # what it did read is still judged
    assert rows["b"]["coverage"] < rows["c"]["coverage"]
    assert sorted(e.split(":", 1)[0] for e in rows["b"]["readErrors"]) == sorted(unread)
    assert "b: grade" in result.stdout and f"partial: {len(unread)} inputs not read" in result.stdout
