"""Timestamped report sets: whole runs, an atomic `latest`, the newest N kept."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from k8saudit.runtime import reportdir

FILES = {"report.json": b"{}", "report.md": b"# r\n"}


def at(minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 5, 3, minute, second, tzinfo=dt.UTC)


def names(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


def test_a_run_is_a_utc_folder_and_latest_links_to_it(tmp_path: Path) -> None:
    local = dt.datetime(2026, 11, 5, 4, 17, 2, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    run = reportdir.write_run(tmp_path, FILES, keep=3, now=local)
    assert run.name == "20261105T031702Z"
    assert names(tmp_path) == ["20261105T031702Z", "latest"]
    assert names(run) == ["report.json", "report.md"]
    assert os.readlink(tmp_path / "latest") == "20261105T031702Z"  # relative: survives a remount elsewhere
    assert (tmp_path / "latest" / "report.md").read_bytes() == b"# r\n"
    assert oct((run / "report.json").stat().st_mode & 0o777) == oct(0o600)


def test_two_runs_in_one_second_get_distinct_folders(tmp_path: Path) -> None:
    first = reportdir.write_run(tmp_path, FILES, keep=0, now=at(1))
    second = reportdir.write_run(tmp_path, FILES, keep=0, now=at(1))
    third = reportdir.write_run(tmp_path, FILES, keep=0, now=at(1))
    assert [first.name, second.name, third.name] == ["20261105T030100Z", "20261105T030100Z-1", "20261105T030100Z-2"]
    assert [p.name for p in reportdir.runs(tmp_path)] == [first.name, second.name, third.name]
    assert os.readlink(tmp_path / "latest") == third.name


def test_keep_removes_the_oldest_runs_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "2026-backup").mkdir()
    for minute in range(5):
        reportdir.write_run(tmp_path, FILES, keep=3, now=at(minute))
    assert names(tmp_path) == sorted(
        ["20261105T030200Z", "20261105T030300Z", "20261105T030400Z", "2026-backup", "latest", "notes.txt"]
    )
    assert os.readlink(tmp_path / "latest") == "20261105T030400Z"


def test_keep_zero_keeps_every_run(tmp_path: Path) -> None:
    for minute in range(4):
        reportdir.write_run(tmp_path, FILES, keep=0, now=at(minute))
    assert len(reportdir.runs(tmp_path)) == 4


def test_prune_never_removes_the_run_latest_names(tmp_path: Path) -> None:
    for minute in range(3):
        reportdir.write_run(tmp_path, FILES, keep=0, now=at(minute))
    reportdir.point_latest(tmp_path, "20261105T030000Z")  # someone pointed latest back at the oldest
    removed = reportdir.prune(tmp_path, 1)
    assert removed == ["20261105T030100Z"]
    assert [p.name for p in reportdir.runs(tmp_path)] == ["20261105T030000Z", "20261105T030200Z"]


def test_a_failed_write_leaves_no_trace_and_latest_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reportdir.write_run(tmp_path, FILES, keep=3, now=at(1))
    before = names(tmp_path)
    original = reportdir._write_new

    def failing(path: Path, data: bytes) -> None:
        if path.name == "report.md":
            raise OSError(28, "No space left on device")
        original(path, data)

    monkeypatch.setattr(reportdir, "_write_new", failing)
    with pytest.raises(OSError, match="No space"):
        reportdir.write_run(tmp_path, FILES, keep=3, now=at(2))
    assert names(tmp_path) == before
    assert os.readlink(tmp_path / "latest") == "20261105T030100Z"


def test_without_symlinks_latest_is_a_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_symlinks(*args: object, **kwargs: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(reportdir.os, "symlink", no_symlinks)
    reportdir.write_run(tmp_path, {"report.json": b"1"}, keep=2, now=at(1))
    reportdir.write_run(tmp_path, {"report.json": b"2"}, keep=2, now=at(2))
    latest = tmp_path / "latest"
    assert latest.is_dir() and not latest.is_symlink()
    assert (latest / "report.json").read_bytes() == b"2"
    assert names(tmp_path) == ["20261105T030100Z", "20261105T030200Z", "latest"]


def test_leftovers_of_a_killed_run_are_cleared_once_stale(tmp_path: Path) -> None:
    stale = tmp_path / ".20261105T020000Z.0a1b2c3d.tmp"
    stale.mkdir()
    (stale / "report.json").write_text("half")
    fresh = tmp_path / ".20261105T030000Z.0a1b2c3e.tmp"  # maybe another writer, right now
    fresh.mkdir()
    trash = tmp_path / ".trash-20261101T000000Z.ffff0000"
    trash.mkdir()
    old = time.time() - reportdir.LEFTOVER_AGE_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(trash, (old, old))
    reportdir.write_run(tmp_path, FILES, keep=3, now=at(5))
    assert names(tmp_path) == [".20261105T030000Z.0a1b2c3e.tmp", "20261105T030500Z", "latest"]
