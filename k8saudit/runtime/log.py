"""Structured run logs: one JSON object per line, for a pod's log stream.

A scheduled scan runs where nobody reads a terminal: the cluster's log pipeline reads its stdout.
With `--log-format json` (or `auto` when stdout is not a terminal) the CLI writes one event
per line as it goes, for example

    {"ts":"2026-11-05T03:17:02.311Z","level":"info","event":"list","kind":"Pod","status":"ok","count":1234}

and the terminal summary becomes a final `done` event. Events carry counts, kinds, paths,
durations and the one-line error messages the CLI already shows; never a value read from the
cluster (the slim models have dropped those before anything here sees them). The scan's own
events are built from its inventory and report in `k8saudit/cli/scan_events.py`: this module
knows nothing of either.

`human` (the default outside the container image) keeps today's terminal output and logs no
events; the image sets K8SAUDIT_LOG_FORMAT=auto, so `docker run -it` still gets the summary.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TextIO

LEVELS = ("debug", "info", "warning", "error")


class LogFormat(StrEnum):
    human = "human"  # the terminal summary, no event lines (default)
    json = "json"  # one JSON object per line
    auto = "auto"  # json when stdout is not a terminal, else human


def resolve(fmt: LogFormat, stream: TextIO | None = None) -> LogFormat:
    """`auto` decided: json unless the stream the events would go to (stdout) is a terminal."""
    if fmt is not LogFormat.auto:
        return fmt
    stream = stream if stream is not None else sys.stdout
    try:
        return LogFormat.human if stream.isatty() else LogFormat.json
    except (AttributeError, ValueError):  # a closed or fake stream
        return LogFormat.json


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EventLog:
    """Writes events as JSON lines to one stream; disabled (stream None) writes nothing."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream
        self.min_level = LEVELS.index("warning" if quiet else "info")
        self._lock = threading.RLock()  # re-entrant: a signal handler may log from the main thread

    @property
    def enabled(self) -> bool:
        return self.stream is not None

    def line(self, event: str, level: str = "info", **fields: Any) -> str:
        record: dict[str, Any] = {"ts": timestamp(), "level": level, "event": event}
        record.update(_bound.get())
        record.update((k, v) for k, v in fields.items() if v is not None)
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str)

    def event(self, event: str, level: str = "info", **fields: Any) -> None:
        """One line, flushed at once (a pod may be killed at any moment); None fields are left out."""
        if self.stream is None or LEVELS.index(level) < self.min_level:
            return
        text = self.line(event, level, **fields) + "\n"
        with self._lock:
            try:
                self.stream.write(text)
                self.stream.flush()
            except (OSError, ValueError, RuntimeError):  # a closed pipe must not fail the scan
                pass

    @contextmanager
    def timed(self, event: str, **fields: Any) -> Iterator[dict[str, Any]]:
        """Log `event` with `ms` when the block ends normally; the block may add fields to the dict."""
        extra: dict[str, Any] = {}
        started = time.perf_counter()
        yield extra
        self.event(event, ms=round((time.perf_counter() - started) * 1000), **{**fields, **extra})


class _Bridge(logging.Handler):
    """Python `logging` records of k8saudit's modules (retries, 410 restarts, failed lists) as events."""

    def __init__(self, log: EventLog) -> None:
        super().__init__(logging.INFO)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = " ".join(record.getMessage().split())
        except Exception:  # a bad format string must not fail the scan
            message = str(record.msg)
        level = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning"}.get(record.levelno, "error")
        self.log.event("log", level, logger=record.name, message=message)


class _Warnings(logging.Handler):
    """Without JSON events, k8saudit's warnings (a list that failed, a probe that broke) are
    `k8saudit: warning: ...` lines on stderr, one line each like the errors, never Python's raw
    last-resort output. With JSON events on, the bridge logs them instead."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        if _current.enabled:
            return
        try:
            message = " ".join(record.getMessage().split())
        except Exception:  # a bad format string must not fail the scan
            message = str(record.msg)
        message = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in message)  # no terminal escapes
        try:
            sys.stderr.write(f"k8saudit: warning: {_prefix()}{message}\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


@contextmanager
def human_warnings() -> Iterator[None]:
    """While a command runs, k8saudit's warnings go to stderr as one-line `k8saudit: warning:`
    (the console entry point wraps every command in it)."""
    package = logging.getLogger("k8saudit")
    handler = _Warnings()
    package.addHandler(handler)
    try:
        yield
    finally:
        package.removeHandler(handler)


#: Fields every event of the current context carries (`bound`): the cluster a thread of a
#: multi-cluster scan is reading, so its events and warnings say which one.
_bound: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "k8saudit_log_fields", default=MappingProxyType({})
)


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Inside the block, every event carries `fields` and every human warning starts with the
    cluster's name (`[prod] `). Context variables do not follow work into new threads by
    themselves: code that hands work to a pool runs it in `contextvars.copy_context()`."""
    token = _bound.set({**_bound.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _bound.reset(token)


def _prefix() -> str:
    cluster = _bound.get().get("cluster")
    return f"[{cluster}] " if cluster else ""


_current = EventLog()
_last: EventLog | None = None  # the last enabled log, for the entry point's error event after reset()
_bridge: _Bridge | None = None


def current() -> EventLog:
    """The process's event log (disabled unless `configure` enabled it)."""
    return _current


def configure(fmt: LogFormat, *, stream: TextIO, quiet: bool = False) -> EventLog:
    """Enable JSON events on `stream` (or none for `human`) and route k8saudit's `logging` there.

    Undo with `reset()` when the command ends (the CLI registers it on its click context), so an
    in-process caller (tests, the Python API) gets its logging configuration back.
    """
    global _current, _last, _bridge
    reset()
    if resolve(fmt, stream) is LogFormat.json:
        _current = _last = EventLog(stream, quiet=quiet)
        _bridge = _Bridge(_current)
        package = logging.getLogger("k8saudit")
        package.addHandler(_bridge)
        package.setLevel(logging.INFO)
        package.propagate = False  # one copy, as JSON: not also Python's last-resort stderr line
    return _current


def reset() -> None:
    """Back to no events and k8saudit's `logging` as it was before `configure`."""
    global _current, _bridge
    if _bridge is not None:
        package = logging.getLogger("k8saudit")
        package.removeHandler(_bridge)
        package.setLevel(logging.NOTSET)
        package.propagate = True
        _bridge = None
    _current = EventLog()


def event(event: str, level: str = "info", **fields: Any) -> None:
    """Log one event on the current event log (a no-op in human mode)."""
    _current.event(event, level, **fields)


def final_error(message: str, exit_code: int) -> None:
    """The entry point's `error` event, on the log the failed command used (if it logged JSON)."""
    if _last is not None:
        _last.event("error", "error", message=message, exit=exit_code)
