"""The scan's Prometheus side: `--pushgateway`, `--cluster-name`, `--metrics-per-namespace`.

`MetricsRequest.from_options` checks the three options (one InputError line each, before any
scan); `push_report` pushes a finished scan's metrics after its reports are written, and
`push_failure` what a failed scan pushes. The metrics themselves are `k8saudit.output.metrics`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from k8saudit.model.findings import Report
from k8saudit.output.metrics import MetricsOptions, failure_registry, registry
from k8saudit.runtime.errors import InputError

#: The longest `--cluster-name` (a DNS name's limit; it is a label value and part of a URL path).
MAX_CLUSTER_NAME = 253


@dataclass(frozen=True)
class MetricsRequest:
    """Where the metrics go and how they are labelled; all off by default."""

    #: The Pushgateway's base URL (`http://pushgateway:9091`), or None: no push.
    pushgateway: str | None = None
    #: The `cluster` label and the report's cluster name; None: the kubeconfig context.
    cluster_name: str | None = None
    per_namespace: bool = False

    @classmethod
    def from_options(
        cls, *, pushgateway: str | None, cluster_name: str | None, per_namespace: bool, prom_format: bool
    ) -> MetricsRequest:
        """The options checked: a usable URL, a printable name, and the per-namespace opt-in only
        where metrics are made."""
        if pushgateway is not None:
            from k8saudit.output.pushgateway import check_url

            check_url(pushgateway)
        if cluster_name is not None and not _printable_name(cluster_name):
            raise InputError(
                f"--cluster-name {cluster_name!r}: give 1 to {MAX_CLUSTER_NAME} printable characters, e.g. prod-eu-1"
            )
        if per_namespace and pushgateway is None and not prom_format:
            raise InputError("--metrics-per-namespace applies to the metrics: add --pushgateway URL or --format prom")
        return cls(pushgateway=pushgateway, cluster_name=cluster_name, per_namespace=per_namespace)

    def options(self, duration_seconds: float | None) -> MetricsOptions:
        return MetricsOptions(per_namespace=self.per_namespace, duration_seconds=duration_seconds)


def _printable_name(name: str) -> bool:
    return 0 < len(name) <= MAX_CLUSTER_NAME and name.isprintable() and name.strip() == name


def push_report(report: Report, request: MetricsRequest, duration_seconds: float) -> bool:
    """Push the finished scan's metrics (replacing its cluster's previous push); False, after one
    warning line, when the gateway did not take them. Nothing to do without --pushgateway."""
    if request.pushgateway is None:
        return False
    from k8saudit.output.pushgateway import push

    return push(request.pushgateway, report.cluster.label(), registry(report, request.options(duration_seconds)))


def push_failure(request: MetricsRequest, fallback_cluster: str) -> bool:
    """After a scan failed: push `k8saudit_last_run_success 0` and the time, keeping the last good
    scan's series. The cluster label is --cluster-name, else `fallback_cluster` (the --context
    given, or the source): a CronJob sets --cluster-name so that both pushes share one group."""
    if request.pushgateway is None:
        return False
    from k8saudit.output.pushgateway import push

    cluster = request.cluster_name or fallback_cluster
    return push(request.pushgateway, cluster, failure_registry(cluster, time.time()), replace=False)
