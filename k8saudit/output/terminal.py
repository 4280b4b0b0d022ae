"""What a person reads in the terminal: the summary after a scan, the check catalogue, and
progress while collecting.

All go through rich, which writes plain text (no colour, no cursor movement) when the stream is
not a terminal; the progress display is shown only on a terminal (`collect_progress`). Names in
the summary come from the cluster: they are printed as text, never read as rich markup.

Fit for an 80-column terminal, decided here (issue 16):
- identifiers (check ids, resource names, report paths) are never cut: one too long for its
  column gets a line of its own and what follows it moves to the next line (`keyed_line`);
- titles and messages are the only text shortened (with `…`) or wrapped, and only into the
  columns left to them;
- the scan summary ends with the headline (score and grade, coverage, failing counts, where the
  reports went), so the last lines on a 24-line screen are the ones a person needs; the long
  lists (failing checks, checks that could not be assessed) come before it, and are short.
"""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import PurePath
from typing import TextIO

from rich.console import Console
from rich.text import Text

from k8saudit.model.findings import CheckInfo, CheckSummary, Comparison, Report, Section, Severity, Status
from k8saudit.output import priorities
from k8saudit.output.view import plural

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
_GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "bold yellow", "F": "bold red"}
#: The narrowest a title or message column gets before identifiers give up their alignment.
_TEXT_MIN = 28
#: Width of a severity column (`critical` and two spaces).
_SEVERITY_WIDTH = 10


def _score(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "n/a"


def counted(count: int, noun: str) -> str:
    """`1 namespace`, `11 namespaces` (the reports' rule: `view.plural`)."""
    return f"{count} {plural(noun, count)}"


def console_for(file: TextIO) -> Console:
    """A console on `file`: its terminal's width, else $COLUMNS, else 80 columns."""
    return Console(file=file, highlight=False, soft_wrap=False)


def severity_cell(severity: str) -> Text:
    return Text(severity.ljust(_SEVERITY_WIDTH), style=SEVERITY_STYLE.get(severity, ""))


def key_width(keys: Sequence[str], tails: Sequence[str], console: Console, before: int, after: int = 0) -> int:
    """The column for identifiers that leaves the fewest lines: every key up to it is aligned,
    a longer one gets a line of its own (`keyed_line`), and each tail (plain text, `after`
    columns of it fixed) wraps into what its line has left. `before` columns precede the key."""
    best, best_lines = 0, None
    for width in sorted({len(k) for k in keys}, reverse=True):
        room = console.width - before - width - 2 - after
        if room < _TEXT_MIN and width > min(len(k) for k in keys):
            continue
        lines = sum(
            (len(key) > width) + max(1, len(textwrap.wrap(tail, max(room, 10))))
            for key, tail in zip(keys, tails, strict=True)
        )
        if best_lines is None or lines < best_lines:
            best, best_lines = width, lines
    return best


def keyed_line(
    console: Console,
    lead: Text,
    key: str,
    width: int,
    tail: Text,
    *,
    hang: Text | None = None,
    wrap: bool = True,
    key_style: str = "",
) -> None:
    """`lead`, `key` padded to `width`, `hang` (fixed columns: a severity, a count), then `tail`
    in the columns left: wrapped, continuation lines aligned under its start, or with
    `wrap=False` shortened to one line with `…`. A key longer than `width` is printed whole on a
    line of its own, and the rest starts on the next line, where it would have been."""
    hang = hang or Text("")
    indent = lead.cell_len + width + 2 + hang.cell_len
    room = max(console.width - indent, 10)
    first = lead.copy()
    if len(key) > width:
        first.append(key, style=key_style)
        console.print(first, overflow="ignore", crop=False)  # whole, even wider than the screen
        first = Text(" " * (lead.cell_len + width + 2))
    else:
        first.append(key.ljust(width), style=key_style)
        first.append("  ")
    first.append_text(hang)
    if wrap:
        lines = list(tail.wrap(console, room)) or [Text("")]
        for line in lines:
            line.rstrip()
    else:
        short = tail.copy()
        short.truncate(room, overflow="ellipsis")
        lines = [short]
    first.append_text(lines[0])
    console.print(first, overflow="fold", crop=False)
    for line in lines[1:]:
        console.print(Text(" " * indent).append_text(line), overflow="fold", crop=False)


def wrapped(console: Console, text: Text, indent: int = 0) -> None:
    """`text` wrapped at spaces into the console's width, every line indented `indent` (a word
    longer than a line is folded, never cut)."""
    pad = " " * indent
    for line in text.wrap(console, max(console.width - indent, 10), overflow="fold"):
        line.rstrip()
        console.print(Text(pad).append_text(line), overflow="ignore", crop=False)


def identifier_lines(console: Console, lead: Text, words: Sequence[tuple[str, str]], *, style: str = "") -> None:
    """Print `words` (each with the separator before it) after `lead`, breaking lines only between
    words and continuing under the first one; identifiers are never cut. A word too long for what
    its line leaves gets a line of its own, indented 2 (or not wrapped at all when even that is
    too narrow, so a terminal shows it whole and a copy of it is one piece)."""
    indent = lead.cell_len
    room = console.width - indent
    line = lead.copy()
    used = 0
    for separator, word in words:
        if used and used + len(separator) + len(word) > room:
            console.print(line, overflow="ignore", crop=False)
            line, used = Text(" " * indent), 0
        if not used and len(word) > room:
            if line.plain.strip():
                line.rstrip()
                console.print(line, overflow="ignore", crop=False)
            console.print(Text("  ").append(word, style=style), overflow="ignore", crop=False)
            line, used = Text(" " * indent), 0
            continue
        if used:
            line.append(separator)
            used += len(separator)
        line.append(word, style=style)
        used += len(word)
    if used:
        console.print(line, overflow="ignore", crop=False)


def worst_checks(report: Report) -> list[CheckSummary]:
    """The failing checks, worst first: by their gravest finding's own severity, then by how many
    findings share it (`k8saudit.output.priorities`)."""
    return [entry.check for entry in priorities.rank(report)]


def print_summary(
    report: Report,
    file: TextIO,
    *,
    top: int = 10,
    since: Comparison | None = None,
    written: Sequence[str] = (),
) -> None:
    """The cluster line, the worst failing checks, what could not be assessed, exemptions; then,
    as the last lines, the headline: score and grade, coverage, failing counts, the reports."""
    console = console_for(file)
    cluster = report.cluster
    name = cluster.label()
    header = Text.assemble(
        ("k8saudit ", "bold"), name, f"  (source: {cluster.source}, version: {cluster.version or 'unknown'})"
    )
    console.print(header, overflow="fold")
    _print_worst(console, priorities.rank(report), top)
    not_assessable = [c for c in report.checks if c.status is Status.NOT_ASSESSABLE]
    if not_assessable:
        console.print(
            f"Not assessable: {counted(len(not_assessable), 'check')}; the reports say why and what to review",
            markup=False,
            overflow="fold",
        )
    _print_headline(console, report, since, written)


def _print_worst(console: Console, failing: list[priorities.FailingCheck], top: int) -> None:
    """The failing checks to fix first (the `top` worst and every other with a critical finding),
    each with its worst finding's severity, how many fail and its problem ("Privileged containers")."""
    if not failing:
        console.print("No failing checks.", markup=False)
        return
    shown = priorities.top(failing, top)
    console.print(Text(f"Failing checks, worst first ({len(shown)} of {len(failing)}):", style="bold"))
    counts = [str(len(entry.findings)) for entry in shown]
    count_width = max(len(n) for n in counts)
    ids = [entry.check.id for entry in shown]
    width = key_width(ids, ["" for _ in shown], console, 2 + _SEVERITY_WIDTH, count_width + 2)
    for entry, count in zip(shown, counts, strict=True):
        lead = Text("  ").append_text(severity_cell(entry.worst.value))
        hang = Text(count.rjust(count_width) + "  ")
        keyed_line(console, lead, entry.check.id, width, Text(entry.problem), hang=hang, wrap=False)
    if len(failing) > len(shown):
        console.print(f"... and {len(failing) - len(shown)} more failing checks (see the reports)", markup=False)


def _print_headline(console: Console, report: Report, since: Comparison | None, written: Sequence[str]) -> None:
    cluster = report.cluster
    exempt = sum(1 for f in report.findings if f.status is Status.EXEMPT)
    expired = sum(1 for f in report.findings if f.exemption is not None and f.exemption.expired)
    exemptions = f"{counted(exempt, 'finding')} exempt" + (
        f", {counted(expired, 'exemption')} expired" if expired else ""
    )
    rows: list[tuple[str, Text]] = [("Exemptions", Text(exemptions))]
    if since is not None:
        delta = "" if since.scoreChange is None else f" ({since.scoreChange:+.1f})"
        rows.append(
            (
                "Since last scan",
                Text(
                    f"{len(since.new)} new, {len(since.resolved)} resolved, {since.stillFailing} still failing; "
                    f"score {_score(since.baseline.score)} → {_score(since.score)}{delta}"
                ),
            )
        )
    rows.append(
        (
            "Score",
            Text.assemble(
                (_score(report.score), "bold"),
                " / 100  grade ",
                (report.grade, _GRADE_STYLE.get(report.grade, "bold")),
            ),
        )
    )
    rows.append(
        (
            "Coverage",
            Text(
                f"{report.coverage.assessed}/{report.coverage.checks} checks assessed ({report.coverage.ratio:.0%})"
                f" · {counted(cluster.workloads, 'workload')} in {counted(cluster.namespaces, 'namespace')}"
            ),
        )
    )
    counts = Text()
    for i, sev in enumerate(Severity):
        if i:
            counts.append("  ")
        counts.append(f"{sev.value} {report.counts.get(sev.value, 0)}", style=SEVERITY_STYLE[sev.value])
    rows.append(("Failing", counts))
    width = max(len(label) for label, _ in [*rows, ("Reports", None)])
    for label, value in rows:
        keyed_line(console, Text(""), label, width, value, key_style="bold")
    if written:  # paths are identifiers: the line breaks between them, never inside one
        lead = Text.assemble(("Reports", "bold"), " " * (width + 2 - len("Reports")))
        names = reports_line(written).split(", ")
        identifier_lines(console, lead, [("" if i == 0 else ", ", name) for i, name in enumerate(names)])


def reports_line(written: Sequence[str]) -> str:
    """Where the reports went, paths whole: `out/report.html, out/report.md` (standard output as
    such); several files of one folder name the folder once: `out/report.html, report.md`."""
    shown: list[str] = []
    folder: str | None = None
    for path in written:
        if path == "-":
            shown.append("standard output")
            continue
        pure = PurePath(path)
        same = folder is not None and str(pure.parent) == folder
        shown.append(pure.name if same else path)
        folder = str(pure.parent)
    return ", ".join(shown)


def print_catalogue(infos: Sequence[CheckInfo], file: TextIO) -> None:
    """`k8saudit checks`: the catalogue by NSA/CISA section, one check a line (id, severity,
    title), ids whole, titles wrapped into what is left of the line."""
    console = console_for(file)
    width = key_width([i.id for i in infos], [i.title for i in infos], console, 2, _SEVERITY_WIDTH)
    for section in Section:
        entries = [i for i in infos if i.section is section]
        if not entries:
            continue
        console.print(Text(f"{section.heading} ({counted(len(entries), 'check')})", style="bold"), overflow="fold")
        for info in entries:
            hang = severity_cell(info.severity.value)
            keyed_line(console, Text("  "), info.id, width, Text(info.title), hang=hang)


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
