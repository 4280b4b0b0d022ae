"""Helpers of the security tier: the real CLI entry point run in-process, and the two promises
every test here checks (one-line errors; nothing reported as assessed that was not read)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from k8saudit.checks.registry import all_checks
from k8saudit.cli import main

ERROR_PREFIX = "k8saudit: error: "


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data


def run_main(*args: str | Path, env: dict[str, str] | None = None) -> Outcome:
    """`k8saudit ARGS` through the console entry point (`k8saudit.cli.main`), in this process.

    main() is what turns exceptions into one line and an exit code, so it is what a hostile
    input must get through; typer's CliRunner would bypass it. Any exception that escapes
    main() other than SystemExit fails the test.
    """
    out, err = io.StringIO(), io.StringIO()
    environ = {k: v for k, v in os.environ.items() if k not in ("K8SAUDIT_DEBUG", "KUBECONFIG")}
    environ.update(env or {})
    with (
        mock.patch.object(sys, "argv", ["k8saudit", *map(str, args)]),
        mock.patch.dict(os.environ, environ, clear=True),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:
            code = 0
    return Outcome(code, out.getvalue(), err.getvalue())


def assert_one_line_error(outcome: Outcome, code: int, *names: str) -> str:
    """Exit `code`, exactly one line on stderr (our error line), naming each of `names`."""
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.code == code, (outcome.code, outcome.stderr[-2000:])
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr[-2000:]
    line = lines[0]
    assert line.startswith(ERROR_PREFIX), line
    assert "internal error" not in line, line
    for name in names:
        assert name in line, (name, line)
    return line


WARNING_PREFIX = "k8saudit: warning: "


def assert_one_line_warning(outcome: Outcome, *names: str) -> str:
    """Exit 0 with a report, and exactly one line on stderr: the warning of a skipped object,
    naming each of `names` (issue 15: a malformed object is skipped, the rest audited)."""
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.code == 0, (outcome.code, outcome.stderr[-2000:])
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr[-2000:]
    line = lines[0]
    assert line.startswith(WARNING_PREFIX) and "skipped a malformed" in line, line
    for name in names:
        assert name in line, (name, line)
    return line


_READS = {c.id: set(c.reads) for c in all_checks()}


def unreadable_inputs(report: dict[str, Any]) -> dict[str, str]:
    """Inputs the report says could not be read (not-served, forbidden, error), with reasons."""
    return {
        i["name"]: i["reason"] or ""
        for i in report["coverage"]["inputs"]
        if i["status"] in ("forbidden", "error", "not-served")
    }


def assert_honest(report: dict[str, Any]) -> None:
    """No check that reads an unreadable input says anything but not-assessable, with a reason."""
    missing = {i["name"] for i in report["coverage"]["inputs"] if i["status"] != "ok"}
    for summary in report["checks"]:
        lacking = _READS[summary["id"]] & missing
        if not lacking:
            continue
        assert summary["status"] == "not-assessable", (summary["id"], summary["status"], lacking)
        assert summary["reason"], summary["id"]
        assert summary["passed"] == summary["failed"] == 0, summary
        judged = [f for f in report["findings"] if f["check"] == summary["id"] and f["status"] != "not-assessable"]
        assert judged == [], (summary["id"], judged[:1])
