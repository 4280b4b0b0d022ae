"""Earlier JSON reports for the history tests: the demo's report, sent back in time, with some of
its failing findings not failing then."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report
from k8saudit.output.history import finding_key
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot

#: "This scan": the time the tests run (a CLI scan of the demo made during the test is later still).
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def demo_now() -> Report:
    """The demo's report as if scanned at NOW (a deep copy: the test may change it)."""
    return demo().model_copy(update={"generatedAt": NOW.isoformat()}, deep=True)


def demo_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(demo().model_dump_json())
    return document


def failing_keys(document: dict[str, Any]) -> list[str]:
    return [finding_key(f) for f in document["findings"] if f["status"] == "fail"]


def earlier(days: int, *, passing: Iterable[str] = (), score: float | None = None) -> dict[str, Any]:
    """The demo's report `days` before NOW, with the findings `passing` (keys) not failing then."""
    document = copy.deepcopy(demo_document())
    document["generatedAt"] = (NOW - dt.timedelta(days=days)).isoformat()
    gone = set(passing)
    document["findings"] = [f for f in document["findings"] if not (f["status"] == "fail" and finding_key(f) in gone)]
    counts: dict[str, int] = {}
    for f in document["findings"]:
        if f["status"] == "fail":
            counts[f["severity"]] = counts.get(f["severity"], 0) + 1
    document["counts"] = counts
    if score is not None:
        document["score"] = score
    return document


def write(folder: Path, name: str, document: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(document))
    return path
