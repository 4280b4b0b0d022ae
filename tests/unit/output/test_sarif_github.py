"""SARIF that GitHub code scanning accepts (its rules: tests/unit/support/github_sarif.py).

GitHub refuses a whole upload when one result has no physical location ("expected at least one
location"). The README's own example (`scan --manifests deploy/ -f sarif`) gave 45 results, every
one not-assessable and without a location; a live or demo scan gave logical locations only. Now
every result has a file (manifests) or a stable pseudo path under `k8saudit-cluster/` (a live
cluster or a snapshot), and what could not be judged is a notification, not a result.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report, ResourceRef, Severity, Status
from k8saudit.output import sarif
from k8saudit.output.render import render
from k8saudit.output.sarif import resource_uri, sarif_bytes, sarif_document
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.unit.support.github_sarif import ingestion_errors
from tests.unit.support.large_cluster import large_report
from tests.unit.support.sarif_support import manifests_report, sarif_errors

ROOT = Path(__file__).resolve().parents[3]


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def encoded(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2).encode()


def rules_broken(document: dict[str, Any]) -> set[str]:
    return {error.split(":", 1)[0] for error in ingestion_errors(encoded(document))}


# --- the checker fails on each rule -------------------------------------------------------------


def _first_result(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = doc["runs"][0]["results"][0]
    return result


def _first_rule(doc: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = doc["runs"][0]["tool"]["driver"]["rules"][0]
    return rule


def _physical(doc: dict[str, Any]) -> dict[str, Any]:
    physical: dict[str, Any] = _first_result(doc)["locations"][0]["physicalLocation"]
    return physical


BREAKERS: dict[str, Callable[[dict[str, Any]], object]] = {
    "location": lambda d: _first_result(d).pop("locations"),
    "relative-uri": lambda d: _physical(d)["artifactLocation"].update(uri="https://cluster.example/ns/pod"),
    "region": lambda d: _physical(d)["region"].update(startLine=0),
    "fingerprints": lambda d: _first_result(d).pop("partialFingerprints"),
    "rule-id": lambda d: _first_result(d).update(ruleId="no.such-check"),
    "message": lambda d: _first_result(d)["message"].update(text=""),
    "rule-text": lambda d: _first_rule(d).pop("fullDescription"),
    "rule-help": lambda d: _first_rule(d)["help"].pop("markdown"),
    "security-severity": lambda d: _first_rule(d)["properties"].update({"security-severity": 9.5}),
    "tags-per-rule": lambda d: _first_rule(d)["properties"].update(tags=[f"t{i}" for i in range(21)]),
    "locations-per-result": lambda d: _first_result(d).update(locations=_first_result(d)["locations"] * 1001),
    "not-assessable": lambda d: _first_result(d).update(kind="review", level="none"),
    "results-per-run": lambda d: d["runs"][0].update(
        results=d["runs"][0]["results"] * (25_001 // len(d["runs"][0]["results"]) + 1)
    ),
    "runs": lambda d: d.update(runs=d["runs"] * 21),
}


def test_the_demo_breaks_no_rule() -> None:
    data = sarif_bytes(demo())
    assert ingestion_errors(data) == []
    assert sarif_errors(json.loads(data)) == []  # and the OASIS schema still holds


@pytest.mark.parametrize("rule", sorted(BREAKERS))
def test_the_checker_catches_each_rule(rule: str) -> None:
    document = json.loads(sarif_bytes(demo()))
    BREAKERS[rule](document)
    assert rules_broken(document) == {rule}


def test_the_checker_catches_a_file_over_10_mb_gzipped() -> None:
    document = json.loads(sarif_bytes(demo()))
    document["runs"][0]["properties"]["padding"] = os.urandom(8 * 1024 * 1024).hex()  # 16 MB, ~8.5 MB gzipped
    document["runs"][0]["properties"]["more"] = os.urandom(2 * 1024 * 1024).hex()
    data = encoded(document)
    assert len(gzip.compress(data)) > 10 * 1024 * 1024
    assert {e.split(":", 1)[0] for e in ingestion_errors(data)} == {"gzip-size"}


def test_the_checker_catches_a_security_severity_out_of_range() -> None:
    for bad in ("0", "10.5", "high", None):
        document = json.loads(sarif_bytes(demo()))
        _first_rule(document)["properties"]["security-severity"] = bad
        assert rules_broken(document) == {"security-severity"}, bad


# --- what k8saudit writes -----------------------------------------------------------------------


def test_every_demo_result_has_a_stable_pseudo_path() -> None:
    report = demo()
    run = sarif_document(report)["runs"][0]
    judged = [f for f in report.findings if f.status is not Status.NOT_ASSESSABLE]
    assert len(run["results"]) == len(judged)
    by_uri = {}
    for result in run["results"]:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "K8SAUDIT_CLUSTER"
        assert physical["region"] == {"startLine": 1}
        by_uri.setdefault(physical["artifactLocation"]["uri"], []).append(result["ruleId"])
    assert "pod.host-path" in by_uri["k8saudit-cluster/kind-demo/ci/Deployment/build-runner.yaml"]
    cluster_scoped = "k8saudit-cluster/kind-demo/_cluster/ClusterRoleBinding/anonymous-metrics.yaml"
    assert by_uri[cluster_scoped] == ["rbac.anonymous-bindings"]
    assert "cp.audit-logging" in by_uri["k8saudit-cluster/kind-demo/cluster.yaml"] or any(
        "k8saudit-cluster/kind-demo/kube-system/Pod/" in uri for uri in by_uri
    )
    assert "K8SAUDIT_CLUSTER" in run["originalUriBaseIds"]
    assert run["automationDetails"] == {"id": "k8saudit/kind-demo/"}
    again = sarif_document(run_checks(load_snapshot(snapshot_path())))["runs"][0]
    assert [r["locations"] for r in again["results"]] == [r["locations"] for r in run["results"]]


def test_the_pseudo_paths_of_every_kind_of_resource() -> None:
    pod = ResourceRef(kind="Pod", namespace="shop", name="web-0")
    crb = ResourceRef(kind="ClusterRoleBinding", name="admins")
    assert resource_uri("prod", pod) == "k8saudit-cluster/prod/shop/Pod/web-0.yaml"
    assert resource_uri("prod", crb) == "k8saudit-cluster/prod/_cluster/ClusterRoleBinding/admins.yaml"
    assert resource_uri("prod", None) == "k8saudit-cluster/prod/cluster.yaml"
    context = "arn:aws:eks:eu-west-1:1234:cluster/prod"
    assert resource_uri(context, pod).split("/")[1] == "arn%3Aaws%3Aeks%3Aeu-west-1%3A1234%3Acluster%2Fprod"
    hostile = ResourceRef(kind="Pod", namespace="..", name="../../etc/passwd")
    uri = resource_uri("..", hostile)
    assert uri == "k8saudit-cluster/%2E%2E/%2E%2E/Pod/..%2F..%2Fetc%2Fpasswd.yaml"
    assert ".." not in uri.split("/")


def test_a_snapshot_without_a_context_is_named_by_its_server() -> None:
    report = demo().model_copy(deep=True)
    report.cluster.context = None
    report.cluster.server = "https://10.0.0.1:6443"
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif_document(report)["runs"][0]["results"]
    }
    assert all(uri.startswith("k8saudit-cluster/10.0.0.1/") for uri in uris)


def test_not_assessable_checks_are_notifications_not_results() -> None:
    report = demo()
    run = sarif_document(report)["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    not_assessable = [f for f in report.findings if f.status is Status.NOT_ASSESSABLE]
    assert len(notes) == len(not_assessable) == 11
    assert {n["associatedRule"]["id"] for n in notes} == {f.check for f in not_assessable}
    assert all(n["level"] == "note" and n["descriptor"] == {"id": "not-assessable"} for n in notes)
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[n["associatedRule"]["index"]]["id"] == n["associatedRule"]["id"] for n in notes)
    assert not [r for r in run["results"] if r["ruleId"] in {f.check for f in not_assessable}]


def test_the_readmes_manifest_example_uploads(tmp_path: Path) -> None:
    """`k8saudit scan --manifests deploy/ -f sarif -o k8saudit.sarif` from the repository root."""
    args = ["scan", "--manifests", "deploy/", "-f", "sarif", "-f", "json", "-q", "-d", str(tmp_path)]
    proc = subprocess.run(
        [sys.executable, "-m", "k8saudit", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = (tmp_path / "report.sarif").read_bytes()
    assert ingestion_errors(data) == []
    run = json.loads(data)["runs"][0]
    assert run["results"] == []  # the auditor passes its own audit
    report = json.loads((tmp_path / "report.json").read_text())
    unjudged = [f for f in report["findings"] if f["status"] == "not-assessable"]
    assert len(unjudged) > 40  # the checks that need a cluster
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == len(unjudged)


def test_manifest_results_point_at_files_and_pass_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report, _ = manifests_report(tmp_path)
    data = render(report, "sarif").encode()
    assert ingestion_errors(data) == []
    run = json.loads(data)["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris <= {"deploy/web.yaml", "deploy/list.yaml"} or all(
        u.startswith(("deploy/", "k8saudit-cluster/manifests/")) for u in uris
    )
    assert run["automationDetails"] == {"id": "k8saudit/manifests/"}


def test_a_large_cluster_passes_the_rules() -> None:
    data = sarif_bytes(large_report())
    assert ingestion_errors(data) == []
    assert len(json.loads(data)["runs"][0]["results"]) == sum(
        1 for f in large_report().findings if f.status is not Status.NOT_ASSESSABLE
    )


# --- beyond GitHub's limits: cut by severity, and say so ----------------------------------------


def _kept_severities(run: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in run["results"]:
        counts[result["properties"]["severity"]] = counts.get(result["properties"]["severity"], 0) + 1
    return counts


LIMIT = 2_000


def test_more_results_than_github_takes_are_cut_by_severity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", LIMIT)  # 2,000: past every critical and high finding
    report = large_report()
    data = sarif_bytes(report)
    run = json.loads(data)["runs"][0]
    assert len(run["results"]) == LIMIT
    critical, high = report.counts["critical"], report.counts["high"]
    assert critical == 81 and 0 < high < LIMIT - critical < report.counts["medium"]  # the cut falls in medium
    assert _kept_severities(run) == {"critical": critical, "high": high, "medium": LIMIT - critical - high}
    truncated = run["properties"]["truncated"]
    judged = sum(1 for f in report.findings if f.status is not Status.NOT_ASSESSABLE)
    assert truncated["findings"] == judged and truncated["written"] == LIMIT
    assert sum(truncated["leftOut"].values()) == judged - LIMIT
    warning = [n for n in run["invocations"][0]["toolExecutionNotifications"] if n["level"] == "warning"]
    assert len(warning) == 1 and "report.json has every finding" in warning[0]["message"]["text"]


def test_a_file_over_the_gzipped_limit_is_cut_until_it_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_GZIP_BYTES", 150_000)
    report = large_report()
    data = sarif_bytes(report)
    assert len(gzip.compress(data)) <= 150_000
    run = json.loads(data)["runs"][0]
    assert 0 < len(run["results"]) < len(report.failing())
    assert _kept_severities(run)["critical"] == 81  # the gravest are kept
    ranks = [Severity(r["properties"]["severity"]).rank for r in run["results"]]
    left_out = run["properties"]["truncated"]["leftOut"]
    assert min(ranks) >= max(Severity(s).rank for s in left_out if s != "exempt")
