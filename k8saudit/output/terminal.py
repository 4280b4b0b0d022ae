"""What a person reads in the terminal: the summary after a scan, and progress while collecting.

Both go through rich, which writes plain text (no colour, no cursor movement) when the stream is
not a terminal; the progress display is shown only on a terminal (`collect_progress`). Names in
the summary come from the cluster: they are printed as text, never read as rich markup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from k8saudit.model.findings import Comparison, Report, Severity, Status

_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
_GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "bold yellow", "F": "bold red"}


def _score(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "n/a"


def print_summary(report: Report, file: TextIO, *, top: int = 10, since: Comparison | None = None) -> None:
    """Score and grade, coverage, counts by severity, exemptions, the top failing checks."""
    console = Console(file=file, highlight=False, soft_wrap=False)
    cluster = report.cluster
    name = cluster.label()
    header = Text.assemble(
        ("k8saudit ", "bold"), name, f"  (source: {cluster.source}, version: {cluster.version or 'unknown'})"
    )
    console.print(header)
    exempt = sum(1 for f in report.findings if f.status is Status.EXEMPT)
    expired = sum(1 for f in report.findings if f.exemption is not None and f.exemption.expired)
    summary = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row(
        "Score",
        Text.assemble(
            (_score(report.score), "bold"), " / 100  grade ", (report.grade, _GRADE_STYLE.get(report.grade, "bold"))
        ),
    )
    summary.add_row(
        "Coverage",
        f"{report.coverage.assessed}/{report.coverage.checks} checks assessed ({report.coverage.ratio:.0%})"
        f" · {cluster.workloads} workloads in {cluster.namespaces} namespaces",
    )
    counts = Text()
    for i, sev in enumerate(Severity):
        if i:
            counts.append("  ")
        counts.append(f"{sev.value} {report.counts.get(sev.value, 0)}", style=_SEVERITY_STYLE[sev.value])
    summary.add_row("Failing", counts)
    summary.add_row("Exemptions", f"{exempt} findings exempt" + (f", {expired} exemptions expired" if expired else ""))
    if since is not None:
        delta = "" if since.scoreChange is None else f" ({since.scoreChange:+.1f})"
        summary.add_row(
            "Since last scan",
            f"{len(since.new)} new, {len(since.resolved)} resolved, {since.stillFailing} still failing; "
            f"score {_score(since.baseline.score)} → {_score(since.score)}{delta}",
        )
    console.print(summary)
    failing = sorted(
        (c for c in report.checks if c.status is Status.FAIL), key=lambda c: (-c.severity.rank, -c.failed, c.id)
    )
    if failing:
        table = Table(title=None, show_edge=False, pad_edge=False)
        table.add_column("Severity")
        table.add_column("Check", no_wrap=True)
        table.add_column("Failing", justify="right")
        table.add_column("Title")
        for chk in failing[:top]:
            table.add_row(
                Text(chk.severity.value, style=_SEVERITY_STYLE[chk.severity.value]),
                Text(chk.id),
                str(chk.failed),
                Text(chk.title),
            )
        console.print(table)
        if len(failing) > top:
            console.print(f"... and {len(failing) - top} more failing checks (see the reports)", markup=False)
    not_assessable = [c for c in report.checks if c.status is Status.NOT_ASSESSABLE]
    if not_assessable:
        console.print(f"Not assessable: {', '.join(c.id for c in not_assessable)}", markup=False)


ProgressCallback = Callable[[str, int, str | None], None]


@contextmanager
def collect_progress(file: TextIO, total: int) -> Iterator[ProgressCallback | None]:
    """A live display while listing, on a terminal (None elsewhere): kinds done out of all, the last
    one finished, and a line for each kind whose list runs to several pages, with its count so far.

    Yields the `LiveOptions.on_progress` callback (called from the listing threads).
    """
    console = Console(file=file)
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn

    lock = threading.Lock()
    tasks: dict[str, TaskID] = {}
    with Progress(
        SpinnerColumn(finished_text="✓"),
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        TextColumn("{task.fields[done]}"),
        TextColumn("{task.fields[note]}"),
        console=console,
        transient=True,
    ) as progress:
        overall = progress.add_task("Listing kinds", total=total, note="", done=f"0/{total}")
        finished = 0

        def on_progress(resource: str, objects: int, status: str | None) -> None:
            with lock:
                task = tasks.get(resource)
                if status is None:  # a page of a long list: one line for it while it lasts
                    if task is None:
                        tasks[resource] = progress.add_task(
                            f"  {resource}", total=None, note=f"{objects} objects", done=""
                        )
                    else:
                        progress.update(task, note=f"{objects} objects")
                    return
                if task is not None:
                    progress.remove_task(task)
                    del tasks[resource]
                nonlocal finished
                finished += 1
                last = f"{resource}: {objects}" if status == "ok" else f"{resource}: {status}"
                progress.update(overall, advance=1, note=last, done=f"{finished}/{total}")

        yield on_progress
