"""The catalogue's own text in Markdown: its `code` renders as code, cluster values stay escaped.

report.md escaped every rationale and remediation like a cluster value, so the demo's report
showed 294 backslashed backticks (\\`securityContext.privileged\\`) where the catalogue meant code.
The catalogue is text k8saudit wrote: its backquoted parts are code spans now. Names, messages
and evidence from the cluster stay escaped (the security tier throws payloads at them).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from markdown_it import MarkdownIt

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import CheckSummary, Report, Section, Severity, Status
from k8saudit.output.render import render
from k8saudit.output.view import md_trusted, md_trusted_cell
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.unit.support.hostile_report import HOSTILE, hostile_report

RENDERER = MarkdownIt("commonmark").enable("table")


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def inline(md: str) -> list[Any]:
    return [child for token in RENDERER.parse(md) for child in (token.children or [])]


def test_the_demo_report_shows_no_escaped_backtick() -> None:
    md = render(demo(), "md")
    assert md.count("\\`") == 0
    code = {t.content for t in inline(md) if t.type == "code_inline"}
    assert {"/var/run/docker.sock", "privileged", "system:anonymous"} <= code


def test_catalogue_code_is_code_and_the_rest_is_escaped() -> None:
    assert md_trusted("Set `a.b` to *false* | <b>") == "Set `a.b` to \\*false\\* \\| &lt;b&gt;"
    assert md_trusted("a `x|y` b") == "a `x|y` b"  # in a paragraph the pipe is the code's own
    assert md_trusted_cell("a `x|y` b") == "a `x\\|y` b"  # in a cell GFM needs it escaped
    assert md_trusted("an odd ` backtick") == "an odd \\` backtick"
    assert md_trusted("`<script>` & `&amp;`") == "`<script>` &amp; `&amp;`"  # code shows as written
    assert md_trusted(None) == ""


def test_a_pipe_in_catalogue_code_keeps_its_table_cell() -> None:
    check = CheckSummary(
        id="x.check",
        title="X",
        section=Section.POD_SECURITY,
        severity=Severity.LOW,
        status=Status.NOT_ASSESSABLE,
        reason="no input",
        remediation="Run `kubectl get pods | grep x` and `fix it`.",
    )
    report = demo().model_copy(update={"checks": [*demo().checks, check]})
    md = render(report, "md")
    table = md.split("## Not assessable", 1)[1].split("\n## ", 1)[0]
    html = RENDERER.render(table)
    assert "<td><code>x.check</code></td>" not in html  # ids are escaped text, not code
    assert "<code>kubectl get pods | grep x</code>" in html and "<code>fix it</code>" in html
    rows = [line for line in table.splitlines() if line.startswith("| x.check")]
    assert len(rows) == 1 and RENDERER.render(table).count("<tr>") == table.count("\n| ")


def test_cluster_values_stay_escaped() -> None:
    md = render(hostile_report(), "md")
    escaped = HOSTILE.replace("|", "\\|").replace("`", "\\`").replace("*", "\\*").replace("_", "\\_")
    assert escaped.replace("<", "&lt;").replace(">", "&gt;").replace("(", "\\(").replace(")", "\\)") in md
    assert not [t for t in inline(md) if t.type == "code_inline" and "onerror" in t.content]
