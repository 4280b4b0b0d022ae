"""The packaged demo cluster: it is fresh, it loads, it shows the mistakes it was built with,
it leaks none of the secrets planted in it, and `k8saudit scan --demo` writes all three reports.

Assertions on checks other helpers own are made only when that check is registered, so the
test keeps passing as the catalogue grows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from k8saudit.checks.registry import all_checks
from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Finding, Report, Status
from k8saudit.model.kinds import KINDS
from k8saudit.model.objects import ConfigMap, Deployment, K8sObject
from k8saudit.output.render import render
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import _objects, load_snapshot
from tools import build_demo

DEMO = snapshot_path()
CANARY_MARK = "d3m0c4n4ry"  # every planted secret contains it (case-insensitively)


@cache
def demo_report() -> Report:
    return run_checks(load_snapshot(DEMO))


def failing(report: Report, check: str) -> set[tuple[str, str | None, str]]:
    return {
        (f.resource.kind, f.resource.namespace, f.resource.name)
        for f in report.findings
        if f.check == check and f.status is Status.FAIL and f.resource is not None
    }


def findings_of(report: Report, check: str) -> list[Finding]:
    return [f for f in report.findings if f.check == check]


def registered(check: str) -> bool:
    return any(c.id == check for c in all_checks())


def summary_status(report: Report, check: str) -> Status:
    return next(c.status for c in report.checks if c.id == check)


# --- the artefact -------------------------------------------------------------------------------


def _parsed(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item re-parsed by today's models: what a scan of the document would see."""
    return [o.dump() for i, item in enumerate(document["items"]) for o in _objects(item, f"item {i}", None)]


def test_committed_demo_matches_its_generator() -> None:
    committed = json.loads(DEMO.read_text(encoding="utf-8"))
    fresh = json.loads(build_demo.render())
    if committed == fresh:
        return
    # Tolerate a changed *dump format* as long as a scan would see the same objects; a model
    # that now reads more fields (or a generator edit) makes the committed file stale.
    assert _parsed(committed) == _parsed(fresh), (
        "k8saudit/data/demo-cluster.json is stale: run `python -m tools.build_demo` and commit the result"
    )


def test_demo_is_a_collect_snapshot_with_honest_facts() -> None:
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    assert document["kind"] == "List"
    first = document["items"][0]
    assert (first["apiVersion"], first["kind"]) == ("k8saudit.io/v1alpha1", "ClusterFacts")
    inv = load_snapshot(DEMO)
    facts = inv.facts
    assert facts.version is not None and facts.version.minor_version() == (1, 34)
    assert facts.platform == "kind"
    assert facts.anonymousProbe is not None and facts.anonymousProbe.versionStatus == 200
    assert facts.kubeletCollected is False  # as a default `collect` (no --kubelet-config)
    for info in KINDS:
        avail = facts.kinds[info.kind]
        assert avail.status == "ok", info.kind
        assert avail.count == inv.count(info.kind) > 0, info.kind
    assert set(facts.namespaces) == set(inv.namespaces)
    assert len(inv.namespaces) >= 8
    assert inv.count("Node") == 3


def test_demo_owners_resolve_to_the_workloads_people_own() -> None:
    inv = load_snapshot(DEMO)
    workloads = {(w.kind, w.namespace, w.name): w for w in inv.workloads}
    assert workloads[("Deployment", "web", "frontend")].pods == 3
    assert workloads[("DaemonSet", "logging", "fluent-bit")].pods == 3
    assert workloads[("StatefulSet", "data", "postgres")].pods == 1
    assert workloads[("CronJob", "ci", "nightly-cleanup")].pods == 1  # Pod -> Job -> CronJob
    assert ("Pod", "default", "netshoot") in workloads  # a bare pod is its own workload
    assert not any(kind in ("ReplicaSet", "Job") for kind, _, _ in workloads)
    assert set(inv.control_plane) == {"kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler"}


# --- what a scan finds --------------------------------------------------------------------------


def test_demo_pod_findings() -> None:
    report = demo_report()
    privileged = failing(report, "pod.privileged")
    assert ("DaemonSet", "logging", "fluent-bit") in privileged
    assert ("Deployment", "payments", "api") not in privileged
    # The CNI agent is privileged too, but exempted by annotation, with its reason kept.
    exempt = [f for f in findings_of(report, "pod.privileged") if f.status is Status.EXEMPT]
    assert [(f.resource.namespace, f.resource.name) for f in exempt if f.resource] == [
        ("istio-system", "istio-cni-node")
    ]
    assert exempt[0].exemption is not None and "SEC-1142" in exempt[0].exemption.reason
    assert ("StatefulSet", "data", "postgres") in failing(report, "pod.run-as-non-root")
    hardened = [
        f
        for f in report.findings
        if f.status is Status.FAIL
        and f.check in {"pod.privileged", "pod.run-as-non-root", "pod.allow-privilege-escalation", "pod.capabilities"}
        and f.resource is not None
        and (f.resource.namespace, f.resource.name) in {("payments", "api"), ("web", "frontend")}
    ]
    assert hardened == []


def test_demo_rbac_findings() -> None:
    report = demo_report()
    if registered("rbac.cluster-admin-bindings"):
        admins = failing(report, "rbac.cluster-admin-bindings")
        assert ("ClusterRoleBinding", None, "dev-cluster-admin") in admins
        assert ("ClusterRoleBinding", None, "ci-deployer") in admins
        assert ("ClusterRoleBinding", None, "cluster-admin") not in admins  # system:masters, the default
    if registered("rbac.anonymous-bindings"):
        anonymous = failing(report, "rbac.anonymous-bindings")
        assert ("ClusterRoleBinding", None, "anonymous-metrics") in anonymous
        assert ("ClusterRoleBinding", None, "system:public-info-viewer") not in anonymous


def test_demo_network_findings() -> None:
    report = demo_report()
    if registered("net.default-deny"):
        no_deny = failing(report, "net.default-deny")
        assert ("Namespace", None, "data") in no_deny
        assert ("Namespace", None, "payments") not in no_deny


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("cp.anonymous-auth", Status.FAIL),
        ("cp.authorization-mode", Status.PASS),
        ("cp.audit-logging", Status.FAIL),
        ("cp.secrets-encryption", Status.FAIL),
    ],
)
def test_demo_control_plane_findings(check: str, expected: Status) -> None:
    if not registered(check):
        pytest.skip(f"{check} is not in the catalogue yet")
    assert summary_status(demo_report(), check) is expected


def test_demo_version_is_assessed() -> None:
    if not registered("cluster.version-supported"):
        pytest.skip("cluster.version-supported is not in the catalogue yet")
    assert summary_status(demo_report(), "cluster.version-supported") is not Status.NOT_ASSESSABLE


def test_demo_is_assessable_wherever_a_snapshot_can_be() -> None:
    """The demo holds every kind, so nothing may be not-assessable for want of objects."""
    report = demo_report()
    assert summary_status(report, "pod.privileged") is Status.FAIL
    for summary in report.checks:
        if summary.status is Status.NOT_ASSESSABLE:
            assert "holds no" not in (summary.reason or ""), summary


# --- secrets ------------------------------------------------------------------------------------


def test_demo_canaries_were_planted_and_none_survives() -> None:
    raw = json.dumps(build_demo.raw_objects())
    for canary in build_demo.CANARIES:
        assert canary in raw  # the generator really feeds secret values to the parsers
        assert CANARY_MARK in canary.lower()
    report = demo_report()
    outputs = {
        "cluster.json": DEMO.read_text(encoding="utf-8"),
        **{f"report.{fmt}": render(report, fmt) for fmt in ("html", "md", "json")},
    }
    for name, text in outputs.items():
        assert CANARY_MARK not in text.lower(), f"a planted secret leaked into {name}"
        assert "last-applied-configuration" not in text, name


def test_demo_records_what_looked_secret_without_values() -> None:
    inv = load_snapshot(DEMO)
    assert inv.count("Secret") == 0
    postgres = next(c for c in inv.in_namespace("ConfigMap", "data", ConfigMap) if c.name == "postgres-config")
    assert "POSTGRES_PASSWORD" in postgres.keys
    assert [k.key for k in postgres.credentialKeys] == ["POSTGRES_PASSWORD"]
    cart = next(d for d in inv.in_namespace("Deployment", "web", Deployment) if d.name == "cart")
    env = {e.name: e for e in cart.spec.template.spec.containers[0].env}
    assert env["STRIPE_API_KEY"].hasValue and env["STRIPE_API_KEY"].credential
    assert env["REDIS_ADDR"].hasValue and env["REDIS_ADDR"].credential is None
    objects: list[K8sObject] = list(inv.all_objects())
    assert all("kubectl.kubernetes.io/last-applied-configuration" not in o.metadata.annotations for o in objects)


# --- the command line ---------------------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "K8SAUDIT_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "k8saudit", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_scan_demo_writes_three_reports(tmp_path: Path) -> None:
    """What `make demo` runs (`k8saudit scan --demo --output-dir k8saudit-report`)."""
    proc = run_cli("scan", "--demo", "--output-dir", "k8saudit-report", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "k8saudit-report"
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    report = json.loads((out / "report.json").read_text())
    assert report["schemaVersion"] == "1"
    assert report["cluster"]["context"] == "kind-demo"
    assert any(f["check"] == "pod.privileged" and f["status"] == "fail" for f in report["findings"])
    assert (out / "report.html").read_text().lstrip().startswith("<!DOCTYPE html>")
    assert "fluent-bit" in (out / "report.md").read_text()
    assert "kind-demo" in proc.stdout  # the terminal summary


def test_scan_demo_fail_on_and_conflicting_sources(tmp_path: Path) -> None:
    gated = run_cli("scan", "--demo", "--quiet", "--fail-on", "critical", "-f", "json", "-o", "r.json", cwd=tmp_path)
    assert gated.returncode == 1, gated.stderr
    both = run_cli("scan", "--demo", "--snapshot", str(DEMO), cwd=tmp_path)
    assert both.returncode == 2
    assert both.stderr.strip().count("\n") == 0 and "--demo" in both.stderr


def test_makefile_demo_uses_the_packaged_snapshot() -> None:
    makefile = (Path(__file__).parent.parent / "Makefile").read_text()
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "scan --demo" in recipe
