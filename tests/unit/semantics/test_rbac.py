"""The RBAC effective-permission engine against the semantics of kube-apiserver v1.37.2.

Expectations are derived by hand from the Go source (rbac.go, evaluation_helpers.go,
registry/rbac/validation/rule.go, the aggregation controller), not from the engine's output.
"""

from __future__ import annotations

from typing import Any

import pytest

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.facts import Availability, ClusterFactsSpec
from k8saudit.model.findings import Status
from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import PolicyRule
from k8saudit.semantics import rbac, risky
from k8saudit.semantics.rbac import Aggregation, GrantPath, NonResourceRequest, ResourceRequest, SubjectRef
from tests import rbac_cases as cases
from tests.conftest import make_inventory
from tests.rbac_cases import group, rule, sa, url_rule, user

AUTH = "system:authenticated"
CONTROLLER, STORED = Aggregation.CONTROLLER, Aggregation.STORED


def idx(inv: Inventory, aggregation: Aggregation = CONTROLLER) -> rbac.RbacIndex:
    """The authorizer over `inv` (built per call: these inventories are a few dozen objects)."""
    return rbac.RbacIndex(inv, aggregation)


def cr(name: str, rules: list[dict[str, Any]], labels: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": labels or {}}
    return {"apiVersion": cases.RBAC_V1, "kind": "ClusterRole", "metadata": meta, "rules": rules, **extra}


def crb(name: str, role_name: str, subjects: list[dict[str, Any]], kind: str = "ClusterRole") -> dict[str, Any]:
    return {
        "apiVersion": cases.RBAC_V1,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": cases.RBAC, "kind": kind, "name": role_name},
        "subjects": subjects,
    }


def sa_identity(ns: str, name: str) -> tuple[str, list[str]]:
    return rbac.identity_of(SubjectRef("ServiceAccount", name, ns))


# --- rule matching (evaluation_helpers.go) -----------------------------------------------------


def res(verb: str, resource: str, sub: str = "", group: str = "", name: str = "") -> ResourceRequest:
    return ResourceRequest(verb, resource, group, sub, "", name)


MATCHING = [
    # wildcards in verbs, groups, resources
    (rule(["*"], [""], ["pods"]), res("delete", "pods"), True),
    (rule(["*"], [""], ["pods"]), res("get", "pods", group="apps"), False),
    (rule(["get"], [""], ["pods"]), res("list", "pods"), False),
    (rule(["get"], ["*"], ["widgets"]), res("get", "widgets", group="example.com"), True),
    (rule(["get"], ["*"], ["*"]), res("get", "pods", "exec"), True),  # "*" covers subresources
    (rule(["get"], [""], ["pods"]), res("get", "pods", "log"), False),  # the resource is not its subresources
    # */subresource and resource/subresource
    (rule(["update"], ["apps"], ["*/scale"]), res("update", "deployments", "scale", "apps"), True),
    (rule(["update"], ["apps"], ["*/scale"]), res("update", "statefulsets", "scale", "apps"), True),
    (rule(["update"], ["apps"], ["*/scale"]), res("update", "deployments", group="apps"), False),
    (rule(["update"], ["apps"], ["*/scale"]), res("update", "deployments", "status", "apps"), False),
    (rule(["update"], ["apps"], ["deployments/scale"]), res("update", "deployments", "scale", "apps"), True),
    (rule(["update"], ["apps"], ["deployments/scale"]), res("update", "statefulsets", "scale", "apps"), False),
    # "pods/*" is not a wildcard: only a subresource literally named "*"
    (rule(["get"], [""], ["pods/*"]), res("get", "pods", "exec"), False),
    (rule(["get"], [""], ["pods/*"]), res("get", "pods"), False),
    (rule(["get"], [""], ["pods/*"]), res("get", "pods", "*"), True),
    # resourceNames: a request must name one of them; list/create without a name never match
    (rule(["get", "list", "create"], [""], ["configmaps"], ["a"]), res("get", "configmaps", name="a"), True),
    (rule(["get", "list", "create"], [""], ["configmaps"], ["a"]), res("get", "configmaps", name="b"), False),
    (rule(["get", "list", "create"], [""], ["configmaps"], ["a"]), res("get", "configmaps"), False),
    (rule(["get", "list", "create"], [""], ["configmaps"], ["a"]), res("list", "configmaps"), False),
    (rule(["get", "list", "create"], [""], ["configmaps"], ["a"]), res("list", "configmaps", name="a"), True),
    (rule(["get", "list", "create"], [""], ["configmaps"], ["a"]), res("create", "configmaps"), False),
    (rule(["create"], [""], ["pods/exec"], ["web-0"]), res("create", "pods", "exec", name="web-0"), True),
    # a wildcard in the question is matched only by the same wildcard in a rule
    (rule(["get", "delete"], ["*"], ["*"]), res("*", "*", group="*"), False),
    (rule(["*"], [""], ["*"]), res("*", "*", group="*"), False),
    (rule(["*"], ["*"], ["*"]), res("*", "*", group="*"), True),
    # a resource rule never allows a URL and a URL rule never a resource
    (rule(["get"], ["*"], ["*"]), NonResourceRequest("get", "/metrics"), False),
    (url_rule(["get"], ["*"]), res("get", "pods"), False),
    # nonResourceURLs: exact, "*", trailing "*" as prefix
    (url_rule(["get"], ["/metrics"]), NonResourceRequest("get", "/metrics"), True),
    (url_rule(["get"], ["/metrics"]), NonResourceRequest("get", "/metrics/x"), False),
    (url_rule(["get"], ["/metrics"]), NonResourceRequest("post", "/metrics"), False),
    (url_rule(["get"], ["/logs/*"]), NonResourceRequest("get", "/logs/kube-apiserver.log"), True),
    (url_rule(["get"], ["/logs/*"]), NonResourceRequest("get", "/logs/"), True),
    (url_rule(["get"], ["/logs/*"]), NonResourceRequest("get", "/logs"), False),
    (url_rule(["get"], ["/healthz*"]), NonResourceRequest("get", "/healthzfoo"), True),
    (url_rule(["*"], ["*"]), NonResourceRequest("patch", "/anything"), True),
]


@pytest.mark.parametrize(("rule_doc", "request_", "allowed"), MATCHING)
def test_rule_matching(rule_doc: dict[str, Any], request_: rbac.Request, allowed: bool) -> None:
    assert rbac.rule_allows(PolicyRule.model_validate(rule_doc), request_) is allowed


def test_match_reports_the_entries_that_matched() -> None:
    r = PolicyRule.model_validate(rule(["get", "*"], ["apps", "*"], ["deployments", "*/scale"]))
    m = rbac.match_rule(r, res("patch", "statefulsets", "scale", "apps"))
    assert m == rbac.RuleMatch(verb="*", api_group="apps", resource="*/scale")
    named = PolicyRule.model_validate(rule(["impersonate"], [""], ["users"], ["bob"]))
    assert rbac.match_rule(named, res("impersonate", "users")) is None
    assert rbac.match_rule(named, res("impersonate", "users"), ignore_names=True) is not None


# --- bindings and subjects (rule.go) -----------------------------------------------------------


def scoping_inventory() -> Inventory:
    return make_inventory(
        [
            cr("reader", [rule(["get"], [""], ["pods"])]),
            cases.role("a", "local", [rule(["list"], [""], ["pods"])]),
            cases.rb("a", "u-reader", "ClusterRole", "reader", [user("u")]),
            cases.rb("a", "u-local", "Role", "local", [user("u")]),
            # Role "local" lives in "a": a RoleBinding in "b" cannot use it.
            cases.rb("b", "u-local", "Role", "local", [user("u")]),
            # A ClusterRoleBinding can only use a ClusterRole.
            crb("u-role", "local", [user("u")], kind="Role"),
        ]
    )


def test_rolebinding_to_clusterrole_is_scoped_to_its_namespace() -> None:
    inv = scoping_inventory()
    assert idx(inv).can("u", [AUTH], "get", "pods", namespace="a")
    assert not idx(inv).can("u", [AUTH], "get", "pods", namespace="b")
    assert not idx(inv).can("u", [AUTH], "get", "pods")  # cluster-wide: RoleBindings never apply


def test_role_is_only_found_in_the_binding_namespace() -> None:
    inv = scoping_inventory()
    assert idx(inv).can("u", [AUTH], "list", "pods", namespace="a")
    assert not idx(inv).can("u", [AUTH], "list", "pods", namespace="b")
    assert not idx(inv).can("u", [AUTH], "list", "pods")


def subjects_inventory() -> Inventory:
    grant = [rule(["get"], [""], ["pods"])]
    return make_inventory(
        [
            cr("reader", grant),
            cases.rb("a", "sa-no-ns", "ClusterRole", "reader", [sa("bot")]),
            cases.rb("a", "sa-other-ns", "ClusterRole", "reader", [sa("deployer", "ci")]),
            crb("crb-sa-no-ns", "reader", [sa("orphan")]),
            cases.rb("b", "ci-sas", "ClusterRole", "reader", [group("system:serviceaccounts:ci")]),
            cases.rb("c", "everyone", "ClusterRole", "reader", [group(AUTH)]),
            cases.rb("d", "anonymous", "ClusterRole", "reader", [group("system:unauthenticated")]),
            cases.rb("e", "sa-as-user", "ClusterRole", "reader", [user("system:serviceaccount:x:y")]),
            cases.rb(
                "f",
                "odd-kinds",
                "ClusterRole",
                "reader",
                [{"kind": "Robot", "name": "r"}, {**user("u"), "kind": "user"}],
            ),
        ]
    )


def test_service_account_subject_without_namespace_in_a_rolebinding_means_the_binding_namespace() -> None:
    inv = subjects_inventory()
    assert idx(inv).can(*sa_identity("a", "bot"), "get", "pods", namespace="a")
    assert not idx(inv).can(*sa_identity("b", "bot"), "get", "pods", namespace="a")
    assert not idx(inv).can(*sa_identity("b", "bot"), "get", "pods", namespace="b")


def test_service_account_subject_from_another_namespace() -> None:
    inv = subjects_inventory()
    assert idx(inv).can(*sa_identity("ci", "deployer"), "get", "pods", namespace="a")
    assert not idx(inv).can(*sa_identity("a", "deployer"), "get", "pods", namespace="a")


def test_service_account_subject_without_namespace_in_a_clusterrolebinding_matches_nobody() -> None:
    inv = subjects_inventory()
    for ns in ("", "default", "a"):
        assert not idx(inv).can(*sa_identity(ns, "orphan"), "get", "pods")
        assert not idx(inv).can(*sa_identity(ns, "orphan"), "get", "pods", namespace="a" if ns else "z")
    assert not any(a.subject.name == "orphan" for a in idx(inv).who_can("get", "pods"))


def test_group_of_a_namespace_service_accounts() -> None:
    inv = subjects_inventory()
    assert idx(inv).can(*sa_identity("ci", "anything"), "get", "pods", namespace="b")
    assert not idx(inv).can(*sa_identity("cd", "anything"), "get", "pods", namespace="b")
    # A SubjectAccessReview gets exactly the groups it names: the user name alone is not enough.
    assert not idx(inv).can("system:serviceaccount:ci:anything", [], "get", "pods", namespace="b")


def test_authenticated_and_unauthenticated_groups() -> None:
    inv = subjects_inventory()
    assert idx(inv).can("anyone", [AUTH], "get", "pods", namespace="c")
    assert idx(inv).can(*sa_identity("q", "w"), "get", "pods", namespace="c")
    assert not idx(inv).can("anyone", [], "get", "pods", namespace="c")
    anonymous = rbac.identity_of(SubjectRef("User", "system:anonymous"))
    assert anonymous == ("system:anonymous", ["system:unauthenticated"])
    assert idx(inv).can(*anonymous, "get", "pods", namespace="d")
    assert not idx(inv).can(*anonymous, "get", "pods", namespace="c")
    assert not idx(inv).can("anyone", [AUTH], "get", "pods", namespace="d")


def test_user_subject_spelling_a_service_account_matches_it_and_unknown_kinds_match_nobody() -> None:
    inv = subjects_inventory()
    assert idx(inv).can(*sa_identity("x", "y"), "get", "pods", namespace="e")
    assert not idx(inv).can("u", [AUTH], "get", "pods", namespace="f")  # kinds are case-sensitive
    assert not idx(inv).can("r", [AUTH], "get", "pods", namespace="f")
    assert idx(inv).who_can("get", "pods", namespace="f") == []


def test_system_masters_is_allowed_everything_unless_switched_off() -> None:
    inv = subjects_inventory()
    assert idx(inv).can("root", ["system:masters"], "delete", "nodes")
    assert idx(inv).can_url("root", ["system:masters"], "post", "/anything")
    assert not idx(inv).can("root", ["system:masters"], "delete", "nodes", privileged_group=False)
    got = idx(inv).who_can("delete", "nodes", include_privileged_group=True)
    assert [a.subject for a in got] == [SubjectRef("Group", "system:masters")]


def test_decision_names_the_path() -> None:
    inv = subjects_inventory()
    request = ResourceRequest("get", "pods", namespace="a")
    decision = idx(inv).authorize(*sa_identity("a", "bot"), request)
    assert decision.allowed
    assert decision.path == GrantPath("RoleBinding", "a", "sa-no-ns", "ClusterRole", "reader", 0)
    assert not idx(inv).authorize("u", [AUTH], request).allowed


def test_rules_for_lists_what_applies_in_a_namespace() -> None:
    inv = scoping_inventory()
    got = {(p.binding_name, p.role_name) for p, _ in idx(inv).rules_for("u", [AUTH], "a")}
    assert got == {("u-reader", "reader"), ("u-local", "local")}
    assert idx(inv).rules_for("u", [AUTH]) == []


# --- aggregation (clusterroleaggregation controller) --------------------------------------------

R_OWN = rule(["get"], [""], ["events"])
R1 = rule(["get"], [""], ["pods"])
R2 = rule(["list"], [""], ["services"])
SELECT = {"clusterRoleSelectors": [{"matchLabels": {"agg": "yes"}}]}


def aggregation_inventory() -> Inventory:
    return make_inventory(
        [
            cr("agg", [R_OWN], aggregationRule=SELECT),
            cr("b-part", [R2, R1], {"agg": "yes"}),
            cr("a-part", [R1], {"agg": "yes"}),
            cr("unlabelled", [rule(["delete"], [""], ["pods"])]),
            cr(
                "top",
                [],
                aggregationRule={
                    "clusterRoleSelectors": [
                        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["mid"]}]}
                    ]
                },
            ),
            cr("mid", [], {"tier": "mid"}, aggregationRule=SELECT),
            cr("empty-union", [R_OWN], aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"no": "match"}}]}),
            crb("u-agg", "agg", [user("u")]),
            crb("t-top", "top", [user("t")]),
            crb("e-empty", "empty-union", [user("e")]),
        ]
    )


def test_controller_mode_replaces_own_rules_with_the_deduplicated_union() -> None:
    inv = aggregation_inventory()
    rules = idx(inv, CONTROLLER).cluster_role_rules("agg")
    assert rules is not None
    # Selected roles sorted by name (a-part before b-part); b-part's copy of R1 is dropped.
    assert [(er.source, er.index, er.rule.verbs) for er in rules] == [("a-part", 0, ["get"]), ("b-part", 0, ["list"])]
    assert idx(inv).can("u", [], "get", "pods")
    assert idx(inv).can("u", [], "list", "services")
    assert not idx(inv).can("u", [], "get", "events")  # stomped by the controller
    assert not idx(inv).can("u", [], "delete", "pods")


def test_stored_mode_is_an_apiserver_without_controller_manager() -> None:
    inv = aggregation_inventory()
    assert idx(inv, STORED).can("u", [], "get", "events")
    assert not idx(inv, STORED).can("u", [], "get", "pods")
    assert not idx(inv, STORED).can("t", [], "get", "pods")


def test_nested_aggregation_paths() -> None:
    inv = aggregation_inventory()
    got = {a.subject.name: [g.path for g in a.grants] for a in idx(inv).who_can("list", "services")}
    assert got == {
        "t": [GrantPath("ClusterRoleBinding", None, "t-top", "ClusterRole", "top", 0, "b-part")],
        "u": [GrantPath("ClusterRoleBinding", None, "u-agg", "ClusterRole", "agg", 0, "b-part")],
    }


def test_an_empty_union_leaves_the_stored_rules() -> None:
    inv = aggregation_inventory()
    for mode in Aggregation:
        assert idx(inv, mode).can("e", [], "get", "events")


def test_null_lists_as_the_api_server_sends_them() -> None:
    """An aggregated ClusterRole the controller has not filled comes back with `rules: null`."""
    inv = make_inventory(
        [
            {**cr("agg", []), "rules": None, "aggregationRule": SELECT},
            cr("part", [R1], {"agg": "yes"}),
            {**crb("empty", "agg", []), "subjects": None},
            crb("u-agg", "agg", [user("u")]),
        ]
    )
    assert idx(inv).can("u", [], "get", "pods")
    assert not idx(inv, STORED).can("u", [], "get", "pods")


def test_selector_cycles_terminate() -> None:
    inv = make_inventory(
        [
            cr("x", [R1], {"is": "x"}, aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"is": "y"}}]}),
            cr("y", [R2], {"is": "y"}, aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"is": "x"}}]}),
        ]
    )
    index = idx(inv)
    assert index.cluster_role_rules("x") and index.cluster_role_rules("y")


# --- who can ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_inv() -> Inventory:
    return make_inventory(cases.documents())


def names(accesses: list[rbac.SubjectAccess]) -> list[str]:
    return [str(a.subject) for a in accesses]


def test_who_can_exec_in_a_namespace(fixture_inv: Inventory) -> None:
    got = idx(fixture_inv).who_can("create", "pods", subresource="exec", namespace="shop")
    assert names(got) == ["User alice", "User dave", "Group oncall"]
    dave = got[1]
    assert [g.path for g in dave.grants] == [
        GrantPath("RoleBinding", "shop", "dave-exec", "ClusterRole", "k8saudit-exec", 0)
    ]
    (grant,) = dave.grants
    assert (grant.verb, grant.api_group, grant.resource, grant.namespace) == ("create", "", "pods/exec", "shop")
    assert names(idx(fixture_inv).who_can("create", "pods", subresource="exec", namespace="ci")) == [
        "User alice",
        "Group oncall",
        "ServiceAccount ci/ghost",
        "ServiceAccount ci/runner",
    ]
    assert names(idx(fixture_inv).who_can("create", "pods", subresource="exec", namespace="dev")) == [
        "User alice",
        "User frank",
        "Group developers",
        "Group oncall",
    ]


def test_who_can_reports_groups_as_groups(fixture_inv: Inventory) -> None:
    assert names(idx(fixture_inv, STORED).who_can("get", "pods")) == [
        "User alice",
        "Group system:authenticated",
    ]
    # Once the controller has aggregated monitoring (and monitoring-admin) they read pods too.
    assert names(idx(fixture_inv).who_can("get", "pods")) == [
        "User alice",
        "Group monitoring-admins",
        "Group system:authenticated",
        "ServiceAccount monitoring/prometheus",
    ]
    assert names(idx(fixture_inv, STORED).who_can("get", "pods", namespace="monitoring")) == [
        "User alice",
        "User system:anonymous",
        "Group system:authenticated",
    ]


def test_who_can_with_and_without_a_name(fixture_inv: Inventory) -> None:
    assert names(idx(fixture_inv).who_can("get", "configmaps", namespace="dev", name="app-config")) == [
        "User alice",
        "User frank",
        "User hank",
        "User lonnie",
        "Group developers",
    ]
    assert "User hank" not in names(idx(fixture_inv).who_can("get", "configmaps", namespace="dev"))
    assert "User hank" not in names(idx(fixture_inv).who_can("create", "configmaps", namespace="dev"))


def test_who_can_url(fixture_inv: Inventory) -> None:
    # ivan's RoleBinding to a ClusterRole with URLs grants nothing: URL requests have no namespace.
    assert names(idx(fixture_inv, STORED).who_can_url("get", "/metrics")) == [
        "User alice",
        "Group system:unauthenticated",
    ]
    assert names(idx(fixture_inv).who_can_url("get", "/metrics")) == [
        "User alice",
        "Group monitoring-admins",
        "Group system:unauthenticated",
        "ServiceAccount monitoring/prometheus",
    ]


# Hand-derived answers for the fixture set's tricky questions: (user, groups, verb, resource,
# subresource, group, namespace, name) -> (answer with the controller, answer without it).
def _sa(ns: str, name: str) -> tuple[str, tuple[str, ...]]:
    u, g = sa_identity(ns, name)
    return u, tuple(g)


FIXTURE_ANSWERS: list[tuple[tuple[str, tuple[str, ...]], tuple[Any, ...], bool, bool]] = [
    (("gina", (AUTH,)), ("get", "pods", "exec", "", "dev", "web-0"), False, False),
    (("gina", (AUTH,)), ("get", "pods", "*", "", "dev", "web-0"), True, True),
    (("hank", (AUTH,)), ("get", "configmaps", None, "", "dev", "app-config"), True, True),
    (("hank", (AUTH,)), ("list", "configmaps", None, "", "dev", None), False, False),
    (("hank", (AUTH,)), ("list", "configmaps", None, "", "dev", "app-config"), True, True),
    (("hank", (AUTH,)), ("create", "configmaps", None, "", "dev", None), False, False),
    (_sa("shop", "web"), ("get", "configmaps", None, "", "shop", "web-config"), True, True),
    (_sa("shop", "web"), ("get", "configmaps", None, "", "ci", "web-config"), False, False),
    (("system:serviceaccount:shop:web", ()), ("get", "configmaps", None, "", "shop", "web-config"), True, True),
    (("system:serviceaccount:shop:web", ()), ("get", "pods", None, "", None, None), False, False),
    (_sa("ci", "deployer"), ("create", "deployments", None, "apps", "shop", None), True, True),
    (_sa("ci", "deployer"), ("create", "deployments", None, "apps", "ci", None), False, False),
    (_sa("ci", "deployer"), ("list", "secrets", None, "", None, None), True, True),
    (_sa("ci", "runner"), ("update", "deployments", "scale", "apps", "dev", "web"), True, True),
    (_sa("ci", "runner"), ("update", "replicationcontrollers", "scale", "", "dev", "rc"), True, True),
    (_sa("ci", "runner"), ("get", "deployments", None, "apps", "dev", "web"), False, False),
    (_sa("shop", "web"), ("update", "deployments", "scale", "apps", "dev", "web"), False, False),
    (_sa("ci", "ghost"), ("create", "pods", None, "", "ci", None), True, True),
    (_sa("dev", "debugger"), ("create", "serviceaccounts", "token", "", "dev", "debugger"), True, True),
    (("bob", (AUTH,)), ("get", "pods", None, "", None, None), True, True),
    (("bob", (AUTH,)), ("delete", "pods", None, "", "shop", "web-0"), False, False),
    (("erin", (AUTH,)), ("create", "pods", None, "", "ci", None), False, False),
    (("alice", ()), ("delete", "widgets", None, "example.com", None, "w"), True, True),
    (("nobody", ()), ("get", "pods", None, "", None, None), False, False),
    (("root", ("system:masters",)), ("delete", "widgets", None, "example.com", None, "w"), True, True),
    (("system:anonymous", ("system:unauthenticated",)), ("get", "pods", None, "", "monitoring", None), True, True),
    (("system:anonymous", ("system:unauthenticated",)), ("get", "pods", None, "", "shop", None), False, False),
    (("ivan", (AUTH,)), ("get", "nodes", "proxy", "", None, "node-1"), False, False),
    (("ivan", (AUTH,)), ("get", "nodes", "proxy", "", "monitoring", "node-1"), True, True),
    (("support", (AUTH,)), ("impersonate", "users", None, "", None, "bob"), True, True),
    (("support", (AUTH,)), ("impersonate", "users", None, "", None, "alice"), False, False),
    (
        ("csr-bot", (AUTH,)),
        ("approve", "signers", None, "certificates.k8s.io", None, "kubernetes.io/kubelet-serving"),
        False,
        False,
    ),
    (("carol", (AUTH,)), ("escalate", "roles", None, cases.RBAC, "shop", "deployer"), True, True),
    (("jan", ("janitors", AUTH)), ("deletecollection", "configmaps", None, "", "shop", None), True, True),
    (("jan", ("janitors", AUTH)), ("get", "widgets", None, "example.com", None, "w"), False, False),
    (("devon", ("developers", AUTH)), ("delete", "widgets", None, "example.com", "dev", "w"), True, True),
    (("devon", ("developers", AUTH)), ("delete", "widgets", None, "example.com", None, "w"), False, False),
    (("sam", ("shop-team", AUTH)), ("list", "secrets", None, "", "shop", None), True, True),
    (("sam", ("shop-team", AUTH)), ("list", "secrets", None, "", None, None), False, False),
    # aggregation: prometheus holds monitoring; mona holds monitoring-admin (nested)
    (_sa("monitoring", "prometheus"), ("get", "events", None, "", None, None), False, True),
    (_sa("monitoring", "prometheus"), ("list", "nodes", None, "", None, None), True, False),
    (("mona", ("monitoring-admins", AUTH)), ("list", "endpoints", None, "", "shop", None), True, False),
    (("mona", ("monitoring-admins", AUTH)), ("create", "configmaps", None, "", "shop", None), True, False),
    (("mona", ("monitoring-admins", AUTH)), ("get", "events", None, "", None, None), False, False),
    (("lonnie", (AUTH,)), ("get", "configmaps", None, "", None, "x"), True, True),
]


@pytest.mark.parametrize(("identity", "question", "with_controller", "without"), FIXTURE_ANSWERS)
def test_fixture_answers(
    fixture_inv: Inventory,
    identity: tuple[str, tuple[str, ...]],
    question: tuple[Any, ...],
    with_controller: bool,
    without: bool,
) -> None:
    verb, resource, sub, api_group, ns, name = question
    kwargs: dict[str, Any] = {"api_group": api_group, "subresource": sub, "namespace": ns, "name": name}
    assert idx(fixture_inv).can(*identity, verb, resource, **kwargs) is with_controller
    assert idx(fixture_inv, STORED).can(*identity, verb, resource, **kwargs) is without


URL_ANSWERS = [
    ("system:anonymous", ("system:unauthenticated",), "get", "/metrics", True, True),
    ("system:anonymous", ("system:unauthenticated",), "post", "/metrics", False, False),
    ("system:anonymous", ("system:unauthenticated",), "get", "/logs", False, False),
    ("system:anonymous", ("system:unauthenticated",), "get", "/logs/", True, True),
    ("system:anonymous", ("system:unauthenticated",), "get", "/k8saudit-healthz/x", True, True),
    ("ivan", (AUTH,), "get", "/metrics", False, False),
    (*_sa("monitoring", "prometheus"), "get", "/metrics", True, False),
    ("alice", (AUTH,), "post", "/anything", True, True),
]


@pytest.mark.parametrize(("user_", "groups", "verb", "path", "with_controller", "without"), URL_ANSWERS)
def test_fixture_url_answers(
    fixture_inv: Inventory,
    user_: str,
    groups: tuple[str, ...],
    verb: str,
    path: str,
    with_controller: bool,
    without: bool,
) -> None:
    assert idx(fixture_inv).can_url(user_, groups, verb, path) is with_controller
    assert idx(fixture_inv, STORED).can_url(user_, groups, verb, path) is without


# --- dangling references -------------------------------------------------------------------------


def failing_bindings(inv: Inventory, check: str) -> list[str]:
    """The bindings `check` fails in `inv`, as `Kind namespace/name`."""
    report = run_checks(inv, ScanOptions(checks=(check,)))
    return sorted(f.resource.label() for f in report.findings if f.status is Status.FAIL and f.resource)


def test_bindings_to_missing_roles(fixture_inv: Inventory) -> None:
    """A reference to a missing role grants nothing (the authorizer), and `rbac.missing-roles` says so."""
    assert failing_bindings(fixture_inv, "rbac.missing-roles") == [
        "ClusterRoleBinding k8saudit-bob-missing",
        "RoleBinding ci/erin-missing",
        "RoleBinding shop/gone",
    ]
    paths = [path for path, _ in idx(fixture_inv).rules_for("bob", [AUTH])]
    assert paths and all(p.binding_name != "k8saudit-bob-missing" for p in paths)  # it grants nothing
    other = make_inventory(
        [
            crb("to-role", "r", [user("u")], kind="Role"),
            cases.rb("a", "to-edit", "ClusterRole", "edit", [user("u")]),
            cases.role("a", "r", [R1]),
            cases.rb("a", "to-r", "Role", "r", [user("u")]),
        ]
    )
    # a ClusterRoleBinding cannot use a Role; `edit` is built in, so manifests need not ship it
    assert failing_bindings(other, "rbac.missing-roles") == ["ClusterRoleBinding to-role"]


def test_missing_service_accounts_in_manifests(fixture_inv: Inventory) -> None:
    got = rbac.dangling_service_accounts(fixture_inv)
    assert got == [
        rbac.DanglingSubject(
            rbac.BindingRef("RoleBinding", "ci", "ghost", "Role", "runner"), "ghost", "ci", "not-found"
        )
    ]


def test_missing_service_accounts_needs_service_accounts() -> None:
    inv = make_inventory([cases.rb("a", "x", "ClusterRole", "r", [sa("ghost")])])
    assert rbac.dangling_service_accounts(inv) is None


def test_missing_service_accounts_judges_every_namespace_after_a_complete_listing() -> None:
    docs = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bot", "namespace": "a"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
        cases.rb(
            "a",
            "bot",
            "ClusterRole",
            "r",
            [sa("bot"), sa("default"), sa("gone", "deleted-ns"), sa("default", "gone-ns")],
        ),
        crb("no-ns", "r", [sa("orphan")]),
    ]
    partial = rbac.dangling_service_accounts(make_inventory(docs))
    assert partial is not None
    assert [(d.name, d.namespace, d.reason) for d in partial] == [("orphan", None, "no-namespace")]
    facts = ClusterFactsSpec(source="live", kinds={"ServiceAccount": Availability(status="ok", count=1)})
    complete = rbac.dangling_service_accounts(make_inventory(docs, facts))
    assert complete is not None
    assert [(d.name, d.namespace, d.reason) for d in complete] == [
        ("orphan", None, "no-namespace"),
        ("gone", "deleted-ns", "not-found"),
        ("default", "gone-ns", "not-found"),  # no such namespace, so no default ServiceAccount
    ]


# --- access review --------------------------------------------------------------------------------


def review_inventory() -> Inventory:
    """A small realistic cluster: a platform team, an app team, CI, a support desk."""
    return make_inventory(
        [
            cr("platform-admin", [rule(["*"], ["*"], ["*"]), url_rule(["*"], ["*"])]),
            cr("secret-reader", [rule(["get", "list", "watch"], [""], ["secrets"])]),
            cr("debug", [rule(["create"], [""], ["pods/exec", "pods/portforward"]), rule(["get"], [""], ["pods/log"])]),
            cr("impersonate-bob", [rule(["impersonate"], [""], ["users"], ["bob"])]),
            cr("node-reader", [rule(["get"], [""], ["nodes/proxy"])]),
            cases.role(
                "shop",
                "deployer",
                [
                    rule(["create", "delete"], [""], ["pods"]),
                    rule(["get"], [""], ["secrets"], ["db-password"]),
                ],
            ),
            # create carries no name: limited by resourceNames it can never be used
            cases.role("shop", "named-create", [rule(["create"], [""], ["pods"], ["x"])]),
            cases.rb("shop", "interns", "Role", "named-create", [group("interns")]),
            cases.role("ci", "tokens", [rule(["create"], [""], ["serviceaccounts/token"])]),
            crb("platform", "platform-admin", [group("platform")]),
            crb("ci-secrets", "secret-reader", [sa("deployer", "ci")]),
            crb("support", "impersonate-bob", [user("support")]),
            crb("bob", "missing", [user("bob")]),
            cases.rb("shop", "alice-admin", "ClusterRole", "platform-admin", [user("alice")]),
            cases.rb("shop", "dave-debug", "ClusterRole", "debug", [user("dave")]),
            cases.rb("shop", "deployer", "Role", "deployer", [sa("deployer", "ci"), group("shop-team")]),
            cases.rb("ci", "tokens", "Role", "tokens", [sa("runner")]),
            # nodes/proxy is cluster-scoped: through a RoleBinding it gives no real access
            cases.rb("shop", "nodes", "ClusterRole", "node-reader", [user("dave")]),
        ]
    )


# Permissions a wildcard grants in one namespace (the catalogue's Scope.ANY entries).
NAMESPACE_SCOPED_IDS = [
    "all:*",
    "secrets-read:get",
    "secrets-read:list",
    "secrets-read:watch",
    "pods-create:create",
    "pods-exec:create",
    "pods-exec:get",
    "pods-attach:create",
    "pods-attach:get",
    "pods-portforward:create",
    "pods-portforward:get",
    "pods-ephemeralcontainers:patch",
    "pods-ephemeralcontainers:update",
    "bind:roles",
    "bind:clusterroles",
    "escalate:roles",
    "impersonate:serviceaccounts",
    "rolebindings-create:create",
    "serviceaccounts-token:create",
    "delete-all:delete",
    "delete-all:deletecollection",
]


def bindings(row: risky.ReviewRow) -> list[str]:
    return [str(b) for b in row.bindings]


def test_access_review_snapshot() -> None:
    rows = risky.access_review(idx(review_inventory()))
    by_subject: dict[str, list[str]] = {}
    for row in rows:
        by_subject.setdefault(str(row.subject), []).append(row.permission.id)
    assert by_subject == {
        "Group platform": [p.id for p in risky.RISKY_PERMISSIONS],
        "User alice": NAMESPACE_SCOPED_IDS,
        "ServiceAccount ci/deployer": [
            "secrets-read:get",
            "secrets-read:list",
            "secrets-read:watch",
            "pods-create:create",
        ],
        "Group shop-team": ["secrets-read:get", "pods-create:create"],
        "User dave": ["pods-exec:create", "pods-portforward:create"],
        "User support": ["impersonate:users"],
        "ServiceAccount ci/runner": ["serviceaccounts-token:create"],
    }
    alice = ["RoleBinding shop/alice-admin -> ClusterRole platform-admin"]
    ci_secrets = "ClusterRoleBinding ci-secrets -> ClusterRole secret-reader"
    deployer = "RoleBinding shop/deployer -> Role deployer"
    support = ["ClusterRoleBinding support -> ClusterRole impersonate-bob"]
    summary = [
        (row.permission.id, str(row.subject), bindings(row), row.cluster_wide, row.namespaces, row.only_named)
        for row in rows
        if row.permission.family in ("secrets-read", "impersonate") and row.subject.name != "platform"
    ]
    assert summary == [
        ("secrets-read:get", "User alice", alice, False, ("shop",), False),
        ("secrets-read:get", "Group shop-team", [deployer], False, ("shop",), True),
        ("secrets-read:get", "ServiceAccount ci/deployer", [ci_secrets, deployer], True, ("shop",), False),
        ("secrets-read:list", "User alice", alice, False, ("shop",), False),
        ("secrets-read:list", "ServiceAccount ci/deployer", [ci_secrets], True, (), False),
        ("secrets-read:watch", "User alice", alice, False, ("shop",), False),
        ("secrets-read:watch", "ServiceAccount ci/deployer", [ci_secrets], True, (), False),
        ("impersonate:users", "User support", support, True, (), True),
        ("impersonate:serviceaccounts", "User alice", alice, False, ("shop",), False),
    ]
    grant = next(g for r in rows if r.subject.name == "support" for g in r.grants)
    assert (grant.verb, grant.resource, grant.resource_names, grant.namespace) == (
        "impersonate",
        "users",
        ("bob",),
        None,
    )


def test_access_review_follows_aggregation() -> None:
    inv = aggregation_inventory()
    wanted = [risky.RiskyPermission("x", "x", "get pods", "get", "", "pods")]
    got = [str(r.subject) for r in risky.access_review(idx(inv), permissions=wanted)]
    assert got == ["User t", "User u"]
    assert risky.access_review(idx(inv, STORED), permissions=wanted) == []


def test_access_review_cost_does_not_grow_with_bindings_per_role(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each distinct role is matched against the catalogue once, however many bindings use it."""
    calls = 0
    real = risky._match  # every catalogue entry against one rule (`all` through grants_everything)

    def counting(*args: Any, **kwargs: Any) -> rbac.RuleMatch | None:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(risky, "_match", counting)
    docs: list[dict[str, Any]] = [cr("exec", [rule(["create"], [""], ["pods/exec"]), R1])]
    docs += [cases.rb(f"ns{i % 50}", f"b{i}", "ClusterRole", "exec", [user(f"u{i}")]) for i in range(2000)]
    docs += [crb(f"c{i}", "exec", [group(f"g{i}")]) for i in range(500)]
    rows = risky.access_review(idx(make_inventory(docs)))
    assert calls == 2 * len(risky.RISKY_PERMISSIONS)  # 2 rules, matched once per catalogue entry
    assert {r.permission.id for r in rows} == {"pods-exec:create"}
    assert sum(len(r.grants) for r in rows) == 2500


# --- the fixture generator ------------------------------------------------------------------------


def test_fixture_documents_are_deterministic_and_valid_for_the_api_server() -> None:
    docs = cases.documents()
    assert docs == cases.documents()
    seen: set[tuple[str, str, str]] = set()
    for doc in docs:
        kind, meta = doc["kind"], doc["metadata"]
        key = (kind, meta.get("namespace", ""), meta["name"])
        assert key not in seen, key
        seen.add(key)
        namespaced = kind in ("ServiceAccount", "Role", "RoleBinding")
        assert (meta.get("namespace") in cases.NAMESPACES) is namespaced, key
        for r in doc.get("rules", []):  # ValidatePolicyRule
            assert r["verbs"], key
            if "nonResourceURLs" in r:
                assert kind == "ClusterRole" and not {"apiGroups", "resources", "resourceNames"} & r.keys(), key
            else:
                assert r["apiGroups"] and r["resources"], key
        if kind.endswith("Binding"):  # ValidateRoleBinding / ValidateRoleBindingSubject
            assert doc["roleRef"]["apiGroup"] == cases.RBAC
            assert doc["roleRef"]["kind"] in (("Role", "ClusterRole") if kind == "RoleBinding" else ("ClusterRole",))
            for s in doc["subjects"]:
                if s["kind"] == "ServiceAccount":
                    assert "apiGroup" not in s and (namespaced or s.get("namespace")), key
                else:
                    assert s["kind"] in ("User", "Group") and s["apiGroup"] == cases.RBAC, key
        if kind == "ClusterRole" and "aggregationRule" in doc:
            assert doc["aggregationRule"]["clusterRoleSelectors"], key
    assert all(n.startswith(cases.PREFIX) for k, _, n in seen if k.startswith("Cluster"))
    inv = make_inventory(docs)
    assert inv.count("RoleBinding") + inv.count("ClusterRoleBinding") == 32


def test_fixture_questions_are_deterministic() -> None:
    qs = cases.questions()
    assert len(qs) == len(cases.IDENTITIES) * len(cases.ACTIONS) * len(cases.QUESTION_NAMESPACES)
    assert cases.sample_questions(50, seed=3) == cases.sample_questions(50, seed=3)
    assert len(set(cases.sample_questions(50))) == 50
    assert all(q in set(qs) for q in cases.sample_questions(50))


def test_scope_rules_decide_what_authorize_decides(fixture_inv: Inventory) -> None:
    """`scope_rules` (cluster-wide part and one namespace's part, kept apart so the escalation
    search can reuse the first per identity) allows exactly what `authorize` allows."""
    index = idx(fixture_inv)
    for q in cases.sample_questions(1500, seed=3):
        request = ResourceRequest(q.verb, q.resource, q.api_group, q.subresource or "", q.namespace or "", q.name or "")
        rules = [*index.scope_rules(q.user, q.groups, ""), *index.scope_rules(q.user, q.groups, q.namespace or "")]
        if q.namespace is None:
            rules = index.scope_rules(q.user, q.groups, "")
        ours = any(rbac.rule_allows(r, request) for r in rules)
        assert ours == index.authorize(q.user, q.groups, request, privileged_group=False).allowed, q
