"""Seeded random RBAC worlds: what `tests/realapi/test_rbac_worlds.py` loads into a real
kube-apiserver (with the real aggregation controller) and checks against SubjectAccessReview.

`world(seed)` is deterministic: the same seed gives the same documents, identities and questions.
Each world mixes what the authorizer treats specially: wildcards (`*` verbs, groups, resources;
`*/scale`; `pods/*`, which is no wildcard), subresources, `resourceNames` (one of them sometimes
the empty name), non-resource URLs (exact, `prefix*`, `*`), aggregated ClusterRoles (nested, and
roles labelled to aggregate into the bootstrap `admin`, `edit` and `view`), groups (made-up ones,
`system:serviceaccounts:NS`, now and then `system:authenticated`), ServiceAccount subjects from
other namespaces and without a namespace in a RoleBinding, bindings to missing roles, RoleBindings
to ClusterRoles, bindings to the bootstrap roles, and CRDs named like built-ins (a namespaced
`nodes`, a cluster-scoped `secrets`) in a group of the world's own.

Sizes scale with `scale` (the tier's default is 1; docs/testing.md says how to run a bigger sweep).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

RBAC = "rbac.authorization.k8s.io"
RBAC_V1 = f"{RBAC}/v1"
AUTH = "system:authenticated"
BOOTSTRAP_AGGREGATES = ("admin", "edit", "view")
Doc = dict[str, Any]


@dataclass(frozen=True)
class Request:
    """A resource request as a SubjectAccessReview asks it ("" = unset)."""

    verb: str
    group: str
    resource: str
    subresource: str = ""
    namespace: str = ""
    name: str = ""

    @property
    def combined(self) -> str:
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


@dataclass(frozen=True)
class UrlRequest:
    verb: str
    path: str


@dataclass
class World:
    seed: int
    prefix: str  # of every cluster-scoped name
    namespaces: tuple[str, ...]
    crd_group: str
    documents: list[Doc] = field(default_factory=list)
    #: (user, groups) that no binding names directly, or in more than one group.
    identities: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    urls: list[UrlRequest] = field(default_factory=list)

    @property
    def crds(self) -> list[Doc]:
        return [d for d in self.documents if d["kind"] == "CustomResourceDefinition"]


VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")
SPECIAL_VERBS = ("bind", "escalate", "impersonate", "approve")
NAMES = ("", "web", "admin", "edit", "bob", "app")
URLS = ("/healthz", "/metrics", "/api", "/api/*", "/apis/*", "/logs/*", "*", "/version")
URL_PATHS = ("/healthz", "/metrics", "/api", "/api/v1", "/apis/apps", "/logs/kube.log", "/version", "/readyz")


def _resources(crd_group: str) -> list[tuple[str, str]]:
    """(group, resource[/subresource]) the rules and questions pick from: built-ins, their
    subresources and wildcards, cluster-scoped ones the old hand list lacked, impersonation's
    virtual resources, and the world's CRDs named like built-ins."""
    return [
        ("", "pods"),
        ("", "pods/exec"),
        ("", "pods/attach"),
        ("", "pods/portforward"),
        ("", "pods/ephemeralcontainers"),
        ("", "pods/*"),
        ("", "secrets"),
        ("", "configmaps"),
        ("", "nodes"),
        ("", "nodes/proxy"),
        ("", "serviceaccounts"),
        ("", "serviceaccounts/token"),
        ("", "persistentvolumes"),
        ("", "namespaces"),
        ("", "componentstatuses"),
        ("", "users"),
        ("", "groups"),
        ("apps", "deployments"),
        ("apps", "deployments/scale"),
        ("apps", "*/scale"),
        (RBAC, "roles"),
        (RBAC, "clusterroles"),
        (RBAC, "rolebindings"),
        (RBAC, "clusterrolebindings"),
        ("certificates.k8s.io", "certificatesigningrequests/approval"),
        ("certificates.k8s.io", "signers"),
        ("authentication.k8s.io", "uids"),
        ("authentication.k8s.io", "userextras/scopes"),
        ("flowcontrol.apiserver.k8s.io", "flowschemas"),
        ("networking.k8s.io", "ipaddresses"),
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
        (crd_group, "nodes"),  # namespaced, named like core nodes
        (crd_group, "secrets"),  # cluster-scoped, named like core secrets
        (crd_group, "widgets"),
        ("*", "*"),
        ("", "*"),
        ("*", "secrets"),
    ]


class _Gen:
    def __init__(self, seed: int, scale: int) -> None:
        self.rng = random.Random(seed)
        self.seed, self.scale = seed, scale
        self.prefix = f"k8saudit-w{seed}-"
        self.crd_group = f"w{seed}.k8saudit.io"
        self.namespaces = tuple(f"w{seed}-{x}" for x in "abcd")
        self.resources = _resources(self.crd_group)
        self.users = [f"w{seed}-u{i}" for i in range(6)]
        self.groups = [f"w{seed}-g{i}" for i in range(4)]
        self.accounts = [(ns, name) for ns in self.namespaces for name in ("app", "ci")]

    # --- rules ---------------------------------------------------------------------------

    def rule(self, namespaced: bool) -> Doc:
        rng = self.rng
        if not namespaced and rng.random() < 0.12:
            return {"nonResourceURLs": rng.sample(URLS, rng.randint(1, 2)), "verbs": self.verbs(url=True)}
        picks = rng.sample(self.resources, rng.randint(1, 3))
        groups = sorted({g for g, _ in picks} | ({"*"} if rng.random() < 0.1 else set()))
        doc: Doc = {"apiGroups": groups, "resources": sorted({r for _, r in picks}), "verbs": self.verbs()}
        if rng.random() < 0.2:  # a third of them the blank templated name alone
            doc["resourceNames"] = [""] if rng.random() < 0.35 else rng.sample(NAMES, rng.randint(1, 2))
        return doc

    def verbs(self, url: bool = False) -> list[str]:
        rng = self.rng
        if rng.random() < 0.1:
            return ["*"]
        if url:
            return rng.sample(["get", "post", "put", "delete", "head"], rng.randint(1, 2))
        pool = VERBS + SPECIAL_VERBS
        picked = rng.sample(pool, rng.randint(1, 3))
        if rng.random() < 0.05:
            picked = list(VERBS)  # every standard verb spelled out
        return picked

    # --- objects -------------------------------------------------------------------------

    def documents(self) -> list[Doc]:
        docs: list[Doc] = [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in self.namespaces
        ]
        docs += [
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}}
            for ns, name in self.accounts
        ]
        docs += self.crds()
        cluster_roles = self.cluster_roles()
        docs += cluster_roles
        roles = self.roles()
        docs += roles
        docs += self.bindings([r["metadata"]["name"] for r in cluster_roles], roles)
        return docs

    def crds(self) -> list[Doc]:
        def crd(plural: str, kind: str, scope: str) -> Doc:
            return {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {"name": f"{plural}.{self.crd_group}"},
                "spec": {
                    "group": self.crd_group,
                    "scope": scope,
                    "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": f"{kind}List"},
                    "versions": [
                        {
                            "name": "v1",
                            "served": True,
                            "storage": True,
                            "schema": {
                                "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                            },
                        }
                    ],
                },
            }

        return [
            crd("nodes", "Node", "Namespaced"),
            crd("secrets", "Secret", "Cluster"),
            crd("widgets", "Widget", "Namespaced"),
        ]

    def cluster_roles(self) -> list[Doc]:
        rng, p = self.rng, self.prefix
        out: list[Doc] = []
        aggregates = [f"{p}agg{j}" for j in range(2)]
        labels_of = {name: f"k8saudit.io/w{self.seed}-agg{j}" for j, name in enumerate(aggregates)}
        for i in range(8 * self.scale):
            labels: dict[str, str] = {}
            if rng.random() < 0.35:
                labels[rng.choice(list(labels_of.values()))] = "true"
            if rng.random() < 0.2:
                labels[f"{RBAC}/aggregate-to-{rng.choice(BOOTSTRAP_AGGREGATES)}"] = "true"
            rules = [self.rule(namespaced=False) for _ in range(rng.randint(1, 3))]
            out.append(_cluster_role(f"{p}cr{i}", rules, labels))
        # agg0 is itself selected by agg1 (nested), never the other way round (no cycle).
        out.append(
            _cluster_role(
                aggregates[0], [self.rule(False)], {labels_of[aggregates[1]]: "true"}, labels_of[aggregates[0]]
            )
        )
        out.append(_cluster_role(aggregates[1], [], {}, labels_of[aggregates[1]]))
        return out

    def roles(self) -> list[Doc]:
        return [
            {
                "apiVersion": RBAC_V1,
                "kind": "Role",
                "metadata": {"name": f"role{i}", "namespace": ns},
                "rules": [self.rule(namespaced=True) for _ in range(self.rng.randint(1, 2))],
            }
            for ns in self.namespaces
            for i in range(2)
        ]

    def subject(self, binding_namespace: str | None) -> Doc:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return {"kind": "User", "apiGroup": RBAC, "name": rng.choice(self.users)}
        if roll < 0.5:
            return {"kind": "Group", "apiGroup": RBAC, "name": rng.choice(self.groups)}
        if roll < 0.58:
            return {"kind": "Group", "apiGroup": RBAC, "name": f"system:serviceaccounts:{rng.choice(self.namespaces)}"}
        if roll < 0.61:
            return {"kind": "Group", "apiGroup": RBAC, "name": rng.choice([AUTH, "system:unauthenticated"])}
        ns, name = rng.choice([*self.accounts, (rng.choice(self.namespaces), "default")])
        if binding_namespace and ns == binding_namespace and rng.random() < 0.5:
            return {"kind": "ServiceAccount", "name": name}  # the RoleBinding's own namespace
        return {"kind": "ServiceAccount", "name": name, "namespace": ns}

    def bindings(self, cluster_roles: list[str], roles: list[Doc]) -> list[Doc]:
        rng, p = self.rng, self.prefix

        def cluster_role_ref() -> str:
            roll = rng.random()
            if roll < 0.15:
                return rng.choice([*BOOTSTRAP_AGGREGATES, "cluster-admin" if rng.random() < 0.3 else "view"])
            if roll < 0.22:
                return f"{p}missing"
            return rng.choice(cluster_roles)

        out: list[Doc] = []
        for i in range(5 * self.scale):
            out.append(
                _binding(
                    "ClusterRoleBinding", f"{p}crb{i}", None, "ClusterRole", cluster_role_ref(), self.subjects(None)
                )
            )
        for ns in self.namespaces:
            own = [r["metadata"]["name"] for r in roles if r["metadata"]["namespace"] == ns]
            for i in range(3 * self.scale):
                if rng.random() < 0.45:
                    kind, name = "Role", rng.choice([*own, "missing-role"])
                else:
                    kind, name = "ClusterRole", cluster_role_ref()
                out.append(_binding("RoleBinding", f"rb{i}", ns, kind, name, self.subjects(ns)))
        return out

    def subjects(self, namespace: str | None) -> list[Doc]:
        found: list[Doc] = []
        for _ in range(self.rng.randint(1, 3)):
            subject = self.subject(namespace)
            if subject not in found:
                found.append(subject)
        return found

    # --- who asks what -------------------------------------------------------------------

    def identities(self) -> list[tuple[str, tuple[str, ...]]]:
        rng = self.rng
        people = [(u, (*sorted(rng.sample(self.groups, rng.randint(0, 2))), AUTH)) for u in self.users]
        accounts = [
            (f"system:serviceaccount:{ns}:{name}", ("system:serviceaccounts", f"system:serviceaccounts:{ns}", AUTH))
            for ns, name in [*self.accounts, *((ns, "default") for ns in self.namespaces)]
        ]
        return [*people, *accounts, ("system:anonymous", ("system:unauthenticated",))]

    def requests(self) -> list[Request]:
        rng = self.rng
        out: list[Request] = []
        for _ in range(60 * self.scale):
            group, combined = rng.choice(self.resources)
            if group == "*" or combined.split("/")[0] == "*" or combined.endswith("/*"):
                group, combined = rng.choice(self.resources[:20])  # ask about real resources
            resource, _, sub = combined.partition("/")
            verb = rng.choice([*VERBS, *SPECIAL_VERBS])
            ns = rng.choice(["", *self.namespaces, f"w{self.seed}-unbound"])
            name = rng.choice(NAMES) if rng.random() < 0.35 else ""
            out.append(Request(verb, group, resource, sub, ns, name))
        return sorted(set(out), key=lambda r: (r.group, r.combined, r.verb, r.namespace, r.name))

    def urls(self) -> list[UrlRequest]:
        return [UrlRequest(verb, path) for verb in ("get", "post") for path in URL_PATHS]


def _cluster_role(name: str, rules: list[Doc], labels: dict[str, str], aggregate: str | None = None) -> Doc:
    meta: Doc = {"name": name}
    if labels:
        meta["labels"] = labels
    doc: Doc = {"apiVersion": RBAC_V1, "kind": "ClusterRole", "metadata": meta, "rules": rules}
    if aggregate:
        doc["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {aggregate: "true"}}]}
    return doc


def _binding(kind: str, name: str, namespace: str | None, role_kind: str, role: str, subjects: list[Doc]) -> Doc:
    meta: Doc = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {
        "apiVersion": RBAC_V1,
        "kind": kind,
        "metadata": meta,
        "roleRef": {"apiGroup": RBAC, "kind": role_kind, "name": role},
        "subjects": subjects,
    }


def world(seed: int, scale: int = 1) -> World:
    """The world of `seed`: the same documents, identities and questions every time."""
    gen = _Gen(seed, scale)
    found = World(seed, gen.prefix, gen.namespaces, gen.crd_group)
    found.documents = gen.documents()
    found.identities = gen.identities()
    found.requests = gen.requests()
    found.urls = gen.urls()
    return found
