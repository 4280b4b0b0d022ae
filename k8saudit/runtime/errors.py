"""Errors the CLI turns into one readable line and a documented exit code.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,
3 cannot reach or authenticate to the cluster.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_CLUSTER = 3


class AuditError(Exception):
    """An error meant for the person at the terminal: what went wrong and what to do."""

    exit_code = EXIT_INPUT


class InputError(AuditError):
    """A file, flag or config the user gave us is unusable (exit 2)."""

    exit_code = EXIT_INPUT


class ClusterError(AuditError):
    """The cluster cannot be reached or refuses our credentials (exit 3)."""

    exit_code = EXIT_CLUSTER
