"""A pre-rendered fake Kubernetes API server for the benchmark.

Why not tests/integration/fakeapi.py: kmock sorts every stored object of a resource and
`json.dumps` the page on each LIST request, inside one asyncio loop, so at 20,000 pods it
spends more time answering than the client spends reading (the fake would be the bottleneck
and its cost would land on both the scan and the floor). The benchmark needs a server whose
cost is negligible and identical for every client: here each page of each list (for the
configured `limit`, 500 by default, as kubectl) is rendered to bytes once at start-up, gzipped
as kube-apiserver does (level 1, responses over 128 KiB, when the client accepts gzip), and a
request is a dictionary lookup and a `write` of those bytes.

It speaks what the collector needs: HTTPS on 127.0.0.1 with a throwaway CA, a bearer token
(401 without the right one; anonymous requests get /version and 403 elsewhere), `limit` and
opaque `continue` tokens, items without kind/apiVersion, `GET /version`, `/api`, 404 with a
Status body for anything it does not serve, and an empty list for kinds k8saudit reads that the
generator does not fill. A `limit` other than the pre-rendered one is rendered on first use and
cached (the first run with it pays for that; the benchmark always uses the pre-rendered one).

Runs in a process of its own (`python -m benchmarks.server ...`), so that neither its CPU nor
its memory is counted in the client it serves; it prints one JSON line (`url`, CA path, token,
sizes) when ready and serves until its standard input closes.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import http.server
import ipaddress
import json
import socketserver
import ssl
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from benchmarks.generate import Cluster, generate

TOKEN = "bench-token"
GZIP_THRESHOLD = 128 * 1024  # kube-apiserver's defaultGzipThresholdBytes
GZIP_LEVEL = 1  # kube-apiserver's defaultGzipContentEncodingLevel

try:
    import orjson

    def _dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

except ImportError:  # the benchmark still runs (slower to start) without the bench extra

    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()


def _status(code: int, reason: str, message: str) -> bytes:
    return _dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }
    )


def encode_continue(start: int, rv: int) -> str:
    return base64.urlsafe_b64encode(_dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start})).decode()


def decode_continue(token: str) -> int:
    return int(json.loads(base64.urlsafe_b64decode(token.encode()))["start"])


class Body:
    """One response body, plain and (when worth it) gzipped."""

    __slots__ = ("gzipped", "plain")

    def __init__(self, plain: bytes, gzip_enabled: bool) -> None:
        self.plain = plain
        self.gzipped = (
            gzip.compress(plain, GZIP_LEVEL, mtime=0) if gzip_enabled and len(plain) > GZIP_THRESHOLD else None
        )


class Pages:
    """Every page of every list as bytes, keyed by (path, limit, continue token)."""

    def __init__(
        self, cluster: Cluster, page_size: int, gzip_enabled: bool, extra_paths: dict[str, tuple[str, str]]
    ) -> None:
        self.cluster, self.gzip_enabled = cluster, gzip_enabled
        self.rv = 9_000_000
        self.lists: dict[str, tuple[str, str, list[dict[str, Any]]]] = {}
        for path, (kind, api_version) in cluster.kinds.items():
            self.lists[path] = (kind, api_version, cluster.lists[path])
        for path, (kind, api_version) in extra_paths.items():
            self.lists.setdefault(path, (kind, api_version, []))
        self.pages: dict[tuple[str, int, str], Body] = {}
        self.lock = threading.Lock()
        self.bytes_plain = 0
        self.bytes_sent_form = 0
        for path in self.lists:
            self.render(path, page_size)

    def render(self, path: str, limit: int) -> None:
        kind, api_version, items = self.lists[path]
        start = 0
        token = ""
        while True:
            end = len(items) if limit <= 0 else min(len(items), start + limit)
            metadata: dict[str, Any] = {"resourceVersion": str(self.rv)}
            if end < len(items):
                metadata["continue"] = encode_continue(end, self.rv)
                metadata["remainingItemCount"] = len(items) - end
            body = Body(
                _dumps(
                    {"kind": f"{kind}List", "apiVersion": api_version, "metadata": metadata, "items": items[start:end]}
                ),
                self.gzip_enabled,
            )
            self.pages[(path, limit, token)] = body
            self.bytes_plain += len(body.plain)
            self.bytes_sent_form += len(body.gzipped or body.plain)
            if end >= len(items):
                return
            start, token = end, metadata["continue"]

    def get(self, path: str, limit: int, token: str) -> Body | None:
        body = self.pages.get((path, limit, token))
        if body is None and path in self.lists:
            with self.lock:
                if (path, limit, "") not in self.pages:
                    self.render(path, limit)
            body = self.pages.get((path, limit, token))
        return body


def make_tls(folder: Path) -> tuple[Path, Path, Path]:
    """(CA cert, server cert, server key): a throwaway CA and a certificate for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),  # signing, cert and CRL signing
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
    paths = (folder / "bench-ca.crt", folder / "bench-server.crt", folder / "bench-server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def _handler(
    pages: Pages, version: bytes, counter: Callable[[], None], latency: float = 0.0
) -> type[http.server.BaseHTTPRequestHandler]:
    forbidden = _status(403, "Forbidden", 'forbidden: User "system:anonymous" cannot get path')
    unauthorized = _status(401, "Unauthorized", "Unauthorized")
    not_found = _status(404, "NotFound", "the server could not find the requested resource")
    api = _dumps(
        {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}],
        }
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # as Go's net/http: no 40 ms stall between headers and body
        server_version = "bench-apiserver"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def send(self, code: int, body: bytes | Body) -> None:
            counter()
            if latency:  # a server far away: every answer waits (each request has its own thread)
                time.sleep(latency)
            data, encoding = (body, None) if isinstance(body, bytes) else (body.plain, None)
            if (
                isinstance(body, Body)
                and body.gzipped is not None
                and "gzip" in self.headers.get("Accept-Encoding", "")
            ):
                data, encoding = body.gzipped, "gzip"
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            payload = self.rfile.read(length) if length else b""
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send(401, unauthorized)
                return
            if self.path.rstrip("/").endswith("subjectaccessreviews"):
                try:
                    review = json.loads(payload or b"{}")
                except ValueError:
                    review = {}
                review["status"] = {"allowed": False, "reason": "benchmark server: nothing is allowed"}
                self.send(201, _dumps(review))
                return
            self.send(404, not_found)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            path = url.path.rstrip("/") or "/"
            if path == "/version":
                self.send(200, version)
                return
            if self.headers.get("Authorization") is None:
                self.send(403, forbidden)
                return
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send(401, unauthorized)
                return
            if path == "/api":
                self.send(200, api)
                return
            query = parse_qs(url.query)
            try:
                limit = int(query.get("limit", ["0"])[0])
            except ValueError:
                limit = 0
            body = pages.get(path, limit, query.get("continue", [""])[0])
            if body is None:
                self.send(404, not_found)
                return
            self.send(200, body)

    return Handler


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 64


def serve(
    cluster: Cluster, page_size: int, gzip_enabled: bool, tls_dir: Path, listeners: int = 1, latency: float = 0.0
) -> tuple[_Server, dict[str, Any]]:
    """Start serving `cluster` on 127.0.0.1 (a free port) in a thread; returns the server and its description.

    With `listeners` above 1 the same pages are also served on that many more free ports, each its
    own server (`info["urls"]`): as many API servers for a multi-cluster scan's benchmark
    (`benchmarks/fleet.py`), rendered once. `latency` seconds are waited before every answer: a
    cluster across a network, where a scan's time is mostly waiting."""
    try:
        from k8saudit.model.kinds import KINDS

        extra = {k.list_path: (k.kind, k.api_version) for k in KINDS}
    except ImportError:
        extra = {}
    started = time.perf_counter()
    pages = Pages(cluster, page_size, gzip_enabled, extra)
    render_s = time.perf_counter() - started
    ca, cert, key = make_tls(tls_dir)
    requests = [0]
    lock = threading.Lock()

    def count() -> None:
        with lock:
            requests[0] += 1

    handler = _handler(pages, _dumps(cluster.version), count, latency)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    servers = []
    for _ in range(max(1, listeners)):
        one = _Server(("127.0.0.1", 0), handler)
        one.socket = context.wrap_socket(one.socket, server_side=True)
        threading.Thread(target=one.serve_forever, name="bench-apiserver", daemon=True).start()
        servers.append(one)
    server = servers[0]
    info = {
        "url": f"https://127.0.0.1:{server.server_address[1]}",
        "urls": [f"https://127.0.0.1:{one.server_address[1]}" for one in servers],
        "ca": str(ca),
        "token": TOKEN,
        "pages": len(pages.pages),
        "bytes_json": pages.bytes_plain,
        "bytes_wire": pages.bytes_sent_form,
        "render_s": round(render_s, 2),
        "gzip": gzip_enabled,
    }
    server.requests = requests  # type: ignore[attr-defined]
    server.others = servers[1:]  # type: ignore[attr-defined]
    return server, info


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--no-gzip", action="store_true")
    parser.add_argument("--tls-dir", type=Path, required=True)
    parser.add_argument("--listeners", type=int, default=1, help="serve the same cluster on this many ports")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="wait this long before every answer")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cluster = generate(args.pods, args.seed)
    generate_s = time.perf_counter() - started
    server, info = serve(
        cluster, args.page_size, not args.no_gzip, args.tls_dir, args.listeners, args.latency_ms / 1000
    )
    info["generate_s"] = round(generate_s, 2)
    print(json.dumps(info), flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin (or dies)
    for one in (server, *server.others):  # type: ignore[attr-defined]
        one.shutdown()


if __name__ == "__main__":
    main()
