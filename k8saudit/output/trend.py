"""`k8saudit trend DIR` for a terminal: the history the reports show, in 80 columns of plain text.

The score and the failing findings as two sparklines, one row per scan (the newest first), and
the newest scan's failing findings that have been failing longest, each with since when. Every
text from the cluster (resource names) has its control characters shown as symbols, as in the
other writers, so a hostile name cannot move the cursor or retitle the terminal.
"""

from __future__ import annotations

from k8saudit.model.findings import Finding, Report, Severity, Status
from k8saudit.output.history_view import HistoryView, score_text, when
from k8saudit.output.view import CONTROL, control_picture

WIDTH = 80
BARS = "▁▂▃▄▅▆▇█"
#: Scans in a sparkline (the newest).
SPARK_SCANS = 56


def _plain(text: str) -> str:
    return CONTROL.sub(lambda m: control_picture(m.group()), text)


def _clip(text: str, width: int = WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def sparkline(values: list[float | None], top: float) -> str:
    """One block per value, scaled 0..top; a missing value is a space."""
    top = top or 1.0
    return "".join(" " if v is None else BARS[min(len(BARS) - 1, int(v / top * (len(BARS) - 1) + 0.5))] for v in values)


def render(report: Report, *, top: int = 15) -> str:
    """The trend of `report` (the newest scan, its `history` set) as lines of at most 80 columns."""
    assert report.history is not None
    shown = HistoryView(report.history)
    runs = report.history.runs
    recent = runs[-SPARK_SCANS:]
    most = max(1, *(r.failing for r in runs))
    lines = [
        _clip(f"k8saudit trend: {_plain(report.cluster.label())}"),
        _clip(shown.span()),
        _clip(shown.change()),
        "",
        f"Score    {sparkline([r.score for r in recent], 100.0)}  (0-100)",
        f"Failing  {sparkline([float(r.failing) for r in recent], float(most))}  (0-{most})",
        "",
        f"{'Scan':<20} {'Score':>5} {'Grade':<5} {'Crit':>5} {'High':>5} {'Med':>5} {'Low':>5} {'Info':>5} "
        f"{'Fail':>6} {'Cov':>4}",
    ]
    for r in shown.rows:
        c = r.counts
        lines.append(
            f"{when(r.generatedAt):<20} {score_text(r.score):>5} {r.grade:<5} {c.get('critical', 0):>5} "
            f"{c.get('high', 0):>5} {c.get('medium', 0):>5} {c.get('low', 0):>5} {c.get('info', 0):>5} "
            f"{r.failing:>6} {r.coverage * 100:>3.0f}%"
        )
    if shown.more:
        lines.append(f"... and {shown.more} earlier scans")
    lines += ["", *_longest(report, shown, top)]
    return "\n".join(lines) + "\n"


def _longest(report: Report, shown: HistoryView, top: int) -> list[str]:
    failing = [f for f in report.findings if f.status is Status.FAIL]
    if not failing:
        return ["No failing findings in the newest scan."]
    since = report.history.failingSince if report.history else {}

    def order(f: Finding) -> tuple[str, int, str]:
        return (since.get(f.key(), "~"), -Severity(f.severity).rank, f.key())  # "~" sorts after any time: new last

    ranked = sorted(failing, key=order)[:top]
    lines = [
        f"Failing longest ({len(failing)} failing findings in the newest scan):",
        f"{'Failing since':<20} {'Scans':>5}  {'Severity':<8} Check and resource",
    ]
    for f in ranked:
        key = f.key()
        where = f.resource.label() if f.resource else "cluster"
        if f.container:
            where += f" ({f.container})"
        started = since.get(key)
        scans = shown.scans_failing(key)
        column = when(started) if started is not None else "new in this scan"
        count = "?" if scans is None else str(scans)
        lines.append(_clip(f"{column:<20} {count:>5}  {f.severity.value:<8} {f.check} {_plain(where)}"))
    if len(failing) > top:
        lines.append(f"  ... and {len(failing) - top} more (the report lists each with since when)")
    return lines
