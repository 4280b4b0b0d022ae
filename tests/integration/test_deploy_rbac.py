"""The requests a scan really makes, over HTTP, against deploy/'s ClusterRole.

Each CronJob command line of deploy/ (and of each overlay) is run against the fake API server;
every authenticated request it makes is turned into the (apiGroup, resource, verb) the API
server's authorizer would check, as kube-apiserver's RequestInfo resolver does. The ClusterRole
must allow every one of them, and must grant nothing the scan never uses (get, which a scan does
not send, comes with list by policy: the role is "get and list on what it reads").

This is what keeps `API_PERMISSIONS` in k8saudit/sources/live.py honest: tests/test_deploy.py
checks the role against that table, and this test checks the table against the wire.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy_support import DEPLOY, OVERLAYS, REPO, Permission, granted, scanner
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI, Seen
from tests.integration.runcli import closed_port, invoke

_RESOURCE_PATH = re.compile(r"^/(?:api/v1|apis/(?P<group>[^/]+)/[^/]+)(?P<rest>/.*)?$")
_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


def permission(seen: Seen) -> Permission | None:
    """What RBAC checks for one request; None for a non-resource URL (/version, /api, /apis)."""
    match = _RESOURCE_PATH.match(seen.path)
    if match is None or not match["rest"]:
        return None
    parts = match["rest"].strip("/").split("/")
    if parts[0] == "namespaces" and len(parts) >= 3:
        parts = parts[2:]  # /namespaces/{ns}/{resource}/...
    resource, name, sub = parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""
    if seen.method == "GET":
        verb = "get" if name else "watch" if seen.params.get("watch") in ("1", "true") else "list"
    else:
        verb = _VERBS[seen.method]
    return match["group"] or "", f"{resource}/{sub}" if sub else resource, verb


def test_the_request_mapping_matches_the_api_servers() -> None:
    def seen(method: str, path: str) -> Seen:
        return Seen(method, path, {}, "user", 200)

    assert permission(seen("GET", "/api/v1/pods")) == ("", "pods", "list")
    assert permission(seen("GET", "/api/v1/namespaces")) == ("", "namespaces", "list")
    assert permission(seen("GET", "/api/v1/namespaces/shop")) == ("", "namespaces", "get")
    assert permission(seen("GET", "/api/v1/namespaces/shop/pods/web")) == ("", "pods", "get")
    assert permission(seen("GET", "/apis/apps/v1/namespaces/shop/deployments")) == ("apps", "deployments", "list")
    assert permission(seen("GET", "/api/v1/nodes/kind-worker/proxy/configz")) == ("", "nodes/proxy", "get")
    sar = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
    assert permission(seen("POST", sar)) == ("authorization.k8s.io", "subjectaccessreviews", "create")
    assert permission(seen("GET", "/version")) is None and permission(seen("GET", "/apis")) is None


@pytest.mark.parametrize("folder", [DEPLOY, *OVERLAYS], ids=lambda p: str(p.relative_to(REPO)))
def test_what_the_cronjob_asks_for_is_what_its_cluster_role_grants(
    folder: Path, fake_api: FakeKubeAPI, fake: FakeCluster, kubeconfig: Path, tmp_path: Path
) -> None:
    pod = scanner(folder)
    # The pod's own command line; only where it finds the cluster (in-cluster config there) and the
    # Pushgateway (a port on loopback nothing listens on: the push is a warning) differ.
    gateway = f"--pushgateway=http://127.0.0.1:{closed_port()}"
    args = [
        gateway if a.startswith("--pushgateway=") else a.replace("/reports", str(tmp_path / "reports"))
        for a in pod.args
    ]
    result = invoke(*args, "--kubeconfig", kubeconfig)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)

    requests = [s for s in fake_api.seen if s.identity == "user"]
    asked = {p for p in map(permission, requests) if p is not None}
    allowed = granted(pod.role)
    assert asked - allowed == set(), f"the scan made requests its ClusterRole does not allow: {sorted(asked - allowed)}"
    # Nothing granted goes unused (get rides along with list: the role is get and list on what it reads).
    used = asked | {(g, r, "get") for g, r, v in asked if v == "list"}
    assert allowed - used == set(), f"granted but never used by this scan: {sorted(allowed - used)}"
    if "--secret-metadata" not in pod.args:
        assert all(s.path != "/api/v1/secrets" for s in requests), "Secrets are never listed without --secret-metadata"
