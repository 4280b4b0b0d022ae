"""The HTML report: one self-contained page (inline stylesheet and script under a
Content-Security-Policy), from `templates/report.html`."""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.model.findings import Report
from k8saudit.output import templates, view

TEMPLATE = "report.html"


def _pieces(report: Report) -> Iterator[str]:
    return templates.pieces(
        TEMPLATE,
        report,
        assets=view.assets(templates.templates_dir()),
        finding_rows=view.HtmlCells(view.since(report)).rows,
    )


def prepare() -> None:
    """Load the template and the inline assets now: a missing file is no write error."""
    templates.template(TEMPLATE)
    view.assets(templates.templates_dir())


WRITER = templates.pieces_writer(_pieces, prepare)
