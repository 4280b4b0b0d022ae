"""Stopping cleanly on SIGTERM (what the kubelet sends a Job's pod before killing it).

Nothing is on disk until the reports are written, and they are written inside `critical()`:
- SIGTERM outside a critical section (while listing or checking) ends the process at once with
  exit code 143 (128 + SIGTERM). Nothing was written, so nothing is half-written, and worker
  threads blocked on a slow API response do not hold the pod until the grace period ends.
- SIGTERM inside one (streaming the reports into their temporary files, renaming them, the run
  folder, swapping `latest`) is held until the section ends, so a report set is either complete
  or absent; then exit 143. Reports are rendered while they are written (never held whole in
  memory), so the section lasts as long as rendering: about 1.3 s of CPU for 20,000 pods
  (benchmarks/README.md), well inside a pod's default 30 s grace period.

The exit code is not 0, so the Job knows that run did not finish (and may retry it), whatever
was found. The message is written with `os.write`: the signal may arrive while the main thread
is inside a buffered write to the same stream.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

EXIT_TERMINATED = 128 + signal.SIGTERM  # 143, what a shell reports for a process ended by SIGTERM

_depth = 0
_pending: int | None = None
_installed = False


def install() -> None:
    """Handle SIGTERM as above. Only from the main thread (Python's rule for signal handlers)."""
    global _installed
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, _handler)
    _installed = True


def installed() -> bool:
    return _installed


def _handler(signum: int, frame: FrameType | None) -> None:
    global _pending
    if _depth > 0:
        _pending = signum
        return
    terminate(signum, wrote=False)


@contextmanager
def critical() -> Iterator[None]:
    """A section SIGTERM must not cut in half (writing a report set); the signal waits for its end."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _pending is not None:
            terminate(_pending, wrote=True)


def terminate(signum: int, *, wrote: bool) -> None:
    """Log the termination, flush what can be flushed, and end the process with 143."""
    from k8saudit.runtime import log

    name = signal.Signals(signum).name
    state = "it finished writing its output first" if wrote else "nothing was written"
    events = log.current()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a re-entrant flush from a handler: nothing more to do
            stream.flush()
    lines: list[tuple[int, bytes]] = []
    if events.enabled and events.stream is not None:
        try:
            line = events.line("terminated", "warning", signal=name, exit=EXIT_TERMINATED, wroteReports=wrote)
            lines.append((events.stream.fileno(), (line + "\n").encode()))
        except (OSError, ValueError, AttributeError):
            pass
    lines.append((2, f"k8saudit: terminated by {name}: {state}\n".encode()))
    for fd, data in lines:
        with contextlib.suppress(OSError):
            os.write(fd, data)
    os._exit(EXIT_TERMINATED)
