"""What an output path names decides how it is written (issue: `-o /dev/null` as root once replaced
/dev/null by a regular file). A regular file or nothing: atomic write. A character device, a FIFO,
`/dev/stdout`, `/proc/self/fd/N`: written straight through, the node untouched. A symlink: written
where it points, the link kept. A socket, a block device, a folder: one error line. Report folders
(`--timestamped`): only what k8saudit made is ever renamed or removed.

Every case asserts the node is the same node afterwards (inode, type, device number)."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from k8saudit.runtime import files as fileio
from k8saudit.runtime import reportdir
from k8saudit.runtime.errors import InputError
from tests.integration.runcli import clean_env, run_cli
from tests.security.support import Outcome, assert_one_line_error

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="making a device node (os.mknod) needs root")


def identity(path: Path) -> tuple[int, int, int, int]:
    """What makes a node the same node: inode, device, type and device number."""
    info = os.lstat(path)
    return info.st_ino, info.st_dev, stat.S_IFMT(info.st_mode), info.st_rdev


def read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def reader() -> None:
        with open(path, "rb") as handle:
            into.append(handle.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return thread


# --- the writer ----------------------------------------------------------------------------------


def test_a_fifo_is_written_through_while_a_reader_reads_it(tmp_path: Path) -> None:
    fifo = tmp_path / "reports.pipe"
    os.mkfifo(fifo)
    before = identity(fifo)
    got: list[bytes] = []
    thread = read_fifo(fifo, got)
    payload = b"x" * (1 << 20)  # far more than a pipe buffer: the writer streams, the reader drains
    fileio.write_atomic(fifo, lambda handle: handle.write(payload))
    thread.join(10)
    assert got == [payload]
    assert identity(fifo) == before and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports.pipe"]  # no temporary file beside it


@needs_root
def test_a_character_device_is_written_through_and_stays_the_same_device(tmp_path: Path) -> None:
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a second /dev/null
    before, mode = identity(node), os.lstat(node).st_mode
    fileio.write_atomic(node, "a report nobody keeps")
    after = os.lstat(node)
    assert identity(node) == before
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == os.makedev(1, 3)
    assert after.st_mode == mode  # never chmod-ed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_descriptor_of_this_process_is_written_through(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    try:
        fileio.write_atomic(Path(f"/proc/self/fd/{write_end}"), b"through the pipe")
        fileio.write_atomic(Path(f"/dev/fd/{write_end}"), b", twice")
        os.close(write_end)
        assert os.read(read_end, 1000) == b"through the pipe, twice"
    finally:
        os.close(read_end)
    with pytest.raises(InputError, match="not open in this process"):
        fileio.write_atomic(Path("/dev/fd/987"), b"nowhere")


def test_a_symlink_to_a_file_is_written_where_it_points_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "report.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "report.json"
    link.symlink_to(real)
    link_before = identity(link)
    fileio.write_atomic(link, "new")
    assert identity(link) == link_before and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert sorted(p.name for p in real.parent.iterdir()) == ["report.json"]  # staged beside the real file


def test_a_dangling_symlink_gets_its_file_created(tmp_path: Path) -> None:
    link = tmp_path / "report.md"
    link.symlink_to(tmp_path / "made-later.md")
    fileio.write_atomic(link, "text")
    assert link.is_symlink() and (tmp_path / "made-later.md").read_text() == "text"


def test_a_symlink_to_a_folder_is_refused_as_a_file_and_used_as_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    link = tmp_path / "out"
    link.symlink_to(folder, target_is_directory=True)
    with pytest.raises(InputError, match="is a folder"):
        fileio.write_atomic(link, "text")
    fileio.write_atomic_set({link / "report.html": "<p>", link / "report.md": "# r"})
    assert link.is_symlink() and os.readlink(link) == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.md"]


def test_a_symlink_loop_is_one_line(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(InputError, match=r"cannot write .*loop"):
        fileio.write_atomic(loop, "text")
    assert loop.is_symlink()


@needs_root
def test_another_users_symlink_in_a_shared_sticky_folder_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    victim = tmp_path / "victim"
    victim.write_text("precious")
    planted = shared / "report.html"
    planted.symlink_to(victim)
    os.lchown(planted, 54321, 54321)  # planted by someone else
    with pytest.raises(InputError, match="symlink owned by another user"):
        fileio.write_atomic(planted, "report")
    assert victim.read_text() == "precious" and planted.is_symlink()
    os.lchown(planted, os.geteuid(), os.getegid())  # one's own link there is followed
    fileio.write_atomic(planted, "report")
    assert victim.read_text() == "report"


def test_a_socket_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        before = identity(path)
        with pytest.raises(InputError, match="it is a socket"):
            fileio.write_atomic(path, "x")
        assert identity(path) == before


@needs_root
def test_a_block_device_is_refused_and_left_alone(tmp_path: Path) -> None:
    node = tmp_path / "disk"
    os.mknod(node, 0o600 | stat.S_IFBLK, os.makedev(7, 250))
    before = identity(node)
    with pytest.raises(InputError, match="it is a block device"):
        fileio.write_atomic(node, "x")
    assert identity(node) == before


def test_a_set_with_a_stream_renames_the_files_only_after_the_stream_was_written(tmp_path: Path) -> None:
    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = read_fifo(fifo, got)
    fileio.write_atomic_set({tmp_path / "report.html": "<p>", fifo: b"{}"})
    thread.join(10)
    assert got == [b"{}"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert (tmp_path / "report.html").read_text() == "<p>"


def test_preflight_refuses_an_unwritable_output_before_anything_is_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="it is a folder"):
        fileio.preflight(tmp_path)
    (tmp_path / "file").write_text("in the way")
    with pytest.raises(InputError, match="Not a directory"):
        fileio.preflight(tmp_path / "file" / "deeper" / "report.json")
    assert fileio.preflight(tmp_path / "new" / "report.json").path == tmp_path / "new" / "report.json"


# --- through the command line ------------------------------------------------------------------------


def test_scan_to_dev_null_leaves_dev_null_a_device(tmp_path: Path) -> None:
    before = identity(Path("/dev/null"))
    result = run_cli("scan", "--demo", "-q", "-f", "json", "-o", "/dev/null", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert identity(Path("/dev/null")) == before
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_scan_to_dev_stdout_writes_the_report_to_stdout_and_the_summary_elsewhere(tmp_path: Path) -> None:
    before = identity(Path("/dev/stdout"))
    result = run_cli("scan", "--demo", "-f", "json", "-o", "/dev/stdout", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["schemaVersion"]  # stdout is the report, and only the report
    assert "grade" in result.stderr  # the summary went to stderr, as with `-o -`
    assert identity(Path("/dev/stdout")) == before


def test_scan_into_a_fifo_a_reader_reads(tmp_path: Path) -> None:
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = read_fifo(fifo, got)
    result = run_cli("scan", "--demo", "-q", "-f", "json", "-o", fifo, cwd=tmp_path)
    thread.join(30)
    assert result.returncode == 0, result.stderr
    assert json.loads(got[0])["schemaVersion"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_scan_to_a_socket_fails_before_reading_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        started = time.monotonic()
        # A live scan of a cluster that does not exist: the output is refused first (exit 2, not 3).
        result = run_cli("scan", "--kubeconfig", tmp_path / "none", "-f", "json", "-o", path, cwd=tmp_path)
        assert time.monotonic() - started < 30
    assert_one_line_error(Outcome(result.returncode, result.stdout, result.stderr), 2, "it is a socket")


def test_collect_to_a_socket_fails_before_reading_the_cluster(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        result = run_cli("collect", "--kubeconfig", tmp_path / "none", "-o", path, cwd=tmp_path)
    assert_one_line_error(Outcome(result.returncode, result.stdout, result.stderr), 2, "it is a socket")


def test_report_dir_entries_that_are_devices_or_links_keep_what_they_are(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "kept-elsewhere.md"
    (out / "report.md").symlink_to(elsewhere)
    fifo = out / "report.json"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = read_fifo(fifo, got)
    result = run_cli("scan", "--demo", "-q", "-d", out, cwd=tmp_path)
    thread.join(30)
    assert result.returncode == 0, result.stderr
    assert (out / "report.md").is_symlink() and elsewhere.read_text().startswith("#")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and json.loads(got[0])["schemaVersion"]
    assert (out / "report.html").is_file()


# --- report folders: only what k8saudit made is touched -------------------------------------------


FILES = {"report.json": b"{}"}


@pytest.mark.parametrize("what", ["file", "fifo", "foreign-link", "folder-of-other-things"])
def test_a_latest_k8saudit_did_not_make_is_refused_before_any_run_is_written(tmp_path: Path, what: str) -> None:
    latest = tmp_path / "latest"
    if what == "file":
        latest.write_text("mine")
    elif what == "fifo":
        os.mkfifo(latest)
    elif what == "foreign-link":
        latest.symlink_to("/etc")
    else:
        latest.mkdir()
        (latest / "notes.txt").write_text("mine")
    before = identity(latest)
    with pytest.raises(InputError, match="not a link or copy k8saudit made"):
        reportdir.write_run(tmp_path, FILES, keep=3)
    assert identity(latest) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest"]


def test_the_cli_refuses_a_foreign_latest_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "latest").write_text("someone's notes")
    result = run_cli("scan", "--demo", "-q", "--timestamped", "-d", tmp_path / "reports", cwd=tmp_path)
    assert_one_line_error(
        Outcome(result.returncode, result.stdout, result.stderr), 2, "not a link or copy k8saudit made (a regular file)"
    )
    assert (tmp_path / "reports" / "latest").read_text() == "someone's notes"


def test_a_run_folder_holding_other_things_is_never_pruned(tmp_path: Path) -> None:
    import datetime as dt

    def at(minute: int) -> dt.datetime:
        return dt.datetime(2026, 11, 5, 3, minute, tzinfo=dt.UTC)

    first = reportdir.write_run(tmp_path, FILES, keep=0, now=at(0))
    (first / "my-notes.txt").write_text("added by a person")
    second = reportdir.write_run(tmp_path, FILES, keep=0, now=at(1))
    (second / "nested").mkdir()
    for minute in range(2, 6):
        reportdir.write_run(tmp_path, FILES, keep=1, now=at(minute))
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [first.name, second.name, "20261105T030500Z", "latest"]
    assert (first / "my-notes.txt").read_text() == "added by a person"


@needs_root
def test_a_run_folder_holding_a_device_is_never_pruned(tmp_path: Path) -> None:
    import datetime as dt

    first = reportdir.write_run(tmp_path, FILES, keep=0, now=dt.datetime(2026, 11, 5, 3, 0, tzinfo=dt.UTC))
    os.mknod(first / "report.null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # named like a report, not a file
    before = identity(first / "report.null")
    for minute in range(1, 4):
        reportdir.write_run(tmp_path, FILES, keep=1, now=dt.datetime(2026, 11, 5, 3, minute, tzinfo=dt.UTC))
    assert identity(first / "report.null") == before


def test_stale_leftovers_are_removed_only_when_k8saudit_made_them(tmp_path: Path) -> None:
    import datetime as dt

    old = time.time() - reportdir.LEFTOVER_AGE_SECONDS - 60
    ours = tmp_path / ".20261105T020000Z.0a1b2c3d.tmp"
    ours.mkdir()
    (ours / "report.json").write_text("half")
    theirs = tmp_path / ".20261105T020000Z.0a1b2c3e.tmp"
    theirs.mkdir()
    (theirs / "diary.txt").write_text("not a report")
    target = tmp_path / "precious"
    target.write_text("keep me")
    link_named_like_trash = tmp_path / ".trash-20261101T000000Z.ffff0000"
    link_named_like_trash.symlink_to(target)
    fifo = tmp_path / ".latest.0a1b2c3d.old"
    os.mkfifo(fifo)
    for path in (ours, theirs, link_named_like_trash, fifo):
        os.utime(path, (old, old), follow_symlinks=False)
    reportdir.write_run(tmp_path, FILES, keep=3, now=dt.datetime(2026, 11, 5, 3, 0, tzinfo=dt.UTC))
    left = sorted(p.name for p in tmp_path.iterdir())
    assert ours.name not in left
    assert {theirs.name, link_named_like_trash.name, fifo.name} <= set(left)
    assert target.read_text() == "keep me" and (theirs / "diary.txt").exists()


def test_dev_null_is_a_character_device_now() -> None:
    """The suite's guard (tests/conftest.py) checks this around every test; this test says so in the report."""
    info = os.lstat("/dev/null")
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)


def test_a_writer_started_as_a_child_cannot_replace_dev_null_either(tmp_path: Path) -> None:
    """The same rule from the Python API, in a child process as root would run it."""
    script = (
        "from pathlib import Path\nfrom k8saudit.runtime import files\n"
        "files.write_atomic(Path('/dev/null'), 'x' * 100000)\n"
    )
    before = identity(Path("/dev/null"))
    subprocess.run([sys.executable, "-c", script], check=True, env=clean_env(), timeout=60)
    assert identity(Path("/dev/null")) == before
