"""Pushing a scan's metrics to a Prometheus Pushgateway (`scan --pushgateway URL`).

A CronJob's scan lives for minutes; Prometheus scrapes on its own schedule. The Pushgateway holds
the last push of each group until the next one, so Prometheus sees the latest scan of every
cluster: the group is `job="k8saudit"` plus `cluster` (the report's cluster label), so clusters
pushing to one gateway never overwrite each other, and each scan replaces its cluster's previous
push whole (HTTP PUT: a check that disappeared leaves no stale series behind).

A push never costs a report or changes the exit code: by the time it runs, the reports are
written; a gateway that is down, slow (`TIMEOUT_SECONDS`) or refuses the push is one warning line.
A failed scan pushes with POST instead (`metrics.failure_registry`): only the run's time and
`k8saudit_last_run_success 0`, leaving the last good scan's series in place.

Credentials never go in the URL (it is printed in warnings and logs): basic auth is read from
K8SAUDIT_PUSHGATEWAY_USERNAME and K8SAUDIT_PUSHGATEWAY_PASSWORD (a Secret in a CronJob).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry, push_to_gateway, pushadd_to_gateway
from prometheus_client.exposition import basic_auth_handler

from k8saudit.output.metrics import JOB
from k8saudit.runtime.errors import InputError

log = logging.getLogger(__name__)

#: Seconds one push may take before it is given up (a Job's deadline must not be spent waiting).
TIMEOUT_SECONDS = 10.0
USERNAME_ENV = "K8SAUDIT_PUSHGATEWAY_USERNAME"
PASSWORD_ENV = "K8SAUDIT_PUSHGATEWAY_PASSWORD"


def check_url(url: str) -> str:
    """`url` when it can name a Pushgateway (`http(s)://host[:port][/path]`), else the InputError
    the CLI prints: checked before the scan, so a typo is no wasted scan."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError as exc:
        raise InputError(f"--pushgateway {url!r}: not a URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"--pushgateway {url!r}: give an http:// or https:// URL, e.g. http://pushgateway:9091")
    if parts.username is not None or parts.password is not None:
        raise InputError(
            f"--pushgateway: no credentials in the URL (it is printed in logs); set {USERNAME_ENV} and {PASSWORD_ENV}"
        )
    if parts.query or parts.fragment:
        raise InputError(f"--pushgateway {url!r}: no query or fragment; the gateway's base URL only")
    return url


def _handler() -> Callable[..., Callable[[], None]] | None:
    """Basic auth from the environment, when both variables are set; None: no credentials."""
    username, password = os.environ.get(USERNAME_ENV), os.environ.get(PASSWORD_ENV)
    if username is None or password is None:
        return None
    return partial(basic_auth_handler, username=username, password=password)


def push(url: str, cluster: str, registry: CollectorRegistry, *, replace: bool = True) -> bool:
    """Push `registry` as the group {job="k8saudit", cluster=`cluster`}: replacing the group's
    metrics (PUT) or, with `replace=False`, only those of the same names (POST). True when the
    gateway took it; otherwise one warning line and False."""
    send = push_to_gateway if replace else pushadd_to_gateway
    kwargs: dict[str, Any] = {"grouping_key": {"cluster": cluster}, "timeout": TIMEOUT_SECONDS}
    handler = _handler()
    if handler is not None:
        kwargs["handler"] = handler
    try:
        send(url, job=JOB, registry=registry, **kwargs)
    except Exception as exc:  # OSError (refused, timeout, HTTP error), ValueError: any of it is a warning
        log.warning(
            "could not push metrics to the Pushgateway at %s: %s; the reports are written and the exit code "
            "is unchanged",
            url,
            _reason(exc),
        )
        return False
    log.info("pushed metrics to %s (job=%s, cluster=%s)", url, JOB, cluster)
    return True


def _reason(exc: BaseException) -> str:
    """The failure in a few words: `connection refused`, `timed out`, `HTTP 400 Bad Request ...`."""
    reason: Any = getattr(exc, "reason", None)  # urllib's URLError wraps the socket error
    if isinstance(reason, BaseException):
        exc = reason
    if isinstance(exc, TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS:g} s"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:300]
