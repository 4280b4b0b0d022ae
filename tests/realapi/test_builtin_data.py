"""What k8saudit knows about kube-apiserver without asking it, checked against the real server:

- `k8saudit/data/builtin_clusterroles.json` is the bootstrap policy (`tests/gen_builtin_roles.py`);
- `k8saudit/data/builtin_api_resources.json` is every resource served with every API on, with its
  scope (`tests/gen_builtin_resources.py`), the fallback when a source has no discovery;
- the live collector's API discovery (aggregated, two requests) lists exactly what the server's
  legacy discovery documents list, scope included;
- the authorization-only resources of that table (impersonation's users, groups, uids and
  userextras) are cluster-scoped in practice: a RoleBinding granting `impersonate` on them lets no
  real impersonated request through, a ClusterRoleBinding does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from k8saudit.semantics.access import BUILTIN_ROLES_PATH
from k8saudit.sources.live import LiveOptions, collect_live
from tests import gen_builtin_resources, gen_builtin_roles
from tests.realapi.harness import ApiServer

pytestmark = pytest.mark.apiserver
RBAC_V1 = "rbac.authorization.k8s.io/v1"


def test_builtin_cluster_roles_are_the_servers_bootstrap_policy(binaries: Path) -> None:
    assert gen_builtin_roles.render() == BUILTIN_ROLES_PATH.read_text(encoding="utf-8")


def test_builtin_api_resources_are_what_the_server_serves(binaries: Path) -> None:
    assert gen_builtin_resources.render() == gen_builtin_resources.PATH.read_text(encoding="utf-8")


def test_live_discovery_is_the_servers(apiserver: ApiServer, admin_kubeconfig: Path) -> None:
    discovery = collect_live(LiveOptions(kubeconfig=admin_kubeconfig)).facts.apiDiscovery
    assert discovery is not None and (discovery.status, discovery.reason) == ("ok", None)
    ours = {(r.group, r.version, r.resource, r.kind, r.namespaced) for r in discovery.resources}
    legacy = {
        (r["group"], r["version"], r["resource"], r["kind"], r["namespaced"])
        for r in gen_builtin_resources.served(apiserver.admin)
    }
    assert ours == legacy
    assert ("", "v1", "nodes", "Node", False) in ours and ("apps", "v1", "deployments", "Deployment", True) in ours


def _impersonator(kind: str, name: str, namespace: str | None) -> list[dict[str, Any]]:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    rules = [
        {"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]},
        {"apiGroups": ["authentication.k8s.io"], "resources": ["uids", "userextras/scopes"], "verbs": ["impersonate"]},
    ]
    role_kind = "Role" if kind == "RoleBinding" else "ClusterRole"
    return [
        {"apiVersion": RBAC_V1, "kind": role_kind, "metadata": meta, "rules": rules},
        {
            "apiVersion": RBAC_V1,
            "kind": kind,
            "metadata": meta,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": name},
            "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}],
        },
    ]


@pytest.mark.parametrize(
    "header",
    [
        {"Impersonate-User": "bob"},
        {"Impersonate-User": "bob", "Impersonate-Group": "devs"},
        {"Impersonate-User": "bob", "Impersonate-Uid": "1234"},
        {"Impersonate-User": "bob", "Impersonate-Extra-Scopes": "view"},
    ],
    ids=["users", "groups", "uids", "userextras"],
)
def test_impersonation_resources_are_cluster_scoped(apiserver: ApiServer, header: dict[str, str]) -> None:
    admin, alice = apiserver.admin, apiserver.client("alice")
    admin.apply_all(_impersonator("RoleBinding", "k8saudit-impersonate", "default"), workers=1)
    admin.wait_for_authorizer()
    # The impersonation filter asks without a namespace: the RoleBinding never applies.
    refused = alice.request("GET", "/api/v1/namespaces/default/configmaps", headers=header)
    assert refused.status == 403 and 'User "alice" cannot impersonate' in refused.message, refused.message
    admin.apply_all(_impersonator("ClusterRoleBinding", "k8saudit-impersonate", None), workers=1)
    admin.wait_for_authorizer()
    try:
        # Allowed to impersonate; bob himself may not list: 403 from the request, not the filter.
        answer = alice.request("GET", "/api/v1/namespaces/default/configmaps", headers=header)
        assert answer.status == 403 and 'User "bob"' in answer.message, answer.message
    finally:
        for doc in _impersonator("ClusterRoleBinding", "k8saudit-impersonate", None)[::-1]:
            admin.request("DELETE", admin.object_path(doc))
