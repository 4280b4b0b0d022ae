"""Failures are named as problems, not as the passing state.

A check's title says what passes ("Containers do not run privileged"); listed under Failing and
Top risks it read as the opposite of what happened. Every check now names its failure as a short
noun phrase ("Privileged containers"), and every place that shows a failure uses it: the HTML and
Markdown reports, the Markdown summary, the terminal, SARIF (the alert's title on GitHub) and JUnit.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from functools import cache

import pytest

from k8saudit.checks.registry import PROBLEM_MAX, all_checks, check
from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report, Section, Severity
from k8saudit.output.render import render
from k8saudit.output.sarif import sarif_document
from k8saudit.output.terminal import print_summary
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot

GOAL = "Containers do not run privileged"
PROBLEM = "Privileged containers"


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def test_every_check_names_its_failure() -> None:
    checks = all_checks()
    assert len(checks) > 90
    for chk in checks:
        assert chk.problem and chk.problem != chk.title, chk.id
        assert len(chk.problem) <= PROBLEM_MAX and not chk.problem.endswith("."), chk.id
        assert chk.info().problem == chk.problem
    assert len({c.problem for c in checks}) == len(checks)  # no two checks read the same
    assert {c.id: c.problem for c in checks}["pod.privileged"] == PROBLEM


def test_a_check_without_a_problem_phrase_is_refused() -> None:
    base = {
        "id": "test.no-problem",
        "title": "Things are fine",
        "section": Section.POD_SECURITY,
        "severity": Severity.LOW,
        "reads": ("workloads",),
        "rationale": "r",
        "remediation": "r",
    }
    with pytest.raises(TypeError, match="problem"):
        check(**base)  # type: ignore[arg-type]
    for bad in ("", "Things are fine", "A sentence, not a name.", "x" * (PROBLEM_MAX + 1)):
        with pytest.raises(ValueError, match="problem"):
            check(**base, problem=bad)  # type: ignore[arg-type]


def test_reports_head_failures_with_the_problem() -> None:
    report = demo()
    assert {c.id: c.problem for c in report.checks}["pod.privileged"] == PROBLEM
    html = render(report, "html")
    risks = html.split('id="top-risks"', 1)[1].split("</section>", 1)[0]
    assert f"<b>{PROBLEM}</b>" in risks and GOAL not in risks
    heading = re.search(r'id="check-pod.privileged"[^>]*>\s*<summary>(.*?)</summary>', html, re.S)
    assert heading is not None and f">{PROBLEM}</span>" in heading.group(1)
    assert f'title="Passes when: {GOAL}"' in heading.group(1)  # the goal stays at hand
    md = render(report, "md")
    assert f"#### CRITICAL · pod.privileged: {PROBLEM}\n" in md
    assert f"1. **CRITICAL** {PROBLEM} (pod.privileged)" in md
    assert f"1. **CRITICAL** {PROBLEM} (pod.privileged)" in render(report, "md-summary")


def test_the_terminal_sarif_and_junit_name_the_problem() -> None:
    report = demo()
    out = io.StringIO()
    print_summary(report, out)
    row = next(line for line in out.getvalue().splitlines() if " pod.privileged " in line)
    assert "Privileged" in row and "do not run" not in out.getvalue()
    rule = next(r for r in sarif_document(report)["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "pod.privileged")
    assert rule["shortDescription"] == {"text": PROBLEM} and rule["properties"]["goal"] == GOAL
    root = ET.fromstring(render(report, "junit"))
    failures = [c.find("failure") for c in root.iter("testcase") if c.get("classname") == "pod.privileged"]
    messages = [f.get("message", "") for f in failures if f is not None]
    assert messages and all(m.startswith(f"{PROBLEM}: Container ") for m in messages)


def test_a_report_written_before_problem_phrases_shows_its_titles() -> None:
    """`problem` is an optional field of the JSON report (schemaVersion 1 is additive): an older
    report, read for `k8saudit report` or as a baseline, still renders, with the titles."""
    document = json.loads(demo().model_dump_json())
    for c in document["checks"]:
        del c["problem"]
    old = Report.model_validate(document)
    assert old.checks[0].problem == ""
    md = render(old, "md")
    assert f"#### CRITICAL · pod.privileged: {GOAL}\n" in md
