"""JUnit XML: the report as test results, for CI dashboards (GitLab, Jenkins, Azure, ...).

One `<testsuite>` per NSA/CISA section; in it, per check (`classname` is the check id):

- one test case for what passed: `name="passed: N resources"` (or `passed` for a cluster-level
  check), present when the check passed something. The Report counts passes rather than listing
  them, so they cannot be one test case per resource, and a failing check's passes still show;
- one test case per failing resource, with a `<failure>` (`type` is the severity; the text is the
  evidence and the remediation);
- one per exempt resource, `<skipped>` with the exemption's reason, owner and expiry;
- one per resource that could not be judged, and one for a check that could not be assessed at
  all, `<skipped>` with the reason (`not assessable: ...`).

Each suite's properties carry the section's score and, with `scan --baseline`, the change since
the last scan. Text that XML 1.0 cannot hold (control characters, which attacker-controlled names may carry)
is replaced by U+FFFD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, BinaryIO

from k8saudit.model.findings import CheckSummary, Finding, Report, Status
from k8saudit.output.diff import headline
from k8saudit.output.sarif import evidence_text
from k8saudit.output.writer import Writer

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: Any) -> str:
    return _NOT_XML.sub("\ufffd", "" if text is None else str(text))


def _name(finding: Finding) -> str:
    label = finding.resource.label() if finding.resource else "cluster"
    return label + (f" (container {finding.container})" if finding.container else "")


def _case(suite: ET.Element, check: CheckSummary, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"classname": _x(check.id), "name": _x(name), "time": "0"})


def _evidence(finding: Finding) -> str:
    lines = [finding.message]
    lines += [f"{e.path} = {evidence_text(e.value)}" for e in finding.evidence]
    if finding.location:
        lines.append(f"at {finding.location}")
    if finding.remediation:
        lines.append(f"Fix: {finding.remediation}")
    return "\n".join(lines)


def junit_tree(report: Report) -> ET.Element:
    findings: dict[str, list[Finding]] = {}
    for f in report.findings:
        findings.setdefault(f.check, []).append(f)
    root = ET.Element("testsuites", {"name": _x(f"k8saudit {report.cluster.context or report.cluster.source}")})
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for section in report.sections:
        suite = ET.SubElement(
            root,
            "testsuite",
            {"name": _x(section.title), "timestamp": report.generatedAt[:19], "hostname": _x(report.cluster.source)},
        )
        props = ET.SubElement(suite, "properties")
        score = "n/a" if section.score is None else f"{section.score:.1f}"
        ET.SubElement(props, "property", {"name": "score", "value": score})
        if report.sinceLastScan is not None:
            ET.SubElement(props, "property", {"name": "since last scan", "value": _x(headline(report.sinceLastScan))})
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for check in (c for c in report.checks if c.section is section.section):
            mine = findings.get(check.id, [])
            if check.status is Status.NOT_ASSESSABLE and not any(f.resource for f in mine):
                case = _case(suite, check, "not assessable")
                ET.SubElement(case, "skipped", {"message": _x(f"not assessable: {check.reason or ''}")})
                counts["tests"] += 1
                counts["skipped"] += 1
                continue
            if check.passed or (check.status is Status.PASS and not mine):
                _case(suite, check, f"passed: {check.passed} resources" if check.passed else "passed")
                counts["tests"] += 1
            for f in mine:
                case = _case(suite, check, _name(f))
                counts["tests"] += 1
                if f.status is Status.FAIL:
                    message = f"{check.as_problem()}: {f.message}"
                    failure = ET.SubElement(case, "failure", {"message": _x(message), "type": f.severity.value})
                    failure.text = _x(_evidence(f))
                    counts["failures"] += 1
                elif f.status is Status.EXEMPT and f.exemption is not None:
                    ex = f.exemption
                    why = f"exempt: {ex.reason}" + (f" (owner {ex.owner})" if ex.owner else "")
                    why += f" (until {ex.expires})" if ex.expires else ""
                    ET.SubElement(case, "skipped", {"message": _x(why)})
                    counts["skipped"] += 1
                else:
                    ET.SubElement(case, "skipped", {"message": _x(f"not assessable: {f.reason or f.message}")})
                    counts["skipped"] += 1
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        suite.set("time", "0")
        for k in totals:
            totals[k] += counts[k]
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("skipped", str(totals["skipped"]))
    root.set("time", "0")
    return root


def render_junit(report: Report) -> str:
    tree = junit_tree(report)
    ET.indent(tree)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tree, encoding="unicode") + "\n"


def write(report: Report, handle: BinaryIO) -> None:
    """The XML document as UTF-8 (built whole by ElementTree: one test case per finding)."""
    handle.write(render_junit(report).encode())


WRITER = Writer(write=write, text=render_junit)
