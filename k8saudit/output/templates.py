"""The Jinja templates the HTML and Markdown reports are made from, and how their text is written.

Templates live in `templates/` at the top of the repository and ship inside the wheel as
`k8saudit/templates`. HTML is autoescaped by an explicit function: a `.html.j2` name would
silently escape nothing. Markdown gets its own escaping filter because Jinja's HTML escaping does
not cover pipes or backticks. What the templates show is computed in `k8saudit.output.view`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import jinja2
import markupsafe

from k8saudit.model.findings import Report, Section, Severity, Status
from k8saudit.output import view
from k8saudit.output.writer import Writer
from k8saudit.runtime import gcpause


def templates_dir() -> Path:
    """The installed templates, or the repository's `templates/` in a development install."""
    packaged = Path(__file__).parent.parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent.parent / "templates"


def _control_picture(match: re.Match[str]) -> str:
    return view.control_picture(match.group())


def _printable(value: Any) -> Any:
    """Every value a template prints, with control characters shown as symbols (Markup stays
    Markup). A findings table's `view.Rows` had theirs shown when they were built."""
    if isinstance(value, str) and type(value) is not view.Rows and view.CONTROL.search(value):
        text = view.CONTROL.sub(_control_picture, value)
        return type(value)(text) if isinstance(value, markupsafe.Markup) else text
    return value


def fence(text: str, lang: str = "") -> str:
    """A Markdown code block that no backtick run inside `text` can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


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
    env.filters["md"] = view.md_escape
    env.filters["md_trusted"] = view.md_trusted
    env.filters["md_trusted_cell"] = view.md_trusted_cell
    env.filters["evidence"] = view.evidence_value
    env.filters["anchor"] = view.anchor
    env.filters["bar"] = view.bar
    env.filters["code"] = view.code_spans
    env.filters["breakable"] = view.breakable
    env.filters["fence"] = fence
    env.filters["plural"] = view.plural
    env.filters["clip"] = view.clip
    env.globals.update(Status=Status, Severity=Severity, Section=Section)
    return env


def template(name: str) -> jinja2.Template:
    """The template `name` (Jinja compiles it once per process and keeps it)."""
    return _environment().get_template(name)


def pieces(name: str, report: Report, **extra: Any) -> Iterator[str]:
    """The report through template `name`, as Jinja generates it: many short strings.
    `extra` is what this format adds to `view.context` (its findings rows, the inline assets)."""
    context = view.context(report)
    context.update(extra)
    return template(name).generate(**context)


#: Characters of template output joined into one write (pieces are a few dozen characters,
#: a findings table's `view.Rows` ~100 KB).
_CHARS_PER_WRITE = 1 << 20
#: A piece this long is written by itself rather than joined with its neighbours: joined with
#: the template's non-ASCII text (`·`, `—`), an ASCII piece would be widened and re-encoded.
_OWN_WRITE = 1 << 12


def write_pieces(texts: Iterable[str], handle: BinaryIO) -> None:
    """Write `texts` to a binary file as UTF-8, short pieces joined into writes of about a MB:
    the same bytes as `"".join(texts).encode()` without the whole text in memory."""
    batch: list[str] = []
    size = 0
    limit = _CHARS_PER_WRITE
    own = _OWN_WRITE
    for piece in texts:
        n = len(piece)
        if n >= own:  # a findings table's rows: mostly ASCII, encoded apart (a memcpy)
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


def pieces_writer(pieces: Callable[[Report], Iterable[str]], prepare: Callable[[], None]) -> Writer:
    """The `Writer` of a report made of template pieces (`pieces`): streamed into a file, or
    joined into one string, with the cyclic GC paused either way (see `k8saudit.runtime.gcpause`)."""

    def write(report: Report, handle: BinaryIO) -> None:
        with gcpause.paused():
            write_pieces(pieces(report), handle)

    def text(report: Report) -> str:
        with gcpause.paused():
            return "".join(pieces(report))

    return Writer(write=write, text=text, prepare=prepare)
