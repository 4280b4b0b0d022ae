"""Writers: render the one Report model as HTML, Markdown, JSON, SARIF or JUnit XML.

Templates live in `templates/` at the top of the repository and ship inside the wheel as
`k8saudit/templates`. HTML is autoescaped by an explicit function (NOTES.md: a `.html.j2`
name would silently escape nothing); Markdown gets its own escaping filter because Jinja's
HTML escaping does not cover pipes or backticks. What the templates show is computed in
`k8saudit.output.view`; SARIF and JUnit are built as data in `k8saudit.output.sarif` and `k8saudit.output.junit`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from functools import cache, partial
from pathlib import Path
from typing import Any, BinaryIO

import jinja2
import markupsafe
from pydantic import TypeAdapter

from k8saudit.model.findings import Finding, Report, Section, Severity, Status
from k8saudit.output import view as reportview
from k8saudit.runtime import gcpause

FORMATS = ("html", "md", "json", "sarif", "junit")
#: File name suffix of each format (`report.<suffix>`).
EXTENSIONS = {"html": "html", "md": "md", "json": "json", "sarif": "sarif", "junit": "junit.xml"}


def templates_dir() -> Path:
    """The installed templates, or the repository's `templates/` in a development install."""
    packaged = Path(__file__).parent.parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent.parent / "templates"


#: Markdown escaping and evidence values live in `k8saudit.output.view` (its row cells use them); kept here by name.
md_escape = reportview.md_escape
_evidence_value = reportview.evidence_value


_CONTROL = reportview.CONTROL
_ROWS = reportview.Rows


def _control_picture(match: re.Match[str]) -> str:
    return reportview.control_picture(match.group())


def _printable(value: Any) -> Any:
    """Every value a template prints, with control characters shown as symbols (Markup stays
    Markup). A findings table's `reportview.Rows` had theirs shown when they were built."""
    if isinstance(value, str) and type(value) is not _ROWS and _CONTROL.search(value):
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


def _template(name: str) -> jinja2.Template:
    """The template `name` (Jinja compiles it once per process and keeps it)."""
    return _environment().get_template(name)


def fence(text: str, lang: str = "") -> str:
    """A Markdown code block that no backtick run inside `text` can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def _context(report: Report) -> dict[str, Any]:
    return reportview.context(report)


def _self_check(text: str | bytes) -> None:
    """With K8SAUDIT_VALIDATE_REPORTS=1 (the test suite sets it), refuse a JSON report the schema refuses."""
    if _validating():
        import json

        from k8saudit.output.schema import validate

        validate(json.loads(text))


def _validating() -> bool:
    return os.environ.get("K8SAUDIT_VALIDATE_REPORTS") == "1"


#: Characters of template output joined into one write (pieces are a few dozen characters,
#: a findings table's `reportview.Rows` ~100 KB).
_CHARS_PER_WRITE = 1 << 20
#: A piece this long is written by itself rather than joined with its neighbours: joined with
#: the template's non-ASCII text (`·`, `—`), an ASCII piece would be widened and re-encoded.
_OWN_WRITE = 1 << 12
#: Findings serialized per batch when streaming the JSON report.
_FINDINGS_PER_BATCH = 500
#: A batch of findings is serialized as `{"findings": [...]}`: with `indent=2` its items come out
#: indented as deep as in the report, between these two.
_FINDINGS = TypeAdapter(dict[str, list[Finding]])
_BATCH_HEAD = b'{\n  "findings": [\n'
_BATCH_TAIL = b"\n  ]\n}"
#: The `findings` member of a report serialized with no findings, as `indent=2` writes it.
_EMPTY_FINDINGS = b'\n  "findings": [],\n'


def _json_chunks(report: Report) -> Iterator[bytes | memoryview]:
    """The bytes of `report.model_dump_json(indent=2)` and a newline, in pieces of a few MB.

    The report is serialized without its findings, and the findings in batches spliced in where
    the empty list was (each batch's items sliced out of `{"findings": [...]}`, not copied).
    Test `test_report_stream` holds the oracle.
    """
    findings = report.findings
    head = report.model_copy(update={"findings": []})
    text = head.__pydantic_serializer__.to_json(head, indent=2)
    if not findings:
        yield text + b"\n"
        return
    before, found, after = text.partition(_EMPTY_FINDINGS)
    if not found:  # pragma: no cover - the models changed shape: serialize whole
        yield report.__pydantic_serializer__.to_json(report, indent=2) + b"\n"
        return
    yield before + b'\n  "findings": [\n'
    for start in range(0, len(findings), _FINDINGS_PER_BATCH):
        batch = _FINDINGS.dump_json({"findings": findings[start : start + _FINDINGS_PER_BATCH]}, indent=2)
        if not (batch.startswith(_BATCH_HEAD) and batch.endswith(_BATCH_TAIL)):  # pragma: no cover
            raise AssertionError("a batch of findings was not serialized as expected")
        if start:
            yield b",\n"
        yield memoryview(batch)[len(_BATCH_HEAD) : -len(_BATCH_TAIL)]
    yield b"\n  ],\n" + after + b"\n"


def _template_pieces(report: Report, fmt: str) -> Iterator[str]:
    """The HTML or Markdown report as the template generates it: many short strings."""
    template = _template("report.html" if fmt == "html" else "report.md")
    context = _context(report)
    if fmt == "html":
        context["assets"] = reportview.assets(templates_dir())
        context["finding_rows"] = reportview.HtmlCells().rows
    else:
        context["finding_rows"] = reportview.MarkdownCells().rows
    return template.generate(**context)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render(report: Report, fmt: str) -> str:
    """The report as `html`, `md`, `json`, `sarif` or `junit` text (the cyclic GC paused: see
    `k8saudit.runtime.gcpause`). `write` gives the same text as UTF-8 without holding it whole."""
    _check_format(fmt)
    if fmt == "sarif":
        from k8saudit.output.sarif import render_sarif

        return render_sarif(report)
    if fmt == "junit":
        from k8saudit.output.junit import render_junit

        return render_junit(report)
    with gcpause.paused():
        if fmt == "json":
            data = b"".join(_json_chunks(report))
            _self_check(data)
            return data.decode()
        return "".join(_template_pieces(report, fmt))


def write(report: Report, fmt: str, handle: BinaryIO) -> None:
    """Write the report in `fmt` to a binary file as UTF-8, piece by piece: the same bytes as
    `render(report, fmt).encode()`, without the whole text in memory (20,000 pods: ~110 MB over
    the three formats). Pair it with `k8saudit.runtime.files.write_atomic`, which passes the handle
    of a temporary file and renames it only once this returned."""
    _check_format(fmt)
    if fmt == "sarif":
        from k8saudit.output.sarif import sarif_bytes

        handle.write(sarif_bytes(report))
        return
    if fmt == "junit":
        handle.write(render(report, fmt).encode())
        return
    with gcpause.paused():
        if fmt == "json":
            kept: list[bytes | memoryview] | None = [] if _validating() else None
            for chunk in _json_chunks(report):
                handle.write(chunk)
                if kept is not None:
                    kept.append(chunk)
            if kept is not None:
                _self_check(b"".join(kept))  # before write_atomic's rename: a refused report is never in place
            return
        batch: list[str] = []
        size = 0
        limit = _CHARS_PER_WRITE
        for piece in _template_pieces(report, fmt):
            n = len(piece)
            if n >= _OWN_WRITE:  # a findings table's rows: mostly ASCII, encoded apart (a memcpy)
                if batch:
                    handle.write("".join(batch).encode())
                    batch.clear()
                    size = 0
                handle.write(piece.encode())
                continue
            batch.append(piece)
            size += n
            if size >= limit:
                handle.write("".join(batch).encode())
                batch.clear()
                size = 0
        handle.write("".join(batch).encode())


def writer(report: Report, fmt: str) -> Callable[[BinaryIO], None]:
    """`write` for `report` and `fmt`, as `k8saudit.runtime.files.write_atomic` takes it."""
    _check_format(fmt)
    if fmt in ("html", "md"):  # load the template (and the inline assets) now: a missing file is no write error
        _template("report.html" if fmt == "html" else "report.md")
        if fmt == "html":
            reportview.assets(templates_dir())
    return partial(write, report, fmt)
