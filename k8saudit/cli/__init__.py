"""Command line: `k8saudit scan | collect | report | diff | trend | who-can | checks | explain | config validate`.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,
3 cannot reach or authenticate to the cluster, 4 internal error (a bug: please report it).
Every error is one line on stderr; set K8SAUDIT_DEBUG=1 for a traceback.

`app` (typer) is built in `app.py` from one module per command; `main` (`entry.py`) is the
console entry point. `scan` is split into `scan_request` (the options, checked), `scan_run`
(collect → checks → baseline → write → summary) and `exit_policy` (0 or 1).
"""

from __future__ import annotations

from k8saudit.cli.app import app
from k8saudit.cli.entry import EXIT_INTERNAL, main
from k8saudit.runtime.errors import EXIT_INPUT

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "app", "main"]
