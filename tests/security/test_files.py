"""Reports and snapshots are written atomically (a temporary file beside the target, synced, then
renamed) with owner-only permissions whatever the umask, and a failure never leaves a report half
written: a full disk (RLIMIT_FSIZE in a child process: the kernel's own EFBIG, through the real
code path), a target that is a folder, or a rendering error leave the previous reports byte for
byte, no temporary file behind, and one error line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest

from k8saudit.cli.options import OutFormat
from k8saudit.runtime import files as fileio
from k8saudit.runtime.errors import InputError
from tests.integration.fakeapi import FakeCluster
from tests.integration.runcli import clean_env
from tests.security.support import assert_one_line_error, run_main

EVERY_FORMAT = [arg for fmt in OutFormat for arg in ("--format", fmt.value)]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def snapshot_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_limited(
    args: list[str], cwd: Path, *, file_size: int | None = None, umask: int | None = None
) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process with a file-size limit (a disk that fills up after
    `file_size` bytes of one file) and/or a umask."""
    script = (
        "import os, resource, signal, sys\n"
        f"file_size, umask = {file_size!r}, {umask!r}\n"
        "if file_size is not None:\n"
        "    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death, as ENOSPC would be\n"
        "    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))\n"
        "if umask is not None:\n"
        "    os.umask(umask)\n"
        f"sys.argv = ['k8saudit', *{args!r}]\n"
        "from k8saudit.cli import main\n"
        "main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=clean_env(HOME=str(cwd)),
        capture_output=True,
        text=True,
        timeout=300,
    )


# --- permissions -----------------------------------------------------------------------------------


def test_reports_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("an old report, world-readable")
    (out / "report.html").chmod(0o644)
    result = run_limited(["scan", "--demo", "-q", "-d", str(out), *EVERY_FORMAT], tmp_path, umask=0)
    assert result.returncode == 0, result.stderr
    files = sorted(out.iterdir())
    assert len(files) == len(OutFormat)
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert "an old report" not in (out / "report.html").read_text()

    single = tmp_path / "one.json"
    assert run_limited(["scan", "--demo", "-f", "json", "-o", str(single)], tmp_path, umask=0).returncode == 0
    assert mode(single) == 0o600

    runs = tmp_path / "runs"
    assert run_limited(["scan", "--demo", "-q", "--timestamped", "-d", str(runs)], tmp_path, umask=0).returncode == 0
    written = [p for p in runs.rglob("*") if p.is_file() and not p.is_symlink()]
    assert written and all(mode(p) == 0o600 for p in written), {p.name: oct(mode(p)) for p in written}


def test_a_snapshot_is_owner_only(fake: FakeCluster, kubeconfig: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.json"
    result = run_limited(["collect", "--kubeconfig", str(kubeconfig), "-o", str(snapshot)], tmp_path, umask=0)
    assert result.returncode == 0, result.stderr
    assert mode(snapshot) == 0o600


# --- failures never leave half a report --------------------------------------------------------------


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """A folder holding a previous complete report set."""
    out = tmp_path / "out"
    assert run_main("scan", "--demo", "-q", "-d", out, *EVERY_FORMAT).code == 0
    return out


def test_a_full_disk_leaves_the_previous_reports_whole(previous: Path, tmp_path: Path) -> None:
    before = snapshot_of(previous)
    smallest = min(len(v) for v in before.values())
    # each report is larger than the limit except possibly the smallest: the disk "fills" mid-set
    result = run_limited(["scan", "--demo", "-q", "-d", str(previous), *EVERY_FORMAT], tmp_path, file_size=smallest + 1)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("k8saudit: error: cannot write ") and "File too large" in line
    assert snapshot_of(previous) == before  # every previous report byte for byte, no temporary file left


def test_a_full_disk_during_a_timestamped_run_keeps_the_previous_runs(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert run_main("scan", "--demo", "-q", "--timestamped", "-d", runs).code == 0
    before = snapshot_of(runs)
    latest = os.readlink(runs / "latest") if (runs / "latest").is_symlink() else None
    result = run_limited(["scan", "--demo", "-q", "--timestamped", "-d", str(runs)], tmp_path, file_size=10_000)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("k8saudit: error: cannot write a report folder")
    assert snapshot_of(runs) == before
    if latest is not None:
        assert os.readlink(runs / "latest") == latest


def test_a_full_disk_while_writing_a_snapshot_keeps_the_previous_one(
    fake: FakeCluster, kubeconfig: Path, tmp_path: Path
) -> None:
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text('{"previous": "snapshot"}')
    result = run_limited(["collect", "--kubeconfig", str(kubeconfig), "-o", str(snapshot)], tmp_path, file_size=1000)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert str(snapshot) in line and "File too large" in line
    assert snapshot.read_text() == '{"previous": "snapshot"}'
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_target_that_is_a_folder_changes_nothing(previous: Path) -> None:
    before = snapshot_of(previous)
    (previous / "report.json").unlink()
    (previous / "report.json").mkdir()
    before.pop("report.json")
    outcome = run_main("scan", "--demo", "-q", "-d", previous, *EVERY_FORMAT)
    assert_one_line_error(outcome, 2, "report.json", "is a folder")
    assert snapshot_of(previous) == before


def test_a_rendering_error_writes_nothing(previous: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that fails halfway through its file (reports are streamed) leaves the old set."""
    import k8saudit.output.render

    real = k8saudit.output.render.write

    def write(report: object, fmt: str, handle: BinaryIO) -> None:
        if fmt == "md":
            handle.write(b"# half a report")
            raise RuntimeError("a writer broke on a poisoned object")
        real(report, fmt, handle)  # type: ignore[arg-type]

    monkeypatch.setattr(k8saudit.output.render, "write", write)
    before = snapshot_of(previous)
    outcome = run_main("scan", "--demo", "-q", "-d", previous, *EVERY_FORMAT)
    assert outcome.code == 4 and "Traceback" not in outcome.stderr
    assert len(outcome.stderr.splitlines()) == 1
    assert snapshot_of(previous) == before


# --- fileio, unit ---------------------------------------------------------------------------------------


def test_a_failed_rename_leaves_each_file_whole_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = {tmp_path / "a.txt": "old a", tmp_path / "b.txt": "old b"}
    for path, text in old.items():
        path.write_text(text)
    calls = {"n": 0}
    real_replace = os.replace

    def flaky_replace(src: str, dst: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(fileio.os, "replace", flaky_replace)
    with pytest.raises(InputError, match=r"cannot write .*b\.txt: Input/output error"):
        fileio.write_atomic_set({tmp_path / "a.txt": "new a" * 1000, tmp_path / "b.txt": "new b" * 1000})
    assert (tmp_path / "a.txt").read_text() == "new a" * 1000  # renamed whole before the failure
    assert (tmp_path / "b.txt").read_text() == "old b"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_write_atomic_never_shows_a_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("complete old report")

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", failing_fsync)
    with pytest.raises(InputError, match="No space left on device"):
        fileio.write_atomic(target, "x" * 100_000)
    assert target.read_text() == "complete old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_write_atomic_creates_the_folder_and_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    fileio.write_atomic(tmp_path / "new" / "deep" / "r.md", "text")
    assert (tmp_path / "new" / "deep" / "r.md").read_text() == "text"
    (tmp_path / "blocker").write_text("a file where a folder should be")
    with pytest.raises(InputError, match="cannot write"):
        fileio.write_atomic(tmp_path / "blocker" / "r.md", "text")
