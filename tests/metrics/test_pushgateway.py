"""`scan --pushgateway` against a real Prometheus Pushgateway (Debian's `prometheus-pushgateway`),
started on loopback for this module: push, then scrape the gateway's `/metrics` as Prometheus
would and check every series and every label against the report the scan wrote.

Also: each cluster is its own group and a new push replaces only its cluster's (no stale series);
a failed scan pushes `k8saudit_last_run_success 0` and leaves the last good score; an unreachable,
refusing or silent gateway is one warning line, the reports are written and the exit code is the
scan's. A real `prometheus` scraping the gateway answers the score and the README's alert
expressions (tests/metrics/test_prometheus.py).
"""

from __future__ import annotations

import base64
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report, Section, Severity, Status
from k8saudit.output import pushgateway as pushgateway_module
from k8saudit.output.diff import load_report
from k8saudit.output.metrics import GRADE_STATES, METRICS, MetricsOptions, registry
from k8saudit.output.pushgateway import push
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.integration.runcli import run_cli
from tests.metrics import servers

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    with servers.pushgateway(tmp_path_factory.mktemp("pushgateway")) as server:
        yield server


def scrape(gateway: servers.Server, cluster: str) -> Series:
    """The gateway's series of job k8saudit and `cluster`, as Prometheus scrapes them."""
    text = servers.get(gateway.url + "/metrics").decode()
    found: Series = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("job") == "k8saudit" and sample.labels.get("cluster") == cluster:
                found[sample.name, frozenset(sample.labels.items())] = sample.value
    return found


def value(series: Series, name: str, **labels: str) -> float | None:
    for (found, labelset), v in series.items():
        if found == name and all((k, want) in labelset for k, want in labels.items()):
            return v
    return None


def names(series: Series) -> set[str]:
    return {name for name, _ in series}


def scan(tmp_path: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "out"
    result = run_cli("scan", "--demo", "-q", "-f", "json", "-d", out, *args, cwd=tmp_path)
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {}
    return result, report


def test_a_scan_pushes_every_series_and_label_to_a_real_pushgateway(gateway: servers.Server, tmp_path: Path) -> None:
    result, report = scan(tmp_path, "--pushgateway", gateway.url, "--cluster-name", "demo-eu")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    series = scrape(gateway, "demo-eu")
    # the gateway's own bookkeeping of the group: pushed once, never failed
    assert (value(series, "push_time_seconds") or 0) > 0
    assert value(series, "push_failure_time_seconds") == 0
    series = {k: v for k, v in series.items() if not k[0].startswith("push_")}
    # every label set: job and the grouping key from the gateway, `cluster`, and only the metric's own
    for (name, labelset), _ in series.items():
        labels = dict(labelset)
        assert labels.pop("job") == "k8saudit" and labels.pop("cluster") == "demo-eu"
        assert labels.pop("instance", "") == ""  # the gateway's empty instance label, never a pod's
        assert set(labels) == set(METRICS[name][1]), (name, labels)
    # every metric the report gives is there (no baseline: no "new"; no opt-in: no namespaces)
    assert names(series) == set(METRICS) - {"k8saudit_new_failing_findings", "k8saudit_namespace_failing_findings"}
    # and each value is the report's
    assert value(series, "k8saudit_score") == report["score"]
    assert value(series, "k8saudit_coverage_ratio") == report["coverage"]["ratio"]
    assert value(series, "k8saudit_coverage_gaps") == len(report["coverage"]["gaps"])
    assert value(series, "k8saudit_last_run_success") == 1
    assert value(series, "k8saudit_objects_read") == sum(i["count"] for i in report["coverage"]["inputs"])
    duration = value(series, "k8saudit_scan_duration_seconds")
    assert duration is not None and 0 < duration < 120
    generated = load_report(tmp_path / "out" / "report.json").generatedAt
    from k8saudit.output.metrics import unix_time

    assert value(series, "k8saudit_last_success_timestamp_seconds") == unix_time(generated)
    info = [dict(ls) for n, ls in series if n == "k8saudit_info"]
    assert len(info) == 1 and info[0]["tool"] == report["tool"] and info[0]["source"] == "snapshot"
    assert info[0]["kubernetes_version"] == report["cluster"]["version"]
    for state in GRADE_STATES:
        assert value(series, "k8saudit_grade", grade=state) == (1 if state == report["grade"] else 0)
    for severity in Severity:
        assert value(series, "k8saudit_failing_findings", severity=severity.value) == report["counts"].get(
            severity.value, 0
        )
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    for section in Section:
        in_section = sum(1 for f in failing if f["section"] == section.value)
        assert value(series, "k8saudit_section_failing_findings", section=section.value) == in_section
    for s in report["sections"]:
        assert value(series, "k8saudit_section_score", section=s["section"]) == s["score"]
    for status in Status:
        checks = sum(1 for c in report["checks"] if c["status"] == status.value)
        assert value(series, "k8saudit_checks", status=status.value) == checks
    for status in ("fail", "exempt", "not-assessable"):
        findings = sum(1 for f in report["findings"] if f["status"] == status)
        assert value(series, "k8saudit_findings", status=status) == findings
    per_check = {dict(ls)["check"]: v for (n, ls), v in series.items() if n == "k8saudit_check_failing_findings"}
    assert per_check == {c["id"]: sum(1 for f in failing if f["check"] == c["id"]) for c in report["checks"]}
    for c in report["checks"]:
        assert value(series, "k8saudit_check_failing_findings", check=c["id"], severity=c["severity"]) is not None


def test_each_cluster_is_its_own_group_and_a_new_push_replaces_only_its_own(gateway: servers.Server) -> None:
    report = demo()
    assert push(gateway.url, "ns-a", registry(report, MetricsOptions(per_namespace=True)))
    assert push(gateway.url, "ns-b", registry(report, MetricsOptions(per_namespace=True)))
    before = scrape(gateway, "ns-a")
    per_namespace = {
        (labels["namespace"], labels["severity"]): before[n]
        for n, labels in ((k, dict(k[1])) for k in before)
        if n[0] == "k8saudit_namespace_failing_findings"
    }
    expected: dict[tuple[str, str], float] = {}
    for f in report.failing():
        if f.resource is not None and f.resource.namespace:
            key = (f.resource.namespace, f.severity.value)
            expected[key] = expected.get(key, 0) + 1
    assert per_namespace == expected and len({ns for ns, _ in expected}) > 3
    assert push(gateway.url, "ns-a", registry(report))  # no opt-in now
    after = scrape(gateway, "ns-a")
    assert "k8saudit_namespace_failing_findings" not in names(after)  # replaced whole: no stale series
    assert "k8saudit_namespace_failing_findings" in names(scrape(gateway, "ns-b"))  # the other group untouched


def test_a_failed_scan_pushes_its_failure_and_keeps_the_last_good_score(
    gateway: servers.Server, tmp_path: Path
) -> None:
    assert push(gateway.url, "flaky", registry(demo()))  # the last good scan
    last_good = scrape(gateway, "flaky")
    bad = run_cli(
        "scan",
        "--snapshot",
        tmp_path / "missing.json",
        "-q",
        "--pushgateway",
        gateway.url,
        "--cluster-name",
        "flaky",
        cwd=tmp_path,
    )
    assert bad.returncode == 2, bad.stderr  # the scan's own exit code: the push changes nothing
    assert bad.stderr.startswith("k8saudit: error: ") and "missing.json" in bad.stderr
    after = scrape(gateway, "flaky")
    assert value(after, "k8saudit_last_run_success") == 0
    assert value(after, "k8saudit_score") == demo().score
    assert value(after, "k8saudit_last_success_timestamp_seconds") == value(
        last_good, "k8saudit_last_success_timestamp_seconds"
    )
    last_run = value(after, "k8saudit_last_run_timestamp_seconds")
    good_run = value(last_good, "k8saudit_last_run_timestamp_seconds")
    assert last_run is not None and good_run is not None and last_run >= good_run


def test_an_unreachable_gateway_is_one_warning_the_reports_written_and_the_exit_code_the_scans(
    tmp_path: Path,
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result, report = scan(tmp_path, "--pushgateway", f"http://127.0.0.1:{port}", "--fail-on", "critical")
    assert result.returncode == 1  # the demo has critical findings: --fail-on decides, not the push
    assert report["score"] is not None
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"k8saudit: warning: could not push metrics to the Pushgateway at http://127.0.0.1:{port}: ")
    assert "the reports are written and the exit code is unchanged" in line


def test_a_gateway_that_refuses_the_push_is_a_warning_too(
    gateway: servers.Server, caplog: pytest.LogCaptureFixture
) -> None:
    url = gateway.url + "/not-the-api"
    assert push(url, "refused", registry(demo())) is False
    (line,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert line.startswith(f"could not push metrics to the Pushgateway at {url}: ") and "404" in line, line
    assert scrape(gateway, "refused") == {}


def test_a_gateway_that_never_answers_is_given_up_after_the_timeout(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(pushgateway_module, "TIMEOUT_SECONDS", 0.5)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the connection waits in the backlog: nothing ever answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        assert push(url, "silent", registry(demo())) is False
        assert time.monotonic() - started < 5
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning.startswith(f"could not push metrics to the Pushgateway at {url}: no answer within 0.5 s"), warning


def test_credentials_come_from_the_environment_never_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str, str | None]] = []

    class Gateway(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.command, self.path, self.headers.get("Authorization")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("K8SAUDIT_PUSHGATEWAY_USERNAME", "scanner")
        monkeypatch.setenv("K8SAUDIT_PUSHGATEWAY_PASSWORD", "pw")
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert push(url, "authed", registry(demo()))
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [
        ("PUT", "/metrics/job/k8saudit/cluster/authed", "Basic " + base64.b64encode(b"scanner:pw").decode())
    ]
    refused = run_cli("scan", "--demo", "--pushgateway", "http://scanner:pw@127.0.0.1:9", cwd=tmp_path)
    assert refused.returncode == 2 and "pw" not in refused.stderr
    assert refused.stderr.strip() == (
        "k8saudit: error: --pushgateway: no credentials in the URL (it is printed in logs); "
        "set K8SAUDIT_PUSHGATEWAY_USERNAME and K8SAUDIT_PUSHGATEWAY_PASSWORD"
    )
