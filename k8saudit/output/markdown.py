"""The Markdown report (GitHub-flavoured), from `templates/report.md`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from k8saudit.model.findings import Report
from k8saudit.output import templates, view
from k8saudit.output.writer import Writer
from k8saudit.runtime import gcpause

TEMPLATE = "report.md"


def _pieces(report: Report) -> Iterator[str]:
    return templates.pieces(TEMPLATE, report, finding_rows=view.MarkdownCells(view.since(report)).rows)


def write(report: Report, handle: BinaryIO) -> None:
    """Stream the report into `handle` as UTF-8 (the cyclic GC paused: see `k8saudit.runtime.gcpause`)."""
    with gcpause.paused():
        templates.write_pieces(_pieces(report), handle)


def text(report: Report) -> str:
    """The report as one string."""
    with gcpause.paused():
        return "".join(_pieces(report))


def prepare() -> None:
    """Load the template now: a missing file is no write error."""
    templates.template(TEMPLATE)


WRITER = Writer(write=write, text=text, prepare=prepare)
