"""The report writers: HTML (self-contained, CSP, escaped), Markdown (escaped GFM), JSON (the
committed schema), the catalogue's remediation snippets, and what every report shows.

A hostile cluster (names, annotations, images and exemption reasons full of HTML, Markdown and
pipes) is rendered in every format; the markup must come out as text.
"""

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import json
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from k8saudit.checks.registry import all_checks
from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.findings import SCHEMA_VERSION, Report, Severity, Status
from k8saudit.output import schema
from k8saudit.output.formats import by_name, names
from k8saudit.output.render import render
from k8saudit.output.templates import fence, templates_dir
from k8saudit.output.view import anchor, assets, md_escape
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.unit.support.hostile_report import hostile_report
from tests.unit.support.workload_helpers import ctr, hardened, inventory, namespace, psa, workload


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


# --- Markdown escaping ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a > b", "a &gt; b"),  # shown as `>`: no backslash in front of the entity
        ("<b>", "&lt;b&gt;"),
        ("a|b", r"a\|b"),
        ("`x`", r"\`x\`"),
        ("x & y", "x &amp; y"),
        ("one\ntwo", "one two"),
        ("*_[]#", r"\*\_\[\]\#"),
    ],
)
def test_md_escape(raw: str, escaped: str) -> None:
    assert md_escape(raw) == escaped


def test_md_escape_never_writes_a_backslash_before_an_entity() -> None:
    """`\\&gt;` renders as the text `&gt;` on GitHub: the bug this fixes."""
    for text in ("<script>", "a>b", "1 < 2", "->"):
        assert "\\&" not in md_escape(text)


def test_fence_outlasts_backticks_inside() -> None:
    assert fence("a: 1", "yaml") == "```yaml\na: 1\n```"
    assert fence("x ```` y").startswith("`````\n")


# --- HTML -------------------------------------------------------------------------------------


def _csp(html: str) -> str:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert match, "no CSP meta tag"
    return htmllib.unescape(match.group(1))


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_html_is_self_contained_with_a_hash_based_csp() -> None:
    html = render(demo(), "html")
    csp = _csp(html)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    script = re.search(r'<script id="k8saudit-filters">(.*?)</script>', html, re.S)
    assert style and script
    assert directives["style-src"] == _sha(style.group(1))  # exactly the inline stylesheet
    assert directives["script-src"] == _sha(script.group(1))  # exactly the inline script
    assert html.count("<style") == 1 and html.count("<script") == 1
    assert not re.search(r'(?:src|href|action)="(?!#)', html), "a reference to something outside the page"
    assert "@import" not in html and "url(" not in html
    assert " style=" not in html  # style attributes would need 'unsafe-inline'
    assert "@media print" in html and "@page" in html


def test_html_first_screen_and_sections() -> None:
    report = demo()
    html = render(report, "html")
    assert f">{report.score:.1f}</text>" in html and f"grade {report.grade}" in html  # the SVG gauge
    assert 'stroke-dasharray="' in html
    for sev, n in report.counts.items():
        assert f'<div class="count {sev}"><b>{n}</b>' in html
    assert f"{report.coverage.assessed} of {report.coverage.checks} checks" in html
    for text in ("kind-demo", "v1.34.2", "kind", report.tool, report.generatedAt, "every namespace", "Top risks"):
        assert text in html, text
    for anchor_id in ("sections", "findings", "access", "pod-security", "nodes", "exemptions", "not-assessable"):
        assert f'id="{anchor_id}"' in html, anchor_id
    assert '<section id="methodology"' in html
    for section in report.sections:
        assert f'id="sec-{section.section.value}"' in html
    # every failing check has its block, linked from the top risks
    failing = {f.check for f in report.findings if f.status is Status.FAIL}
    for check_id in failing:
        assert f'id="{anchor(check_id)}"' in html
    assert "<h2>Access review</h2>" in html and "<h2>Pod Security readiness</h2>" in html


def test_html_shows_remediation_snippets_and_evidence() -> None:
    html = render(demo(), "html")
    block = html.split(f'id="{anchor("pod.privileged")}"', 1)[1].split("</details>", 1)[0]
    assert "<pre><code>securityContext:\n  privileged: false</code></pre>" in block
    path = "spec.<wbr>containers[0].<wbr>securityContext.<wbr>privileged"  # breakable after each dot
    assert f"<code>{path}</code> = <code>true</code>" in block
    assert "DaemonSet logging/fluent-bit" in block


def test_every_pod_check_carries_a_yaml_fix_snippet() -> None:
    pod_checks = [c for c in all_checks() if c.id.startswith("pod.")]
    assert len(pod_checks) >= 20
    for chk in pod_checks:
        assert chk.fix, f"{chk.id} has no fix snippet"
        assert isinstance(yaml.safe_load(chk.fix), dict), chk.id
        assert chk.info().fix == chk.fix


def test_a_fix_that_is_not_yaml_is_refused() -> None:
    from k8saudit.checks.registry import check
    from k8saudit.model.findings import Section, Severity

    with pytest.raises(ValueError, match="not valid YAML"):
        check(
            id="test.bad-fix",
            title="t",
            problem="p",
            section=Section.POD_SECURITY,
            severity=Severity.LOW,
            reads=("workloads",),
            rationale="r",
            remediation="r",
            fix="a: [unclosed",
        )


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_hostile_names_are_escaped(fmt: str) -> None:
    text = render(hostile_report(), fmt)
    assert "<img" not in text
    if fmt == "html":
        assert 'onerror="' not in text
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;|`x`*_" in text
    else:
        assert r'&lt;img src=x onerror="alert\(1\)"&gt;\|\`x\`\*\_' in text
        for line in text.splitlines():
            if line.startswith("| ") and "alert" in line:  # a hostile cell never adds a column
                header = _table_header(text, line)
                assert _cells(line) == _cells(header), line


def _cells(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row))


def _table_header(text: str, row: str) -> str:
    lines = text.splitlines()
    i = lines.index(row)
    while i > 0 and lines[i - 1].startswith("|"):
        i -= 1
    return lines[i]


def test_markdown_has_every_part_in_gfm_tables() -> None:
    report = demo()
    md = render(report, "md")
    for heading in (
        "## Top risks",
        "## Sections",
        "## Findings",
        "## Access review",
        "## Pod Security readiness",
        "## Nodes",
        "## Exemptions",
        "### Default exemptions",
        "## Not assessable",
        "## Methodology",
    ):
        assert f"\n{heading}" in md, heading
    assert f"**Score {report.score:.1f} / 100 · grade {report.grade}**" in md
    assert "```yaml\nsecurityContext:\n  privileged: false\n```" in md
    assert "score = 100 × Σ (weight(check) × passed/judged) / Σ weight(check)" in md  # noqa: RUF001
    # every table row has as many cells as its header
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|---") or line.startswith("|--:") or line.startswith("|---:"):
            header = lines[i - 1]
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                assert _cells(lines[j]) == _cells(header), (header, lines[j])
                j += 1


def test_the_reports_state_the_readme_scoring_formula_and_weights() -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    formula = re.search(r"### Score\n.*?```\n(score = .*?)\n```", readme, re.S)
    assert formula
    weights = ", ".join(f"{s.value} {s.weight}" for s in Severity)
    assert weights == "critical 10, high 6, medium 3, low 1, info 0"
    assert "critical 10, high 6,\nmedium 3, low 1, info 0" in readme
    for fmt in ("html", "md"):
        text = render(demo(), fmt)
        assert formula.group(1) in text, fmt
        assert f"Weights: {weights}." in text, fmt
        assert "A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, F below" in text, fmt


def test_pod_security_readiness_is_in_the_report() -> None:
    report = run_checks(
        inventory(
            [
                namespace("shop", labels=psa("baseline")),
                namespace("tight"),
                hardened("ok"),
                workload("root-app", ctr(), namespace="tight"),
            ]
        )
    )
    assert report.podSecurity is not None
    by_ns = {n.namespace: n for n in report.podSecurity}
    assert by_ns["shop"].enforce.level == "baseline" and by_ns["shop"].canEnforceRestricted is True
    assert by_ns["tight"].enforce.level is None and by_ns["tight"].canEnforceRestricted is False
    assert [b.workload for b in by_ns["tight"].wouldBreakRestricted or []] == ["Deployment tight/root-app"]
    html = render(report, "html")
    section = html.split("<h2>Pod Security readiness</h2>", 1)[1].split("</section>", 1)[0]
    assert "Deployment tight/root-app" in section and "<td>tight</td>" in section


def test_scope_leaves_namespaces_out_of_pod_security_readiness() -> None:
    from k8saudit.engine.config import parse_config

    cfg = parse_config("apiVersion: k8saudit.io/v1alpha1\nkind: AuditConfig\nnamespaces:\n  exclude: [tight]\n")
    report = run_checks(inventory([namespace("shop"), namespace("tight")]), ScanOptions(config=cfg))
    assert report.podSecurity is not None
    assert {n.namespace for n in report.podSecurity} == {"shop"}


def test_nodes_are_listed_when_nodes_were_read() -> None:
    report = demo()
    assert report.nodes is not None and len(report.nodes) == 3
    assert {n.containerRuntime for n in report.nodes} == {"containerd://2.1.4"}
    manifests_only = run_checks(inventory([hardened("x")]))
    assert manifests_only.nodes is None  # manifests hold no nodes: not an empty cluster
    assert "<h2>Nodes</h2>" not in render(manifests_only, "html")


def test_coverage_lists_every_input_with_its_status() -> None:
    report = demo()
    inputs = {i.name: i for i in report.coverage.inputs}
    assert inputs["Namespace"].status == "ok" and inputs["Namespace"].count == 11
    assert inputs["kubelet"].status == "not-collected" and inputs["kubelet"].reason
    read = {n for c in all_checks() for n in (*c.reads, *c.also_reads)}
    assert set(inputs) == read


def test_check_summaries_carry_the_catalogue_entry() -> None:
    report = demo()
    summary = next(c for c in report.checks if c.id == "pod.privileged")
    chk = next(c for c in all_checks() if c.id == "pod.privileged")
    assert (summary.rationale, summary.remediation, summary.fix) == (chk.rationale, chk.remediation, chk.fix)
    assert summary.references == chk.references


def test_formats_and_file_names() -> None:
    assert names() == ("html", "md", "json", "sarif", "junit", "prom", "md-summary")
    assert by_name("junit").file_name == "report.junit.xml" and by_name("sarif").file_name == "report.sarif"
    assert by_name("prom").file_name == "metrics.prom" and by_name("md-summary").file_name == "report.summary.md"
    with pytest.raises(ValueError, match="unknown format"):
        render(demo(), "pdf")


def test_the_inline_assets_are_the_files_beside_the_templates() -> None:
    loaded = assets(templates_dir())
    assert loaded.css == (templates_dir() / "report.css").read_text()
    assert loaded.js == (templates_dir() / "report.js").read_text()
    assert "fetch(" not in loaded.js and "XMLHttpRequest" not in loaded.js and "import(" not in loaded.js


# --- JSON and its schema ----------------------------------------------------------------------


def test_committed_schemas_match_the_models() -> None:
    """`python -m k8saudit.output.schema` regenerates them after a model change."""
    assert json.loads(schema.REPORT_SCHEMA.read_text()) == schema.report_schema()
    assert json.loads(schema.DIFF_SCHEMA.read_text()) == schema.diff_schema()


def test_report_schema_is_draft_2020_12_and_pins_the_version() -> None:
    document = json.loads(schema.REPORT_SCHEMA.read_text())
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["properties"]["schemaVersion"]["const"] == SCHEMA_VERSION
    assert "schemaVersion" in document["required"]
    # version 1 only gains optional fields: a reader of the schema admits those it does not know
    assert "additionalProperties" not in document


def test_demo_json_validates_and_a_broken_one_does_not() -> None:
    document = json.loads(render(demo(), "json"))
    assert schema.errors(document) == []
    broken = json.loads(json.dumps(document))
    broken["schemaVersion"] = "0"
    broken["findings"][0]["severity"] = "catastrophic"
    del broken["findings"][0]["check"]
    del broken["coverage"]
    problems = "\n".join(schema.errors(broken))
    for where in ("schemaVersion", "findings/0/severity", "findings/0", "(root)"):
        assert where in problems, where


def test_render_refuses_an_invalid_json_report_while_tests_run() -> None:
    """The suite's self-check (conftest sets K8SAUDIT_VALIDATE_REPORTS=1) really validates."""
    report = demo().model_copy(deep=True)
    report.schemaVersion = "999"
    with pytest.raises(ValueError, match="schemaVersion"):
        render(report, "json")


def test_a_report_round_trips_through_json() -> None:
    report = demo()
    again = Report.model_validate_json(render(report, "json"))
    assert again == report
    assert render(again, "md") == render(report, "md")


def test_manifest_findings_carry_file_and_line(tmp_path: Path) -> None:
    from k8saudit.sources.files import load_manifests

    (tmp_path / "app.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
        + yaml.safe_dump(workload("web", ctr(securityContext={"privileged": True})))
    )
    report = run_checks(load_manifests([tmp_path / "app.yaml"]))
    privileged = next(f for f in report.findings if f.check == "pod.privileged")
    assert privileged.location == f"{tmp_path / 'app.yaml'}:5"
    assert schema.errors(json.loads(render(report, "json"))) == []


def test_live_and_snapshot_findings_have_no_file_location() -> None:
    assert all(f.location is None for f in demo().findings)


def test_the_readme_scoring_example() -> None:
    from k8saudit.model.findings import CheckSummary, Section
    from k8saudit.model.scoring import grade, weighted_score

    critical = CheckSummary(
        id="a",
        title="a",
        section=Section.POD_SECURITY,
        severity=Severity.CRITICAL,
        status=Status.FAIL,
        passed=8,
        failed=2,
    )
    low = CheckSummary(
        id="b", title="b", section=Section.AUDIT, severity=Severity.LOW, status=Status.FAIL, passed=0, failed=1
    )
    exempt_only = CheckSummary(
        id="c", title="c", section=Section.AUDIT, severity=Severity.HIGH, status=Status.PASS, exempt=3
    )
    score = weighted_score([critical, low, exempt_only])
    assert score == 72.7 and grade(score) == "C"
    assert (
        "`100 × (10 × 0.8 + 1 × 0) / (10 + 1) = 72.7`, grade C"  # noqa: RUF001
        in (Path(__file__).parents[3] / "README.md").read_text()
    )


def test_the_same_cluster_gets_the_same_score_and_report() -> None:
    """The order the source gave the objects in changes nothing but the report's timestamp."""
    from k8saudit.model.inventory import Inventory

    inv = load_snapshot(snapshot_path())
    shuffled = Inventory(list(reversed(list(inv.all_objects()))), inv.facts)
    a, b = run_checks(inv), run_checks(shuffled)
    assert a.score == b.score and a.sections == b.sections
    a_doc, b_doc = json.loads(render(a, "json")), json.loads(render(b, "json"))
    a_doc.pop("generatedAt"), b_doc.pop("generatedAt")
    assert a_doc == b_doc
