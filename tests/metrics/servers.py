"""Real Prometheus servers for the metrics tier: Debian's `prometheus-pushgateway`, `prometheus`
and `prometheus-node-exporter` (its textfile collector).

`.ci/run` installs the packages when they are missing (as it does Chromium). Each server here is
started on 127.0.0.1 on a free port with its own data folder under the test's temporary folder,
waited for on its readiness endpoint, and always stopped (terminate, then kill) when the fixture
ends. Without the binaries the tests skip and say which package to install.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PUSHGATEWAY = "prometheus-pushgateway"
PROMETHEUS = "prometheus"
#: Seconds a server gets to answer its readiness endpoint (Prometheus replays an empty WAL first).
START_SECONDS = 30.0


def binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (Debian package {name}; .ci/run installs it)")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body: bytes = response.read()
        return body


@dataclass
class Server:
    """A started server: its base URL, its process and where it logs."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.url}: exited with {server.process.returncode}:\n{server.logs()}")
        with contextlib.suppress(OSError):
            get(server.url + path, timeout=1.0)
            return
        time.sleep(0.1)
    raise RuntimeError(f"{server.url}{path} did not answer within {START_SECONDS:g} s:\n{server.logs()}")


@contextlib.contextmanager
def running(argv: list[str], port: int, folder: Path, ready: str) -> Iterator[Server]:
    """Start `argv`, wait for `ready` on the port, and stop it whatever happens."""
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=folder)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(server, ready)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def pushgateway(folder: Path) -> Iterator[Server]:
    """A Pushgateway on loopback whose state lives in `folder` (its persistence file)."""
    exe = binary(PUSHGATEWAY)
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [
        exe,
        f"--web.listen-address=127.0.0.1:{port}",
        f"--persistence.file={folder / 'pushgateway.data'}",
        "--log.level=warn",
    ]
    with running(argv, port, folder, "/-/ready") as server:
        yield server


@contextlib.contextmanager
def prometheus(folder: Path, target: str, *, interval: str = "1s") -> Iterator[Server]:
    """A Prometheus on loopback that scrapes `target` (host:port) every `interval`, keeping the
    pushed labels (`honor_labels`, as a Pushgateway must be scraped)."""
    exe = binary(PROMETHEUS)
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = folder / "prometheus.yml"
    config.write_text(
        json.dumps(  # YAML is a superset of JSON
            {
                "global": {"scrape_interval": interval, "evaluation_interval": interval},
                "scrape_configs": [
                    {"job_name": "pushgateway", "honor_labels": True, "static_configs": [{"targets": [target]}]}
                ],
            }
        )
    )
    argv = [
        exe,
        f"--config.file={config}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--storage.tsdb.path={folder / 'data'}",
        "--log.level=warn",
    ]
    with running(argv, port, folder, "/-/ready") as server:
        yield server


def query(server: Server, promql: str) -> list[dict[str, Any]]:
    """The instant vector a PromQL query answers."""
    url = f"{server.url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    answer = json.loads(get(url))
    assert answer["status"] == "success", answer
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


NODE_EXPORTER = "prometheus-node-exporter"


@contextlib.contextmanager
def node_exporter(textfiles: Path, folder: Path) -> Iterator[Server]:
    """node-exporter with only its textfile collector, reading `textfiles` (where `metrics.prom` is)."""
    exe = binary(NODE_EXPORTER)
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [
        exe,
        "--collector.disable-defaults",
        "--collector.textfile",
        f"--collector.textfile.directory={textfiles}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
    with running(argv, port, folder, "/metrics") as server:
        yield server
