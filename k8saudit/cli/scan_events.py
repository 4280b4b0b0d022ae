"""The scan's JSON events (`--log-format json`): what was collected, what the checks found, and
the last event, which says what the terminal summary says. Each is a no-op in human mode.

They live with the CLI rather than in `k8saudit.runtime.log`, which writes events but knows
nothing of inventories and reports: the runtime layer depends on nothing above it.
"""

from __future__ import annotations

import time

from k8saudit.model.findings import Report
from k8saudit.model.inventory import Inventory
from k8saudit.runtime import log


def elapsed_ms(since: float) -> int:
    """Milliseconds from `since` (a `time.perf_counter()`) to now, as the events give durations."""
    return round((time.perf_counter() - since) * 1000)


def collected(inv: Inventory, ms: int) -> None:
    """One `list` event per kind a live scan read (or could not), then `collect`."""
    facts = inv.facts
    for kind, availability in sorted(facts.kinds.items()):
        ok = availability.ok
        log.event(
            "list",
            "info" if ok else "warning",
            kind=kind,
            status=availability.status,
            count=availability.count if ok else None,
            reason=None if ok else availability.reason,
        )
    log.event(
        "collect",
        source=facts.source,
        context=facts.context,
        server=facts.server,
        objects=sum(1 for _ in inv.all_objects()),
        ms=ms,
    )


def checked(report: Report, ms: int) -> None:
    """The `check` event: checks run, how many could look, findings, and the kinds nobody could read."""
    log.event(
        "check",
        checks=report.coverage.checks,
        assessed=report.coverage.assessed,
        findings=len(report.findings),
        gaps=sorted(report.coverage.gaps) or None,
        ms=ms,
    )


def done(report: Report, *, exit_code: int, written: list[str], ms: int) -> None:
    """The last event of a scan: what the terminal summary says, for a log pipeline."""
    log.event(
        "done",
        cluster=report.cluster.context,
        score=report.score,
        grade=report.grade,
        coverage=round(report.coverage.ratio, 3),
        failing=dict(report.counts),
        reports=written,
        exit=exit_code,
        ms=ms,
    )
