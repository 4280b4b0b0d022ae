"""The short summary a person reads in the terminal after a scan."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table

from k8saudit.findings import Report, Status

_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def print_summary(report: Report, file: TextIO, *, top: int = 10) -> None:
    """Score, coverage, counts by severity and the top failing checks."""
    console = Console(file=file, highlight=False, soft_wrap=False)
    cluster = report.cluster
    name = cluster.context or cluster.server or cluster.source
    score = f"{report.score:.1f}" if report.score is not None else "n/a"
    console.print(
        f"[bold]k8saudit[/bold] {name}  (source: {cluster.source}, version: {cluster.version or 'unknown'})",
        markup=True,
    )
    console.print(
        f"Score {score}  grade {report.grade}  ·  coverage {report.coverage.assessed}/"
        f"{report.coverage.checks} checks  ·  {cluster.workloads} workloads in "
        f"{cluster.namespaces} namespaces",
        markup=False,
    )
    counts = "  ".join(f"{sev}: {n}" for sev, n in report.counts.items())
    console.print(f"Failing findings  {counts}", markup=False)
    failing = sorted(
        (c for c in report.checks if c.status is Status.FAIL), key=lambda c: (-c.severity.rank, -c.failed, c.id)
    )
    if failing:
        table = Table(title=None, show_edge=False, pad_edge=False)
        table.add_column("Severity")
        table.add_column("Check")
        table.add_column("Failing", justify="right")
        table.add_column("Title")
        for chk in failing[:top]:
            table.add_row(
                f"[{_SEVERITY_STYLE[chk.severity.value]}]{chk.severity.value}[/]", chk.id, str(chk.failed), chk.title
            )
        console.print(table)
    not_assessable = [c for c in report.checks if c.status is Status.NOT_ASSESSABLE]
    if not_assessable:
        console.print(f"Not assessable: {', '.join(c.id for c in not_assessable)}", markup=False)
