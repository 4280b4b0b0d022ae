"""A reader that stops reading (`k8saudit scan | head`) is not a finding: through a real pipe,
under `set -o pipefail` as GitHub Actions' bash runs, the exit code is the command's own.

The reader here is `true`, which exits without reading anything, so k8saudit's very first write
to the pipe fails (EPIPE) whatever the timing; `head -3` is the same once it has its lines.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.runcli import clean_env


def k8saudit() -> str:
    script = Path(sys.executable).parent / "k8saudit"
    return shlex.quote(str(script)) if script.exists() else f"{shlex.quote(sys.executable)} -m k8saudit"


def piped(args: str, reader: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`k8saudit ARGS | READER` in bash with pipefail; the pipeline's status is k8saudit's unless
    the reader fails."""
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {k8saudit()} {args} | {reader}"],
        cwd=cwd,
        env=clean_env(HOME=str(cwd)),
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_quiet(run: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr, run.stderr
    assert "error" not in run.stderr.lower(), run.stderr


@pytest.mark.parametrize(
    "args",
    [
        "scan --demo -d reports",  # the terminal summary to the pipe, the reports to files
        "scan --demo -f json -o -",  # the report itself to the pipe
        "scan --demo -f json -o /dev/stdout",  # the same through the descriptor
        "checks",
        "explain pod.privileged",
        "who-can get secrets --demo",
        "diff {report} {report}",
        "--help",
    ],
)
def test_a_reader_that_left_does_not_change_the_exit_code(args: str, tmp_path: Path) -> None:
    if "{report}" in args:
        assert piped("scan --demo -f json -o report.json -q", "cat", tmp_path).returncode == 0
        args = args.format(report="report.json")
    run = piped(args, "true", tmp_path)
    assert run.returncode == 0, (run.returncode, run.stderr)
    assert_quiet(run)


def test_the_scan_still_writes_its_reports_when_the_reader_left(tmp_path: Path) -> None:
    run = piped("scan --demo -d reports", "head -3", tmp_path)
    assert run.returncode == 0, run.stderr
    assert_quiet(run)
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["report.html", "report.json", "report.md"]


def test_findings_still_decide_the_exit_code_when_the_reader_left(tmp_path: Path) -> None:
    """The demo has critical findings: `--fail-on critical` exits 1 because of them, reader or not,
    and `--fail-on none` exits 0 although the pipe broke."""
    failing = piped("scan --demo -d reports --fail-on critical", "true", tmp_path)
    assert failing.returncode == 1, failing.stderr
    clean = piped("scan --demo -d reports --fail-on none", "true", tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert_quiet(clean)
