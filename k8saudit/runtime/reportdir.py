"""Timestamped report sets with a `latest` pointer (`scan --output-dir DIR --timestamped --keep N`).

Layout of DIR (a CronJob's report volume):

    DIR/20261105T031702Z/report.html, report.md, report.json    one folder per run (UTC time)
    DIR/20261106T031705Z/...
    DIR/latest -> 20261106T031705Z                               a relative symlink

A run is written whole or not at all: its files go into a hidden temporary folder in DIR
(`.20261106T031705Z.<random>.tmp`), which is renamed to its final name only once every file is
on disk; a reader never sees a run folder with half its files. `latest` is then replaced
atomically: a new symlink is made under a temporary name and renamed over the old one, so
`DIR/latest/report.json` always resolves to a complete run, the previous one or the new one.
Where the volume cannot hold symlinks (some SMB/CIFS shares), `latest` is a real folder
holding a copy, swapped by two renames: for a moment between them there is no `latest`.

Then the oldest runs beyond `keep` are removed (0 keeps every run); a run being removed is first
renamed to a hidden `.trash-*` name, so an interrupted removal never leaves a run folder with
half its files. Leftovers of a killed run (`.…tmp`, `.trash-…`) older than an hour are cleared
by the next run.

Only what k8saudit made is ever renamed or removed, and only regular files and its own folders:
an entry must have one of the names above *and* be what k8saudit makes there. A run folder (or
leftover) is removed only while it holds nothing but regular report files (`report.*` and
`metrics.prom`); one holding anything else is left alone. `latest` is replaced only when it is
a symlink to a run name or a copy folder of report files; anything else there (a file, a FIFO,
a device, a link elsewhere) is refused before any run is written (`check_root`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from k8saudit.runtime.errors import InputError

LATEST = "latest"
RUN_NAME = re.compile(r"^\d{8}T\d{6}Z(?:-\d+)?$")
_LEFTOVER = re.compile(
    r"^\.(?:\d{8}T\d{6}Z(?:-\d+)?\.[0-9a-f]+\.tmp|latest\.[0-9a-f]+\.(?:tmp|old)|trash-\d{8}T\d{6}Z(?:-\d+)?\.[0-9a-f]+)$"
)
#: The files k8saudit writes into a run folder: `report.html`, `report.junit.xml`, ..., `metrics.prom`.
_REPORT_FILE = re.compile(r"^(?:report\.[a-z][a-z.]*|metrics\.prom)$")
#: A leftover older than this belongs to a run that is certainly dead (a Job's deadline is shorter).
LEFTOVER_AGE_SECONDS = 3600.0


def run_name(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def runs(root: Path) -> list[Path]:
    """The run folders in `root`, oldest first (their names sort by time)."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if RUN_NAME.match(p.name) and p.is_dir() and not p.is_symlink()]
    return sorted(found, key=lambda p: _sort_key(p.name))


def _sort_key(name: str) -> tuple[str, int]:
    stamp, _, seq = name.partition("-")
    return stamp, int(seq or 0)


def latest_target(root: Path) -> str | None:
    """The run `latest` names: a symlink's target, or None."""
    link = root / LATEST
    if link.is_symlink():
        return os.readlink(link)
    return None


def write_run(
    root: Path, files: Mapping[str, bytes | Callable[[BinaryIO], object]], *, keep: int, now: dt.datetime | None = None
) -> Path:
    """Write one run's files as a new run folder, point `latest` at it and prune; returns the folder."""
    check_root(root)
    root.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(root)
    base = run_name(now or dt.datetime.now(dt.UTC))
    tmp = root / f".{base}.{secrets.token_hex(4)}.tmp"
    tmp.mkdir(mode=0o700)
    try:
        for name, data in files.items():
            _write_new(tmp / name, data)
        _fsync_dir(tmp)
        final = _rename_to_free_name(tmp, root, base)
    except BaseException:
        _remove_own_folder(tmp)
        raise
    _fsync_dir(root)
    point_latest(root, final.name)
    prune(root, keep)
    return final


def _write_new(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        if callable(data):
            data(handle)  # a report streamed piece by piece (k8saudit.output.render.writer)
        else:
            handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be fsynced
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _rename_to_free_name(tmp: Path, root: Path, base: str) -> Path:
    """Rename `tmp` to `base`, or `base-1`, `base-2`... when a run already has that second."""
    for seq in range(1000):
        final = root / (base if seq == 0 else f"{base}-{seq}")
        if final.exists() or final.is_symlink():
            continue
        try:
            os.rename(tmp, final)  # an existing empty folder would be replaced: checked above
        except OSError:
            if final.exists():
                continue  # another writer took the name in between
            raise
        return final
    raise FileExistsError(f"{root}: no free run folder name for {base}")


def check_root(root: Path) -> None:
    """Refuse, before anything is written, a report root that is not a folder or whose `latest`
    is something k8saudit did not make (it would be replaced): InputError, one line."""
    if root.exists() and not root.is_dir():
        raise InputError(f"cannot write report folders under {root}: it is not a folder")
    link = root / LATEST
    if _lstat(link) is not None and not (_own_link(link) or _own_folder(link)):
        raise InputError(
            f"{link} is not a link or copy k8saudit made ({_kind(link)}); k8saudit points it at the newest run: "
            "move it away or use another --output-dir"
        )


def point_latest(root: Path, target: str) -> None:
    """Make `root/latest` name the run `target`, atomically where symlinks work."""
    check_root(root)
    link = root / LATEST
    tmp = root / f".latest.{secrets.token_hex(4)}.tmp"
    if not _own_folder(link):  # a copy from an earlier fallback stays a copy
        try:
            os.symlink(target, tmp, target_is_directory=True)
        except OSError:
            pass  # no symlinks on this volume: copy below
        else:
            try:
                os.replace(tmp, link)  # over nothing, or over a link to a run (check_root)
                return
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                if link.is_symlink() or not link.exists():
                    raise
    _copy_latest(root, target)


def _copy_latest(root: Path, target: str) -> None:
    link = root / LATEST
    tmp = root / f".latest.{secrets.token_hex(4)}.tmp"
    try:
        shutil.copytree(root / target, tmp, copy_function=shutil.copy2)
        _fsync_dir(tmp)
    except BaseException:
        _remove_own_folder(tmp)
        raise
    old: Path | None = None
    if link.is_symlink():
        os.unlink(link)  # a link to a run (check_root)
    elif link.exists():
        old = root / f".latest.{secrets.token_hex(4)}.old"
        os.rename(link, old)  # a copy k8saudit made (check_root)
    os.rename(tmp, link)
    if old is not None:
        _remove_own_folder(old)


def prune(root: Path, keep: int) -> list[str]:
    """Remove the oldest runs beyond `keep` (0: keep all), never the one `latest` names, and
    never a run folder holding anything but report files (it is left as it is)."""
    if keep <= 0:
        return []
    existing = runs(root)
    current = latest_target(root)
    removed: list[str] = []
    for path in existing[: max(0, len(existing) - keep)]:
        if path.name == current or not _own_folder(path):
            continue
        trash = root / f".trash-{path.name}.{secrets.token_hex(4)}"
        try:
            os.rename(path, trash)
        except OSError:
            continue
        _remove_own_folder(trash)
        removed.append(path.name)
    return removed


def _clear_leftovers(root: Path) -> None:
    cutoff = time.time() - LEFTOVER_AGE_SECONDS
    for path in root.iterdir():
        info = _lstat(path) if _LEFTOVER.match(path.name) else None
        if info is None or info.st_mtime > cutoff:
            continue
        if stat.S_ISLNK(info.st_mode) and path.name.startswith(".latest."):
            with contextlib.suppress(OSError):
                path.unlink()  # a `latest` link made under this name that was never renamed into place
        elif stat.S_ISDIR(info.st_mode):
            _remove_own_folder(path)


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def _kind(path: Path) -> str:
    mode = os.lstat(path).st_mode
    kinds = {
        stat.S_ISREG: "a regular file",
        stat.S_ISDIR: "a folder holding other files",
        stat.S_ISLNK: f"a symlink to {os.readlink(path)!r}" if path.is_symlink() else "a symlink",
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISSOCK: "a socket",
    }
    return next((what for test, what in kinds.items() if test(mode)), "something else")


def _own_link(path: Path) -> bool:
    """A `latest` symlink as k8saudit makes it: relative, naming a run folder."""
    try:
        return path.is_symlink() and RUN_NAME.match(os.readlink(path)) is not None
    except OSError:
        return False


def _own_folder(path: Path) -> bool:
    """A real folder (not a link) holding nothing but regular report files: what k8saudit
    makes as a run, a copy of `latest`, or their temporary and trash forms."""
    info = _lstat(path)
    if info is None or not stat.S_ISDIR(info.st_mode):
        return False
    try:
        with os.scandir(path) as entries:
            return all(_REPORT_FILE.match(e.name) and e.is_file(follow_symlinks=False) for e in entries)
    except OSError:
        return False


def _remove_own_folder(path: Path) -> None:
    """Remove `path` if it is a folder k8saudit made (`_own_folder`): its report files one by
    one, then the folder. Anything else is left where it is."""
    if not _own_folder(path):
        return
    with contextlib.suppress(OSError):
        with os.scandir(path) as entries:
            for entry in entries:
                if _REPORT_FILE.match(entry.name) and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
        os.rmdir(path)  # fails, and leaves it, if anything else appeared meanwhile
