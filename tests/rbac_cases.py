"""A deterministic, realistic RBAC set with the authorizer's tricky cases, and questions to ask it.

``documents()`` returns plain Kubernetes dicts, valid to ``kubectl apply`` in that order
(Namespaces, ServiceAccounts, ClusterRoles, Roles, bindings): the oracle tier loads them into a
real kube-apiserver and compares its SubjectAccessReview answers with ``k8saudit.semantics.rbac``.
Cluster-scoped names start with ``k8saudit-`` and aggregation labels use our own prefix, so
nothing collides with (or aggregates into) the bootstrap ``admin``/``edit``/``view`` roles.

Cases covered: wildcards in verbs, groups and resources; ``*/scale``; ``pods/*`` (not a
wildcard); resourceNames with get/list/create; nonResourceURLs with trailing ``*`` and an
exact URL; a RoleBinding to a ClusterRole (namespace-scoped), including one carrying
nonResourceURLs and one for a cluster-scoped resource (both grant nothing to real requests);
aggregated ClusterRoles (nested; own rules replaced; a selector matching nothing, which keeps
the stored rules); ServiceAccount subjects with and without namespace and from another
namespace; a User subject spelling a ServiceAccount's user name; group subjects
``system:serviceaccounts:ci``, ``system:authenticated``, ``system:unauthenticated``; a User
``system:anonymous``; bindings to a missing Role and a missing ClusterRole; a binding to a
ServiceAccount that does not exist.

Aggregation: with ``Aggregation.STORED`` the engine answers as an apiserver without
kube-controller-manager; with ``Aggregation.CONTROLLER`` as a cluster where it has run.
"""

from __future__ import annotations

import random
from typing import Any, NamedTuple

RBAC_V1 = "rbac.authorization.k8s.io/v1"
RBAC = "rbac.authorization.k8s.io"
PREFIX = "k8saudit-"
AGG_LABEL = "k8saudit.io/aggregate-to-monitoring"
AGG_ADMIN_LABEL = "k8saudit.io/aggregate-to-monitoring-admin"

NAMESPACES = ("shop", "ci", "dev", "monitoring")
SERVICE_ACCOUNTS = (
    ("shop", "web"),
    ("ci", "deployer"),
    ("ci", "runner"),
    ("monitoring", "prometheus"),
    ("dev", "debugger"),
)

Doc = dict[str, Any]


def rule(verbs: list[str], groups: list[str], resources: list[str], names: list[str] | None = None) -> Doc:
    out: Doc = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        out["resourceNames"] = names
    return out


def url_rule(verbs: list[str], urls: list[str]) -> Doc:
    return {"nonResourceURLs": urls, "verbs": verbs}


def user(name: str) -> Doc:
    return {"kind": "User", "apiGroup": RBAC, "name": name}


def group(name: str) -> Doc:
    return {"kind": "Group", "apiGroup": RBAC, "name": name}


def sa(name: str, namespace: str | None = None) -> Doc:
    out: Doc = {"kind": "ServiceAccount", "name": name}
    if namespace:
        out["namespace"] = namespace
    return out


def cluster_role(
    name: str, rules: list[Doc], labels: dict[str, str] | None = None, aggregate: str | None = None
) -> Doc:
    meta: Doc = {"name": PREFIX + name}
    if labels:
        meta["labels"] = labels
    doc: Doc = {"apiVersion": RBAC_V1, "kind": "ClusterRole", "metadata": meta, "rules": rules}
    if aggregate:
        doc["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {aggregate: "true"}}]}
    return doc


def role(namespace: str, name: str, rules: list[Doc]) -> Doc:
    return {"apiVersion": RBAC_V1, "kind": "Role", "metadata": {"name": name, "namespace": namespace}, "rules": rules}


def crb(name: str, cluster_role_name: str, subjects: list[Doc]) -> Doc:
    return {
        "apiVersion": RBAC_V1,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": PREFIX + name},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": cluster_role_name},
        "subjects": subjects,
    }


def rb(namespace: str, name: str, kind: str, role_name: str, subjects: list[Doc]) -> Doc:
    return {
        "apiVersion": RBAC_V1,
        "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": namespace},
        "roleRef": {"apiGroup": RBAC, "kind": kind, "name": role_name},
        "subjects": subjects,
    }


def cluster_roles() -> list[Doc]:
    return [
        cluster_role("pod-reader", [rule(["get", "list", "watch"], [""], ["pods", "pods/log"])]),
        cluster_role("secret-reader", [rule(["get", "list", "watch"], [""], ["secrets"])]),
        cluster_role("wildcard-admin", [rule(["*"], ["*"], ["*"]), url_rule(["*"], ["*"])]),
        cluster_role("scaler", [rule(["get", "update", "patch"], ["apps", ""], ["*/scale"])]),
        # "pods/*" is not a wildcard: it matches only a subresource literally named "*".
        cluster_role("pods-star", [rule(["get", "create"], [""], ["pods/*"])]),
        # create and list carry no name, so resourceNames makes them unusable.
        cluster_role(
            "named-configmap", [rule(["get", "update", "create", "list"], [""], ["configmaps"], ["app-config"])]
        ),
        cluster_role("metrics-urls", [url_rule(["get"], ["/metrics", "/logs/*", "/k8saudit-health*"])]),
        cluster_role("exec", [rule(["create", "get"], [""], ["pods/exec", "pods/attach", "pods/portforward"])]),
        cluster_role(
            "impersonator",
            [
                rule(["impersonate"], [""], ["users"], ["bob"]),
                rule(["impersonate"], [""], ["groups", "serviceaccounts"]),
            ],
        ),
        cluster_role(
            "rbac-manager",
            [
                rule(["bind", "escalate"], [RBAC], ["roles", "clusterroles"]),
                rule(["create", "get", "list"], [RBAC], ["rolebindings"]),
            ],
        ),
        cluster_role(
            "csr-approver",
            [
                rule(["get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
                rule(["update"], ["certificates.k8s.io"], ["certificatesigningrequests/approval"]),
                rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client"]),
            ],
        ),
        cluster_role("node-proxy", [rule(["get"], [""], ["nodes", "nodes/proxy"])]),
        cluster_role("token-minter", [rule(["create"], [""], ["serviceaccounts/token"])]),
        cluster_role("deleter", [rule(["delete", "deletecollection"], ["*"], ["*"])]),
        # Aggregation: monitoring = monitoring-pods + monitoring-endpoints (its own rule is replaced
        # once the controller runs); monitoring-admin = monitoring (nested) + monitoring-write.
        cluster_role(
            "monitoring",
            [rule(["get"], [""], ["events"])],
            labels={AGG_ADMIN_LABEL: "true"},
            aggregate=AGG_LABEL,
        ),
        cluster_role(
            "monitoring-pods", [rule(["get", "list", "watch"], [""], ["pods", "nodes"])], labels={AGG_LABEL: "true"}
        ),
        cluster_role(
            "monitoring-endpoints",
            [rule(["get", "list"], [""], ["endpoints", "services"]), url_rule(["get"], ["/metrics"])],
            labels={AGG_LABEL: "true"},
        ),
        cluster_role("monitoring-admin", [], aggregate=AGG_ADMIN_LABEL),
        cluster_role(
            "monitoring-write",
            [rule(["create", "update", "delete"], [""], ["configmaps"])],
            labels={AGG_ADMIN_LABEL: "true"},
        ),
        # Selects nothing: the controller applies no rules, so the stored rule stays in both modes.
        cluster_role(
            "lonely-aggregate", [rule(["get"], [""], ["configmaps"])], aggregate="k8saudit.io/aggregate-to-nothing"
        ),
    ]


def roles() -> list[Doc]:
    return [
        role(
            "shop",
            "deployer",
            [
                rule(["create", "update", "patch", "get"], ["apps"], ["deployments"]),
                rule(["get", "list"], [""], ["pods"]),
            ],
        ),
        role("shop", "web-config", [rule(["get"], [""], ["configmaps"], ["web-config"])]),
        role(
            "ci",
            "runner",
            [
                rule(["create", "get", "delete"], [""], ["pods"]),
                rule(["create"], [""], ["pods/exec"]),
                rule(["get"], [""], ["pods/log"]),
            ],
        ),
        role("dev", "dev-all", [rule(["*"], ["*"], ["*"])]),
    ]


def cluster_role_bindings() -> list[Doc]:
    p = PREFIX
    return [
        crb("alice-admin", p + "wildcard-admin", [user("alice")]),
        crb("oncall-exec", p + "exec", [group("oncall")]),
        crb("authenticated-pods", p + "pod-reader", [group("system:authenticated")]),
        crb("unauthenticated-urls", p + "metrics-urls", [group("system:unauthenticated")]),
        crb("prometheus", p + "monitoring", [sa("prometheus", "monitoring")]),
        crb("prometheus-nodes", p + "node-proxy", [sa("prometheus", "monitoring")]),
        crb("ci-scale", p + "scaler", [group("system:serviceaccounts:ci")]),
        crb("deployer-secrets", p + "secret-reader", [sa("deployer", "ci")]),
        crb("csr-bot", p + "csr-approver", [user("csr-bot")]),
        crb("support-impersonate", p + "impersonator", [user("support")]),
        crb("carol-rbac", p + "rbac-manager", [user("carol")]),
        crb("janitors", p + "deleter", [group("janitors")]),
        # A User subject spelling a ServiceAccount's user name matches that ServiceAccount.
        crb("debugger-as-user", p + "token-minter", [user("system:serviceaccount:dev:debugger")]),
        crb("monitoring-admins", p + "monitoring-admin", [group("monitoring-admins")]),
        crb("lonely", p + "lonely-aggregate", [user("lonnie")]),
        crb("bob-missing", p + "does-not-exist", [user("bob")]),
    ]


def role_bindings() -> list[Doc]:
    p = PREFIX
    return [
        # A ServiceAccount of another namespace, named explicitly.
        rb("shop", "ci-deployer", "Role", "deployer", [sa("deployer", "ci")]),
        # No namespace on a RoleBinding's ServiceAccount subject: the binding's namespace.
        rb("shop", "web-config", "Role", "web-config", [sa("web")]),
        rb("shop", "dave-exec", "ClusterRole", p + "exec", [user("dave")]),
        rb("shop", "team-secrets", "ClusterRole", p + "secret-reader", [group("shop-team")]),
        rb("shop", "gone", "ClusterRole", p + "gone", [group("shop-team")]),
        rb("ci", "runner", "Role", "runner", [sa("runner")]),
        rb("ci", "ci-tokens", "ClusterRole", p + "token-minter", [group("system:serviceaccounts:ci")]),
        rb("ci", "erin-missing", "Role", "no-such-role", [user("erin")]),
        # The ServiceAccount ci/ghost does not exist (yet).
        rb("ci", "ghost", "Role", "runner", [sa("ghost", "ci")]),
        rb("dev", "developers", "Role", "dev-all", [group("developers")]),
        rb("dev", "frank-admin", "ClusterRole", p + "wildcard-admin", [user("frank")]),
        rb("dev", "gina-pods-star", "ClusterRole", p + "pods-star", [user("gina")]),
        rb("dev", "hank-configmap", "ClusterRole", p + "named-configmap", [user("hank")]),
        # Non-resource URLs and cluster-scoped resources through a RoleBinding: no real request
        # has this namespace, though a SubjectAccessReview naming it is allowed for nodes.
        rb("monitoring", "ivan-urls", "ClusterRole", p + "metrics-urls", [user("ivan")]),
        rb("monitoring", "ivan-nodes", "ClusterRole", p + "node-proxy", [user("ivan")]),
        rb("monitoring", "anonymous-pods", "ClusterRole", p + "pod-reader", [user("system:anonymous")]),
    ]


def documents() -> list[Doc]:
    """Every object, in an order ``kubectl apply -f`` accepts."""
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in NAMESPACES]
    accounts = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}}
        for ns, name in SERVICE_ACCOUNTS
    ]
    return [*namespaces, *accounts, *cluster_roles(), *roles(), *cluster_role_bindings(), *role_bindings()]


# --- questions ---------------------------------------------------------------------------------


class Question(NamedTuple):
    """A SubjectAccessReview's resource question (None = unset)."""

    user: str
    groups: tuple[str, ...]
    verb: str
    resource: str
    subresource: str | None
    api_group: str
    namespace: str | None
    name: str | None


class UrlQuestion(NamedTuple):
    user: str
    groups: tuple[str, ...]
    verb: str
    path: str


AUTH = "system:authenticated"


def _sa_identity(ns: str, name: str) -> tuple[str, tuple[str, ...]]:
    return f"system:serviceaccount:{ns}:{name}", ("system:serviceaccounts", f"system:serviceaccounts:{ns}", AUTH)


#: (user, groups) as authenticators produce them, plus SubjectAccessReview-only oddities.
IDENTITIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("alice", (AUTH,)),
    ("alice", ()),  # a SAR may omit system:authenticated; User bindings still match
    ("bob", (AUTH,)),
    ("carol", (AUTH,)),
    ("dave", (AUTH,)),
    ("olga", ("oncall", AUTH)),
    ("erin", (AUTH,)),
    ("frank", (AUTH,)),
    ("gina", (AUTH,)),
    ("hank", (AUTH,)),
    ("ivan", (AUTH,)),
    ("lonnie", (AUTH,)),
    ("support", (AUTH,)),
    ("csr-bot", (AUTH,)),
    ("devon", ("developers", AUTH)),
    ("jan", ("janitors", AUTH)),
    ("sam", ("shop-team", AUTH)),
    ("mona", ("monitoring-admins", AUTH)),
    ("nobody", ()),
    ("root", ("system:masters",)),
    ("system:anonymous", ("system:unauthenticated",)),
    _sa_identity("ci", "deployer"),
    _sa_identity("ci", "runner"),
    _sa_identity("ci", "ghost"),
    _sa_identity("shop", "web"),
    _sa_identity("shop", "default"),
    _sa_identity("monitoring", "prometheus"),
    _sa_identity("dev", "debugger"),
    ("system:serviceaccount:shop:web", ()),  # the SA's user name without its groups
)

#: (verb, resource, subresource, api_group, name)
ACTIONS: tuple[tuple[str, str, str | None, str, str | None], ...] = (
    ("get", "pods", None, "", None),
    ("get", "pods", None, "", "web-0"),
    ("list", "pods", None, "", None),
    ("watch", "pods", None, "", None),
    ("create", "pods", None, "", None),
    ("delete", "pods", None, "", "web-0"),
    ("get", "pods", "log", "", "web-0"),
    ("create", "pods", "exec", "", "web-0"),
    ("get", "pods", "exec", "", "web-0"),
    ("create", "pods", "attach", "", "web-0"),
    ("create", "pods", "portforward", "", "web-0"),
    ("get", "pods", "*", "", "web-0"),
    ("get", "pods", "status", "", "web-0"),
    ("get", "secrets", None, "", "db-password"),
    ("list", "secrets", None, "", None),
    ("get", "configmaps", None, "", "app-config"),
    ("get", "configmaps", None, "", "web-config"),
    ("get", "configmaps", None, "", "other"),
    ("list", "configmaps", None, "", None),
    ("list", "configmaps", None, "", "app-config"),
    ("create", "configmaps", None, "", None),
    ("update", "configmaps", None, "", "app-config"),
    ("deletecollection", "configmaps", None, "", None),
    ("get", "deployments", "scale", "apps", "web"),
    ("update", "deployments", "scale", "apps", "web"),
    ("patch", "statefulsets", "scale", "apps", "db"),
    ("update", "replicationcontrollers", "scale", "", "rc"),
    ("get", "deployments", None, "apps", "web"),
    ("create", "deployments", None, "apps", None),
    ("get", "events", None, "", None),
    ("list", "endpoints", None, "", None),
    ("list", "services", None, "", None),
    ("delete", "services", None, "", "web"),
    ("impersonate", "users", None, "", "bob"),
    ("impersonate", "users", None, "", "alice"),
    ("impersonate", "groups", None, "", "system:masters"),
    ("impersonate", "serviceaccounts", None, "", "web"),
    ("bind", "clusterroles", None, RBAC, "k8saudit-wildcard-admin"),
    ("escalate", "roles", None, RBAC, "deployer"),
    ("create", "rolebindings", None, RBAC, None),
    ("create", "clusterrolebindings", None, RBAC, None),
    ("update", "certificatesigningrequests", "approval", "certificates.k8s.io", "csr-1"),
    ("approve", "signers", None, "certificates.k8s.io", "kubernetes.io/kube-apiserver-client"),
    ("approve", "signers", None, "certificates.k8s.io", "kubernetes.io/kubelet-serving"),
    ("get", "nodes", "proxy", "", "node-1"),
    ("get", "nodes", None, "", "node-1"),
    ("list", "nodes", None, "", None),
    ("create", "serviceaccounts", "token", "", "deployer"),
    ("get", "widgets", None, "example.com", "w"),
    ("delete", "widgets", None, "example.com", "w"),
)

QUESTION_NAMESPACES: tuple[str | None, ...] = (None, "shop", "ci", "dev", "monitoring")

URL_PATHS = (
    "/metrics",
    "/logs",
    "/logs/",
    "/logs/kube-apiserver.log",
    "/k8saudit-health",
    "/k8saudit-healthz/x",
    "/api",
)


def questions() -> list[Question]:
    """Every identity, action and namespace combined, in a fixed order (~7,000 questions)."""
    return [
        Question(u, g, verb, resource, sub, api_group, ns, name)
        for u, g in IDENTITIES
        for verb, resource, sub, api_group, name in ACTIONS
        for ns in QUESTION_NAMESPACES
    ]


def url_questions() -> list[UrlQuestion]:
    return [UrlQuestion(u, g, verb, path) for u, g in IDENTITIES for verb in ("get", "post") for path in URL_PATHS]


def sample_questions(n: int, seed: int = 0) -> list[Question]:
    """A deterministic sample of ``n`` questions (the same for the same seed)."""
    every = questions()
    return random.Random(seed).sample(every, min(n, len(every)))
