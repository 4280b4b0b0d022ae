"""What the browser tests share: the demo's reports written by the real CLI, and one headless Chromium."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.cdp import Browser, chromium


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`k8saudit scan --demo` through the real CLI: the HTML and the JSON report."""
    out = tmp_path_factory.mktemp("demo-report")
    proc = subprocess.run(
        [sys.executable, "-m", "k8saudit", "scan", "--demo", "-q", "-d", str(out), "-f", "html", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def history_report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`k8saudit scan --demo --history DIR` over two earlier scans: the report with its History section."""
    from tests.unit.support.history_support import demo_document, earlier, failing_keys, write

    runs = tmp_path_factory.mktemp("history-runs")
    keys = failing_keys(demo_document())
    write(runs, "older.json", earlier(20, passing=keys[:30], score=55.0))
    write(runs, "old.json", earlier(10, passing=keys[:10], score=58.0))
    out = tmp_path_factory.mktemp("history-report")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "k8saudit",
            "scan",
            "--demo",
            "-q",
            "--history",
            str(runs),
            "-d",
            str(out),
            "-f",
            "html",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert 'id="history"' in (out / "report.html").read_text()
    return out


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    binary = chromium()
    if binary is None:
        pytest.skip("headless Chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
    with Browser(binary) as b:
        yield b
