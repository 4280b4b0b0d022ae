"""The terminal: the summary table (plain text off a terminal, names never read as markup) and the
progress display while collecting (only on a terminal)."""

from __future__ import annotations

import io
import json
import threading
from functools import cache
from pathlib import Path

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report
from k8saudit.output.diff import compare
from k8saudit.output.render import render
from k8saudit.output.terminal import collect_progress, print_summary, worst_checks
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.integration.runcli import invoke
from tests.unit.support.workload_helpers import ctr, inventory, workload


@cache
def demo() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_summary_has_score_counts_exemptions_and_top_checks() -> None:
    out = io.StringIO()
    report = demo()
    print_summary(report, out)
    text = out.getvalue()
    assert "\x1b[" not in text  # not a terminal: no colour codes
    assert f"{report.score:.1f} / 100  grade {report.grade}" in text
    assert f"critical {report.counts['critical']}  high {report.counts['high']}" in text
    assert "28 findings exempt" in text
    assert "pod.privileged" in text and "Not assessable: " in text
    assert "... and " in text  # more failing checks than the table shows


def test_summary_prints_names_as_text_not_markup() -> None:
    report = run_checks(inventory([workload("x", ctr())]))
    report.cluster.context = "[bold red]ctx[/] [link=http://x]y"
    out = io.StringIO()
    print_summary(report, out)
    assert "[bold red]ctx[/] [link=http://x]y" in out.getvalue()


def test_summary_with_a_baseline() -> None:
    report = demo()
    out = io.StringIO()
    print_summary(report, out, since=compare(report, report))
    assert "Since last scan" in out.getvalue() and "0 new, 0 resolved" in out.getvalue()


def test_progress_only_on_a_terminal() -> None:
    with collect_progress(io.StringIO(), total=3) as progress:
        assert progress is None
    screen = Terminal()
    with collect_progress(screen, total=3) as progress:
        assert progress is not None
        threads = [
            threading.Thread(target=progress, args=("pods", 500, None)),
            threading.Thread(target=progress, args=("roles", 3, "ok")),
            threading.Thread(target=progress, args=("secrets", 0, "forbidden")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        progress("pods", 900, "ok")
    assert "Listing kinds" in screen.getvalue()


def test_quiet_prints_nothing_and_default_prints_the_summary() -> None:
    loud = invoke("scan", "--demo", "-f", "json", "-o", "/dev/null")
    assert loud.exit_code == 0 and "Score" in loud.stdout and "grade" in loud.stdout
    quiet = invoke("scan", "--demo", "-q", "-f", "json", "-o", "/dev/null")
    assert quiet.exit_code == 0 and quiet.stdout == ""


# --- an 80-column terminal (issue 16) ---------------------------------------------------------

COLUMNS = {"COLUMNS": "80"}


def fits(text: str, *, identifiers: tuple[str, ...] = ()) -> list[str]:
    """The lines of `text`; each fits 80 columns unless it is one identifier too long for any line."""
    lines = text.rstrip("\n").splitlines()
    for line in lines:
        assert len(line) <= 80 or line.strip() in identifiers, line
    return lines


def test_the_catalogue_fits_80_columns_with_every_id_whole() -> None:
    from k8saudit.checks.registry import all_checks

    ids = [c.id for c in all_checks()]
    run = invoke("checks", env=COLUMNS)
    assert run.exit_code == 0, run.output
    lines = fits(run.stdout)
    words = {word for line in lines for word in line.split()}
    assert set(ids) <= words  # an id is copied into `explain`: never cut, never wrapped
    assert len(lines) <= 2.25 * len(ids), len(lines)  # was 642 lines for 96 checks (ID 47 wide, Title 9)


def test_the_scan_summary_fits_a_24_line_screen_and_ends_with_the_headline(tmp_path: Path) -> None:
    run = invoke("scan", "--demo", "-d", tmp_path / "out", env=COLUMNS)
    assert run.exit_code == 0, run.output
    lines = fits(run.stdout)
    assert len(lines) <= 24, len(lines)  # the whole summary on one screen (it was 41 lines)
    assert headline(lines) == ["Score", "Coverage", "Failing", "Reports"], lines[-6:]
    words = {word.rstrip(",") for line in lines for word in line.split()}
    assert str(tmp_path / "out" / "report.html") in words  # a path is never cut, however long
    assert {"report.md", "report.json"} <= words
    shown = [c.id for c in worst_checks(demo())[:10]]
    assert set(shown) <= words


def headline(lines: list[str]) -> list[str]:
    """The labels of the last lines, from `Score` on (continuation lines, indented, carry none)."""
    start = max(i for i, line in enumerate(lines) if line.startswith("Score"))
    return [line.split()[0] for line in lines[start:] if not line.startswith(" ")]


def test_a_manifests_scan_ends_with_the_headline_not_a_list(tmp_path: Path) -> None:
    deploy = Path(__file__).resolve().parents[3] / "deploy"
    run = invoke("scan", "--manifests", deploy, "-d", tmp_path / "out", env=COLUMNS)
    assert run.exit_code == 0, run.output
    lines = fits(run.stdout)
    assert len(lines) <= 12, lines  # the 45 checks manifests cannot assess were a 20-line list
    (na,) = [line for line in lines if line.startswith("Not assessable: ")]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    unassessed = sum(1 for c in report["checks"] if c["status"] == "not-assessable")
    assert unassessed > 40 and f"{unassessed} checks" in na  # one line, however many
    assert headline(lines) == ["Score", "Coverage", "Failing", "Reports"], lines[-6:]


def test_diff_fits_80_columns_and_never_cuts_a_resource_name(tmp_path: Path) -> None:
    long_names = {
        "web": "payments-reconciliation-worker-with-a-name-this-long-for-a-reason-x",  # 68 characters
        "db": "a" * 63,
    }
    old = run_checks(inventory([workload(n, ctr()) for n in long_names.values()]))
    new = run_checks(inventory([workload(n, ctr(securityContext={"privileged": True})) for n in long_names.values()]))
    (tmp_path / "old.json").write_text(render(old, "json"))
    (tmp_path / "new.json").write_text(render(new, "json"))
    run = invoke("diff", tmp_path / "old.json", tmp_path / "new.json", env=COLUMNS)
    assert run.exit_code == 0, run.output
    labels = tuple(f"shop/{n}" for n in long_names.values())
    lines = fits(run.stdout, identifiers=labels)
    words = {word for line in lines for word in line.split()}
    assert set(labels) <= words and "…" not in run.stdout
    assert lines[-1].startswith("Since ") or lines[-2].startswith("Since "), lines[-3:]
