"""A real kube-apiserver and etcd on loopback for the `apiserver` tier (envtest style).

- `locate_binaries()`: `$KUBEBUILDER_ASSETS` when it holds both binaries, else the build cache
  (`~/.cache/k8saudit/apiserver/<VERSION>/`), else one run of `tests/apiserver/build.sh`
  (slow on a fresh machine). No Go and no assets: `BinariesUnavailable` (the tier skips with
  that reason). Any other build failure is an error, never a skip.
- `ApiServer`: etcd (random loopback ports, temporary data dir, `--unsafe-no-fsync`) and
  kube-apiserver (loopback secure port, a CA and serving certificate made with `cryptography`,
  a token file with an admin in `system:masters` and named test users, a service-account
  signing key so TokenRequest works, `--authorization-mode=Node,RBAC`, PodSecurity admission on
  as by default, `--anonymous-auth` left to the default or set). It writes a kubeconfig per
  identity, waits for `/readyz`, and stops both: SIGTERM to each process group, wait, SIGKILL.
  Every started server is also stopped at interpreter exit (atexit), and the children get
  SIGKILL from the kernel if the Python process dies without cleaning up (PR_SET_PDEATHSIG).
- `Client`: plain HTTPS (http.client + ssl) for fixtures: server-side apply, dry-run creates,
  SubjectAccessReviews, TokenRequest; one keep-alive connection per thread.
- `Etcd`: the v3 HTTP gateway for the current revision and compaction.

The flag set follows `tests/apiserver/smoke.sh`. A server started with `controllers=` also runs
kube-controller-manager with only those controllers (`controller_manager()` finds the binary;
the tier runs the real `clusterrole-aggregation-controller`, so aggregated ClusterRoles hold what
a cluster's hold, and `Client.wait_for_aggregation` waits for it to settle). No other controller
runs: pods stay Pending, ServiceAccounts are not created per namespace (so the ServiceAccount
admission plugin is off).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import ctypes
import datetime as dt
import http.client
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import yaml

REPO = Path(__file__).resolve().parents[2]
APISERVER_DIR = REPO / "tests" / "apiserver"
BUILD_SH = APISERVER_DIR / "build.sh"
VERSION = (APISERVER_DIR / "VERSION").read_text().strip()
BINARIES = ("kube-apiserver", "etcd")
#: build.sh exits 3 when `go` is not on PATH.
NO_GO_EXIT = 3
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
FIELD_MANAGER = "k8saudit-tests"
SERVER_OWNED_METADATA = frozenset(
    {"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink", "deletionTimestamp"}
)

ADMIN = "admin"
ADMIN_GROUPS = ("system:masters",)


class BinariesUnavailable(Exception):
    """Neither assets nor Go: the tier cannot run here (a skip, with this reason)."""


# --- binaries ---------------------------------------------------------------------------------


def cache_dir(version: str = VERSION) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "k8saudit" / "apiserver" / version


def _holds_binaries(folder: Path) -> bool:
    return all((folder / name).is_file() and os.access(folder / name, os.X_OK) for name in BINARIES)


_located: Path | BinariesUnavailable | None = None
_located_lock = threading.Lock()


def locate_binaries(*, build: bool = True) -> Path:
    """The folder holding kube-apiserver and etcd; builds them (once per process) if needed."""
    global _located
    with _located_lock:
        if isinstance(_located, Path):
            return _located
        if isinstance(_located, BinariesUnavailable):
            raise _located
        assets = os.environ.get("KUBEBUILDER_ASSETS", "").strip()
        if assets and _holds_binaries(Path(assets)):
            _located = Path(assets)
            return _located
        if _holds_binaries(cache_dir()):
            _located = cache_dir()
            return _located
        if not build:
            raise BinariesUnavailable(f"no kube-apiserver/etcd in $KUBEBUILDER_ASSETS or {cache_dir()}")
        proc = subprocess.run(["bash", str(BUILD_SH)], capture_output=True, text=True, check=False)
        if proc.returncode == NO_GO_EXIT:
            _located = BinariesUnavailable(
                "the apiserver tier needs kube-apiserver and etcd: `go` is not on PATH to build them "
                "(tests/apiserver/build.sh) and $KUBEBUILDER_ASSETS names no folder holding both"
            )
            raise _located
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines or not _holds_binaries(Path(lines[-1])):
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"tests/apiserver/build.sh failed (exit {proc.returncode}):\n{tail}")
        _located = Path(lines[-1])
        return _located


CONTROLLER_MANAGER = "kube-controller-manager"
#: The one controller the tier runs: ClusterRole aggregation (v1.37's name for it).
AGGREGATION_CONTROLLER = "clusterrole-aggregation-controller"


def _reports_version(binary: Path) -> bool:
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        return False
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.stdout.strip() == f"Kubernetes {VERSION}"


def e2e_cache_dir(version: str = VERSION) -> Path:
    """Where the e2e tier's build (tests/e2e/cluster/build.sh) puts kube-controller-manager."""
    return cache_dir(version).parent.parent / "cluster" / version


def controller_manager(binaries: Path) -> Path | None:
    """kube-controller-manager of VERSION: beside the other binaries, in this tier's cache (build.sh
    builds or links it), or in the e2e tier's; None when there is none (those tests skip)."""
    for folder in (binaries, cache_dir(), e2e_cache_dir()):
        if _reports_version(folder / CONTROLLER_MANAGER):
            return folder / CONTROLLER_MANAGER
    return None


# --- certificates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path
    key: Path
    sa_key: Path
    sa_pub: Path


def make_pki(folder: Path) -> Pki:
    """A throwaway CA, a serving certificate for 127.0.0.1/localhost, a service-account key pair."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "k8saudit-test-ca")])
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
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),  # sign, certSign, crlSign
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.DNSName("localhost"),
        x509.DNSName("kubernetes.default.svc"),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    sa_key = ec.generate_private_key(ec.SECP256R1())  # ES256 service-account tokens
    pem = serialization.Encoding.PEM
    pkcs8, nocrypt = serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    pki = Pki(
        folder / "ca.crt", folder / "apiserver.crt", folder / "apiserver.key", folder / "sa.key", folder / "sa.pub"
    )
    pki.ca.write_bytes(ca_cert.public_bytes(pem))
    pki.cert.write_bytes(cert.public_bytes(pem))
    pki.key.write_bytes(key.private_bytes(pem, pkcs8, nocrypt))
    pki.sa_key.write_bytes(sa_key.private_bytes(pem, pkcs8, nocrypt))
    pki.sa_pub.write_bytes(sa_key.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo))
    for private in (pki.key, pki.sa_key):
        private.chmod(0o600)
    return pki


# --- HTTP -------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: Any  # parsed JSON, or the text when it is not JSON

    @property
    def message(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("message", ""))
        return str(self.body)


class ApiError(Exception):
    def __init__(self, method: str, path: str, response: Response) -> None:
        super().__init__(f"{method} {path}: {response.status} {response.message[:500]}")
        self.response = response


class Client:
    """Plain HTTPS to the API server as one identity (a bearer token, or none)."""

    def __init__(self, url: str, ca: Path, token: str | None) -> None:
        self.url, self.token = url, token
        host, port = url.removeprefix("https://").rsplit(":", 1)
        self._host, self._port = host, int(port)
        self._ssl = ssl.create_default_context(cafile=str(ca))
        self._local = threading.local()
        self._resources: dict[tuple[str, str], tuple[str, bool]] = {}
        self._resources_lock = threading.Lock()

    def _connection(self) -> http.client.HTTPSConnection:
        conn: http.client.HTTPSConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPSConnection(self._host, self._port, context=self._ssl, timeout=60)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: Mapping[str, Any] | None = None,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        target = path + (f"?{urlencode(query)}" if query else "")
        headers = {"Accept": "application/json", **(headers or {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        for attempt in (0, 1):
            conn = self._connection()
            try:
                conn.request(method, target, body=data, headers=headers)
                raw = conn.getresponse()
                payload = raw.read()
                break
            except (ConnectionError, http.client.HTTPException, ssl.SSLError):
                self.close()  # a keep-alive connection the server closed: one fresh attempt
                if attempt:
                    raise
        try:
            parsed: Any = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload.decode(errors="replace")
        return Response(raw.status, parsed)

    def call(self, method: str, path: str, body: Any = None, *, ok: Iterable[int] = (200, 201), **kw: Any) -> Any:
        response = self.request(method, path, body, **kw)
        if response.status not in set(ok):
            raise ApiError(method, path, response)
        return response.body

    # --- objects -------------------------------------------------------------------------

    def resource_of(self, api_version: str, kind: str) -> tuple[str, bool]:
        """(plural, namespaced) for a kind, from API discovery (cached)."""
        key = (api_version, kind)
        with self._resources_lock:
            if key not in self._resources:
                base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
                for res in self.call("GET", base)["resources"]:
                    if "/" not in res["name"]:
                        self._resources[(api_version, res["kind"])] = (res["name"], res["namespaced"])
            if key not in self._resources:
                raise KeyError(f"the server serves no {kind} in {api_version}")
            return self._resources[key]

    def collection_path(self, api_version: str, kind: str, namespace: str | None) -> str:
        plural, namespaced = self.resource_of(api_version, kind)
        base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
        if namespaced:
            return f"{base}/namespaces/{quote(namespace or 'default', safe='')}/{plural}"
        return f"{base}/{plural}"

    def object_path(self, obj: Mapping[str, Any]) -> str:
        meta = obj["metadata"]
        base = self.collection_path(obj["apiVersion"], obj["kind"], meta.get("namespace"))
        return f"{base}/{quote(meta['name'], safe='')}"

    def apply(self, obj: Mapping[str, Any]) -> Any:
        """Server-side apply (create or update), forced: the object as given wins.

        Fields the server owns (uid, resourceVersion, creationTimestamp, ...) are dropped first:
        fixtures written for a fake server carry made-up ones.
        """
        body = {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k not in SERVER_OWNED_METADATA}}
        return self.call(
            "PATCH",
            self.object_path(obj),
            body,
            query={"fieldManager": FIELD_MANAGER, "force": "true"},
            content_type="application/apply-patch+yaml",
        )

    def apply_all(self, objs: Iterable[Mapping[str, Any]], workers: int = 8) -> None:
        """Apply objects: Namespaces first, then the rest concurrently.

        Pod Security labels of Namespaces are applied last, as on a cluster where enforcement
        was switched on after its pods were running (admission then only warns about them).
        """
        objs = list(objs)
        namespaces = [o for o in objs if o["kind"] == "Namespace"]
        enforced = [o for o in namespaces if _pss_labels(o)]
        for ns in namespaces:
            labels = {k: v for k, v in ns["metadata"].get("labels", {}).items() if k not in _pss_labels(ns)}
            self.apply({**ns, "metadata": {**ns["metadata"], "labels": labels}})
        self.map_concurrently(self.apply, [o for o in objs if o["kind"] != "Namespace"], workers)
        for ns in enforced:
            self.apply(ns)

    def create(self, obj: Mapping[str, Any], *, dry_run: bool = False) -> Response:
        meta = obj["metadata"]
        path = self.collection_path(obj["apiVersion"], obj["kind"], meta.get("namespace"))
        query = {"dryRun": "All", "fieldManager": FIELD_MANAGER} if dry_run else {"fieldManager": FIELD_MANAGER}
        return self.request("POST", path, obj, query=query)

    def map_concurrently(self, func: Any, items: Sequence[Any], workers: int = 8) -> list[Any]:
        from concurrent.futures import ThreadPoolExecutor

        if not items:
            return []
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="k8saudit-test-http") as pool:
            return list(pool.map(func, items))

    # --- authorization and tokens --------------------------------------------------------

    def subject_access_review(
        self,
        user: str,
        groups: Sequence[str],
        *,
        verb: str,
        resource: str | None = None,
        group: str = "",
        subresource: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        path: str | None = None,
    ) -> bool:
        """What the server's authorizer decides for that user and groups (as given, none added)."""
        spec: dict[str, Any] = {"user": user, "groups": list(groups)}
        spec.update(_attributes(verb, resource, group, subresource, namespace, name, path))
        review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec}
        body = self.call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", review, ok=(201,))
        return bool(body["status"].get("allowed"))

    def self_access_review(
        self,
        *,
        verb: str,
        resource: str | None = None,
        group: str = "",
        subresource: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        path: str | None = None,
    ) -> bool:
        """SelfSubjectAccessReview: may *this* client's identity do it?"""
        spec = _attributes(verb, resource, group, subresource, namespace, name, path)
        review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": spec}
        body = self.call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review, ok=(201,))
        return bool(body["status"].get("allowed"))

    def token_request(self, namespace: str, service_account: str, seconds: int = 3600) -> str:
        """A bound token for a ServiceAccount through the TokenRequest API."""
        request = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"expirationSeconds": seconds},
        }
        path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{service_account}/token"
        token: str = self.call("POST", path, request, ok=(201,))["status"]["token"]
        return token

    def wait_for_authorizer(self, timeout: float = 30.0) -> None:
        """Return once the authorizer sees every RBAC object written before this call.

        The RBAC authorizer reads roles and bindings through informers, a little behind the
        writes. Each informer delivers its kind in write order, so this writes a sentinel of each
        kind (ClusterRole, Role, ClusterRoleBinding, RoleBinding, in `default`) granting a new
        made-up user a new made-up resource, then waits until a SubjectAccessReview for that
        user is allowed through both bindings: everything written earlier is visible by then.
        """
        with self._resources_lock:
            self._barriers = getattr(self, "_barriers", 0) + 1
            n = self._barriers
        user, name, rbac = f"k8saudit:rbac-barrier-{n}", "k8saudit-rbac-barrier", "rbac.authorization.k8s.io"
        # (namespace or None for cluster-wide, the made-up resource its rule grants, the role kind)
        pairs = ((None, f"k8saudit-barrier-{n}", "ClusterRole"), ("default", f"k8saudit-barrier-ns-{n}", "Role"))
        for namespace, resource, kind in pairs:
            meta = {"name": name, **({"namespace": namespace} if namespace else {})}
            rule = {"apiGroups": ["k8saudit.io"], "resources": [resource], "verbs": ["get"]}
            self.apply({"apiVersion": f"{rbac}/v1", "kind": kind, "metadata": meta, "rules": [rule]})
        for namespace, _, kind in pairs:
            meta = {"name": name, **({"namespace": namespace} if namespace else {})}
            binding = {
                "apiVersion": f"{rbac}/v1",
                "kind": f"{kind}Binding",
                "metadata": meta,
                "roleRef": {"apiGroup": rbac, "kind": kind, "name": name},
                "subjects": [{"kind": "User", "name": user, "apiGroup": rbac}],
            }
            self.apply(binding)
        deadline = time.monotonic() + timeout
        while not all(
            self.subject_access_review(user, [], verb="get", resource=resource, group="k8saudit.io", namespace=ns)
            for ns, resource, _ in pairs
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the RBAC authorizer did not see new roles and bindings within {timeout:.0f}s")
            time.sleep(0.05)

    def wait_for_aggregation(self, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None) -> None:
        """Return once the aggregation controller has nothing left to do.

        Its fixed point, read from the stored roles: every ClusterRole with an aggregationRule holds
        (as a set) the rules of the ClusterRoles its selectors pick, unless they pick none with
        rules (the controller then writes nothing). Computed here from the raw objects, not by
        k8saudit: a controller that did anything else would make this time out, not pass. The
        condition must hold twice in a row, half a second apart (a write in flight).
        """
        deadline = time.monotonic() + timeout
        settled = 0
        while settled < 2:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"kube-controller-manager exited with {proc.returncode}")
            roles = self.call("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles")["items"]
            settled = settled + 1 if _aggregation_settled(roles) else 0
            if time.monotonic() > deadline:
                raise TimeoutError(f"the ClusterRole aggregation controller did not settle within {timeout:.0f}s")
            time.sleep(0.5 if settled else 0.1)

    def whoami(self) -> dict[str, Any]:
        review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
        info: dict[str, Any] = self.call(
            "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", review, ok=(201,)
        )["status"]["userInfo"]
        return info


def _selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A LabelSelector (matchLabels, matchExpressions) against labels, as apimachinery matches it."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for req in selector.get("matchExpressions") or []:
        key, op, values = req["key"], req["operator"], req.get("values") or []
        present = key in labels
        if (op == "In" and not (present and labels[key] in values)) or (
            op == "NotIn" and present and labels[key] in values
        ):
            return False
        if (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True


def _aggregation_settled(roles: Sequence[Mapping[str, Any]]) -> bool:
    def key(rule: Mapping[str, Any]) -> str:
        return json.dumps({k: rule.get(k) or [] for k in sorted(rule)}, sort_keys=True)

    for role in roles:
        selectors = (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []
        if not selectors:
            continue
        name = role["metadata"]["name"]
        union = {
            key(rule)
            for other in roles
            if other["metadata"]["name"] != name
            and any(_selects(sel, other["metadata"].get("labels") or {}) for sel in selectors)
            for rule in other.get("rules") or []
        }
        if union and {key(rule) for rule in role.get("rules") or []} != union:
            return False
    return True


def _pss_labels(namespace: Mapping[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = namespace["metadata"].get("labels") or {}
    return {k: v for k, v in labels.items() if k.startswith("pod-security.kubernetes.io/")}


def _attributes(
    verb: str,
    resource: str | None,
    group: str,
    subresource: str | None,
    namespace: str | None,
    name: str | None,
    path: str | None,
) -> dict[str, Any]:
    if path is not None:
        return {"nonResourceAttributes": {"verb": verb, "path": path}}
    attrs: dict[str, Any] = {"verb": verb, "resource": resource, "group": group}
    if subresource:
        attrs["subresource"] = subresource
    if namespace:
        attrs["namespace"] = namespace
    if name:
        attrs["name"] = name
    return {"resourceAttributes": attrs}


# --- etcd -------------------------------------------------------------------------------------


class Etcd:
    """etcd's v3 JSON gateway (plain HTTP on loopback)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    def revision(self) -> int:
        body = self._post("/v3/kv/range", {"key": base64.b64encode(b"/registry/").decode(), "limit": 1})
        return int(body["header"]["revision"])

    def compact(self, revision: int | None = None) -> int:
        """Compact (physically) up to `revision` (default: now); returns the revision used."""
        rev = self.revision() if revision is None else revision
        self._post("/v3/kv/compaction", {"revision": str(rev), "physical": True})
        return rev


# --- processes --------------------------------------------------------------------------------


def _free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Runs in the child: own process group, and SIGKILL when the parent thread dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


WORK_ROOT = Path(tempfile.gettempdir()) / "k8saudit-apiserver"
OWNER_FILE = "owner.pid"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _new_workdir(name: str) -> Path:
    """A fresh folder under WORK_ROOT; folders left by a test process that was killed are removed."""
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    for old in WORK_ROOT.iterdir():
        try:
            owner = int((old / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if not _pid_alive(owner):
            shutil.rmtree(old, ignore_errors=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=WORK_ROOT))
    (workdir / OWNER_FILE).write_text(str(os.getpid()))
    return workdir


_live_servers: set[ApiServer] = set()
_live_lock = threading.Lock()


@atexit.register
def _stop_everything() -> None:
    with _live_lock:
        servers = list(_live_servers)
    for server in servers:
        server.stop()


def _stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass(frozen=True)
class Identity:
    name: str
    groups: tuple[str, ...]
    token: str


class ApiServer:
    """etcd + kube-apiserver on loopback, with an admin and named users (token file)."""

    def __init__(
        self,
        binaries: Path,
        *,
        anonymous_auth: bool | None = None,
        users: Mapping[str, Sequence[str]] | None = None,
        extra_flags: Sequence[str] = (),
        name: str = "k8saudit",
        controllers: Sequence[str] = (),
    ) -> None:
        self.binaries = binaries
        self.anonymous_auth = anonymous_auth
        self.extra_flags = tuple(extra_flags)
        self.name = name
        #: kube-controller-manager runs with only these controllers (none: it is not started).
        self.controllers = tuple(controllers)
        self.kcm_proc: subprocess.Popen[bytes] | None = None
        self.identities: dict[str, Identity] = {ADMIN: Identity(ADMIN, ADMIN_GROUPS, secrets.token_hex(16))}
        for user, groups in (users or {}).items():
            self.identities[user] = Identity(user, ("system:authenticated", *groups), secrets.token_hex(16))
        self.workdir = _new_workdir(name)
        self.kubeconfigs: dict[str, Path] = {}  # one per identity, written once the server is up
        self.etcd_proc: subprocess.Popen[bytes] | None = None
        self.api_proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.flags: list[str] = []  # kube-apiserver's argv after the binary, exactly as started
        self.etcd: Etcd | None = None
        self.pki: Pki | None = None
        self.startup_seconds = 0.0
        self._admin: Client | None = None

    # --- life cycle ----------------------------------------------------------------------

    def __enter__(self) -> ApiServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        started = time.perf_counter()
        with _live_lock:
            _live_servers.add(self)
        for attempt in range(3):
            try:
                self._start()
                break
            except RuntimeError as exc:
                # A free port taken between our probe and the server's bind: try new ports.
                self._stop_processes()
                if "address already in use" not in str(exc) or attempt == 2:
                    self.stop(keep_logs=True)
                    raise
                shutil.rmtree(self.workdir / "etcd-data", ignore_errors=True)
            except BaseException:
                self.stop(keep_logs=True)
                raise
        for identity in self.identities:
            self.kubeconfigs[identity] = self.kubeconfig(self.workdir / f"kubeconfig-{identity}.yaml", identity)
        if self.controllers:
            try:
                self._start_controllers()
            except BaseException:
                self.stop(keep_logs=True)
                raise
        self.startup_seconds = time.perf_counter() - started

    def _start_controllers(self) -> None:
        """kube-controller-manager with only `self.controllers`, as the admin, serving nothing."""
        binary = controller_manager(self.binaries)
        if binary is None:
            raise BinariesUnavailable(f"no {CONTROLLER_MANAGER} {VERSION} (tests/apiserver/build.sh builds it)")
        argv = [
            str(binary),
            f"--kubeconfig={self.kubeconfigs[ADMIN]}",
            f"--controllers={','.join(self.controllers)}",
            "--leader-elect=false",
            "--secure-port=0",  # no metrics or health endpoint: nothing to authenticate
            "--use-service-account-credentials=false",
        ]
        self.kcm_proc = self._spawn(argv, "controller-manager.log")
        if AGGREGATION_CONTROLLER in self.controllers:
            self.admin.wait_for_aggregation(proc=self.kcm_proc)

    def _spawn(self, argv: list[str], log_name: str) -> subprocess.Popen[bytes]:
        log = (self.workdir / log_name).open("wb")
        try:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() signals the whole group
                preexec_fn=_die_with_parent,  # only prctl: no locks or allocation between fork and exec
                cwd=self.workdir,
            )
        finally:
            log.close()

    def _start(self) -> None:
        self.pki = pki = make_pki(self.workdir / "pki")
        tokens = self.workdir / "pki" / "tokens.csv"
        tokens.write_text(
            "".join(
                f'{i.token},{i.name},uid-{i.name},"{",".join(g for g in i.groups if g != "system:authenticated")}"\n'
                for i in self.identities.values()
            )
        )
        tokens.chmod(0o600)
        etcd_port, peer_port, api_port = _free_ports(3)
        etcd_url = f"http://127.0.0.1:{etcd_port}"
        self.etcd_proc = self._spawn(
            [
                str(self.binaries / "etcd"),
                "--name=default",
                f"--data-dir={self.workdir / 'etcd-data'}",
                f"--listen-client-urls={etcd_url}",
                f"--advertise-client-urls={etcd_url}",
                f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-cluster=default=http://127.0.0.1:{peer_port}",
                "--unsafe-no-fsync=true",
                "--log-level=warn",
            ],
            "etcd.log",
        )
        self.etcd = Etcd(etcd_url)
        self._wait(lambda: _etcd_healthy(etcd_url), self.etcd_proc, "etcd", "etcd.log")
        self.flags = [
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            "--endpoint-reconciler-type=none",
            f"--secure-port={api_port}",
            f"--cert-dir={self.workdir / 'apiserver-certs'}",
            f"--tls-cert-file={pki.cert}",
            f"--tls-private-key-file={pki.key}",
            f"--client-ca-file={pki.ca}",
            f"--token-auth-file={tokens}",
            "--authorization-mode=Node,RBAC",
            f"--service-account-key-file={pki.sa_pub}",
            f"--service-account-signing-key-file={pki.sa_key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-cluster-ip-range=10.0.0.0/24",
            # No controller-manager creates the `default` ServiceAccount, so pods would be refused.
            "--disable-admission-plugins=ServiceAccount",
            "--allow-privileged=true",
        ]
        if self.anonymous_auth is not None:
            self.flags.append(f"--anonymous-auth={str(self.anonymous_auth).lower()}")
        self.flags.extend(self.extra_flags)
        self.url = f"https://127.0.0.1:{api_port}"
        self.api_proc = self._spawn([str(self.binaries / "kube-apiserver"), *self.flags], "apiserver.log")
        self._admin = None  # a retry moves to new ports
        admin = self.client(ADMIN)

        def ready() -> bool:
            try:
                return admin.request("GET", "/readyz").status == 200
            except OSError:
                admin.close()
                return False

        self._wait(ready, self.api_proc, "kube-apiserver", "apiserver.log")

    def _wait(self, ready: Any, proc: subprocess.Popen[bytes], what: str, log_name: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}:\n{self.log_tail(log_name)}")
            if ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"{what} not ready after {READY_TIMEOUT:.0f}s:\n{self.log_tail(log_name)}")

    def log_tail(self, log_name: str, lines: int = 30) -> str:
        try:
            text = (self.workdir / log_name).read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, *, keep_logs: bool = False) -> None:
        """Stop kube-apiserver first (it would spin on a dead etcd), then etcd; remove the files."""
        if self._admin is not None:
            self._admin.close()
        self._stop_processes()
        with _live_lock:
            _live_servers.discard(self)
        if not keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _stop_processes(self) -> None:
        _stop_process(self.kcm_proc)
        _stop_process(self.api_proc)
        _stop_process(self.etcd_proc)

    @property
    def running(self) -> bool:
        procs = (self.api_proc, self.etcd_proc, *((self.kcm_proc,) if self.controllers else ()))
        return all(p is not None and p.poll() is None for p in procs)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in (self.api_proc, self.etcd_proc, self.kcm_proc) if p is not None]

    # --- identities ----------------------------------------------------------------------

    @property
    def ca(self) -> Path:
        assert self.pki is not None, "server not started"
        return self.pki.ca

    def client(self, identity: str | None = ADMIN, *, token: str | None = None) -> Client:
        """A client as a named identity, as a raw token, or anonymous (identity None, no token)."""
        if token is None and identity is not None:
            token = self.identities[identity].token
        client = Client(self.url, self.ca, token)
        if identity == ADMIN and self._admin is None:
            self._admin = client
        return client

    @property
    def admin(self) -> Client:
        if self._admin is None:
            self._admin = Client(self.url, self.ca, self.identities[ADMIN].token)
        return self._admin

    def kubeconfig(self, path: Path, identity: str = ADMIN, *, token: str | None = None) -> Path:
        """A kubeconfig with one context (named after the identity) for this server."""
        token = token or self.identities[identity].token
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": self.name, "cluster": {"server": self.url, "certificate-authority": str(self.ca)}}],
            "users": [{"name": identity, "user": {"token": token}}],
            "contexts": [{"name": identity, "context": {"cluster": self.name, "user": identity}}],
            "current-context": identity,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc))
        path.chmod(0o600)
        return path

    # --- what a kubeadm control plane would show -----------------------------------------

    def control_plane_pod(self, node: str = "k8saudit-control-plane") -> dict[str, Any]:
        """The static pod a kubeadm cluster would show for this kube-apiserver, with its real flags."""
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"kube-apiserver-{node}",
                "namespace": "kube-system",
                "labels": {"component": "kube-apiserver", "tier": "control-plane"},
                "annotations": {"kubernetes.io/config.source": "file"},
            },
            "spec": {
                "hostNetwork": True,
                "priorityClassName": "system-node-critical",
                "containers": [
                    {
                        "name": "kube-apiserver",
                        "image": f"registry.k8s.io/kube-apiserver:{VERSION}",
                        "command": ["kube-apiserver", *self.flags],
                    }
                ],
            },
        }


def _etcd_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return bool(json.loads(response.read()).get("health") == "true")
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def running_server(**kwargs: Any) -> Iterator[ApiServer]:
    server = ApiServer(locate_binaries(), **kwargs)
    with server:
        yield server
