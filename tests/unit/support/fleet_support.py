"""Cluster reports to feed `k8saudit fleet`: the demo cluster's real JSON report, re-labelled.

Each written report is the demo's, with the cluster's identity, the time and (optionally) the
score, the failing counts and check statuses changed, so a fleet test controls what the fleet
must show without scanning anything.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from k8saudit.engine.run import run_checks
from k8saudit.output.render import render
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot


@cache
def _demo_text() -> str:
    return render(run_checks(load_snapshot(snapshot_path())), "json")


def demo_document() -> dict[str, Any]:
    """A fresh copy of the demo cluster's JSON report."""
    document: dict[str, Any] = copy.deepcopy(json.loads(_demo_text()))
    return document


def write_report(
    path: Path,
    *,
    context: str | None,
    at: str = "2026-11-05T03:17:02Z",
    score: float | None = None,
    name: str | None = None,
    counts: dict[str, int] | None = None,
    passing: tuple[str, ...] = (),
    html: bool = False,
) -> Path:
    """The demo report as a report of `context` (and `name`, as `scan --cluster-name` writes it)
    generated `at`, written to `path`; `passing` checks turned from fail to pass; `html` also
    writes a `report.html` beside it."""
    document = demo_document()
    document["cluster"]["context"] = context
    if name is not None:
        document["cluster"]["name"] = name
    document["generatedAt"] = at
    if score is not None:
        document["score"] = score
    if counts is not None:
        document["counts"] = counts
    for check in document["checks"]:
        if check["id"] in passing:
            check["status"], check["failed"] = "pass", 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    if html:
        (path.parent / "report.html").write_text("<!DOCTYPE html><title>report</title>")
    return path


def failing_checks() -> list[str]:
    """The ids of the checks that fail in the demo report."""
    return sorted(c["id"] for c in demo_document()["checks"] if c["status"] == "fail")
