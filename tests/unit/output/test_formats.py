"""The registry of report formats (`k8saudit.output.formats`): one entry per format drives the
CLI's `--format` choices, the report file names and the dispatch of `render`/`write`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from k8saudit.cli import app
from k8saudit.cli.options import OutFormat
from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report
from k8saudit.output import formats, render
from k8saudit.output.formats import FORMATS, by_name, names
from k8saudit.output.writer import Writer
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.unit.support import plain_text_format

REPO = Path(__file__).resolve().parents[3]


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def test_each_entry_names_a_module_that_writes_it() -> None:
    assert names() == ("html", "md", "json", "sarif", "junit", "prom", "md-summary")
    for entry in FORMATS:
        assert isinstance(entry.writer(), Writer), entry.module
        assert entry.file_name == (entry.file or f"report.{entry.extension}")
    assert [f.name for f in FORMATS if f.file] == ["prom"]
    assert len({f.file_name for f in FORMATS}) == len(FORMATS)
    assert by_name("junit").file_name == "report.junit.xml"
    assert by_name("prom").file_name == "metrics.prom"  # what node-exporter's textfile collector reads: *.prom
    assert by_name("md-summary").file_name == "report.summary.md"


def test_an_unknown_name_is_refused_with_the_choices() -> None:
    with pytest.raises(
        ValueError, match=r"unknown format 'pdf'; choose one of html, md, json, sarif, junit, prom, md-summary$"
    ):
        by_name("pdf")


def test_the_cli_format_choices_are_the_registry() -> None:
    assert [f.value for f in OutFormat] == list(names())
    text = CliRunner().invoke(app, ["scan", "--help"], terminal_width=400).output
    assert "--format html|md|json|sarif|junit|prom|md-summary" in text  # the choices, in the registry's order
    assert "Files are report.html, .md, .json, .sarif, .junit.xml, metrics.prom, .summary.md." in " ".join(text.split())
    assert "junit (CI test results), prom (Prometheus metrics" in " ".join(text.split())
    assert "or md-summary (Markdown that fits a PR comment)" in " ".join(text.split())


def test_a_writer_without_text_renders_what_it_writes() -> None:
    writer = plain_text_format.WRITER
    assert writer.text is None
    out = io.BytesIO()
    writer.write(demo(), out)
    assert writer.render(demo()) == out.getvalue().decode()
    assert writer.render(demo()).startswith("k8saudit plain report: kind-demo grade ")


def test_a_new_entry_is_rendered_and_written_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "FORMATS", (*FORMATS, plain_text_format.ENTRY))
    assert names()[-1] == "txt"
    text = render.render(demo(), "txt")
    assert text.splitlines()[1:] == [f"{f.status.value} {f.check}" for f in demo().findings]
    out = io.BytesIO()
    render.writer(demo(), "txt")(out)
    assert out.getvalue() == text.encode()


#: `k8saudit ARGS` in a fresh process whose registry has the test's format appended before the
#: CLI is imported: the `--format` choices and the file names are built from it.
_WITH_TXT = """
import sys
from k8saudit.output import formats
from tests.unit.support.plain_text_format import ENTRY
formats.FORMATS = (*formats.FORMATS, ENTRY)
from k8saudit.cli import main
sys.argv = ["k8saudit", *sys.argv[1:]]
main()
"""


def _k8saudit_with_txt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITH_TXT, *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_one_module_and_one_entry_make_a_format_the_cli_writes(tmp_path: Path) -> None:
    help_text = _k8saudit_with_txt("scan", "--help")
    assert "html|md|json|sarif|junit|prom|md-summary|txt" in help_text.stdout, help_text.stderr
    assert "txt (a test)" in " ".join(help_text.stdout.split())
    run = _k8saudit_with_txt("scan", "--demo", "-q", "-f", "txt", "-f", "json", "-d", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.txt"]
    written = (tmp_path / "report.txt").read_text()
    failing = sum(1 for f in json.loads((tmp_path / "report.json").read_text())["findings"] if f["status"] == "fail")
    assert written.startswith("k8saudit plain report: kind-demo") and written.count("\nfail ") == failing
    again = _k8saudit_with_txt("report", str(tmp_path / "report.json"), "-f", "txt", "-o", "-")
    assert again.returncode == 0 and again.stdout == written, again.stderr
    unknown = _k8saudit_with_txt("scan", "--demo", "-f", "pdf")
    assert unknown.returncode == 2 and "'pdf' is not one of" in unknown.stderr


def test_the_registry_and_the_cli_load_no_models_for_help() -> None:
    code = (
        "import sys, k8saudit.output.formats, k8saudit.cli; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'jinja2', 'kubernetes', 'rich'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
