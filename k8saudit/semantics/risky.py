"""Risky permissions: the catalogue of requests worth knowing who may make (read Secrets, exec
into pods, bind roles, impersonate, ...), and who holds each, decided by the authorizer's own
rules (`k8saudit.semantics.rbac`). The RBAC permission checks, the report's access review and
`k8saudit who-can` all read it through the access model (`k8saudit.semantics.access`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from k8saudit.model import objects as o
from k8saudit.semantics.rbac import (
    RBAC_GROUP,
    BindingRef,
    EffectiveRule,
    Grant,
    RbacIndex,
    Request,
    ResourceRequest,
    RoleKey,
    RuleMatch,
    SubjectRef,
    grant_of,
    grant_path,
    grants_everything,
    match_rule,
    names_restrict,
    resolve_subject,
)


class Scope(StrEnum):
    #: Only cluster-wide grants (ClusterRoleBindings) give it: the resource is cluster-scoped,
    #: or the request is made without a namespace.
    CLUSTER = "cluster"
    #: Grants in any namespace count too; each grant says where it applies.
    ANY = "any"


#: Verbs whose request never carries a name for a top-level resource, so a rule restricted
#: by resourceNames can never allow them (list/watch can name one object by field selector),
#: unless those names include the empty one, which a request without a name matches.
_NAMELESS_VERBS = frozenset({"create", "deletecollection", "*"})


@dataclass(frozen=True, slots=True)
class RiskyPermission:
    """One risky (verb, apiGroup, resource[/subresource], scope) the access review reports."""

    id: str
    family: str
    title: str
    verb: str
    api_group: str
    resource: str
    subresource: str = ""
    scope: Scope = Scope.ANY
    references: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        group = f".{self.api_group}" if self.api_group else ""
        sub = f"/{self.subresource}" if self.subresource else ""
        return f"{self.verb} {self.resource}{group}{sub}"

    @property
    def everything(self) -> bool:
        """Every verb on every resource: held through a rule that grants everything
        (`rbac.grants_everything`: `*`, or every standard verb spelled out), not only `*`."""
        return self.verb == self.api_group == self.resource == "*"

    @property
    def counts_named_grants(self) -> bool:
        """Whether a grant limited to some resourceNames still grants this (for those names)."""
        return bool(self.subresource) or self.verb not in _NAMELESS_VERBS

    def request(self) -> ResourceRequest:
        return ResourceRequest(self.verb, self.resource, self.api_group, self.subresource)


def _perm(
    id: str,
    title: str,
    verb: str,
    group: str,
    resource: str,
    sub: str = "",
    scope: Scope = Scope.ANY,
    refs: tuple[str, ...] = (),
) -> RiskyPermission:
    return RiskyPermission(id, id.split(":")[0], title, verb, group, resource, sub, scope, refs)


_CERTS = "certificates.k8s.io"
_ADMISSION = "admissionregistration.k8s.io"
_EXEC_REFS = ("kubescape:C-0002",)

#: The catalogue, in report order. Sources: CONTROLS.md section 5; CIS Kubernetes Benchmark
#: 5.1.1-5.1.13; Kubescape C-0002 (exec), C-0007 (data destruction), C-0015/C-0186 (secrets),
#: C-0035/C-0185 (cluster-admin), C-0063 (port-forward), C-0065 (impersonation),
#: C-0187 (wildcards), C-0188 (create pods).
RISKY_PERMISSIONS: tuple[RiskyPermission, ...] = (
    _perm("all:*", "every verb on every resource (cluster-admin equivalent when cluster-wide)", "*", "*", "*",
          refs=("cis:5.1.1", "cis:5.1.3", "kubescape:C-0035", "kubescape:C-0185", "kubescape:C-0187")),
    _perm("secrets-read:get", "read Secrets", "get", "", "secrets", refs=("cis:5.1.2", "kubescape:C-0015")),
    _perm("secrets-read:list", "list Secrets (with their values)", "list", "", "secrets",
          refs=("cis:5.1.2", "kubescape:C-0015")),
    _perm("secrets-read:watch", "watch Secrets (with their values)", "watch", "", "secrets",
          refs=("cis:5.1.2", "kubescape:C-0015")),
    _perm("pods-create:create", "create pods (run any image as any ServiceAccount of the namespace)", "create", "",
          "pods", refs=("cis:5.1.4", "kubescape:C-0188")),
    _perm("pods-exec:create", "exec into pods", "create", "", "pods", "exec", refs=_EXEC_REFS),
    _perm("pods-exec:get", "exec into pods (websocket upgrade)", "get", "", "pods", "exec", refs=_EXEC_REFS),
    _perm("pods-attach:create", "attach to pods", "create", "", "pods", "attach", refs=_EXEC_REFS),
    _perm("pods-attach:get", "attach to pods (websocket upgrade)", "get", "", "pods", "attach", refs=_EXEC_REFS),
    _perm("pods-portforward:create", "port-forward to pods", "create", "", "pods", "portforward",
          refs=("kubescape:C-0063",)),
    _perm("pods-portforward:get", "port-forward to pods (websocket upgrade)", "get", "", "pods", "portforward",
          refs=("kubescape:C-0063",)),
    _perm("pods-ephemeralcontainers:patch", "add ephemeral (debug) containers to pods", "patch", "", "pods",
          "ephemeralcontainers"),
    _perm("pods-ephemeralcontainers:update", "add ephemeral (debug) containers to pods", "update", "", "pods",
          "ephemeralcontainers"),
    _perm("bind:roles", "bind Roles they do not hold", "bind", RBAC_GROUP, "roles", refs=("cis:5.1.8",)),
    _perm("bind:clusterroles", "bind ClusterRoles they do not hold", "bind", RBAC_GROUP, "clusterroles",
          refs=("cis:5.1.8",)),
    _perm("escalate:roles", "grant more than they hold in Roles", "escalate", RBAC_GROUP, "roles",
          refs=("cis:5.1.8",)),
    _perm("escalate:clusterroles", "grant more than they hold in ClusterRoles", "escalate", RBAC_GROUP,
          "clusterroles", scope=Scope.CLUSTER, refs=("cis:5.1.8",)),
    _perm("impersonate:users", "impersonate users", "impersonate", "", "users", scope=Scope.CLUSTER,
          refs=("cis:5.1.8", "kubescape:C-0065")),
    _perm("impersonate:groups", "impersonate groups", "impersonate", "", "groups", scope=Scope.CLUSTER,
          refs=("cis:5.1.8", "kubescape:C-0065")),
    _perm("impersonate:serviceaccounts", "impersonate ServiceAccounts", "impersonate", "", "serviceaccounts",
          refs=("cis:5.1.8", "kubescape:C-0065")),
    _perm("rolebindings-create:create", "create RoleBindings", "create", RBAC_GROUP, "rolebindings"),
    _perm("clusterrolebindings-create:create", "create ClusterRoleBindings", "create", RBAC_GROUP,
          "clusterrolebindings", scope=Scope.CLUSTER),
    _perm("serviceaccounts-token:create", "mint ServiceAccount tokens", "create", "", "serviceaccounts", "token",
          refs=("cis:5.1.13",)),
    _perm("nodes-proxy:get", "reach the kubelet API (exec in any pod of a node)", "get", "", "nodes", "proxy",
          scope=Scope.CLUSTER, refs=("cis:5.1.10",)),
    _perm("nodes-proxy:create", "reach the kubelet API (exec in any pod of a node)", "create", "", "nodes", "proxy",
          scope=Scope.CLUSTER, refs=("cis:5.1.10",)),
    _perm("csr-approve:update", "approve CertificateSigningRequests", "update", _CERTS, "certificatesigningrequests",
          "approval", scope=Scope.CLUSTER, refs=("cis:5.1.11",)),
    _perm("csr-approve:signers", "approve certificates for a signer", "approve", _CERTS, "signers",
          scope=Scope.CLUSTER, refs=("cis:5.1.11",)),
    _perm("persistentvolumes-create:create", "create PersistentVolumes (hostPath to any node path)", "create", "",
          "persistentvolumes", scope=Scope.CLUSTER, refs=("cis:5.1.9",)),
    _perm("webhooks:create-mutating", "create mutating admission webhooks", "create", _ADMISSION,
          "mutatingwebhookconfigurations", scope=Scope.CLUSTER, refs=("cis:5.1.12", "kubescape:C-0039")),
    _perm("webhooks:update-mutating", "change mutating admission webhooks", "update", _ADMISSION,
          "mutatingwebhookconfigurations", scope=Scope.CLUSTER, refs=("cis:5.1.12", "kubescape:C-0039")),
    _perm("webhooks:patch-mutating", "change mutating admission webhooks", "patch", _ADMISSION,
          "mutatingwebhookconfigurations", scope=Scope.CLUSTER, refs=("cis:5.1.12", "kubescape:C-0039")),
    _perm("webhooks:create-validating", "create validating admission webhooks", "create", _ADMISSION,
          "validatingwebhookconfigurations", scope=Scope.CLUSTER, refs=("cis:5.1.12", "kubescape:C-0036")),
    _perm("webhooks:update-validating", "change validating admission webhooks", "update", _ADMISSION,
          "validatingwebhookconfigurations", scope=Scope.CLUSTER, refs=("cis:5.1.12", "kubescape:C-0036")),
    _perm("webhooks:patch-validating", "change validating admission webhooks", "patch", _ADMISSION,
          "validatingwebhookconfigurations", scope=Scope.CLUSTER, refs=("cis:5.1.12", "kubescape:C-0036")),
    _perm("delete-all:delete", "delete any resource", "delete", "*", "*", refs=("kubescape:C-0007",)),
    _perm("delete-all:deletecollection", "delete every object of any resource", "deletecollection", "*", "*",
          refs=("kubescape:C-0007",)),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """A subject holding a risky permission, with every grant that gives it."""

    permission: RiskyPermission
    subject: SubjectRef
    grants: tuple[Grant, ...]

    @property
    def cluster_wide(self) -> bool:
        return any(g.namespace is None for g in self.grants)

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(sorted({g.namespace for g in self.grants if g.namespace}))

    @property
    def only_named(self) -> bool:
        """Every grant is limited by resourceNames (e.g. impersonate one user only); `[""]` is no
        limit for a request without a name."""
        return all(g.only_named for g in self.grants)

    @property
    def bindings(self) -> tuple[BindingRef, ...]:
        return tuple(sorted({g.path.binding for g in self.grants}))


def access_review(idx: RbacIndex, permissions: Sequence[RiskyPermission] = RISKY_PERMISSIONS) -> list[ReviewRow]:
    """For each risky permission, which subjects hold it and through which bindings.

    Ordered by catalogue position, then subject (User, Group, ServiceAccount; namespace; name);
    grants by binding path. A grant limited by ``resourceNames`` counts where the verb can carry
    a name (it is kept in ``Grant.resource_names``; see ``ReviewRow.only_named``), and for a
    request without a name when one of them is "" (``ResourceNameMatches``).
    Each distinct role is matched against the catalogue once, so the cost is linear in
    bindings and role rules.
    """
    requests = [(p, p.request(), not p.counts_named_grants) for p in permissions]
    per_role: dict[RoleKey, list[tuple[int, EffectiveRule, RuleMatch]]] = {}
    per_rule: dict[tuple[Any, ...], list[tuple[int, RuleMatch]]] = {}
    rows: dict[tuple[int, SubjectRef], set[Grant]] = defaultdict(set)
    for binding, ns in idx.all_bindings():
        role_key = (binding.roleRef.kind, ns if binding.roleRef.kind == "Role" else "", binding.roleRef.name)
        hits = per_role.get(role_key)
        if hits is None:
            hits = _role_hits(idx.rules_for_ref(binding.roleRef, ns) or (), requests, per_rule)
            per_role[role_key] = hits
        if not hits:
            continue
        subjects = [ref for s in binding.subjects if (ref := resolve_subject(s, ns)) is not None]
        for i, er, m in hits:
            if ns and requests[i][0].scope is Scope.CLUSTER:
                continue  # a RoleBinding never applies to a request without a namespace
            path = grant_path(binding, ns, er)
            for ref in subjects:
                rows[(i, ref)].add(grant_of(ref, er, m, ns, path))
    ordered = sorted(rows, key=lambda k: (k[0], k[1].sort_key))
    return [
        ReviewRow(permissions[i], ref, tuple(sorted(rows[(i, ref)], key=lambda g: g.sort_key))) for i, ref in ordered
    ]


_EVERYTHING = RuleMatch("*", "*", "*")


def _match(permission: RiskyPermission, rule: o.PolicyRule, request: Request) -> RuleMatch | None:
    """How `rule` grants `permission` (ignoring names: see `access_review`), or None."""
    if permission.everything:
        return _EVERYTHING if grants_everything(rule) else None
    return match_rule(rule, request, ignore_names=True)


def _role_hits(
    rules: Sequence[EffectiveRule],
    requests: Sequence[tuple[RiskyPermission, Request, bool]],
    per_rule: dict[tuple[Any, ...], list[tuple[int, RuleMatch]]],
) -> list[tuple[int, EffectiveRule, RuleMatch]]:
    """(request index, rule, match) for every request a rule of the role grants, by request then rule.

    What a rule grants depends on its entries alone, and roles repeat them (the same Role in every
    namespace, the same rules in many ClusterRoles): each distinct rule is matched once per scan.
    """
    found: list[tuple[int, int, EffectiveRule, RuleMatch]] = []
    for j, er in enumerate(rules):
        rule = er.rule
        key = (
            tuple(rule.verbs),
            tuple(rule.apiGroups),
            tuple(rule.resources),
            names_restrict(rule.resourceNames),
            tuple(rule.nonResourceURLs),
        )
        matches = per_rule.get(key)
        if matches is None:
            matches = per_rule[key] = [
                (i, m)
                for i, (permission, request, need_no_names) in enumerate(requests)
                if not (need_no_names and names_restrict(rule.resourceNames))
                and (m := _match(permission, rule, request)) is not None
            ]
        found.extend((i, j, er, m) for i, m in matches)
    found.sort(key=lambda hit: (hit[0], hit[1]))
    return [(i, er, m) for i, _, er, m in found]
