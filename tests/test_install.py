"""Installing k8saudit as the README says works where people run it: on Debian and Ubuntu the
system Python refuses `pip install` outside a virtual environment (PEP 668), so the README leads
with pipx or a venv; and `make demo` installs what k8saudit runs on, not the test tool chain."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def install_section() -> str:
    return README.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_installs_with_pipx_or_into_a_venv() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", install_section(), re.S)
    commands = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    assert any(c.startswith("pipx install") for c in commands), commands
    assert any(re.match(r"python3 -m venv \S+", c) for c in commands), commands
    for command in commands:  # `pip install` only ever from a virtual environment's own pip
        for pip in re.findall(r"(\S*pip) install", command):
            assert pip.endswith("/bin/pip"), command
    assert "PEP 668" in install_section()


def dry_run(target: str, venv: Path) -> str:
    if shutil.which("make") is None:
        pytest.skip("needs make")
    run = subprocess.run(
        ["make", "-n", "-C", str(REPO), target, f"VENV={venv}"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_make_demo_installs_only_the_runtime(tmp_path: Path) -> None:
    """What `make demo` would run in a fresh clone (`make -n`: printed, not run)."""
    commands = dry_run("demo", tmp_path / "venv")
    installs = [line for line in commands.splitlines() if " install " in line]
    assert installs, commands
    assert not [line for line in installs if "[test" in line or "bench" in line], installs
    assert any(re.search(r"/bin/pip install( --quiet)? (-e )?\.$", line) for line in installs), installs
    assert f"{tmp_path / 'venv'}/bin/k8saudit scan --demo" in commands


def test_make_test_still_installs_the_test_tools(tmp_path: Path) -> None:
    commands = dry_run("test", tmp_path / "venv")
    assert "-e '.[test]'" in commands and "pytest" in commands
