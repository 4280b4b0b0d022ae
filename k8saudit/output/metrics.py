"""A scan as Prometheus metrics, made with `prometheus_client` (not a hand-written exposition).

One report becomes one `CollectorRegistry` of gauges, every series labelled `cluster` (the
report's `ClusterInfo.label()`: `--cluster-name`, else the context). Three ways out use it: the
`prom` format (`metrics.prom`, for node-exporter's textfile collector: `write`), the push to a
Pushgateway at the end of a scan (`k8saudit.output.pushgateway`), and anything that calls
`registry` itself. The names are documented in the README ("Prometheus metrics"), with alert
rules and panels; tests/unit/output/test_metrics.py holds the list below to it.

Cardinality stays low by design: the labels are the cluster, a severity, a section, a check
id, a check or finding status, a grade; never a resource. The per-namespace series
(`k8saudit_namespace_failing_findings`) are an opt-in (`scan --metrics-per-namespace`): a
cluster has as many of them as namespaces with failures times severities.

The registry is made anew per call: no module-level registry, so two reports in one process
(tests, the Python API) never mix their series.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from k8saudit.model.findings import Report, Section, Severity, Status
from k8saudit.model.scoring import GRADES
from k8saudit.output.history import unix_time
from k8saudit.output.writer import Writer

if TYPE_CHECKING:  # prometheus_client is imported when metrics are made (~50 ms), not with the CLI
    from prometheus_client import CollectorRegistry, Gauge

#: The Pushgateway job every push uses (the grouping key adds `cluster`).
JOB = "k8saudit"
#: The grades a report can have, each a series of `k8saudit_grade` (1 for the report's, 0 for the others).
GRADE_STATES = (*(letter for _, letter in GRADES), "F", "n/a")


@dataclass(frozen=True)
class MetricsOptions:
    """What the metrics need beyond the report."""

    #: Add `k8saudit_namespace_failing_findings` (one series per namespace and severity with failures).
    per_namespace: bool = False
    #: The scan's wall time, when the caller timed it (a saved report does not record it).
    duration_seconds: float | None = None


#: Every metric: name, help text and labels besides `cluster` (the README lists the same).
METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "k8saudit_info": (
        "The scan: tool version, Kubernetes version, platform and source (always 1).",
        ("tool", "kubernetes_version", "platform", "source"),
    ),
    "k8saudit_score": ("Weighted posture score, 0-100 (absent when no check could be assessed).", ()),
    "k8saudit_grade": ("1 for the report's grade (A-F, n/a), 0 for the others.", ("grade",)),
    "k8saudit_section_score": (
        "Score of one NSA/CISA section, 0-100 (absent when none of its checks was assessed).",
        ("section",),
    ),
    "k8saudit_coverage_ratio": ("Share of the catalogue's checks that could be assessed, 0-1.", ()),
    "k8saudit_coverage_gaps": ("Inputs the scan could not read (forbidden, not served, failed).", ()),
    "k8saudit_checks": ("Checks by status (pass, fail, not-assessable, exempt).", ("status",)),
    "k8saudit_findings": (
        "Findings by status: fail, exempt, not-assessable (passes are counted per check).",
        ("status",),
    ),
    "k8saudit_failing_findings": ("Failing findings by severity.", ("severity",)),
    "k8saudit_section_failing_findings": ("Failing findings by NSA/CISA section.", ("section",)),
    "k8saudit_check_failing_findings": (
        "Failing findings of one check (every check of the catalogue, 0 included).",
        ("check", "severity", "section"),
    ),
    "k8saudit_new_failing_findings": (
        "Failing findings new since the previous scan, by severity (only when one is known: --baseline or history).",
        ("severity",),
    ),
    "k8saudit_namespace_failing_findings": (
        "Failing findings by namespace and severity (opt-in: --metrics-per-namespace; only non-zero series).",
        ("namespace", "severity"),
    ),
    "k8saudit_objects_read": ("Kubernetes objects the scan read.", ()),
    "k8saudit_scan_duration_seconds": (
        "Wall time of the scan: collect and checks (absent for a report rendered again).",
        (),
    ),
    "k8saudit_last_success_timestamp_seconds": ("When the last successful scan finished (Unix time).", ()),
    "k8saudit_last_run_timestamp_seconds": ("When the last scan ended, successful or not (Unix time).", ()),
    "k8saudit_last_run_success": ("1 when the last scan succeeded, 0 when it failed (pushed on failure).", ()),
}


class _Metrics:
    """The gauges of one registry, made on first use, each with `cluster` first among its labels."""

    def __init__(self, cluster: str) -> None:
        from prometheus_client import CollectorRegistry

        self.registry = CollectorRegistry(auto_describe=True)
        self.cluster = cluster
        self._gauges: dict[str, Gauge] = {}

    def set(self, name: str, value: float, **labels: str) -> None:
        gauge = self._gauges.get(name)
        if gauge is None:
            from prometheus_client import Gauge

            documentation, extra = METRICS[name]
            gauge = self._gauges[name] = Gauge(name, documentation, ("cluster", *extra), registry=self.registry)
        gauge.labels(cluster=self.cluster, **labels).set(value)


def registry(report: Report, options: MetricsOptions | None = None) -> CollectorRegistry:
    """The report's metrics (see `METRICS`), in a registry of their own."""
    options = options or MetricsOptions()
    m = _Metrics(report.cluster.label())
    _scan(m, report, options)
    _posture(m, report)
    _findings(m, report, options)
    return m.registry


def _scan(m: _Metrics, report: Report, options: MetricsOptions) -> None:
    cluster = report.cluster
    m.set(
        "k8saudit_info",
        1,
        tool=report.tool,
        kubernetes_version=cluster.version or "",
        platform=cluster.platform or "",
        source=cluster.source,
    )
    m.set("k8saudit_objects_read", sum(i.count for i in report.coverage.inputs))
    if options.duration_seconds is not None:
        m.set("k8saudit_scan_duration_seconds", round(options.duration_seconds, 3))
    finished = unix_time(report.generatedAt)
    m.set("k8saudit_last_success_timestamp_seconds", finished)
    m.set("k8saudit_last_run_timestamp_seconds", finished)
    m.set("k8saudit_last_run_success", 1)


def _posture(m: _Metrics, report: Report) -> None:
    if report.score is not None:
        m.set("k8saudit_score", report.score)
    for state in GRADE_STATES:
        m.set("k8saudit_grade", 1 if state == report.grade else 0, grade=state)
    for s in report.sections:
        if s.score is not None:
            m.set("k8saudit_section_score", s.score, section=s.section.value)
    m.set("k8saudit_coverage_ratio", report.coverage.ratio)
    m.set("k8saudit_coverage_gaps", len(report.coverage.gaps))
    checks = Counter(c.status for c in report.checks)
    for status in Status:
        m.set("k8saudit_checks", checks[status], status=status.value)


def _findings(m: _Metrics, report: Report, options: MetricsOptions) -> None:
    statuses: Counter[Status] = Counter()
    by_severity: Counter[Severity] = Counter()
    by_section: Counter[Section] = Counter()
    by_check: Counter[str] = Counter()
    by_namespace: Counter[tuple[str, Severity]] = Counter()
    for f in report.findings:
        statuses[f.status] += 1
        if f.status is not Status.FAIL:
            continue
        by_severity[f.severity] += 1
        by_section[f.section] += 1
        by_check[f.check] += 1
        if options.per_namespace and f.resource is not None and f.resource.namespace:
            by_namespace[f.resource.namespace, f.severity] += 1
    for status in (Status.FAIL, Status.EXEMPT, Status.NOT_ASSESSABLE):
        m.set("k8saudit_findings", statuses[status], status=status.value)
    for severity in Severity:
        m.set("k8saudit_failing_findings", by_severity[severity], severity=severity.value)
    for section in Section:
        m.set("k8saudit_section_failing_findings", by_section[section], section=section.value)
    for c in report.checks:
        m.set(
            "k8saudit_check_failing_findings",
            by_check[c.id],
            check=c.id,
            severity=c.severity.value,
            section=c.section.value,
        )
    for (namespace, severity), n in sorted(by_namespace.items()):
        m.set("k8saudit_namespace_failing_findings", n, namespace=namespace, severity=severity.value)
    new = new_by_severity(report)
    if new is not None:
        for severity in Severity:
            m.set("k8saudit_new_failing_findings", new[severity], severity=severity.value)


def new_by_severity(report: Report) -> Counter[Severity] | None:
    """Failing findings new since the previous scan, by severity: from `--baseline` when given,
    else from the history's previous run; None when no previous scan is known."""
    if report.sinceLastScan is not None:
        return Counter(c.severity for c in report.sinceLastScan.new)
    if report.history is not None and len(report.history.runs) > 1:
        since = report.history.failingSince  # a failing finding not in it was not failing the scan before
        return Counter(f.severity for f in report.findings if f.status is Status.FAIL and f.key() not in since)
    return None


def failure_registry(cluster: str, when: float) -> CollectorRegistry:
    """What a failed scan pushes: the run's time and `k8saudit_last_run_success 0`. Pushed with
    POST (`pushadd`), so the last good scan's score and `k8saudit_last_success_timestamp_seconds`
    stay on the gateway: alerts see both the failure and how old the last good result is."""
    m = _Metrics(cluster)
    m.set("k8saudit_last_run_timestamp_seconds", when)
    m.set("k8saudit_last_run_success", 0)
    return m.registry


def exposition(report: Report, options: MetricsOptions | None = None) -> bytes:
    """The metrics in Prometheus' text format (0.0.4), as node-exporter's textfile collector reads
    them: no timestamps, one HELP and TYPE per metric."""
    from prometheus_client import generate_latest

    return generate_latest(registry(report, options))


def write(report: Report, handle: BinaryIO) -> None:
    """The `prom` format: the report's metrics with the default options."""
    handle.write(exposition(report))


WRITER = Writer(write=write, text=lambda report: exposition(report).decode())
