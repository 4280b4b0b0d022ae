from __future__ import annotations

from typing import Any

from k8saudit.model.facts import Availability, ClusterFactsSpec
from k8saudit.model.findings import Severity, Status
from tests.unit.support.helpers import binding, cluster_role, failing, run, summary

CRB, RB = "ClusterRoleBinding", "RoleBinding"
DEFAULT_ADMIN = binding(CRB, "cluster-admin", "cluster-admin", ("Group", "system:masters"))
PUBLIC_INFO = binding(
    CRB,
    "system:public-info-viewer",
    "system:public-info-viewer",
    ("Group", "system:authenticated"),
    ("Group", "system:unauthenticated"),
)


# --- rbac.cluster-admin-bindings ------------------------------------------------------------------


def test_default_cluster_admin_bindings_pass() -> None:
    kubeadm = binding(CRB, "kubeadm:cluster-admins", "cluster-admin", ("Group", "kubeadm:cluster-admins"))
    viewer = binding(CRB, "dev-view", "view", ("Group", "developers"))
    report = run([DEFAULT_ADMIN, kubeadm, viewer], "rbac.cluster-admin-bindings")
    assert summary(report).status is Status.PASS
    assert summary(report).passed == 2  # the two cluster-admin bindings; `view` is not judged here
    assert failing(report) == {}


def test_extra_subjects_fail_one_finding_per_binding_naming_them() -> None:
    extra_on_default = binding(
        CRB, "cluster-admin", "cluster-admin", ("Group", "system:masters"), ("User", "alice@example.com")
    )
    ci = binding(CRB, "ci-admin", "cluster-admin", ("ServiceAccount", "ci/deployer"), ("Group", "ops"))
    tiller = binding(CRB, "tiller", "cluster-admin", ("ServiceAccount", "kube-system/tiller"))
    report = run([extra_on_default, ci, tiller], "rbac.cluster-admin-bindings")
    got = failing(report)
    assert set(got) == {"cluster-admin", "ci-admin", "tiller"}
    assert got["cluster-admin"].message == "Grants cluster-admin cluster-wide to User alice@example.com"
    assert "system:masters" not in got["cluster-admin"].message
    assert got["ci-admin"].message == "Grants cluster-admin cluster-wide to ServiceAccount ci/deployer, Group ops"
    assert got["tiller"].severity is Severity.HIGH  # a system-ish ServiceAccount is not a default
    assert got["ci-admin"].resource is not None and got["ci-admin"].resource.kind == CRB


def test_cluster_admin_for_everyone_is_critical() -> None:
    everyone = binding(CRB, "oops", "cluster-admin", ("Group", "system:authenticated"))
    got = failing(run([everyone], "rbac.cluster-admin-bindings"))
    assert got["oops"].severity is Severity.CRITICAL
    assert "system:authenticated" in got["oops"].message


def test_rolebinding_to_cluster_admin_is_namespaced_and_worse_in_kube_system() -> None:
    team = binding(RB, "team-admin", "cluster-admin", ("Group", "team-a"), namespace="team-a")
    system = binding(RB, "sys-admin", "cluster-admin", ("User", "bob"), namespace="kube-system")
    local_role = binding(RB, "named-like-it", "cluster-admin", ("User", "carol"), namespace="x", role_kind="Role")
    got = failing(run([DEFAULT_ADMIN, team, system, local_role], "rbac.cluster-admin-bindings"))
    assert set(got) == {"team-admin", "sys-admin"}  # a Role that happens to be called cluster-admin is not it
    assert got["team-admin"].message == "Grants cluster-admin in namespace team-a to Group team-a"
    assert got["team-admin"].severity is Severity.MEDIUM
    assert got["sys-admin"].severity is Severity.HIGH


def test_no_cluster_admin_binding_at_all_passes_at_cluster_level() -> None:
    report = run([binding(CRB, "dev-view", "view", ("Group", "developers"))], "rbac.cluster-admin-bindings")
    assert summary(report).status is Status.PASS and summary(report).passed == 1


def test_no_binding_in_the_source_is_not_assessable() -> None:
    report = run([cluster_role("view")], "rbac.cluster-admin-bindings")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "ClusterRoleBinding" in (summary(report).reason or "")


def test_unreadable_rolebindings_block_a_pass_but_not_a_failure() -> None:
    facts = ClusterFactsSpec(
        source="live",
        kinds={
            CRB: Availability(status="ok", count=1),
            RB: Availability(status="forbidden", reason="RoleBinding: list forbidden"),
        },
    )
    clean = run([DEFAULT_ADMIN], "rbac.cluster-admin-bindings", facts)
    assert summary(clean).status is Status.NOT_ASSESSABLE
    assert summary(clean).reason == "RoleBinding: list forbidden"
    bad = run([binding(CRB, "x", "cluster-admin", ("User", "eve"))], "rbac.cluster-admin-bindings", facts)
    assert summary(bad).status is Status.FAIL


# --- rbac.anonymous-bindings ----------------------------------------------------------------------


def test_upstream_and_kubeadm_anonymous_defaults_pass() -> None:
    clusterinfo = binding(
        RB,
        "kubeadm:bootstrap-signer-clusterinfo",
        "kubeadm:bootstrap-signer-clusterinfo",
        ("User", "system:anonymous"),
        namespace="kube-public",
        role_kind="Role",
    )
    discovery = binding(CRB, "system:discovery", "system:discovery", ("Group", "system:authenticated"))
    report = run([PUBLIC_INFO, clusterinfo, discovery], "rbac.anonymous-bindings")
    assert summary(report).status is Status.PASS
    assert summary(report).passed == 2


def test_anonymous_binding_severity_follows_what_the_role_grants() -> None:
    legacy = binding(CRB, "system:discovery", "system:discovery", ("Group", "system:unauthenticated"))
    discovery_role = cluster_role(
        "system:discovery", {"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/version"], "verbs": ["get"]}
    )
    reader = binding(CRB, "anon-pods", "pod-reader", ("User", "system:anonymous"))
    reader_role = cluster_role("pod-reader", {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]})
    unknown = binding(RB, "anon-x", "mystery", ("Group", "system:unauthenticated"), namespace="apps")
    report = run([legacy, discovery_role, reader, reader_role, unknown, PUBLIC_INFO], "rbac.anonymous-bindings")
    got = failing(report)
    assert set(got) == {"system:discovery", "anon-pods", "anon-x"}
    assert got["system:discovery"].severity is Severity.MEDIUM
    assert "only reads non-resource URLs" in got["system:discovery"].message
    assert got["anon-pods"].severity is Severity.CRITICAL
    assert got["anon-pods"].message.startswith("Grants User system:anonymous (no credentials needed)")
    assert got["anon-x"].severity is Severity.HIGH
    assert "is not in the source" in got["anon-x"].message
    assert summary(report).passed == 1  # system:public-info-viewer


def test_basic_user_self_reviews_count_as_information_reads() -> None:
    legacy = binding(CRB, "system:basic-user", "system:basic-user", ("Group", "system:unauthenticated"))
    role = cluster_role(
        "system:basic-user",
        {
            "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
            "verbs": ["create"],
        },
    )
    got = failing(run([legacy, role], "rbac.anonymous-bindings"))
    assert got["system:basic-user"].severity is Severity.MEDIUM


def test_write_on_non_resource_urls_is_critical() -> None:
    b = binding(CRB, "anon-metrics", "metrics-writer", ("Group", "system:unauthenticated"))
    role = cluster_role("metrics-writer", {"nonResourceURLs": ["/metrics"], "verbs": ["get", "post"]})
    assert failing(run([b, role], "rbac.anonymous-bindings"))["anon-metrics"].severity is Severity.CRITICAL


def test_no_anonymous_subject_passes() -> None:
    report = run([DEFAULT_ADMIN], "rbac.anonymous-bindings")
    assert summary(report).status is Status.PASS and failing(report) == {}


# --- effective permissions in the two original checks ---------------------------------------------

DEFAULTS = {"kubernetes.io/bootstrapping": "rbac-defaults"}


def rule(verbs: list[str], groups: list[str], resources: list[str], names: list[str] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        doc["resourceNames"] = names
    return doc


def role(namespace: str, name: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": name, "namespace": namespace},
        "rules": list(rules),
    }


def labelled(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "metadata": {**doc["metadata"], "labels": dict(DEFAULTS)}}


def live(**kinds: str) -> ClusterFactsSpec:
    """Facts of a live scan where every RBAC kind (and ServiceAccount) was listed, unless given."""
    names = (CRB, RB, "ClusterRole", "Role", "ServiceAccount")
    return ClusterFactsSpec(
        source="live",
        kinds={k: Availability(status=kinds.get(k, "ok"), reason=f"{k}: list forbidden") for k in names},  # type: ignore[arg-type]
    )


def test_any_role_with_every_verb_on_every_resource_counts_as_cluster_admin() -> None:
    superuser = cluster_role("ops-superuser", rule(["*"], ["*"], ["*"]))
    got = failing(
        run([superuser, binding(CRB, "ops", "ops-superuser", ("Group", "ops"))], "rbac.cluster-admin-bindings")
    )
    assert (
        got["ops"].message
        == "Grants every verb on every resource (ClusterRole ops-superuser) cluster-wide to Group ops"
    )
    evidence = {e.path: e.value for e in got["ops"].evidence}
    assert evidence["ClusterRole/ops-superuser rules[0]"] == "* verbs on * resources in * API groups"
    local = role("team", "god", rule(["*"], ["*"], ["*"]))
    got = failing(
        run(
            [local, binding(RB, "g", "god", ("User", "u"), namespace="team", role_kind="Role")],
            "rbac.cluster-admin-bindings",
        )
    )
    assert got["g"].severity is Severity.MEDIUM


#: The verbs of every resource the API server serves (kubectl api-resources -o wide lists no others
#: for most resources): listing each one on `*`/`*` grants as much as `*` does.
STANDARD_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]


def test_every_standard_verb_listed_on_everything_is_cluster_admin_too() -> None:
    """Issue 15 item 10: the same report said "No binding grants cluster-admin" next to nine high
    findings on such a binding. It reads, writes and deletes everything (every Secret, every
    ServiceAccount's token via pods): it is reported as cluster-admin, once, not as a wildcard."""
    spelled = cluster_role("all-verbs", rule(STANDARD_VERBS, ["*"], ["*"]))
    docs = [spelled, binding(CRB, "ops", "all-verbs", ("Group", "ops"))]
    got = failing(run(docs, "rbac.cluster-admin-bindings"))
    assert got["ops"].message == "Grants every verb on every resource (ClusterRole all-verbs) cluster-wide to Group ops"
    evidence = {e.path: e.value for e in got["ops"].evidence}
    assert evidence["ClusterRole/all-verbs rules[0]"] == (
        "every standard verb (get, list, watch, create, update, patch, delete, deletecollection) "
        "on * resources in * API groups"
    )
    wildcards = run(docs, "rbac.wildcard-rules")  # reported once, by rbac.cluster-admin-bindings
    assert summary(wildcards).status is Status.PASS and failing(wildcards) == {}
    # One verb short is not everything: a wildcard rule, not cluster-admin.
    short = [
        cluster_role("almost", rule(STANDARD_VERBS[:-1], ["*"], ["*"])),
        binding(CRB, "o", "almost", ("User", "o")),
    ]
    assert summary(run(short, "rbac.cluster-admin-bindings")).status is Status.PASS
    assert set(failing(run(short, "rbac.wildcard-rules"))) == {"o"}


def test_cluster_admin_needs_the_role_on_a_live_cluster_but_assumes_it_in_manifests() -> None:
    facts = live()
    dangling = binding(CRB, "x", "cluster-admin", ("User", "eve"))
    assert summary(run([dangling], "rbac.cluster-admin-bindings", facts)).status is Status.PASS  # grants nothing
    assert set(failing(run([dangling], "rbac.cluster-admin-bindings"))) == {"x"}  # manifests: the built-in


def test_system_masters_is_never_a_finding_and_others_on_the_default_binding_are() -> None:
    default = labelled(
        binding(CRB, "cluster-admin", "cluster-admin", ("Group", "system:masters"), ("Group", "system:authenticated"))
    )
    got = failing(
        run(
            [labelled(cluster_role("cluster-admin", rule(["*"], ["*"], ["*"]))), default], "rbac.cluster-admin-bindings"
        )
    )
    assert got["cluster-admin"].severity is Severity.CRITICAL
    assert "system:masters" not in got["cluster-admin"].message


def test_a_widened_default_anonymous_binding_is_critical() -> None:
    widened = cluster_role(
        "system:public-info-viewer",
        {"nonResourceURLs": ["/healthz", "/version"], "verbs": ["get"]},
        rule(["list"], [""], ["secrets"]),
    )
    report = run([widened, PUBLIC_INFO], "rbac.anonymous-bindings")
    got = failing(report)["system:public-info-viewer"]
    assert got.severity is Severity.CRITICAL and "grants more than the default" in got.message
    assert any(e.value == "list on secrets (core)" for e in got.evidence)


def test_kubeadm_cluster_info_reader_passes_only_as_shipped() -> None:
    def docs(*rules: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            role("kube-public", "kubeadm:bootstrap-signer-clusterinfo", *rules),
            binding(
                RB,
                "kubeadm:bootstrap-signer-clusterinfo",
                "kubeadm:bootstrap-signer-clusterinfo",
                ("User", "system:anonymous"),
                namespace="kube-public",
                role_kind="Role",
            ),
        ]

    shipped = run(docs(rule(["get"], [""], ["configmaps"], ["cluster-info"])), "rbac.anonymous-bindings")
    assert summary(shipped).status is Status.PASS and summary(shipped).passed == 1
    widened = run(docs(rule(["get"], [""], ["configmaps"])), "rbac.anonymous-bindings")
    assert failing(widened)["kubeadm:bootstrap-signer-clusterinfo"].severity is Severity.CRITICAL


def test_anonymous_binding_to_an_aggregated_role_is_judged_on_the_aggregated_rules() -> None:
    """The stored rules of an aggregated role are empty: effective permissions are not."""
    agg = {
        **cluster_role("anon-agg"),
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"example.com/anon": "true"}}]},
    }
    part = cluster_role("anon-part", rule(["get"], [""], ["pods"]))
    part["metadata"]["labels"] = {"example.com/anon": "true"}
    got = failing(
        run([agg, part, binding(CRB, "a", "anon-agg", ("User", "system:anonymous"))], "rbac.anonymous-bindings")
    )
    assert got["a"].severity is Severity.CRITICAL


# --- rbac.wildcard-rules --------------------------------------------------------------------------


def test_wildcard_rules_fail_per_binding_with_the_rules_as_evidence() -> None:
    dev = role("web", "web-developer", rule(["*"], ["", "apps"], ["*"]))
    deployer = cluster_role("deployer", rule(["*"], ["apps"], ["deployments"]), rule(["get"], [""], ["pods"]))
    docs = [
        dev,
        binding(RB, "web-devs", "web-developer", ("Group", "web-devs"), namespace="web", role_kind="Role"),
        deployer,
        binding(CRB, "deployers", "deployer", ("ServiceAccount", "ci/deployer")),
    ]
    report = run(docs, "rbac.wildcard-rules")
    got = failing(report)
    assert got["web-devs"].severity is Severity.HIGH  # every verb on every core resource
    assert (
        got["web-devs"].message
        == "Grants Role/web-developer in namespace web to Group web-devs, with wildcards in 1 rule"
    )
    assert got["deployers"].severity is Severity.MEDIUM
    evidence = {e.path: e.value for e in got["deployers"].evidence}
    assert evidence["ClusterRole/deployer rules[0]"] == "* on deployments (apps)"
    assert "ClusterRole/deployer rules[1]" not in evidence


def test_wildcard_rules_pass_for_defaults_and_leave_full_wildcards_to_cluster_admin() -> None:
    gc = labelled(cluster_role("system:controller:gc", rule(["get", "list", "delete"], ["*"], ["*"])))
    gc_binding = labelled(
        binding(CRB, "system:controller:gc", "system:controller:gc", ("ServiceAccount", "kube-system/gc"))
    )
    admin = binding(CRB, "admins", "cluster-admin", ("Group", "ops"))
    report = run([gc, gc_binding, admin], "rbac.wildcard-rules")
    assert summary(report).status is Status.PASS and summary(report).passed == 1


def test_wildcard_rules_without_bindings_is_not_assessable() -> None:
    report = run([cluster_role("x", rule(["*"], [""], ["*"]))], "rbac.wildcard-rules")
    assert summary(report).status is Status.NOT_ASSESSABLE


# --- rbac.default-service-account-roles -----------------------------------------------------------


def test_roles_granted_to_default_service_accounts() -> None:
    secrets = role("payments", "secret-reader", rule(["get"], [""], ["secrets"]))
    docs = [
        secrets,
        binding(RB, "cart", "secret-reader", ("ServiceAccount", "web/default"), namespace="payments", role_kind="Role"),
        binding(RB, "viewer", "view", ("ServiceAccount", "shop/default"), namespace="shop"),
        binding(RB, "as-user", "view", ("User", "system:serviceaccount:blog:default"), namespace="blog"),
        binding(RB, "fine", "view", ("ServiceAccount", "shop/web"), namespace="shop"),
    ]
    got = failing(run(docs, "rbac.default-service-account-roles"))
    assert set(got) == {"cart", "viewer", "as-user"}
    assert got["cart"].severity is Severity.HIGH
    assert got["cart"].message == (
        "Grants Role/secret-reader in namespace payments to ServiceAccount web/default, "
        "so every pod in web that names no service account can: get secrets"
    )
    assert got["viewer"].severity is Severity.MEDIUM
    assert "ServiceAccount blog/default" in got["as-user"].message


def test_no_default_service_account_binding_passes_and_no_binding_is_not_assessable() -> None:
    ok = run(
        [binding(RB, "fine", "view", ("ServiceAccount", "shop/web"), namespace="shop")],
        "rbac.default-service-account-roles",
    )
    assert summary(ok).status is Status.PASS
    assert summary(run([cluster_role("view")], "rbac.default-service-account-roles")).status is Status.NOT_ASSESSABLE


# --- rbac.missing-roles -------------------------------------------------------------------------


def test_missing_roles_on_a_live_cluster() -> None:
    docs = [
        cluster_role("present", rule(["get"], [""], ["pods"])),
        binding(CRB, "ok", "present", ("Group", "a")),
        binding(RB, "gone", "backup-operator", ("ServiceAccount", "data/default"), namespace="data"),
        binding(RB, "typo", "reader", ("User", "u"), namespace="data", role_kind="Role"),
        binding(CRB, "everyone", "ghost", ("Group", "system:authenticated")),
        binding(CRB, "crb-to-role", "reader", ("User", "u"), role_kind="Role"),
    ]
    report = run(docs, "rbac.missing-roles", live())
    got = failing(report)
    assert set(got) == {"gone", "typo", "everyone", "crb-to-role"}
    assert got["gone"].message == (
        "Refers to ClusterRole/backup-operator, which does not exist: whoever creates it decides what "
        "ServiceAccount data/default may do"
    )
    assert got["gone"].severity is Severity.LOW and got["everyone"].severity is Severity.MEDIUM
    assert "cannot use" in got["crb-to-role"].message
    assert summary(report).passed == 1


def test_missing_roles_in_manifests_knows_the_built_in_roles() -> None:
    docs = [
        binding(RB, "devs", "edit", ("Group", "devs"), namespace="a"),
        binding(CRB, "x", "operator-role", ("Group", "g")),
    ]
    got = failing(run(docs, "rbac.missing-roles"))
    assert set(got) == {"x"}
    assert "neither in the source nor a built-in role" in got["x"].message


def test_missing_roles_cannot_judge_unreadable_role_kinds() -> None:
    report = run([binding(CRB, "ok", "present", ("Group", "a"))], "rbac.missing-roles", live(ClusterRole="forbidden"))
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert summary(report).reason == "ClusterRole: list forbidden"


# --- rbac.missing-service-accounts --------------------------------------------------------------


def service_account(namespace: str, name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}}


def test_missing_service_accounts() -> None:
    docs = [
        service_account("ci", "deployer"),
        cluster_role("secret-reader", rule(["list"], [""], ["secrets"])),
        binding(CRB, "ok", "view", ("ServiceAccount", "ci/deployer"), ("ServiceAccount", "ci/default")),
        binding(CRB, "gone", "view", ("ServiceAccount", "ci/old-bot")),
        binding(CRB, "gone-risky", "secret-reader", ("ServiceAccount", "ci/old-bot")),
        {
            **binding(CRB, "no-ns", "view"),
            "subjects": [{"kind": "ServiceAccount", "name": "orphan"}],
        },
        labelled(binding(CRB, "system:controller:x", "view", ("ServiceAccount", "kube-system/x-controller"))),
    ]
    got = failing(run(docs, "rbac.missing-service-accounts", live()))
    assert set(got) == {"gone", "gone-risky", "no-ns"}
    assert (
        got["gone"].message
        == "Names ServiceAccount ci/old-bot, which does not exist: whoever creates it gets the binding"
    )
    assert got["gone"].severity is Severity.MEDIUM
    assert got["gone-risky"].severity is Severity.HIGH
    assert got["no-ns"].severity is Severity.LOW and "matches nobody" in got["no-ns"].message


def test_missing_service_accounts_passes_or_is_not_assessable_without_service_accounts() -> None:
    clean = [service_account("ci", "deployer"), binding(CRB, "ok", "view", ("ServiceAccount", "ci/deployer"))]
    assert summary(run(clean, "rbac.missing-service-accounts", live())).status is Status.PASS
    report = run(clean[1:], "rbac.missing-service-accounts", live(ServiceAccount="forbidden"))
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert summary(report).reason == "ServiceAccount: list forbidden"
    assert summary(run(clean[1:], "rbac.missing-service-accounts")).status is Status.NOT_ASSESSABLE
