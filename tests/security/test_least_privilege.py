"""Least privilege, verified: a full scan against a fake API server that authorises every request
with exactly the ClusterRole in deploy/ (anything it does not grant is 403, as RBAC answers)
completes without one forbidden request.

The authoriser resolves each request as kube-apiserver's RequestInfo does (API group, resource,
subresource, name, verb) and matches it against the role's rules; discovery and /version are
allowed to any authenticated user, as the default system:discovery and system:public-info-viewer
bindings allow them. The real-apiserver tier (tests/realapi) proves the same against upstream's
authoriser; this is the fast version that runs everywhere. It also shows the converse: an opt-in
the role does not grant is refused, and becomes a named, not-assessable gap, not an abort.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml

from k8saudit.model.kinds import KINDS
from tests.deploy_support import CLUSTER_ROLE_FILE, DEPLOY, scanner
from tests.integration.cluster import realistic_cluster
from tests.integration.fakeapi import FakeCluster, FakeKubeAPI, TLSFiles, status_response
from tests.security.support import assert_honest, run_main, unreadable_inputs

#: Non-resource URLs every authenticated user may GET (system:discovery, system:public-info-viewer).
DISCOVERY = ("/api", "/api/*", "/apis", "/apis/*", "/version", "/version/", "/healthz", "/livez", "/readyz")
_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


@dataclass(frozen=True)
class Request:
    """What RBAC checks for one request: a resource request, or a non-resource URL."""

    verb: str
    group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    path: str = ""  # non-resource requests only

    @property
    def is_resource(self) -> bool:
        return bool(self.resource)


def request_info(method: str, path: str, params: dict[str, str]) -> Request:
    """kube-apiserver's RequestInfoFactory, for the paths a client sends."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, rest = parts[1], parts[3:]
    else:
        return Request(verb=method.lower(), path=path)
    if rest[0] == "namespaces" and len(rest) >= 3:
        rest = rest[2:]  # /namespaces/{ns}/{resource}/...; /namespaces/{name} is the namespace itself
    resource, name, sub = rest[0], rest[1] if len(rest) > 1 else "", rest[2] if len(rest) > 2 else ""
    if method == "GET":
        verb = "watch" if params.get("watch") in ("1", "true") else ("get" if name else "list")
    else:
        verb = _VERBS[method] if not (method == "DELETE" and not name) else "deletecollection"
    return Request(verb=verb, group=group, resource=resource, subresource=sub, name=name)


def allows(rules: list[dict[str, Any]], req: Request) -> bool:
    """Whether any rule allows the request (RBAC's rule matching, wildcards included)."""
    for rule in rules:
        verbs = rule.get("verbs") or []
        if req.verb not in verbs and "*" not in verbs:
            continue
        if not req.is_resource:
            urls = rule.get("nonResourceURLs") or []
            if any(u == req.path or u == "*" or (u.endswith("*") and req.path.startswith(u[:-1])) for u in urls):
                return True
            continue
        groups, resources = rule.get("apiGroups") or [], rule.get("resources") or []
        wanted = f"{req.resource}/{req.subresource}" if req.subresource else req.resource
        if (req.group in groups or "*" in groups) and (wanted in resources or "*" in resources):
            names = rule.get("resourceNames") or []
            if not names or req.name in names:
                return True
    return False


@attrs.define(kw_only=True)
class RBACFakeKubeAPI(FakeKubeAPI):
    """The fake API server with an authoriser: the given rules, plus discovery; anything else 403."""

    rules: list[dict[str, Any]] = attrs.field(factory=list)
    denied: list[tuple[str, str, Request]] = attrs.field(factory=list)

    def _gate(self, identity: str, method: str, path: str, params: dict[str, str]) -> Any:
        answer = super()._gate(identity, method, path, params)
        if answer is not None or identity != "user":
            return answer
        req = request_info(method, path, params)
        discovery = [{"verbs": ["get"], "nonResourceURLs": list(DISCOVERY)}]
        if allows(self.rules, req) or allows(discovery, req):
            return None
        self.denied.append((method, path, req))
        what = f'resource "{req.resource}" in API group "{req.group}"' if req.is_resource else f'path "{path}"'
        return status_response(403, f'User "k8saudit" cannot {req.verb} {what} at the cluster scope')


def role_rules(path: Path) -> list[dict[str, Any]]:
    (role,) = [d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == "ClusterRole"]
    rules: list[dict[str, Any]] = role["rules"]
    return rules


@pytest.fixture
def enforcing(tls: TLSFiles) -> Iterator[tuple[RBACFakeKubeAPI, FakeCluster]]:
    api = RBACFakeKubeAPI(rules=role_rules(CLUSTER_ROLE_FILE))
    api.add(*realistic_cluster())
    with FakeCluster(api, tls) as cluster:
        yield api, cluster


def scan(kubeconfig: Path, *extra: str) -> dict[str, Any]:
    outcome = run_main("scan", "--kubeconfig", kubeconfig, "-f", "json", "-o", "-", "-q", *extra)
    assert outcome.code == 0, outcome.stderr
    assert "Traceback" not in outcome.stderr
    return outcome.report()


def test_the_authoriser_is_rbac(tmp_path: Path) -> None:
    """The request mapping and rule matching agree with RBAC on the cases a scan can produce."""
    pods = request_info("GET", "/api/v1/pods", {"limit": "500"})
    assert (pods.verb, pods.group, pods.resource) == ("list", "", "pods")
    ns = request_info("GET", "/api/v1/namespaces/shop", {})
    assert (ns.verb, ns.resource, ns.name) == ("get", "namespaces", "shop")
    configz = request_info("GET", "/api/v1/nodes/n1/proxy/configz", {})
    assert (configz.verb, configz.resource, configz.subresource) == ("get", "nodes", "proxy")
    sar = request_info("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {})
    assert (sar.verb, sar.group, sar.resource) == ("create", "authorization.k8s.io", "subjectaccessreviews")
    assert not request_info("GET", "/apis", {}).is_resource
    rules = role_rules(CLUSTER_ROLE_FILE)
    assert allows(rules, pods) and allows(rules, sar)
    assert not allows(rules, configz)
    assert not allows(rules, request_info("GET", "/api/v1/secrets", {}))
    assert not allows(rules, request_info("DELETE", "/api/v1/namespaces/shop/pods/x", {}))
    assert not allows(rules, request_info("GET", "/api/v1/pods", {"watch": "true"}))
    assert allows([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}], configz)


def test_a_full_scan_with_exactly_the_deploy_cluster_role_is_never_refused(
    enforcing: tuple[RBACFakeKubeAPI, FakeCluster], tmp_path: Path
) -> None:
    api, cluster = enforcing
    kubeconfig = cluster.write_kubeconfig(tmp_path / "kubeconfig")

    report = scan(kubeconfig)
    snapshot = tmp_path / "snapshot.json"
    collected = run_main("collect", "--kubeconfig", kubeconfig, "-o", snapshot)
    assert collected.code == 0, collected.stderr
    assert run_main("who-can", "list", "secrets", "-A", "--kubeconfig", kubeconfig).code == 0

    assert api.denied == [], api.denied
    assert [s for s in api.seen if s.identity == "user" and s.status == 403] == []
    assert unreadable_inputs(report) == {}
    statuses = {i["name"]: i["status"] for i in report["coverage"]["inputs"]}
    assert statuses["authorizer-probe"] == "ok"  # the one non-read request, granted and used
    asked = {
        (r.group, r.resource) for r in (request_info(s.method, s.path, s.params) for s in api.seen) if r.is_resource
    }
    listed = {(k.group, k.resource) for k in KINDS if k.kind != "Secret"}
    assert listed <= asked  # every kind the role grants was really read
    assert all(s.method in ("GET", "POST") for s in api.seen)
    assert all(s.path.endswith("subjectaccessreviews") for s in api.seen if s.method == "POST")


@pytest.mark.parametrize(
    "option, path, gap",
    [
        ("--kubelet-config", r"/api/v1/nodes/[^/]+/proxy/configz", "kubelet"),
        ("--secret-metadata", r"/api/v1/secrets", "secret-metadata"),
    ],
)
def test_an_opt_in_the_role_does_not_grant_is_refused_and_reported(
    option: str, path: str, gap: str, enforcing: tuple[RBACFakeKubeAPI, FakeCluster], tmp_path: Path
) -> None:
    api, cluster = enforcing
    report = scan(cluster.write_kubeconfig(tmp_path / "kubeconfig"), option)
    assert api.denied and all(re.fullmatch(path, p) for _, p, _ in api.denied), api.denied
    assert gap in unreadable_inputs(report) or gap in report["coverage"]["gaps"]
    assert_honest(report)
    assert report["coverage"]["assessed"] > 0


@pytest.mark.parametrize("overlay", ["kubelet", "secret-metadata"])
def test_each_overlay_role_allows_its_own_opt_in(overlay: str, tls: TLSFiles, tmp_path: Path) -> None:
    folder = DEPLOY / "overlays" / overlay
    pod = scanner(folder)
    options = [a for a in pod.args if a in ("--kubelet-config", "--secret-metadata")]
    assert options, pod.args
    api = RBACFakeKubeAPI(rules=pod.role["rules"])
    api.add(*realistic_cluster())
    with FakeCluster(api, tls) as cluster:
        report = scan(cluster.write_kubeconfig(tmp_path / "kubeconfig"), *options)
    assert api.denied == []
    assert unreadable_inputs(report) == {}


def test_a_role_missing_one_rule_makes_only_that_kind_a_gap(tls: TLSFiles, tmp_path: Path) -> None:
    rules = [
        {**r, "resources": [x for x in r["resources"] if x != "networkpolicies"]} for r in role_rules(CLUSTER_ROLE_FILE)
    ]
    api = RBACFakeKubeAPI(rules=rules)
    api.add(*realistic_cluster())
    with FakeCluster(api, tls) as cluster:
        report = scan(cluster.write_kubeconfig(tmp_path / "kubeconfig"))
    assert [p for _, p, _ in api.denied] == ["/apis/networking.k8s.io/v1/networkpolicies"]
    gaps = unreadable_inputs(report)
    assert list(gaps) == ["NetworkPolicy"] and "forbidden" in gaps["NetworkPolicy"]
    assert_honest(report)
