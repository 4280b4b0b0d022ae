"""The local cluster leaves the host as it found it (runs last: pytest takes the files in order).

First the session's cluster is stopped here, and what the kubelet, containerd and runc changed on
the host while it ran (cgroups, sysctls, processes, mounts, network links, well-known paths) must
all be gone. Then the lifeline: a cluster whose test process is killed with SIGKILL, with no
chance to run any finalizer, still stops and cleans up after itself.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e import providers
from tests.e2e.cluster import localnode
from tests.e2e.providers import Cluster

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def test_stopping_the_cluster_leaves_nothing_on_the_host(cluster: Cluster) -> None:
    if cluster.node is None:
        pytest.skip("kind: the cluster lives in Docker containers, which `kind delete cluster` removes")
    during = cluster.node.leftovers()
    # the detector sees the running cluster's footprint, so it could see a leftover
    assert during.processes and any(c.endswith("/kubepods") for c in during.cgroups), during
    assert "vm/overcommit_memory" in during.sysctls, during  # the kubelet sets it to 1
    left = cluster.stop()
    assert left is not None and not left, f"left on the host: {left}"
    assert not cluster.node.state.exists()


CHILD = """
import json, sys, time
from pathlib import Path
from tests.e2e.cluster.localnode import LocalNode
node = LocalNode.start(state=Path(sys.argv[1]))
print(json.dumps({"nspid": node.nspid, "pid_ns": node.pid_ns}), flush=True)
time.sleep(3600)
"""


def test_a_killed_test_process_still_takes_its_cluster_down(cluster: Cluster, tmp_path: Path) -> None:
    if providers.choose().provider != "local":
        pytest.skip("the lifeline is the local provider's")
    cluster.stop()  # one cluster per machine: the session's goes first
    state = tmp_path / "state"
    state.mkdir()
    before = localnode.HostState.capture(state)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(state)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line, f"the child did not start its cluster: {child.stderr.read() if child.stderr else ''}"
        started = json.loads(line)
        assert os.readlink(f"/proc/{started['nspid']}/ns/pid") == started["pid_ns"]  # it runs
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        deadline = time.monotonic() + 120
        while not (state / "cleanup.done").exists():
            assert time.monotonic() < deadline, (state / "logs" / "node.log").read_text()
            time.sleep(0.2)
        inner = (state / "logs" / "inner.log").read_text()
        assert "stopping" in inner  # inner.sh saw the lifeline's EOF and stopped the components
        left = localnode.leftovers_since(before, state, started["pid_ns"])
        assert not left, f"left on the host: {left}"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        shutil.rmtree(state, ignore_errors=True)
