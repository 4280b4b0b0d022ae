"""The wheel carries what a user of an installed k8saudit needs: the report templates, the demo
cluster and the console script, and `k8saudit scan --demo` works from the installed copy.

The wheel is built with the project's own backend (hatchling, in the test extras) without
build isolation, so it needs no network; installing it with `pip --target` next to the test
environment's dependencies takes well under a second, so it runs in the default suite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None,
    reason="hatchling is not installed (pip install -e '.[test]')",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (built,) = out.glob("k8saudit-*.whl")
    return built


def test_wheel_contains_templates_demo_and_entry_point(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(zf.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
        demo = json.loads(zf.read("k8saudit/data/demo-cluster.json"))
    for required in (
        "k8saudit/templates/report.html",
        "k8saudit/templates/report.md",
        "k8saudit/templates/report.css",  # inlined into report.html, admitted by its CSP hash
        "k8saudit/templates/report.js",
        "k8saudit/templates/history.html",  # included by report.html and report.md with a history
        "k8saudit/templates/history.md",
        "k8saudit/schemas/report.schema.json",  # the JSON report's contract, for consumers
        "k8saudit/schemas/diff.schema.json",
        "k8saudit/templates/fleet.html",  # `k8saudit fleet` and a multi-cluster scan's fleet report
        "k8saudit/templates/fleet.md",
        "k8saudit/templates/fleet.css",
        "k8saudit/schemas/fleet.schema.json",
        "k8saudit/data/demo-cluster.json",
        "k8saudit/cli/__init__.py",
    ):
        assert required in names, required
    # the demo's 2,000-line generator is a developer tool (tools/build_demo.py), not shipped
    assert not any("build_demo" in n for n in names)
    assert "k8saudit = k8saudit.cli:main" in entry_points
    assert demo["items"][0]["kind"] == "ClusterFacts"
    assert not any(n.startswith(("tests/", ".venv/", "templates/", "tools/")) for n in names), (
        "stray files in the wheel"
    )


def test_installed_wheel_scans_the_demo(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    # The installed copy comes first on the path; dependencies come from the test environment.
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("K8SAUDIT_DEBUG", None)
    workdir = tmp_path / "work"
    workdir.mkdir()
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import k8saudit.output.templates, k8saudit.sources.demo; "
            "print(k8saudit.output.templates.templates_dir()); print(k8saudit.sources.demo.snapshot_path())",
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    templates, snapshot = (Path(line) for line in where.stdout.split())
    assert templates == target / "k8saudit" / "templates"
    assert snapshot == target / "k8saudit" / "data" / "demo-cluster.json"
    script = target / "bin" / "k8saudit"
    scan = subprocess.run(
        [sys.executable, str(script), "scan", "--demo", "--quiet", "--output-dir", "out"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert scan.returncode == 0, scan.stderr
    assert sorted(p.name for p in (workdir / "out").iterdir()) == ["report.html", "report.json", "report.md"]
