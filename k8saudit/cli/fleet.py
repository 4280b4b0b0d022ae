"""`k8saudit fleet REPORT.json… | DIR…`: many clusters' JSON reports merged into one fleet report.

What is merged and how is `k8saudit.output.fleet`'s; this command chooses the formats and where
they go, says in one warning line each which inputs were left out and why, and decides the exit
code: 0 written, 1 with --fail-on when a cluster's latest report has a failing finding at or above
it, 2 when nothing usable was found (or a usage error). Inputs left out do not change it: they are
listed in the fleet report itself and on stderr.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from k8saudit.cli.options import FAIL_ON_CHOICES, FailOn, OutputOpt

if TYPE_CHECKING:
    from k8saudit.model.fleet import FleetReport


class FleetFormat(StrEnum):
    html = "html"
    md = "md"
    json = "json"


def fleet(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help="JSON reports (k8saudit scan --format json), or folders searched for report.json at any depth "
            "(a multi-cluster scan's --output-dir, CronJobs' --timestamped report volumes, a bucket sync).",
            show_default=False,
        ),
    ],
    formats: Annotated[
        list[FleetFormat] | None,
        typer.Option(
            "--format", "-f", metavar="html|md|json", help="Format to write; repeatable (default: html, md and json)."
        ),
    ] = None,
    output_dir: Annotated[
        Path,
        typer.Option("--output-dir", "-d", metavar="DIR", help="Folder for fleet.html, fleet.md and fleet.json."),
    ] = Path("k8saudit-fleet"),
    output: OutputOpt = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            metavar=FAIL_ON_CHOICES,
            help="Exit 1 when a cluster's latest report has a failing finding of this severity or higher.",
        ),
    ] = FailOn.none,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on the terminal (warnings still).")] = False,
) -> None:
    """Merge many clusters' JSON reports into one fleet report (HTML, Markdown, JSON)."""
    from k8saudit import __version__
    from k8saudit.cli.report_files import terminal_for
    from k8saudit.output import fleet as merge
    from k8saudit.runtime.errors import EXIT_FINDINGS, InputError

    chosen = _formats([f.value for f in formats or ()], output)
    preflight(chosen, output_dir, output)
    read = merge.read_reports(inputs)
    if not read.entries:
        named = ", ".join(str(p) for p in inputs)
        why = f" ({len(read.problems)} left out: see the warnings)" if read.problems else ""
        raise InputError(f"no k8saudit JSON report could be read from {named}{why}: nothing to merge")
    report = merge.build(read, base=link_base(output_dir, output), tool=f"k8saudit {__version__}", generated_at=now())
    warn(report, merge.folder_name_notes(report))
    written = write_fleet(report, chosen, output_dir, output)
    if not quiet:
        print_summary(report, written, terminal_for(output), reports=len(read.entries))
    if fail_on is not FailOn.none and clusters_failing(report, fail_on.value):
        raise typer.Exit(EXIT_FINDINGS)


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _formats(names: Sequence[str], output: str | None) -> tuple[str, ...]:
    from k8saudit.output.fleet_render import FORMATS
    from k8saudit.runtime.errors import InputError

    chosen = tuple(dict.fromkeys(names)) or FORMATS
    if output is not None and len(chosen) != 1:
        raise InputError("--output writes one fleet report: give exactly one --format (for example --format html)")
    return chosen


def link_base(output_dir: Path, output: str | None) -> Path:
    """The folder links in the fleet report are relative to: where it is written (the current
    folder for standard output)."""
    from k8saudit.cli.report_files import is_stdout

    if output is None:
        return output_dir
    return Path.cwd() if is_stdout(output) else Path(output).parent


def preflight(formats: Sequence[str], output_dir: Path, output: str | None) -> None:
    """Refuse an output that cannot be written before reading anything (one line, exit 2)."""
    from k8saudit.cli.report_files import is_stdout
    from k8saudit.output.fleet_render import FILE_NAMES
    from k8saudit.runtime.files import preflight as check

    if output is not None:
        if not is_stdout(output):
            check(Path(output))
        return
    for fmt in formats:
        check(output_dir / FILE_NAMES[fmt])


def write_fleet(report: FleetReport, formats: Sequence[str], output_dir: Path, output: str | None) -> list[str]:
    """Write the fleet report in each format (a set: all or none replaced), or the one to --output."""
    from k8saudit.cli.report_files import is_stdout
    from k8saudit.output import fleet_render
    from k8saudit.runtime import lifecycle
    from k8saudit.runtime.files import write_atomic_set

    writers = {fmt: fleet_render.writer(report, fmt) for fmt in formats}  # rendered before any file is opened
    with lifecycle.critical():
        if output is not None and is_stdout(output):
            sys.stdout.write(fleet_render.render(report, formats[0]))
            sys.stdout.flush()
            return ["-"]
        if output is not None:
            write_atomic_set({Path(output): writers[formats[0]]}, mode=0o600)
            return [output]
        paths = {output_dir / fleet_render.FILE_NAMES[fmt]: writer for fmt, writer in writers.items()}
        write_atomic_set(paths, mode=0o600)
        return [str(p) for p in paths]


def warn(report: FleetReport, notes: Sequence[str] = ()) -> None:
    """One `k8saudit: warning:` line per input left out, and per note."""
    from k8saudit.cli.lines import one_line

    for problem in report.problems:
        print(
            f"k8saudit: warning: {one_line(problem.path)}: left out of the fleet report: {one_line(problem.problem)}",
            file=sys.stderr,
        )
    for note in notes:
        print(f"k8saudit: warning: {one_line(note)}", file=sys.stderr)


def clusters_failing(report: FleetReport, severity: str) -> list[str]:
    """The clusters whose latest report has a failing finding at or above `severity`."""
    from k8saudit.model.findings import Severity
    from k8saudit.model.fleet import ClusterStatus, failing_at

    threshold = Severity(severity)
    return [
        row.name for row in report.clusters if row.status is ClusterStatus.SCANNED and failing_at(row.counts, threshold)
    ]


def print_summary(report: FleetReport, written: Sequence[str], stream: TextIO, *, reports: int | None = None) -> None:
    """A few lines for the terminal: the clusters, worst first, then where the fleet report is."""
    from k8saudit.cli.lines import one_line
    from k8saudit.model.fleet import ClusterStatus
    from k8saudit.output.terminal import counted

    totals = report.totals
    width = min(40, max((len(r.name) for r in report.clusters), default=7))
    for row in report.clusters:
        name = one_line(row.name)
        if row.status is not ClusterStatus.SCANNED:
            print(f"  {name:<{width}}  not scanned: {one_line(row.error or '')}", file=stream)
            continue
        score = f"{row.score:5.1f}" if row.score is not None else "  n/a"
        change = f" ({row.scoreChange:+.1f})" if row.scoreChange is not None else ""
        counts = ", ".join(f"{row.counts.get(s, 0)} {s}" for s in ("critical", "high"))
        print(
            f"  {name:<{width}}  {row.grade:<3} {score}{change}  coverage {row.coverage or 0:.0%}  {counts}",
            file=stream,
        )
    read = f" from {counted(reports, 'report')}" if reports is not None else ""
    left = f", {counted(len(report.problems), 'input')} left out" if report.problems else ""
    not_scanned = f", {totals.notScanned} not scanned" if totals.notScanned else ""
    print(
        f"Fleet: {counted(totals.clusters, 'cluster')}{not_scanned}{read}{left}; written: {', '.join(written)}",
        file=stream,
    )
