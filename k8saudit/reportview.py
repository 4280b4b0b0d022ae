"""What the HTML and Markdown templates show, computed once from the Report.

The templates only lay out; everything that needs a decision (which risks are on top, how the
findings group, the gauge's geometry, the Content-Security-Policy hashes of the inline style and
script) is made here, from the Report alone, so a report rendered again from its JSON looks the same.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from k8saudit.findings import CheckSummary, Finding, Report, Section, SectionScore, Severity, Status
from k8saudit.scoring import GRADES

TOP_RISKS = 5
#: Affected resources named in a top-risk line before "and N more".
RISK_EXAMPLES = 3
#: Workloads named per namespace in the Pod Security readiness table before "and N more".
BREAKING_SHOWN = 5

GRADE_COLOURS = {"A": "#1a7f37", "B": "#4c8c2b", "C": "#9a6700", "D": "#bc4c00", "F": "#cf222e", "n/a": "#6e7781"}
SEVERITY_COLOURS = {
    "critical": "#a40e26",
    "high": "#cf222e",
    "medium": "#bc4c00",
    "low": "#0969da",
    "info": "#6e7781",
}

#: The collector's requests, as the methodology states them (deploy/ grants exactly these).
PERMISSIONS = (
    ("get, list", "every kind in the report's inputs table (Secrets never: they are not read at all)"),
    ("create subjectaccessreviews", "the authorizer probe: a question to the API server that stores nothing"),
    ("get nodes/proxy", "only with --kubelet-config: each node's kubelet settings (configz)"),
    ("list secrets (metadata only)", "only with --secret-metadata: finds legacy service-account token Secrets"),
)

SOURCES = (
    ("NSA/CISA Kubernetes Hardening Guidance v1.2 (2022)", "the sections and what each check implements"),
    ("Kubernetes Pod Security Standards", "baseline and restricted, judged as the PodSecurity admission plugin does"),
    ("CIS Kubernetes Benchmark", "cross-referenced per check where a control exists"),
    ("Kubescape and Polaris", "control ids and check names cross-referenced, so results can be compared"),
)


@dataclass(frozen=True)
class Gauge:
    """A ring gauge: the arc's length on a circle of `radius` (SVG stroke-dasharray)."""

    score: float | None
    grade: str
    colour: str
    radius: float = 52.0

    @property
    def circumference(self) -> float:
        return round(2 * math.pi * self.radius, 2)

    @property
    def arc(self) -> float:
        return round(self.circumference * (self.score or 0.0) / 100.0, 2)

    @property
    def text(self) -> str:
        return f"{self.score:.1f}" if self.score is not None else "n/a"


@dataclass
class Risk:
    check: CheckSummary
    findings: list[Finding]

    @cached_property
    def examples(self) -> list[str]:
        """The affected resources' labels, each once, in the findings' order."""
        return list(dict.fromkeys(f.resource.label() if f.resource else "the cluster" for f in self.findings))

    @property
    def shown(self) -> list[str]:
        return self.examples[:RISK_EXAMPLES]

    @property
    def more(self) -> int:
        return max(0, len(self.examples) - RISK_EXAMPLES)


@dataclass
class SectionView:
    score: SectionScore
    checks: list[CheckSummary]
    failing: list[CheckSummary] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.score.section.value

    @property
    def colour(self) -> str:
        return score_colour(self.score.score)


def score_colour(score: float | None) -> str:
    for floor, letter in GRADES:
        if score is not None and score >= floor:
            return GRADE_COLOURS[letter]
    return GRADE_COLOURS["F" if score is not None else "n/a"]


def anchor(check_id: str) -> str:
    """A fragment id for a check (`check-pod.privileged`)."""
    return "check-" + re.sub(r"[^A-Za-z0-9._-]", "-", check_id)


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def code_spans(text: str | None) -> Markup:
    """HTML-escaped text in which `backquoted` parts become <code> (the catalogue writes them so)."""
    escaped = str(escape(text or ""))
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", escaped))


def bar(score: float | None, width: int = 10) -> str:
    """A text bar for Markdown: `▰▰▰▰▰▰▱▱▱▱`."""
    if score is None:
        return ""
    filled = round(score / 100 * width)
    return "▰" * filled + "▱" * (width - filled)


# --- the per-finding table rows ----------------------------------------------------------------
# A 20,000-pod cluster gives ~60,000 failing findings, one table row each: the hot loop of both
# templates. The cells are computed here in plain Python (one tuple per row, unpacked by the
# template's for loop) instead of by attribute lookups and filters in the template; the Markdown
# cells are escaped once per distinct text (~7,000 resources, ~14,000 messages at that size).
# The templates still lay the row out, and every cell still goes through the environment's
# `finalize` (control characters) and, in HTML, autoescaping.

_MD_SPECIAL = "\\`*_{}[]()#+!|~"
#: One pass of str.translate does what `&` → `&amp;`, newlines → spaces, a backslash before
#: each Markdown metacharacter, then `<`/`>` → entities did in four passes. `<` and `>` become
#: entities with no backslash: `\\&gt;` would show a literal `&gt;` (the backslash escapes the `&`).
_MD_TABLE = str.maketrans(
    {"&": "&amp;", "\r": " ", "\n": " ", **{c: "\\" + c for c in _MD_SPECIAL}, "<": "&lt;", ">": "&gt;"}
)


def md_escape(value: Any) -> str:
    """Escape text for a GitHub-flavoured Markdown table cell or paragraph.

    Markdown metacharacters are backslash-escaped, HTML-significant characters become
    entities, and newlines become spaces so a cell never breaks the table.
    """
    text = "" if value is None else str(value)
    return text.translate(_MD_TABLE)


def evidence_value(value: Any) -> str:
    """An evidence value as the reports show it: `unset`, `true`/`false`, `[a, b]`, or its text."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


#: An HTML findings row: resource label, container, manifest location, message, (path, value) per evidence.
HtmlRow = tuple[str, str | None, str | None, str, list[tuple[str, str]]]
#: A Markdown findings row: resource (with its location), container, message, evidence; all escaped.
MarkdownRow = tuple[str, str, str, str]


def html_finding_rows(findings: list[Finding]) -> Iterator[HtmlRow]:
    """The cells of report.html's rows for `findings`, raw text (the template autoescapes them)."""
    for f in findings:
        ref = f.resource
        yield (
            ref.label() if ref is not None else "cluster",
            f.container,
            f.location,
            f.message,
            [(e.path, evidence_value(e.value)) for e in f.evidence],
        )


class MarkdownCells:
    """The cells of report.md's rows, Markdown-escaped, each distinct text escaped once per report."""

    def __init__(self) -> None:
        self._escaped: dict[str, str] = {}

    def escape(self, text: str) -> str:
        escaped = self._escaped.get(text)
        if escaped is None:
            escaped = self._escaped[text] = text.translate(_MD_TABLE)
        return escaped

    def rows(self, findings: list[Finding]) -> Iterator[MarkdownRow]:
        esc = self.escape
        for f in findings:
            ref = f.resource
            resource = esc(ref.label()) if ref is not None else "cluster"
            if f.location:
                resource = f"{resource} ({esc(f.location)})"
            evidence = "; ".join(f"{esc(e.path)} = {esc(evidence_value(e.value))}" for e in f.evidence)
            yield resource, esc(f.container) if f.container else "", esc(f.message), evidence


def _sort_key(c: CheckSummary, failures: dict[str, list[Finding]]) -> tuple[int, int, str]:
    return (-c.severity.rank, -len(failures.get(c.id, [])), c.id)


def context(report: Report) -> dict[str, Any]:
    """Everything the HTML and Markdown templates read."""
    checks = {c.id: c for c in report.checks}
    failures: dict[str, list[Finding]] = {}
    exempt_by_check: dict[str, list[Finding]] = {}
    unjudged: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.status is Status.FAIL:
            failures.setdefault(f.check, []).append(f)
        elif f.status is Status.EXEMPT:
            exempt_by_check.setdefault(f.check, []).append(f)
        elif f.resource is not None:
            unjudged.setdefault(f.check, []).append(f)
    failing_checks = sorted((checks[cid] for cid in failures if cid in checks), key=lambda c: _sort_key(c, failures))
    sections = []
    for s in report.sections:
        in_section = [c for c in report.checks if c.section is s.section]
        sections.append(
            SectionView(s, in_section, [c for c in failing_checks if c.section is s.section]),
        )
    exempt = [f for f in report.findings if f.status is Status.EXEMPT]
    expired = [f for f in report.findings if f.exemption and f.exemption.expired]
    not_assessable = sorted(
        (c for c in report.checks if c.status is Status.NOT_ASSESSABLE), key=lambda c: (-c.severity.rank, c.id)
    )
    status_counts = {st.value: sum(1 for c in report.checks if c.status is st) for st in Status}
    failing_total = sum(report.counts.values())
    return {
        "report": report,
        "failing_checks": failing_checks,
        "failures_by_check": failures,
        "exempt_by_check": exempt_by_check,
        "unjudged_by_check": unjudged,
        "not_assessable": not_assessable,
        "exempt": exempt,
        "expired": expired,
        "sections": report.sections,
        "section_views": sections,
        "checks_by_section": {s.section: [c for c in report.checks if c.section is s.section] for s in report.sections},
        "top_risks": [Risk(c, failures[c.id]) for c in failing_checks[:TOP_RISKS]],
        "gauge": Gauge(report.score, report.grade, GRADE_COLOURS.get(report.grade, GRADE_COLOURS["n/a"])),
        "status_counts": status_counts,
        "failing_total": failing_total,
        "severity_colours": SEVERITY_COLOURS,
        "severities": list(Severity),
        "weights": [(s.value, s.weight) for s in Severity],
        "grades": GRADES,
        "permissions": PERMISSIONS,
        "sources": SOURCES,
        "cluster_name": report.cluster.context or report.cluster.server or report.cluster.source,
        "scope": scope_text(report),
        "manifests": report.cluster.source == "manifests",
        "breaking_shown": BREAKING_SHOWN,
        "Section": Section,
    }


def scope_text(report: Report) -> str:
    """`every namespace` or `namespaces matching a, b, except c (left out: c1)`."""
    scope = report.config.scope
    if not (scope.include or scope.exclude):
        return "every namespace"
    text = f"namespaces matching {', '.join(scope.include) or '*'}"
    if scope.exclude:
        text += f", except {', '.join(scope.exclude)}"
    if scope.excludedNamespaces:
        text += f" (left out: {', '.join(scope.excludedNamespaces)})"
    return text


# --- the HTML page's inline assets ------------------------------------------------------------


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@dataclass(frozen=True)
class Assets:
    """The inline stylesheet and script, and the Content-Security-Policy that admits exactly them."""

    css: str
    js: str

    @property
    def csp(self) -> str:
        return (
            "default-src 'none'; "
            f"style-src {_csp_hash(self.css)}; "
            f"script-src {_csp_hash(self.js)}; "
            "img-src data:; base-uri 'none'; form-action 'none'"
        )


@cache
def assets(templates: Path) -> Assets:
    """`report.css` and `report.js` beside the templates, read once per process."""
    return Assets(
        css=(templates / "report.css").read_text(encoding="utf-8"),
        js=(templates / "report.js").read_text(encoding="utf-8"),
    )
