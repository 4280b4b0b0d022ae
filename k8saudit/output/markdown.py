"""The Markdown report (GitHub-flavoured), from `templates/report.md`."""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.model.findings import Report
from k8saudit.output import templates, view

TEMPLATE = "report.md"


def _pieces(report: Report) -> Iterator[str]:
    return templates.pieces(TEMPLATE, report, finding_rows=view.MarkdownCells(view.since(report)).rows)


def prepare() -> None:
    """Load the template now: a missing file is no write error."""
    templates.template(TEMPLATE)


WRITER = templates.pieces_writer(_pieces, prepare)
