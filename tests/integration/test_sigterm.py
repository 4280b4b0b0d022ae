"""SIGTERM (a Job's pod being stopped) ends a scan cleanly: exit 143, one line on stderr, a
`terminated` event, and never a half-written report set; the previous run and `latest` stay.

The scan runs in a real subprocess (the installed entry point, which installs the handler)
against the fake API server, whose answer to the Pod list is held until the signal was sent,
so the signal always lands mid-collection; no timing is asserted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp.web
import attrs
import pytest

from k8saudit.runtime import reportdir
from k8saudit.runtime.lifecycle import EXIT_TERMINATED
from tests.integration.cluster import realistic_cluster
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI, TLSFiles
from tests.integration.runcli import clean_env

HELD_PATH = "/api/v1/pods"


@attrs.define(kw_only=True)
class HoldingKubeAPI(FakeKubeAPI):
    """Holds every request to `held` until `release` is set; `arrived` says one came in."""

    held: str = HELD_PATH
    arrived: threading.Event = attrs.field(factory=threading.Event)
    release: threading.Event = attrs.field(factory=threading.Event)

    async def __call__(self, raw_request: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        if raw_request.path == self.held:
            self.arrived.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return await super().__call__(raw_request)


@pytest.fixture
def holding(tls: TLSFiles) -> Iterator[tuple[HoldingKubeAPI, FakeCluster]]:
    api = HoldingKubeAPI()
    api.add(*realistic_cluster())
    cluster = FakeCluster(api, tls)
    cluster.start()
    try:
        yield api, cluster
    finally:
        api.release.set()
        cluster.stop()


def k8saudit_command() -> list[str]:
    script = Path(sys.executable).parent / "k8saudit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "k8saudit"]


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_sigterm_mid_scan_exits_143_and_leaves_the_previous_reports(
    holding: tuple[HoldingKubeAPI, FakeCluster], tmp_path: Path
) -> None:
    api, cluster = holding
    kubeconfig = cluster.write_kubeconfig(tmp_path / "kubeconfig")
    reports = tmp_path / "reports"
    before = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    previous = reportdir.write_run(reports, {"report.json": b'{"previous": true}'}, keep=5, now=before)
    command = [*k8saudit_command(), "scan", "--kubeconfig", str(kubeconfig), "--output-dir", str(reports)]
    command += ["--timestamped", "--keep", "5", "--log-format", "json"]
    proc = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=clean_env(HOME=str(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert api.arrived.wait(timeout=120), "the scan never listed pods"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()

    assert proc.returncode == EXIT_TERMINATED, err
    assert err.strip().splitlines() == ["k8saudit: terminated by SIGTERM: nothing was written"]
    events: list[dict[str, Any]] = [json.loads(line) for line in out.splitlines()]
    assert events[0]["event"] == "start"
    assert events[-1] | {"ts": None} == {
        "ts": None,
        "level": "warning",
        "event": "terminated",
        "signal": "SIGTERM",
        "exit": EXIT_TERMINATED,
        "wroteReports": False,
    }
    assert "done" not in {e["event"] for e in events}
    # nothing new, nothing half-written, no temporary leftovers: the previous run is still latest
    assert entries(reports) == [previous.name, "latest"]
    assert (reports / "latest" / "report.json").read_text() == '{"previous": true}'


WRITE_THEN_SIGTERM = """
import os, signal, sys
import k8saudit.runtime.reportdir as reportdir
from k8saudit.cli import main

original = reportdir._write_new
written = []

def write_new(path, data):
    original(path, data)
    written.append(path)
    if len(written) == 1:  # the signal lands between the first and the second file of the run
        os.kill(os.getpid(), signal.SIGTERM)

reportdir._write_new = write_new
sys.argv = ["k8saudit", *sys.argv[1:]]
main()
"""


def test_sigterm_while_writing_finishes_the_report_set_first(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-c", WRITE_THEN_SIGTERM, "scan", "--demo", "--output-dir", str(reports), "--timestamped"],
        cwd=tmp_path,
        env=clean_env(HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == EXIT_TERMINATED, proc.stderr
    assert proc.stderr.strip().splitlines() == ["k8saudit: terminated by SIGTERM: it finished writing its output first"]
    (run,) = reportdir.runs(reports)
    assert entries(run) == ["report.html", "report.json", "report.md"]
    assert json.loads((run / "report.json").read_text())["schemaVersion"]
    assert os.readlink(reports / "latest") == run.name
    assert entries(reports) == [run.name, "latest"]
