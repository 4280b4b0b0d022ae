"""A JSON report that a newer k8saudit wrote is read by every reader (`diff`, `scan --baseline`,
`report`) as long as its schemaVersion has the same major: the README promises that version "1"
only ever gains optional fields, so a reader ignores the fields it does not know. Another major
is one clear error line; the schema requires `schemaVersion` and admits added fields."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from k8saudit.engine.run import run_checks
from k8saudit.output import schema
from k8saudit.output.diff import load_report
from k8saudit.output.render import render
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.security.support import assert_one_line_error, run_main


@cache
def demo_json() -> str:
    return render(run_checks(load_snapshot(snapshot_path())), "json")


def from_a_newer_k8saudit(**top: Any) -> dict[str, Any]:
    """The demo's report as a later k8saudit 1.x might write it: one optional field added at
    the top and in every kind of nested object."""
    document: dict[str, Any] = json.loads(demo_json())
    document["fleet"] = {"name": "eu-prod", "clusters": 12}
    document["cluster"]["region"] = "eu-west-1"
    document["coverage"]["inputs"][0]["durationMs"] = 120
    document["sections"][0]["trend"] = [61.0, 61.8]
    document["checks"][0]["problem"] = "Images from anywhere"
    finding = next(f for f in document["findings"] if f["resource"] and f["evidence"])
    finding["fingerprint"] = "3f1c"
    finding["resource"]["uid"] = "7d6c"
    finding["evidence"][0]["source"] = "spec"
    document["accessReview"]["permissions"][0]["holders"][0]["lastUsed"] = None
    document.update(top)
    return document


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    return path


def test_the_schema_admits_added_fields_and_requires_the_version() -> None:
    newer = from_a_newer_k8saudit()
    assert schema.errors(newer) == []
    del newer["schemaVersion"]
    assert any("schemaVersion" in problem for problem in schema.errors(newer))
    committed = json.loads(schema.REPORT_SCHEMA.read_text())
    assert "schemaVersion" in committed["required"]


def test_load_report_ignores_fields_it_does_not_know(tmp_path: Path) -> None:
    report = load_report(write(tmp_path / "newer.json", from_a_newer_k8saudit()))
    assert report.findings[0].check == json.loads(demo_json())["findings"][0]["check"]
    assert "fleet" not in report.model_dump() and "region" not in report.cluster.model_dump()


@pytest.mark.parametrize("version", ["1", "1.4"])
def test_every_reader_reads_a_newer_report_of_the_same_major(version: str, tmp_path: Path) -> None:
    newer = write(tmp_path / "newer.json", from_a_newer_k8saudit(schemaVersion=version))
    old = write(tmp_path / "old.json", json.loads(demo_json()))
    diffed = run_main("diff", old, newer, "--format", "json")
    assert diffed.code == 0, diffed.stderr
    assert json.loads(diffed.stdout)["stillFailing"] > 0
    baseline = run_main("scan", "--demo", "--baseline", newer, "-f", "json", "-o", tmp_path / "scan.json", "-q")
    assert baseline.code == 0, baseline.stderr
    assert json.loads((tmp_path / "scan.json").read_text())["sinceLastScan"]["new"] == []
    rendered = run_main("report", newer, "-f", "json", "-f", "html", "-d", tmp_path / "again")
    assert rendered.code == 0, rendered.stderr
    again = json.loads((tmp_path / "again" / "report.json").read_text())
    assert again["schemaVersion"] == "1" and "fleet" not in again  # what this k8saudit read, and no more


@pytest.mark.parametrize("version", ["2", "2.0", 1])
def test_another_major_is_one_line_and_exit_2(version: Any, tmp_path: Path) -> None:
    other = write(tmp_path / "other.json", from_a_newer_k8saudit(schemaVersion=version))
    for args in (["diff", other, other], ["report", other, "-d", tmp_path / "out"]):
        assert_one_line_error(run_main(*args), 2, f"schema version {version!r}", "reads version 1")
    assert not (tmp_path / "out").exists()
