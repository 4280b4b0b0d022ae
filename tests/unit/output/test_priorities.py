"""What to fix first ranks by each finding's own severity, in every place that says it.

The demo's header counts 4 critical findings: two privileged containers (a critical check), the
writable `containerd.sock` hostPath of `ci/build-runner` and the `system:anonymous` binding
`anonymous-metrics` (both of checks whose default severity is high). Ranked by the checks'
defaults, the last two sank below every high check; they must lead the terminal's list, the
reports' top risks and the order of the failing checks, and every finding row says its severity.
At scale (2,000 pods, 81 critical findings of three kinds) the top list names each kind once.
"""

from __future__ import annotations

import io
import re
from functools import cache

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report, Severity, Status
from k8saudit.output import priorities
from k8saudit.output.render import render
from k8saudit.output.terminal import print_summary
from k8saudit.output.view import context
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.unit.support.large_cluster import large_report

#: The demo's critical findings, by check: two of them belong to checks whose default is high.
DEMO_CRITICAL = {"pod.privileged": 2, "pod.host-path": 1, "rbac.anonymous-bindings": 1}


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def critical_checks(report: Report) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in report.failing():
        if f.severity is Severity.CRITICAL:
            counts[f.check] = counts.get(f.check, 0) + 1
    return counts


def test_the_demo_has_critical_findings_in_high_checks() -> None:
    """The premise: two critical findings whose checks default to high."""
    report = demo()
    assert critical_checks(report) == DEMO_CRITICAL
    defaults = {c.id: c.severity for c in report.checks}
    assert defaults["pod.host-path"] is Severity.HIGH and defaults["rbac.anonymous-bindings"] is Severity.HIGH


def test_ranking_is_by_the_worst_finding_then_how_many_share_it() -> None:
    ranked = priorities.rank(demo())
    assert [r.check.id for r in ranked[:3]] == ["pod.privileged", "pod.host-path", "rbac.anonymous-bindings"]
    ranks = [r.worst.rank for r in ranked]
    assert ranks == sorted(ranks, reverse=True)
    host_path = ranked[1]
    assert host_path.worst is Severity.CRITICAL and host_path.mixed
    order = [f.severity.rank for f in host_path.findings]
    assert order == sorted(order, reverse=True)
    assert host_path.findings[0].resource is not None and host_path.findings[0].resource.name == "build-runner"


def test_top_risks_lead_with_every_critical_finding() -> None:
    risks = context(demo())["top_risks"]
    assert [r.check.id for r in risks[:3]] == list(DEMO_CRITICAL)
    assert all(r.worst is Severity.CRITICAL for r in risks[:3])
    assert all(r.worst is not Severity.CRITICAL for r in risks[3:])
    named = {r.check.id: r.shown[0] for r in risks[:3]}
    assert named["pod.host-path"] == "Deployment ci/build-runner"
    assert named["rbac.anonymous-bindings"] == "ClusterRoleBinding anonymous-metrics"


def test_html_and_markdown_top_risks_name_the_critical_findings() -> None:
    html = render(demo(), "html")
    risks_html = html.split('id="top-risks"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r'<li><span class="badge (\w+)">', risks_html)
    assert items[:3] == ["critical"] * 3 and "critical" not in items[3:]
    assert "Deployment ci/build-runner" in risks_html and "ClusterRoleBinding anonymous-metrics" in risks_html
    md = render(demo(), "md")
    risks_md = md.split("## Top risks", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in risks_md.splitlines() if re.match(r"\d+\. ", line)]
    assert [line.split("**")[1] for line in lines[:3]] == ["CRITICAL"] * 3
    assert "Deployment ci/build-runner" in risks_md and "ClusterRoleBinding anonymous-metrics" in risks_md


def listed(report: Report) -> list[tuple[str, str]]:
    """(severity, check) of each line of the terminal's list of failing checks."""
    out = io.StringIO()
    print_summary(report, out)
    words = [line.split() for line in out.getvalue().splitlines()]
    return [(w[0], w[1]) for w in words if len(w) > 1 and w[0] in {s.value for s in Severity}]


def test_the_terminal_lists_the_critical_findings_first() -> None:
    rows = listed(demo())
    assert [check for _, check in rows[:3]] == list(DEMO_CRITICAL)
    assert [sev for sev, _ in rows[:3]] == ["critical"] * 3 and rows[3][0] == "high"


def test_every_finding_row_says_its_severity() -> None:
    report = demo()
    html = render(report, "html")
    row = r'<tr data-severity="(\w+)"(?: class="print-more")?><td><span class="sev \1">\1</span></td>'
    rows = re.findall(row, html)
    assert len(rows) == len(report.failing())
    assert rows.count("critical") == report.counts["critical"] == 4
    md = render(report, "md")
    md_rows = re.findall(r"^\| (critical|high|medium|low|info) \| ", md, flags=re.MULTILINE)
    assert len(md_rows) >= len(report.failing())  # and the since-last-scan tables, when there is one
    assert md_rows.count("critical") == 4


def test_a_failing_check_opens_and_is_coloured_by_its_worst_finding() -> None:
    html = render(demo(), "html")
    tag = re.search(r'<details class="check (\w+)" id="check-pod.host-path" data-severity="(\w+)"( open)?>', html)
    assert tag is not None and tag.groups() == ("critical", "critical", " open")
    assert "5 failing (1 critical, 3 high, 1 medium)" in html


# --- at scale ------------------------------------------------------------------------------------


def test_at_scale_the_top_list_names_every_kind_of_critical_once() -> None:
    report = large_report()
    critical = critical_checks(report)
    assert critical == {"pod.privileged": 50, "pod.host-path": 30, "rbac.anonymous-bindings": 1}
    for risks in (
        [r.check.id for r in context(report)["top_risks"]],
        [r.check.id for r in priorities.top(priorities.rank(report), 10)],
    ):
        assert risks[:3] == ["pod.privileged", "pod.host-path", "rbac.anonymous-bindings"]
        assert len(risks) == len(set(risks))  # one line per check, not 50 lines of one
    critical = [check for sev, check in listed(report) if sev == "critical"]
    assert critical == ["pod.privileged", "pod.host-path", "rbac.anonymous-bindings"]


def test_every_check_with_a_critical_finding_makes_the_top_list() -> None:
    """Five checks are the usual list; a sixth with a critical finding is not left out."""
    report = large_report()
    ranked = priorities.rank(report)
    assert len(priorities.top(ranked, 2)) == 3  # the third critical check joins the first two
    assert [r.check.id for r in priorities.top(ranked, 2)][-1] == "rbac.anonymous-bindings"
    assert all(r.check.status is Status.FAIL for r in ranked)
