"""RBAC effective permissions: who can do what, decided the way the Kubernetes authorizer decides.

Pure functions of the Inventory. The semantics follow kube-apiserver v1.37.2, read from source:

- ``plugin/pkg/auth/authorizer/rbac/rbac.go`` (``RuleAllows``): a resource request is allowed by
  a rule when the verb, the API group, the resource and the resource name all match; a
  non-resource request when the verb and the URL match.
- ``pkg/apis/rbac/v1/evaluation_helpers.go``: ``*`` matches any verb, group or resource
  (subresources included); ``*/scale`` matches the ``scale`` subresource of any resource;
  ``pods/*`` is NOT a wildcard (it matches only a literal subresource named ``*``);
  ``ResourceNameMatches`` compares the request's name with each ``resourceNames`` entry, and a
  request without a name (``list``, ``watch`` without a ``metadata.name`` field selector,
  ``create`` of a top-level resource, ``deletecollection``) has the name "": a rule with
  ``resourceNames`` never matches it, unless one entry is the empty name (a blank templated
  value), which then matches every request without a name; a non-resource URL ending in ``*``
  matches by prefix.
- ``pkg/registry/rbac/validation/rule.go`` (``VisitRulesFor``, ``appliesToUser``): every
  ClusterRoleBinding applies everywhere; RoleBindings apply only to requests in their own
  namespace (so never to a cluster-scoped or non-resource request, whose namespace is empty);
  a RoleBinding may refer to a Role of its namespace or to a ClusterRole, whose rules are then
  scoped to that namespace; a ClusterRoleBinding can only use a ClusterRole. A ``User`` subject
  matches by user name, a ``Group`` by membership, a ``ServiceAccount`` the user
  ``system:serviceaccount:NS:NAME`` where NS is the subject's namespace or, when it has none,
  the namespace of the RoleBinding (a ServiceAccount subject without namespace in a
  ClusterRoleBinding matches nobody; the API server rejects it). Unknown kinds match nobody.
  A reference to a missing role grants nothing (the check ``rbac.missing-roles`` reports it).
- ``pkg/kubeapiserver/authorizer/reload.go``: before any configured authorizer, members of
  ``system:masters`` are allowed everything (``privileged_group`` below).
- ``pkg/controller/clusterroleaggregation``: see ``Aggregation``.

What a SubjectAccessReview answers is the decision for the user and groups *as given*: no group
is added. An authenticated identity also carries ``system:authenticated`` (``identity_of`` gives
the user and groups the authenticators would produce). This module models the RBAC and
privileged-group authorizers only: the Node authorizer, webhooks and ABAC are out of scope.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from k8saudit.model import objects as o
from k8saudit.model.inventory import Inventory

RBAC_GROUP = "rbac.authorization.k8s.io"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
#: Members are allowed every request before RBAC is consulted (kube-apiserver, always on).
PRIVILEGED_GROUP = "system:masters"

SUBJECT_KINDS = ("User", "Group", "ServiceAccount")


class Aggregation(StrEnum):
    """How the rules of a ClusterRole with an ``aggregationRule`` are read.

    ``CONTROLLER`` (default) computes what kube-controller-manager's aggregation controller writes:
    for each selector in order, the ClusterRoles it selects (other than the role itself) sorted by
    name, their rules appended without duplicates, aggregated roles resolved transitively (``admin``
    selects ``edit``, which selects ``view``). The list replaces the role's own rules, because
    ``rules`` is an atomic list the controller force-applies; when the union is empty the
    controller applies no rules at all, so the stored rules stay. On a live cluster where the
    controller has run this equals the stored rules; for manifests it is what the cluster will
    hold once applied. Selector cycles (A selects B selects A) use the stored rules of the role
    already being resolved: the controller's result there depends on its work-queue order.

    ``STORED`` uses the rules as stored: what a kube-apiserver started without
    kube-controller-manager authorizes (the comparison tier runs only apiserver and etcd).
    """

    CONTROLLER = "controller"
    STORED = "stored"


# --- requests and matching --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceRequest:
    """The resource attributes of a request (or of a SubjectAccessReview); "" means unset."""

    verb: str
    resource: str
    api_group: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""

    @property
    def combined_resource(self) -> str:
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


@dataclass(frozen=True, slots=True)
class NonResourceRequest:
    """A request for a non-resource URL such as ``/healthz`` or ``/metrics``."""

    verb: str
    path: str
    namespace: str = ""  # always empty: non-resource requests are cluster-wide


Request = ResourceRequest | NonResourceRequest


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """The entries of one rule that matched a request (``*`` when a wildcard did)."""

    verb: str
    api_group: str | None
    resource: str | None
    non_resource_url: str | None = None


def _verb_entry(rule: o.PolicyRule, verb: str) -> str | None:
    for entry in rule.verbs:
        if entry in ("*", verb):
            return entry
    return None


def _group_entry(rule: o.PolicyRule, group: str) -> str | None:
    for entry in rule.apiGroups:
        if entry in ("*", group):
            return entry
    return None


def _resource_entry(rule: o.PolicyRule, combined: str, subresource: str) -> str | None:
    for entry in rule.resources:
        if entry in ("*", combined):
            return entry
        # "*/scale" matches the scale subresource of any resource; "pods/*" is no wildcard.
        if subresource and entry == "*/" + subresource:
            return entry
    return None


def _url_entry(rule: o.PolicyRule, path: str) -> str | None:
    for entry in rule.nonResourceURLs:
        if entry in ("*", path):
            return entry
        if entry.endswith("*") and path.startswith(entry.rstrip("*")):
            return entry
    return None


def resource_name_matches(rule: o.PolicyRule, name: str) -> bool:
    """No resourceNames means every name; otherwise the request's name ("" when it names nothing)
    must be one of them."""
    return not rule.resourceNames or name in rule.resourceNames


#: The verbs the API server's resource handlers answer (besides the special verbs of a few
#: resources: bind, escalate, impersonate, approve, sign, use ...). A rule that lists them all
#: on `*` resources of `*` API groups reads, writes and deletes everything, as `*` does.
STANDARD_VERBS = frozenset({"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"})


def grants_everything(rule: o.PolicyRule) -> bool:
    """Every verb on every resource of every API group: cluster-admin's rule, or a copy that spells
    the standard verbs out one by one. Whoever holds it reads every Secret, runs any pod as any
    ServiceAccount and deletes anything, so it is cluster-admin too. Names that restrict a request
    without a name rule it out; `resourceNames: [""]` does not (it still lists every Secret)."""
    if names_restrict(rule.resourceNames) or "*" not in rule.apiGroups or "*" not in rule.resources:
        return False
    return "*" in rule.verbs or set(rule.verbs) >= STANDARD_VERBS


def names_restrict(names: Collection[str]) -> bool:
    """Whether ``resourceNames`` keep a request without a name out: they do unless one is ""."""
    return bool(names) and "" not in names


def match_rule(rule: o.PolicyRule, request: Request, *, ignore_names: bool = False) -> RuleMatch | None:
    """How ``rule`` allows ``request`` (``RuleAllows``), or None when it does not.

    ``ignore_names`` answers "does the rule grant this for some name" instead (the access
    review's question); callers keep ``resourceNames`` next to the answer.
    """
    verb = _verb_entry(rule, request.verb)
    if verb is None:
        return None
    if isinstance(request, NonResourceRequest):
        url = _url_entry(rule, request.path)
        return None if url is None else RuleMatch(verb, None, None, url)
    group = _group_entry(rule, request.api_group)
    if group is None:
        return None
    resource = _resource_entry(rule, request.combined_resource, request.subresource)
    if resource is None:
        return None
    if not ignore_names and not resource_name_matches(rule, request.name):
        return None
    return RuleMatch(verb, group, resource)


def rule_allows(rule: o.PolicyRule, request: Request) -> bool:
    return match_rule(rule, request) is not None


# --- subjects --------------------------------------------------------------------------------

_KIND_ORDER = {kind: i for i, kind in enumerate(SUBJECT_KINDS)}


@dataclass(frozen=True, slots=True)
class SubjectRef:
    """A subject as the authorizer resolves it; ``namespace`` is set for ServiceAccounts only."""

    kind: str
    name: str
    namespace: str | None = None

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return _KIND_ORDER.get(self.kind, len(_KIND_ORDER)), self.namespace or "", self.name

    @property
    def username(self) -> str | None:
        """The user name that matches this subject (None for a group)."""
        if self.kind == "ServiceAccount":
            return f"{SERVICE_ACCOUNT_PREFIX}{self.namespace}:{self.name}"
        return self.name if self.kind == "User" else None

    def __str__(self) -> str:
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


def service_account_username(namespace: str, name: str) -> str:
    return f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"


def identity_of(subject: SubjectRef) -> tuple[str, list[str]]:
    """The user and groups an authenticator gives this subject (for a SubjectAccessReview).

    A ServiceAccount token authenticates as ``system:serviceaccount:NS:NAME`` in
    ``system:serviceaccounts``, ``system:serviceaccounts:NS`` and ``system:authenticated``;
    any other authenticated user is in ``system:authenticated``; ``system:anonymous`` is in
    ``system:unauthenticated``. A group has no identity of its own: a member named
    ``k8saudit:member-of:GROUP`` stands for it.
    """
    if subject.kind == "ServiceAccount":
        ns = subject.namespace or ""
        return service_account_username(ns, subject.name), [
            ALL_SERVICE_ACCOUNTS,
            f"{ALL_SERVICE_ACCOUNTS}:{ns}",
            AUTHENTICATED,
        ]
    if subject.kind == "User":
        if subject.name == ANONYMOUS:
            return ANONYMOUS, [UNAUTHENTICATED]
        return subject.name, [AUTHENTICATED]
    if subject.name in (AUTHENTICATED, UNAUTHENTICATED):
        return f"k8saudit:member-of:{subject.name}", [subject.name]
    return f"k8saudit:member-of:{subject.name}", [subject.name, AUTHENTICATED]


def subject_applies(subject: o.Subject, user: str, groups: Collection[str], namespace: str) -> bool:
    """``appliesToUser``: whether a binding subject matches the user; ``namespace`` is the
    RoleBinding's namespace ("" for a ClusterRoleBinding)."""
    if subject.kind == "User":
        return user == subject.name
    if subject.kind == "Group":
        return subject.name in groups
    if subject.kind == "ServiceAccount":
        sa_namespace = subject.namespace or namespace
        return bool(sa_namespace) and user == service_account_username(sa_namespace, subject.name)
    return False


def resolve_subject(subject: o.Subject, binding_namespace: str) -> SubjectRef | None:
    """The subject a binding entry stands for, or None when it can match nobody."""
    if subject.kind in ("User", "Group"):
        return SubjectRef(subject.kind, subject.name)
    if subject.kind == "ServiceAccount":
        ns = subject.namespace or binding_namespace
        return SubjectRef("ServiceAccount", subject.name, ns) if ns else None
    return None


# --- bindings, roles and paths -----------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class BindingRef:
    kind: str  # "ClusterRoleBinding" | "RoleBinding"
    namespace: str | None
    name: str
    role_kind: str
    role_name: str

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name} -> {self.role_kind} {self.role_name}"


@dataclass(frozen=True, slots=True, order=True)
class GrantPath:
    """binding → role → rule: ``rules[rule_index]`` of ClusterRole ``rule_source`` when the rule
    reached an aggregated role from another ClusterRole, else of the bound role itself."""

    binding_kind: str
    binding_namespace: str | None
    binding_name: str
    role_kind: str
    role_name: str
    rule_index: int
    rule_source: str | None = None

    @property
    def binding(self) -> BindingRef:
        return BindingRef(self.binding_kind, self.binding_namespace, self.binding_name, self.role_kind, self.role_name)

    def __str__(self) -> str:
        source = f" (aggregated from ClusterRole {self.rule_source})" if self.rule_source else ""
        return f"{self.binding} rule {self.rule_index}{source}"


@dataclass(frozen=True, slots=True)
class Grant:
    """One subject holding one permission through one rule of one binding.

    ``verb``, ``api_group`` and ``resource`` are the rule's entries that matched (``*`` shows
    a wildcard; ``resource`` includes the subresource, e.g. ``pods/exec`` or ``*/scale``);
    ``non_resource_url`` is set instead for URL rules. ``namespace`` is the scope: the
    RoleBinding's namespace, or None for cluster-wide (a ClusterRoleBinding). ``everything``:
    the rule grants every verb on every resource (``grants_everything``: cluster-admin's).
    """

    subject: SubjectRef
    verb: str
    api_group: str | None
    resource: str | None
    resource_names: tuple[str, ...]
    namespace: str | None
    path: GrantPath
    non_resource_url: str | None = None
    everything: bool = False

    @property
    def sort_key(self) -> tuple[tuple[int, str, str], GrantPath, str, str, str]:
        return self.subject.sort_key, self.path, self.verb, self.api_group or "", self.resource or ""

    @property
    def only_named(self) -> bool:
        """The rule allows named objects only (its ``resourceNames`` hold no empty name)."""
        return names_restrict(self.resource_names)


@dataclass(frozen=True, slots=True)
class SubjectAccess:
    """A subject allowed a request, with every grant that allows it."""

    subject: SubjectRef
    grants: tuple[Grant, ...]

    @property
    def bindings(self) -> tuple[BindingRef, ...]:
        return tuple(sorted({g.path.binding for g in self.grants}))


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    """A rule of a role as authorized, with where it is stored (see ``GrantPath``)."""

    rule: o.PolicyRule
    index: int
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str
    path: GrantPath | None = None


Binding = o.RoleBinding | o.ClusterRoleBinding
RoleKey = tuple[str, str, str]  # (kind, namespace or "", name)


def _rule_key(rule: o.PolicyRule) -> tuple[tuple[str, ...], ...]:
    return (
        tuple(rule.verbs),
        tuple(rule.apiGroups),
        tuple(rule.resources),
        tuple(rule.resourceNames),
        tuple(rule.nonResourceURLs),
    )


def _binding_ref(binding: Binding) -> BindingRef:
    ns = binding.namespace if isinstance(binding, o.RoleBinding) else None
    return BindingRef(binding.kind, ns or None, binding.name, binding.roleRef.kind, binding.roleRef.name)


class RbacIndex:
    """Roles by (namespace, name), bindings by namespace, aggregated rules resolved once.

    Build it once per inventory (`RbacIndex(inv)`; a scan's is `ScanContext.access.index`) and ask
    it the authorizer's questions (`authorize`, `can`, `who_can`, ...): each then costs one pass
    over the bindings that can apply, never a scan of roles per binding.
    """

    def __init__(self, inv: Inventory, aggregation: Aggregation = Aggregation.CONTROLLER) -> None:
        self.aggregation = aggregation
        # Later objects win, as a later `kubectl apply` of the same name would.
        self.roles: dict[tuple[str, str], o.Role] = {(r.namespace or "", r.name): r for r in inv.of("Role", o.Role)}
        self.cluster_roles: dict[str, o.ClusterRole] = {r.name: r for r in inv.of("ClusterRole", o.ClusterRole)}
        crbs = {b.name: b for b in inv.of("ClusterRoleBinding", o.ClusterRoleBinding)}
        self.cluster_bindings: list[o.ClusterRoleBinding] = [crbs[n] for n in sorted(crbs)]
        rbs: dict[tuple[str, str], o.RoleBinding] = {
            (b.namespace or "", b.name): b for b in inv.of("RoleBinding", o.RoleBinding)
        }
        self.bindings_by_namespace: dict[str, list[o.RoleBinding]] = defaultdict(list)
        for key in sorted(rbs):
            self.bindings_by_namespace[key[0]].append(rbs[key])
        self._cluster_rules: dict[str, tuple[EffectiveRule, ...]] = {}
        self._role_rules: dict[tuple[str, str], tuple[EffectiveRule, ...]] = {}
        for name in sorted(self.cluster_roles):
            self._resolve_cluster_role(name, set())

    # --- roles ---------------------------------------------------------------------------

    def _stored(self, role: o.Role | o.ClusterRole) -> tuple[EffectiveRule, ...]:
        return tuple(EffectiveRule(rule, i) for i, rule in enumerate(role.rules))

    def _resolve_cluster_role(self, name: str, visiting: set[str]) -> tuple[EffectiveRule, ...]:
        cached = self._cluster_rules.get(name)
        if cached is not None:
            return cached
        role = self.cluster_roles[name]
        stored = self._stored(role)
        if self.aggregation is Aggregation.STORED or role.aggregationRule is None:
            self._cluster_rules[name] = stored
            return stored
        visiting.add(name)
        union: list[EffectiveRule] = []
        seen: set[tuple[tuple[str, ...], ...]] = set()
        for selector in role.aggregationRule.clusterRoleSelectors:
            selected = sorted(
                other
                for other, cr in self.cluster_roles.items()
                if other != name and selector.matches(cr.metadata.labels)
            )
            for other in selected:
                if other in visiting:  # a selector cycle: take what is stored now
                    rules = self._stored(self.cluster_roles[other])
                else:
                    rules = self._resolve_cluster_role(other, visiting)
                for er in rules:
                    key = _rule_key(er.rule)
                    if key not in seen:
                        seen.add(key)
                        union.append(EffectiveRule(er.rule, er.index, er.source or other))
        visiting.discard(name)
        # An empty union is applied as "no rules field", which leaves the stored rules in place.
        result = tuple(union) if union else stored
        self._cluster_rules[name] = result
        return result

    def cluster_role_rules(self, name: str) -> tuple[EffectiveRule, ...] | None:
        return self._cluster_rules.get(name)

    def role_rules(self, namespace: str, name: str) -> tuple[EffectiveRule, ...] | None:
        key = (namespace, name)
        cached = self._role_rules.get(key)
        if cached is None:
            role = self.roles.get(key)
            if role is None:
                return None
            cached = self._role_rules[key] = self._stored(role)
        return cached

    def rules_for_ref(self, role_ref: o.RoleRef, binding_namespace: str) -> tuple[EffectiveRule, ...] | None:
        """``GetRoleReferenceRules``: the rules a binding grants, None when its role is missing."""
        if role_ref.kind == "Role":
            return self.role_rules(binding_namespace, role_ref.name) if binding_namespace else None
        if role_ref.kind == "ClusterRole":
            return self.cluster_role_rules(role_ref.name)
        return None

    # --- bindings ------------------------------------------------------------------------

    def bindings_for(self, namespace: str) -> Iterator[tuple[Binding, str]]:
        """(binding, its namespace or "") that apply to a request in ``namespace``, in the
        authorizer's order: every ClusterRoleBinding, then the namespace's RoleBindings."""
        for crb in self.cluster_bindings:
            yield crb, ""
        if namespace:
            for rb in self.bindings_by_namespace.get(namespace, ()):
                yield rb, namespace

    def all_bindings(self) -> Iterator[tuple[Binding, str]]:
        for crb in self.cluster_bindings:
            yield crb, ""
        for ns in sorted(self.bindings_by_namespace):
            for rb in self.bindings_by_namespace[ns]:
                yield rb, ns

    # --- the authorizer's questions -----------------------------------------------------------

    def authorize(
        self,
        user: str,
        groups: Collection[str],
        request: Request,
        *,
        privileged_group: bool = True,
    ) -> Decision:
        """The decision for ``user`` with exactly ``groups`` (what a SubjectAccessReview answers).

        ``privileged_group`` models kube-apiserver's built-in ``system:masters`` authorizer, which
        allows its members everything before RBAC is asked.
        """
        if privileged_group and PRIVILEGED_GROUP in groups:
            return Decision(True, f"allowed: member of {PRIVILEGED_GROUP}")
        idx = self
        group_set = frozenset(groups)
        for binding, ns in idx.bindings_for(request.namespace):
            subject = next((s for s in binding.subjects if subject_applies(s, user, group_set, ns)), None)
            if subject is None:
                continue
            rules = idx.rules_for_ref(binding.roleRef, ns)
            for er in rules or ():
                if rule_allows(er.rule, request):
                    path = grant_path(binding, ns, er)
                    return Decision(True, f"RBAC: allowed by {path}", path)
        return Decision(False, "RBAC: no rule allows it")

    def can(
        self,
        user: str,
        groups: Collection[str],
        verb: str,
        resource: str,
        *,
        api_group: str = "",
        subresource: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        privileged_group: bool = True,
    ) -> bool:
        """Whether ``user`` in ``groups`` may ``verb`` the resource (None namespace = cluster-wide).

        ``resource`` is taken literally, as in a SubjectAccessReview: pass ``"pods"`` with
        ``subresource="exec"``, not ``"pods/exec"``.
        """
        request = _request(verb, resource, api_group, subresource, namespace, name)
        return self.authorize(user, groups, request, privileged_group=privileged_group).allowed

    def can_url(
        self,
        user: str,
        groups: Collection[str],
        verb: str,
        path: str,
        *,
        privileged_group: bool = True,
    ) -> bool:
        """Whether ``user`` in ``groups`` may ``verb`` (get, post, …) the non-resource URL ``path``."""
        request = NonResourceRequest(verb, path)
        return self.authorize(user, groups, request, privileged_group=privileged_group).allowed

    def rules_for(
        self,
        user: str,
        groups: Collection[str],
        namespace: str | None = None,
    ) -> list[tuple[GrantPath, o.PolicyRule]]:
        """``RulesFor``: every rule that applies to the user in ``namespace`` (None = cluster-wide)."""
        idx = self
        group_set = frozenset(groups)
        found: list[tuple[GrantPath, o.PolicyRule]] = []
        for binding, ns in idx.bindings_for(namespace or ""):
            if not any(subject_applies(s, user, group_set, ns) for s in binding.subjects):
                continue
            for er in idx.rules_for_ref(binding.roleRef, ns) or ():
                found.append((grant_path(binding, ns, er), er.rule))
        return found

    def scope_rules(self, user: str, groups: Collection[str], namespace: str) -> list[o.PolicyRule]:
        """The rules one scope's bindings give the user: the ClusterRoleBindings' for "", else only
        the RoleBindings of `namespace` (so callers can keep the cluster-wide part per identity).
        A request in `namespace` is allowed when a rule of either allows it (`authorize`)."""
        group_set = frozenset(groups)
        bindings: Iterable[Binding] = (
            self.bindings_by_namespace.get(namespace, ()) if namespace else self.cluster_bindings
        )
        found: list[o.PolicyRule] = []
        for binding in bindings:
            if any(subject_applies(s, user, group_set, namespace) for s in binding.subjects):
                found.extend(er.rule for er in self.rules_for_ref(binding.roleRef, namespace) or ())
        return found

    def who_can(
        self,
        verb: str,
        resource: str,
        *,
        api_group: str = "",
        subresource: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        include_privileged_group: bool = False,
    ) -> list[SubjectAccess]:
        """Subjects allowed the request, each with every grant that allows it (kubectl-who-can).

        Subjects are reported as bound: a binding to ``Group system:authenticated`` is that group,
        not every user. ``namespace=None`` asks cluster-wide (only ClusterRoleBindings apply);
        ``name=None`` asks without a name, so rules limited by ``resourceNames`` do not count
        (unless they list the empty name, which every request without a name matches).
        ``"*"`` as verb, group or resource asks for a rule holding that wildcard.
        ``include_privileged_group`` adds ``Group system:masters`` (allowed everything, no binding).
        """
        request = _request(verb, resource, api_group, subresource, namespace, name)
        return _who(self, request, include_privileged_group)

    def who_can_url(
        self,
        verb: str,
        path: str,
        *,
        include_privileged_group: bool = False,
    ) -> list[SubjectAccess]:
        """Subjects allowed ``verb`` on the non-resource URL ``path``."""
        return _who(self, NonResourceRequest(verb, path), include_privileged_group)

    def bindings_by_subject(self) -> dict[SubjectRef, list[BindingRef]]:
        """Every subject that some binding names, with those bindings (sorted)."""
        found: dict[SubjectRef, set[BindingRef]] = defaultdict(set)
        for binding, ns in self.all_bindings():
            for subject in binding.subjects:
                ref = resolve_subject(subject, ns)
                if ref is not None:
                    found[ref].add(_binding_ref(binding))
        return {ref: sorted(found[ref]) for ref in sorted(found, key=lambda r: r.sort_key)}


def grant_path(binding: Binding, ns: str, er: EffectiveRule) -> GrantPath:
    return GrantPath(
        binding.kind, ns or None, binding.name, binding.roleRef.kind, binding.roleRef.name, er.index, er.source
    )


def grant_of(subject: SubjectRef, er: EffectiveRule, m: RuleMatch, ns: str, path: GrantPath) -> Grant:
    return Grant(
        subject=subject,
        verb=m.verb,
        api_group=m.api_group,
        resource=m.resource,
        resource_names=tuple(er.rule.resourceNames),
        namespace=ns or None,
        path=path,
        non_resource_url=m.non_resource_url,
        everything=grants_everything(er.rule),
    )


def _request(
    verb: str, resource: str, api_group: str, subresource: str | None, namespace: str | None, name: str | None
) -> ResourceRequest:
    return ResourceRequest(verb, resource, api_group or "", subresource or "", namespace or "", name or "")


def _who(idx: RbacIndex, request: Request, include_privileged_group: bool) -> list[SubjectAccess]:
    grants: dict[SubjectRef, set[Grant]] = defaultdict(set)
    for binding, ns in idx.bindings_for(request.namespace):
        rules = idx.rules_for_ref(binding.roleRef, ns)
        if not rules:
            continue
        matches = [(er, m) for er in rules if (m := match_rule(er.rule, request)) is not None]
        if not matches:
            continue
        for subject in binding.subjects:
            ref = resolve_subject(subject, ns)
            if ref is None:
                continue
            for er, m in matches:
                grants[ref].add(grant_of(ref, er, m, ns, grant_path(binding, ns, er)))
    result = [SubjectAccess(ref, tuple(sorted(gs, key=lambda g: g.sort_key))) for ref, gs in grants.items()]
    if include_privileged_group:
        result.append(SubjectAccess(SubjectRef("Group", PRIVILEGED_GROUP), ()))
    return sorted(result, key=lambda a: a.subject.sort_key)


# --- dangling subjects -------------------------------------------------------------------------


def _bindings(inv: Inventory) -> Iterator[tuple[Binding, str]]:
    for crb in sorted(inv.of("ClusterRoleBinding", o.ClusterRoleBinding), key=lambda b: b.name):
        yield crb, ""
    for rb in sorted(inv.of("RoleBinding", o.RoleBinding), key=lambda b: (b.namespace or "", b.name)):
        yield rb, rb.namespace or ""


@dataclass(frozen=True, slots=True)
class DanglingSubject:
    """A ServiceAccount subject that matches no existing ServiceAccount.

    ``not-found``: no such ServiceAccount (anyone who creates it later gets the binding);
    ``no-namespace``: a ClusterRoleBinding entry without namespace, which matches nobody.
    """

    binding: BindingRef
    name: str
    namespace: str | None
    reason: Literal["not-found", "no-namespace"]


def dangling_service_accounts(inv: Inventory) -> list[DanglingSubject] | None:
    """Bindings naming a ServiceAccount that does not exist; None when ServiceAccounts were not read.

    A live scan (or its snapshot) records a complete ServiceAccount listing, so every namespace
    is judged. Manifests and plain kubectl dumps may hold only some namespaces, so only
    namespaces with at least one ServiceAccount in the inventory are judged there.
    ``default`` exists in every namespace the inventory knows (the controller creates it).
    """
    if not inv.kind_availability("ServiceAccount").ok:
        return None
    existing = {(sa.namespace or "", sa.name) for sa in inv.of("ServiceAccount", o.ServiceAccount)}
    complete = "ServiceAccount" in inv.facts.kinds
    judged = None if complete else {ns for ns, _ in existing}
    namespaces = set(inv.namespaces)
    found: list[DanglingSubject] = []
    for binding, ns in _bindings(inv):
        for subject in binding.subjects:
            if subject.kind != "ServiceAccount":
                continue
            sa_ns = subject.namespace or ns
            if not sa_ns:
                found.append(DanglingSubject(_binding_ref(binding), subject.name, None, "no-namespace"))
                continue
            if judged is not None and sa_ns not in judged:
                continue
            if (sa_ns, subject.name) in existing or (subject.name == "default" and sa_ns in namespaces):
                continue
            found.append(DanglingSubject(_binding_ref(binding), subject.name, sa_ns, "not-found"))
    return found


def subjects_of(grants: Iterable[Grant]) -> list[SubjectRef]:
    """The distinct subjects of some grants, in report order."""
    return sorted({g.subject for g in grants}, key=lambda s: s.sort_key)
