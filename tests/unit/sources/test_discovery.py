"""API discovery (k8saudit/sources/discovery.py) and where its answer travels: the cluster facts of a
live scan and its snapshot, the CRDs of manifests, and the built-in table for everything else
(k8saudit/semantics/apiresources.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from k8saudit.model.facts import ApiDiscovery, ApiResource, ClusterFactsSpec
from k8saudit.semantics.apiresources import ApiScopes, builtin_resources
from k8saudit.sources.discovery import ACCEPT, crd_resources, discover
from k8saudit.sources.files import dumps_snapshot, load_manifests, load_snapshot
from tests.conftest import make_inventory


@dataclass
class Answer:
    status: int
    data: bytes


class Server:
    """Answers discovery paths from a dict; records what was asked, with which Accept header."""

    def __init__(self, documents: dict[str, Any], statuses: dict[str, int] | None = None) -> None:
        self.documents, self.statuses = documents, statuses or {}
        self.asked: list[tuple[str, str]] = []

    def __call__(self, path: str, accept: str) -> Answer:
        self.asked.append((path, accept))
        if path in self.statuses:
            return Answer(self.statuses[path], b"{}")
        if path not in self.documents:
            return Answer(404, b"{}")
        return Answer(200, json.dumps(self.documents[path]).encode())


def aggregated(*groups: tuple[str, str, list[tuple[str, str, str]]]) -> dict[str, Any]:
    """An APIGroupDiscoveryList: (group, version, [(resource, kind, scope)])."""
    return {
        "apiVersion": "apidiscovery.k8s.io/v2",
        "kind": "APIGroupDiscoveryList",
        "items": [
            {
                "metadata": {"name": group} if group else {},
                "versions": [
                    {
                        "version": version,
                        "resources": [
                            {"resource": r, "responseKind": {"kind": k}, "scope": scope, "verbs": ["get"]}
                            for r, k, scope in resources
                        ],
                    }
                ],
            }
            for group, version, resources in groups
        ],
    }


def test_aggregated_discovery_is_two_requests_with_every_resource_and_its_scope() -> None:
    server = Server(
        {
            "/api": aggregated(("", "v1", [("nodes", "Node", "Cluster"), ("pods", "Pod", "Namespaced")])),
            "/apis": aggregated(("longhorn.io", "v1beta2", [("nodes", "Node", "Namespaced")])),
        }
    )
    found = discover(server)
    assert [path for path, _ in server.asked] == ["/api", "/apis"]
    assert all(accept == ACCEPT for _, accept in server.asked)
    assert "as=APIGroupDiscoveryList" in ACCEPT and ACCEPT.endswith("application/json")
    assert (found.status, found.reason) == ("ok", None)
    assert [(r.group, r.version, r.resource, r.kind, r.namespaced) for r in found.resources] == [
        ("", "v1", "nodes", "Node", False),
        ("", "v1", "pods", "Pod", True),
        ("longhorn.io", "v1beta2", "nodes", "Node", True),
    ]


def test_a_stale_aggregated_api_is_named_and_kept() -> None:
    stale = aggregated(("metrics.k8s.io", "v1beta1", [("pods", "PodMetrics", "Namespaced")]))
    stale["items"][0]["versions"][0]["freshness"] = "Stale"
    found = discover(Server({"/api": aggregated(), "/apis": stale}))
    assert found.status == "ok" and found.reason is not None and "metrics.k8s.io/v1beta1: stale" in found.reason
    assert [r.resource for r in found.resources] == ["pods"]


def test_legacy_discovery_reads_each_group_version_and_names_the_ones_that_fail() -> None:
    server = Server(
        {
            "/api": {"kind": "APIVersions", "versions": ["v1"]},
            "/api/v1": {
                "kind": "APIResourceList",
                "resources": [
                    {"name": "nodes", "kind": "Node", "namespaced": False},
                    {"name": "nodes/proxy", "kind": "NodeProxyOptions", "namespaced": False},
                    {"name": "pods", "kind": "Pod", "namespaced": True},
                ],
            },
            "/apis": {
                "kind": "APIGroupList",
                "groups": [
                    {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}]},
                    {
                        "name": "metrics.k8s.io",
                        "versions": [{"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}],
                    },
                ],
            },
            "/apis/apps/v1": {
                "kind": "APIResourceList",
                "resources": [{"name": "deployments", "kind": "Deployment", "namespaced": True}],
            },
        },
        statuses={"/apis/metrics.k8s.io/v1beta1": 503},
    )
    found = discover(server)
    assert [(r.group, r.resource, r.namespaced) for r in found.resources] == [
        ("", "nodes", False),  # nodes/proxy left out: a subresource has its resource's scope
        ("", "pods", True),
        ("apps", "deployments", True),
    ]
    assert found.status == "ok" and found.reason == "GET /apis/metrics.k8s.io/v1beta1: 503"


def test_no_discovery_is_recorded_never_fatal() -> None:
    assert discover(Server({}, statuses={"/api": 403})) == ApiDiscovery(status="forbidden", reason="GET /api: 403")

    def unreachable(path: str, accept: str) -> Answer:
        raise ConnectionResetError("the connection was reset")

    gone = discover(unreachable)
    assert gone.status == "error" and gone.reason == "GET /api: the connection was reset"
    garbage = discover(lambda path, accept: Answer(200, b"<html>"))
    assert (garbage.status, garbage.reason) == ("error", "GET /api: not JSON")
    # /api answers, nothing below it does: not "ok" with nothing in it.
    hollow = discover(Server({"/api": {"kind": "APIVersions", "versions": ["v1"]}}))
    assert (hollow.status, hollow.reason, hollow.resources) == ("error", "GET /api/v1: 404; GET /apis: 404", [])


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "applications.argoproj.io"},
    "spec": {
        "group": "argoproj.io",
        "scope": "Namespaced",
        "names": {"plural": "applications", "kind": "Application"},
        "versions": [
            {"name": "v1alpha1", "served": True, "storage": True},
            {"name": "v1alpha0", "served": False, "storage": False},
        ],
    },
}


def test_crds_declare_their_resources() -> None:
    assert crd_resources(CRD) == [
        ApiResource(
            group="argoproj.io", version="v1alpha1", resource="applications", kind="Application", namespaced=True
        )
    ]
    cluster = {**CRD, "spec": {**CRD["spec"], "scope": "Cluster"}}
    assert not crd_resources(cluster)[0].namespaced
    assert crd_resources({"kind": "CustomResourceDefinition", "spec": {"group": "x.io"}}) == []  # no plural


def test_manifests_and_dumps_carry_their_crds_and_snapshots_their_discovery(tmp_path: Path) -> None:
    manifests = tmp_path / "crds.yaml"
    manifests.write_text(yaml.safe_dump(CRD))
    inv = load_manifests([manifests])
    assert [r.resource for r in inv.facts.customResources] == ["applications"]
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [CRD]}))
    assert [r.group for r in load_snapshot(dump).facts.customResources] == ["argoproj.io"]
    # What a live scan discovered travels in its snapshot.
    facts = ClusterFactsSpec(
        source="live",
        apiDiscovery=ApiDiscovery(resources=[ApiResource(group="", version="v1", resource="nodes", namespaced=False)]),
    )
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(dumps_snapshot(make_inventory([], facts)))
    assert load_snapshot(snapshot).facts.apiDiscovery == facts.apiDiscovery


def test_the_built_in_table_is_the_fallback_and_the_cluster_wins() -> None:
    table = {(r.group, r.resource): r.namespaced for r in builtin_resources()}
    assert table[("", "nodes")] is False and table[("", "pods")] is True
    assert table[("flowcontrol.apiserver.k8s.io", "flowschemas")] is False
    assert table[("", "users")] is False  # impersonation-only: no API serves it
    scopes = ApiScopes(ClusterFactsSpec())
    assert scopes.group_of("deployments") == "apps" and scopes.group_of("events") == ""
    assert scopes.namespaced("example.com", "widgets") is None and not scopes.cluster_scoped("example.com", "widgets")
    custom = ClusterFactsSpec(
        customResources=[ApiResource(group="example.com", resource="widgets", namespaced=False)],
        apiDiscovery=ApiDiscovery(resources=[ApiResource(group="", resource="pods", namespaced=True)]),
    )
    scopes = ApiScopes(custom)
    assert scopes.cluster_scoped("example.com", "widgets") and scopes.group_of("widgets") == "example.com"
