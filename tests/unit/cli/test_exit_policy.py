"""`exit_code(outcome, request)`: a finished scan exits 0 or 1 by --fail-on and --fail-on-new.

Reports are made from small manifests by the real engine, their findings then narrowed to the
severities a case needs; no cluster, nothing written.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

from k8saudit.cli.exit_policy import exit_code
from k8saudit.cli.scan_request import ScanRequest
from k8saudit.cli.scan_run import ScanOutcome
from k8saudit.cli.source import Source
from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report, Severity, Status
from k8saudit.output.diff import compare
from k8saudit.runtime.errors import EXIT_FINDINGS, EXIT_OK
from tests.unit.support.workload_helpers import ctr, hardened, inventory, workload


@cache
def _scanned() -> Report:
    privileged = workload("db", ctr(securityContext={"privileged": True}))
    return run_checks(inventory([privileged, hardened("web")]))


def report(*severities: Severity, status: Status = Status.FAIL) -> Report:
    """The scanned report with only its findings of `status` at these severities."""
    kept = [f for f in _scanned().findings if f.status is status and f.severity in severities]
    assert {f.severity for f in kept} == set(severities), "the manifests give a finding at each severity asked"
    return _scanned().model_copy(update={"findings": kept})


def request(fail_on: Severity | None = None, *, fail_on_new: bool = False) -> ScanRequest:
    baseline = Path("old.json") if fail_on_new else None
    return ScanRequest(
        source=Source(), formats=(), output_dir=Path("out"), fail_on=fail_on, fail_on_new=fail_on_new, baseline=baseline
    )


def code(rep: Report, req: ScanRequest) -> int:
    return exit_code(ScanOutcome(report=rep, written=[]), req)


def test_without_fail_on_every_scan_exits_0() -> None:
    assert code(report(Severity.CRITICAL, Severity.HIGH), request()) == EXIT_OK


def test_fail_on_counts_failing_findings_at_or_above_it() -> None:
    assert code(report(Severity.CRITICAL), request(Severity.CRITICAL)) == EXIT_FINDINGS
    assert code(report(Severity.CRITICAL), request(Severity.LOW)) == EXIT_FINDINGS
    assert code(report(Severity.HIGH), request(Severity.HIGH)) == EXIT_FINDINGS
    assert code(report(Severity.HIGH), request(Severity.CRITICAL)) == EXIT_OK
    assert code(report(Severity.MEDIUM, Severity.LOW), request(Severity.HIGH)) == EXIT_OK
    assert code(report(Severity.LOW), request(Severity.INFO)) == EXIT_FINDINGS


def test_only_failing_findings_count() -> None:
    failing = report(Severity.CRITICAL)
    exempt = failing.model_copy(
        update={"findings": [dataclasses.replace(f, status=Status.EXEMPT) for f in failing.findings]}
    )
    assert exempt.findings and code(exempt, request(Severity.INFO)) == EXIT_OK


def test_fail_on_new_judges_only_what_is_new_since_the_baseline() -> None:
    now = report(Severity.CRITICAL, Severity.MEDIUM)
    before_medium = report(Severity.MEDIUM)  # the critical findings are new, the medium ones are not
    with_new = now.model_copy(update={"sinceLastScan": compare(before_medium, now, full=False)})
    assert code(with_new, request(fail_on_new=True)) == EXIT_FINDINGS  # any severity without --fail-on
    assert code(with_new, request(Severity.CRITICAL, fail_on_new=True)) == EXIT_FINDINGS
    only_medium_new = now.model_copy(update={"sinceLastScan": compare(report(Severity.CRITICAL), now, full=False)})
    assert code(only_medium_new, request(fail_on_new=True)) == EXIT_FINDINGS
    assert code(only_medium_new, request(Severity.HIGH, fail_on_new=True)) == EXIT_OK
    nothing_new = now.model_copy(update={"sinceLastScan": compare(now, now, full=False)})
    assert code(nothing_new, request(Severity.INFO, fail_on_new=True)) == EXIT_OK  # still failing is not new
    assert code(nothing_new, request(Severity.INFO)) == EXIT_FINDINGS  # ... but fails plain --fail-on
