"""What the command line says in the small moments (issue 16, item 11): where the reports went,
the errors a person makes (a file as -d, a text file as --snapshot, a Helm chart, a wrong
--fail-on, an output folder that takes no files, a credential plugin that is missing), how
`explain` and `--help` read, plurals, who-can's verbs, `-f` everywhere, and one way to write UTC."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8saudit.output.diff import load_report
from k8saudit.output.render import render
from tests.integration.runcli import closed_port, run_cli
from tests.security.support import assert_one_line_error, run_main
from tests.unit.support.helpers import deployment

COLUMNS_80 = {"COLUMNS": "80"}


def kubeconfig(folder: Path, user: dict[str, Any], server: str | None = None) -> Path:
    path = folder / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": server or f"https://127.0.0.1:{closed_port()}"}}],
                "users": [{"name": "u", "user": user}],
                "contexts": [{"name": "prod", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "prod",
            }
        )
    )
    return path


def one_namespace(tmp_path: Path) -> Path:
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "app.yaml").write_text(yaml.safe_dump(deployment("web")))
    return folder


# --- where the reports went ---------------------------------------------------------------------


def test_report_says_what_it_wrote(tmp_path: Path) -> None:
    (tmp_path / "scan.json").write_text(render(load_report_demo(), "json"))
    run = run_main("report", tmp_path / "scan.json", "-d", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert run.stdout == f"wrote {tmp_path / 'out' / 'report.html'}, report.md\n"
    one = run_main("report", tmp_path / "scan.json", "-f", "sarif", "-o", tmp_path / "k8saudit.sarif")
    assert one.stdout == f"wrote {tmp_path / 'k8saudit.sarif'}\n"
    to_stdout = run_main("report", tmp_path / "scan.json", "-f", "md", "-o", "-")
    assert to_stdout.stdout.startswith("# k8saudit") and "wrote" not in to_stdout.stdout + to_stdout.stderr


def load_report_demo() -> Any:
    from k8saudit.engine.run import run_checks
    from k8saudit.sources.demo import snapshot_path
    from k8saudit.sources.files import load_snapshot

    return run_checks(load_snapshot(snapshot_path()))


# --- errors a person makes ----------------------------------------------------------------------


@pytest.mark.parametrize("extra", [[], ["--timestamped"]])
@pytest.mark.parametrize("below", ["", "/sub"])
def test_a_file_as_output_dir_names_the_option(extra: list[str], below: str, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("mine")
    target = f"{tmp_path / 'afile'}{below}"
    run = run_main("scan", "--demo", "-d", target, "-q", *extra)
    assert_one_line_error(run, 2, f"--output-dir {target}", "is a file, not a folder")
    assert (tmp_path / "afile").read_text() == "mine"


def test_a_text_file_as_snapshot_says_what_it_is(tmp_path: Path) -> None:
    (tmp_path / "notjson.txt").write_text("hello, this is not JSON\n")
    line = assert_one_line_error(run_main("scan", "--snapshot", tmp_path / "notjson.txt", "-q"), 2, "plain text")
    assert "found str" not in line and "hello" not in line  # what the file is, never what it says


def test_a_helm_chart_says_render_it_with_helm_template(tmp_path: Path) -> None:
    chart = tmp_path / "charts" / "shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicaCount: 2\n")
    (chart / "templates" / "deployment.yaml").write_text("kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n")
    for given in (tmp_path / "charts", chart, chart / "Chart.yaml"):
        line = assert_one_line_error(run_main("scan", "--manifests", given, "-q"), 2, "Helm chart", "helm template")
        assert f"`helm template {chart} " in line and "no kind" not in line


def test_a_wrong_choice_is_one_line_listing_the_choices() -> None:
    run = run_main("scan", "--demo", "--fail-on", "severe")
    line = assert_one_line_error(run, 2, "k8saudit scan", "--fail-on", "'severe'", "k8saudit scan --help")
    assert all(f"'{s}'" in line for s in ("critical", "high", "medium", "low", "info", "none"))
    assert "Usage:" not in run.stderr
    assert_one_line_error(run_main("diff", "a.json", "b.json", "--format", "html"), 2, "table", "md", "json")
    assert_one_line_error(run_main("no-such-command"), 2, "no-such-command")


def test_an_abort_is_one_line_not_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Click's standalone mode printed "Aborted!" for an end of input at a prompt; without it the
    entry point says so itself, rather than calling it a bug (exit 4)."""
    import typer

    from k8saudit.cli import entry

    def aborting(**_: Any) -> None:
        raise typer.Abort()

    monkeypatch.setattr(entry, "app", aborting)
    run = run_main("scan")
    assert (run.code, run.stderr) == (1, "k8saudit: aborted\n")


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs Linux's /sys")
def test_collect_refuses_an_output_folder_that_takes_no_files_before_reading(tmp_path: Path) -> None:
    """As root, `os.access` says /sys is writable; creating a file there fails. The cluster (a
    closed port here) must not be asked first: that would be exit 3, after the whole read."""
    config = kubeconfig(tmp_path, {"token": "t"})
    run = run_main("collect", "-o", "/sys/k8saudit-snapshot.json", "--kubeconfig", config)
    assert_one_line_error(run, 2, "/sys/k8saudit-snapshot.json", "does not accept new files")
    assert not Path("/sys/k8saudit-snapshot.json").exists()


def test_collect_refuses_a_read_only_folder_before_reading(tmp_path: Path) -> None:
    """A read-only mount, when this machine can make one (a private mount namespace as root)."""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare(1) to mount a read-only tmpfs")
    mount = tmp_path / "ro"
    mount.mkdir()
    config = kubeconfig(tmp_path, {"token": "t"})
    script = Path(sys.executable).parent / "k8saudit"
    k8saudit = str(script) if script.exists() else f"{sys.executable} -m k8saudit"
    shell = f"mount -t tmpfs -o ro tmpfs {mount} && exec {k8saudit} collect -o {mount}/snap.json --kubeconfig {config}"
    run = run_cli_raw([unshare, "--mount", "sh", "-c", shell], tmp_path)
    if "mount:" in run.stderr or "unshare:" in run.stderr:
        pytest.skip(f"cannot mount here: {run.stderr.strip()}")
    assert run.returncode == 2, run.stderr
    assert "does not accept new files (Read-only file system)" in run.stderr, run.stderr


def run_cli_raw(command: list[str], cwd: Path) -> Any:
    import subprocess

    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_a_missing_credential_plugin_is_named_in_one_line(tmp_path: Path) -> None:
    plugin = {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws-iam-authenticator-gone"}
    run = run_cli("scan", "--kubeconfig", kubeconfig(tmp_path, {"exec": plugin}), "-q", cwd=tmp_path)
    assert run.returncode == 3, run.stderr
    assert "ERROR:root" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("k8saudit: error: ") and "`aws-iam-authenticator-gone`" in line
    assert "not installed, or not on PATH" in line and "context 'prod'" in line


def test_a_failing_credential_plugin_says_what_it_said(tmp_path: Path) -> None:
    script = tmp_path / "sso-login"
    script.write_text("#!/bin/sh\necho 'the SSO session has expired; run: aws sso login' >&2\nexit 1\n")
    script.chmod(0o755)
    plugin = {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(script)}
    run = run_cli("scan", "--kubeconfig", kubeconfig(tmp_path, {"exec": plugin}), "-q", cwd=tmp_path)
    assert run.returncode == 3 and "ERROR:root" not in run.stderr, run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert f"`{script}`" in line and "the SSO session has expired" in line


# --- explain and --help -------------------------------------------------------------------------


def test_explain_shows_the_yaml_fix_and_reflows_to_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    run = run_main("explain", "pod.privileged")
    assert run.code == 0, run.stderr
    assert all(len(line) <= 80 for line in run.stdout.splitlines())
    assert "    securityContext:\n      privileged: false" in run.stdout  # the catalogue's YAML fix
    monkeypatch.setenv("COLUMNS", "1000")
    wide = run_main("explain", "pod.root-group").stdout
    why = wide.split("Why:\n", 1)[1].split("\n\n")
    assert why[0].startswith("  A process whose group is 0") and why[0].count("\n") == 0  # one paragraph, one line
    assert why[1].startswith("  Semantics follow the Kubernetes API reference")  # paragraphs stay apart


TYPE_NAMES = re.compile(r"<(?:str|path|bool|int|float|int range|float range|list\[[^>]*\]|\w+(?:\|\w+)+)>")


@pytest.mark.parametrize(
    "command", ["", "scan", "collect", "diff", "report", "who-can", "checks", "explain", "config", "config validate"]
)
def test_help_names_values_not_types(command: str) -> None:
    run = run_main(*command.split(), "--help")
    assert run.code == 0, run.stderr
    assert TYPE_NAMES.findall(run.stdout) == [], run.stdout


def test_help_says_what_the_values_are() -> None:
    scan = run_main("scan", "--help").stdout
    for shown in ("--snapshot FILE", "--manifests PATH", "--output-dir DIR", "--output FILE|-", "--page-size N"):
        assert shown in scan, shown
    assert "--fail-on critical|high|medium|low|info|none" in scan
    assert "-f, --format html|md|json|sarif|junit" in scan
    assert "VERB" in run_main("who-can", "--help").stdout


# --- plurals and the empty References line -----------------------------------------------------


def test_one_of_a_thing_is_singular(tmp_path: Path) -> None:
    run = run_main("scan", "--manifests", one_namespace(tmp_path), "-d", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert "1 workload in 1 namespace" in run.stdout
    html = (tmp_path / "out" / "report.html").read_text()
    md = (tmp_path / "out" / "report.md").read_text()
    for text in (html, md, run.stdout):
        assert not re.search(r"\b1 (namespaces|workloads|pods|nodes|checks)\b", re.sub(r"<[^>]+>", "", text))
    assert "All 1 checks" not in html and "The only check of this section" in html


def test_no_empty_references_line() -> None:
    html = render(load_report_demo(), "html")
    assert re.search(r'class="refs">References: \s*</p>', html) is None
    assert 'class="refs">References: cis' in html  # the checks that have references still show them


# --- who-can's verbs, and -f ----------------------------------------------------------------------


def test_who_can_warns_about_a_verb_kubernetes_does_not_know() -> None:
    typo = run_main("who-can", "lsit", "secrets", "--demo")
    assert typo.code == 0 and "Who can lsit secrets" in typo.stdout  # answered, as kubectl auth can-i does
    (warning,) = typo.stderr.splitlines()
    assert warning.startswith("k8saudit: warning: who-can: 'lsit' is not a verb Kubernetes knows")
    assert "did you mean list?" in warning and "--custom-verb" in warning
    custom = run_main("who-can", "frobnicate", "widgets.example.com", "--demo", "--custom-verb")
    assert custom.code == 0 and custom.stderr == ""
    for known in (["get", "secrets"], ["escalate", "clusterroles"], ["attest", "signers"], ["post", "/metrics"]):
        assert run_main("who-can", *known, "--demo").stderr == "", known
    url = run_main("who-can", "create", "/metrics", "--demo").stderr
    assert "for a non-resource URL" in url and "post" in url


def test_checks_and_who_can_take_f() -> None:
    assert json.loads(run_main("checks", "-f", "json").stdout)[0]["id"]
    assert json.loads(run_main("who-can", "get", "secrets", "--demo", "-f", "json").stdout)["query"]["verb"] == "get"


# --- one way to write UTC ---------------------------------------------------------------------------


def test_times_end_in_z_and_old_reports_still_read(tmp_path: Path) -> None:
    run = run_main("scan", "--demo", "-f", "json", "-o", tmp_path / "new.json", "-q")
    assert run.code == 0, run.stderr
    report = json.loads((tmp_path / "new.json").read_text())
    assert report["generatedAt"].endswith("Z") and report["cluster"]["collectedAt"].endswith("Z")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report["generatedAt"])
    report["generatedAt"] = report["generatedAt"].replace("Z", "+00:00")  # as k8saudit wrote it before
    (tmp_path / "old.json").write_text(json.dumps(report))
    assert load_report(tmp_path / "old.json").generatedAt.endswith("+00:00")
    assert run_main("diff", tmp_path / "old.json", tmp_path / "new.json").code == 0
