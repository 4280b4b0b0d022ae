"""The score history in the reports (`k8saudit.output.history`, `history_view`, `trend`): which
earlier reports count, since when a finding fails, what the HTML, Markdown and terminal show, and
bad input in a history (one warning line each, the report still written)."""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path

import pytest

from k8saudit.model.findings import Status
from k8saudit.output import history
from k8saudit.output.history_view import HistoryView
from k8saudit.output.metrics import new_by_severity
from k8saudit.output.render import render
from k8saudit.output.templates import templates_dir
from k8saudit.output.trend import render as trend_text
from k8saudit.output.view import assets
from tests.integration.runcli import invoke, run_cli
from tests.unit.support.history_support import NOW, demo, demo_document, demo_now, earlier, failing_keys, write


def test_a_json_findings_key_is_finding_key() -> None:
    document = demo_document()
    keys = [history.finding_key(f) for f in document["findings"]]
    assert keys == [f.key() for f in demo().findings]
    assert any(k.endswith("|") for k in keys) and any("|cluster|" in k for k in keys)  # no container; cluster-level


def test_failing_since_is_the_first_scan_of_the_unbroken_run(tmp_path: Path) -> None:
    keys = failing_keys(demo_document())
    always, interrupted, new = keys[0], keys[1], keys[2]
    paths = [
        write(tmp_path, "a.json", earlier(3, passing=[new])),
        write(tmp_path, "b.json", earlier(2, passing=[new, interrupted])),  # it passed here: the run ends
        write(tmp_path, "c.json", earlier(1, passing=[new])),
    ]
    current = demo_now()
    found = history.history(current, paths)
    assert found is not None
    assert [r.source for r in found.runs] == [str(p) for p in paths] + [None]
    assert found.failingSince[always] == earlier(3)["generatedAt"]
    assert found.failingSince[interrupted] == earlier(1)["generatedAt"]
    assert new not in found.failingSince
    shown = HistoryView(found)
    assert shown.scans_failing(always) == 4 and shown.scans_failing(interrupted) == 2 and shown.scans_failing(new) == 1
    assert shown.since_text(new) == "new in this scan"
    assert re.fullmatch(r"failing since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(4 scans\)", shown.since_text(always))
    assert found.leftOut == []


def test_a_check_that_could_not_look_ends_the_run_too(tmp_path: Path) -> None:
    """Not failing is not failing: a scan where the finding was not-assessable proves nothing, so
    the claim stays the shorter, true one."""
    keys = failing_keys(demo_document())
    target = keys[0]
    blind = earlier(1)
    for f in blind["findings"]:
        if history.finding_key(f) == target:
            f["status"] = Status.NOT_ASSESSABLE.value
    found = history.history(demo_now(), [write(tmp_path, "a.json", earlier(2)), write(tmp_path, "b.json", blind)])
    assert found is not None and target not in found.failingSince
    assert found.failingSince[keys[1]] == earlier(2)["generatedAt"]


def test_each_unusable_report_is_one_warning_and_left_out(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    other_cluster = earlier(4)
    other_cluster["cluster"]["context"] = "kind-other"
    other_cluster["cluster"]["server"] = "https://10.0.0.1:6443"
    newer = earlier(-1)  # after this scan: not part of its past
    paths = [
        write(tmp_path, "good.json", earlier(2)),
        write(tmp_path, "copy.json", earlier(2)),
        tmp_path / "corrupt.json",
        write(tmp_path, "v0.json", {**earlier(3), "schemaVersion": "0"}),
        write(tmp_path, "other.json", other_cluster),
        write(tmp_path, "newer.json", newer),
        write(tmp_path, "no-schema.json", {"hello": "world"}),
        write(tmp_path, "broken-findings.json", {**earlier(5), "findings": [{"status": "fail"}]}),
    ]
    (tmp_path / "corrupt.json").write_text('{"schemaVersion": "1", "findings": [')
    with caplog.at_level(logging.WARNING):
        found = history.history(demo_now(), paths)
    assert found is not None and [r.source for r in found.runs] == [str(paths[0]), None]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    expected = [
        f"{paths[1]}: the same scan as {paths[0]}",
        f"{paths[2]}: not JSON (Expecting value)",
        f"{paths[3]}: report schema version '0'; this k8saudit reads '1'",
        f"{paths[4]}: another cluster (kind-other)",
        f"{paths[5]}: not earlier than this scan ({newer['generatedAt']})",
        f"{paths[6]}: not a k8saudit JSON report (no schemaVersion)",
        f"{paths[7]}: not a valid k8saudit report (KeyError: 'check')",
    ]
    assert warnings == [f"{line}: left out of the history" for line in expected]
    assert found.leftOut == expected
    assert all("\n" not in w for w in warnings)


def test_no_usable_earlier_scan_is_no_history(tmp_path: Path) -> None:
    assert history.history(demo_now(), []) is None
    assert history.history(demo_now(), [write(tmp_path, "v0.json", {**earlier(1), "schemaVersion": "0"})]) is None


def test_report_files_reads_run_folders_and_loose_reports_never_latest(tmp_path: Path) -> None:
    for name in ("20261101T031702Z", "20261102T031702Z", "20261102T031702Z-1"):
        write(tmp_path / name, "report.json", earlier(1))
    (tmp_path / "latest").symlink_to("20261102T031702Z-1")
    write(tmp_path, "exported.json", earlier(1))
    (tmp_path / "20261103T031702Z").mkdir()  # a run written without JSON: nothing to read
    found = [str(p.relative_to(tmp_path)) for p in history.report_files([tmp_path])]
    assert found == [
        "20261101T031702Z/report.json",
        "20261102T031702Z/report.json",
        "20261102T031702Z-1/report.json",
        "exported.json",
    ]


def test_the_history_is_capped_to_the_newest_scans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "LIMIT", 3)
    paths = [write(tmp_path, f"{d}.json", earlier(d, score=float(d))) for d in range(1, 7)]
    found = history.history(demo_now(), paths)
    assert found is not None and [r.score for r in found.runs[:-1]] == [3.0, 2.0, 1.0]


def test_html_shows_the_chart_inline_under_the_same_csp_and_each_findings_since(tmp_path: Path) -> None:
    keys = failing_keys(demo_document())
    report = demo_now()
    report.history = history.history(
        report,
        [write(tmp_path, "a.json", earlier(2, score=40.0)), write(tmp_path, "b.json", earlier(1, passing=keys[:1]))],
    )
    page = render(report, "html")
    plain = render(demo(), "html")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert (
        csp is not None and html.unescape(csp.group(1)) == assets(templates_dir()).csp
    )  # the chart needs no new source
    section = page.split('<section id="history"', 1)[1].split("</section>", 1)[0]
    assert "<script" not in section and "style=" not in section and "href" not in section
    (points,) = re.findall(r'<polyline points="([^"]+)" fill="none" stroke="#0969da"', section)
    ys = [float(pair.split(",")[1]) for pair in points.split()]
    assert len(ys) == 3 and ys[0] > ys[1]  # 40.0 then the demo's (above 50): higher is nearer the top
    assert '<a href="#history">History</a>' in page and '<a href="#history">' not in plain
    rows = page.count("failing since ") + page.count("new in this scan")
    assert rows == sum(1 for f in report.findings if f.status is Status.FAIL)
    assert "new in this scan" in page  # keys[0] did not fail the scan before


def test_markdown_has_the_table_and_each_findings_since(tmp_path: Path) -> None:
    report = demo_now()
    report.history = history.history(report, [write(tmp_path, "a.json", earlier(1, score=40.0))])
    text = render(report, "md")
    table = text.split("## History\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| Scan | Score | Grade | Critical | High | Medium | Low | Info | Failing | Coverage |")
    assert (
        f"(this scan) | {report.score:.1f} | {report.grade} |" in lines[1] and f"| 40.0 | {report.grade} |" in lines[2]
    )  # earlier() keeps the demo's grade
    assert "\n\n| Scan |" in table  # the table is its own block
    assert text.count(" · failing since ") == sum(1 for f in report.findings if f.status is Status.FAIL)


def test_reports_without_a_history_are_unchanged() -> None:
    report = demo()
    assert "history" not in json.loads(render(report, "json"))
    assert "## History" not in render(report, "md") and 'id="history"' not in render(report, "html")
    assert "failing since" not in render(report, "md")


def test_new_failing_findings_in_the_metrics_come_from_the_history(tmp_path: Path) -> None:
    keys = failing_keys(demo_document())
    report = demo_now()
    report.history = history.history(report, [write(tmp_path, "a.json", earlier(1, passing=keys[:3]))])
    new = new_by_severity(report)
    assert new is not None and sum(new.values()) == 3


def test_timestamped_runs_are_each_others_history(tmp_path: Path) -> None:
    for _ in range(2):
        result = invoke("scan", "--demo", "-q", "-d", tmp_path, "--timestamped", "-f", "json", "-f", "md")
        assert result.exit_code == 0, (result.output, result.exception)
    first, _ = sorted(p for p in tmp_path.iterdir() if p.name != "latest")
    assert "history" not in json.loads((first / "report.json").read_text())  # a first scan has none
    latest = json.loads((tmp_path / "latest" / "report.json").read_text())
    assert [r["source"] for r in latest["history"]["runs"]] == [str(first / "report.json"), None]
    assert len(latest["history"]["failingSince"]) == sum(latest["counts"].values())
    assert "## History" in (tmp_path / "latest" / "report.md").read_text()


def test_history_option_reads_a_folder_and_refuses_anything_else(tmp_path: Path) -> None:
    write(tmp_path / "old", "a.json", earlier(1))
    (tmp_path / "old" / "b.json").write_text("not json")
    result = run_cli(
        "scan", "--demo", "-q", "-f", "json", "-d", tmp_path / "out", "--history", tmp_path / "old", cwd=tmp_path
    )
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"k8saudit: warning: {tmp_path / 'old' / 'b.json'}: not JSON (Expecting value): left out of the history"
    ]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert len(report["history"]["runs"]) == 2 and report["history"]["leftOut"]
    missing = run_cli("scan", "--demo", "--history", tmp_path / "nowhere", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == f"k8saudit: error: --history {tmp_path / 'nowhere'}: not a folder of JSON reports\n"


def test_trend_prints_the_history_in_80_columns(tmp_path: Path) -> None:
    keys = failing_keys(demo_document())
    write(tmp_path, "a.json", earlier(3, score=40.0, passing=keys[5:]))
    write(tmp_path, "b.json", earlier(2, score=50.0))
    write(tmp_path, "c.json", {**demo_document(), "generatedAt": NOW.isoformat()})
    (tmp_path / "d.json").write_text("{")
    result = run_cli("trend", tmp_path, "--top", "5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"k8saudit: warning: {tmp_path / 'd.json'}: not JSON (Expecting property name enclosed in double quotes): "
        "left out of the history"
    ]
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "k8saudit trend: kind-demo"
    score, failing = demo().score, sum(demo().counts.values())
    assert score is not None and 50 < score < 70  # the sparkline below: ▅ for 50 to 64
    assert lines[1].startswith("3 scans from ")
    assert lines[2] == f"score 40.0 → {score:.1f} ({score - 40:+.1f}), failing findings 5 → {failing}"
    assert lines[4].startswith("Score    ▄▅▅  ") and lines[5].startswith(f"Failing  ▁██  (0-{failing})")
    body = "\n".join(lines)
    assert body.count(f" {demo().grade} ") >= 3  # every scan's grade (earlier() keeps the demo's)
    longest = lines[lines.index(next(x for x in lines if x.startswith("Failing since"))) + 1 :]
    assert all(" 3  " in line for line in longest[:5])  # the five failing since the first scan come first
    assert longest[-1].startswith(f"  ... and {failing - 5} more")


def test_trend_refuses_a_folder_without_reports(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    nothing = run_cli("trend", tmp_path / "empty", cwd=tmp_path)
    assert (nothing.returncode, nothing.stderr) == (
        2,
        f"k8saudit: error: {tmp_path / 'empty'}: no k8saudit JSON report here "
        "(scan --timestamped -f json writes them)\n",
    )
    missing = run_cli("trend", tmp_path / "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "not a folder of JSON reports" in missing.stderr


def test_trend_shows_control_characters_as_symbols(tmp_path: Path) -> None:
    report = demo_now()
    report.cluster.context = "evil\x1b]0;owned\x07"
    report.history = history.alone(report)
    text = trend_text(report)
    assert "\x1b" not in text and "\x07" not in text and "␛]0;owned␇" in text
