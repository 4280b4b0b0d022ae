"""The access model (k8saudit/semantics/access.py) and the access review in every report: its JSON, and its
Markdown and HTML sections with hostile names escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.facts import Availability, ClusterFactsSpec
from k8saudit.model.findings import AccessPermission, AccessReview, Report
from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import PolicyRule
from k8saudit.output.render import render
from k8saudit.semantics import access, rbac, review
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot
from tests.conftest import make_inventory
from tests.unit.support.helpers import binding, cluster_role


def review_of(inv: Inventory) -> AccessReview:
    """The report's access review of `inv`, as a scan builds it."""
    return review.build_access_review(inv, access.AccessModel(inv))


CRB, RB = "ClusterRoleBinding", "RoleBinding"
VERSION = (Path(__file__).resolve().parents[2] / "apiserver" / "VERSION").read_text().strip()
HOSTILE = "<script>alert(1)</script>|`x`*"


def rule(verbs: list[str], groups: list[str], resources: list[str]) -> dict[str, Any]:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


# --- the built-in ClusterRoles ----------------------------------------------------------------


def test_builtin_roles_are_the_bootstrap_policy_of_the_pinned_apiserver() -> None:
    document = json.loads(access.BUILTIN_ROLES_PATH.read_text(encoding="utf-8"))
    assert document["metadata"]["annotations"]["k8saudit.io/source"] == f"kube-apiserver {VERSION} bootstrap policy"
    roles = {r.name: r for r in access.builtin_cluster_roles()}
    assert len(roles) > 50
    assert all(access.labelled_default(r) for r in roles.values())
    assert roles["cluster-admin"].rules[0] == PolicyRule(verbs=["*"], apiGroups=["*"], resources=["*"])
    assert roles["edit"].aggregationRule is not None and roles["edit"].rules == []  # as the server stores it


def test_aggregated_builtin_roles_resolve_as_the_controller_would() -> None:
    inv = make_inventory([])
    model = access.AccessModel(inv)
    assert {"admin", "edit", "view", "cluster-admin"} <= model.assumed

    def can(role: str, verb: str, resource: str, sub: str = "", group: str = "") -> bool:
        request = rbac.ResourceRequest(verb, resource, group, sub, "ns", "")
        return any(rbac.rule_allows(er.rule, request) for er in model.index.cluster_role_rules(role) or ())

    assert can("edit", "create", "pods", "exec") and can("edit", "list", "secrets")
    assert not can("edit", "create", "rolebindings", group=rbac.RBAC_GROUP)
    assert can("admin", "create", "rolebindings", group=rbac.RBAC_GROUP)
    assert not can("view", "get", "secrets") and can("view", "list", "pods")


def test_builtin_roles_are_not_assumed_where_the_cluster_listed_its_own() -> None:
    facts = ClusterFactsSpec(source="live", kinds={"ClusterRole": Availability(status="ok", count=1)})
    model = access.AccessModel(make_inventory([cluster_role("view")], facts))
    assert model.assumed == frozenset()
    forbidden = ClusterFactsSpec(source="live", kinds={"ClusterRole": Availability(status="forbidden")})
    assert "edit" in access.AccessModel(make_inventory([], forbidden)).assumed
    # A role the source does hold is never replaced by the built-in definition.
    own = access.AccessModel(make_inventory([cluster_role("edit", rule(["get"], [""], ["pods"]))]))
    assert "edit" not in own.assumed


# --- the review -----------------------------------------------------------------------------


def review_docs() -> list[dict[str, Any]]:
    return [
        cluster_role("reader", rule(["get", "list"], [""], ["secrets"])),
        binding(CRB, "readers", "reader", ("Group", "auditors"), ("Group", "system:masters")),
        binding(RB, "team", "reader", ("ServiceAccount", "shop/app"), namespace="shop"),
        binding(CRB, "admins", "cluster-admin", ("User", "root")),
    ]


def family(review: AccessReview, family_id: str) -> AccessPermission:
    return next(p for p in review.permissions if p.id == family_id)


def test_review_lists_holders_where_and_through_what() -> None:
    review = review_of(make_inventory(review_docs()))
    assert review.status == "complete"
    assert [p.id for p in review.permissions][:3] == ["all", "secrets-read", "pods-create"]
    secrets = family(review, "secrets-read")
    assert secrets.requests == ["get secrets", "list secrets", "watch secrets"]
    assert "cis:5.1.2" in secrets.references
    holders = {h.subject.label(): h for h in secrets.holders}
    # Listed: holders whose grants reach the cluster; a team's own namespace is counted instead.
    assert list(holders) == ["User root", "Group auditors", "Group system:masters"]
    assert (secrets.namespacedHolders, secrets.namespacedIn) == (1, 1)  # ServiceAccount shop/app in shop
    auditors = holders["Group auditors"]
    assert auditors.clusterWide and auditors.namespaces == [] and not auditors.builtIn
    assert auditors.permissions == ["get secrets", "list secrets"]
    (grant,) = auditors.grants
    assert (grant.binding.kind, grant.binding.name, grant.role.name, grant.rule) == (CRB, "readers", "reader", 0)
    assert grant.permissions == ["get secrets", "list secrets"] and not grant.fullWildcard
    assert grant.namespace is None and auditors.via() == ["ClusterRoleBinding readers → ClusterRole reader"]
    assert holders["Group system:masters"].builtIn
    root = holders["User root"]
    assert root.grants[0].fullWildcard and root.grants[0].assumedRole  # cluster-admin is not in the manifests
    # The rows a report shows: built-ins left out, a cluster-admin holder once (under `all`).
    rows = [(p.id, h.subject.label()) for p, h in review.rows()]
    assert ("all", "User root") in rows and ("secrets-read", "User root") not in rows
    assert ("secrets-read", "Group auditors") in rows and ("secrets-read", "Group system:masters") not in rows
    assert ("all", "Group system:masters") not in rows
    assert dict(review.built_in_counts())["Read Secrets"] == 1
    assert ("Read Secrets", 1, 1) in review.namespaced_counts()


def test_review_lists_kube_system_and_everyone_grants_with_their_namespaced_ones() -> None:
    docs = [
        cluster_role("reader", rule(["list"], [""], ["secrets"])),
        binding(RB, "sys", "reader", ("User", "ops"), namespace="kube-system"),
        binding(RB, "team", "reader", ("User", "ops"), namespace="shop"),
        binding(RB, "all-sas", "reader", ("Group", "system:serviceaccounts"), namespace="shop"),
    ]
    secrets = family(review_of(make_inventory(docs)), "secrets-read")
    holders = {h.subject.label(): h for h in secrets.holders}
    assert set(holders) == {"User ops", "Group system:serviceaccounts"}
    assert holders["User ops"].namespaces == ["kube-system", "shop"] and not holders["User ops"].clusterWide
    assert holders["User ops"].where() == "namespaces kube-system, shop"
    assert holders["Group system:serviceaccounts"].everyone
    assert secrets.namespacedHolders == 0


def test_review_status_follows_what_could_be_read() -> None:
    partial = ClusterFactsSpec(
        source="live",
        kinds={
            CRB: Availability(status="ok"),
            "ClusterRole": Availability(status="ok"),
            RB: Availability(status="forbidden", reason="RoleBinding: list forbidden"),
            "Role": Availability(status="ok"),
        },
    )
    review = review_of(make_inventory(review_docs()[:2], partial))
    assert (review.status, review.reason) == ("partial", "RoleBinding: list forbidden")
    assert family(review, "secrets-read").holders
    none = review_of(make_inventory([cluster_role("x")]))
    assert none.status == "not-assessable" and none.permissions == []
    assert "ClusterRoleBinding" in (none.reason or "")


def report_of(docs: list[dict[str, Any]]) -> Report:
    return run_checks(make_inventory(docs), ScanOptions(checks=("rbac.secrets-read",)))


def test_every_report_carries_the_review_in_json() -> None:
    report = report_of(review_docs())
    data = json.loads(render(report, "json"))
    secrets = next(p for p in data["accessReview"]["permissions"] if p["id"] == "secrets-read")
    auditors = next(h for h in secrets["holders"] if h["subject"]["name"] == "auditors")
    assert auditors["grants"][0]["binding"] == {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": CRB,
        "namespace": None,
        "name": "readers",
    }
    assert Report.model_validate(data).accessReview == report.accessReview  # the schema round-trips


def hostile_docs() -> list[dict[str, Any]]:
    return [
        cluster_role("reader", rule(["list"], [""], ["secrets"])),
        binding(CRB, "hostile", "reader", ("User", HOSTILE)),
    ]


def test_markdown_section_lists_holders_escaped() -> None:
    md = render(report_of(hostile_docs()), "md")
    section = md.split("## Access review", 1)[1].split("\n## ", 1)[0]
    assert "| Permission | Subject | Where | Through |" in section
    (row,) = [line for line in section.splitlines() if line.startswith("| Read Secrets")]
    assert "<script>" not in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 5  # the subject's pipe is escaped, not a new cell
    assert r"\|" in row and r"\`x\`" in row
    assert "ClusterRoleBinding hostile → ClusterRole reader" in row


def test_html_section_lists_holders_escaped() -> None:
    html = render(report_of(hostile_docs()), "html")
    section = html.split("<h2>Access review</h2>", 1)[1].split("<h2>", 1)[0]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;|`x`*" in section
    assert re.search(r"<td>Read Secrets</td><td>User &lt;script&gt;", section)


def test_sections_say_when_there_is_nothing_or_nothing_could_be_read() -> None:
    clean = render(report_of([cluster_role("view"), binding(CRB, "v", "view", ("Group", "devs"))]), "md")
    assert "No subject beyond the built-in defaults holds a risky permission." in clean
    blind = render(report_of([cluster_role("view")]), "html")
    assert re.search(r"<h2>Access review</h2>\s*<p>Not assessable: ", blind)


@pytest.fixture(scope="module")
def demo_report() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def test_demo_review_names_the_planted_mistakes(demo_report: Report) -> None:
    review = demo_report.accessReview
    assert review is not None and review.status == "complete"
    rows = {(p.id, h.subject.label(), tuple(h.via())) for p, h in review.rows()}
    assert (
        "all",
        "User dev@example.com",
        ("ClusterRoleBinding dev-cluster-admin → ClusterRole cluster-admin",),
    ) in rows
    assert (
        "secrets-read",
        "ServiceAccount logging/fluent-bit",
        ("ClusterRoleBinding fluent-bit → ClusterRole fluent-bit",),
    ) in rows
    assert ("pods-exec", "Group support", ("ClusterRoleBinding support-debug → ClusterRole support-debug",)) in rows
    assert (
        "impersonate",
        "Group platform-team",
        ("ClusterRoleBinding platform-rbac-manager → ClusterRole rbac-manager",),
    ) in rows
    builtin = {h.subject.label() for p in review.permissions for h in p.holders if h.builtIn}
    assert {"Group system:masters", "Group kubeadm:cluster-admins", "User system:kube-controller-manager"} <= builtin


def test_review_leaves_out_grants_in_namespaces_outside_the_scan_scope() -> None:
    """`namespaces: exclude` drops a namespace's RoleBinding grants, as it drops its findings."""
    from k8saudit.engine.config import parse_config

    docs = [
        cluster_role("reader", rule(["list"], [""], ["secrets"])),
        binding(RB, "sys", "reader", ("User", "ops"), namespace="kube-system"),
        binding(RB, "sys", "reader", ("User", "dev"), namespace="sandbox"),
        binding(CRB, "audit", "reader", ("Group", "auditors")),
    ]
    everything = family(run_checks(make_inventory(docs)).accessReview, "secrets-read")
    assert {h.subject.label() for h in everything.holders} == {"User ops", "Group auditors"}
    config = parse_config(
        "apiVersion: k8saudit.io/v1alpha1\nkind: AuditConfig\nnamespaces:\n  exclude: [kube-system]\n"
    )
    scoped = family(run_checks(make_inventory(docs), ScanOptions(config=config)).accessReview, "secrets-read")
    # ops held it only in kube-system, now out of scope; the cluster-wide grant stays
    assert {h.subject.label() for h in scoped.holders} == {"Group auditors"}


# --- resourceNames: [""] (issue 15 item 16) ---------------------------------------------------


def test_an_empty_resource_name_matches_every_request_without_a_name() -> None:
    """`ResourceNameMatches` (pkg/apis/rbac/v1/evaluation_helpers.go) compares the request's name
    with each entry, and a request without a name (list, create) has the name "": a blank
    templated `resourceNames: [""]` allows listing every Secret and creating any pod."""
    blank = {**rule(["list", "create"], [""], ["secrets", "pods"]), "resourceNames": [""]}
    docs = [cluster_role("blank", blank), binding(CRB, "blank", "blank", ("User", "tmpl"))]
    inv = make_inventory(docs)
    model = access.AccessModel(inv)
    assert model.index.can("tmpl", [], "list", "secrets") and model.index.can("tmpl", [], "create", "pods")
    rows = {(row.permission.id, str(row.subject)): row for row in model.review}
    assert ("pods-create:create", "User tmpl") in rows  # a nameless create is allowed: not left out
    assert not rows[("secrets-read:list", "User tmpl")].only_named  # every Secret, not "only named ones"
    review = review_of(inv)
    holders = {h.subject.label(): h for h in family(review, "pods-create").holders}
    assert "User tmpl" in holders
    tmpl = {h.subject.label(): h for h in family(review, "secrets-read").holders}["User tmpl"]
    (listing,) = tmpl.permissions
    assert listing.startswith("list secrets") and "(only:" not in listing
    # `*`/`*`/`*` with [""] lists every Secret and creates anything: cluster-admin's family too.
    blank_all = {**rule(["*"], ["*"], ["*"]), "resourceNames": [""]}
    everything = access.AccessModel(
        make_inventory([cluster_role("x", blank_all), binding(CRB, "x", "x", ("User", "t"))])
    )
    assert ("all:*", "User t") in {(row.permission.id, str(row.subject)) for row in everything.review}
    # A real name still restricts: `resourceNames: [app]` never allows a nameless create or list.
    named = {**rule(["list", "create"], [""], ["secrets", "pods"]), "resourceNames": ["app"]}
    named_docs = [cluster_role("named", named), binding(CRB, "n", "named", ("User", "x"))]
    model = access.AccessModel(make_inventory(named_docs))
    rows = {(row.permission.id, str(row.subject)): row for row in model.review}
    assert ("pods-create:create", "User x") not in rows and rows[("secrets-read:list", "User x")].only_named


# --- built-in roles shipped with fewer rules (issue 15 item 11) ----------------------------------

AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"


def test_a_built_in_role_shipped_with_fewer_rules_is_the_union_the_api_server_restores() -> None:
    """kube-apiserver reconciles its bootstrap roles at every start (the `rbac/bootstrap-roles`
    post-start hook, `computeReconciledRole` in pkg/registry/rbac/reconciliation): rules the stored
    role lacks are appended, missing aggregation selectors and labels are added back, unless the
    role carries `rbac.authorization.kubernetes.io/autoupdate: "false"`. A manifest that ships a
    trimmed `edit` or `cluster-admin` restricts nothing."""
    trimmed_edit = cluster_role("edit", rule(["get", "list"], [""], ["pods"]))
    trimmed_admin = cluster_role("cluster-admin", rule(["get"], [""], ["pods"]))
    docs = [
        trimmed_edit,
        trimmed_admin,
        binding(CRB, "dev-edit", "edit", ("User", "dev")),
        binding(CRB, "root", "cluster-admin", ("User", "root")),
    ]
    inv = make_inventory(docs)
    model = access.AccessModel(inv)
    assert model.index.can("dev", [], "create", "pods", subresource="exec", namespace="shop")  # aggregate-to-edit
    assert model.index.can("dev", [], "list", "secrets")
    assert model.index.can("root", [], "delete", "nodes")
    assert {"edit", "cluster-admin"} <= set(model.restored)
    root = next(row for row in model.review if row.permission.id == "all:*" and str(row.subject) == "User root")
    (grant,) = root.grants
    binding_obj = model.binding(grant.path)
    assert binding_obj is not None
    label = model.rule_label(binding_obj, grant.path.rule_index, grant.path.rule_source)
    assert label == (
        "ClusterRole/cluster-admin rules[1] (restored by the API server: the built-in rule the source's "
        "ClusterRole cluster-admin lacks)"
    )
    holders = {h.subject.label(): h for h in family(review_of(inv), "all").holders}
    assert holders["User root"].grants[0].assumedRole  # the rule is the built-in definition's, not the source's
    # The check names the override in its evidence.
    report = run_checks(inv, ScanOptions(checks=("rbac.secrets-read",)))
    dev = next(f for f in report.findings if f.resource is not None and f.resource.name == "dev-edit")
    assert any("aggregation restored by the API server" in e.path for e in dev.evidence), dev.evidence


def test_autoupdate_false_keeps_a_built_in_role_as_written() -> None:
    kept = cluster_role("edit", rule(["get", "list"], [""], ["pods"]))
    kept["metadata"]["annotations"] = {AUTOUPDATE: "false"}
    inv = make_inventory([kept, binding(CRB, "dev-edit", "edit", ("User", "dev"))])
    model = access.AccessModel(inv)
    assert model.restored == {}
    assert not model.index.can("dev", [], "list", "secrets") and model.index.can("dev", [], "list", "pods")
    # A live cluster's listing is the truth: the server reconciled it at its last start.
    live = ClusterFactsSpec(source="live", kinds={"ClusterRole": Availability(status="ok", count=1)})
    trimmed = cluster_role("edit", rule(["get"], [""], ["pods"]))
    assert access.AccessModel(make_inventory([trimmed], live)).restored == {}


def test_covers_follows_the_api_servers_policy_comparator() -> None:
    """`ruleCovers` after `BreakdownRule` (pkg/registry/rbac/validation/policy_comparator.go)."""
    from k8saudit.semantics.reconcile import covers

    def r(verbs: list[str], groups: list[str], resources: list[str], names: list[str] | None = None) -> PolicyRule:
        return PolicyRule(verbs=verbs, apiGroups=groups, resources=resources, resourceNames=names or [])

    everything = r(["*"], ["*"], ["*"])
    assert covers([everything], r(["get"], ["apps"], ["deployments/scale"], ["x"]))
    assert covers([r(["get", "list"], [""], ["*/scale"])], r(["get"], [""], ["deployments/scale"]))
    assert not covers([r(["get"], [""], ["pods/*"])], r(["get"], [""], ["pods/exec"]))  # `pods/*` is no wildcard
    assert not covers([r(["get"], [""], ["pods"], ["a"])], r(["get"], [""], ["pods"]))  # names restrict
    assert covers([r(["get"], [""], ["pods"])], r(["get"], [""], ["pods"], ["a"]))
    assert not covers([r(["get"], [""], ["pods"])], r(["get", "list"], [""], ["pods"]))
    # Pieces may be covered by different rules.
    assert covers([r(["get"], [""], ["pods"]), r(["list"], ["*"], ["pods"])], r(["get", "list"], [""], ["pods"]))
    url = PolicyRule(verbs=["get"], nonResourceURLs=["/api/*"])
    assert covers([url], PolicyRule(verbs=["get"], nonResourceURLs=["/api/v1"]))
    assert not covers([url], PolicyRule(verbs=["get"], nonResourceURLs=["/apis"]))
