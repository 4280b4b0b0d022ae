from __future__ import annotations

import pytest

from k8saudit.model.facts import MANAGED_PLATFORMS, AnonymousProbe, ClusterFactsSpec
from k8saudit.model.findings import Severity, Status
from tests.unit.support.helpers import apiserver, by_status, deployment, failing, run, summary

HARDENED_FLAGS = (
    "--anonymous-auth=false",
    "--authorization-mode=Node,RBAC",
    "--audit-policy-file=/etc/kubernetes/audit/policy.yaml",
    "--audit-log-path=/var/log/kubernetes/audit.log",
    "--audit-log-maxage=30",
    "--audit-log-maxbackup=10",
    "--audit-log-maxsize=100",
    "--encryption-provider-config=/etc/kubernetes/enc/config.yaml",
)
CP_CHECKS = ("cp.anonymous-auth", "cp.authorization-mode", "cp.audit-logging", "cp.secrets-encryption")


def probe(version: int | None, api: int | None = None) -> ClusterFactsSpec:
    return ClusterFactsSpec(source="live", anonymousProbe=AnonymousProbe(versionStatus=version, apiStatus=api))


@pytest.mark.parametrize("check", CP_CHECKS)
def test_hardened_apiserver_passes_every_control_plane_check(check: str) -> None:
    report = run([apiserver(*HARDENED_FLAGS)], check)
    assert summary(report).status is Status.PASS
    assert summary(report).passed == 1


@pytest.mark.parametrize("check", CP_CHECKS)
def test_bare_apiserver_fails_every_control_plane_check_on_defaults(check: str) -> None:
    # Defaults: anonymous on, AlwaysAllow (which turns anonymous off), no audit, no encryption.
    flags = ("--authorization-mode=RBAC",) if check == "cp.anonymous-auth" else ()
    report = run([apiserver(*flags)], check)
    assert summary(report).status is Status.FAIL, report.findings


@pytest.mark.parametrize("check", ["cp.authorization-mode", "cp.audit-logging", "cp.secrets-encryption"])
def test_without_apiserver_pod_the_check_is_not_assessable(check: str) -> None:
    report = run([deployment("web")], check)
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "no kube-apiserver pod" in (summary(report).reason or "")
    assert "kube-apiserver" in report.coverage.gaps


def test_managed_platform_reason_names_what_to_review() -> None:
    facts = ClusterFactsSpec(source="live", platform="eks")
    report = run([deployment("web")], "cp.secrets-encryption", facts)
    assert summary(report).reason == MANAGED_PLATFORMS["eks"]


def test_flags_in_args_are_read_too() -> None:
    report = run([apiserver("kube-apiserver", *HARDENED_FLAGS, field="args")], "cp.secrets-encryption")
    assert summary(report).status is Status.PASS


def test_each_replica_is_judged() -> None:
    docs = [apiserver(*HARDENED_FLAGS, name="kube-apiserver-cp1"), apiserver(name="kube-apiserver-cp2")]
    report = run(docs, "cp.secrets-encryption")
    assert set(failing(report)) == {"kube-apiserver-cp2"}
    assert summary(report).passed == 1


# --- cp.anonymous-auth ----------------------------------------------------------------------------


def test_anonymous_auth_flag_unset_defaults_to_on() -> None:
    got = failing(run([apiserver("--authorization-mode=Node,RBAC")], "cp.anonymous-auth"))
    assert "defaults to true" in got["kube-apiserver-cp1"].message


def test_anonymous_auth_explicit_true_with_authentication_config() -> None:
    pod = apiserver(
        "--authorization-mode=Node,RBAC", "--anonymous-auth=true", "--authentication-config=/etc/authn.yaml"
    )
    got = failing(run([pod], "cp.anonymous-auth"))
    assert "cannot narrow it" in got["kube-apiserver-cp1"].message


def test_anonymous_auth_left_to_authentication_config_is_reviewed_by_hand() -> None:
    pod = apiserver("--authorization-mode=Node,RBAC", "--authentication-config=/etc/authn.yaml")
    report = run([pod], "cp.anonymous-auth")
    assert summary(report).status is Status.NOT_ASSESSABLE
    (finding,) = report.findings
    assert "/etc/authn.yaml" in (finding.reason or "") and "anonymous" in (finding.reason or "")
    # ... unless the probe answers.
    report = run([pod], "cp.anonymous-auth", probe(401, 401))
    assert summary(report).status is Status.PASS


@pytest.mark.parametrize("flags", [(), ("--authorization-mode=AlwaysAllow", "--anonymous-auth=true")])
def test_always_allow_forces_anonymous_off(flags: tuple[str, ...]) -> None:
    # kube-apiserver resets AnonymousAuth to false when AlwaysAllow is a mode (the default one).
    report = run([apiserver(*flags)], "cp.anonymous-auth")
    assert summary(report).status is Status.PASS and summary(report).passed == 1


@pytest.mark.parametrize(
    ("version", "api", "status", "severity"),
    [
        (401, 401, Status.PASS, None),
        (401, None, Status.PASS, None),
        (200, 403, Status.FAIL, Severity.HIGH),
        (403, 403, Status.FAIL, Severity.HIGH),
        (200, 200, Status.FAIL, Severity.CRITICAL),
    ],
)
def test_anonymous_probe_alone_on_a_managed_cluster(
    version: int, api: int | None, status: Status, severity: Severity | None
) -> None:
    facts = probe(version, api)
    facts.platform = "gke"
    report = run([deployment("web")], "cp.anonymous-auth", facts)
    assert summary(report).status is status
    if severity is not None:
        finding = failing(report)["cluster"]
        assert finding.severity is severity
        assert finding.resource is None


def test_probe_and_flags_disagreeing_fails() -> None:
    report = run([apiserver(*HARDENED_FLAGS)], "cp.anonymous-auth", probe(200, 403))
    assert summary(report).status is Status.FAIL
    assert summary(report).passed == 1 and summary(report).failed == 1


def test_anonymous_auth_without_any_input_is_a_check_level_not_assessable() -> None:
    report = run([deployment("web")], "cp.anonymous-auth")
    assert summary(report).status is Status.NOT_ASSESSABLE
    reason = summary(report).reason or ""
    assert "no kube-apiserver pod" in reason and "only a live scan" in reason
    (finding,) = report.findings
    assert finding.resource is None and finding.status is Status.NOT_ASSESSABLE


def test_failed_probe_reason_is_kept() -> None:
    facts = ClusterFactsSpec(source="live", anonymousProbe=AnonymousProbe(error="connection reset"))
    report = run([deployment("web")], "cp.anonymous-auth", facts)
    assert "connection reset" in (summary(report).reason or "")


# --- cp.authorization-mode ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "severity", "text"),
    [
        ((), Severity.CRITICAL, "defaults to AlwaysAllow"),
        (("--authorization-mode=RBAC,AlwaysAllow",), Severity.CRITICAL, "includes AlwaysAllow"),
        (("--authorization-mode=RBAC",), Severity.HIGH, "lacks Node"),
        (("--authorization-mode=Node,Webhook",), Severity.HIGH, "lacks RBAC"),
        (("--authorization-mode=ABAC",), Severity.HIGH, "lacks Node and RBAC"),
    ],
)
def test_authorization_mode_failures(flags: tuple[str, ...], severity: Severity, text: str) -> None:
    finding = failing(run([apiserver(*flags)], "cp.authorization-mode"))["kube-apiserver-cp1"]
    assert finding.severity is severity
    assert text in finding.message


def test_authorization_config_is_reviewed_by_hand() -> None:
    report = run([apiserver("--authorization-config=/etc/authz.yaml")], "cp.authorization-mode")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "/etc/authz.yaml" in (by_status(report, Status.NOT_ASSESSABLE)[0].reason or "")


# --- cp.audit-logging -----------------------------------------------------------------------------


def test_audit_log_without_policy_records_nothing() -> None:
    got = failing(run([apiserver("--audit-log-path=/var/log/audit.log")], "cp.audit-logging"))
    finding = got["kube-apiserver-cp1"]
    assert "no --audit-policy-file" in finding.message and finding.severity is Severity.HIGH


def test_audit_missing_retention_alone_is_low() -> None:
    pod = apiserver("--audit-policy-file=/p.yaml", "--audit-log-path=/var/log/audit.log", "--audit-log-maxage=30")
    finding = failing(run([pod], "cp.audit-logging"))["kube-apiserver-cp1"]
    assert finding.severity is Severity.LOW
    assert "--audit-log-maxbackup, --audit-log-maxsize" in finding.message


@pytest.mark.parametrize(
    "flags",
    [
        ("--audit-policy-file=/p.yaml", "--audit-webhook-config-file=/w.yaml"),
        ("--audit-policy-file=/p.yaml", "--audit-log-path=-"),  # stdout: retention is the collector's
    ],
)
def test_audit_webhook_or_stdout_needs_no_retention(flags: tuple[str, ...]) -> None:
    assert summary(run([apiserver(*flags)], "cp.audit-logging")).status is Status.PASS


# --- cp.secrets-encryption ------------------------------------------------------------------------


def test_secrets_encryption_message_asks_to_review_the_provider() -> None:
    report = run([apiserver(*HARDENED_FLAGS)], "cp.secrets-encryption")
    assert summary(report).status is Status.PASS
    failing_report = run([apiserver()], "cp.secrets-encryption")
    assert "stored unencrypted" in failing(failing_report)["kube-apiserver-cp1"].message
