"""The terminal: the summary table (plain text off a terminal, names never read as markup) and the
progress display while collecting (only on a terminal)."""

from __future__ import annotations

import io
import threading
from functools import cache

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report
from k8saudit.output.diff import compare
from k8saudit.output.terminal import collect_progress, print_summary
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.integration.runcli import invoke
from tests.unit.workload_helpers import ctr, inventory, workload


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
