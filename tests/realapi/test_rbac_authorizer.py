"""Proof 3: k8saudit's RBAC engine against the real authorizer, in both directions.

`tests/rbac_cases.py` (wildcards, `*/scale`, `pods/*`, resourceNames, non-resource URLs,
aggregated ClusterRoles, groups such as `system:serviceaccounts:ci` and `system:authenticated`,
bindings to missing roles and ServiceAccounts) is applied to the shared server next to its
bootstrap RBAC and whatever the other tests created; the inventory is read back by the live
collector, so the engine judges exactly what the authorizer holds. Then:

- every question of the cases (about 7,000 resource and 400 URL questions): `can()` equals the
  SubjectAccessReview's answer;
- every grant of the access review is allowed by a SubjectAccessReview for that subject (as
  `identity_of` gives it), at that grant's scope;
- the other direction, for every risky permission of the catalogue, every subject some binding
  names (and every identity of the cases) and cluster-wide plus every namespace: whenever the
  server allows it, the access review has a grant that covers it, and `who_can` lists a subject
  that applies to that identity; and whenever it refuses, neither does.

The real ClusterRole aggregation controller runs beside the server (kube-controller-manager with
only that controller), so aggregated roles hold what a cluster's do (the bootstrap `admin`,
`edit` and `view` included), and the engine is asked in the mode the CLI uses,
`Aggregation.CONTROLLER`: what is proven is what `k8saudit` reports. (It used to be asked in
`STORED` mode against a server without the controller, which proved a mode nobody runs.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from k8saudit.model import objects as o
from k8saudit.model.inventory import Inventory
from k8saudit.semantics.access import AccessModel
from k8saudit.semantics.rbac import Aggregation, RbacIndex, SubjectRef, identity_of
from k8saudit.semantics.risky import RISKY_PERMISSIONS, RiskyPermission, Scope, access_review
from k8saudit.sources.live import LiveOptions, collect_live
from tests import rbac_cases
from tests.realapi.harness import ApiServer

pytestmark = pytest.mark.apiserver
#: The CLI's own mode (AccessModel's default), now that the real controller runs.
MODE = Aggregation.CONTROLLER

#: (user, groups, verb, group, resource, subresource, namespace, name, path)
Sar = tuple[str, tuple[str, ...], str, str, str, str, str, str, str]


class Oracle:
    """SubjectAccessReviews against the server, asked concurrently and remembered."""

    def __init__(self, server: ApiServer) -> None:
        self.server = server
        self.answers: dict[Sar, bool] = {}

    def ask(self, questions: Iterable[Sar]) -> None:
        missing = sorted({q for q in questions if q not in self.answers})
        client = self.server.admin

        def one(q: Sar) -> bool:
            user, groups, verb, group, resource, sub, ns, name, path = q
            if path:
                return client.subject_access_review(user, groups, verb=verb, path=path)
            return client.subject_access_review(
                user, groups, verb=verb, resource=resource, group=group, subresource=sub or None,
                namespace=ns or None, name=name or None,
            )  # fmt: skip

        for q, allowed in zip(missing, client.map_concurrently(one, missing, workers=8), strict=True):
            self.answers[q] = allowed

    def __getitem__(self, q: Sar) -> bool:
        return self.answers[q]


def sar(user: str, groups: Sequence[str], perm: RiskyPermission, namespace: str | None, name: str | None = None) -> Sar:
    return (user, tuple(groups), perm.verb, perm.api_group, perm.resource, perm.subresource, namespace or "",
            name or "", "")  # fmt: skip


@pytest.fixture(scope="module")
def rbac_cluster(aggregating: ApiServer, admin_kubeconfig: Path) -> Inventory:
    aggregating.admin.apply_all(rbac_cases.documents())
    aggregating.admin.wait_for_aggregation()
    aggregating.admin.wait_for_authorizer()
    return collect_live(LiveOptions(kubeconfig=admin_kubeconfig))


@pytest.fixture(scope="module")
def oracle(apiserver: ApiServer) -> Oracle:
    return Oracle(apiserver)


def test_the_cluster_holds_the_cases_and_the_bootstrap_roles(rbac_cluster: Inventory) -> None:
    names = {b.name for b in rbac_cluster.of("ClusterRoleBinding", o.ClusterRoleBinding)}
    assert {"cluster-admin", "k8saudit-alice-admin", "k8saudit-bob-missing"} <= names
    model = AccessModel(rbac_cluster)
    dangling = {(b.namespace, b.name) for b, _ in model.bindings() if model.rules_of(b) is None}
    assert {(None, "k8saudit-bob-missing"), ("ci", "erin-missing"), ("shop", "gone")} <= dangling


def test_can_agrees_with_the_authorizer_on_every_case_question(rbac_cluster: Inventory, oracle: Oracle) -> None:
    questions = rbac_cases.questions()
    asked = {
        q: (q.user, q.groups, q.verb, q.api_group, q.resource, q.subresource or "", q.namespace or "", q.name or "", "")
        for q in questions
    }
    urls = {q: (q.user, q.groups, q.verb, "", "", "", "", "", q.path) for q in rbac_cases.url_questions()}
    oracle.ask([*asked.values(), *urls.values()])

    engine = RbacIndex(rbac_cluster, MODE)
    wrong = []
    for q, key in asked.items():
        ours = engine.can(q.user, q.groups, q.verb, q.resource, api_group=q.api_group, subresource=q.subresource,
                          namespace=q.namespace, name=q.name)  # fmt: skip
        if ours != oracle[key]:
            wrong.append(f"{q}: k8saudit {ours}, server {oracle[key]}")
    for u, key in urls.items():
        ours = engine.can_url(u.user, u.groups, u.verb, u.path)
        if ours != oracle[key]:
            wrong.append(f"{u}: k8saudit {ours}, server {oracle[key]}")

    assert wrong == []
    allowed = sum(oracle[k] for k in asked.values())
    assert 0.05 * len(asked) < allowed < 0.95 * len(asked)  # a mix, not all one answer
    assert len(asked) > 7000 and len(urls) > 400


def test_every_access_review_grant_is_allowed_by_the_server(rbac_cluster: Inventory, oracle: Oracle) -> None:
    rows = access_review(RbacIndex(rbac_cluster, MODE))
    checks: list[tuple[str, Sar]] = []
    for row in rows:
        user, groups = identity_of(row.subject)
        for grant in row.grants:
            name = grant.resource_names[0] if grant.resource_names else None
            what = f"{row.permission.id} {row.subject} via {grant.path}"
            checks.append((what, sar(user, groups, row.permission, grant.namespace, name)))
    oracle.ask(q for _, q in checks)

    assert [what for what, q in checks if not oracle[q]] == []
    subjects = {(row.permission.id, str(row.subject)) for row in rows}
    assert {
        ("secrets-read:list", "ServiceAccount ci/deployer"),  # ClusterRoleBinding to secret-reader
        ("secrets-read:get", "Group shop-team"),  # RoleBinding to a ClusterRole
        ("all:*", "User alice"),
        ("impersonate:users", "User support"),  # resourceNames: only bob
        ("serviceaccounts-token:create", "User system:serviceaccount:dev:debugger"),
        ("all:*", "Group system:masters"),  # the bootstrap cluster-admin binding
    } <= subjects


def _identities(inv: Inventory) -> list[tuple[str, tuple[str, ...]]]:
    found = {(u, tuple(g)) for ref in RbacIndex(inv, MODE).bindings_by_subject() for u, g in [identity_of(ref)]}
    found.update((u, tuple(g)) for u, g in rbac_cases.IDENTITIES)
    return sorted(found)


def _applies(subject: SubjectRef, user: str, groups: Sequence[str]) -> bool:
    if subject.kind == "Group":
        return subject.name in groups
    return subject.username == user


def test_what_the_server_allows_the_access_review_and_who_can_report(rbac_cluster: Inventory, oracle: Oracle) -> None:
    # Namespaces without RoleBindings are all alike (only ClusterRoleBindings apply): ask one.
    bound = sorted({b.namespace for b in rbac_cluster.of("RoleBinding", o.RoleBinding) if b.namespace})
    unbound = [ns for ns in rbac_cluster.namespaces if ns not in bound][:1]
    namespaces: list[str | None] = [None, *bound, *unbound]
    identities = _identities(rbac_cluster)
    rows = access_review(RbacIndex(rbac_cluster, MODE))

    def scopes(perm: RiskyPermission) -> list[str | None]:
        # A cluster-scoped permission is asked cluster-wide only: a review naming a namespace for
        # it is allowed by that namespace's RoleBindings, though no real request carries one.
        return [None] if perm.scope is Scope.CLUSTER else namespaces

    oracle.ask(sar(u, g, p, ns) for u, g in identities for p in RISKY_PERMISSIONS for ns in scopes(p))

    engine = RbacIndex(rbac_cluster, MODE)
    wrong = []
    for perm in RISKY_PERMISSIONS:
        grants = [(row.subject, g) for row in rows if row.permission == perm for g in row.grants]
        for ns in scopes(perm):
            holders = engine.who_can(perm.verb, perm.resource, api_group=perm.api_group,
                                     subresource=perm.subresource or None, namespace=ns)  # fmt: skip
            for user, groups in identities:
                server = oracle[sar(user, groups, perm, ns)]
                reviewed = any(
                    _applies(subject, user, groups) and not g.only_named and g.namespace in (None, ns)
                    for subject, g in grants
                )
                listed = any(_applies(h.subject, user, groups) for h in holders)
                if not (server == reviewed == listed):
                    wrong.append(f"{perm.label} in {ns or 'cluster'} for {user} {list(groups)}: server {server}, "
                                 f"access review {reviewed}, who_can {listed}")  # fmt: skip

    assert wrong == []
    assert len(identities) > 40 and len(bound) >= 5 and unbound
