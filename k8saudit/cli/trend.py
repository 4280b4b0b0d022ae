"""`k8saudit trend DIR`: the history of the scans in a report folder, for a terminal.

DIR is what `scan --timestamped` writes (run folders with a `report.json`, `latest`), or a folder
of JSON reports. The newest usable report is the scan shown; the others are its history, read as
`scan --history` reads them (a report that cannot be used is one warning line and left out).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def trend(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="A --timestamped report folder, or a folder of JSON reports.")
    ],
    top: Annotated[
        int, typer.Option("--top", min=0, max=1000, help="Failing findings listed, those failing longest first.")
    ] = 15,
) -> None:
    """The score and failing findings over time, and since when each finding fails (80 columns)."""
    from k8saudit.output import history
    from k8saudit.output.diff import load_report
    from k8saudit.output.trend import render
    from k8saudit.runtime.errors import InputError

    history.check_folder(folder, option="trend")
    paths = history.report_files([folder])
    newest = history.newest(paths)
    if newest is None:
        raise InputError(f"{folder}: no k8saudit JSON report here (scan --timestamped -f json writes them)")
    report = load_report(newest)
    report.history = history.history(report, [p for p in paths if p != newest]) or history.alone(report)
    sys.stdout.write(render(report, top=top))
