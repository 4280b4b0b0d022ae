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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from k8saudit.model.findings import (
    CheckSummary,
    Evidence,
    Finding,
    Report,
    ResourceRef,
    Section,
    SectionScore,
    Severity,
    Status,
)
from k8saudit.model.scoring import GRADES
from k8saudit.output import priorities
from k8saudit.output.history_view import HistoryView
from k8saudit.output.priorities import FailingCheck

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
    """A top risk: a failing check, named with its worst findings first."""

    failing: FailingCheck

    @property
    def check(self) -> CheckSummary:
        return self.failing.check

    @property
    def findings(self) -> list[Finding]:
        """The check's failing findings, the most severe first."""
        return self.failing.findings

    @property
    def worst(self) -> Severity:
        return self.failing.worst

    @property
    def problem(self) -> str:
        return self.failing.problem

    @property
    def covered_by(self) -> str | None:
        """The check that counts these failures instead, when every one names the same."""
        owners = {f.coveredBy for f in self.findings}
        return owners.pop() if len(owners) == 1 else None

    @property
    def at_worst(self) -> int:
        """How many findings have the worst severity."""
        return self.failing.by_severity[self.failing.worst]

    @cached_property
    def examples(self) -> list[str]:
        """The affected resources' labels, each once, in the findings' order (the worst first)."""
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
    #: The section's failing checks, the one to fix first first (`k8saudit.output.priorities`).
    failing: list[FailingCheck] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.score.section.value

    @property
    def minor(self) -> list[Risk]:
        """The failing checks one line each on paper: their worst finding is low or info, or every
        failure is counted by another check (`FailingCheck.counted_elsewhere`)."""
        return [Risk(r) for r in self.failing if _one_line_on_paper(r)]

    @property
    def colour(self) -> str:
        return score_colour(self.score.score)


def _one_line_on_paper(r: FailingCheck) -> bool:
    return r.worst.rank <= Severity.LOW.rank or r.counted_elsewhere


def score_colour(score: float | None) -> str:
    for floor, letter in GRADES:
        if score is not None and score >= floor:
            return GRADE_COLOURS[letter]
    return GRADE_COLOURS["F" if score is not None else "n/a"]


def anchor(check_id: str) -> str:
    """A fragment id for a check (`check-pod.privileged`)."""
    return "check-" + re.sub(r"[^A-Za-z0-9._-]", "-", check_id)


_CODE_SPAN = re.compile(r"`([^`\n]+)`")
#: Where an id, a field path or an image may break across lines: after a dot, a slash, a colon or
#: an at sign followed by more of it on its line. Nowhere else: `allowPrivilegeEscalation` stays
#: whole. Four `str.replace` passes (a report at L has ~75,000 paths and values; the regex
#: `([./:@])(?=.)` → `\1<wbr>` cost five times this, `str.translate` with multi-character
#: replacements four times): `<wbr>` after every separator, then taken back before a newline and
#: at the end. tests/unit/output/test_view_fast_paths.py holds it to the regex.


def _wbr(escaped: str) -> str:
    """HTML-escaped text with `<wbr>` after each separator (entities hold none of them)."""
    if "." not in escaped and "/" not in escaped and ":" not in escaped and "@" not in escaped:
        return escaped
    out = escaped.replace(".", ".<wbr>").replace("/", "/<wbr>").replace(":", ":<wbr>").replace("@", "@<wbr>")
    if "<wbr>\n" in out:  # escaped text holds no `<` of its own, so every `<wbr>` is ours
        out = out.replace("<wbr>\n", "\n")
    return out[:-5] if out.endswith("<wbr>") else out


def breakable(text: str | None) -> Markup:
    """HTML-escaped text that a narrow column breaks after `.`, `/`, `:` or `@`, never mid-word."""
    return Markup(_wbr(str(escape(text or ""))))


def _code_span(match: re.Match[str]) -> str:
    return f"<code>{_wbr(match.group(1))}</code>"


def code_spans(text: str | None) -> Markup:
    """HTML-escaped text in which `backquoted` parts become <code> (the catalogue writes them so),
    breakable after their separators."""
    escaped = str(escape(text or ""))
    return Markup(_CODE_SPAN.sub(_code_span, escaped))


def bar(score: float | None, width: int = 10) -> str:
    """A text bar for Markdown: `▰▰▰▰▰▰▱▱▱▱`."""
    if score is None:
        return ""
    filled = round(score / 100 * width)
    return "▰" * filled + "▱" * (width - filled)


# --- the per-finding table rows ----------------------------------------------------------------
# A 20,000-pod cluster gives ~60,000 failing findings, one table row each: the hot loop of both
# templates. The rows are built here in plain Python, several hundred to a string (`Rows`), which
# the template prints where the table's body goes: one template expression per few hundred rows
# instead of a dozen per row. Each text is escaped exactly as the template would have printed it
# (report.html: the environment's `finalize`, which shows control characters as symbols, then
# autoescaping; report.md: `md_escape`, then `finalize`), once per distinct text (~7,000
# resources, ~14,000 messages at that size; resources and evidence are shared between findings,
# so those are memoized per object). tests/unit/output/test_render.py holds the template loops
# these replaced as oracles, hostile values included.

_MD_SPECIAL = "\\`*_{}[]()#+!|~"
#: One pass of str.translate does what `&` → `&amp;`, newlines → spaces, a backslash before
#: each Markdown metacharacter, then `<`/`>` → entities did in four passes. `<` and `>` become
#: entities with no backslash: `\\&gt;` would show a literal `&gt;` (the backslash escapes the `&`).
_MD_TABLE = str.maketrans(
    {"&": "&amp;", "\r": " ", "\n": " ", **{c: "\\" + c for c in _MD_SPECIAL}, "<": "&lt;", ">": "&gt;"}
)

#: Control characters other than tab and newline: an object name may carry terminal escape
#: sequences (`\x1b]8;;...`, `\x1b]52;...`) that act when a report is `cat` in a terminal.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def control_picture(char: str) -> str:
    """The visible, inert symbol a control character is printed as (␛ for ESC)."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def plural(noun: str, count: int) -> str:
    """`noun` as `count` of it is written: `namespace` for 1, `namespaces` otherwise (the
    templates' `plural` filter: `{{ "namespace" | plural(n) }}`; "1 namespaces" read as a bug)."""
    return noun if count == 1 else f"{noun}s"


def md_escape(value: Any) -> str:
    """Escape text for a GitHub-flavoured Markdown table cell or paragraph.

    Markdown metacharacters are backslash-escaped, HTML-significant characters become
    entities, and newlines become spaces so a cell never breaks the table.
    """
    text = "" if value is None else str(value)
    return text.translate(_MD_TABLE)


def _md_trusted(text: str, cell: bool) -> str:
    """Catalogue text for Markdown: its `code` spans stay code (their content needs no escape, and
    gets none: GitHub shows a code span's text as written), the rest is escaped as `md_escape`
    escapes cluster values. In a table cell a pipe inside a span is escaped too (`\\|`: GFM
    splits cells before it parses spans, and shows the pipe)."""
    out = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(md_escape(text[last : match.start()]))
        code = match.group(1).replace("\r", " ")
        out.append("`" + (code.replace("|", "\\|") if cell else code) + "`")
        last = match.end()
    out.append(md_escape(text[last:]))
    return "".join(out)


def md_trusted(value: str | None) -> str:
    """The catalogue's own text (rationale, remediation) for a Markdown paragraph: backquoted parts
    render as code, not as escaped backticks. Only for text k8saudit wrote; cluster values go
    through `md_escape`."""
    return _md_trusted(value or "", cell=False)


def md_trusted_cell(value: str | None) -> str:
    """`md_trusted` for a table cell."""
    return _md_trusted(value or "", cell=True)


def clip(text: Any, limit: int) -> str:
    """`text`, or its first `limit` characters and `…`: the Markdown summary bounds cluster values so."""
    value = "" if text is None else str(text)
    return value if len(value) <= limit else value[: max(0, limit - 1)] + "…"


def evidence_value(value: Any) -> str:
    """An evidence value as the reports show it: `unset`, `true`/`false`, `[a, b]`, or its text."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


class Rows(Markup):
    """Finished rows of a findings table: escaped for the report's format, with control characters
    already shown as symbols, so the template's `finalize` passes them as they are (and autoescaping
    leaves them alone). Only this module makes them, from texts it escaped itself."""

    __slots__ = ()


#: Findings rows per `Rows` string (~100 KB of HTML).
ROWS_PER_PIECE = 256
#: Rows of a long list printed on paper (a check's findings, the exempt findings, ...); the rest
#: are left out of print, and a line says how many and where they are.
PRINT_ROWS = 3

#: The characters md_escape or `finalize` change in a Markdown cell, and what each becomes.
_MD_CELL_CHARS = {
    **{chr(c): control_picture(chr(c)) for c in range(0xA0) if CONTROL.match(chr(c))},
    **{chr(c): r for c, r in _MD_TABLE.items() if isinstance(r, str)},
}
_MD_CELL = re.compile("[" + re.escape("".join(_MD_CELL_CHARS)) + "]")


def _md_cell_char(match: re.Match[str]) -> str:
    return _MD_CELL_CHARS[match.group()]


#: The characters autoescaping or `finalize` change in an HTML cell.
_HTML_CELL = re.compile("[&<>\"'" + CONTROL.pattern[1:])


def _html_control(match: re.Match[str]) -> str:
    return control_picture(match.group())


class _Cells:
    """A findings table's rows. Each text is escaped once, each resource's label and each evidence
    object's cell made once (the engine shares them between findings), and each list of evidence
    objects joined once."""

    #: What separates the evidence in a cell.
    EVIDENCE_SEPARATOR = ""

    def __init__(self, since: Callable[[Finding], str] | None = None) -> None:
        #: With a history: each finding's "failing since" text, shown under its resource (`SINCE`).
        self._since = since
        self._texts: dict[str, str] = {}
        # Keyed by id(): every object whose id is in a key is kept in `_keep`, so no id is
        # reused by another object while these are cached.
        self._labels: dict[int, str] = {}
        self._one_evidence: dict[int, str] = {}
        self._evidence: dict[tuple[int, ...], str] = {}
        self._keep: list[object] = []
        # a container's and a location's part of a row (nothing when there is none: the misses
        # below are never None or "")
        self._containers: dict[str | None, str] = {None: "", "": ""}
        self._locations: dict[str | None, str] = {None: "", "": ""}

    def escape(self, text: str) -> str:  # pragma: no cover - overridden per format
        raise NotImplementedError

    def evidence(self, e: Evidence) -> str:  # pragma: no cover - overridden per format
        raise NotImplementedError

    def text(self, text: str) -> str:
        escaped = self._texts.get(text)
        if escaped is None:
            escaped = self._texts[text] = self.escape(text)
        return escaped

    def label(self, ref: ResourceRef | None) -> str:
        label = self._labels.get(id(ref))
        if label is None:
            self._keep.append(ref)
            label = self._labels[id(ref)] = "cluster" if ref is None else self.text(ref.label())
        return label

    def evidence_cell(self, evidence: list[Evidence]) -> str:
        ids = tuple(map(id, evidence))
        cell = self._evidence.get(ids)
        if cell is None:
            cached, keep = self._one_evidence, self._keep
            parts = []
            for e in evidence:
                part = cached.get(id(e))
                if part is None:
                    keep.append(e)
                    part = cached[id(e)] = self.evidence(e)
                parts.append(part)
            cell = self._evidence[ids] = self.EVIDENCE_SEPARATOR.join(parts)
        return cell

    def rows(self, findings: list[Finding]) -> Iterator[Rows]:
        """The table's rows for `findings`, ROWS_PER_PIECE to a string."""
        for start in range(0, len(findings), ROWS_PER_PIECE):
            yield Rows("".join(self._rows(findings[start : start + ROWS_PER_PIECE], start)))

    #: A finding's container and location (file:line) parts of its row, when it has them.
    CONTAINER = "{}"
    LOCATION = "{}"
    #: Since when it fails, with a history.
    SINCE = "{}"

    #: What a row past the first PRINT_ROWS of its table adds to its `<tr>` (HTML: left out of print).
    PRINT_MORE = ""

    def _row(
        self, severity: str, more: str, resource: str, container: str, location: str, message: str, evidence: str
    ) -> str:
        raise NotImplementedError  # pragma: no cover - overridden per format

    def _rows(self, findings: list[Finding], start: int = 0) -> list[str]:
        containers, locations = self._containers, self._locations
        label, text, evidence_cell, row = self.label, self.text, self.evidence_cell, self._row
        since = self._since
        out = []
        for n, f in enumerate(findings, start):
            more = self.PRINT_MORE if n >= PRINT_ROWS else ""
            container = containers.get(f.container)
            if container is None:
                container = containers[f.container] = self.CONTAINER.format(text(f.container or ""))
            location = locations.get(f.location)
            if location is None:
                location = locations[f.location] = self.LOCATION.format(text(f.location or ""))
            if since is not None:
                location += self.SINCE.format(text(since(f)))
            message, evidence = text(f.message), evidence_cell(f.evidence)
            out.append(row(f.severity.value, more, label(f.resource), container, location, message, evidence))
        return out


class HtmlCells(_Cells):
    """report.html's findings rows, as autoescape and `finalize` print them."""

    CONTAINER = '<br><span class="loc">container {}</span>'
    LOCATION = '<br><span class="loc">{}</span>'
    SINCE = '<br><span class="loc">{}</span>'

    def escape(self, text: str) -> str:
        if _HTML_CELL.search(text) is None:  # most texts: nothing to escape
            return text
        escaped = str(escape(text))  # markupsafe: & < > " ' as entities
        return CONTROL.sub(_html_control, escaped)

    def evidence(self, e: Evidence) -> str:
        path, value = _wbr(self.text(e.path)), _wbr(self.text(evidence_value(e.value)))
        return f'<span class="ev"><code>{path}</code> = <code>{value}</code></span>'

    PRINT_MORE = ' class="print-more"'

    def _row(
        self, severity: str, more: str, resource: str, container: str, location: str, message: str, evidence: str
    ) -> str:
        return (
            f'<tr data-severity="{severity}"{more}><td><span class="sev {severity}">{severity}</span></td>'
            f"<td>{resource}{container}{location}</td><td>{message}</td><td>{evidence}</td></tr>\n"
        )


class MarkdownCells(_Cells):
    """report.md's findings rows, as md_escape and `finalize` print them."""

    EVIDENCE_SEPARATOR = "; "
    LOCATION = " ({})"
    SINCE = " · {}"

    def escape(self, text: str) -> str:
        return _MD_CELL.sub(_md_cell_char, text)

    def evidence(self, e: Evidence) -> str:
        return f"{self.text(e.path)} = {self.text(evidence_value(e.value))}"

    def _row(
        self, severity: str, more: str, resource: str, container: str, location: str, message: str, evidence: str
    ) -> str:
        return f"| {severity} | {resource}{location} | {container} | {message} | {evidence} |\n"


def context(report: Report) -> dict[str, Any]:
    """Everything the HTML and Markdown templates read."""
    failures: dict[str, list[Finding]] = {}
    exempt_by_check: dict[str, list[Finding]] = {}
    unjudged: dict[str, list[Finding]] = {}
    exempt: list[Finding] = []
    expired: list[Finding] = []
    for f in report.findings:  # one pass: ~60,000 findings at 20,000 pods
        if f.status is Status.FAIL:
            failures.setdefault(f.check, []).append(f)
        elif f.status is Status.EXEMPT:
            exempt_by_check.setdefault(f.check, []).append(f)
            exempt.append(f)
        elif f.resource is not None:
            unjudged.setdefault(f.check, []).append(f)
        if f.exemption is not None and f.exemption.expired:
            expired.append(f)
    failing_checks = priorities.rank(report, failures)
    failures = {r.check.id: r.findings for r in failing_checks}  # each check's findings, the worst first
    sections = []
    for s in report.sections:
        in_section = [c for c in report.checks if c.section is s.section]
        sections.append(
            SectionView(s, in_section, [r for r in failing_checks if r.check.section is s.section]),
        )
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
        "unjudged_findings": [f for fs in unjudged.values() for f in fs],
        "not_assessable": not_assessable,
        "exempt": exempt,
        "expired": expired,
        "sections": report.sections,
        "section_views": sections,
        "checks_by_section": {s.section: [c for c in report.checks if c.section is s.section] for s in report.sections},
        "top_risks": [Risk(r) for r in priorities.top(failing_checks)],
        "gauge": Gauge(report.score, report.grade, GRADE_COLOURS.get(report.grade, GRADE_COLOURS["n/a"])),
        "status_counts": status_counts,
        "failing_total": failing_total,
        "severity_colours": SEVERITY_COLOURS,
        "severities": list(Severity),
        "weights": [(s.value, s.weight) for s in Severity],
        "grades": GRADES,
        "permissions": PERMISSIONS,
        "sources": SOURCES,
        "cluster_name": report.cluster.label(),
        "scope": scope_text(report),
        "manifests": report.cluster.source == "manifests",
        "breaking_shown": BREAKING_SHOWN,
        "print_rows": PRINT_ROWS,
        "Section": Section,
        "history": history_view(report),
    }


def history_view(report: Report) -> HistoryView | None:
    """What the reports show of the scan's history (None: no earlier scan was read)."""
    return HistoryView(report.history) if report.history is not None else None


def since(report: Report) -> Callable[[Finding], str] | None:
    """Each finding's "failing since" text for the findings tables, when the report has a history."""
    shown = history_view(report)
    return shown.since if shown is not None else None


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
