"""The real CLI against the fake API server: `scan` and `collect` over TLS with a kubeconfig.

Report contents are read in-process (CliRunner, faster); exit codes and the one-line error
promise are checked on the installed `k8saudit` in a subprocess, which is what a user runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from k8saudit.checks.registry import all_checks
from tests.integration.cluster import CANARIES, DEFAULT_PODS, DEFAULT_WORKLOADS, bulk_deployment
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI, TLSFiles, make_ca_and_server_cert
from tests.integration.runcli import clean_env, closed_port, invoke, run_cli, scan_json

NETWORKPOLICIES = "/apis/networking.k8s.io/v1/networkpolicies"


def failing(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == check and f["status"] == "fail"]


def about(findings: list[dict[str, Any]], kind: str, namespace: str, name: str) -> list[dict[str, Any]]:
    return [
        f
        for f in findings
        if f["resource"]
        and (f["resource"]["kind"], f["resource"]["namespace"], f["resource"]["name"]) == (kind, namespace, name)
    ]


def assert_one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("k8saudit: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# --- findings ------------------------------------------------------------------------------


def test_live_scan_reports_workloads_not_pods(kubeconfig: Path, fake: FakeCluster) -> None:
    report = scan_json(kubeconfig)

    cluster = report["cluster"]
    assert (cluster["source"], cluster["context"], cluster["server"]) == ("live", "fake", fake.url)
    assert (cluster["version"], cluster["platform"]) == ("v1.31.4", "kind")
    assert (cluster["pods"], cluster["workloads"]) == (DEFAULT_PODS, DEFAULT_WORKLOADS)

    privileged = [f for f in report["findings"] if f["check"] == "pod.privileged" and f["status"] in ("fail", "exempt")]
    agent = about(privileged, "DaemonSet", "monitoring", "security-agent")
    assert len(agent) == 1 and agent[0]["status"] == "fail" and agent[0]["container"] == "agent"
    assert len(about(privileged, "DaemonSet", "kube-system", "kube-proxy")) == 1  # failing, or exempt as a system pod
    assert not [f for f in report["findings"] if f["resource"] and f["resource"]["kind"] in ("ReplicaSet",)]
    assert not [
        f
        for f in report["findings"]
        if f["resource"]
        and f["resource"]["kind"] == "Pod"
        and f["resource"]["name"] != "debug"
        and f["resource"]["namespace"] != "kube-system"  # static control-plane pods have no controller
    ]
    # the Deployment is reported once, not once per pod or per ReplicaSet
    root = failing(report, "pod.run-as-non-root")
    assert len(about(root, "Deployment", "prod", "api")) == 1
    assert not about(root, "Deployment", "prod", "web")  # runAsNonRoot and runAsUser 10001


def test_json_on_stdout_from_the_installed_command(kubeconfig: Path, tmp_path: Path) -> None:
    result = run_cli("scan", "--kubeconfig", kubeconfig, "--format", "json", "--output", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # nothing but the report on stdout
    assert report["cluster"]["source"] == "live" and report["findings"]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "k8saudit-report").exists()


def test_a_forbidden_kind_is_a_coverage_gap_not_an_abort(
    kubeconfig: Path, fake_api: FakeKubeAPI, tmp_path: Path
) -> None:
    fake_api.forbid(NETWORKPOLICIES)
    out = tmp_path / "reports"

    result = invoke("scan", "--kubeconfig", kubeconfig, "--output-dir", out, "--quiet")

    assert result.exit_code == 0, (result.stderr, result.exception)
    assert {p.name for p in out.iterdir()} >= {"report.html", "report.md", "report.json"}
    report = json.loads((out / "report.json").read_text())
    readers = [c.id for c in all_checks() if "NetworkPolicy" in c.reads]
    for summary in report["checks"]:
        if summary["id"] in readers:
            assert summary["status"] == "not-assessable", summary
            assert "forbidden" in summary["reason"], summary
    if readers:
        assert "forbidden" in report["coverage"]["gaps"]["NetworkPolicy"]
    assert failing(report, "pod.privileged")  # everything else was still assessed

    snapshot = tmp_path / "snap.json"
    collected = invoke("collect", "--kubeconfig", kubeconfig, "-o", snapshot)
    assert collected.exit_code == 0, (collected.stderr, collected.exception)
    assert "could not read NetworkPolicy" in collected.stderr
    facts = json.loads(snapshot.read_text())["items"][0]
    assert facts["kind"] == "ClusterFacts"
    gap = facts["spec"]["kinds"]["NetworkPolicy"]
    assert gap["status"] == "forbidden" and "forbidden" in gap["reason"]


def test_1200_pods_through_the_cli(kubeconfig: Path, fake_api: FakeKubeAPI) -> None:
    fake_api.add(*bulk_deployment("load", "bulk", 1200))

    report = scan_json(kubeconfig)

    assert report["cluster"]["pods"] == DEFAULT_PODS + 1200
    assert report["cluster"]["workloads"] == DEFAULT_WORKLOADS + 1
    pages = fake_api.requests_to("/api/v1/pods")
    assert [(p.params.get("limit"), "continue" in p.params) for p in pages] == [
        ("500", False),
        ("500", True),
        ("500", True),
    ]
    fake_api.seen.clear()
    scan_json(kubeconfig, "--page-size", "1000")
    assert len(fake_api.requests_to("/api/v1/pods")) == 2


# --- snapshot ------------------------------------------------------------------------------


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    cluster = {k: v for k, v in report["cluster"].items() if k not in ("source", "collectedAt")}
    return {
        "cluster": cluster,
        **{k: report[k] for k in ("score", "grade", "coverage", "sections", "checks", "findings", "counts")},
    }


def test_collect_then_scan_the_snapshot_gives_the_live_findings(kubeconfig: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "snap.json"
    collected = invoke("collect", "--kubeconfig", kubeconfig, "-o", snapshot)
    assert collected.exit_code == 0, (collected.stderr, collected.exception)

    offline = invoke("scan", "--snapshot", snapshot, "--format", "json", "--output", "-")
    assert offline.exit_code == 0, (offline.stderr, offline.exception)
    live = scan_json(kubeconfig)

    offline_report = json.loads(offline.stdout)
    assert offline_report["cluster"]["source"] == "snapshot"
    assert comparable(offline_report) == comparable(live)


def test_no_planted_value_reaches_a_snapshot_or_a_report(kubeconfig: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "snap.json"
    assert invoke("collect", "--kubeconfig", kubeconfig, "-o", snapshot).exit_code == 0
    out = tmp_path / "reports"
    assert invoke("scan", "--kubeconfig", kubeconfig, "--output-dir", out, "--quiet").exit_code == 0

    text = snapshot.read_text()
    assert '"DB_PASSWORD"' in text and '"DATABASE_URL"' in text  # the names are kept, to be judged
    for path in [snapshot, *out.iterdir()]:
        content = path.read_text()
        for canary in CANARIES:
            assert canary not in content, (path.name, canary)


# --- errors --------------------------------------------------------------------------------


def test_a_wrong_token_exits_3_with_one_line(fake: FakeCluster, tmp_path: Path) -> None:
    kubeconfig = fake.write_kubeconfig(tmp_path / "kubeconfig", token="not-the-token")
    result = run_cli("scan", "--kubeconfig", kubeconfig, "--output-dir", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    line = assert_one_error_line(result.stderr)
    assert "rejected our credentials for context fake" in line
    assert "not-the-token" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unreachable_server_exits_3_with_one_line(fake: FakeCluster, tmp_path: Path) -> None:
    server = f"https://127.0.0.1:{closed_port()}"
    kubeconfig = fake.write_kubeconfig(tmp_path / "kubeconfig", server=server)
    result = run_cli("collect", "--kubeconfig", kubeconfig, "-o", tmp_path / "snap.json", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    line = assert_one_error_line(result.stderr)
    assert server in line and "connection refused" in line
    assert not (tmp_path / "snap.json").exists()


def test_a_certificate_from_another_ca_exits_3_naming_the_server(
    fake: FakeCluster, tls: TLSFiles, tmp_path: Path
) -> None:
    other = make_ca_and_server_cert(tmp_path / "other", name="other")
    kubeconfig = fake.write_kubeconfig(tmp_path / "kubeconfig", ca=other.ca)
    result = run_cli("scan", "--kubeconfig", kubeconfig, "--output", "-", "--format", "json", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    line = assert_one_error_line(result.stderr)
    assert fake.url in line and "certificate" in line.lower()
    assert result.stdout == ""


def test_kubeconfig_problems_are_input_errors(kubeconfig: Path, tmp_path: Path) -> None:
    unknown = run_cli("scan", "--kubeconfig", kubeconfig, "--context", "nope", cwd=tmp_path)
    assert unknown.returncode == 2, unknown.stderr
    line = assert_one_error_line(unknown.stderr)
    assert "'nope'" in line and "fake" in line  # names the contexts there are

    missing = run_cli("scan", "--kubeconfig", tmp_path / "absent.yaml", cwd=tmp_path)
    assert missing.returncode == 2, missing.stderr
    assert "absent.yaml" in assert_one_error_line(missing.stderr)

    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("just a string\n")
    broken = run_cli("scan", "--kubeconfig", garbage, cwd=tmp_path)
    assert broken.returncode == 2, broken.stderr
    assert "garbage.yaml" in assert_one_error_line(broken.stderr)


def test_kubeconfig_from_the_environment(kubeconfig: Path, fake: FakeCluster) -> None:
    result = invoke("scan", "--format", "json", "--output", "-", env={"KUBECONFIG": str(kubeconfig)})
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert json.loads(result.stdout)["cluster"]["server"] == fake.url


def test_inside_a_pod_without_kubeconfig_it_uses_the_service_account(tmp_path: Path) -> None:
    env = clean_env(HOME=str(tmp_path), KUBERNETES_SERVICE_HOST="127.0.0.1", KUBERNETES_SERVICE_PORT=str(closed_port()))
    result = run_cli("scan", "--output", "-", "--format", "json", cwd=tmp_path, env=env)
    # No service account token here (exit 2); inside a real pod it would then try the API (exit 3).
    assert result.returncode in (2, 3), result.stderr
    assert "in-cluster" in assert_one_error_line(result.stderr)

    no_config = run_cli("scan", cwd=tmp_path, env=clean_env(HOME=str(tmp_path)))
    assert no_config.returncode == 2
    assert "no kubeconfig found" in assert_one_error_line(no_config.stderr)
