"""The laptop use: the CLI scans the e2e cluster from outside with the admin kubeconfig, live and
through a snapshot, and the findings match what the cluster really is.

Only the CLI (a subprocess) and its JSON report are used, never k8saudit's modules: the tier
tests what users run. Assertions about checks the catalogue may not have yet are made only when
the report lists the check, so the tier keeps passing as the catalogue grows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.providers import Cluster

pytestmark = pytest.mark.e2e

CANARY_MARK = "e2ec4n4ry"  # in every secret value planted by manifests/insecure.yaml
POD_CHECKS = ("pod.privileged", "pod.run-as-non-root", "pod.allow-privilege-escalation", "pod.capabilities")
#: The Kubernetes release the local provider builds (tests/apiserver/VERSION) and its runtime.
LOCAL_VERSION = (Path(__file__).resolve().parents[1] / "apiserver" / "VERSION").read_text().strip()
LOCAL_RUNTIME = (
    "containerd://" + (Path(__file__).resolve().parent / "cluster" / "CONTAINERD_VERSION").read_text()[1:].strip()
)
CONTROL_PLANE = {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"}


def k8saudit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "K8SAUDIT_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "k8saudit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def failing(report: dict[str, Any], check: str) -> set[tuple[str, str | None, str]]:
    return {
        (f["resource"]["kind"], f["resource"]["namespace"], f["resource"]["name"])
        for f in report["findings"]
        if f["check"] == check and f["status"] == "fail" and f["resource"]
    }


def registered(report: dict[str, Any], check: str) -> bool:
    return any(c["id"] == check for c in report["checks"])


def status_of(report: dict[str, Any], check: str) -> str:
    return str(next(c["status"] for c in report["checks"] if c["id"] == check))


@pytest.fixture(scope="module")
def live_report(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("live")
    proc = k8saudit("scan", "--kubeconfig", str(cluster.kubeconfig), "--quiet", "--output-dir", "r", cwd=out)
    assert proc.returncode == 0, proc.stderr
    texts = [(out / "r" / f"report.{fmt}").read_text() for fmt in ("html", "md", "json")]
    assert all(CANARY_MARK not in t for t in texts), "a planted secret leaked into a report"
    report: dict[str, Any] = json.loads(texts[2])
    return report


def test_live_scan_knows_the_cluster(cluster: Cluster, live_report: dict[str, Any]) -> None:
    facts = live_report["cluster"]
    assert facts["source"] == "live"
    assert facts["platform"] == ("kind" if cluster.provider == "kind" else "unknown")
    assert (facts["version"] or "").startswith("v1.")
    if cluster.provider == "local":
        assert facts["version"] == LOCAL_VERSION
    assert facts["namespaces"] >= 6  # the system ones and the two fixture namespaces
    # With the admin kubeconfig every kind is readable; only kubelet settings (--kubelet-config)
    # and Secret metadata (--secret-metadata) are opt-in. The local node's control plane runs as
    # processes, not as kube-system pods: k8saudit must say it cannot see their flags.
    gaps = live_report["coverage"]["gaps"]
    assert set(gaps) - CONTROL_PLANE <= {"kubelet", "secret-metadata"}
    if cluster.provider == "local":
        assert set(gaps) >= CONTROL_PLANE
        assert all(f"no {c} pod" in gaps[c] for c in CONTROL_PLANE), gaps
    # every input was read but those the gaps name (and each gap is such an input)
    assert {i["name"] for i in live_report["coverage"]["inputs"] if i["status"] != "ok"} == set(gaps)


def test_live_scan_reports_the_real_node(cluster: Cluster, live_report: dict[str, Any]) -> None:
    """Nodes as the kubelet registered them: its version, the container runtime it talks to."""
    live = cluster.json("get", "nodes")["items"]
    nodes = {n["name"]: n for n in live_report["nodes"]}
    assert set(nodes) == {n["metadata"]["name"] for n in live}
    for node in live:
        info = node["status"]["nodeInfo"]
        reported = nodes[node["metadata"]["name"]]
        assert reported["kubeletVersion"] == info["kubeletVersion"]
        assert reported["containerRuntime"] == info["containerRuntimeVersion"]
        assert reported["kernelVersion"] == info["kernelVersion"]
    if cluster.provider == "local":
        (node,) = live_report["nodes"]
        assert (node["kubeletVersion"], node["containerRuntime"]) == (LOCAL_VERSION, LOCAL_RUNTIME)
        assert node["osImage"].startswith("Debian GNU/Linux")


def test_live_scan_reads_the_pod_security_labels(live_report: dict[str, Any]) -> None:
    psa = {ns["namespace"]: ns for ns in live_report["podSecurity"]}
    hardened, insecure = psa["e2e-hardened"], psa["e2e-insecure"]
    assert hardened["labelsKnown"] and hardened["enforce"] == {"level": "restricted", "version": "latest"}
    assert insecure["labelsKnown"] and insecure["enforce"]["level"] is None
    # the insecure namespace's privileged DaemonSet would break even baseline
    assert not insecure["canEnforceBaseline"]
    assert hardened["canEnforceRestricted"]


def test_live_scan_flags_the_insecure_fixtures(live_report: dict[str, Any]) -> None:
    assert ("DaemonSet", "e2e-insecure", "node-agent") in failing(live_report, "pod.privileged")
    assert ("Deployment", "e2e-insecure", "root-app") in failing(live_report, "pod.run-as-non-root")
    assert ("Pod", "e2e-insecure", "debug") in failing(live_report, "pod.host-namespaces")
    if registered(live_report, "rbac.cluster-admin-bindings"):
        assert ("ClusterRoleBinding", None, "e2e-dev-cluster-admin") in failing(
            live_report, "rbac.cluster-admin-bindings"
        )
    if registered(live_report, "rbac.anonymous-bindings"):
        assert ("ClusterRoleBinding", None, "e2e-anonymous-view") in failing(live_report, "rbac.anonymous-bindings")
    if registered(live_report, "net.default-deny"):
        assert ("Namespace", None, "e2e-insecure") in failing(live_report, "net.default-deny")


def test_live_scan_passes_the_hardened_fixtures(live_report: dict[str, Any]) -> None:
    bad = [
        f
        for f in live_report["findings"]
        if f["status"] == "fail" and f["resource"] and f["resource"]["namespace"] == "e2e-hardened"
        if f["check"] in POD_CHECKS or f["check"] == "net.default-deny"
    ]
    assert bad == []


def test_the_default_rbac_roles_are_recognised(cluster: Cluster, live_report: dict[str, Any]) -> None:
    """The API server's bootstrap RBAC (system:* roles, cluster-admin for system:masters, the
    controllers' bindings) is recognised as the default it is: no failing finding names it, and
    the access review marks whoever holds power through it as built in."""
    bootstrap = {
        (obj["kind"], obj["metadata"]["name"])
        for kind in ("clusterroles", "clusterrolebindings", "roles", "rolebindings")
        for obj in cluster.json("get", kind, "--all-namespaces", "-l", "kubernetes.io/bootstrapping=rbac-defaults")[
            "items"
        ]
    }
    assert len(bootstrap) > 50  # the real thing, not an empty list
    named = {
        (f["check"], f["resource"]["kind"], f["resource"]["name"])
        for f in live_report["findings"]
        if f["status"] == "fail" and f["resource"] and (f["resource"]["kind"], f["resource"]["name"]) in bootstrap
    }
    assert named == set()
    defaults = {name for kind, name in bootstrap if kind == "ClusterRoleBinding"}
    for permission in live_report["accessReview"]["permissions"]:
        for holder in permission["holders"]:
            if all(g["binding"]["name"] in defaults for g in holder["grants"]):
                assert holder["builtIn"], (permission["id"], holder["subject"])
    # and the one the fixtures added is not taken for a default
    holders = [h for p in live_report["accessReview"]["permissions"] for h in p["holders"]]
    dev = [h for h in holders if h["subject"]["name"] == "dev@example.com"]
    assert dev and not any(h["builtIn"] for h in dev)


def test_live_scan_reads_the_control_plane_it_can_see(cluster: Cluster, live_report: dict[str, Any]) -> None:
    """kind runs kubeadm's static pods, whose flags the cp.* checks read: Node,RBAC authorization,
    no audit log, no encryption at rest. The local node runs its control plane as plain
    processes, invisible to the API: those checks must then say they cannot tell. What k8saudit
    asks the API server itself is answered either way: the local API server runs with the
    default --anonymous-auth=true, and the anonymous probe finds it."""
    for check, expected in (
        ("cp.authorization-mode", "pass"),
        ("cp.audit-logging", "fail"),
        ("cp.secrets-encryption", "fail"),
    ):
        if registered(live_report, check):
            assert status_of(live_report, check) == (expected if cluster.provider == "kind" else "not-assessable")
    if cluster.provider == "local" and registered(live_report, "cp.anonymous-auth"):
        (finding,) = [f for f in live_report["findings"] if f["check"] == "cp.anonymous-auth"]
        assert finding["status"] == "fail"
        assert ["GET /version without credentials", 200] in [[e["path"], e["value"]] for e in finding["evidence"]]


def test_collect_then_scan_snapshot(cluster: Cluster, live_report: dict[str, Any], tmp_path: Path) -> None:
    collected = k8saudit("collect", "--kubeconfig", str(cluster.kubeconfig), "-o", "snap.json", cwd=tmp_path)
    assert collected.returncode == 0, collected.stderr
    snapshot = (tmp_path / "snap.json").read_text()
    assert CANARY_MARK not in snapshot, "a planted secret leaked into the snapshot"
    # no Secret object (API discovery does record that the cluster serves `secrets`, kind Secret)
    assert not [item for item in json.loads(snapshot)["items"] if item.get("kind") == "Secret"]
    proc = k8saudit("scan", "--snapshot", "snap.json", "--quiet", "-f", "json", "-o", "offline.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    offline = json.loads((tmp_path / "offline.json").read_text())
    # The same fixtures fail offline as live (the system namespaces may move in between).
    for check in POD_CHECKS:
        live = {r for r in failing(live_report, check) if r[1] and r[1].startswith("e2e-")}
        assert {r for r in failing(offline, check) if r[1] and r[1].startswith("e2e-")} == live, check
