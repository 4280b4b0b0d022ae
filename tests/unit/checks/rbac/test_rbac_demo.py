"""The RBAC mistakes planted in the demo cluster are found, each on the binding that grants them,
and the built-in and kubeadm defaults of the demo are not findings."""

from __future__ import annotations

from functools import cache

import pytest

from k8saudit.checks.registry import all_checks
from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.findings import Report, Severity, Status
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot

RBAC_CHECKS = tuple(c.id for c in all_checks() if c.id.startswith("rbac."))


@cache
def report() -> Report:
    return run_checks(load_snapshot(snapshot_path()), ScanOptions(checks=RBAC_CHECKS))


def failing(check: str) -> dict[str, Severity]:
    """Failing findings of `check` not covered by another check (covered ones: `covered`)."""
    return {
        f.resource.label(): f.severity
        for f in report().findings
        if f.check == check and f.status is Status.FAIL and f.resource is not None and f.coveredBy is None
    }


def covered(check: str) -> dict[str, str | None]:
    return {
        f.resource.label(): f.coveredBy
        for f in report().findings
        if f.check == check and f.status is Status.FAIL and f.resource is not None and f.coveredBy is not None
    }


#: The demo's bindings to every verb on every resource: they fail each permission check too,
#: scored once, by rbac.cluster-admin-bindings (issue 15 item 9).
ADMINS = ("ClusterRoleBinding ci-deployer", "ClusterRoleBinding dev-cluster-admin", "ClusterRoleBinding ops-superuser")
PERMISSION_CHECKS = (
    "rbac.secrets-read", "rbac.create-pods", "rbac.pod-exec", "rbac.escalation", "rbac.impersonation",
    "rbac.token-create", "rbac.node-proxy", "rbac.csr-approval", "rbac.webhook-config",
    "rbac.create-persistent-volumes",
)  # fmt: skip


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (
            "rbac.cluster-admin-bindings",
            {
                "ClusterRoleBinding dev-cluster-admin": Severity.HIGH,
                "ClusterRoleBinding ci-deployer": Severity.HIGH,
                "ClusterRoleBinding ops-superuser": Severity.HIGH,  # a copy of cluster-admin by another name
            },
        ),
        ("rbac.anonymous-bindings", {"ClusterRoleBinding anonymous-metrics": Severity.CRITICAL}),
        (
            "rbac.secrets-read",
            {
                "ClusterRoleBinding fluent-bit": Severity.HIGH,
                "ClusterRoleBinding ingress-nginx": Severity.HIGH,
                # ci's default account may create a token Secret for ci/deployer (cluster-admin)
                "RoleBinding ci/default-edit": Severity.HIGH,
                "RoleBinding payments/cart-reads-payment-secrets": Severity.LOW,  # a custom Role, no path
                "RoleBinding web/web-developers": Severity.LOW,
            },
        ),
        (
            "rbac.pod-exec",
            {
                "ClusterRoleBinding support-debug": Severity.HIGH,
                "RoleBinding ci/default-edit": Severity.HIGH,  # build-runner runs as ci/deployer
                "RoleBinding web/web-developers": Severity.MEDIUM,  # exec in a team's namespace
            },
        ),
        ("rbac.escalation", {"ClusterRoleBinding platform-rbac-manager": Severity.HIGH}),
        (
            "rbac.impersonation",
            {"ClusterRoleBinding platform-rbac-manager": Severity.HIGH, "RoleBinding web/web-developers": Severity.LOW},
        ),
        ("rbac.csr-approval", {"ClusterRoleBinding istiod-clusterrole-istio-system": Severity.HIGH}),
        ("rbac.webhook-config", {"ClusterRoleBinding istiod-clusterrole-istio-system": Severity.HIGH}),
        ("rbac.wildcard-rules", {"RoleBinding web/web-developers": Severity.HIGH}),
        (
            "rbac.default-service-account-roles",
            {
                "RoleBinding ci/default-edit": Severity.HIGH,
                "RoleBinding payments/cart-reads-payment-secrets": Severity.HIGH,
                "RoleBinding data/backup-operator": Severity.MEDIUM,
            },
        ),
        ("rbac.missing-roles", {"RoleBinding data/backup-operator": Severity.LOW}),
        (
            "rbac.create-pods",
            {"RoleBinding ci/default-edit": Severity.HIGH, "RoleBinding web/web-developers": Severity.LOW},
        ),
        (
            "rbac.token-create",
            {"RoleBinding ci/default-edit": Severity.HIGH, "RoleBinding web/web-developers": Severity.LOW},
        ),
        ("rbac.node-proxy", {}),
        ("rbac.create-persistent-volumes", {}),
        ("rbac.missing-service-accounts", {}),
    ],
)
def test_demo_rbac_findings(check: str, expected: dict[str, Severity]) -> None:
    assert failing(check) == expected
    summary = next(c for c in report().checks if c.id == check)
    if check in PERMISSION_CHECKS:
        assert covered(check) == dict.fromkeys(ADMINS, "rbac.cluster-admin-bindings")
        assert summary.status is Status.FAIL and summary.unscored == len(ADMINS)
    else:
        assert covered(check) == {}
        assert summary.status is (Status.FAIL if expected else Status.PASS)


def test_every_rbac_check_is_covered_here() -> None:
    tested = {"rbac.cluster-admin-bindings", "rbac.anonymous-bindings", "rbac.secrets-read", "rbac.pod-exec",
              "rbac.escalation", "rbac.impersonation", "rbac.csr-approval", "rbac.webhook-config",
              "rbac.wildcard-rules", "rbac.default-service-account-roles", "rbac.missing-roles", "rbac.create-pods",
              "rbac.token-create", "rbac.node-proxy", "rbac.create-persistent-volumes",
              "rbac.missing-service-accounts"}  # fmt: skip
    assert set(RBAC_CHECKS) == tested


def test_demo_defaults_are_not_findings() -> None:
    labels = {f.resource.label() for f in report().findings if f.resource is not None}
    for default in (
        "ClusterRoleBinding cluster-admin",
        "ClusterRoleBinding kubeadm:cluster-admins",
        "ClusterRoleBinding system:public-info-viewer",
        "ClusterRoleBinding system:kube-controller-manager",
        "RoleBinding kube-public/kubeadm:bootstrap-signer-clusterinfo",
    ):
        assert default not in labels
