"""`k8saudit report`: a stored JSON report re-rendered without the cluster."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "k8saudit", *args], capture_output=True, text=True, cwd=cwd)


def test_json_report_rerenders_to_the_same_findings(tmp_path: Path) -> None:
    scan = _run("scan", "--demo", "--format", "json", "--output", "scan.json", "-q", cwd=tmp_path)
    assert scan.returncode == 0, scan.stderr
    again = _run("report", "scan.json", "--format", "json", "--output", "-", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    original = json.loads((tmp_path / "scan.json").read_text())
    assert json.loads(again.stdout) == original
    html = _run("report", "scan.json", "-d", "out", cwd=tmp_path)
    assert html.returncode == 0, html.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html", "report.md"]
    assert original["findings"][0]["check"] in (tmp_path / "out" / "report.md").read_text()


def test_a_file_that_is_not_a_report_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"kind": "List"}')
    run = _run("report", "x.json", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "not a k8saudit JSON report" in run.stderr
