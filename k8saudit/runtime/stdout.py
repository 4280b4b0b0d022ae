"""A reader that stops reading standard output (`k8saudit scan | head -3`) is not a failure.

Python ignores SIGPIPE, so a write after the reader left raises BrokenPipeError; left alone, rich
and click turn it into exit 1, which is k8saudit's "findings" code, and GitHub Actions' bash
(`-o pipefail`) then fails the step for what only `head` decided. Unix tools that die of SIGPIPE
exit 141 instead, which pipefail fails just the same. k8saudit does neither: from the first
broken write on, standard output is /dev/null (its descriptor is pointed there), the command
finishes its work (the report files of a scan are still written) and exits with its own code:
0, or 1 when `--fail-on` says so, as if nobody had been reading. The README's exit codes say so.

`tolerate_closed_stdout()` puts this in place for the console entry point; the atomic writer
asks `reader_left()` when a report streamed to `/dev/stdout` (descriptor 1) meets the same end.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class _ReaderTolerant:
    """`sys.stdout` whose broken pipe turns it into /dev/null (every other attribute is the
    wrapped stream's: `isatty`, `encoding`, `fileno`, `buffer`)."""

    def __init__(self, wrapped: TextIO) -> None:
        self._wrapped = wrapped

    def write(self, text: str) -> int:
        try:
            return self._wrapped.write(text)
        except BrokenPipeError:
            reader_left()
            return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._wrapped.flush()
        except BrokenPipeError:
            reader_left()
            with contextlib.suppress(OSError, ValueError):
                self._wrapped.flush()  # what stayed buffered goes to /dev/null now

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


def reader_left() -> None:
    """Standard output's reader is gone: point descriptor 1 at /dev/null, so that every later
    write (Python's, rich's, click's, a report streamed to /dev/stdout) is discarded quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
    finally:
        os.close(devnull)


@contextmanager
def tolerate_closed_stdout() -> Iterator[None]:
    """While a command runs, a closed standard output discards what is written to it (see above).

    The stream is flushed before the block ends, so the interpreter's own flush at exit finds
    nothing that could fail (it would print "Exception ignored" and exit 120); `sys.stdout` is
    then what it was (the tests call the entry point in-process)."""
    original = sys.stdout
    tolerant = _ReaderTolerant(original)
    sys.stdout = tolerant
    try:
        yield
    finally:
        tolerant.flush()
        sys.stdout = original
