"""`k8saudit fleet`: many clusters' JSON reports merged into one fleet report.

One row per cluster (its latest report, the earlier ones as its trend), the checks failing on
most clusters, links to each cluster's report, and bad inputs left out one warning line each
while the fleet report is still written.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from k8saudit.model.fleet import FLEET_KIND, FLEET_SCHEMA_VERSION
from k8saudit.output import schema
from k8saudit.runtime.errors import InputError
from tests.integration.runcli import clean_env, invoke, run_cli
from tests.unit.support.fleet_support import demo_document, failing_checks, write_report

ZERO = {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0}


def fleet_json(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "fleet.json").read_text())
    return document


def rows(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in document["clusters"]}


# --- merging ------------------------------------------------------------------------------------


def test_one_row_per_cluster_with_its_trend_and_the_checks_failing_on_most(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    for i, (at, score) in enumerate([("2026-11-03T03:00:00Z", 60.0), ("2026-11-04T03:00:00Z", 65.0)]):
        write_report(reports / "prod" / f"run{i}" / "report.json", context="prod", at=at, score=score)
    write_report(reports / "prod" / "run2" / "report.json", context="prod", at="2026-11-05T03:00:00Z", score=70.5)
    write_report(reports / "staging" / "report.json", context="staging", score=40.0, html=True)
    write_report(reports / "dev" / "report.json", context="dev", score=90.0, passing=("pod.privileged",))
    out = tmp_path / "fleet"

    result = invoke("fleet", reports, "-d", out)

    assert result.exit_code == 0, (result.stdout, result.stderr)
    document = fleet_json(out)
    assert (document["kind"], document["schemaVersion"]) == (FLEET_KIND, FLEET_SCHEMA_VERSION)
    assert [r["name"] for r in document["clusters"]] == ["staging", "prod", "dev"]  # lowest score first
    by_name = rows(document)
    prod = by_name["prod"]
    assert [run["score"] for run in prod["runs"]] == [60.0, 65.0, 70.5]  # oldest first, the row's last
    assert (prod["score"], prod["scoreChange"], prod["generatedAt"]) == (70.5, 5.5, "2026-11-05T03:00:00Z")
    assert prod["runs"][0]["report"] == "../reports/prod/run0/report.json"  # relative to the fleet's folder
    assert by_name["staging"]["report"] == "../reports/staging/report.html"  # the HTML beside it is linked
    assert by_name["dev"]["report"] == "../reports/dev/report.json"
    assert by_name["dev"]["scoreChange"] is None and len(by_name["dev"]["runs"]) == 1
    assert prod["failingChecks"] == failing_checks()
    checks = {c["id"]: c for c in document["checks"]}
    assert checks["pod.privileged"]["clusters"] == ["prod", "staging"]  # passes on dev
    assert sorted(checks["cp.anonymous-auth"]["clusters"]) == ["dev", "prod", "staging"]
    spread = [len(c["clusters"]) for c in document["checks"]]
    assert spread == sorted(spread, reverse=True)  # failing on most clusters first
    assert document["totals"] == {
        "clusters": 3,
        "scanned": 3,
        "notScanned": 0,
        "counts": {k: 3 * v for k, v in demo_document()["counts"].items()},
        "failing": 3 * sum(demo_document()["counts"].values()),
        "meanScore": round((70.5 + 40.0 + 90.0) / 3, 1),
        "lowestScore": 40.0,
    }
    html = (out / "fleet.html").read_text()
    assert '<svg class="spark"' in html and "+5.5" in html  # prod's trend line and change
    assert "<script" not in html and "script-src &#39;none&#39;" in html  # no script, and none admitted
    markdown = (out / "fleet.md").read_text()
    grade = demo_document()["grade"]
    row = f"| [prod](../reports/prod/run2/report.json) | {grade} | 70.5 | 65.0 → 70.5 (+5.5) over 3 scans |"
    assert row in markdown.replace("\\(", "(").replace("\\)", ")").replace("\\+", "+")


def test_bad_inputs_are_left_out_one_line_each_and_the_fleet_is_still_written(tmp_path: Path) -> None:
    """A corrupt report, one of another schema version, two of the same cluster and time, a JSON
    file that is no report, a fleet report, a path that does not exist: each named once on stderr
    with why, listed in the fleet report, and the good reports still make it (exit 0)."""
    reports = tmp_path / "bucket"
    write_report(reports / "prod" / "20261105T031702Z" / "report.json", context="prod", score=71.0)
    write_report(reports / "prod-copy" / "report.json", context="prod", score=71.0)  # same cluster and time
    write_report(reports / "dev" / "report.json", context="dev", score=88.0)
    corrupt = reports / "corrupt" / "report.json"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_text(json.dumps(demo_document())[:5000])  # cut off mid-write
    newer = demo_document() | {"schemaVersion": "2"}
    (reports / "v2").mkdir()
    (reports / "v2" / "report.json").write_text(json.dumps(newer))
    (reports / "kubectl").mkdir()
    (reports / "kubectl" / "report.json").write_text(json.dumps({"kind": "List", "items": []}))
    invalid = demo_document()
    invalid["score"] = "high"
    (reports / "invalid").mkdir()
    (reports / "invalid" / "report.json").write_text(json.dumps(invalid))
    old_fleet = tmp_path / "old" / "fleet.json"
    old_fleet.parent.mkdir()
    old_fleet.write_text(json.dumps({"schemaVersion": "1", "kind": FLEET_KIND, "clusters": []}))
    out = tmp_path / "out"

    proc = run_cli("fleet", reports, old_fleet, tmp_path / "missing", "-d", out, cwd=tmp_path, env=clean_env())

    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    expected = {
        str(corrupt): r"not JSON \(.+ at line \d+\)",
        str(reports / "v2" / "report.json"): r"report schema version '2', written by k8saudit .+; this k8saudit reads"
        r" version 1",
        str(reports / "prod-copy" / "report.json"): r"the same cluster \(prod\) and time \(2026-11-05T03:17:02Z\) as "
        + re.escape(str(reports / "prod" / "20261105T031702Z" / "report.json"))
        + ": read once",
        str(reports / "kubectl" / "report.json"): r"not a k8saudit JSON report \(no schemaVersion\)",
        str(reports / "invalid" / "report.json"): r"not a valid k8saudit report: score: .+",
        str(old_fleet): r"a fleet report, not one cluster's report",
        str(tmp_path / "missing"): r"no such file or folder",
    }
    assert len(lines) == len(expected), proc.stderr
    for path, why in expected.items():
        matching = [ln for ln in lines if ln.startswith(f"k8saudit: warning: {path}: left out of the fleet report: ")]
        assert len(matching) == 1, (path, proc.stderr)
        assert re.fullmatch(why, matching[0].split(": left out of the fleet report: ", 1)[1]), matching[0]
    document = fleet_json(out)
    assert sorted(r["name"] for r in document["clusters"]) == ["dev", "prod"]
    assert {p["path"] for p in document["problems"]} == set(expected)
    assert all(p["path"] in (out / "fleet.html").read_text() for p in document["problems"])
    assert rows(document)["prod"]["runs"][0]["report"].endswith("20261105T031702Z/report.json")


def test_nothing_usable_is_exit_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "report.json").write_text("{")
    proc = run_cli("fleet", tmp_path / "in", "-d", tmp_path / "out", cwd=tmp_path, env=clean_env())
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("k8saudit: error: ")]
    assert errors == [
        f"k8saudit: error: no k8saudit JSON report could be read from {tmp_path / 'in'} (1 left out: "
        "see the warnings): nothing to merge"
    ]
    assert not (tmp_path / "out").exists()


def test_in_cluster_reports_are_named_after_their_folder_and_latest_is_read_once(tmp_path: Path) -> None:
    """CronJobs' reports all say context `in-cluster`: merged by that they would be one cluster. Each
    is named after the folder holding its run folders; `latest` (a second name of a run) is skipped."""
    bucket = tmp_path / "bucket"
    for cluster in ("eu-1", "us-2"):
        for day in ("04", "05"):
            run = bucket / cluster / f"202611{day}T031702Z"
            write_report(run / "report.json", context="in-cluster", at=f"2026-11-{day}T03:17:02Z")
        os.symlink("20261105T031702Z", bucket / cluster / "latest")
    write_report(bucket / "named" / "report.json", context="in-cluster", name="prod-eu")
    out = tmp_path / "out"
    result = invoke("fleet", bucket, "-d", out)
    assert result.exit_code == 0, result.stderr
    document = fleet_json(out)
    by_name = rows(document)
    assert sorted(by_name) == ["eu-1", "prod-eu", "us-2"]
    assert [len(by_name[c]["runs"]) for c in ("eu-1", "us-2")] == [2, 2]
    assert (by_name["eu-1"]["nameFrom"], by_name["prod-eu"]["nameFrom"]) == ("folder", "cluster-name")
    assert document["problems"] == []
    assert "eu-1: its reports carry no cluster name or context of their own" in result.stderr


def test_fail_on_judges_each_clusters_latest_report(tmp_path: Path) -> None:
    reports = tmp_path / "r"
    write_report(reports / "a" / "old" / "report.json", context="a", at="2026-11-01T00:00:00Z")  # criticals, earlier
    write_report(reports / "a" / "new" / "report.json", context="a", counts=ZERO | {"medium": 2})
    write_report(reports / "b" / "report.json", context="b", counts=ZERO | {"high": 1})
    assert invoke("fleet", reports, "-d", tmp_path / "o", "--fail-on", "critical").exit_code == 0
    assert invoke("fleet", reports, "-d", tmp_path / "o", "--fail-on", "high").exit_code == 1
    assert invoke("fleet", reports, "-d", tmp_path / "o").exit_code == 0


def test_one_format_to_stdout(tmp_path: Path) -> None:
    write_report(tmp_path / "r" / "report.json", context="a")
    result = invoke("fleet", tmp_path / "r", "-f", "md", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# k8saudit fleet report: 1 cluster\n")
    assert "Fleet: 1 cluster from 1 report;" in result.stderr  # the summary moves out of the report's way
    both = invoke("fleet", tmp_path / "r", "-f", "md", "-f", "json", "-o", "-")
    assert isinstance(both.exception, InputError) and "give exactly one --format" in str(both.exception)


def test_names_from_reports_are_escaped_and_links_encoded(tmp_path: Path) -> None:
    """A context name is whatever a kubeconfig's author typed: it must not become markup in the
    HTML, break the Markdown table, or act in a terminal; a folder name must not break a link."""
    hostile = "<img src=x onerror=alert(1)>|pipe\x1b[2J"
    write_report(tmp_path / "r" / "odd folder #1" / "report.json", context=hostile)
    out = tmp_path / "out"
    result = invoke("fleet", tmp_path / "r", "-d", out)
    assert result.exit_code == 0, result.stderr
    html = (out / "fleet.html").read_text()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;|pipe\u241b[2J" in html
    assert 'href="../r/odd%20folder%20%231/report.json"' in html
    markdown = (out / "fleet.md").read_text()
    row = next(ln for ln in markdown.splitlines() if "onerror" in ln)
    assert "\\|pipe" in row and "\x1b" not in markdown and "(../r/odd%20folder%20%231/report.json)" in row
    assert "\x1b" not in result.stdout


# --- the schema ----------------------------------------------------------------------------------


def test_the_committed_fleet_schema_matches_the_model_and_pins_its_version(tmp_path: Path) -> None:
    assert json.loads(schema.FLEET_SCHEMA.read_text()) == schema.fleet_schema()
    document = json.loads(schema.FLEET_SCHEMA.read_text())
    assert document["properties"]["schemaVersion"]["const"] == FLEET_SCHEMA_VERSION
    assert document["properties"]["kind"]["const"] == FLEET_KIND
    assert {"schemaVersion", "kind", "clusters", "totals"} <= set(document["required"])
    write_report(tmp_path / "r" / "report.json", context="a")
    assert invoke("fleet", tmp_path / "r", "-d", tmp_path / "o").exit_code == 0
    written = fleet_json(tmp_path / "o")
    assert schema.errors(written, schema.FLEET_SCHEMA) == []
    assert schema.errors(written | {"schemaVersion": "2"}, schema.FLEET_SCHEMA) != []
    assert schema.errors(demo_document(), schema.FLEET_SCHEMA) != []  # a cluster report is no fleet report


@pytest.mark.parametrize("flag", ["--output-dir", "-d"])
def test_the_folder_names_the_files(tmp_path: Path, flag: str) -> None:
    write_report(tmp_path / "r" / "report.json", context="a")
    assert invoke("fleet", tmp_path / "r", flag, tmp_path / "o", "-q").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["fleet.html", "fleet.json", "fleet.md"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in (tmp_path / "o").iterdir())


def test_only_each_clusters_latest_report_keeps_its_detail(tmp_path: Path) -> None:
    """Memory follows the clusters, not the reports: an earlier run keeps only what its trend shows."""
    from k8saudit.output.fleet import read_reports

    for day in ("03", "05", "04"):
        write_report(tmp_path / day / "report.json", context="prod", at=f"2026-11-{day}T00:00:00Z")
    read = read_reports([tmp_path])
    detail = {e.digest.generatedAt[8:10]: (len(e.digest.checks), len(e.digest.coverage.inputs)) for e in read.entries}
    assert detail["05"][0] > 50 and detail["05"][1] > 10
    assert detail["03"] == detail["04"] == (0, 0)
