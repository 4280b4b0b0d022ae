"""The Markdown summary (`-f md-summary`): always fits a GitHub comment (65,536 characters).

The demo's report.md is 156 KB and a 2,000-pod cluster's about 2 MB; GitHub refuses a comment or
an issue body over 65,536 characters. The summary holds the score, coverage, counts, what is new
since the baseline, the top risks with their fix, each section's counts and a pointer to the
full report, and stays under `TARGET` whatever the cluster holds: lists are bounded and every
value from the cluster is clipped, and a hostile cluster shortens the lists rather than the limit.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import ChangedFinding, Report, ResourceRef, Section, Severity
from k8saudit.output import summary
from k8saudit.output.diff import compare
from k8saudit.output.formats import by_name
from k8saudit.output.render import render
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.unit.support.large_cluster import large_report

RENDERER = MarkdownIt("commonmark", {"html": True}).enable("table")
HOSTILE = '<img src=x onerror="alert(1)">|`x`*_[a](https://evil.example)'


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def tables(md: str) -> list[list[int]]:
    """Each table's cells per row: a pipe that escaped a cell shows as a row of another width."""
    out: list[list[int]] = []
    cells = 0
    for token in RENDERER.parse(md):
        if token.type == "table_open":
            out.append([])
        elif token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            out[-1].append(cells)
    return out


def assert_fits_and_is_whole(md: str) -> None:
    assert summary.size(md) <= summary.TARGET <= summary.GITHUB_LIMIT
    for widths in tables(md):
        assert len(set(widths)) == 1, widths
    assert not [t for t in RENDERER.parse(md) if t.type in ("html_block", "html_inline")]


def test_the_demo_summary_has_what_a_pull_request_needs() -> None:
    report = demo()
    md = render(report, "md-summary")
    assert_fits_and_is_whole(md)
    assert md.startswith("## k8saudit: kind-demo\n")
    cov = report.coverage
    assert (
        f"**Score {report.score:.1f} / 100 · grade {report.grade}** · "
        f"coverage {cov.assessed} of {cov.checks} checks ({cov.ratio:.0%})" in md
    )
    counts = [report.counts[s.value] for s in Severity]
    exempt = sum(1 for f in report.findings if f.status.value == "exempt")
    not_assessable = sum(1 for c in report.checks if c.status.value == "not-assessable")
    assert "| " + " | ".join(map(str, [*counts, exempt, not_assessable])) + " |" in md
    risks = re.findall(r"^\d+\. \*\*(\w+)\*\* .*\((\S+)\): ", md, flags=re.MULTILINE)
    assert [check for _, check in risks[:3]] == ["pod.privileged", "pod.host\\-path", "rbac.anonymous\\-bindings"] or [
        check for _, check in risks[:3]
    ] == ["pod.privileged", "pod.host-path", "rbac.anonymous-bindings"]
    assert [sev for sev, _ in risks[:4]] == ["CRITICAL", "CRITICAL", "CRITICAL", "HIGH"]
    assert md.count("   Fix: ") == len(risks) == 10
    sections = md.split("### Sections", 1)[1]
    assert len(re.findall(r"^\| (?!Section|---)", sections, flags=re.MULTILINE)) == len(report.sections)
    assert f"{not_assessable} checks could not be assessed" in md
    assert "`report.html`, `report.md`, `report.json`" in md
    assert "Since last scan" not in md  # no baseline


def test_the_full_reports_do_not_fit_a_comment_and_the_summary_does() -> None:
    assert len(render(demo(), "md")) > summary.GITHUB_LIMIT  # 156 KB: the problem
    big = large_report()
    assert len(render(big, "md")) > 20 * summary.GITHUB_LIMIT
    md = render(big, "md-summary")
    assert_fits_and_is_whole(md)
    assert "lists shortened" not in md  # a real large cluster needs no cut
    counts = big.counts
    assert f"| {counts['critical']} | {counts['high']} | {counts['medium']} |" in md


def test_what_is_new_since_the_baseline_is_listed_worst_first() -> None:
    report = demo()
    older = report.model_copy(
        update={"findings": [f for f in report.findings if f.check not in ("pod.privileged", "pod.capabilities")]}
    )
    now = report.model_copy(update={"sinceLastScan": compare(older, report, baseline_file="main.json", full=False)})
    md = render(now, "md-summary")
    assert_fits_and_is_whole(md)
    since = md.split("### Since last scan", 1)[1].split("### Top risks", 1)[0]
    assert "**15 new**, 0 resolved" in since
    rows = re.findall(r"^\| (critical|high|medium|low|info) \| ", since, flags=re.MULTILINE)
    assert rows[:2] == ["critical", "critical"] and rows[2:4] == ["high", "high"] and len(rows) == 15


#: A name that escaping makes five times longer (`&` is `&amp;`), the worst a cluster can send.
SWELLING = '&<>"' * 70


def _hostile(report: Report, new: int) -> Report:
    """`report` with a megabyte-long context, names that swell when escaped, and `new` new findings."""
    changed = [
        ChangedFinding(
            key=f"x|{i}",
            check="pod.privileged",
            severity=list(Severity)[i % 5],
            section=Section.POD_SECURITY,
            resource=ResourceRef(kind="Deployment", namespace=HOSTILE, name=f"{SWELLING}-{i}"),
            container=SWELLING,
            message=HOSTILE + SWELLING * 50,
        )
        for i in range(new)
    ]
    since = compare(report, report, full=False).model_copy(update={"new": changed})
    hostile = report.model_copy(deep=True, update={"sinceLastScan": since})
    hostile.cluster.context = "ctx-" + "é🙂" * 500_000
    for f in hostile.findings:
        if f.resource is not None:
            f.resource = ResourceRef(kind=f.resource.kind, namespace=HOSTILE, name=SWELLING + f.resource.name)
    return hostile


def test_a_hostile_cluster_shortens_the_lists_not_the_limit() -> None:
    md = render(_hostile(demo(), 5_000), "md-summary")
    assert_fits_and_is_whole(md)
    assert "<img" not in md and "](https://evil" not in md
    assert "lists shortened to fit a GitHub comment" in md
    assert re.search(r"and \d+ more new findings", md)
    assert md.rstrip().endswith(".") and "`report.json`" in md  # the pointer to the full report stays


def test_the_largest_budget_is_used_when_it_fits_and_the_last_always_fits() -> None:
    """With the last budget the summary's size depends on the catalogue alone, so `summary.text`
    always ends with a text that fits; a large real cluster gets the first."""
    last = summary.BUDGETS[-1]
    assert last.new == 0 and last.clip <= 20 and last.top <= 1
    md = summary.text(_hostile(large_report(), 50_000))
    assert summary.size(md) <= summary.TARGET and "lists shortened" in md
    assert "lists shortened" not in summary.text(large_report())


def test_the_cli_writes_report_summary_md(tmp_path: Path) -> None:
    assert by_name("md-summary").file_name == "report.summary.md"
    proc = subprocess.run(
        [sys.executable, "-m", "k8saudit", "scan", "--demo", "-q", "-f", "md-summary", "-d", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.summary.md"]
    assert (tmp_path / "report.summary.md").read_text().startswith("## k8saudit: kind-demo")
