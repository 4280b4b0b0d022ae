"""`k8saudit who-can VERB RESOURCE[/SUBRESOURCE]`: which subjects may make a request, and the
binding -> role -> rule that allows each (what kubectl-who-can answers), over the same access
model as the RBAC checks and the report's access review (`k8saudit.semantics.access`).

Decided here:
- Without `-n`, the question is cluster-wide (a request without a namespace, as for nodes or
  for `list pods --all-namespaces`): only ClusterRoleBindings can allow it. With `-n NS`,
  ClusterRoleBindings and the RoleBindings of NS. With `-A`, every namespace: each grant says
  where it applies. A request for a cluster-scoped resource carries no namespace, so `-n` and
  `-A` do not apply to it, with one exception: `bind` on clusterroles is checked in the
  namespace of the RoleBinding being created (`BindingAuthorized`,
  pkg/registry/rbac/escalation_check.go), so it is asked in NS.
- `RESOURCE.GROUP` (`deployments.apps`) names the API group, as kubectl does; without a group,
  the group kubectl would resolve the name to: the core group when it serves the name, else the
  first group that does (`deployments` -> `apps`), from the cluster's API discovery or CRDs, then
  the built-in table of v1.37's resources (`k8saudit.semantics.apiresources`); unknown names stay
  in the core group. `--api-group` overrides both.
- Whether a resource is namespaced comes from the same sources, keyed by group and resource: a
  namespaced CRD `nodes.longhorn.io` is asked in `-n NS`, core `nodes` never is.
- A RESOURCE starting with `/` is a non-resource URL (`who-can get /metrics`).
- Subjects are reported as bound (a binding to `Group system:authenticated` is that group), with
  the built-in defaults marked; members of `system:masters` are allowed everything without a
  binding, which the answer says once.
- Without `--name`, rules limited by `resourceNames` do not count (the request names nothing),
  as in the API server, unless one of those names is empty: `resourceNames: [""]` matches every
  request without a name (`ResourceNameMatches` compares the request's name, "", with each).
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import Field

from k8saudit.model.findings import AccessGrant, AccessSubject, Model
from k8saudit.model.inventory import Inventory
from k8saudit.runtime.errors import InputError
from k8saudit.semantics import rbac
from k8saudit.semantics.access import AccessModel, access_grant, is_everyone, review_status
from k8saudit.semantics.apiresources import ApiScopes

#: The verbs Kubernetes itself authorises on resources: the API server's request verbs and the
#: special ones RBAC rules name (`use`, `bind`, `escalate`, `impersonate`, `approve`, `sign`,
#: `attest`): kubectl's `auth can-i` list (staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go).
RESOURCE_VERBS = frozenset(
    {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
    | {"use", "bind", "escalate", "impersonate", "approve", "sign", "attest", "*"}
)
#: The verbs of non-resource URLs: the HTTP methods, lower-case (same source).
URL_VERBS = frozenset({"get", "put", "post", "head", "options", "delete", "patch", "*"})


def unknown_verb(query: WhoCanQuery) -> str | None:
    """Why the query's verb is not one Kubernetes knows (the verbs it does know, the closest to
    it), or None. RBAC matches any string, so a custom verb is legal; a typo is answered with the
    subjects of `*` rules only, which reads like an all-clear: the CLI warns."""
    import difflib

    known = URL_VERBS if query.url else RESOURCE_VERBS
    if query.verb in known:
        return None
    close = difflib.get_close_matches(query.verb, sorted(known - {"*"}), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    kind = "a non-resource URL" if query.url else "resources"
    return f"{query.verb!r} is not a verb Kubernetes knows for {kind}{hint}: {', '.join(sorted(known - {'*'}))} or *"


class WhoCanQuery(Model):
    verb: str
    resource: str = ""  # plural resource, no group, no subresource
    subresource: str = ""
    apiGroup: str = ""
    namespace: str | None = None  # None: cluster-wide
    allNamespaces: bool = False
    name: str | None = None
    url: str | None = None  # a non-resource URL instead of a resource
    #: The group was given (`RESOURCE.GROUP`, `--api-group`), not resolved from the name; not output.
    groupGiven: bool = Field(default=True, exclude=True)

    def describe(self) -> str:
        if self.url:
            return f"{self.verb} {self.url}"
        sub = f"/{self.subresource}" if self.subresource else ""
        group = f".{self.apiGroup}" if self.apiGroup else ""
        name = f" named {self.name}" if self.name else ""
        where = (
            " in any namespace"
            if self.allNamespaces
            else f" in namespace {self.namespace}"
            if self.namespace
            else " cluster-wide"
        )
        return f"{self.verb} {self.resource}{group}{sub}{name}{where}"


class WhoCanSubject(Model):
    subject: AccessSubject
    builtIn: bool = False  # every grant is a Kubernetes or kubeadm default
    everyone: bool = False
    grants: list[AccessGrant] = Field(default_factory=list)


class WhoCanAnswer(Model):
    query: WhoCanQuery
    status: str  # `complete`, `partial` (some RBAC kind could not be read) or `not-assessable`
    reason: str | None = None
    subjects: list[WhoCanSubject] = Field(default_factory=list)
    #: Allowed everything by the API server before RBAC is asked; holds no binding.
    privilegedGroup: str = rbac.PRIVILEGED_GROUP


def parse_query(
    verb: str,
    resource: str,
    *,
    namespace: str | None = None,
    all_namespaces: bool = False,
    api_group: str | None = None,
    name: str | None = None,
) -> WhoCanQuery:
    """The question from the command line, or an InputError naming what is wrong."""
    verb = verb.strip().lower()
    if not verb or " " in verb:
        raise InputError(f"who-can: {verb!r} is not a verb (get, list, create, delete, impersonate, *, ...)")
    if namespace is not None and all_namespaces:
        raise InputError("who-can: give -n NAMESPACE or -A, not both")
    resource = resource.strip()
    if resource.startswith("/"):
        if namespace is not None or all_namespaces or api_group is not None or name is not None:
            raise InputError("who-can: a non-resource URL takes no -n, -A, --api-group or --name")
        return WhoCanQuery(verb=verb, url=resource)
    res, _, sub = resource.partition("/")
    if "/" in sub or not res:
        raise InputError(f"who-can: {resource!r} is not RESOURCE[/SUBRESOURCE] (e.g. pods/exec, deployments.apps)")
    res, dot, group = res.partition(".")
    given = api_group is not None or bool(dot)
    if api_group is not None:
        group = api_group.strip()
    elif not dot:
        group = ApiScopes().group_of(res.lower()) or ""
    return WhoCanQuery(
        verb=verb,
        resource=res.lower(),
        subresource=sub.lower(),
        apiGroup=group,
        namespace=namespace or None,
        allNamespaces=all_namespaces,
        name=name or None,
        groupGiven=given,
    )


def who_can(inv: Inventory, query: WhoCanQuery) -> WhoCanAnswer:
    """Every subject allowed the request, with each grant that allows it."""
    status, reason = review_status(inv)
    if status == "not-assessable":
        return WhoCanAnswer(query=query, status=status, reason=reason)
    model = AccessModel(inv)
    found: dict[rbac.SubjectRef, set[rbac.Grant]] = defaultdict(set)
    if query.url is not None:
        accesses = model.index.who_can_url(query.verb, query.url)
    else:
        scopes = ApiScopes(inv.facts)
        query = _resolved(query, scopes)
        namespaces: list[str | None] = [query.namespace]
        if scopes.cluster_scoped(query.apiGroup, query.resource) and not _bind_in_namespace(query):
            namespaces = [None]  # a request for it never carries a namespace
        elif query.allNamespaces:
            namespaces = [None, *sorted(model.index.bindings_by_namespace)]
        accesses = []
        for ns in namespaces:
            accesses.extend(
                model.index.who_can(
                    query.verb,
                    query.resource,
                    api_group=query.apiGroup,
                    subresource=query.subresource or None,
                    namespace=ns,
                    name=query.name,
                )
            )
    for access in accesses:
        found[access.subject].update(access.grants)
    subjects: list[WhoCanSubject] = []
    for subject in sorted(found, key=lambda s: s.sort_key):
        grants: list[AccessGrant] = []
        for grant in sorted(found[subject], key=lambda g: g.sort_key):
            binding = model.binding(grant.path)
            if binding is None:  # pragma: no cover - grants come from known bindings
                continue
            entry = access_grant(model, binding, grant, subject, [_matched(grant)])
            if entry not in grants:
                grants.append(entry)
        subjects.append(
            WhoCanSubject(
                subject=AccessSubject(kind=subject.kind, namespace=subject.namespace, name=subject.name),
                builtIn=all(g.builtIn for g in grants),
                everyone=is_everyone(subject),
                grants=grants,
            )
        )
    return WhoCanAnswer(query=query, status=status, reason=reason, subjects=subjects)


def _resolved(query: WhoCanQuery, scopes: ApiScopes) -> WhoCanQuery:
    """The query with the group a bare custom resource name means on this cluster: `parse_query`
    knows only the built-in resources, so `applications` stays in the core group, which serves
    no such resource; the cluster's discovery (or its CRDs) says it is `argoproj.io`'s."""
    if query.groupGiven or query.apiGroup or scopes.namespaced("", query.resource) is not None:
        return query
    group = scopes.group_of(query.resource)
    return query if not group else query.model_copy(update={"apiGroup": group})


def _bind_in_namespace(query: WhoCanQuery) -> bool:
    """`bind` on a ClusterRole is authorized in the namespace of the RoleBinding that refers to it
    (`BindingAuthorized`: `Namespace: bindingNamespace`, `Resource: clusterroles`)."""
    return query.verb == "bind" and query.resource == "clusterroles" and query.apiGroup == rbac.RBAC_GROUP


def _matched(grant: rbac.Grant) -> str:
    """The rule entries that matched: `create pods/exec`, `* * in every group`, `get /metrics`."""
    if grant.non_resource_url is not None:
        url = "every URL" if grant.non_resource_url == "*" else grant.non_resource_url
        return f"{grant.verb} {url}"
    group = grant.api_group or ""
    where = " in every group" if group == "*" else f" in group {group}" if group else ""
    return f"{grant.verb} {grant.resource}{where}"
