"""Between runs: `compare`, `k8saudit diff`, `scan --baseline` and `--fail-on-new`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.findings import Severity
from k8saudit.output import schema
from k8saudit.output.diff import compare, load_report, new_at_or_above, render_markdown
from k8saudit.output.render import render
from k8saudit.runtime.errors import InputError
from tests.integration.runcli import invoke
from tests.unit.support.workload_helpers import ctr, hardened, inventory, workload

PRIV = {"privileged": True}


def scan(docs: list[dict[str, Any]], **options: Any) -> Any:
    return run_checks(inventory(docs), ScanOptions(**options))


def before() -> list[dict[str, Any]]:
    return [
        workload("web", ctr(securityContext=PRIV)),  # fixed later
        workload("db", ctr(securityContext=PRIV)),  # still failing later
        hardened("api"),
    ]


def after() -> list[dict[str, Any]]:
    return [
        hardened("web"),
        workload("db", ctr(securityContext=PRIV)),
        workload("api", ctr(securityContext=PRIV)),  # new
    ]


def test_new_resolved_and_still_failing() -> None:
    old, new = scan(before()), scan(after())
    c = compare(old, new, baseline_file="old.json")
    new_keys = {x.key for x in c.new}
    resolved = {x.key for x in c.resolved}
    assert "pod.privileged|Deployment shop/api|app" in new_keys
    assert "pod.privileged|Deployment shop/web|app" in resolved
    assert "pod.privileged|Deployment shop/db|app" not in new_keys | resolved
    assert c.unchanged is not None and "pod.privileged|Deployment shop/db|app" in {x.key for x in c.unchanged}
    assert c.stillFailing == len(c.unchanged)
    assert {x.now for x in c.resolved} == {"gone"}
    assert c.scoreChange == round(new.score - old.score, 1)
    assert c.baseline.file == "old.json" and c.baseline.score == old.score
    assert [x.severity for x in c.new] == sorted((x.severity for x in c.new), key=lambda s: -s.rank)
    assert compare(new, new).new == [] and compare(new, new).resolved == []


def test_resolved_by_exemption_or_blindness_is_not_called_fixed() -> None:
    old = scan(before())
    exempted = [
        workload(
            "web",
            ctr(securityContext=PRIV),
            template_annotations={"k8saudit.io/exempt": "pod.privileged", "k8saudit.io/exempt-reason": "CNI"},
        ),
        *before()[1:],
    ]
    c = compare(old, scan(exempted))
    assert {(x.key, x.now) for x in c.resolved} == {("pod.privileged|Deployment shop/web|app", "exempt")}
    blind = old.model_copy(deep=True)
    for summary in blind.checks:
        if summary.id == "pod.privileged":
            summary.status = summary.status.__class__("not-assessable")
    blind.findings = [f for f in blind.findings if f.check != "pod.privileged"]
    c = compare(old, blind)
    assert c.resolved and {x.now for x in c.resolved if x.check == "pod.privileged"} == {"not-assessable"}


def test_new_at_or_above() -> None:
    c = compare(scan(before()), scan(after()))
    assert new_at_or_above(c, None) == c.new
    assert {x.check for x in new_at_or_above(c, Severity.CRITICAL)} == {"pod.privileged"}
    assert all(x.severity.rank >= Severity.HIGH.rank for x in new_at_or_above(c, Severity.HIGH))


def test_markdown_diff_is_escaped() -> None:
    hostile = "x|<b>`y`"
    old = scan([hardened("web")])
    new = scan([workload(hostile, ctr(securityContext=PRIV))])
    md = render_markdown(compare(old, new))
    assert "<b>" not in md and r"x\|&lt;b&gt;\`y\`" in md
    assert "## New findings" in md and "## Resolved findings (0)" in md


def write(path: Path, report: Any) -> Path:
    path.write_text(render(report, "json"))
    return path


def test_load_report_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"kind": "List"}')
    (tmp_path / "future.json").write_text('{"schemaVersion": "9"}')
    for name, words in (
        ("bad.json", "not JSON"),
        ("other.json", "not a k8saudit JSON report"),
        ("future.json", "schema version '9'"),
        ("missing.json", "no such file"),
    ):
        with pytest.raises(InputError, match=words) as err:
            load_report(tmp_path / name)
        assert "\n" not in str(err.value)


def test_diff_command_in_every_format(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", scan(before()))
    new = write(tmp_path / "new.json", scan(after()))
    table = invoke("diff", old, new)
    assert table.exit_code == 0, table.output
    assert "New findings" in table.stdout and "shop/api" in table.stdout
    assert "\x1b[" not in table.stdout  # not a terminal: plain text
    md = invoke("diff", old, new, "--format", "md")
    assert md.stdout.startswith("# k8saudit: changes since the last scan")
    as_json = invoke("diff", old, new, "--format", "json")
    document = json.loads(as_json.stdout)
    assert schema.errors(document, schema.DIFF_SCHEMA) == []
    assert document["unchanged"] and document["stillFailing"] == len(document["unchanged"])
    gated = invoke("diff", old, new, "--fail-on", "critical")
    assert gated.exit_code == 1
    assert invoke("diff", new, new, "--fail-on", "info").exit_code == 0
    missing = invoke("diff", tmp_path / "nope.json", new)
    assert missing.exit_code != 0


def manifests(folder: Path, docs: list[dict[str, Any]]) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "all.yaml").write_text(yaml.safe_dump_all(docs))
    return folder


@pytest.mark.parametrize("fmt", ["html", "md", "json", "sarif", "junit"])
def test_scan_baseline_puts_since_last_scan_in_every_report(tmp_path: Path, fmt: str) -> None:
    old = invoke("scan", "--manifests", manifests(tmp_path / "v1", before()), "-q", "-f", "json", "-o", tmp_path / "o")
    assert old.exit_code == 0, old.output
    result = invoke(
        "scan",
        "--manifests",
        manifests(tmp_path / "v2", after()),
        "-q",
        "--baseline",
        tmp_path / "o",
        "-f",
        fmt,
        "-o",
        "-",
    )
    assert result.exit_code == 0, (result.output, result.exception)
    text = result.stdout
    if fmt == "json":
        since = json.loads(text)["sinceLastScan"]
        assert since["baseline"]["file"] == str(tmp_path / "o")
        assert any(x["key"] == "pod.privileged|Deployment shop/api|app" for x in since["new"])
        assert since["unchanged"] is None and since["stillFailing"] > 0
    elif fmt == "html":
        assert '<section id="since"' in text and "Deployment shop/api" in text.split('id="since"')[1]
    elif fmt == "md":
        assert "## Since last scan" in text and "| New | Check | Resource | Finding |" in text
    elif fmt == "sarif":
        # SARIF has its own notion of baselines; the comparison is in the run's properties
        assert json.loads(text)["runs"][0]["properties"]["sinceLastScan"]["new"] > 0
    else:
        assert 'name="since last scan"' in text


def test_fail_on_new_fails_only_on_new_findings(tmp_path: Path) -> None:
    v1 = manifests(tmp_path / "v1", before())
    v2 = manifests(tmp_path / "v2", after())
    assert invoke("scan", "--manifests", v1, "-q", "-f", "json", "-o", tmp_path / "old.json").exit_code == 0
    same = invoke("scan", "--manifests", v1, "-q", "-d", tmp_path / "r1", "--baseline", tmp_path / "old.json")
    assert same.exit_code == 0
    still = invoke(
        "scan", "--manifests", v1, "-q", "-d", tmp_path / "r2", "--baseline", tmp_path / "old.json", "--fail-on-new"
    )
    assert still.exit_code == 0  # failing findings, none of them new
    plain = invoke("scan", "--manifests", v1, "-q", "-d", tmp_path / "r3", "--fail-on", "critical")
    assert plain.exit_code == 1  # without --fail-on-new the old failures count
    newer = invoke(
        "scan", "--manifests", v2, "-q", "-d", tmp_path / "r4", "--baseline", tmp_path / "old.json", "--fail-on-new"
    )
    assert newer.exit_code == 1
    above = ("--baseline", tmp_path / "old.json", "--fail-on-new", "--fail-on")
    assert invoke("scan", "--manifests", v2, "-q", "-d", tmp_path / "r5", *above, "critical").exit_code == 1
    only_low = invoke("scan", "--manifests", v2, "-q", "-d", tmp_path / "r6", *above, "info")
    assert only_low.exit_code == 1
    no_baseline = invoke("scan", "--manifests", v2, "-q", "-d", tmp_path / "r7", "--fail-on-new")
    assert isinstance(no_baseline.exception, InputError) and "--baseline" in str(no_baseline.exception)


def test_fail_on_new_respects_the_threshold(tmp_path: Path) -> None:
    """A new finding below --fail-on does not fail the build."""
    base = [hardened("web")]
    tagged = hardened("extra")
    tagged["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example.com/app:1.0"  # no digest: low
    low_only = [hardened("web"), tagged]
    v1 = manifests(tmp_path / "v1", base)
    assert invoke("scan", "--manifests", v1, "-q", "-f", "json", "-o", tmp_path / "old.json").exit_code == 0
    v2 = manifests(tmp_path / "v2", low_only)
    new = compare(load_report(tmp_path / "old.json"), scan(low_only))
    assert new.new and all(x.severity.rank < Severity.CRITICAL.rank for x in new.new)
    args = ("--baseline", tmp_path / "old.json", "--fail-on-new", "--fail-on", "critical")
    assert invoke("scan", "--manifests", v2, "-q", "-d", tmp_path / "r", *args).exit_code == 0
