"""The command line as a person (and a CI job) uses it: exit codes, one-line errors, output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from k8saudit.cli import main
from tests.unit.support.helpers import deployment

REPO = Path(__file__).resolve().parents[3]

HARDENED = {
    "image": "registry.example.com/shop/web@sha256:" + "a" * 64,
    "imagePullPolicy": "IfNotPresent",
    "securityContext": {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    },
    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
}
HARDENED_POD = {
    "automountServiceAccountToken": False,
    "serviceAccountName": "web",
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
}


class Run(NamedTuple):
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the real console entry point in-process (errors, exit codes and all)."""

    def invoke(*args: str) -> Run:
        monkeypatch.setattr(sys, "argv", ["k8saudit", *args])
        monkeypatch.delenv("K8SAUDIT_DEBUG", raising=False)
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return invoke


def one_error_line(run: Run) -> str:
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    assert lines[0].startswith("k8saudit: error: ")
    return lines[0]


def manifests(tmp_path: Path, *docs: dict[str, Any]) -> Path:
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "app.yaml").write_text(yaml.safe_dump_all(list(docs)))
    return folder


def test_checks_json_lists_the_catalogue(cli: Any) -> None:
    run = cli("checks", "--format", "json")
    assert run.code == 0
    entries = json.loads(run.out)
    assert isinstance(entries, list) and len(entries) >= 14
    for entry in entries:
        assert {"id", "title", "section", "severity", "references"} <= set(entry)
    ids = {e["id"] for e in entries}
    assert {"pod.privileged", "net.default-deny", "cp.anonymous-auth", "cluster.version-supported"} <= ids
    privileged = next(e for e in entries if e["id"] == "pod.privileged")
    assert privileged["severity"] == "critical" and "C-0057" in privileged["references"]["kubescape"]


def test_checks_table(cli: Any) -> None:
    run = cli("checks")
    assert run.code == 0 and "pod.privileged" in run.out and "critical" in run.out


def test_checks_table_never_truncates_ids(cli: Any) -> None:
    run = cli("checks")
    for check_id in ("rbac.anonymous-bindings", "cluster.version-supported", "pod.allow-privilege-escalation"):
        assert check_id in run.out


def test_explain_prints_one_entry(cli: Any) -> None:
    run = cli("explain", "pod.privileged")
    assert run.code == 0
    assert run.out.startswith("pod.privileged  [critical]")
    assert "Why:" in run.out and "Fix:" in run.out and "C-0057" in run.out


def test_explain_says_which_file_defines_the_check(cli: Any) -> None:
    run = cli("explain", "pod.privileged")
    assert run.code == 0
    (line,) = [line for line in run.out.splitlines() if line.startswith("Defined in:")]
    path = line.removeprefix("Defined in:").strip()
    assert path.startswith("k8saudit/checks/pod/") and path.endswith(".py")  # relative to the package's folder
    assert 'id="pod.privileged"' in (REPO / path).read_text()


def test_every_check_is_defined_where_explain_says() -> None:
    from k8saudit.checks.registry import all_checks
    from k8saudit.cli.catalogue import defined_in

    for chk in all_checks():
        path = defined_in(chk)
        assert path.startswith("k8saudit/checks/") and path.endswith(".py"), (chk.id, path)
        assert f'id="{chk.id}"' in (REPO / path).read_text(), (chk.id, path)


def test_explain_unknown_id_exits_2_with_one_line(cli: Any) -> None:
    run = cli("explain", "nope")
    assert run.code == 2 and run.out == ""
    assert "no check with id 'nope'" in one_error_line(run)


def test_scan_manifests_json_to_stdout_is_valid_json(cli: Any, tmp_path: Path) -> None:
    folder = manifests(tmp_path, deployment("web", {"securityContext": {"privileged": True}}))
    run = cli("scan", "--manifests", str(folder), "--format", "json", "--output", "-")
    assert run.code == 0, run.err
    report = json.loads(run.out)  # the terminal summary went to stderr, not into the JSON
    assert report["schemaVersion"] == "1"
    assert report["cluster"]["source"] == "manifests"
    assert any(f["check"] == "pod.privileged" and f["status"] == "fail" for f in report["findings"])
    assert "Score" in run.err


def test_output_with_two_formats_exits_2(cli: Any, tmp_path: Path) -> None:
    folder = manifests(tmp_path, deployment("web"))
    run = cli("scan", "--manifests", str(folder), "--format", "json", "--format", "md", "--output", "x.json")
    assert run.code == 2 and run.out == ""
    assert "--output" in one_error_line(run)
    assert not Path("x.json").exists()


def test_fail_on_high_exits_1_with_a_failing_high_finding(cli: Any, tmp_path: Path) -> None:
    folder = manifests(tmp_path, deployment("web", {**HARDENED, "securityContext": {"privileged": True}}, HARDENED_POD))
    run = cli("scan", "--manifests", str(folder), "--fail-on", "high", "-d", str(tmp_path / "out"), "-q")
    assert run.code == 1, run.err
    assert (tmp_path / "out" / "report.json").exists()  # reports are written before the gate


def test_fail_on_high_exits_0_without_one(cli: Any, tmp_path: Path) -> None:
    folder = manifests(tmp_path, deployment("web", HARDENED, HARDENED_POD))
    out = tmp_path / "out"
    run = cli("scan", "--manifests", str(folder), "--fail-on", "high", "-d", str(out), "-q")
    report = json.loads((out / "report.json").read_text())
    high = [f for f in report["findings"] if f["status"] == "fail" and f["severity"] in ("high", "critical")]
    assert run.code == 0, high
    assert {p.name for p in out.iterdir()} == {"report.html", "report.md", "report.json"}
    # `--fail-on none` never gates
    assert cli("scan", "--manifests", str(folder), "--fail-on", "none", "-d", str(out), "-q").code == 0


def test_missing_snapshot_exits_2_with_one_line(cli: Any, tmp_path: Path) -> None:
    run = cli("scan", "--snapshot", str(tmp_path / "missing.json"), "-q")
    assert run.code == 2
    assert "missing.json: no such file" in one_error_line(run)


def test_bad_manifest_exits_2_naming_file_and_line(cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "bad.yaml").write_text("kind: Pod\nmetadata: [\n")
    run = cli("scan", "--manifests", str(folder), "-q", "-d", str(tmp_path / "out"))
    assert run.code == 2
    line = one_error_line(run)
    assert "bad.yaml" in line and "line" in line


def test_unknown_option_is_a_usage_error(cli: Any) -> None:
    run = cli("scan", "--no-such-option")
    assert run.code == 2 and "Traceback" not in run.err


def test_the_installed_entry_point_reports_a_missing_snapshot_in_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "k8saudit", "scan", "--snapshot", str(tmp_path / "gone.json")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("k8saudit: error: ") and "gone.json: no such file" in proc.stderr
