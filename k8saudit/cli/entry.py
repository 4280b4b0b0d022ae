"""The console entry point (`k8saudit = k8saudit.cli:main`): documented exit codes, one line per
error on stderr, no tracebacks unless K8SAUDIT_DEBUG is set."""

from __future__ import annotations

import os
import sys

import typer

from k8saudit.cli.app import app
from k8saudit.cli.lines import EXIT_INTERNAL, one_line

try:  # typer vendors click since 0.2x; before, it used click itself
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover - an older typer
    from click.exceptions import ClickException, NoArgsIsHelpError  # type: ignore[import-not-found,no-redef]
from k8saudit.runtime import log
from k8saudit.runtime.errors import EXIT_OK, AuditError
from k8saudit.runtime.stdout import tolerate_closed_stdout

__all__ = ["EXIT_INTERNAL", "main", "one_line"]


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
            code = app(standalone_mode=False)  # usage errors come here, to be one line (below)
    except NoArgsIsHelpError as exc:  # `k8saudit` alone: the help is the answer
        exc.show()
        sys.exit(exc.exit_code)
    except ClickException as exc:
        print(f"k8saudit: error: {usage_line(exc)}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.Abort:  # end of input where a prompt waited (click's standalone mode said "Aborted!")
        print("k8saudit: aborted", file=sys.stderr)
        sys.exit(1)
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
    if isinstance(code, int) and code != EXIT_OK:  # `typer.Exit(1)`, returned without standalone mode
        sys.exit(code)


def usage_line(exc: ClickException) -> str:
    """A usage error as one line, instead of click's usage block: the command, what is wrong (an
    option's choices listed), and where the help is. `k8saudit scan: invalid value for
    '--fail-on': 'severe' is not one of 'critical', 'high', ... (see `k8saudit scan --help`)`."""
    message = exc.format_message().replace("Value error, ", "").rstrip(".")
    message = message[:1].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "k8saudit"
    return one_line(f"{command}: {message} (see `{command} --help`)")
