"""Between runs: what is new, what was resolved, what still fails, and how the score moved.

A finding's identity is `Finding.key()` (`check | Kind namespace/name | container`), so the same
failure on the same resource is "still failing" however its message or evidence changed. Only
failing findings are compared: one that became exempt, or whose check could not look this time
(not-assessable: not a fix), is "resolved" and says which (`now`).

Used by `k8saudit diff OLD.json NEW.json` (terminal, Markdown or JSON) and by `scan --baseline
OLD.json`, which puts the comparison (without the still-failing list) in every report as
`sinceLastScan`; `--fail-on-new` then fails only on new findings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from k8saudit.model.findings import (
    SCHEMA_VERSION,
    BaselineInfo,
    ChangedFinding,
    Comparison,
    Finding,
    Report,
    Severity,
    Status,
    schema_major,
)
from k8saudit.output.view import md_escape
from k8saudit.runtime.errors import InputError


def load_report(path: Path) -> Report:
    """A JSON report written by `k8saudit scan`; a clear one-line error for anything else."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a JSON report") from None
    except (UnicodeDecodeError, PermissionError) as exc:
        raise InputError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, dict) or "schemaVersion" not in document:
        raise InputError(f"{path}: not a k8saudit JSON report (no schemaVersion); write one with --format json")
    found = document["schemaVersion"]
    if schema_major(found) != schema_major(SCHEMA_VERSION):
        tool = document.get("tool")
        by = f", written by {tool}" if isinstance(tool, str) and tool else ""
        raise InputError(
            f"{path}: report schema version {found!r}{by}; this k8saudit reads version {SCHEMA_VERSION} "
            "(and fields added to it): use a k8saudit that reads that version"
        )
    try:
        report = Report.model_validate(document)  # fields a newer 1.x added are ignored
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(f"{path}: not a valid k8saudit report: {where}: {err['msg']}") from None
    report.schemaVersion = SCHEMA_VERSION  # what was read is a report of this version, and no more
    return report


def _changed(f: Finding, now: str | None = None) -> ChangedFinding:
    return ChangedFinding(
        key=f.key(),
        check=f.check,
        severity=f.severity,
        section=f.section,
        resource=f.resource,
        container=f.container,
        message=f.message,
        now=now,
    )


def _order(c: ChangedFinding) -> tuple[int, str]:
    return (-c.severity.rank, c.key)


def compare(old: Report, new: Report, *, baseline_file: str | None = None, full: bool = True) -> Comparison:
    """What changed from `old` to `new`; `full=False` leaves out the list of still-failing findings."""
    before = {f.key(): f for f in old.findings if f.status is Status.FAIL}
    after = {f.key(): f for f in new.findings if f.status is Status.FAIL}
    others = {f.key(): f for f in new.findings if f.status is not Status.FAIL}
    na_checks = {c.id for c in new.checks if c.status is Status.NOT_ASSESSABLE}
    resolved = []
    for key, f in before.items():
        if key in after:
            continue
        other = others.get(key)
        if f.check in na_checks or (other is not None and other.status is Status.NOT_ASSESSABLE):
            now = Status.NOT_ASSESSABLE.value
        elif other is not None and other.status is Status.EXEMPT:
            now = Status.EXEMPT.value
        else:
            now = "gone"
        resolved.append(_changed(f, now))
    new_findings = [_changed(f) for key, f in after.items() if key not in before]
    still = [_changed(f) for key, f in after.items() if key in before]
    change = None if old.score is None or new.score is None else round(new.score - old.score, 1)
    return Comparison(
        baseline=BaselineInfo(
            file=baseline_file,
            tool=old.tool,
            generatedAt=old.generatedAt,
            score=old.score,
            grade=old.grade,
        ),
        score=new.score,
        grade=new.grade,
        scoreChange=change,
        new=sorted(new_findings, key=_order),
        resolved=sorted(resolved, key=_order),
        stillFailing=len(still),
        unchanged=sorted(still, key=_order) if full else None,
    )


def new_at_or_above(comparison: Comparison, threshold: Severity | None) -> list[ChangedFinding]:
    """New findings at or above `threshold` (every new finding when None)."""
    return [c for c in comparison.new if threshold is None or c.severity.rank >= threshold.rank]


# --- writers ----------------------------------------------------------------------------------


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _label(c: ChangedFinding) -> str:
    where = c.resource.label() if c.resource else "cluster"
    return where + (f" (container {c.container})" if c.container else "")


def headline(c: Comparison) -> str:
    delta = "" if c.scoreChange is None else f" ({c.scoreChange:+.1f})"
    return (
        f"score {_score(c.baseline.score)} → {_score(c.score)}{delta}, grade {c.baseline.grade} → {c.grade}; "
        f"{len(c.new)} new, {len(c.resolved)} resolved, {c.stillFailing} still failing"
    )


def render_markdown(c: Comparison) -> str:
    md = md_escape
    lines = [
        "# k8saudit: changes since the last scan",
        "",
        f"Baseline: {md(c.baseline.file or 'previous report')} ({md(c.baseline.generatedAt)}, {md(c.baseline.tool)}).",
        "",
        f"**{md(headline(c))}**",
        "",
    ]
    for title, entries, last in (
        ("New findings", c.new, "Finding"),
        ("Resolved findings", c.resolved, "Now"),
        ("Still failing", c.unchanged or [], "Finding"),
    ):
        lines += [f"## {title} ({len(entries)})", ""]
        if not entries:
            lines += ["None.", ""]
            continue
        lines += [f"| Severity | Check | Resource | {last} |", "|---|---|---|---|"]
        for e in entries:
            tail = (e.now or "") if last == "Now" else e.message
            lines.append(f"| {e.severity.value} | {md(e.check)} | {md(_label(e))} | {md(tail)} |")
        lines.append("")
    return "\n".join(lines)


def print_comparison(c: Comparison, file: TextIO, *, limit: int = 50) -> None:
    """The comparison for a terminal (rich; plain text when `file` is not one), fit to its width:
    per finding a line with its severity, check and resource (identifiers, never cut: the line
    breaks between them), then its message (or what it is now) wrapped beneath. The headline
    (score and grade change, counts) comes last, where a person's eyes end up."""
    from rich.text import Text

    from k8saudit.output.terminal import console_for, identifier_lines, severity_cell, wrapped

    console = console_for(file)
    indent = 2 + severity_cell("info").cell_len
    for title, entries in (("New", c.new), ("Resolved", c.resolved)):
        if not entries:
            continue
        console.print(Text(f"{title} findings ({len(entries)}):", style="bold"))
        for e in entries[:limit]:
            words = [("", e.check), *(("  " if i == 0 else " ", w) for i, w in enumerate(_label(e).split(" ")))]
            identifier_lines(console, Text("  ").append_text(severity_cell(e.severity.value)), words)
            detail = f"now {e.now or 'gone'}" if title == "Resolved" else e.message
            wrapped(console, Text(detail, style="dim"), indent)
        if len(entries) > limit:
            console.print(f"... and {len(entries) - limit} more (--format md or json lists all)", markup=False)
    wrapped(console, Text(f"Since {c.baseline.generatedAt}: {headline(c)}"))
