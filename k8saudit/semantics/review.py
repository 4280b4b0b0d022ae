"""The report's access review: for each family of risky permissions, who holds it, where, and
through which binding, role and rule (what `kubectl-who-can` answers for all the risky verbs at
once), with the escalation path from a team's namespace to the cluster where there is one.

It stands on the access model (`k8saudit.semantics.access`), the risky-permission catalogue
(`k8saudit.semantics.risky`) and the escalation paths (`k8saudit.semantics.escalation`); the
engine builds it after the checks from the scan context (`k8saudit/engine/sections.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from k8saudit.model.findings import AccessGrant, AccessHolder, AccessPermission, AccessReview, AccessSubject
from k8saudit.model.inventory import Inventory
from k8saudit.semantics.access import (
    AccessModel,
    access_grant,
    is_everyone,
    permission_label,
    reaches_cluster,
    review_status,
)
from k8saudit.semantics.escalation import Escalations
from k8saudit.semantics.rbac import Grant, SubjectRef
from k8saudit.semantics.risky import RISKY_PERMISSIONS, RiskyPermission, Scope

#: Report titles of the permission families of `RISKY_PERMISSIONS`.
FAMILY_TITLES: dict[str, str] = {
    "all": "Every verb on every resource (cluster-admin)",
    "secrets-read": "Read Secrets",
    "pods-create": "Create pods",
    "pods-exec": "Exec into pods",
    "pods-attach": "Attach to pods",
    "pods-portforward": "Port-forward to pods",
    "pods-ephemeralcontainers": "Add debug containers to pods",
    "bind": "Bind roles they do not hold",
    "escalate": "Grant more than they hold (escalate)",
    "impersonate": "Impersonate users, groups or service accounts",
    "rolebindings-create": "Create RoleBindings",
    "clusterrolebindings-create": "Create ClusterRoleBindings",
    "serviceaccounts-token": "Mint service-account tokens",
    "nodes-proxy": "Reach the kubelet API (nodes/proxy)",
    "csr-approve": "Approve certificate signing requests",
    "persistentvolumes-create": "Create PersistentVolumes",
    "webhooks": "Create or change admission webhooks",
    "delete-all": "Delete any resource",
}


@dataclass
class _HolderAcc:
    subject: SubjectRef
    grants: list[tuple[RiskyPermission, Grant]]


def build_access_review(
    inv: Inventory,
    model: AccessModel,
    permissions: Sequence[RiskyPermission] = RISKY_PERMISSIONS,
    in_scope: Callable[[str | None], bool] = lambda namespace: True,
    escalations: Escalations | None = None,
) -> AccessReview:
    """For each family of risky permissions, who holds it, where, and through which binding
    (`model` is the access model of `inv`).

    Listed: every subject with a grant that reaches the cluster (`reaches_cluster`), built-in ones
    included and marked, with all its grants of that family, and every subject whose namespaced
    grant of that family leads to a ServiceAccount that reaches the cluster (`escalations`, the
    scan's `semantics.escalation`: the same paths the RBAC checks fail at high, named in
    `escalation`). Subjects that hold a permission only through RoleBindings of ordinary
    namespaces otherwise (how teams are given their namespace; thousands on a large cluster) are
    counted per family, not listed: `k8saudit who-can VERB RESOURCE -A` lists them.
    Grants through RoleBindings of namespaces outside the scan's scope (`namespaces:` in the
    config) are left out, as findings there are; cluster-wide grants always count.
    """
    status, reason = review_status(inv)
    if status == "not-assessable":
        return AccessReview(status="not-assessable", reason=reason)
    wanted = {p.id for p in permissions}
    families: dict[str, list[RiskyPermission]] = defaultdict(list)
    for p in permissions:
        families[p.family].append(p)
    holders: dict[str, dict[SubjectRef, _HolderAcc]] = defaultdict(dict)
    for row in model.review:
        if row.permission.id in wanted:
            grants = [(row.permission, g) for g in row.grants if in_scope(g.namespace)]
            if grants:
                acc = holders[row.permission.family].setdefault(row.subject, _HolderAcc(row.subject, []))
                acc.grants.extend(grants)
    entries: list[AccessPermission] = []
    for family, members in families.items():
        found: list[AccessHolder] = []
        local_subjects = 0
        local_namespaces: set[str] = set()
        for subject in sorted(holders.get(family, {}), key=lambda s: s.sort_key):
            acc = holders[family][subject]
            paths = _escalations(escalations, acc, family)
            if not paths and not any(reaches_cluster(g) for _, g in acc.grants):
                local_subjects += 1
                local_namespaces.update(g.namespace for _, g in acc.grants if g.namespace)
                continue
            found.append(_holder(model, acc, paths))
        entries.append(
            AccessPermission(
                id=family,
                title=FAMILY_TITLES.get(family, members[0].title),
                requests=[p.label for p in members],
                clusterScoped=all(p.scope is Scope.CLUSTER for p in members),
                references=sorted({r for p in members for r in p.references}),
                holders=found,
                namespacedHolders=local_subjects,
                namespacedIn=len(local_namespaces),
            )
        )
    return AccessReview(status=status, reason=reason, permissions=entries)


def _escalations(escalations: Escalations | None, acc: _HolderAcc, family: str) -> list[str]:
    """How the holder's namespaced grants of `family` lead to the cluster (see `semantics.escalation`)."""
    if escalations is None:
        return []
    found: list[str] = []
    roles: dict[str, str] = {}  # namespace -> the first role that grants it there, as the checks name it
    for _, grant in acc.grants:
        if grant.namespace:
            roles.setdefault(grant.namespace, f"{grant.path.role_kind} {grant.path.role_name} in {grant.namespace}")
    for namespace, via in sorted(roles.items()):
        for path in escalations.paths(acc.subject, namespace):
            text = path.describe(via)
            if path.family == family and text not in found:
                found.append(text)
    return found


def _holder(model: AccessModel, acc: _HolderAcc, escalation: list[str] | None = None) -> AccessHolder:
    permissions: list[str] = []
    grants: dict[tuple[str, str | None, str, int, str | None], AccessGrant] = {}
    for permission, grant in acc.grants:
        label = permission_label(grant, permission)
        if label not in permissions:
            permissions.append(label)
        binding = model.binding(grant.path)
        if binding is None:  # pragma: no cover - every grant comes from a known binding
            continue
        path = grant.path
        key = (path.binding_kind, path.binding_namespace, path.binding_name, path.rule_index, path.rule_source)
        entry = grants.get(key)
        if entry is None:
            entry = grants[key] = access_grant(model, binding, grant, grant.subject, [])
        if label not in entry.permissions:
            entry.permissions.append(label)
    found = sorted(grants.values(), key=lambda g: (g.namespace is not None, g.namespace or "", g.binding.name, g.rule))
    subject = acc.subject
    return AccessHolder(
        subject=AccessSubject(kind=subject.kind, namespace=subject.namespace, name=subject.name),
        builtIn=all(g.builtIn for g in found),
        everyone=is_everyone(subject),
        clusterWide=any(g.namespace is None for g in found),
        namespaces=sorted({g.namespace for g in found if g.namespace}),
        permissions=permissions,
        grants=found,
        escalation=escalation or [],
    )
