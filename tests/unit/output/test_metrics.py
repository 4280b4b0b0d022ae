"""The Prometheus metrics of a report (`k8saudit.output.metrics`): the documented names, low
cardinality, the per-namespace opt-in, a report with no score, the `prom` format written by
`scan` and `report`, and the options `scan` refuses before scanning.

The real Pushgateway, node-exporter and Prometheus are in tests/metrics/.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from k8saudit.cli.scan_request import ScanRequest
from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report, Status
from k8saudit.output.metrics import METRICS, MetricsOptions, exposition, new_by_severity
from k8saudit.runtime import reportdir
from k8saudit.runtime.errors import InputError
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.integration.runcli import invoke

README = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def samples(text: bytes | str) -> list[tuple[str, dict[str, str], float]]:
    data = text.decode() if isinstance(text, bytes) else text
    return [(s.name, s.labels, s.value) for f in text_string_to_metric_families(data) for s in f.samples]


def test_the_readme_documents_every_metric_with_its_labels() -> None:
    documented = dict(re.findall(r"^\| `(k8saudit_[a-z_]+)` \| ([^|]*) \|", README, re.M))
    assert set(documented) == set(METRICS)
    for name, (_, labels) in METRICS.items():
        shown = set(re.findall(r"`([a-z_]+)`", documented[name]))
        assert shown == {"cluster", *labels}, name


def test_every_series_is_labelled_by_cluster_and_never_by_a_resource() -> None:
    report = demo()
    found = samples(exposition(report))
    assert {name for name, _, _ in found} == set(METRICS) - {
        "k8saudit_new_failing_findings",  # no previous scan known
        "k8saudit_namespace_failing_findings",  # opt-in
        "k8saudit_scan_duration_seconds",  # a saved report does not know it
    }
    resource_names = {f.resource.name for f in report.findings if f.resource is not None}
    for name, labels, _ in found:
        assert labels["cluster"] == "kind-demo"
        assert set(labels) == {"cluster", *METRICS[name][1]}, name
        assert not resource_names & set(labels.values()), (name, labels)
    # bounded by the catalogue, not by the cluster: ~5 series per check at most
    assert len(found) < 5 * len(report.checks)


def test_per_namespace_series_are_an_opt_in() -> None:
    report = demo()
    plain = samples(exposition(report))
    opted = samples(exposition(report, MetricsOptions(per_namespace=True)))
    extra = [s for s in opted if s not in plain]
    assert extra and {name for name, _, _ in extra} == {"k8saudit_namespace_failing_findings"}
    assert sum(v for _, _, v in extra) == sum(
        1 for f in report.failing() if f.resource is not None and f.resource.namespace
    )
    assert all(v > 0 for _, _, v in extra)  # only namespaces with failures: absent means none


def test_a_report_without_a_score_has_no_score_series_and_grade_n_a() -> None:
    report = demo().model_copy(update={"score": None, "grade": "n/a"})
    found = samples(exposition(report))
    assert "k8saudit_score" not in {name for name, _, _ in found}
    grades = {labels["grade"]: v for name, labels, v in found if name == "k8saudit_grade"}
    assert grades == {"A": 0, "B": 0, "C": 0, "D": 0, "F": 0, "n/a": 1}


def test_the_cluster_label_is_the_cluster_name_when_given() -> None:
    report = demo().model_copy(deep=True)
    report.cluster.name = "prod-eu-1"
    assert {labels["cluster"] for _, labels, _ in samples(exposition(report))} == {"prod-eu-1"}
    assert report.model_dump()["cluster"]["name"] == "prod-eu-1"
    assert "name" not in demo().model_dump()["cluster"]  # left out while unset: older reports unchanged


def test_new_failing_findings_come_from_the_baseline() -> None:
    from k8saudit.output.diff import compare

    report = demo().model_copy(deep=True)
    assert new_by_severity(report) is None
    old = report.model_copy(update={"findings": [f for f in report.findings if f.check != "pod.privileged"]})
    report.sinceLastScan = compare(old, report, full=False)
    new = {
        labels["severity"]: v for n, labels, v in samples(exposition(report)) if n == "k8saudit_new_failing_findings"
    }
    privileged = [f for f in report.failing() if f.check == "pod.privileged"]
    assert new["critical"] == len(privileged) > 0 and sum(new.values()) == len(privileged)


def test_scan_writes_metrics_prom_with_its_duration_and_report_from_a_saved_json(tmp_path: Path) -> None:
    result = invoke("scan", "--demo", "-q", "-f", "prom", "-f", "json", "-d", tmp_path, "--cluster-name", "c1")
    assert result.exit_code == 0, (result.output, result.exception)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.prom", "report.json"]
    written = samples((tmp_path / "metrics.prom").read_text())
    duration = [v for n, _, v in written if n == "k8saudit_scan_duration_seconds"]
    assert len(duration) == 1 and duration[0] > 0
    again = invoke("report", tmp_path / "report.json", "-f", "prom", "-o", "-")
    assert again.exit_code == 0, again.output
    from_json = samples(again.stdout)
    assert [s for s in written if s[0] != "k8saudit_scan_duration_seconds"] == from_json


def test_a_run_folder_with_metrics_prom_is_k8saudits_own_and_pruned(tmp_path: Path) -> None:
    for _ in range(3):
        reportdir.write_run(tmp_path, {"report.json": b"{}", "metrics.prom": b"# x\n"}, keep=2)
    runs = reportdir.runs(tmp_path)
    assert len(runs) == 2
    assert all(sorted(p.name for p in run.iterdir()) == ["metrics.prom", "report.json"] for run in runs)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pushgateway": "ftp://gw:9091"}, "--pushgateway 'ftp://gw:9091': give an http:// or https:// URL"),
        ({"pushgateway": "gw:9091"}, "--pushgateway 'gw:9091': give an http:// or https:// URL"),
        ({"pushgateway": "http://gw:port"}, "--pushgateway 'http://gw:port': not a URL"),
        ({"pushgateway": "http://gw:9091/?a=b"}, "--pushgateway 'http://gw:9091/?a=b': no query or fragment"),
        ({"pushgateway": "https://u:p@gw"}, "--pushgateway: no credentials in the URL"),
        ({"cluster_name": ""}, "--cluster-name '': give 1 to 253 printable characters"),
        ({"cluster_name": "a\x1b[2Jb"}, "--cluster-name 'a\\x1b[2Jb': give 1 to 253 printable characters"),
        ({"cluster_name": " prod"}, "--cluster-name ' prod': give 1 to 253 printable characters"),
        (
            {"metrics_per_namespace": True},
            "--metrics-per-namespace applies to the metrics: add --pushgateway URL or --format prom",
        ),
    ],
)
def test_metrics_options_are_checked_before_the_scan(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as raised:
        ScanRequest.from_options(demo=True, **options)
    assert str(raised.value).startswith(message), str(raised.value)


def test_valid_metrics_options_are_kept() -> None:
    request = ScanRequest.from_options(
        demo=True, pushgateway="http://gw.monitoring.svc:9091", cluster_name="prod", metrics_per_namespace=True
    )
    assert (request.metrics.pushgateway, request.metrics.cluster_name, request.metrics.per_namespace) == (
        "http://gw.monitoring.svc:9091",
        "prod",
        True,
    )
    assert ScanRequest.from_options(demo=True, formats=["prom"], metrics_per_namespace=True).metrics.per_namespace


def test_no_status_is_left_out_of_the_check_counts() -> None:
    found = samples(exposition(demo()))
    checks = {labels["status"]: v for n, labels, v in found if n == "k8saudit_checks"}
    assert set(checks) == {s.value for s in Status} and sum(checks.values()) == len(demo().checks)
