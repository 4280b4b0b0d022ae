"""Streamed reports are the rendered ones, byte for byte, and a failed stream leaves nothing.

`k8saudit.output.render.write` streams each format into a file (JSON spliced from batches of findings, HTML and
Markdown from the template's pieces), and the templates' per-finding rows are computed in
`reportview`. Each keeps an oracle here: the straightforward version it replaced.
"""

from __future__ import annotations

import io
import random
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from markupsafe import Markup

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Evidence, Exemption, Finding, Report, ResourceRef, Section, Severity, Status
from k8saudit.output import json_report, templates
from k8saudit.output import view as reportview
from k8saudit.output.formats import names
from k8saudit.output.priorities import FailingCheck
from k8saudit.output.render import render, write, writer
from k8saudit.output.templates import templates_dir
from k8saudit.output.view import HtmlCells, MarkdownCells, Risk, Rows
from k8saudit.runtime import reportdir
from k8saudit.runtime.errors import InputError
from k8saudit.runtime.files import write_atomic, write_atomic_set
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot

HOSTILE = '<img src=x onerror="alert(1)">|`x`*_\x1b]8;;evil\x07&amp;\r\n#~'


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def _finding(rng: random.Random, i: int) -> Finding:
    pieces = ["web", "shop", HOSTILE, "a b", "", "\u202e", "é", "\\", "<", ">", "&", "|", "\n", "\x7f", "\x85"]

    def text(n: int = 3) -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(1, n)))

    values: list[Any] = [None, True, False, 0, 3, "x", text(), [text(), 1, None], [], {"k": text()}]
    resource = None
    if rng.random() < 0.8:
        resource = ResourceRef(kind="Deployment", namespace=rng.choice([None, text()]), name=text())
    return Finding(
        check=f"pod.c{i % 3}",
        status=Status.FAIL,
        severity=rng.choice(list(Severity)),
        section=Section.POD_SECURITY,
        resource=resource,
        container=rng.choice([None, "", text()]),
        message=text(5),
        evidence=[Evidence(path=text(), value=rng.choice(values)) for _ in range(rng.randint(0, 4))],
        location=rng.choice([None, "", f"deploy/{text()}.yaml:12"]),
        exemption=rng.choice([None, Exemption(reason=text(), by="config", expired=rng.random() < 0.5)]),
    )


def _findings(n: int = 300, seed: int = 5) -> list[Finding]:
    rng = random.Random(seed)
    return [_finding(rng, i) for i in range(n)]


# --- JSON: batches of findings spliced into the report serialized without them ---------------


def _plain_json(report: Report) -> bytes:
    return (report.model_dump_json(indent=2) + "\n").encode()


@pytest.mark.parametrize("batch", [1, 3, 2000])
def test_streamed_json_is_model_dump_json(batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_report, "_FINDINGS_PER_BATCH", batch)
    hostile = demo().model_copy(update={"findings": _findings(50)})
    for rep in (demo(), hostile, demo().model_copy(update={"findings": []})):
        chunks = list(json_report.chunks(rep))
        assert b"".join(chunks) == _plain_json(rep)
    batches = -(-50 // batch)
    assert len(list(json_report.chunks(hostile))) == 2 + 2 * batches - 1  # really in batches, comma apart


# --- the per-finding rows: the old template loops are the oracle -----------------------------
# The templates print a findings table's body as `reportview.Rows` strings, several hundred rows
# each, built and escaped in Python; the template loops they replaced (autoescape, `finalize`
# and the `md` filter on every cell) must give the same text, hostile values included.

OLD_MD_ROWS = """{% for f in fs %}
| {{ f.severity.value }} | {{ (f.resource.label() if f.resource else "cluster") | md }}\
{% if f.location %} ({{ f.location | md }}){% endif %} \
| {{ (f.container or "") | md }} | {{ f.message | md }} \
| {% for e in f.evidence %}{{ e.path | md }} = {{ e.value | evidence | md }}{{ "; " if not loop.last }}{% endfor %} |
{% endfor %}"""
NEW_MD_ROWS = "{% for rows in finding_rows(fs) %}{{ rows }}{% endfor %}\n"

OLD_HTML_ROWS = """{% autoescape true %}{% for f in fs %}<tr data-severity="{{ f.severity.value }}"\
{% if loop.index0 >= print_rows %} class="print-more"{% endif %}>\
<td><span class="sev {{ f.severity.value }}">{{ f.severity.value }}</span></td>\
<td>{{ f.resource.label() if f.resource else "cluster" }}\
{% if f.container %}<br><span class="loc">container {{ f.container }}</span>{% endif %}\
{% if f.location %}<br><span class="loc">{{ f.location }}</span>{% endif %}</td><td>{{ f.message }}</td>\
<td>{% for e in f.evidence %}<span class="ev"><code>{{ e.path | breakable }}</code> = \
<code>{{ e.value | evidence | breakable }}</code></span>\
{% endfor %}</td></tr>
{% endfor %}{% endautoescape %}"""
NEW_HTML_ROWS = "{% for rows in finding_rows(fs) %}{{ rows }}{% endfor %}</tbody></table>"


def _sharing(fs: list[Finding], seed: int) -> list[Finding]:
    """`fs` and more findings that share their ResourceRef and Evidence objects, as the engine's do."""
    rng = random.Random(seed)
    shared = []
    for f in rng.sample(fs, len(fs) // 2):
        evidence = [e for e in f.evidence if rng.random() < 0.7]
        shared.append(
            Finding(
                check=f.check,
                status=Status.FAIL,
                severity=f.severity,
                section=f.section,
                resource=f.resource,
                container=rng.choice([None, f.container, "c\x1b<b>"]),
                message=rng.choice([f.message, HOSTILE]),
                evidence=evidence,
                location=rng.choice([None, f.location]),
            )
        )
    assert any(s.resource is not None and any(s.resource is f.resource for f in fs) for s in shared)
    assert any(e is g for s in shared for e in s.evidence for f in fs for g in f.evidence)
    mixed = [*fs, *shared]
    rng.shuffle(mixed)
    return mixed


def test_the_row_loops_are_the_templates() -> None:
    assert NEW_MD_ROWS in (templates_dir() / "report.md").read_text(encoding="utf-8")
    assert NEW_HTML_ROWS in (templates_dir() / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("seed", "per_piece"), [(1, 256), (2, 7), (3, 1)])
def test_markdown_rows_are_the_old_loop(seed: int, per_piece: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reportview, "ROWS_PER_PIECE", per_piece)
    env = templates._environment()
    fs = _sharing(_findings(seed=seed), seed)
    old = env.from_string(OLD_MD_ROWS).render(fs=fs)
    cells = MarkdownCells()
    new = env.from_string(NEW_MD_ROWS).render(fs=fs, finding_rows=cells.rows)
    assert new == old
    assert env.from_string(NEW_MD_ROWS).render(fs=fs, finding_rows=cells.rows) == old  # with every cell memoized
    assert "\x1b" not in new and "\r" not in new and "<img" not in new
    assert len(list(cells.rows(fs))) == -(-len(fs) // per_piece)


@pytest.mark.parametrize(("seed", "per_piece"), [(1, 256), (2, 7), (3, 1)])
def test_html_rows_are_the_old_loop(seed: int, per_piece: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reportview, "ROWS_PER_PIECE", per_piece)
    env = templates._environment()
    fs = _sharing(_findings(seed=seed), seed)
    old = env.from_string(OLD_HTML_ROWS).render(fs=fs, print_rows=reportview.PRINT_ROWS)
    cells = HtmlCells()
    new_rows = "{% autoescape true %}" + NEW_HTML_ROWS.removesuffix("</tbody></table>") + "{% endautoescape %}"
    new = env.from_string(new_rows).render(fs=fs, finding_rows=cells.rows)
    assert new == old
    assert env.from_string(new_rows).render(fs=fs, finding_rows=cells.rows) == old  # with every cell memoized
    assert "<img" not in new and "\x1b" not in new and "\x85" not in new


def test_rows_print_as_built_and_other_values_are_still_finalized() -> None:
    rows = next(HtmlCells().rows(_findings(5)))
    assert isinstance(rows, Rows) and templates._printable(rows) is rows
    assert templates._printable("a\x1bb") == "a\u241bb"
    hostile = Markup("<b>\x1b</b>")
    assert templates._printable(hostile) == Markup("<b>\u241b</b>") and isinstance(
        templates._printable(hostile), Markup
    )


def test_cached_cells_are_never_another_objects() -> None:
    """The cells are memoized per object id; the objects stay referenced, so no id is reused."""
    env = templates._environment()
    template = env.from_string(NEW_MD_ROWS)
    cells = MarkdownCells()
    for seed in range(6):  # each batch's objects are dropped before the next is made
        fs = _findings(40, seed=seed)
        assert template.render(fs=fs, finding_rows=cells.rows) == env.from_string(OLD_MD_ROWS).render(fs=fs)
        del fs


def test_risk_examples_are_each_label_once_in_order() -> None:
    fs = _findings(400)
    check = demo().checks[0]
    plain: list[str] = []
    for f in fs:
        label = f.resource.label() if f.resource else "the cluster"
        if label not in plain:
            plain.append(label)
    risk = Risk(FailingCheck(check, fs))
    assert risk.examples == plain
    assert risk.shown == plain[:3] and risk.more == max(0, len(plain) - 3)


def test_expired_exemptions_are_the_old_selection() -> None:
    rep = demo().model_copy(update={"findings": _findings(200)})
    plain = [f for f in rep.findings if f.exemption and f.exemption.expired]
    from k8saudit.output.view import context

    assert context(rep)["expired"] == plain
    assert plain  # the sample has some
    mixed = demo().model_copy(update={"findings": [*_findings(100), *demo().findings, *_findings(100, seed=9)]})
    exempt = [f for f in mixed.findings if f.status is Status.EXEMPT]
    assert context(mixed)["exempt"] == exempt
    assert exempt  # the demo has some
    assert context(mixed)["expired"] == [f for f in mixed.findings if f.exemption and f.exemption.expired]


# --- write() is render(), streamed ------------------------------------------------------------


@pytest.mark.parametrize("fmt", names())
def test_write_gives_the_rendered_bytes(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templates, "_CHARS_PER_WRITE", 7)  # many writes
    monkeypatch.setattr(templates, "_OWN_WRITE", 200)  # the longer pieces written by themselves
    monkeypatch.setattr(json_report, "_FINDINGS_PER_BATCH", 5)
    rep = demo().model_copy(update={"findings": [*demo().findings, *_findings(40)]})
    out = io.BytesIO()
    write(rep, fmt, out)
    assert out.getvalue() == render(rep, fmt).encode()
    again = io.BytesIO()
    writer(rep, fmt)(again)
    assert again.getvalue() == out.getvalue()


def test_a_streamed_json_report_the_schema_refuses_is_never_written(tmp_path: Path) -> None:
    rep = demo().model_copy(update={"schemaVersion": "999"})
    target = tmp_path / "report.json"
    target.write_text("previous")
    with pytest.raises(ValueError, match="schemaVersion"):
        write_atomic(target, writer(rep, "json"))
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_unknown_format_is_refused_before_anything_is_written() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        writer(demo(), "pdf")


# --- a writer that fails leaves the previous files and no temporary one ----------------------


def _failing(handle: BinaryIO) -> None:
    handle.write(b"half of a report")
    raise RuntimeError("renderer broke")


def _full_disk(handle: BinaryIO) -> None:
    handle.write(b"half")
    raise OSError(28, "No space left on device")


def test_write_atomic_set_keeps_the_old_set_when_a_writer_fails(tmp_path: Path) -> None:
    old = {tmp_path / "report.html": "old html", tmp_path / "report.json": "old json"}
    for path, text in old.items():
        path.write_text(text)
    good = writer(demo(), "html")
    with pytest.raises(RuntimeError, match="renderer broke"):
        write_atomic_set({tmp_path / "report.html": good, tmp_path / "report.json": _failing})
    with pytest.raises(InputError, match=r"cannot write .*report\.json: No space left on device"):
        write_atomic_set({tmp_path / "report.html": good, tmp_path / "report.json": _full_disk})
    assert {p: p.read_text() for p in tmp_path.iterdir()} == old


def test_write_atomic_set_streams_a_writer_to_the_target(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    write_atomic_set({target: writer(demo(), "md")}, mode=0o600)
    assert target.read_bytes() == render(demo(), "md").encode()
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_run_folder_is_not_made_when_a_writer_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="renderer broke"):
        reportdir.write_run(tmp_path, {"report.html": writer(demo(), "html"), "report.json": _failing}, keep=3)
    assert list(tmp_path.iterdir()) == []
    run = reportdir.write_run(tmp_path, {"report.md": writer(demo(), "md")}, keep=3)
    assert (run / "report.md").read_bytes() == render(demo(), "md").encode()


# --- SARIF: pydantic-core's encoder writes what json.dumps(indent=2) wrote --------------------


def test_sarif_bytes_are_the_json_dumps_text() -> None:
    import json

    from k8saudit.output.sarif import sarif_bytes, sarif_document

    odd: list[Any] = [float("nan"), float("inf"), -0.0, 1e16, 0.1, 2**70, "\u2028\x7f\x1b\x00é😀", True, None]
    hostile = demo().model_copy(update={"findings": _findings(300)})
    for rep in (demo(), hostile):
        plain = json.dumps(sarif_document(rep), indent=2, ensure_ascii=False) + "\n"
        assert sarif_bytes(rep) == plain.encode()
        assert render(rep, "sarif") == plain
    import pydantic_core

    doc = {"a": odd, "b": {"x": [], "y": {}, "z": [[], {}]}}
    assert pydantic_core.to_json(doc, indent=2) == json.dumps(doc, indent=2, ensure_ascii=False).encode()
