"""Commands on JSON reports a scan wrote: `diff` (what changed between two) and `report`
(render one again in other formats, without the cluster)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from k8saudit.cli.options import FAIL_ON_CHOICES, DiffFormat, FailOn, OutputDirOpt, OutputOpt, ReportFormatsOpt
from k8saudit.runtime.errors import EXIT_FINDINGS


def diff(
    old: Annotated[Path, typer.Argument(metavar="OLD", help="The earlier JSON report (k8saudit scan --format json).")],
    new: Annotated[Path, typer.Argument(metavar="NEW", help="The later JSON report.")],
    fmt: Annotated[
        DiffFormat, typer.Option("--format", "-f", metavar="table|md|json", help="table (terminal), md or json.")
    ] = DiffFormat.table,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on", metavar=FAIL_ON_CHOICES, help="Exit 1 when a new finding has this severity or higher."
        ),
    ] = FailOn.none,
) -> None:
    """What changed between two scans: new, resolved and still-failing findings, and the score."""
    from k8saudit.model.findings import Severity
    from k8saudit.output.diff import compare, load_report, new_at_or_above, print_comparison, render_markdown

    comparison = compare(load_report(old), load_report(new), baseline_file=str(old))
    if fmt is DiffFormat.json:
        sys.stdout.write(comparison.model_dump_json(indent=2) + "\n")
    elif fmt is DiffFormat.md:
        sys.stdout.write(render_markdown(comparison))
    else:
        print_comparison(comparison, sys.stdout)
    if fail_on is not FailOn.none and new_at_or_above(comparison, Severity(fail_on.value)):
        raise typer.Exit(EXIT_FINDINGS)


def report(
    source: Annotated[
        Path, typer.Argument(metavar="REPORT", help="A JSON report written by `k8saudit scan --format json`.")
    ],
    formats: ReportFormatsOpt = None,
    output_dir: OutputDirOpt = Path("k8saudit-report"),
    output: OutputOpt = None,
) -> None:
    """Re-render a stored JSON report in other formats, without the cluster (e.g. HTML for a review)."""
    from k8saudit.cli.options import REPORT_DEFAULT_FORMATS
    from k8saudit.cli.report_files import chosen_formats, is_stdout, preflight_outputs, terminal_for, write_reports
    from k8saudit.output.diff import load_report
    from k8saudit.output.terminal import reports_line

    names = [f.value for f in formats or ()]
    chosen = chosen_formats(names, REPORT_DEFAULT_FORMATS, output, example="html")
    preflight_outputs(chosen, output_dir, output, timestamped=False)
    written = write_reports(load_report(source), chosen, output_dir, output)
    if not is_stdout(output):  # say where the reports went (not into the report on stdout)
        print(f"wrote {reports_line(written)}", file=terminal_for(output))
