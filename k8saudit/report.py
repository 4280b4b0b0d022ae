"""Writers: render the one Report model as HTML, Markdown, JSON, SARIF or JUnit XML.

Templates live in `templates/` at the top of the repository and ship inside the wheel as
`k8saudit/templates`. HTML is autoescaped by an explicit function (NOTES.md: a `.html.j2`
name would silently escape nothing); Markdown gets its own escaping filter because Jinja's
HTML escaping does not cover pipes or backticks. What the templates show is computed in
`k8saudit.reportview`; SARIF and JUnit are built as data in `k8saudit.sarif` and `k8saudit.junit`.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from k8saudit import gcpause, reportview
from k8saudit.findings import Report, Section, Severity, Status

FORMATS = ("html", "md", "json", "sarif", "junit")
#: File name suffix of each format (`report.<suffix>`).
EXTENSIONS = {"html": "html", "md": "md", "json": "json", "sarif": "sarif", "junit": "junit.xml"}


def templates_dir() -> Path:
    """The installed templates, or the repository's `templates/` in a development install."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "templates"


_MD_SPECIAL = "\\`*_{}[]()#+!|~"
#: One pass of str.translate does what `&` → `&amp;`, newlines → spaces, a backslash before
#: each Markdown metacharacter, then `<`/`>` → entities did in four passes (the Markdown report
#: escapes every cell of every finding: tens of thousands at 20,000 pods). `<` and `>` become
#: entities with no backslash: `\\&gt;` would show a literal `&gt;` (the backslash escapes the `&`).
_MD_TABLE = str.maketrans(
    {"&": "&amp;", "\r": " ", "\n": " ", **{c: "\\" + c for c in _MD_SPECIAL}, "<": "&lt;", ">": "&gt;"}
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


#: Control characters other than tab and newline: an object name may carry terminal escape
#: sequences (`\x1b]8;;...`, `\x1b]52;...`) that act when a report is `cat` in a terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _control_picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC: visible, inert
    return "\u2421" if code == 0x7F else "\ufffd"


def _printable(value: Any) -> Any:
    """Every value a template prints, with control characters shown as symbols (Markup stays Markup)."""
    if isinstance(value, str) and _CONTROL.search(value):
        text = _CONTROL.sub(_control_picture, value)
        return type(value)(text) if isinstance(value, markupsafe.Markup) else text
    return value


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=lambda name: bool(name and name.endswith((".html", ".html.j2"))),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_printable,
    )
    env.filters["md"] = md_escape
    env.filters["evidence"] = _evidence_value
    env.filters["anchor"] = reportview.anchor
    env.filters["bar"] = reportview.bar
    env.filters["code"] = reportview.code_spans
    env.filters["fence"] = fence
    env.globals.update(Status=Status, Severity=Severity, Section=Section)
    return env


def fence(text: str, lang: str = "") -> str:
    """A Markdown code block that no backtick run inside `text` can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def _context(report: Report) -> dict[str, Any]:
    return reportview.context(report)


def _self_check(text: str) -> None:
    """With K8SAUDIT_VALIDATE_REPORTS=1 (the test suite sets it), refuse a JSON report the schema refuses."""
    if os.environ.get("K8SAUDIT_VALIDATE_REPORTS") == "1":
        import json

        from k8saudit.schema import validate

        validate(json.loads(text))


def render(report: Report, fmt: str) -> str:
    """The report as `html`, `md` or `json` text (the cyclic GC paused: see `k8saudit.gcpause`)."""
    if fmt == "json":
        with gcpause.paused():
            text = report.model_dump_json(indent=2) + "\n"
        _self_check(text)
        return text
    if fmt == "sarif":
        from k8saudit.sarif import render_sarif

        return render_sarif(report)
    if fmt == "junit":
        from k8saudit.junit import render_junit

        return render_junit(report)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    template = _environment().get_template("report.html" if fmt == "html" else "report.md")
    with gcpause.paused():
        context = _context(report)
        if fmt == "html":
            context["assets"] = reportview.assets(templates_dir())
        return template.render(**context)
