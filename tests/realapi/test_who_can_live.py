"""`k8saudit who-can` on a live kube-apiserver, through the CLI with a kubeconfig: every subject
it lists is one the server's authorizer allows (SubjectAccessReview, as `identity_of` gives the
subject's identity), and the subjects of this test's own bindings are listed exactly where the
server allows them. And the one cluster-scoped request asked per namespace, `bind` on
clusterroles, is what the server checks when a RoleBinding is really created.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from k8saudit.semantics.rbac import SubjectRef, identity_of
from tests.integration.runcli import invoke
from tests.realapi.harness import ApiServer

pytestmark = pytest.mark.apiserver

RBAC_V1 = "rbac.authorization.k8s.io/v1"
P = "k8saudit-whocan-"
NS_A, NS_B = f"{P}a", f"{P}b"


def _role(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": RBAC_V1, "kind": "ClusterRole", "metadata": {"name": name}, "rules": rules}


def _ref(name: str) -> dict[str, str]:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name}


def objects() -> list[dict[str, Any]]:
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS_A}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS_B}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "namespace": NS_A}},
        _role(f"{P}exec", [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]),
        _role(f"{P}secrets", [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]),
        {
            "apiVersion": RBAC_V1,
            "kind": "ClusterRoleBinding",
            "metadata": {"name": f"{P}support"},
            "roleRef": _ref(f"{P}exec"),
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": f"{P}support"}],
        },
        {
            "apiVersion": RBAC_V1,
            "kind": "RoleBinding",
            "metadata": {"name": "app-secrets", "namespace": NS_A},
            "roleRef": _ref(f"{P}secrets"),
            "subjects": [{"kind": "ServiceAccount", "name": "app", "namespace": NS_A}],
        },
        {
            "apiVersion": RBAC_V1,
            "kind": "RoleBinding",
            "metadata": {"name": "carol-exec", "namespace": NS_B},
            "roleRef": _ref(f"{P}exec"),
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": f"{P}carol"}],
        },
    ]


OURS = {
    SubjectRef("Group", f"{P}support"),
    SubjectRef("ServiceAccount", "app", NS_A),
    SubjectRef("User", f"{P}carol"),
}

#: (verb, RESOURCE[/SUB], namespace or None) -> which of OURS the server allows.
QUESTIONS: list[tuple[str, str, str | None, set[SubjectRef]]] = [
    ("create", "pods/exec", None, {SubjectRef("Group", f"{P}support")}),
    ("create", "pods/exec", NS_B, {SubjectRef("Group", f"{P}support"), SubjectRef("User", f"{P}carol")}),
    ("list", "secrets", NS_A, {SubjectRef("ServiceAccount", "app", NS_A)}),
    ("list", "secrets", None, set()),
]


@pytest.fixture(scope="module")
def loaded(apiserver: ApiServer) -> ApiServer:
    apiserver.admin.apply_all(objects(), workers=1)
    return apiserver


def ask(kubeconfig: Path, verb: str, resource: str, namespace: str | None) -> dict[str, Any]:
    where = ["-n", namespace] if namespace else []
    result = invoke("who-can", verb, resource, *where, "--kubeconfig", kubeconfig, "--format", "json")
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def allowed(server: ApiServer, subject: SubjectRef, verb: str, resource: str, namespace: str | None) -> bool:
    user, groups = identity_of(subject)
    res, _, sub = resource.partition("/")
    return server.admin.subject_access_review(
        user, groups, verb=verb, resource=res, subresource=sub or None, namespace=namespace
    )


@pytest.mark.parametrize(("verb", "resource", "namespace", "expected"), QUESTIONS)
def test_live_who_can_agrees_with_the_authorizer(
    loaded: ApiServer,
    admin_kubeconfig: Path,
    verb: str,
    resource: str,
    namespace: str | None,
    expected: set[SubjectRef],
) -> None:
    answer = ask(admin_kubeconfig, verb, resource, namespace)
    assert answer["status"] == "complete", answer["reason"]
    listed = {
        SubjectRef(s["subject"]["kind"], s["subject"]["name"], s["subject"]["namespace"]) for s in answer["subjects"]
    }
    assert listed & OURS == expected
    for subject in OURS:
        assert allowed(loaded, subject, verb, resource, namespace) is (subject in expected), subject
    for subject in listed:  # everything listed, our subjects and the bootstrap ones alike
        assert allowed(loaded, subject, verb, resource, namespace), subject
    for entry in answer["subjects"]:
        for grant in entry["grants"]:
            assert grant["binding"]["name"] and grant["role"]["name"]
            assert grant["namespace"] in (None, namespace)


def test_bind_clusterroles_is_checked_in_the_rolebindings_namespace(loaded: ApiServer, admin_kubeconfig: Path) -> None:
    """Issue 15 item 15 on the real server: ServiceAccount NS_A/binder may create RoleBindings and
    bind ClusterRoles only through a RoleBinding in NS_A (its token comes from TokenRequest, so no
    other test's grant applies to it); creating a RoleBinding to `admin`, whose rules it does not
    hold, succeeds there and is refused in NS_B, and `who-can bind clusterroles -n NS_A` lists it."""
    binder = _role(
        f"{P}binder",
        [
            {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "verbs": ["create"]},
            {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"]},
        ],
    )
    grant = {
        "apiVersion": RBAC_V1,
        "kind": "RoleBinding",
        "metadata": {"name": "binder-binds", "namespace": NS_A},
        "roleRef": _ref(f"{P}binder"),
        "subjects": [{"kind": "ServiceAccount", "name": "binder", "namespace": NS_A}],
    }
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "binder", "namespace": NS_A}}
    loaded.admin.apply_all([account, binder, grant], workers=1)
    loaded.admin.wait_for_authorizer()
    sa = loaded.client(None, token=loaded.admin.token_request(NS_A, "binder"))

    def bind_admin(namespace: str) -> int:
        binding = {
            "apiVersion": RBAC_V1,
            "kind": "RoleBinding",
            "metadata": {"name": "binder-made-this", "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "someone"}],
        }
        return sa.create(binding).status

    assert bind_admin(NS_A) == 201
    assert bind_admin(NS_B) == 403

    def listed(namespace: str) -> set[tuple[str, str | None, str]]:
        answer = ask(admin_kubeconfig, "bind", "clusterroles", namespace)
        return {(s["subject"]["kind"], s["subject"]["namespace"], s["subject"]["name"]) for s in answer["subjects"]}

    assert ("ServiceAccount", NS_A, "binder") in listed(NS_A)
    assert ("ServiceAccount", NS_A, "binder") not in listed(NS_B)
