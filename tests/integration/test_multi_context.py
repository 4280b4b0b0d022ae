"""Several clusters in one scan (`--context a --context b`, `--all-contexts`) against fake API
servers on loopback: each cluster's report set in its own folder, the fleet report beside them,
and one slow, hung or unreachable cluster never blocking or failing the others.

Exit codes and stderr are checked on the installed `k8saudit` in a subprocess, as a user runs it;
the real API server tier (tests/realapi/test_multi_cluster.py) stops a server mid-scan.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8saudit.runtime.errors import InputError
from tests.integration.cluster import realistic_cluster
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI, TLSFiles
from tests.integration.runcli import clean_env, closed_port, invoke, run_cli

NETWORKPOLICIES = "/apis/networking.k8s.io/v1/networkpolicies"


def kubeconfig(path: Path, contexts: dict[str, dict[str, Any]], current: str | None = None) -> Path:
    """One kubeconfig with a context per entry: {name: {"server", "ca", "token"} or {"user": {...}}}."""
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
    for i, (name, c) in enumerate(contexts.items()):
        cluster: dict[str, Any] = {"server": c["server"]}
        if c.get("ca"):
            cluster["certificate-authority"] = str(c["ca"])
        doc["clusters"].append({"name": f"c{i}", "cluster": cluster})
        doc["users"].append({"name": f"u{i}", "user": c.get("user") or {"token": c["token"]}})
        doc["contexts"].append({"name": name, "context": {"cluster": f"c{i}", "user": f"u{i}"}})
    doc["current-context"] = current or next(iter(contexts))
    path.write_text(yaml.safe_dump(doc))
    return path


def entry(fake: FakeCluster) -> dict[str, Any]:
    assert fake.tls is not None
    return {"server": fake.url, "ca": fake.tls.ca, "token": fake.api.token}


def dead() -> dict[str, Any]:
    return {"server": f"https://127.0.0.1:{closed_port()}", "token": "t"}


@pytest.fixture
def second(tls: TLSFiles) -> Iterator[FakeCluster]:
    """Another cluster: the realistic one without its NetworkPolicies."""
    api = FakeKubeAPI()
    api.add(*(o for o in realistic_cluster() if o["kind"] != "NetworkPolicy"))
    with FakeCluster(api, tls) as cluster:
        yield cluster


@pytest.fixture
def slow(tls: TLSFiles) -> Iterator[FakeCluster]:
    """A cluster whose API server tells its version at once, then takes 60 s to answer any list."""
    api = FakeKubeAPI()
    api.fail(re.compile(r"^/apis?/.+"), 503, times=None, delay=60.0)
    with FakeCluster(api, tls) as cluster:
        yield cluster


def fleet_rows(out: Path) -> dict[str, dict[str, Any]]:
    document = json.loads((out / "fleet.json").read_text())
    return {row["name"]: row for row in document["clusters"]}


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A report without what differs from run to run (times, the probe's made-up user)."""
    return {
        "score": report["score"],
        "coverage": report["coverage"],
        "counts": report["counts"],
        "checks": report["checks"],
        "findings": sorted(json.dumps(f, sort_keys=True) for f in report["findings"]),
    }


def test_each_cluster_gets_its_report_set_and_the_fleet_report_says_which_could_not_be_read(
    fake: FakeCluster, second: FakeCluster, tmp_path: Path
) -> None:
    config = kubeconfig(tmp_path / "kc", {"prod": entry(fake), "stage": entry(second), "gone": dead()})
    out = tmp_path / "out"

    proc = run_cli("scan", "--kubeconfig", config, "--all-contexts", "-d", out, cwd=tmp_path, env=clean_env())

    assert proc.returncode == 3, proc.stderr  # a cluster could not be read: the run cannot say all is clean
    assert "Traceback" not in proc.stderr
    for name in ("prod", "stage"):
        assert sorted(p.name for p in (out / name).iterdir()) == ["report.html", "report.json", "report.md"]
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (out / name).iterdir())
    assert not (out / "gone").exists()
    rows = fleet_rows(out)
    assert (rows["prod"]["status"], rows["stage"]["status"], rows["gone"]["status"]) == ("scanned",) * 2 + ("failed",)
    assert rows["gone"]["error"].startswith("cannot reach the Kubernetes API server at https://127.0.0.1:")
    assert (rows["prod"]["report"], rows["prod"]["reportJson"]) == ("prod/report.html", "prod/report.json")
    assert "net.default-deny" in rows["stage"]["failingChecks"]  # its own findings, not prod's
    assert "net.default-deny" not in rows["prod"]["failingChecks"] or rows["prod"]["counts"] != rows["stage"]["counts"]
    assert re.search(r"\[\d/3\] gone: not scanned: cannot reach the Kubernetes API server", proc.stdout)
    assert re.search(r"\[\d/3\] prod: grade [A-F], score [\d.]+, coverage \d+%", proc.stdout)
    assert proc.stdout.rstrip().endswith(
        f"Fleet: 3 clusters, 1 not scanned; written: {out}/fleet.html, {out}/fleet.md, {out}/fleet.json"
    )
    # each cluster's report is exactly what a scan of that one context writes
    alone = invoke("scan", "--kubeconfig", config, "--context", "stage", "-f", "json", "-o", "-", "-q")
    assert alone.exit_code == 0, alone.stderr
    assert comparable(json.loads((out / "stage" / "report.json").read_text())) == comparable(json.loads(alone.stdout))


def test_fail_on_any_cluster_is_exit_1_and_a_clean_run_is_0(
    fake: FakeCluster, second: FakeCluster, tmp_path: Path
) -> None:
    config = kubeconfig(tmp_path / "kc", {"prod": entry(fake), "stage": entry(second), "gone": dead()})
    both = ["scan", "--kubeconfig", config, "--context", "prod", "--context", "stage", "-q"]
    assert run_cli(*both, "-d", tmp_path / "a", cwd=tmp_path, env=clean_env()).returncode == 0
    # findings at or above --fail-on come first: they are known, what the unreachable cluster holds is not
    with_gone = [*both, "--context", "gone", "--fail-on", "high", "-d", tmp_path / "c"]
    assert run_cli(*with_gone, cwd=tmp_path, env=clean_env()).returncode == 1


def test_a_slow_cluster_is_given_up_at_its_time_limit_and_holds_nobody_else(
    fake: FakeCluster, slow: FakeCluster, tmp_path: Path
) -> None:
    config = kubeconfig(tmp_path / "kc", {"slow": entry(slow), "prod": entry(fake)})
    out = tmp_path / "out"
    started = time.monotonic()
    proc = run_cli(
        "scan", "--kubeconfig", config, "--all-contexts", "--cluster-timeout", "4", "--timeout", "1",
        "--cluster-workers", "1", "--log-format", "json", "-d", out, cwd=tmp_path, env=clean_env(),
    )  # fmt: skip
    took = time.monotonic() - started
    assert proc.returncode == 3, proc.stderr
    done = [e for e in events(proc.stdout) if e["event"] == "cluster"]
    assert [(e["cluster"], e["status"]) for e in done] == [("slow", "timed-out"), ("prod", "scanned")]
    assert 3500 <= done[0]["ms"] < 9000  # the limit, not the 60 s the server would take
    assert took < 40, took
    row = fleet_rows(out)["slow"]
    assert row["status"] == "timed-out"
    assert row["error"] == (
        f"gave up reading the Kubernetes API server at {slow.url} (context slow): its time limit (4 s, "
        "--cluster-timeout) passed before the reading was done"
    )
    assert (out / "prod" / "report.json").is_file()


def test_one_slow_cluster_does_not_block_the_others_running_beside_it(
    fake: FakeCluster, second: FakeCluster, slow: FakeCluster, tmp_path: Path
) -> None:
    config = kubeconfig(tmp_path / "kc", {"slow": entry(slow), "prod": entry(fake), "stage": entry(second)})
    proc = run_cli(
        "scan", "--kubeconfig", config, "--all-contexts", "--cluster-timeout", "15", "--timeout", "1",
        "--cluster-workers", "2", "--log-format", "json", "-d", tmp_path / "out", cwd=tmp_path, env=clean_env(),
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    done = [(e["cluster"], e["status"]) for e in events(proc.stdout) if e["event"] == "cluster"]
    assert done == [("prod", "scanned"), ("stage", "scanned"), ("slow", "timed-out")]  # through the other worker


def test_a_hung_credential_plugin_is_given_up_and_the_others_are_scanned(fake: FakeCluster, tmp_path: Path) -> None:
    """An exec plugin waiting for a login holds no socket a request timeout could end: the run
    gives the cluster up a grace period after its limit, and ends without waiting for it."""
    pid_file = tmp_path / "plugin.pid"
    plugin = tmp_path / "login"
    plugin.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 120\n")
    plugin.chmod(0o755)
    hung = {
        "server": fake.url,
        "ca": fake.tls.ca if fake.tls else None,
        "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin),
                          "interactiveMode": "Never"}},
    }  # fmt: skip
    config = kubeconfig(tmp_path / "kc", {"sso": hung, "prod": entry(fake)})
    out = tmp_path / "out"
    started = time.monotonic()
    try:
        proc = run_cli(
            "scan", "--kubeconfig", config, "--all-contexts", "--cluster-timeout", "2", "-d", out,
            cwd=tmp_path, env=clean_env(),
        )  # fmt: skip
    finally:
        if pid_file.exists():  # the plugin this test started, by its pid
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
    took = time.monotonic() - started
    assert proc.returncode == 3, proc.stderr
    assert took < 60, took
    rows = fleet_rows(out)
    assert rows["prod"]["status"] == "scanned"
    assert rows["sso"]["status"] == "timed-out"
    assert rows["sso"]["error"].startswith("gave up on context sso: still not done 7 s after it started")
    assert re.search(r"\[\d/2\] sso: timed out: gave up on context sso", proc.stdout)


def test_warnings_and_events_name_their_cluster(fake: FakeCluster, second: FakeCluster, tmp_path: Path) -> None:
    second.api.fail(NETWORKPOLICIES, 500, times=None)
    config = kubeconfig(tmp_path / "kc", {"prod": entry(fake), "stage": entry(second)})
    both = ["scan", "--kubeconfig", config, "--all-contexts", "--retries", "0"]
    proc = run_cli(*both, "-d", tmp_path / "a", cwd=tmp_path, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert "k8saudit: warning: [stage] listing networkpolicies failed: HTTP 500" in proc.stderr
    assert "[prod]" not in proc.stderr
    logged = run_cli(*both, "--log-format", "json", "-d", tmp_path / "b", cwd=tmp_path, env=clean_env())
    lists = [e for e in events(logged.stdout) if e["event"] == "list"]
    assert {e["cluster"] for e in lists} == {"prod", "stage"}
    broken = [e for e in lists if e["kind"] == "NetworkPolicy" and e["status"] == "error"]
    assert [e["cluster"] for e in broken] == ["stage"]
    rows = fleet_rows(tmp_path / "b")
    assert rows["stage"]["readErrors"] == ["NetworkPolicy: listing networkpolicies failed: HTTP 500 internalerror"]
    assert rows["prod"]["readErrors"] == []
    assert "1 input not read" in (tmp_path / "b" / "fleet.html").read_text()


def test_each_cluster_keeps_its_runs_and_the_fleet_shows_their_trend(fake: FakeCluster, tmp_path: Path) -> None:
    config = kubeconfig(tmp_path / "kc", {"prod": entry(fake), "arn:aws:eks:eu-west-1:1:cluster/x": entry(fake)})
    out = tmp_path / "out"
    for _ in range(2):
        proc = run_cli("scan", "--kubeconfig", config, "--all-contexts", "--timestamped", "-q", "-d", out,
                       cwd=tmp_path, env=clean_env())  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        time.sleep(1.1)  # run folders are named to the second
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders[1] == "prod" and re.fullmatch(r"arn_aws_eks_eu-west-1_1_cluster_x-[0-9a-f]{8}", folders[0])
    rows = fleet_rows(out)
    for name, folder in (("prod", "prod"), ("arn:aws:eks:eu-west-1:1:cluster/x", folders[0])):
        runs = sorted(p.name for p in (out / folder).iterdir() if p.name != "latest")
        assert len(runs) == 2 and (out / folder / "latest").is_symlink()
        assert [r["report"] for r in rows[name]["runs"]] == [f"{folder}/{run}/report.json" for run in runs]
        assert rows[name]["report"] == f"{folder}/{runs[1]}/report.html" and rows[name]["scoreChange"] == 0.0
    # the same folder read by `k8saudit fleet` gives the same rows
    again = invoke("fleet", out, "-d", out, "-q")
    assert again.exit_code == 0, again.stderr
    assert {n: r["runs"] for n, r in fleet_rows(out).items()} == {n: r["runs"] for n, r in rows.items()}


def test_without_timestamped_the_replaced_report_is_still_the_trend(fake: FakeCluster, tmp_path: Path) -> None:
    config = kubeconfig(tmp_path / "kc", {"prod": entry(fake), "gone": dead()})
    out = tmp_path / "out"
    for _ in range(2):
        run_cli("scan", "--kubeconfig", config, "--all-contexts", "-q", "-d", out, cwd=tmp_path, env=clean_env())
        time.sleep(1.1)
    rows = fleet_rows(out)
    assert [r["report"] for r in rows["prod"]["runs"]] == [None, "prod/report.json"]  # the first was replaced
    assert rows["gone"]["runs"] == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--all-contexts", "--context", "prod"], "give --all-contexts or --context NAME (repeatable), not both"),
        (["--all-contexts", "--output", "x.json", "-f", "json"], "--all-contexts writes a report set per cluster under "
         "--output-dir: it cannot be used with --output"),
        (["--context", "prod", "--context", "stage", "--baseline", "old.json"], "--baseline compares one cluster"),
        (["--all-contexts", "--demo"], "--all-contexts reads live clusters: it cannot be used with --snapshot"),
        (["--all-contexts", "--in-cluster"], "--all-contexts reads kubeconfig contexts"),
        (["--context", "prod", "--context", "nope"], "no context 'nope' in --kubeconfig"),
        (["--context", "prod", "--cluster-workers", "2"], "--cluster-workers applies to several clusters"),
        (["--all-contexts", "--cluster-name", "eu"], "--cluster-name names one cluster: with --all-contexts each"),
        (["--all-contexts", "--history", "."], "--history holds one cluster's earlier reports"),
    ],
)  # fmt: skip
def test_what_several_clusters_cannot_be_given_is_one_line_and_exit_2(
    extra: list[str], message: str, fake: FakeCluster, tmp_path: Path
) -> None:
    config = kubeconfig(tmp_path / "kc", {"prod": entry(fake), "stage": entry(fake)})
    result = invoke("scan", "--kubeconfig", config, *extra, "-d", tmp_path / "out")
    assert isinstance(result.exception, InputError), (result.exception, result.stderr)  # exit 2, one line
    assert message in str(result.exception)
    assert not fake.api.requests_to("/version")  # nothing read
    assert not (tmp_path / "out").exists()  # nothing written


def test_a_conflict_is_one_error_line_and_exit_2(fake: FakeCluster, tmp_path: Path) -> None:
    config = kubeconfig(tmp_path / "kc", {"prod": entry(fake), "stage": entry(fake)})
    proc = run_cli("scan", "--kubeconfig", config, "--context", "prod", "--context", "nope", cwd=tmp_path,
                   env=clean_env())  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"k8saudit: error: no context 'nope' in --kubeconfig {config}; available: prod, stage"
    ]


def test_one_context_with_a_time_limit_gives_up_too(slow: FakeCluster, tmp_path: Path) -> None:
    config = kubeconfig(tmp_path / "kc", {"slow": entry(slow)})
    proc = run_cli("scan", "--kubeconfig", config, "--cluster-timeout", "3", "--timeout", "1", "-d", tmp_path / "o",
                   cwd=tmp_path, env=clean_env())  # fmt: skip
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines() == [
        f"k8saudit: error: gave up reading the Kubernetes API server at {slow.url} (context slow): its time "
        "limit (3 s, --cluster-timeout) passed before the reading was done"
    ]


def test_nothing_stays_frozen_after_several_clusters(fake: FakeCluster, second: FakeCluster, tmp_path: Path) -> None:
    """Each scan freezes what it built (k8saudit.runtime.gcpause); in threads, one scan's freeze also
    catches the others' short-lived objects, whose cycles would then never be collected: a run of
    many clusters gives them back to the collector as it goes, and nothing is left frozen."""
    import gc

    config = kubeconfig(tmp_path / "kc", {"prod": entry(fake), "stage": entry(second), "p2": entry(fake)})
    contexts = ["--context", "prod", "--context", "stage", "--context", "p2"]
    result = invoke("scan", "--kubeconfig", config, *contexts, "--cluster-workers", "1", "-q", "-d", tmp_path / "o")
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert gc.get_freeze_count() == 0
