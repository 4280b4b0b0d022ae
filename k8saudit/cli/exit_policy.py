"""The scan's exit code: 0, or 1 when the findings fail the run (`--fail-on`, `--fail-on-new`).

Errors have their own codes (2 input, 3 cluster, 4 internal), raised where they happen; this
only judges a scan that finished.
"""

from __future__ import annotations

from k8saudit.cli.scan_request import ScanRequest
from k8saudit.cli.scan_run import ScanOutcome
from k8saudit.model.findings import Status
from k8saudit.output.diff import new_at_or_above
from k8saudit.runtime.errors import EXIT_FINDINGS, EXIT_OK


def exit_code(outcome: ScanOutcome, request: ScanRequest) -> int:
    """With --fail-on-new (and so a baseline), 1 when a finding new since the baseline is at or
    above --fail-on (any new one without it); otherwise 1 when any failing finding is at or above
    --fail-on; else 0."""
    report = outcome.report
    if request.fail_on_new and report.sinceLastScan is not None:
        new = new_at_or_above(report.sinceLastScan, request.fail_on)
        return EXIT_FINDINGS if new else EXIT_OK
    if request.fail_on is None:
        return EXIT_OK
    threshold = request.fail_on.rank
    failing = any(f.status is Status.FAIL and f.severity.rank >= threshold for f in report.findings)
    return EXIT_FINDINGS if failing else EXIT_OK
