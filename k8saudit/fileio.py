"""Write files so that a reader never sees half of one: temporary name, then rename; and read
input files no larger than a limit, so a huge or endless file is refused instead of exhausting memory."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from k8saudit.errors import InputError

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
#: the open binary file it is given (a report streamed piece by piece: `k8saudit.report.writer`).
Content = str | bytes | Callable[[BinaryIO], object]


def write_atomic(path: Path, data: Content, mode: int = 0o600) -> None:
    """Write `data` to `path` atomically with owner-only permissions.

    The temporary file lives in the target folder so the final rename never crosses a
    filesystem; on any failure it is removed and the previous file is left untouched. A failure
    to write (a full disk, a read-only or missing folder) is an InputError naming the file.
    """
    write_atomic_set({Path(path): data}, mode)


def write_atomic_set(files: Mapping[Path, Content], mode: int = 0o600) -> None:
    """Write several files so that none changes unless every one could be written.

    Each file is written and synced under a temporary name beside its target first; only when
    all are complete are they renamed over the targets (a rename does not run out of space).
    On any failure every temporary file is removed and the previous files are left as they were;
    that includes an exception raised by a writing function (a file is renamed only once its
    function returned).
    """
    staged: list[tuple[str, Path]] = []
    current: Path | None = None
    try:
        for target, data in files.items():
            current = Path(target)
            current.parent.mkdir(parents=True, exist_ok=True)
            if current.is_dir():
                raise IsADirectoryError(errno.EISDIR, "is a folder")
            staged.append((_stage(current, data.encode() if isinstance(data, str) else data, mode), current))
        for tmp, target in staged:
            current = target
            os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"cannot write {current}: {exc.strerror or exc}") from None
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)  # renamed ones are gone already


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
