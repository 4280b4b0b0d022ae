"""Writers: render the one Report model as HTML, Markdown or JSON.

Templates live in `templates/` at the top of the repository and ship inside the wheel as
`k8saudit/templates`. HTML is autoescaped by an explicit function (NOTES.md: a `.html.j2`
name would silently escape nothing); Markdown gets its own escaping filter because Jinja's
HTML escaping does not cover pipes or backticks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from k8saudit import gcpause
from k8saudit.findings import Report, Section, Severity, Status

FORMATS = ("html", "md", "json")
EXTENSIONS = {"html": "html", "md": "md", "json": "json"}


def templates_dir() -> Path:
    """The installed templates, or the repository's `templates/` in a development install."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "templates"


_MD_SPECIAL = "\\`*_{}[]<>()#+!|~"
#: One pass of str.translate does what `&` → `&amp;`, newlines → spaces, a backslash before
#: each Markdown metacharacter, then `<`/`>` → entities did in four passes (the Markdown report
#: escapes every cell of every finding: tens of thousands at 20,000 pods).
_MD_TABLE = str.maketrans(
    {"&": "&amp;", "\r": " ", "\n": " ", **{c: "\\" + c for c in _MD_SPECIAL}, "<": "\\&lt;", ">": "\\&gt;"}
)


def md_escape(value: Any) -> str:
    """Escape text for a GitHub-flavoured Markdown table cell or paragraph.

    Markdown metacharacters are backslash-escaped, HTML-significant characters become
    entities, and newlines become spaces so a cell never breaks the table.
    """
    text = "" if value is None else str(value)
    return text.translate(_MD_TABLE)


def _evidence_value(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=lambda name: bool(name and name.endswith((".html", ".html.j2"))),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["evidence"] = _evidence_value
    env.globals.update(Status=Status, Severity=Severity, Section=Section)
    return env


def _context(report: Report) -> dict[str, Any]:
    checks = {c.id: c for c in report.checks}
    by_check: dict[str, list[Any]] = {}
    for finding in report.findings:
        if finding.status is Status.FAIL:
            by_check.setdefault(finding.check, []).append(finding)
    failing_checks = sorted(
        (checks[cid] for cid in by_check),
        key=lambda c: (-c.severity.rank, -len(by_check[c.id]), c.id),
    )
    return {
        "report": report,
        "failing_checks": failing_checks,
        "failures_by_check": by_check,
        "not_assessable": [c for c in report.checks if c.status is Status.NOT_ASSESSABLE],
        "exempt": [f for f in report.findings if f.status is Status.EXEMPT],
        "sections": report.sections,
        "checks_by_section": {s.section: [c for c in report.checks if c.section is s.section] for s in report.sections},
    }


def render(report: Report, fmt: str) -> str:
    """The report as `html`, `md` or `json` text (the cyclic GC paused: see `k8saudit.gcpause`)."""
    if fmt == "json":
        with gcpause.paused():
            return report.model_dump_json(indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    template = _environment().get_template("report.html" if fmt == "html" else "report.md")
    with gcpause.paused():
        return template.render(**_context(report))
