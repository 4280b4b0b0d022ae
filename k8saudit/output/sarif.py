"""SARIF 2.1.0: the report for code-scanning tools, shaped so GitHub code scanning accepts it.

One rule per check of the run (`tool.driver.rules`: title, rationale, help as text and Markdown
with the YAML fix, `security-severity` as GitHub reads it), one result per failing or exempt finding:

- `fail` → a result of kind `fail`, level `error` (critical, high), `warning` (medium) or
  `note` (low, info), from the finding's own severity; `properties.security-severity` carries
  GitHub's 0 to 10 severity of the finding (GitHub itself labels an alert by its rule's).
- `exempt` → the same result with a `suppressions` entry (kind `external`: the exemption lives in
  the config file or an annotation) whose justification is the exemption's reason.
- `not-assessable` → no result (nothing was judged, and GitHub would show it as an alert): a
  notification in `invocations[0].toolExecutionNotifications`, level `note`, naming the check
  (`associatedRule`) and the reason, with the resource's location when one resource was unjudged.
- with `scan --baseline`, each failing result has `baselineState` `new` or `unchanged`, and the
  run's `properties.sinceLastScan` counts new, resolved and still-failing findings.

Locations: GitHub refuses a whole upload when a result has no
`locations[].physicalLocation.artifactLocation.uri`, and shows only relative paths (or `file:`
URIs). A finding from manifests points at its file (relative to where the scan ran, under
`%SRCROOT%`, as given to `--manifests`) and the first line of the object's YAML document. A finding
from a live cluster or a snapshot points at a stable path under the pseudo root
`K8SAUDIT_CLUSTER` (declared in `originalUriBaseIds`; no such file exists):

    k8saudit-cluster/<cluster>/<namespace>/<Kind>/<name>.yaml   a namespaced object
    k8saudit-cluster/<cluster>/_cluster/<Kind>/<name>.yaml      a cluster-scoped object
    k8saudit-cluster/<cluster>/cluster.yaml                     the cluster itself

`<cluster>` is the kubeconfig context (else the API server's host, else `cluster`); each part is
percent-encoded. Namespaces are DNS labels, so `_cluster` and `cluster.yaml` name no namespace.
The path is the same from one scan to the next, so GitHub shows the resource and, with
`partialFingerprints` (a hash of `Finding.key()`), keeps an alert's identity across runs; the
category (`automationDetails.id`, `k8saudit/<cluster>/`) keeps two clusters' alerts apart.
Every finding about a resource also has its logical location `Kind/namespace/name` (kind `resource`).

Limits: GitHub rejects a run of more than 25,000 results and an upload over 10 MB gzipped
(`MAX_RESULTS`, `MAX_GZIP_BYTES`). Beyond either, the results are cut by severity (failing
findings the gravest first, then exempt ones); the run's `properties.truncated` and a warning
notification say how many were left out and that report.json has them all.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

import pydantic_core

from k8saudit.model.findings import CheckSummary, Finding, Report, ResourceRef, Severity, Status
from k8saudit.output.writer import Writer

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"

#: GitHub code scanning rejects a run with more results than this.
MAX_RESULTS = 25_000
#: ... and an upload larger than this, gzipped.
MAX_GZIP_BYTES = 10 * 1024 * 1024

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub code scanning reads `security-severity` (0.1 to 10) to label alerts critical/high/medium/low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.1",
}
_LOCATION = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?: item \d+)*$")

#: The pseudo root of live and snapshot findings' paths (see the module's docstring).
CLUSTER_BASE = "K8SAUDIT_CLUSTER"
CLUSTER_ROOT = "k8saudit-cluster"


def parse_location(location: str) -> tuple[str, int | None]:
    """(`deploy/app.yaml`, 12) from `deploy/app.yaml:12` or `deploy/list.yaml:3 item 0`."""
    match = _LOCATION.match(location)
    if match is None:
        return location, None
    return match.group("path"), int(match.group("line"))


def artifact_location(path: str) -> dict[str, str]:
    """A relative path under `%SRCROOT%`, or an absolute `file:` URI."""
    windows = PureWindowsPath(path)
    if windows.drive:
        return {"uri": "file:///" + quote(windows.as_posix())}
    posix = PurePosixPath(path.replace("\\", "/"))
    if posix.is_absolute():
        return {"uri": "file://" + quote(str(posix))}
    parts = [p for p in posix.parts if p != "."]
    return {"uri": quote("/".join(parts)), "uriBaseId": "%SRCROOT%"}


def _segment(text: str) -> str:
    """One percent-encoded path segment: no `/` inside, and never `.` or `..`."""
    encoded = quote(text, safe="")
    return encoded.replace(".", "%2E") if encoded in (".", "..", "") else encoded


def cluster_name(report: Report) -> str:
    """The cluster's name in paths and the category: the context, else the server's host, else `cluster`."""
    cluster = report.cluster
    if cluster.source == "manifests":
        return "manifests"
    if cluster.context:
        return cluster.context
    host = urlsplit(cluster.server).hostname if cluster.server else None
    return host or "cluster"


def resource_uri(cluster: str, ref: ResourceRef | None) -> str:
    """The stable pseudo path of a live or snapshot finding (see the module's docstring)."""
    root = f"{CLUSTER_ROOT}/{_segment(cluster)}"
    if ref is None:
        return f"{root}/cluster.yaml"
    where = _segment(ref.namespace) if ref.namespace else "_cluster"
    return f"{root}/{where}/{_segment(ref.kind)}/{_segment(ref.name)}.yaml"


def _rule(summary: CheckSummary) -> dict[str, Any]:
    help_text = summary.remediation or summary.title
    markdown = help_text
    if summary.fix:
        markdown += "\n\n```yaml\n" + summary.fix + "\n```"
    refs = [f"{k}: {', '.join(v)}" for k, v in summary.references.items() if v]
    if refs:
        markdown += "\n\nReferences: " + "; ".join(refs)
    return {
        "id": summary.id,
        "name": "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", summary.id) if part),
        # GitHub titles an alert with its rule's short description: name the problem, not the goal
        "shortDescription": {"text": summary.as_problem()},
        "fullDescription": {"text": summary.rationale or summary.title},
        "help": {"text": help_text, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVEL[summary.severity]},
        "properties": {
            "tags": ["security", "kubernetes", summary.section.value],
            "security-severity": SECURITY_SEVERITY[summary.severity],
            "severity": summary.severity.value,
            "section": summary.section.heading,
            "goal": summary.title,
        },
    }


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.evidence:
        seen = "; ".join(f"{e.path} = {evidence_text(e.value)}" for e in finding.evidence)
        text += f" (evidence: {seen})"
    if finding.exemption is not None and finding.exemption.expired:
        text += " (its exemption has expired)"
    return text


def evidence_text(value: Any) -> str:
    """An evidence value as one line of text (`unset`, `true`, JSON for lists and mappings)."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _physical(finding: Finding, cluster: str) -> dict[str, Any]:
    """The file and line of a manifest, or the resource's pseudo path (line 1) for a cluster."""
    if finding.location:
        path, line = parse_location(finding.location)
        return {"artifactLocation": artifact_location(path), "region": {"startLine": line or 1}}
    return {
        "artifactLocation": {"uri": resource_uri(cluster, finding.resource), "uriBaseId": CLUSTER_BASE},
        "region": {"startLine": 1},
    }


def _locations(finding: Finding, cluster: str) -> list[dict[str, Any]]:
    location: dict[str, Any] = {"physicalLocation": _physical(finding, cluster)}
    if finding.resource is not None:
        ref = finding.resource
        name = "/".join(p for p in (ref.kind, ref.namespace, ref.name) if p)
        logical: dict[str, Any] = {"name": ref.name, "fullyQualifiedName": name, "kind": "resource"}
        if finding.container:
            logical = {
                "name": finding.container,
                "fullyQualifiedName": f"{name}/containers/{finding.container}",
                "kind": "resource",
            }
        location["logicalLocations"] = [logical]
    return [location]


def _result(finding: Finding, rule_index: int, cluster: str, state: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.check,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": _LEVEL[finding.severity],
        "message": {"text": _message(finding)},
        "partialFingerprints": {"k8sauditFindingKey/v1": hashlib.sha256(finding.key().encode()).hexdigest()},
        "properties": {
            "severity": finding.severity.value,
            "status": finding.status.value,
            "security-severity": SECURITY_SEVERITY[finding.severity],
        },
    }
    if finding.status is Status.EXEMPT and finding.exemption is not None:
        ex = finding.exemption
        justification = ex.reason + (f" (owner: {ex.owner})" if ex.owner else "")
        justification += f" (until {ex.expires})" if ex.expires else ""
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": justification, "location": _where(ex.source)}
        ]
    if state is not None:
        result["baselineState"] = state
    result["locations"] = _locations(finding, cluster)
    return result


def _not_assessed(finding: Finding, rule_index: int, cluster: str) -> dict[str, Any]:
    """A notification for a check (or one resource) that could not be judged: not an alert."""
    notification: dict[str, Any] = {
        "level": "note",
        "message": {"text": f"{finding.check} not assessable: {finding.reason or finding.message}"},
        "descriptor": {"id": "not-assessable"},
        "associatedRule": {"id": finding.check, "index": rule_index},
    }
    if finding.resource is not None:
        notification["locations"] = _locations(finding, cluster)
    return notification


def _where(source: str | None) -> dict[str, Any]:
    """The suppression's location: where the exemption was declared (a message when not a file)."""
    if source and _LOCATION.match(source):
        path, line = parse_location(source)
        physical: dict[str, Any] = {"artifactLocation": artifact_location(path)}
        if line is not None:
            physical["region"] = {"startLine": line}
        return {"physicalLocation": physical}
    return {"message": {"text": source or "exemption"}}


def _priority(finding: Finding) -> tuple[int, int]:
    """What is kept first when the results must be cut: failing before exempt, the gravest first."""
    return (0 if finding.status is Status.FAIL else 1, -finding.severity.rank)


def _keep(findings: list[Finding], limit: int) -> list[Finding]:
    """The `limit` findings to write, chosen by `_priority`, in the report's order."""
    if len(findings) <= limit:
        return findings
    chosen = sorted(range(len(findings)), key=lambda i: _priority(findings[i]))[:limit]
    return [findings[i] for i in sorted(chosen)]


def _left_out(findings: Iterable[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in findings:
        key = f.severity.value if f.status is Status.FAIL else "exempt"
        counts[key] = counts.get(key, 0) + 1
    return counts


def sarif_document(report: Report, limit: int = MAX_RESULTS) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log with one run, at most `limit` results."""
    rules = [_rule(c) for c in report.checks]
    index = {c.id: i for i, c in enumerate(report.checks)}
    cluster = cluster_name(report)
    since = report.sinceLastScan
    new = {c.key for c in since.new} if since is not None else set()

    def state(f: Finding) -> str | None:
        if since is None or f.status is not Status.FAIL:
            return None
        return "new" if f.key() in new else "unchanged"

    judged = [f for f in report.findings if f.check in index and f.status is not Status.NOT_ASSESSABLE]
    kept = _keep(judged, limit)
    results = [_result(f, index[f.check], cluster, state(f)) for f in kept]
    notifications = [
        _not_assessed(f, index[f.check], cluster)
        for f in report.findings
        if f.check in index and f.status is Status.NOT_ASSESSABLE
    ]
    version = report.tool.split(" ", 1)[1] if " " in report.tool else report.tool
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "k8saudit",
                "version": version,
                "semanticVersion": version,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"k8saudit/{_segment(cluster)}/"},
        "columnKind": "utf16CodeUnits",
        "invocations": [
            {
                "executionSuccessful": True,
                "endTimeUtc": _utc(report.generatedAt),
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": results,
        "properties": {
            "score": report.score,
            "grade": report.grade,
            "coverage": report.coverage.ratio,
            "source": report.cluster.source,
            "context": report.cluster.context,
            "serverVersion": report.cluster.version,
            "schemaVersion": report.schemaVersion,
        },
    }
    if len(kept) < len(judged):
        written = {id(f) for f in kept}
        _truncated(run, len(judged), len(kept), _left_out(f for f in judged if id(f) not in written))
    if since is not None:
        run["properties"]["sinceLastScan"] = {
            "baseline": since.baseline.file,
            "baselineGeneratedAt": since.baseline.generatedAt,
            "new": len(since.new),
            "resolved": len(since.resolved),
            "stillFailing": since.stillFailing,
            "scoreChange": since.scoreChange,
        }
    bases = _uri_bases(report, [*kept, *(f for f in report.findings if f.status is Status.NOT_ASSESSABLE)])
    if bases:
        run["originalUriBaseIds"] = bases
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _uri_bases(report: Report, findings: list[Finding]) -> dict[str, Any]:
    """The `originalUriBaseIds` the locations of `findings` use, each with what it stands for."""
    bases: dict[str, Any] = {}
    if report.cluster.source == "manifests":
        bases["%SRCROOT%"] = {"description": {"text": "The folder the scan ran in (paths as given to --manifests)."}}
    if any(not f.location and (f.status is not Status.NOT_ASSESSABLE or f.resource) for f in findings):
        bases[CLUSTER_BASE] = {
            "description": {
                "text": f"Not a folder: the audited cluster's resources, as {CLUSTER_ROOT}/<cluster>/"
                "<namespace or _cluster>/<Kind>/<name>.yaml (the cluster itself: cluster.yaml)."
            }
        }
    return bases


def _truncated(run: dict[str, Any], total: int, written: int, left_out: dict[str, int]) -> None:
    """Say in the run that results were left out to stay within GitHub's limits, and which."""
    counts = ", ".join(f"{n} {what}" for what, n in left_out.items())
    run["properties"]["truncated"] = {"findings": total, "written": written, "leftOut": left_out}
    run["invocations"][0]["toolExecutionNotifications"].append(
        {
            "level": "warning",
            "message": {
                "text": f"{total} findings, {written} written: GitHub code scanning accepts at most "
                f"{MAX_RESULTS} results and {MAX_GZIP_BYTES // (1024 * 1024)} MB gzipped per upload. Left out, "
                f"the least severe first: {counts}. report.json has every finding."
            },
            "descriptor": {"id": "truncated"},
        }
    )


def _utc(timestamp: str) -> str:
    """`2026-11-26T10:00:00Z` from an ISO time with `+00:00`."""
    return timestamp.replace("+00:00", "Z")


def render_sarif(report: Report) -> str:
    return sarif_bytes(report).decode()


def sarif_bytes(report: Report) -> bytes:
    """The SARIF file as UTF-8: the text `json.dumps(document, indent=2, ensure_ascii=False)` gives.

    Written by pydantic-core's encoder: with an indent the standard library's is pure Python
    (1.4 s for the 62,000 results of a 20,000-pod cluster; this takes 0.2 s). The oracle is in
    tests/unit/output/test_render.py.

    At most `MAX_RESULTS` results, and fewer when the file would be over `MAX_GZIP_BYTES` gzipped
    (as `gzip` compresses it by default): GitHub rejects either whole.
    """
    limit = MAX_RESULTS
    while True:
        data = pydantic_core.to_json(sarif_document(report, limit), indent=2) + b"\n"
        if len(data) <= MAX_GZIP_BYTES:  # this JSON never grows when gzipped: no need to measure
            return data
        size = len(gzip.compress(data, compresslevel=6))
        if size <= MAX_GZIP_BYTES or limit == 0:
            return data
        written = min(limit, _judged(report))
        limit = max(0, min(written - 1, int(written * MAX_GZIP_BYTES / size * 0.95)))


def _judged(report: Report) -> int:
    return sum(1 for f in report.findings if f.status is not Status.NOT_ASSESSABLE)


def write(report: Report, handle: BinaryIO) -> None:
    handle.write(sarif_bytes(report))


WRITER = Writer(write=write, text=render_sarif)
