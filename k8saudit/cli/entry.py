"""The console entry point (`k8saudit = k8saudit.cli:main`): documented exit codes, one line per
error on stderr, no tracebacks unless K8SAUDIT_DEBUG is set."""

from __future__ import annotations

import os
import re
import sys

from k8saudit.cli.app import app
from k8saudit.runtime import log
from k8saudit.runtime.errors import EXIT_OK, AuditError
from k8saudit.runtime.stdout import tolerate_closed_stdout

EXIT_INTERNAL = 4

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """An error message as one printable line: a file name or a server's words may hold newlines
    or terminal escape sequences (`\\x1b[2J`); whitespace becomes a space, other control
    characters their `\\xNN` escape."""
    text = re.sub(r"[\t\n\r\v\f]+", " ", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def main() -> None:
    """Console entry point: one line per error, documented exit codes, no tracebacks."""
    from k8saudit.runtime import lifecycle

    lifecycle.install()  # SIGTERM (a Job's pod being stopped): exit 143 without a half-written report
    # A reader that stops early (`| head`) makes stdout /dev/null, not exit 1: see runtime/stdout.py.
    with tolerate_closed_stdout():
        _run()


def _run() -> None:
    try:
        with log.human_warnings():  # one `k8saudit: warning:` line each, never Python's raw output
            app()
    except AuditError as exc:
        log.final_error(str(exc), exc.exit_code)
        print(f"k8saudit: error: {one_line(str(exc))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("k8saudit: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:  # another stream than stdout (which cannot raise it: see above)
        sys.exit(EXIT_OK)
    except Exception as exc:  # a bug: say so in one line, keep the traceback for who asks
        if os.environ.get("K8SAUDIT_DEBUG"):
            raise
        print(
            f"k8saudit: internal error: {type(exc).__name__}: {one_line(str(exc))[:500]} "
            "(rerun with K8SAUDIT_DEBUG=1 for a traceback, and please report it)",
            file=sys.stderr,
        )
        sys.exit(EXIT_INTERNAL)
