"""A fake Kubernetes API server for integration tests, built on kmock 0.8.

`kmock.KubernetesEmulator` stores objects in memory and serves discovery, GET, create, patch,
delete and watch over real HTTP (aiohttp). What it lacks for an auditor's tests is added here
by `FakeKubeAPI`, a subclass that answers some requests itself before kmock sees them:

- bearer-token authentication (401 for a wrong token) and anonymous access rules
  (401 when anonymous auth is off; 403 except for public paths when it is on);
- LIST of every built-in resource with real paging: `limit`, opaque `continue` tokens,
  `remainingItemCount`, items without `kind`/`apiVersion` as a real API server sends them,
  `GET /api/v1/namespaces` (a 500 in kmock) and empty lists of declared resources;
- per-request fault injection (`fail`): any status (403, 404, 410 on a continue token, 429
  with Retry-After, 500, 503) for a path, once or N times or always; an answer `delay`ed past
  the client's timeout, a raw `body` (truncated JSON, an HTML page, a list of the wrong shape)
  or a `reset` connection (RST, no answer at all); `unserve(group)` drops a whole API group so
  it answers 404 like a cluster that does not serve it;
- `GET /version` with a configurable answer, `GET /api` with the `serverAddressByClientCIDRs`
  the typed client requires, trailing-slash paths (`/version/`, `/api/`, `/apis/`) normalised,
  and `GET /api/v1/nodes/{node}/proxy/configz`;
- `POST .../subjectaccessreviews` answered by `authorize` (default: deny), as an authorizer would;
- lists as metadata only when asked with `Accept: ...;as=PartialObjectMetadataList;...` (the
  items keep only `metadata`, as a real API server answers), and `fieldSelector` on simple
  top-level fields (`type=...` for Secrets);
- a request log (`seen`) to assert what the client asked for (pages, retries, no Secrets).

`FakeCluster` serves it from its own thread and event loop (a synchronous client must never
call a server on the server's own loop), over TLS on 127.0.0.1 with a throwaway CA, and writes
a kubeconfig that points at it.

kmock internals touched (hence `kmock==0.8.*` in pyproject.toml; test_fakeapi.py guards them):
`RawHandler.__call__` is overridden (and calls the original for everything not answered here:
discovery, single-object GET, writes, watch); `KubernetesEmulator.objects` (keys
`(resource, namespace, name)`, values with `.raw` and `.deleted`) is the object store and
`KubernetesEmulator.resources` filled from `ResourcesArray.load_bundled()` the served-resource
table; `kmock.Server`'s private `_server_cls` field (init argument `server_cls`) is given an
aiohttp `RawTestServer` subclass to serve TLS.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import functools
import ipaddress
import json
import re
import socket
import struct
import threading
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp.test_utils
import aiohttp.web
import attrs
import kmock
import yaml

DEFAULT_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.4",
    "gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b",
    "gitTreeState": "clean",
    "buildDate": "2024-12-10T18:32:58Z",
    "goVersion": "go1.22.9",
    "compiler": "gc",
    "platform": "linux/amd64",
}

#: What a kubeadm kubelet answers on configz (zero values omitted, as the real one does).
DEFAULT_KUBELET = {
    "enableServer": True,
    "staticPodPath": "/etc/kubernetes/manifests",
    "authentication": {
        "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"},
        "webhook": {"enabled": True, "cacheTTL": "2m0s"},
        "anonymous": {"enabled": False},
    },
    "authorization": {"mode": "Webhook", "webhook": {"cacheAuthorizedTTL": "5m0s"}},
    "rotateCertificates": True,
    "streamingConnectionIdleTimeout": "4h0m0s",
    "podPidsLimit": -1,
    "eventRecordQPS": 50,
    "makeIPTablesUtilChains": True,
}

SAR_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"

PUBLIC_PATHS = frozenset({"/version", "/healthz", "/livez", "/readyz"})

_LIST_PATH = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
    r"(?:/namespaces/(?P<namespace>[^/]+))?/(?P<plural>[^/]+)$"
)
_CONFIGZ_PATH = re.compile(r"^/api/v1/nodes/(?P<node>[^/]+)/proxy/configz$")


@dataclass
class Seen:
    """One request as the fake server saw it."""

    method: str
    path: str
    params: dict[str, str]
    identity: str  # "user", "anonymous" or "invalid"
    status: int


@dataclass
class Fault:
    """Answer `status` instead of serving, for requests to `path` (a string or a regex)."""

    path: str | re.Pattern[str]
    status: int
    times: int | None = 1  # None: every time
    headers: dict[str, str] = field(default_factory=dict)
    continue_only: bool = False  # only requests that carry a continue token
    message: str = ""
    method: str = "GET"
    hits: int = 0
    body: bytes | None = None  # sent as is (with `status`) instead of a Status object
    delay: float = 0.0  # seconds to wait before answering (or resetting)
    reset: bool = False  # reset the connection (TCP RST) instead of answering

    def matches(self, method: str, path: str, params: dict[str, str]) -> bool:
        if method != self.method or (self.times is not None and self.hits >= self.times):
            return False
        if self.continue_only and not params.get("continue"):
            return False
        if isinstance(self.path, re.Pattern):
            return bool(self.path.fullmatch(path))
        return path == self.path


_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


def status_response(code: int, message: str = "", headers: dict[str, str] | None = None) -> aiohttp.web.Response:
    """A Kubernetes `Status` body, as the API server sends with every error."""
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message or _REASONS.get(code, "error").lower(),
        "reason": _REASONS.get(code, "Unknown"),
        "code": code,
    }
    return aiohttp.web.json_response(body, status=code, headers=headers)


@functools.cache
def _bundled_resources() -> dict[kmock.resource, kmock.ResourceInfo]:
    """kmock's bundled table of built-in resources (a k3s cluster's), loaded once."""
    table = kmock.ResourcesArray()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # kmock 0.8 uses importlib.resources.read_binary
        table.load_bundled()
    return {res: table[res] for res in table}


@attrs.define(kw_only=True)
class FakeKubeAPI(kmock.KubernetesEmulator):
    """kmock's emulator plus authentication, paging, faults, /version and configz."""

    token: str = "fake-token"
    anonymous_auth: bool = True
    anonymous_paths: frozenset[str] = PUBLIC_PATHS
    version_info: dict[str, Any] = attrs.field(factory=lambda: dict(DEFAULT_VERSION))
    kubelet: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    faults: list[Fault] = attrs.field(factory=list)
    seen: list[Seen] = attrs.field(factory=list)
    #: Decides SubjectAccessReviews: the review's spec in, `status` out (default: no rule allows it).
    authorize: Any = attrs.field(default=lambda spec: {"allowed": False})
    #: Bodies of the SubjectAccessReviews received.
    reviews: list[dict[str, Any]] = attrs.field(factory=list)
    #: Honour `as=PartialObjectMetadataList` (False: answer full objects, as a broken proxy might).
    metadata_lists: bool = True
    resource_version: int = 1000

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        for res, info in _bundled_resources().items():  # every built-in is served, even with no objects
            self.resources[res] = info

    # --- test controls --------------------------------------------------------------------

    def fail(
        self,
        path: str | re.Pattern[str],
        status: int,
        *,
        times: int | None = 1,
        headers: dict[str, str] | None = None,
        continue_only: bool = False,
        message: str = "",
        method: str = "GET",
        body: bytes | None = None,
        delay: float = 0.0,
        reset: bool = False,
    ) -> Fault:
        fault = Fault(
            path,
            status,
            times,
            dict(headers or {}),
            continue_only,
            message,
            method,
            body=body,
            delay=delay,
            reset=reset,
        )
        self.faults.append(fault)
        return fault

    def forbid(self, list_path: str, *, user: str = "auditor") -> Fault:
        """403 on every request to a list path, with the API server's wording."""
        match = _LIST_PATH.match(list_path)
        assert match, list_path
        group = match["group"] or ""
        message = (
            f'{match["plural"]}{"." + group if group else ""} is forbidden: User "{user}" cannot list resource '
            f'"{match["plural"]}" in API group "{group}" at the cluster scope'
        )
        return self.fail(list_path, 403, times=None, message=message)

    def unserve(self, group: str) -> None:
        """Stop serving a whole API group (its lists answer 404, discovery omits it)."""
        for res in [r for r in self.resources if r.group == group]:
            del self.resources[res]

    def add(self, *objs: dict[str, Any]) -> None:
        """Store objects (dicts with apiVersion and kind) as if they had been created."""
        for obj in objs:
            res, info = self._resource_of(obj)
            meta = obj.setdefault("metadata", {})
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("creationTimestamp", "2025-01-06T09:00:00Z")
            self.resource_version += 1
            meta.setdefault("resourceVersion", str(self.resource_version))
            namespace = meta.get("namespace") if info.namespaced else None
            if info.namespaced and not namespace:
                namespace = meta["namespace"] = "default"
            self.objects[res, namespace, meta["name"]] = obj

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def _resource_of(self, obj: dict[str, Any]) -> tuple[kmock.resource, kmock.ResourceInfo]:
        api_version, kind = obj["apiVersion"], obj["kind"]
        group, _, version = api_version.rpartition("/")
        for res in self.resources:
            info = self.resources[res]
            if res.group == group and res.version == version and info.kind == kind:
                return res, info
        raise KeyError(f"the fake API server does not serve {api_version} {kind}")

    # --- serving --------------------------------------------------------------------------

    async def __call__(self, raw_request: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        await raw_request.read()
        method, path = raw_request.method, raw_request.path
        if method == "GET" and len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")  # the Python client asks for /version/, /api/, /apis/
            raw_request = raw_request.clone(rel_url=raw_request.rel_url.with_path(path))
        params = dict(raw_request.query)
        identity = self._identify(raw_request.headers.get("Authorization"))
        response = self._gate(identity, method, path, params)
        if isinstance(response, Fault):
            return await self._misbehave(response, raw_request, Seen(method, path, params, identity, response.status))
        if response is None and method == "POST" and path == SAR_PATH:
            response = self._review(await raw_request.read())
        if response is None:
            response = self._serve(method, path, params, raw_request.headers.get("Accept", ""))
        if response is None:
            response = await super().__call__(raw_request)
        self.seen.append(Seen(method, path, params, identity, response.status))
        return response

    def _identify(self, authorization: str | None) -> str:
        if authorization is None:
            return "anonymous"
        return "user" if authorization == f"Bearer {self.token}" else "invalid"

    async def _misbehave(
        self, fault: Fault, raw_request: aiohttp.web.BaseRequest, seen: Seen
    ) -> aiohttp.web.StreamResponse:
        """A fault with a delay, a raw body or a reset: what a sick server or proxy does."""
        self.seen.append(seen)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.reset:
            seen.status = 0
            transport = raw_request.transport
            sock = transport.get_extra_info("socket") if transport is not None else None
            if sock is not None:  # SO_LINGER 0: close() sends RST instead of FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            if transport is not None:
                transport.abort()
            raise aiohttp.web.HTTPException()  # nothing is sent on an aborted transport
        if fault.body is not None:
            return aiohttp.web.Response(body=fault.body, status=fault.status, content_type="application/json")
        return status_response(fault.status, fault.message, fault.headers)

    def _gate(
        self, identity: str, method: str, path: str, params: dict[str, str]
    ) -> aiohttp.web.Response | Fault | None:
        if identity == "invalid":
            return status_response(401, "Unauthorized")
        if identity == "anonymous":
            if not self.anonymous_auth:
                return status_response(401, "Unauthorized")
            if path not in self.anonymous_paths:
                verb = "list" if _LIST_PATH.match(path) else "get"
                return status_response(403, f'forbidden: User "system:anonymous" cannot {verb} path "{path}"')
        for fault in self.faults:
            if fault.matches(method, path, params):
                fault.hits += 1
                if fault.delay or fault.reset or fault.body is not None:
                    return fault
                return status_response(fault.status, fault.message, fault.headers)
        return None

    def _review(self, body: bytes) -> aiohttp.web.Response:
        """Answer a SubjectAccessReview with `authorize`, echoing the request as the API server does."""
        try:
            review = json.loads(body)
            spec = review["spec"]
        except (ValueError, KeyError, TypeError):
            return status_response(400, "invalid SubjectAccessReview")
        self.reviews.append(review)
        return aiohttp.web.json_response({**review, "status": self.authorize(spec)}, status=201)

    def _serve(self, method: str, path: str, params: dict[str, str], accept: str = "") -> aiohttp.web.Response | None:
        if method != "GET":
            return None
        if path == "/version":
            return aiohttp.web.json_response(self.version_info)
        if path == "/api":  # kmock's lacks serverAddressByClientCIDRs, which the typed client requires
            return aiohttp.web.json_response(
                {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "172.18.0.2:6443"}],
                }
            )
        if match := _CONFIGZ_PATH.match(path):
            return self._serve_configz(match["node"])
        if params.get("watch") in ("true", "1"):
            return None
        if match := _LIST_PATH.match(path):
            group, version = match["group"] or "", match["version"] or "v1"
            return self._serve_list(group, version, match["plural"], match["namespace"], params, accept)
        return None

    def _serve_configz(self, node: str) -> aiohttp.web.Response:
        nodes = kmock.resource("", "v1", "nodes")
        if (nodes, None, node) not in set(self.objects.keys()):
            return status_response(404, f'nodes "{node}" not found')
        return aiohttp.web.json_response({"kubeletconfig": self.kubelet.get(node, DEFAULT_KUBELET)})

    def _serve_list(
        self,
        group: str,
        version: str,
        plural: str,
        namespace: str | None,
        params: dict[str, str],
        accept: str = "",
    ) -> aiohttp.web.Response:
        res = kmock.resource(group, version, plural)
        if res not in self.resources:
            return status_response(404, "the server could not find the requested resource")
        info = self.resources[res]
        keyed = [
            ((ns or "", name), obj.raw)
            for (r, ns, name), obj in self.objects.items()
            if r == res and not obj.deleted and (namespace is None or ns == namespace)
        ]
        items = [raw for _, raw in sorted(keyed, key=lambda pair: pair[0])]
        if params.get("fieldSelector"):
            items = [item for item in items if _field_selected(item, params["fieldSelector"])]
        api_version = f"{group}/{version}" if group else version
        kind = info.kind or plural.capitalize()
        if "as=PartialObjectMetadataList" in accept and self.metadata_lists:
            items = [{"metadata": item.get("metadata", {})} for item in items]
            return _page(items, "PartialObjectMetadata", "meta.k8s.io/v1", params, self.resource_version)
        return _page(items, kind, api_version, params, self.resource_version)


def _field_selected(item: dict[str, Any], selector: str) -> bool:
    """`type=kubernetes.io/service-account-token,metadata.name=x` on top-level and metadata fields."""
    for term in selector.split(","):
        field_path, _, wanted = term.partition("=")
        value: Any = item
        for part in field_path.strip().split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if str(value if value is not None else "") != wanted.strip():
            return False
    return True


def _page(
    items: list[dict[str, Any]], kind: str, api_version: str, params: dict[str, str], resource_version: int
) -> aiohttp.web.Response:
    """One page of a list, honouring the request's `limit` and `continue`."""
    try:
        limit = int(params.get("limit") or 0)
        start = _decode_continue(params["continue"]) if params.get("continue") else 0
    except (ValueError, KeyError):
        return status_response(400, "invalid continue token or limit")
    end = start + limit if limit > 0 else len(items)
    metadata: dict[str, Any] = {"resourceVersion": str(resource_version)}
    if end < len(items):
        metadata["continue"] = _encode_continue(end, resource_version)
        metadata["remainingItemCount"] = len(items) - end
    body = {
        "kind": f"{kind}List",
        "apiVersion": api_version,
        "metadata": metadata,
        # list items carry no kind/apiVersion, as from a real API server
        "items": [{k: v for k, v in item.items() if k not in ("kind", "apiVersion")} for item in items[start:end]],
    }
    return aiohttp.web.Response(body=json.dumps(body).encode(), content_type="application/json")


def _encode_continue(start: int, resource_version: int) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": resource_version, "start": start}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_continue(token: str) -> int:
    data = json.loads(base64.urlsafe_b64decode(token.encode()))
    start = data["start"]
    if not isinstance(start, int) or start < 0:
        raise ValueError(token)
    return start


# --- TLS ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TLSFiles:
    ca: Path  # the CA a kubeconfig trusts
    cert: Path  # the server certificate (127.0.0.1 and localhost), signed by `ca`
    key: Path


def make_ca_and_server_cert(folder: Path, name: str = "fake") -> TLSFiles:
    """A throwaway CA and a server certificate for 127.0.0.1, written under `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name}-ca")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    files = TLSFiles(folder / f"{name}-ca.crt", folder / f"{name}-server.crt", folder / f"{name}-server.key")
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


def _tls_server_class(tls: TLSFiles) -> type[aiohttp.test_utils.RawTestServer]:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert, tls.key)

    class TLSRawTestServer(aiohttp.test_utils.RawTestServer):
        async def start_server(self, loop: asyncio.AbstractEventLoop | None = None, **kwargs: Any) -> None:
            kwargs.setdefault("ssl", context)
            await super().start_server(loop=loop, **kwargs)

    return TLSRawTestServer


# --- serving from a thread ---------------------------------------------------------------------


class FakeCluster:
    """Runs a FakeKubeAPI on 127.0.0.1 in a thread of its own, with its own event loop."""

    def __init__(self, api: FakeKubeAPI, tls: TLSFiles | None = None) -> None:
        self.api, self.tls = api, tls
        self.url = ""
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="fake-kube-api", daemon=True)

    def __enter__(self) -> FakeCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError("the fake API server did not start")
        if self._error is not None:
            raise RuntimeError(f"the fake API server failed to start: {self._error!r}") from self._error

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server_kwargs: dict[str, Any] = {"server_cls": _tls_server_class(self.tls)} if self.tls else {}
        async with self.api, kmock.Server(self.api, **server_kwargs) as server:
            self.url = str(server.url).rstrip("/")
            self._ready.set()
            await self._stop.wait()

    def write_kubeconfig(
        self,
        path: Path,
        *,
        token: str | None = None,
        context: str = "fake",
        ca: Path | None = None,
        server: str | None = None,
    ) -> Path:
        """A kubeconfig with one context pointing at this server (with its token and CA)."""
        cluster: dict[str, Any] = {"server": server or self.url}
        if ca or self.tls:
            cluster["certificate-authority"] = str(ca or (self.tls.ca if self.tls else ""))
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": f"{context}-cluster", "cluster": cluster}],
            "users": [{"name": f"{context}-user", "user": {"token": token or self.api.token}}],
            "contexts": [{"name": context, "context": {"cluster": f"{context}-cluster", "user": f"{context}-user"}}],
            "current-context": context,
        }
        path.write_text(yaml.safe_dump(doc))
        return path
