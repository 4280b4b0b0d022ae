"""Live source: read a cluster through the Kubernetes API.

Every list is fetched as raw JSON pages (`limit`/`continue`, 500 objects a page by default)
and parsed straight into the slim models, with the garbage collector paused while parsing
(docs/kubernetes-facts.md: the client's typed models are ~10x slower and ~7x bigger). Controllers are listed
before pods, so a pod a listed controller owns is kept compact: its metadata, node and only the
containers its controller's template lacks; a ReplicaSet or Job a listed controller owns drops
its template. Neither is ever read: the owner's template is the workload audited. That
compaction, and the outline path that parses such pages straight from their bytes, is
`k8saudit.sources.outline`. Per list:

- 410 Gone (an expired continue token) restarts that list from scratch, a bounded number of times;
- 429 (honouring Retry-After, capped), 5xx and dropped connections are retried with backoff;
- 403 records the kind as `forbidden` and 404 as `not-served`, and the scan goes on;
- 401 anywhere on the API is fatal (`ClusterError`, exit 3), as is a server that cannot be
  reached or whose TLS certificate does not verify on the first request, and one whose first
  answer (`GET /version`) is not what a Kubernetes API server sends (`_Response.is_kubernetes`:
  a web server's HTML page, a login proxy's redirect), which would otherwise be audited as an
  empty cluster with a false anonymous-access finding.

Besides objects, it records the cluster facts: server version, platform, the anonymous-access
probe (one unauthenticated request each to `/version` and `/api`, CA still verified), kubelet
settings when asked for, and every kind's availability. Secrets are never listed, except with
`secret_metadata` (`--secret-metadata`): then token Secrets are listed as metadata only
(`PartialObjectMetadataList`), and only namespace, name, service account and two dated labels
are kept.

Two more facts work on any cluster, managed ones included:
- the authorizer probe: one SubjectAccessReview (POST, stores nothing: the one non-read verb
  the auditor uses) asking whether a made-up user may list Secrets cluster-wide;
- the API endpoint: the kubeconfig server's host resolved (are its addresses public?) and one
  TLS handshake with it (certificate expiry, and whether it chains to the kubeconfig's CA);
- API discovery (`k8saudit.sources.discovery`): every served resource and its scope, CRDs included.

The `kubernetes` client is imported inside functions only: `k8saudit --help` must stay fast.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import http.client
import json
import logging
import os
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import ValidationError

from k8saudit import __version__
from k8saudit.model.facts import (
    AnonymousProbe,
    ApiEndpoint,
    AuthorizerProbe,
    Availability,
    ClusterFactsSpec,
    KubeletConfig,
    SecretMetadata,
    ServerVersion,
    TokenSecret,
    detect_platform,
)
from k8saudit.model.inventory import Inventory
from k8saudit.model.kinds import KINDS, KindInfo
from k8saudit.model.objects import K8sObject, Namespace, Node, ObjectList
from k8saudit.runtime import gcpause
from k8saudit.runtime.errors import ClusterError, InputError
from k8saudit.sources.discovery import discover
from k8saudit.sources.outline import TOP_KINDS, Compactor, compactor_for, drop_owned_templates

log = logging.getLogger(__name__)

#: Kinds the collector refuses to list even if someone adds them to the kinds table.
NEVER_LISTED = frozenset({"Secret"})
#: Statuses worth another attempt (the API server or a proxy in front of it is overloaded).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: kubeletconfig fields that can carry credentials (HTTP headers for a static pod URL).
KUBELET_SECRET_FIELDS = ("staticPodURLHeader",)
#: The requests the collector makes besides get/list on the kinds table, as RBAC authorises them:
#: (apiGroup, resource, verb) -> the LiveOptions field that turns the request on, or None when
#: every scan makes it. deploy/'s ClusterRole (and each overlay's) must grant exactly KINDS' get and
#: list plus these (tests/test_deploy.py); a scan's real requests are checked against this table
#: (tests/integration/test_deploy_rbac.py). Add a row when the collector makes a new kind of request.
API_PERMISSIONS: dict[tuple[str, str, str], str | None] = {
    ("authorization.k8s.io", "subjectaccessreviews", "create"): None,  # the authorizer probe; stores nothing
    ("", "nodes/proxy", "get"): "kubelet_config",  # GET nodes/{node}/proxy/configz
    ("", "secrets", "list"): "secret_metadata",  # metadata only (PartialObjectMetadataList)
}


@dataclass(frozen=True)
class LiveOptions:
    kubeconfig: Path | None = None
    context: str | None = None
    in_cluster: bool | None = None  # None: in-cluster when inside a pod with no kubeconfig
    kubelet_config: bool = False
    #: List Secrets as metadata only, to find legacy service-account token Secrets (needs list secrets).
    secret_metadata: bool = False
    page_size: int = 500
    timeout: float = 30.0
    retries: int = 4  # further attempts of one request after 429, 5xx or a dropped connection
    backoff: float = 0.5  # seconds before the first retry; doubles each time (with jitter)
    max_delay: float = 10.0  # cap on any one wait, Retry-After included
    restarts: int = 3  # times one list starts again after 410 Gone
    workers: int = 4  # lists read concurrently
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    #: Test seam: called after each page of a list is read, with the resource (`pods`), the page's
    #: index in this pass (0 again after a 410 restart) and its continue token ("" on the last
    #: page). The real-API-server tests use it to compact etcd mid-list; it must not raise.
    on_page: Callable[[str, int, str], None] | None = field(default=None, repr=False, compare=False)
    #: Progress for a display (`k8saudit.output.terminal`): called with the resource (`pods`), the objects
    #: read so far, and None while listing or the list's final status (`ok`, `forbidden`, ...) once
    #: done. Called from the listing threads; it must not raise.
    on_progress: Callable[[str, int, str | None], None] | None = field(default=None, repr=False, compare=False)
    #: The `time.monotonic()` instant by which reading this cluster must be over (a multi-cluster
    #: scan's `--cluster-timeout`); None: no limit beyond `timeout` per request. Each request's
    #: timeout and each wait before a retry are cut to what is left; once none is left the read
    #: stops with `ScanTimeout`, so one slow cluster cannot hold its worker for ever.
    deadline: float | None = None
    #: The limit `deadline` was set from, in seconds, for the message that names it.
    time_limit: float | None = None

    def remaining(self) -> float | None:
        """Seconds left before `deadline` (0 once it passed), or None without one."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def request_timeout(self) -> float:
        """One request's timeout: `timeout`, cut to what is left before the deadline (at least 10 ms)."""
        left = self.remaining()
        return self.timeout if left is None else max(0.01, min(self.timeout, left))


# --- configuration ----------------------------------------------------------------------------


@dataclass
class _Target:
    config: Any  # kubernetes.client.Configuration
    context: str
    server: str
    in_cluster: bool

    def hint(self) -> str:
        if self.in_cluster:
            return "check the pod's service account token and the auditor's ClusterRoleBinding"
        return (
            f"check the token, client certificate or exec plugin of that context "
            f"(try `kubectl --context {self.context} get --raw /version`)"
        )


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class ScanTimeout(ClusterError):
    """Reading the cluster took longer than its time limit (`LiveOptions.deadline`); exit 3."""


def _timed_out(options: LiveOptions, target: _Target | None = None) -> ScanTimeout:
    limit = f" ({options.time_limit:g} s, --cluster-timeout)" if options.time_limit is not None else ""
    where = f"the Kubernetes API server at {target.server} (context {target.context})" if target else "the cluster"
    return ScanTimeout(f"gave up reading {where}: its time limit{limit} passed before the reading was done")


def _check_deadline(options: LiveOptions, target: _Target | None = None) -> None:
    if options.deadline is not None and time.monotonic() >= options.deadline:
        raise _timed_out(options, target)


def kubeconfig_contexts(kubeconfig: Path | None) -> tuple[list[str], str]:
    """Every context of the kubeconfig `scan --all-contexts` reads (chosen as for one scan:
    --kubeconfig, $KUBECONFIG, ~/.kube/config), in the file's order, and how it was chosen."""
    from kubernetes import config

    source, label = _kubeconfig_source(LiveOptions(kubeconfig=kubeconfig))
    if source is None:
        raise InputError(
            "no kubeconfig found (no --kubeconfig, $KUBECONFIG unset, no ~/.kube/config): pass --kubeconfig PATH"
        )
    try:
        contexts, _current = config.list_kube_config_contexts(config_file=source)  # type: ignore[no-untyped-call]
    except Exception as exc:  # the loader raises ConfigException, yaml, Type/Key errors alike
        raise InputError(f"{label} is not a usable kubeconfig: {_one_line(exc)}") from None
    names = [str(c.get("name")) for c in contexts or [] if isinstance(c, dict) and c.get("name")]
    return list(dict.fromkeys(names)), label


def _kubeconfig_source(options: LiveOptions) -> tuple[str | None, str]:
    """(path or $KUBECONFIG list to load, how it was chosen); None when there is none."""
    if options.kubeconfig is not None:
        path = options.kubeconfig.expanduser()
        if not path.is_file():
            raise InputError(f"kubeconfig {options.kubeconfig} not found: pass an existing file to --kubeconfig")
        return str(path), f"--kubeconfig {options.kubeconfig}"
    env = os.environ.get("KUBECONFIG", "")
    if env.strip():
        paths = [p for p in env.split(os.pathsep) if p]
        if not any(Path(p).expanduser().is_file() for p in paths):
            raise InputError(f"$KUBECONFIG names no existing file ({env}): fix it or pass --kubeconfig PATH")
        return env, "$KUBECONFIG"
    default = Path("~/.kube/config").expanduser()
    if default.is_file():
        return str(default), "~/.kube/config"
    return None, ""


def _load_config(options: LiveOptions) -> _Target:
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    cfg = client.Configuration()
    in_cluster = options.in_cluster
    source, label = (None, "") if in_cluster else _kubeconfig_source(options)
    if in_cluster is None:
        in_cluster = source is None and bool(os.environ.get("KUBERNETES_SERVICE_HOST"))
    if in_cluster:
        try:
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
        except ConfigException as exc:
            raise InputError(
                f"--in-cluster: not inside a pod with a service account ({_one_line(exc)}); "
                "run in the cluster or give --kubeconfig"
            ) from None
        context = "in-cluster"
    else:
        if source is None:
            raise InputError(
                "no kubeconfig found (no --kubeconfig, $KUBECONFIG unset, no ~/.kube/config): "
                "pass --kubeconfig PATH, or run inside a pod with --in-cluster"
            )
        try:
            contexts, current = config.list_kube_config_contexts(config_file=source)  # type: ignore[no-untyped-call]
        except Exception as exc:  # the loader raises ConfigException, yaml, Type/Key errors alike
            raise InputError(f"{label} is not a usable kubeconfig: {_one_line(exc)}") from None
        names = [str(c.get("name")) for c in contexts or [] if isinstance(c, dict)]
        if options.context is not None and options.context not in names:
            raise InputError(
                f"no context {options.context!r} in {label}; "
                f"available: {', '.join(names) or 'none'} (pass one to --context)"
            )
        if options.context is None and not current:
            raise InputError(f"{label} has no current-context: pass --context NAME (available: {', '.join(names)})")
        context = options.context or str(current.get("name"))
        try:
            with _credential_plugin_errors() as plugin_errors:
                config.load_kube_config(  # type: ignore[no-untyped-call]
                    config_file=source, context=context, client_configuration=cfg, persist_config=False
                )
        except Exception as exc:
            raise InputError(f"context {context!r} in {label} is not usable: {_one_line(exc)}") from None
        if plugin_errors:
            user = next((c.get("context", {}).get("user") for c in contexts if c.get("name") == context), None)
            raise _plugin_failed(context, label, _exec_command(source, user), plugin_errors[-1])
    cfg.retries = 0  # retries are ours: urllib3's would hide 429 and multiply timeouts
    server = str(cfg.host or "")
    if not server:
        raise InputError(f"context {context!r} names no API server address")
    return _Target(cfg, context, server, in_cluster)


@contextmanager
def _credential_plugin_errors() -> Iterator[list[str]]:
    """What the client's kubeconfig loader says when a credential plugin (`users[].user.exec`)
    fails: it runs the plugin while loading and, on failure, only calls `logging.error` on the
    root logger and goes on without credentials. Python's first root-logger call prints a raw
    `ERROR:root:` line (its `basicConfig`); here the messages are collected instead, for one
    error line that names the plugin (`_plugin_failed`)."""
    messages: list[str] = []

    def collect(record: logging.LogRecord) -> bool:
        if record.name == "root" and record.module == "kube_config":
            messages.append(record.getMessage())
            return False  # not printed by any handler
        return True

    root = logging.getLogger()
    quiet = logging.NullHandler()  # a handler on the root logger: no `basicConfig` stderr handler
    root.addHandler(quiet)
    root.addFilter(collect)
    try:
        yield messages
    finally:
        root.removeFilter(collect)
        root.removeHandler(quiet)


def _exec_command(source: str, user: object) -> str | None:
    """The `exec.command` of kubeconfig user `user`; of several files ($KUBECONFIG), the first
    that names the user wins, as the client merges them."""
    import yaml

    for name in source.split(os.pathsep):
        try:
            document = yaml.safe_load(Path(name).expanduser().read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError):  # the loader read it already; this only adds a name
            continue
        users = document.get("users") if isinstance(document, dict) else None
        for entry in users if isinstance(users, list) else []:
            if isinstance(entry, dict) and entry.get("name") == user:
                plugin = (entry.get("user") or {}).get("exec") or {}
                command = plugin.get("command") if isinstance(plugin, dict) else None
                return str(command) if command else None
    return None


def _plugin_failed(context: str, label: str, command: str | None, message: str) -> ClusterError:
    """The kubeconfig's credential plugin could not give a credential: authentication cannot
    happen (exit 3, like credentials the cluster refuses), said with the plugin's name."""
    plugin = f"`{command}`" if command else "(exec)"
    problem = _one_line(message).removeprefix("exec: ")[:300]
    if "No such file or directory" in problem or "Errno 2" in problem:
        problem = "it is not installed, or not on PATH"
    return ClusterError(
        f"context {context!r} in {label} gets its credentials from the plugin {plugin}, which failed: {problem}; "
        f"run it by hand to see why (e.g. log in again), or fix users[].user.exec in the kubeconfig"
    )


def _anonymous_config(cfg: Any) -> Any:
    """The same server and CA, without any credential (token, client cert, exec plugin)."""
    from kubernetes import client

    anon = client.Configuration()
    for name in ("host", "ssl_ca_cert", "verify_ssl", "tls_server_name", "assert_hostname", "proxy", "no_proxy"):
        setattr(anon, name, getattr(cfg, name, None))
    anon.retries = 0
    return anon


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class _Response:
    status: int
    reason: str
    data: bytes
    headers: dict[str, str]

    def message(self) -> str:
        """The `message` of a Kubernetes Status body, or the HTTP reason."""
        body = self.json()
        if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
            return _one_line(body["message"])[:300]
        return self.reason or f"HTTP {self.status}"

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (an HTML page, nothing)."""
        try:
            return json.loads(self.data)
        except (ValueError, RecursionError):
            return None

    def content_type(self) -> str:
        """The media type of the body (`text/html`), for a person reading an error."""
        value = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        return _one_line(value.split(";", 1)[0]).lower()[:100] or "no Content-Type"

    def is_kubernetes(self, kind: str) -> bool:
        """Whether a Kubernetes API server could have sent this: on success a JSON object of the
        `kind` asked for (`version`: an object with gitVersion or major/minor; `APIVersions` for
        /api), and otherwise a JSON `Status`, which the API server sends with every error. A web
        server or a proxy's login page answers HTML (often with 200) to every path."""
        body = self.json()
        if not isinstance(body, dict):
            return False
        if self.status != 200:
            return body.get("kind") == "Status"
        if kind == "version":
            return any(isinstance(body.get(k), str) and body[k] for k in ("gitVersion", "major"))
        return body.get("kind") == kind


class _Unreachable(Exception):
    def __init__(self, detail: str, *, tls: bool = False, transient: bool = False) -> None:
        super().__init__(detail)
        self.detail, self.tls, self.transient = detail, tls, transient


def _connection_problem(exc: BaseException) -> _Unreachable:
    """Describe a urllib3 / client exception in a few words, and whether a retry may help."""
    import urllib3.exceptions as u3

    cause: BaseException = exc
    if isinstance(exc, u3.MaxRetryError) and exc.reason is not None:
        cause = exc.reason
    text = _one_line(cause)
    if isinstance(cause, u3.SSLError) or "SSL" in text or "CERTIFICATE" in text:
        text = re.sub(r"\s*\(_ssl\.c:\d+\)", "", text.split("SSLError(", 1)[-1]).strip("()'\" ")
        return _Unreachable(f"TLS verification failed: {text}", tls=True)
    if isinstance(cause, u3.NameResolutionError):
        return _Unreachable("cannot resolve the host name")
    if isinstance(cause, u3.ResponseError) and "redirect" in text:
        # urllib3 follows none (retries are ours): the API server never redirects, a login proxy does
        return _Unreachable("it answered with a redirect, which no Kubernetes API server sends (a login page?)")
    if isinstance(cause, u3.NewConnectionError):  # a subclass of ConnectTimeoutError: test it first
        match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
        return _Unreachable((match.group(1) if match else "connection failed").lower().strip(), transient=True)
    if isinstance(cause, u3.ConnectTimeoutError):
        return _Unreachable("connection timed out", transient=True)
    if isinstance(cause, u3.ReadTimeoutError | TimeoutError):
        return _Unreachable("the server did not answer in time", transient=True)
    if isinstance(cause, u3.ProtocolError | ConnectionError):
        inner = cause.args[-1] if isinstance(cause, u3.ProtocolError) and cause.args else cause
        if isinstance(inner, ConnectionResetError):
            return _Unreachable("the connection was reset", transient=True)
        if isinstance(inner, http.client.RemoteDisconnected | http.client.IncompleteRead):
            return _Unreachable("the server closed the connection before answering in full", transient=True)
        return _Unreachable(f"the connection broke ({type(inner).__name__})", transient=True)
    return _Unreachable(text or type(cause).__name__, transient=True)


class _Session:
    """One ApiClient for the scan: raw GETs with bounded retries."""

    def __init__(self, target: _Target, options: LiveOptions, *, anonymous: bool = False) -> None:
        from kubernetes.client import ApiClient

        self.target, self.options, self.anonymous = target, options, anonymous
        config = _anonymous_config(target.config) if anonymous else target.config
        self.api: Any = ApiClient(config)
        self.api.user_agent = f"k8saudit/{__version__}"

    def close(self) -> None:
        self.api.close()

    def get(
        self,
        path: str,
        query: list[tuple[str, Any]] | None = None,
        *,
        retries: int | None = None,
        connect_retries: int | None = None,
        accept: str = "application/json",
        method: str = "GET",
        body: dict[str, Any] | None = None,
    ) -> _Response:
        """GET `path` (or another idempotent request: a SubjectAccessReview POST stores nothing);
        retries 429/5xx and dropped connections. Raises _Unreachable."""
        from kubernetes.client.exceptions import ApiException

        budget = self.options.retries if retries is None else retries
        connect_budget = budget if connect_retries is None else connect_retries
        attempt = 0
        while True:
            _check_deadline(self.options, self.target)
            try:
                response = self._get_once(path, query, accept=accept, method=method, body=body)
            except Exception as exc:  # urllib3 errors (refused, reset, timed out); TLS as ApiException(0)
                if isinstance(exc, ApiException) and exc.status != 0:
                    raise
                if self.options.remaining() == 0.0:  # its timeout was cut to the limit, which has passed
                    raise _timed_out(self.options, self.target) from None
                problem = _connection_problem(exc)
                if not problem.transient or attempt >= min(budget, connect_budget):
                    raise problem from None
                delay = self._backoff(attempt)
            else:
                if response.status not in RETRY_STATUSES or attempt >= budget:
                    return response
                hinted = _retry_after(response) if response.status == 429 else None
                delay = self._backoff(attempt) if hinted is None else hinted
            delay = max(0.0, min(delay, self.options.max_delay))
            left = self.options.remaining()
            if left is not None and delay >= left:  # the wait would outlast the time limit
                raise _timed_out(self.options, self.target)
            log.debug("GET %s: retrying in %.2fs (attempt %d)", path, delay, attempt + 1)
            self.options.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        base: float = self.options.backoff * (2**attempt)
        return base * (0.75 + random.random() / 2)  # ±25% jitter

    def _get_once(
        self,
        path: str,
        query: list[tuple[str, Any]] | None,
        *,
        accept: str = "application/json",
        method: str = "GET",
        body: dict[str, Any] | None = None,
    ) -> _Response:
        headers_in = {"Accept": accept, "Accept-Encoding": "gzip"}
        if body is not None:
            headers_in["Content-Type"] = "application/json"
        verb, url, headers, payload, post = self.api.param_serialize(
            method=method,
            resource_path=path,
            query_params=query or None,
            header_params=headers_in,
            body=body,
            auth_settings=[] if self.anonymous else ["BearerToken"],
        )
        raw: Any = self.api.call_api(
            verb,
            url,
            header_params=headers,
            body=payload,
            post_params=post,
            _request_timeout=self.options.request_timeout(),
        )
        try:
            data = raw.read()
        finally:
            raw.response.release_conn()
        return _Response(int(raw.status), str(raw.reason or ""), bytes(data or b""), dict(raw.headers or {}))


def _retry_after(response: _Response) -> float | None:
    value = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare from an API server, use our own backoff


# --- lists --------------------------------------------------------------------------------------


def _list_model(item: type[K8sObject]) -> type[ObjectList[K8sObject]]:
    """A kind's list model. Not cached here: pydantic memoizes a parametrized generic itself, and
    rebuilding one it has let go of costs under a millisecond, once per list."""
    return ObjectList[item]  # type: ignore[valid-type]  # mypy does not subscript a generic with a variable


def _parse_page(model: type[ObjectList[K8sObject]], data: bytes, compactor: Compactor | None) -> ObjectList[K8sObject]:
    """One list page into slim models (owned objects compacted when the kind has a `Compactor`),
    with the cyclic GC paused meanwhile: worker threads parse concurrently, and `gcpause.paused`
    keeps it off until the last of them is done. benchmarks/run.py times this as the parse stage."""
    with gcpause.paused():
        if compactor is None:
            return model.model_validate_json(data)
        return compactor.parse(model, data)


class _Restart(Exception):
    """410 Gone: the continue token expired; list again from the start."""


@dataclass
class _Listed:
    kind: str
    items: list[K8sObject]
    availability: Availability


class _Collector:
    def __init__(self, target: _Target, options: LiveOptions) -> None:
        self.target, self.options = target, options
        self.session = _Session(target, options)
        #: Set by list_all: a kind's objects, waiting until its list is in (what compactors are built from).
        self._listed: Callable[[str], list[K8sObject]] | None = None
        #: Each kind's Compactor in this collection (None: not compacted), built when its first page arrives.
        self._compactors: dict[str, Compactor | None] = {}

    def unauthorized(self, what: str, response: _Response) -> ClusterError:
        return ClusterError(
            f"the cluster rejected our credentials for context {self.target.context} "
            f"({what}: 401 {response.message()}); {self.target.hint()}"
        )

    def not_kubernetes(self, what: str, response: _Response) -> ClusterError:
        """The server answered, but not as a Kubernetes API server does (a web server's welcome
        page, a proxy's login page): auditing its answers would audit nothing (exit 3)."""
        return ClusterError(
            f"not a Kubernetes API server: {self.target.server} answered {response.status} "
            f"{response.content_type()} to {what} (context {self.target.context}); "
            "check the server address in the kubeconfig"
        )

    def unreachable(self, problem: _Unreachable) -> ClusterError:
        if problem.tls:
            return ClusterError(
                f"cannot talk to the Kubernetes API server at {self.target.server} "
                f"(context {self.target.context}): {problem.detail}; check the certificate-authority "
                "of that cluster in the kubeconfig"
            )
        return ClusterError(
            f"cannot reach the Kubernetes API server at {self.target.server} "
            f"(context {self.target.context}): {problem.detail}; check that the cluster is running "
            "and the server address in the kubeconfig"
        )

    # --- version ----------------------------------------------------------------------------

    def version(self) -> ServerVersion | None:
        """The first request: fails fast (exit 3) when the server is unreachable or refuses us."""
        try:
            # A refused or unresolvable first connection is a wrong address, not a blip: no retries.
            response = self.session.get("/version", connect_retries=0)
        except _Unreachable as problem:
            raise self.unreachable(problem) from None
        if response.status == 401:
            raise self.unauthorized("GET /version", response)
        if not response.is_kubernetes("version") and response.status < 500:
            raise self.not_kubernetes("GET /version", response)
        if response.status != 200:
            log.warning("GET /version answered %s: %s", response.status, response.message())
            return None
        try:
            return ServerVersion.model_validate_json(response.data)
        except ValidationError:
            return None

    # --- one kind ---------------------------------------------------------------------------

    def list_kind(self, info: KindInfo) -> _Listed:
        started = time.perf_counter()
        for attempt in range(self.options.restarts + 1):
            try:
                listed = self._list_once(info)
            except _Restart:
                log.info("%s: continue token expired (410), listing again (%d)", info.resource, attempt + 1)
                continue
            log.debug("listed %s: %d objects in %.2fs", info.resource, len(listed.items), time.perf_counter() - started)
            if self.options.on_progress is not None:
                self.options.on_progress(info.resource, len(listed.items), listed.availability.status)
            return listed
        reason = (
            f"listing {info.resource} kept failing with 410 Gone (continue token expired) "
            f"{self.options.restarts + 1} times; retry, or raise --page-size"
        )
        return _Listed(info.kind, [], Availability(status="error", reason=reason))

    def _list_once(self, info: KindInfo) -> _Listed:
        items: list[K8sObject] = []
        token: str | None = None
        seen_tokens: set[str] = set()
        pages = 0
        model = _list_model(info.model)
        while True:
            query: list[tuple[str, Any]] = [("limit", self.options.page_size)]
            if token:
                query.append(("continue", token))
            try:
                response = self.session.get(info.list_path, query)
            except _Unreachable as problem:
                if not problem.transient:
                    raise self.unreachable(problem) from None
                return self._failed(info, f"reading {info.resource} failed: {problem.detail}")
            if response.status != 200:
                return self._refused(info, response, continued=token is not None)
            try:
                page = _parse_page(model, response.data, self._compactor(info))
            except ValidationError as exc:
                return self._failed(info, f"the {info.resource} list could not be read: {_first_error(exc)}")
            # A 200 that is not a list (`{}` from a proxy, a Status) would read as "no objects": a pass.
            if page.kind and not page.kind.endswith("List"):
                return self._failed(info, f"the {info.resource} answer is a {page.kind}, not a list")
            if "items" not in page.model_fields_set:
                return self._failed(info, f"the {info.resource} answer has no items: not a list")
            for obj in page.items:
                obj.set_kind(info.kind, info.api_version)
                if not info.namespaced:
                    obj.metadata.namespace = None
            items.extend(page.items)
            token = page.metadata.continue_
            if self.options.on_page is not None:
                self.options.on_page(info.resource, pages, token or "")
            if self.options.on_progress is not None and token:
                self.options.on_progress(info.resource, len(items), None)
            pages += 1
            if not token:
                return _Listed(info.kind, items, Availability(status="ok", count=len(items)))
            if token in seen_tokens:
                return self._failed(info, f"the server repeated a continue token while listing {info.resource}")
            seen_tokens.add(token)

    def _refused(self, info: KindInfo, response: _Response, *, continued: bool) -> _Listed:
        status, message = response.status, response.message()
        if status == 401:
            raise self.unauthorized(f"list {info.resource}", response)
        if status == 410 and continued:
            raise _Restart()
        if status == 403:
            reason = (
                f"forbidden: the API server refused to list {info.resource} "
                f"({info.api_version}) to this identity (403: {message}); grant list on it to the auditor"
            )
            return _Listed(info.kind, [], Availability(status="forbidden", reason=reason))
        if status == 404:
            reason = f"the cluster does not serve {info.api_version} {info.resource} (404)"
            return _Listed(info.kind, [], Availability(status="not-served", reason=reason))
        return self._failed(info, f"listing {info.resource} failed: HTTP {status} {message}")

    @staticmethod
    def _failed(info: KindInfo, reason: str) -> _Listed:
        log.warning("%s", reason)
        return _Listed(info.kind, [], Availability(status="error", reason=reason))

    # --- all kinds --------------------------------------------------------------------------

    def _compactor(self, info: KindInfo) -> Compactor | None:
        """The kind's Compactor (`k8saudit.sources.outline`); None outside list_all or for a kind not compacted."""
        if self._listed is None:
            return None
        if info.kind not in self._compactors:
            self._compactors[info.kind] = compactor_for(info, self._listed)
        return self._compactors[info.kind]

    def list_all(self) -> list[_Listed]:
        """Every kind. Top controllers first, then ReplicaSets and Jobs, then pods, then the rest.

        A ReplicaSet or Job waits for the top controllers and a pod for every controller before
        its pages are parsed, so what they own is known and they can be compacted (`WAITS_FOR` in
        `k8saudit.sources.outline`); `drop_owned_templates` then covers owners listed later (a
        ReplicaSet of a ReplicaSet).
        """
        kinds = [k for k in KINDS if k.kind not in NEVER_LISTED]
        self._compactors = {}
        stage = {kind: 0 for kind in TOP_KINDS} | {"ReplicaSet": 1, "Job": 1, "Pod": 2}
        order = sorted(kinds, key=lambda k: stage.get(k.kind, 3))
        workers = max(1, min(self.options.workers, len(kinds)))
        if workers == 1:
            done: dict[str, _Listed] = {}
            self._listed = lambda kind: done[kind].items if kind in done else []
            for k in order:
                done[k.kind] = self.list_kind(k)
            return [done[k.kind] for k in kinds]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="k8saudit-list") as pool:
            futures: dict[str, Future[_Listed]] = {}
            # What a kind waits for was submitted before it, so it is running or done: no deadlock.
            self._listed = lambda kind: futures[kind].result().items if kind in futures else []
            for k in order:  # each in a copy of this context: its log fields (the cluster) go along
                futures[k.kind] = pool.submit(contextvars.copy_context().run, self.list_kind, k)
            try:
                return [futures[k.kind].result() for k in kinds]
            except BaseException:
                for f in futures.values():
                    f.cancel()
                raise

    # --- kubelet ----------------------------------------------------------------------------

    def kubelet(self, nodes: list[str]) -> dict[str, KubeletConfig]:
        def one(node: str) -> tuple[str, KubeletConfig]:
            path = f"/api/v1/nodes/{quote(node, safe='')}/proxy/configz"
            try:
                response = self.session.get(path, retries=min(1, self.options.retries))
            except _Unreachable as problem:
                return node, KubeletConfig(reason=f"GET nodes/{node}/proxy/configz failed: {problem.detail}")
            if response.status != 200:
                # Not fatal, even 401: through the proxy it is the kubelet refusing the API server.
                hint = " (needs get nodes/proxy)" if response.status == 403 else ""
                reason = f"GET nodes/{node}/proxy/configz: {response.status} {response.message()}{hint}"
                return node, KubeletConfig(reason=reason)
            try:
                body = json.loads(response.data)
            except ValueError:
                body = None
            config = body.get("kubeletconfig") if isinstance(body, dict) else None
            if not isinstance(config, dict):
                return node, KubeletConfig(reason=f"nodes/{node}/proxy/configz returned no kubeletconfig")
            return node, KubeletConfig(config={k: v for k, v in config.items() if k not in KUBELET_SECRET_FIELDS})

        workers = max(1, min(self.options.workers, len(nodes) or 1))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="k8saudit-kubelet") as pool:
            return dict(pool.map(lambda node: contextvars.copy_context().run(one, node), nodes))

    # --- the authorizer probe -----------------------------------------------------------------

    def authorizer_probe(self) -> AuthorizerProbe:
        """Ask whether a made-up user (no groups) may list Secrets in every namespace."""
        user = f"nobody-{uuid.uuid4().hex[:12]}@k8saudit.invalid"
        review = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {"user": user, "resourceAttributes": {"verb": "list", "version": "v1", "resource": "secrets"}},
        }
        probe = AuthorizerProbe(user=user)
        try:
            response = self.session.get(SAR_PATH, method="POST", body=review, retries=min(1, self.options.retries))
        except _Unreachable as problem:
            probe.error = f"POST subjectaccessreviews failed: {problem.detail}"
            return probe
        probe.httpStatus = response.status
        if response.status == 401:
            raise self.unauthorized("create subjectaccessreviews", response)
        if response.status not in (200, 201):
            hint = "needs create subjectaccessreviews" if response.status == 403 else response.message()
            probe.error = f"{response.status}: {hint}"
            return probe
        try:
            status = json.loads(response.data).get("status") or {}
        except (ValueError, AttributeError):
            status = None
        if not isinstance(status, dict):
            probe.error = "the SubjectAccessReview answer has no status"
            return probe
        allowed, denied = status.get("allowed"), status.get("denied", False)
        if not isinstance(allowed, bool) or not isinstance(denied, bool):
            # `allowed` is always sent (a bool, false included): anything else is not an answer.
            probe.error = "the SubjectAccessReview answer's status.allowed is not true or false"
            return probe
        probe.allowed, probe.denied = allowed, denied
        probe.reason = _one_line(_text(status.get("reason")))[:300] or None
        probe.evaluationError = _one_line(_text(status.get("evaluationError")))[:300] or None
        return probe

    # --- Secret metadata (opt-in) -----------------------------------------------------------------

    def secret_metadata(self) -> SecretMetadata:
        """Legacy service-account token Secrets, listed as metadata only: their data never arrives.

        The server is asked for `PartialObjectMetadataList`; an answer of any other kind (which
        would carry Secret data) is refused and discarded unread.
        """
        tokens: list[TokenSecret] = []
        token: str | None = None
        seen: set[str] = set()
        while True:
            query: list[tuple[str, Any]] = [
                ("fieldSelector", f"type={LEGACY_TOKEN_TYPE}"),
                ("limit", self.options.page_size),
            ]
            if token:
                query.append(("continue", token))
            try:
                response = self.session.get(SECRETS_PATH, query, accept=METADATA_ONLY)
            except _Unreachable as problem:
                return SecretMetadata(status="error", reason=f"listing Secret metadata failed: {problem.detail}")
            if response.status == 401:
                raise self.unauthorized("list secrets (metadata)", response)
            if response.status == 403:
                return SecretMetadata(
                    status="forbidden",
                    reason=f"forbidden: --secret-metadata needs list secrets (403: {response.message()})",
                )
            if response.status != 200:
                return SecretMetadata(
                    status="error",
                    reason=f"listing Secret metadata failed: HTTP {response.status} {response.message()}",
                )
            page = _metadata_page(response.data)
            del response  # a refused body is dropped here, unread beyond its kind
            if page is None:
                return SecretMetadata(
                    status="error",
                    reason="the API server did not answer with metadata only (PartialObjectMetadataList); "
                    "Secret data was refused",
                )
            if isinstance(page, str):
                return SecretMetadata(status="error", reason=f"the Secret metadata list could not be read: {page}")
            items, token = page
            tokens.extend(items)
            if not token:
                return SecretMetadata(status="ok", tokenSecrets=tokens)
            if token in seen:
                return SecretMetadata(status="error", reason="the server repeated a continue token listing Secrets")
            seen.add(token)


SAR_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
SECRETS_PATH = "/api/v1/secrets"
LEGACY_TOKEN_TYPE = "kubernetes.io/service-account-token"
SA_NAME_ANNOTATION = "kubernetes.io/service-account.name"
LAST_USED_LABEL = "kubernetes.io/legacy-token-last-used"
INVALID_SINCE_LABEL = "kubernetes.io/legacy-token-invalid-since"
#: Ask for metadata only: the API server then never sends a Secret's data.
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


def _text(value: Any) -> str:
    """A string field of an answer: a string, or empty (a number or a map is not a reason)."""
    return value if isinstance(value, str) else ""


def _metadata_page(data: bytes) -> tuple[list[TokenSecret], str | None] | str | None:
    """Token Secrets of one PartialObjectMetadataList page; None when the body is anything else
    (which may carry Secret data: refused), and what is wrong when it has the kind but not the shape."""
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("kind") != "PartialObjectMetadataList":
        return None
    items, list_meta = body.get("items") or [], body.get("metadata") or {}
    if not isinstance(items, list) or not isinstance(list_meta, dict):
        return "items is not a list" if not isinstance(items, list) else "metadata is not an object"
    continue_token = list_meta.get("continue") or None
    if continue_token is not None and not isinstance(continue_token, str):
        return "metadata.continue is not a string"
    tokens: list[TokenSecret] = []
    for i, item in enumerate(items):
        meta = item.get("metadata") if isinstance(item, dict) else None
        if not isinstance(meta, dict):
            continue
        annotations = meta.get("annotations") or {}
        labels = meta.get("labels") or {}
        account = annotations.get(SA_NAME_ANNOTATION) if isinstance(annotations, dict) else None
        if not account:  # the type field selector did the filtering; this guards a server that ignored it
            continue
        try:
            tokens.append(
                TokenSecret(
                    namespace=meta.get("namespace") or "",
                    name=meta.get("name") or "",
                    serviceAccount=account,
                    created=meta.get("creationTimestamp"),
                    lastUsed=labels.get(LAST_USED_LABEL) if isinstance(labels, dict) else None,
                    invalidSince=labels.get(INVALID_SINCE_LABEL) if isinstance(labels, dict) else None,
                )
            )
        except ValidationError as exc:
            return f"items[{i}]: {_first_error(exc)}"
    return tokens, continue_token


# --- the API endpoint ----------------------------------------------------------------------------


def endpoint_facts(target: _Target, timeout: float) -> ApiEndpoint:
    """Resolve the server's host and read its serving certificate with one TLS handshake.

    The certificate is verified against the CA the kubeconfig trusts (or, when the kubeconfig
    disables verification, the system trust store, to say whether it would pass). Nothing is
    sent over the connection. Errors are recorded, never fatal.
    """
    import socket
    import ssl

    cfg = target.config
    parsed = urlsplit(target.server)
    host = parsed.hostname or ""
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    facts = ApiEndpoint(server=target.server, host=host, port=port, inCluster=target.in_cluster)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        facts.addresses = sorted({str(info[4][0]) for info in infos})
    except (OSError, UnicodeError) as exc:
        facts.resolveError = _one_line(exc)
    if parsed.scheme != "https":
        facts.tlsError = "the server URL is not https"
        return facts
    if getattr(cfg, "proxy", None):
        facts.tlsError = "the kubeconfig reaches the server through a proxy; its certificate was not read directly"
        return facts
    facts.tlsVerifyDisabled = not bool(getattr(cfg, "verify_ssl", True))
    server_name = getattr(cfg, "tls_server_name", None) or host
    ca = getattr(cfg, "ssl_ca_cert", None)

    def handshake(context: ssl.SSLContext) -> bytes:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            return tls.getpeercert(binary_form=True) or b""

    verifying = ssl.create_default_context(cafile=ca) if ca and not facts.tlsVerifyDisabled else None
    if verifying is None:
        verifying = ssl.create_default_context()
        facts.verifiedAgainst = (
            "the system trust store (the kubeconfig skips verification)"
            if (facts.tlsVerifyDisabled)
            else "the system trust store"
        )
    else:
        facts.verifiedAgainst = "the kubeconfig's certificate-authority"
    der = b""
    try:
        der = handshake(verifying)
        facts.verified = True
    except ssl.SSLCertVerificationError as exc:
        facts.verified = False
        facts.verifyError = _one_line(exc.verify_message or exc)
    except (OSError, ssl.SSLError) as exc:
        facts.tlsError = _one_line(exc)
        return facts
    if not der:
        unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        try:
            der = handshake(unverified)
        except (OSError, ssl.SSLError) as exc:
            facts.tlsError = _one_line(exc)
            return facts
    not_after = der_not_after(der)
    facts.certNotAfter = not_after.isoformat() if not_after else None
    if not_after is None:
        facts.tlsError = "the server certificate's validity could not be read"
    return facts


def der_not_after(der: bytes) -> dt.datetime | None:
    """`notAfter` of a DER X.509 certificate (a minimal DER walk: no crypto library needed)."""

    def header(at: int) -> tuple[int, int, int]:
        """(tag, content start, content length) of the element at `at`."""
        tag, first = der[at], der[at + 1]
        if first < 0x80:
            return tag, at + 2, first
        count = first & 0x7F
        return tag, at + 2 + count, int.from_bytes(der[at + 2 : at + 2 + count], "big")

    try:
        _, cert_start, _ = header(0)  # Certificate SEQUENCE
        _, tbs_start, _ = header(cert_start)  # tbsCertificate SEQUENCE
        at = tbs_start
        tag, start, length = header(at)
        if tag == 0xA0:  # [0] version
            at = start + length
        for _ in range(3):  # serialNumber, signature, issuer
            _, start, length = header(at)
            at = start + length
        tag, start, _ = header(at)  # validity SEQUENCE
        if tag != 0x30:
            return None
        _, nb_start, nb_length = header(start)  # notBefore
        tag, na_start, na_length = header(nb_start + nb_length)  # notAfter
        text = der[na_start : na_start + na_length].decode("ascii")
        if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ
            parsed = dt.datetime.strptime(text, "%y%m%d%H%M%SZ")
        elif tag == 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
            parsed = dt.datetime.strptime(text, "%Y%m%d%H%M%SZ")
        else:
            return None
        return parsed.replace(tzinfo=dt.UTC)
    except (IndexError, ValueError, UnicodeDecodeError):
        return None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def anonymous_probe(target: _Target, options: LiveOptions) -> AnonymousProbe:
    """Unauthenticated GET /version and /api (CA still verified); errors are recorded, never fatal.

    Only a Kubernetes answer counts (`_Response.is_kubernetes`): a proxy in front of the API
    server that answers requests without credentials with its login page (200, HTML) has not
    served them as system:anonymous, and counting its 200 would be a false critical finding.
    Such an answer is recorded as the probe's error, so the check is not-assessable with it.
    """
    session = _Session(target, options, anonymous=True)
    probe = AnonymousProbe()
    try:
        for path, attr, kind in (("/version", "versionStatus", "version"), ("/api", "apiStatus", "APIVersions")):
            try:
                response = session.get(path, retries=0)
            except _Unreachable as problem:
                probe.error = f"GET {path} without credentials: {problem.detail}"
                continue
            if response.is_kubernetes(kind):
                setattr(probe, attr, response.status)
            else:
                probe.error = (
                    f"GET {path} without credentials was answered {response.status} {response.content_type()}, "
                    "not as a Kubernetes API server answers (a proxy in front of it?)"
                )
    finally:
        session.close()
    return probe


def collect_live(options: LiveOptions) -> Inventory:
    """Read the cluster: every kind in the kinds table, plus the cluster facts."""
    target = _load_config(options)
    collector = _Collector(target, options)
    started = time.perf_counter()
    try:
        version = collector.version()
        listed = collector.list_all()
        objects = [obj for entry in listed for obj in entry.items]
        drop_owned_templates(objects)
        kinds = {entry.kind: entry.availability for entry in listed}
        nodes = [obj for obj in objects if isinstance(obj, Node)]
        kubelet: dict[str, KubeletConfig] = {}
        if options.kubelet_config:
            kubelet = collector.kubelet([n.name for n in nodes])
        probe = anonymous_probe(target, options)
        authorizer = collector.authorizer_probe()
        discovery = discover(lambda path, accept: collector.session.get(path, accept=accept))
        secret_metadata = collector.secret_metadata() if options.secret_metadata else None
    finally:
        collector.session.close()
    _check_deadline(options, target)
    endpoint = endpoint_facts(target, options.request_timeout())
    git_version = version.gitVersion if version else ""
    platform = detect_platform(
        git_version,
        [n.metadata.labels for n in nodes],
        [n.spec.providerID for n in nodes if n.spec.providerID],
    )
    facts = ClusterFactsSpec(
        source="live",
        context=target.context,
        server=target.server,
        collectedAt=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        tool=f"k8saudit {__version__}",
        version=version,
        platform=platform,
        kinds=kinds,
        anonymousProbe=probe,
        kubelet=kubelet,
        kubeletCollected=options.kubelet_config,
        namespaces=sorted(obj.name for obj in objects if isinstance(obj, Namespace)),
        authorizerProbe=authorizer,
        secretMetadata=secret_metadata,
        apiEndpoint=endpoint,
        apiDiscovery=discovery,
    )
    log.info("collected %d objects in %.2fs", len(objects), time.perf_counter() - started)
    return Inventory(objects, facts)
