"""The metrics as Prometheus itself takes them: node-exporter's textfile collector reads a scan's
`metrics.prom`, and a real `prometheus` scraping a real Pushgateway answers PromQL for the score
and evaluates every alert rule the README shows (Debian's packages, started on loopback).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report
from k8saudit.output.metrics import registry
from k8saudit.output.pushgateway import push
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.integration.runcli import run_cli
from tests.metrics import servers

README = Path(__file__).resolve().parent.parent.parent / "README.md"


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def readme_alert_rules() -> list[dict[str, Any]]:
    """The alerting rules of the README's Prometheus rule file (the YAML block with `groups:`)."""
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (rules,) = [yaml.safe_load(b) for b in blocks if b.startswith("groups:")]
    found: list[dict[str, Any]] = [r for group in rules["groups"] for r in group["rules"]]
    return found


def test_node_exporters_textfile_collector_reads_metrics_prom(tmp_path: Path) -> None:
    out = tmp_path / "textfile"
    result = run_cli(
        "scan", "--demo", "-q", "-f", "prom", "-f", "json", "-d", out, "--cluster-name", "tf", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["metrics.prom", "report.json"]
    with servers.node_exporter(out, tmp_path / "node-exporter") as exporter:
        text = servers.get(exporter.url + "/metrics").decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("node_textfile_scrape_error", ())] == 0  # the collector took the file
    ours = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families((out / "metrics.prom").read_text())
        for s in family.samples
    }
    assert len(ours) > 100
    assert {k: samples.get(k) for k in ours} == ours  # every series of the file, as written


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    """A Prometheus scraping a Pushgateway every second, after the demo was pushed as `promql`."""
    with servers.pushgateway(tmp_path_factory.mktemp("gateway")) as gateway:
        assert push(gateway.url, "promql", registry(demo()))
        target = gateway.url.removeprefix("http://")
        with servers.prometheus(tmp_path_factory.mktemp("prometheus"), target) as server:
            yield server


def wait_for(server: servers.Server, promql: str, seconds: float = 60.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while True:
        result = servers.query(server, promql)
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def test_prometheus_scrapes_the_gateway_and_answers_the_score(prometheus: servers.Server) -> None:
    (sample,) = wait_for(prometheus, 'k8saudit_score{cluster="promql"}')
    # honor_labels keeps the pushed job and cluster (the gateway's empty `instance` is no label in Prometheus)
    assert sample["metric"] == {"__name__": "k8saudit_score", "cluster": "promql", "job": "k8saudit"}
    assert float(sample["value"][1]) == demo().score
    (critical,) = servers.query(prometheus, 'k8saudit_failing_findings{cluster="promql",severity="critical"}')
    assert float(critical["value"][1]) == demo().counts["critical"]


def test_the_readmes_alert_rules_are_valid_promql_over_these_metrics(prometheus: servers.Server) -> None:
    wait_for(prometheus, 'k8saudit_score{cluster="promql"}')
    rules = readme_alert_rules()
    assert {r["alert"] for r in rules} >= {
        "K8sauditScoreDropped",
        "K8sauditNewCriticalFinding",
        "K8sauditScanFailed",
        "K8sauditScanStale",
    }
    for rule in rules:
        servers.query(prometheus, rule["expr"])  # a syntax error or an unknown function is HTTP 400
        assert "k8saudit_" in rule["expr"], rule
    # what they say of this fresh, successful scan: none fires
    for rule in rules:
        if rule["alert"] in ("K8sauditScanFailed", "K8sauditScanStale", "K8sauditScoreDropped"):
            assert servers.query(prometheus, rule["expr"]) == [], rule["alert"]
