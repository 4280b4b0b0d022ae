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
from dataclasses import dataclass, field
from functools import cache
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

    @property
    def examples(self) -> list[str]:
        seen: list[str] = []
        for f in self.findings:
            label = f.resource.label() if f.resource else "the cluster"
            if label not in seen:
                seen.append(label)
        return seen

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
