"""A kubeconfig whose server is not a Kubernetes API server (an nginx welcome page, a proxy's
login page) is not audited as a cluster: exit 3 with one line naming the URL and what it answered.
And a proxy that shows requests without credentials its login page has not served them as
system:anonymous: the anonymous probe counts only Kubernetes answers.

Each server here is a real HTTP server on loopback (the standard library's, in a thread), and the
CLI runs as a person runs it, in a subprocess.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.runcli import run_cli

WELCOME = b"<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>nginx</body></html>"
LOGIN = b"<html><body><form action='/oauth2/start'>Sign in</form></body></html>"
VERSION = {"major": "1", "minor": "37", "gitVersion": "v1.37.2", "platform": "linux/amd64"}
TOKEN = "auditor-token"

#: (status, content type, body, extra headers) for one request: method, path, Authorization header.
Answer = tuple[int, str, bytes, dict[str, str]]
Handler = Callable[[str, str, str | None], Answer]


@contextmanager
def serving(answer: Handler) -> Iterator[str]:
    """A plain-HTTP server on 127.0.0.1 answering every request with `answer`; yields its URL."""

    class Handle(http.server.BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, content_type, body, headers = answer(self.command, self.path, self.headers.get("Authorization"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _reply

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def kubeconfig(folder: Path, server: str) -> Path:
    path = folder / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": server}}],
                "users": [{"name": "u", "user": {"token": TOKEN}}],
                "contexts": [{"name": "web", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "web",
            }
        )
    )
    return path


def html(status: int, body: bytes = WELCOME, **headers: str) -> Handler:
    return lambda method, path, authorization: (status, "text/html; charset=utf-8", body, headers)


@pytest.mark.parametrize(
    ("server", "answered"),
    [
        (html(200), "answered 200 text/html to GET /version"),  # nginx's welcome page on every path
        (html(404), "answered 404 text/html to GET /version"),  # a web server without that page
        (html(302, b"", Location="/oauth2/start"), "answered with a redirect"),  # a login proxy
    ],
    ids=["welcome-page", "not-found-page", "login-redirect"],
)
@pytest.mark.parametrize("command", [["scan", "-d", "reports"], ["collect", "-o", "snapshot.json"]])
def test_a_web_server_is_not_audited_as_a_cluster(
    server: Handler, answered: str, command: list[str], tmp_path: Path
) -> None:
    with serving(server) as url:
        run = run_cli(*command, "--kubeconfig", kubeconfig(tmp_path, url), cwd=tmp_path)
    assert run.returncode == 3, (run.returncode, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert lines[0].startswith("k8saudit: error: ")
    assert url in lines[0] and answered in lines[0], lines[0]
    if "redirect" not in answered:
        assert lines[0].startswith(f"k8saudit: error: not a Kubernetes API server: {url} answered")
    assert "Invalid JSON" not in run.stderr and "warning" not in run.stderr
    assert not (tmp_path / "reports").exists() and not (tmp_path / "snapshot.json").exists()


def kubernetes_behind_a_login_proxy(method: str, path: str, authorization: str | None) -> Answer:
    """An API server (just enough of one: its version, an empty list of every kind, a
    SubjectAccessReview that allows nothing) behind a proxy that sends every request without
    credentials to its login page."""
    if authorization != f"Bearer {TOKEN}":
        return 200, "text/html", LOGIN, {}
    if path.rstrip("/") == "/version":
        body: dict[str, Any] = VERSION
    elif method == "POST":
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "status": {"allowed": False}}
    else:
        body = {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": []}
    return 200, "application/json", json.dumps(body).encode(), {}


def test_a_login_page_for_anonymous_requests_is_not_anonymous_access(tmp_path: Path) -> None:
    """Before, the proxy's 200 on GET /api without credentials read as "anonymous users can read
    API discovery": a critical cp.anonymous-auth failure that nothing in the cluster caused."""
    with serving(kubernetes_behind_a_login_proxy) as url:
        run = run_cli(
            "scan", "--kubeconfig", kubeconfig(tmp_path, url), "-f", "json", "-o", "report.json", cwd=tmp_path
        )
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    (anonymous,) = [c for c in report["checks"] if c["id"] == "cp.anonymous-auth"]
    assert anonymous["status"] == "not-assessable", anonymous
    assert "not as a Kubernetes API server answers" in anonymous["reason"], anonymous["reason"]
    assert "200 text/html" in anonymous["reason"]
    assert not [f for f in report["findings"] if f["check"] == "cp.anonymous-auth" and f["status"] == "fail"]
    assert report["cluster"]["version"] == "v1.37.2"  # the authenticated requests were a cluster's
    assert report["cluster"]["collectedAt"].endswith("Z") and report["generatedAt"].endswith("Z")
