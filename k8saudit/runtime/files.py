"""Write files so that a reader never sees half of one: temporary name, then rename; and read
input files no larger than a limit, so a huge or endless file is refused instead of exhausting memory."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from k8saudit.runtime.errors import InputError
from k8saudit.runtime.stdout import reader_left

#: The largest snapshot, manifest or config file read (K8SAUDIT_MAX_INPUT_BYTES overrides it).
DEFAULT_MAX_INPUT_BYTES = 2 * 1024**3
MAX_INPUT_ENV = "K8SAUDIT_MAX_INPUT_BYTES"


def max_input_bytes() -> int:
    """The input size limit: $K8SAUDIT_MAX_INPUT_BYTES when set, else 2 GiB."""
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise InputError(f"{MAX_INPUT_ENV}={raw!r}: give the largest input file to read, in bytes (a whole number)")
    return value


def read_bounded(path: Path, limit: int | None = None) -> bytes:
    """The bytes of `path`, or InputError when it holds more than `limit` (default: max_input_bytes()).

    The limit is checked while reading, not only on the size the file system reports: a pipe
    (`--snapshot <(kubectl get ... -o json)`) or a file that grows has no honest size. Devices
    (/dev/zero) are refused outright.
    """
    limit = max_input_bytes() if limit is None else limit
    too_big = InputError(
        f"{path}: larger than the {limit}-byte input limit; refused rather than read into memory "
        f"(raise it with {MAX_INPUT_ENV})"
    )
    parts: list[bytes] = []
    total = 0
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
            raise InputError(f"{path}: is a device, not a file")  # /dev/zero, /dev/urandom: endless
        size = info.st_size
        if size > limit:
            raise too_big
        want = size + 1 if size else 1 << 16  # a regular file in one read; a stream in chunks
        while chunk := handle.read(min(want, limit + 1 - total)):
            parts.append(chunk)
            total += len(chunk)
            if total > limit:
                raise too_big
            want = 1 << 23
    return parts[0] if len(parts) == 1 else b"".join(parts)


#: What a file is written from: its text (UTF-8), its bytes, or a function that writes them to
#: the open binary file it is given (a report streamed piece by piece: `k8saudit.output.render.writer`).
Content = str | bytes | Callable[[BinaryIO], object]

#: Paths that name one of this process's own open descriptors: written through that descriptor.
_OWN_FD = re.compile(r"^/(?:dev/fd|proc/self/fd|proc/thread-self/fd)/(\d+)$")
_STANDARD = {"/dev/stdout": 1, "/dev/stderr": 2}


@dataclasses.dataclass(frozen=True)
class Destination:
    """Where a file's bytes go, decided once by looking at the target (`destination()`).

    `stream` is true for a character device, a FIFO or a descriptor of this process: the bytes
    are written straight into it and it is never renamed over or removed. Otherwise `path` is a
    regular file (or nothing yet) that is written atomically; for a symlink, `path` is the file it
    resolves to, so the link stays a link.
    """

    path: Path
    stream: bool = False
    fd: int | None = None


def destination(target: Path) -> Destination:
    """Decide how `target` is written, or InputError (one line) when it cannot be.

    - nothing there, or a regular file: written atomically (temporary file, then rename);
    - a character device (`/dev/null`), a FIFO (`>(gzip > r.gz)`), `/dev/stdout`, `/dev/stderr`,
      `/dev/fd/N`, `/proc/self/fd/N`: written straight through, never renamed over;
    - a symlink: what it resolves to decides; a regular file (or nothing) is written atomically at
      the resolved path. Refused where following it is unsafe: a link in a shared sticky folder
      (`/tmp`) owned by someone else (the rule of the kernel's `fs.protected_symlinks`: it could
      point anywhere), or a loop;
    - a folder, a socket or a block device: refused.
    """
    name = os.fspath(target)
    fd = _own_descriptor(name)
    if fd is not None:
        try:
            os.fstat(fd)
        except OSError:
            raise InputError(f"cannot write {name}: descriptor {fd} is not open in this process") from None
        return Destination(Path(name), stream=True, fd=fd)
    if name == "/dev/stdin":
        raise InputError("cannot write /dev/stdin: it is standard input; give a file, or `-` for standard output")
    try:
        info = os.lstat(name)
    except FileNotFoundError:
        return Destination(Path(name))
    except OSError as exc:
        raise InputError(f"cannot write {name}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        return _through_link(Path(name), info)
    return _by_type(Path(name), info.st_mode, Path(name))


def _own_descriptor(name: str) -> int | None:
    if name in _STANDARD:
        return _STANDARD[name]
    match = _OWN_FD.match(name) or re.match(rf"^/proc/{os.getpid()}/fd/(\d+)$", name)
    return int(match.group(1)) if match else None


def _through_link(link: Path, info: os.stat_result) -> Destination:
    """A symlink's destination: see `destination`."""
    folder = os.stat(link.parent)
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if shared and info.st_uid != os.geteuid() and info.st_uid != folder.st_uid:
        raise InputError(
            f"cannot write {link}: it is a symlink owned by another user in the shared folder {link.parent}, "
            "so it could point anywhere; remove it or write somewhere else"
        )
    try:
        mode = os.stat(link).st_mode
    except FileNotFoundError:  # a dangling link: the file is created where it points
        return Destination(Path(os.path.realpath(link)))
    except OSError as exc:  # a loop (ELOOP), a folder on the way we may not enter
        raise InputError(f"cannot write {link}: {exc.strerror or exc}") from None
    return _by_type(link, mode, Path(os.path.realpath(link)))


def _by_type(target: Path, mode: int, resolved: Path) -> Destination:
    if stat.S_ISREG(mode):
        return Destination(resolved)
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return Destination(target, stream=True)
    what = (
        "a folder"
        if stat.S_ISDIR(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a block device"
        if stat.S_ISBLK(mode)
        else "not a regular file"
    )
    hint = "give a file name inside it" if stat.S_ISDIR(mode) else "give a file, a FIFO or a character device"
    raise InputError(f"cannot write {target}: it is {what}; {hint}")


def preflight(target: Path) -> Destination:
    """`destination(target)`, and for a file also its folder checked for writing: called before a
    scan reads a cluster, so an unusable output is one line at once, not after the whole read.

    Where the folder exists, the check is the write itself: a temporary file is made there (as
    the atomic write will) and removed. Permission bits (`os.access`) are not enough: root passes
    them, yet cannot create files in `/sys`, on a read-only bind mount or a root-squashed NFS
    share, nor as anyone where SELinux or an immutable flag says no."""
    dest = destination(target)
    if not dest.stream:
        folder = dest.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent  # the folders still to be made are made in the nearest existing one
        if not folder.is_dir():
            raise InputError(f"cannot write {target}: {folder} is not a folder")
        if folder == dest.path.parent:
            _try_writing(target, folder, dest.path.name)
        elif not os.access(folder, os.W_OK | os.X_OK):  # the folders to make: can they be made here?
            raise InputError(f"cannot write {target}: the folder {folder} is not writable by this user")
    return dest


def _try_writing(target: Path, folder: Path, name: str) -> None:
    """Make and remove a temporary file in `folder`, beside where `name` will be written."""
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{name}.", suffix=".preflight", dir=folder)
    except OSError as exc:
        raise InputError(
            f"cannot write {target}: the folder {folder} does not accept new files ({exc.strerror or exc})"
        ) from None
    os.close(fd)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(probe)


def write_atomic(path: Path, data: Content, mode: int = 0o600) -> None:
    """Write `data` to `path` with owner-only permissions, atomically where `path` is a file.

    The temporary file lives beside the file written (a symlink's resolved file) so the final
    rename never crosses a filesystem; on any failure it is removed and the previous file is left
    untouched. A device, FIFO or descriptor is written straight through (see `destination`). A
    failure to write (a full disk, a read-only or missing folder) is an InputError naming the file.
    """
    write_atomic_set({Path(path): data}, mode)


def write_atomic_set(files: Mapping[Path, Content], mode: int = 0o600) -> None:
    """Write several files so that no regular file changes unless every one could be written.

    Each regular file is written and synced under a temporary name beside it first; then the
    streams (devices, FIFOs, descriptors: see `destination`) are written; only when all are
    complete are the temporary files renamed over their targets (a rename does not run out of
    space). On any failure every temporary file is removed and the previous files are left as
    they were; that includes an exception raised by a writing function (a file is renamed only
    once its function returned). What was written into a stream before a failure cannot be taken back.
    """
    staged: list[tuple[str, Path]] = []
    current: Path | None = None
    try:
        plan: list[tuple[Destination, Content]] = []
        for target, data in files.items():
            current = Path(target)
            current.parent.mkdir(parents=True, exist_ok=True)
            plan.append((destination(current), data))
        for dest, data in plan:
            if not dest.stream:
                current = dest.path
                staged.append((_stage(dest.path, _payload(data), mode), dest.path))
        for dest, data in plan:
            if dest.stream:
                current = dest.path
                _stream(dest, _payload(data))
        for tmp, target in staged:
            current = target
            os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"cannot write {current}: {exc.strerror or exc}") from None
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)  # renamed ones are gone already


def _payload(data: Content) -> bytes | Callable[[BinaryIO], object]:
    return data.encode() if isinstance(data, str) else data


def _stage(path: Path, payload: bytes | Callable[[BinaryIO], object], mode: int) -> str:
    """`payload` (or what it writes) written and synced to a new temporary file beside `path`; its name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            if callable(payload):
                payload(handle)
            else:
                handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def _stream(dest: Destination, payload: bytes | Callable[[BinaryIO], object]) -> None:
    """Write into a device, FIFO or descriptor as it is: opened without creating or truncating,
    never synced (a FIFO cannot be), never renamed over. A FIFO's open waits for its reader."""
    if dest.fd is not None:
        for stream in (sys.stdout, sys.stderr):  # what Python buffered for it goes out first
            with contextlib.suppress(Exception):
                stream.flush()
        fd = os.dup(dest.fd)
    else:
        fd = os.open(dest.path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        kind = os.fstat(fd).st_mode
        if not (stat.S_ISCHR(kind) or stat.S_ISFIFO(kind)):  # replaced since `destination` looked
            os.close(fd)
            raise InputError(f"cannot write {dest.path}: it changed while k8saudit was writing; run again")
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(payload):
                payload(handle)
            else:
                handle.write(payload)
    except BrokenPipeError:
        if dest.fd != 1:
            raise
        reader_left()  # `-o /dev/stdout | head`: standard output's reader left, not a write error
