"""Namespaced RBAC grants judged as Kubernetes means them (issue 15 item 8): high when they lead to
a ServiceAccount that reaches the cluster, naming the path (k8saudit/semantics/escalation.py);
informational for the built-in admin and edit in a team's own namespace; low otherwise (medium
for exec); and the report's access review lists the same paths the checks fail."""

from __future__ import annotations

from typing import Any

import pytest

from k8saudit.checks.context import ScanContext
from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.facts import ClusterFactsSpec, SecretMetadata, TokenSecret
from k8saudit.model.findings import Finding, Report, Severity, Status
from k8saudit.model.scoring import check_fraction
from k8saudit.semantics.rbac import SubjectRef
from tests.conftest import make_inventory
from tests.unit.support.helpers import binding, cluster_role, deployment

CRB, RB = "ClusterRoleBinding", "RoleBinding"
RBAC = "rbac.authorization.k8s.io"
PERMISSION_CHECKS = (
    "rbac.secrets-read",
    "rbac.create-pods",
    "rbac.pod-exec",
    "rbac.escalation",
    "rbac.impersonation",
    "rbac.token-create",
)
CONTROLLER = "argocd-application-controller"
DEV = SubjectRef("User", "dev")


def rule(verbs: list[str], groups: list[str], resources: list[str], names: list[str] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        doc["resourceNames"] = names
    return doc


def argocd(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's case: `edit` for User dev in argocd, whose controller's ServiceAccount holds
    cluster-admin (built-in roles: the manifests do not ship them)."""
    return [
        binding(CRB, CONTROLLER, "cluster-admin", ("ServiceAccount", f"argocd/{CONTROLLER}")),
        binding(RB, "dev-edit", "edit", ("User", "dev"), namespace="argocd"),
        *extra,
    ]


def report_of(docs: list[dict[str, Any]], checks: tuple[str, ...] = PERMISSION_CHECKS, **facts: Any) -> Report:
    spec = ClusterFactsSpec(source="manifests", **facts)
    return run_checks(make_inventory(docs, spec), ScanOptions(checks=checks))


def finding(report: Report, check: str, name: str) -> Finding:
    return next(
        f
        for f in report.findings
        if f.check == check and f.status is Status.FAIL and f.resource is not None and f.resource.name == name
    )


PATH_TAIL = f"ServiceAccount argocd/{CONTROLLER} → cluster-admin (ClusterRoleBinding {CONTROLLER})"


def test_edit_in_a_namespace_whose_service_account_holds_cluster_admin_is_high_with_the_path() -> None:
    report = report_of(argocd())
    token = finding(report, "rbac.token-create", "dev-edit")
    assert token.severity is Severity.HIGH and token.scored
    (path,) = next(e.value for e in token.evidence if e.path == "escalation")
    assert path == (
        "User dev → ClusterRole edit in argocd → create serviceaccounts/token (mint its token) → " + PATH_TAIL
    )
    assert f"with it User dev can act as ServiceAccount argocd/{CONTROLLER}, which reaches the cluster" in token.message
    # Every other way edit gives in, each by its own check.
    hows = {
        "rbac.create-pods": "create pods (run a pod as it, read its token)",
        "rbac.impersonation": "impersonate serviceaccounts (act as it)",
        "rbac.secrets-read": "create a token Secret for it and read Secrets",
    }
    for check, how in hows.items():
        got = finding(report, check, "dev-edit")
        assert got.severity is Severity.HIGH, check
        assert next(e.value for e in got.evidence if e.path == "escalation") == [
            f"User dev → ClusterRole edit in argocd → {how} → {PATH_TAIL}"
        ]
    # No pod runs as the controller here: exec reaches no token, so edit is only a team's role.
    exec_ = finding(report, "rbac.pod-exec", "dev-edit")
    assert exec_.severity is Severity.INFO and not exec_.scored


def test_exec_leads_to_the_token_of_a_pod_that_runs_as_the_service_account() -> None:
    runner = deployment("controller", pod={"serviceAccountName": CONTROLLER}, namespace="argocd")
    got = finding(report_of(argocd(runner)), "rbac.pod-exec", "dev-edit")
    assert got.severity is Severity.HIGH
    paths = next(e.value for e in got.evidence if e.path == "escalation")
    assert "pods/exec into Deployment argocd/controller, which runs as it (read its token)" in paths[0]
    # Unless the pod mounts no token.
    quiet = deployment(
        "controller", pod={"serviceAccountName": CONTROLLER, "automountServiceAccountToken": False}, namespace="argocd"
    )
    assert finding(report_of(argocd(quiet)), "rbac.pod-exec", "dev-edit").severity is Severity.INFO


def test_the_built_in_admin_and_edit_in_a_teams_own_namespace_are_informational_and_not_scored() -> None:
    docs = [
        binding(RB, "team-edit", "edit", ("Group", "team-a"), ("ServiceAccount", "team-a/ci"), namespace="team-a"),
        binding(RB, "team-admin", "admin", ("User", "lead"), namespace="team-a"),
    ]
    report = report_of(docs)
    for check in ("rbac.secrets-read", "rbac.create-pods", "rbac.pod-exec", "rbac.token-create"):
        summary = next(c for c in report.checks if c.id == check)
        assert summary.status is Status.FAIL, check  # someone beyond the defaults holds it: no pass
        assert summary.unscored == summary.failed == 2 and check_fraction(summary) is None, check
        got = finding(report, check, "team-edit")
        assert got.severity is Severity.INFO and not got.scored
        assert "the built-in edit role given in its own namespace (informational, not scored)" in got.message
    # A ServiceAccount of another namespace is not the team: low, scored.
    foreign = [binding(RB, "ci-edit", "edit", ("ServiceAccount", "ci/deployer"), namespace="team-a")]
    got = finding(report_of(foreign), "rbac.secrets-read", "ci-edit")
    assert got.severity is Severity.LOW and got.scored


def test_custom_roles_in_a_teams_namespace_are_low_and_exec_medium() -> None:
    debug = cluster_role("debug", rule(["create"], [""], ["pods/exec", "pods/portforward"]))
    forward = cluster_role("forward", rule(["create"], [""], ["pods/portforward"]))
    docs = [
        debug,
        forward,
        binding(RB, "debug", "debug", ("User", "sre"), namespace="shop"),
        binding(RB, "forward", "forward", ("User", "sre"), namespace="shop"),
    ]
    report = report_of(docs, ("rbac.pod-exec",))
    assert finding(report, "rbac.pod-exec", "debug").severity is Severity.MEDIUM
    assert finding(report, "rbac.pod-exec", "forward").severity is Severity.LOW


def test_paths_are_transitive_and_groups_of_a_namespaces_service_accounts_count() -> None:
    """dev mints a token for a/builder, which may create pods in b, where b/deployer is cluster-admin."""
    pods = cluster_role("pod-maker", rule(["create"], [""], ["pods"]))
    docs = [
        pods,
        binding(CRB, "deployer", "cluster-admin", ("ServiceAccount", "b/deployer")),
        binding(RB, "builder-pods", "pod-maker", ("ServiceAccount", "a/builder"), namespace="b"),
        binding(RB, "dev-edit", "edit", ("User", "dev"), namespace="a"),
    ]
    token = finding(report_of(docs), "rbac.token-create", "dev-edit")
    paths = next(e.value for e in token.evidence if e.path == "escalation")
    assert (
        "User dev → ClusterRole edit in a → create serviceaccounts/token (mint its token) → ServiceAccount a/builder"
        " → create pods (run a pod as it, read its token) → ServiceAccount b/deployer → cluster-admin"
        " (ClusterRoleBinding deployer)"
    ) in paths
    # ... and the builder's own grant in b is high too: it leads to b/deployer.
    assert finding(report_of(docs), "rbac.create-pods", "builder-pods").severity is Severity.HIGH
    # Every ServiceAccount of a namespace, through its group.
    group = [
        binding(CRB, "argocd-sas", "cluster-admin", ("Group", "system:serviceaccounts:argocd")),
        binding(RB, "dev-edit", "edit", ("User", "dev"), namespace="argocd"),
    ]
    assert finding(report_of(group), "rbac.token-create", "dev-edit").severity is Severity.HIGH


def test_a_grant_that_cannot_reach_the_service_account_is_no_path() -> None:
    """A token-create grant limited to another ServiceAccount's name mints no token for the
    controller; listing Secrets without creating any reads no token that does not exist."""
    other = cluster_role("other-token", rule(["create"], [""], ["serviceaccounts/token"], ["web"]))
    reader = cluster_role("reader", rule(["list"], [""], ["secrets"]))
    docs = [
        other,
        reader,
        binding(CRB, CONTROLLER, "cluster-admin", ("ServiceAccount", f"argocd/{CONTROLLER}")),
        binding(RB, "web-token", "other-token", ("User", "dev"), namespace="argocd"),
        binding(RB, "reads", "reader", ("User", "dev"), namespace="argocd"),
    ]
    report = report_of(docs)
    assert finding(report, "rbac.token-create", "web-token").severity is Severity.LOW
    assert finding(report, "rbac.secrets-read", "reads").severity is Severity.LOW
    # With --secret-metadata showing the controller's legacy token Secret, reading Secrets reads it.
    secret = TokenSecret(namespace="argocd", name="controller-token", serviceAccount=CONTROLLER)
    known = report_of(docs, secretMetadata=SecretMetadata(tokenSecrets=[secret]))
    got = finding(known, "rbac.secrets-read", "reads")
    assert got.severity is Severity.HIGH
    assert "read Secrets (its legacy token Secret)" in next(e.value for e in got.evidence if e.path == "escalation")[0]


def test_the_escalations_are_computed_once_per_scan() -> None:
    ctx = ScanContext(make_inventory(argocd()))
    assert ctx.escalations is ctx.escalations
    reaching = ctx.escalations.reaching
    assert reaching[SubjectRef("ServiceAccount", CONTROLLER, "argocd")] == (
        f"cluster-admin (ClusterRoleBinding {CONTROLLER})",
    )
    assert ctx.escalations.paths(DEV, "argocd") and ctx.escalations.paths(DEV, "elsewhere") == ()


@pytest.mark.parametrize("family", ["serviceaccounts-token", "pods-create", "secrets-read", "impersonate"])
def test_the_access_review_lists_the_holders_the_checks_fail_at_high(family: str) -> None:
    """Before: dev held these only in argocd, so the review counted dev among namespaced holders
    while nothing failed; now the checks fail dev high and the review lists dev with the path."""
    review = run_checks(make_inventory(argocd())).accessReview
    assert review is not None
    entry = next(p for p in review.permissions if p.id == family)
    dev = next(h for h in entry.holders if h.subject.name == "dev")
    assert dev.namespaces == ["argocd"] and not dev.clusterWide
    assert dev.escalation and all(e.endswith(PATH_TAIL) for e in dev.escalation)
    assert dev.escalation[0].startswith("User dev → ClusterRole edit in argocd → ")
