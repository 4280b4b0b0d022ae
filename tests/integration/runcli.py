"""Running the real CLI against the fake API server: in a subprocess (exit codes, stderr lines)
or in-process with typer's CliRunner (faster, for report contents)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from k8saudit.cli import app


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would point the CLI at a real cluster."""
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "K8SAUDIT_DEBUG")}
    env.update(extra)
    return env


def run_cli(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `k8saudit` in a subprocess: real exit codes, real stdout and stderr."""
    script = Path(sys.executable).parent / "k8saudit"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "k8saudit"]
    return subprocess.run(
        [*command, *map(str, args)],
        cwd=cwd,
        env=env or clean_env(HOME=str(cwd)),
        capture_output=True,
        text=True,
        timeout=120,
    )


def invoke(*args: str | Path, env: dict[str, str | None] | None = None) -> Any:
    """The CLI in-process (typer's CliRunner); exceptions are kept on the result."""
    runner = CliRunner()
    return runner.invoke(app, [str(a) for a in args], env=env)


def scan_json(kubeconfig: Path, *extra: str) -> dict[str, Any]:
    """A live scan through the CLI, its JSON report parsed from stdout."""
    result = invoke("scan", "--kubeconfig", kubeconfig, "--format", "json", "--output", "-", *extra)
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
