from __future__ import annotations

from k8saudit.facts import Availability, ClusterFactsSpec
from k8saudit.findings import Severity, Status
from tests.unit.helpers import binding, cluster_role, failing, run, summary

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
    assert "not visible here" in got["anon-x"].message
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
