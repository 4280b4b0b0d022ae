"""The API server flag checks added to the catalogue beside cp.anonymous-auth and friends, and the
authorizer probe: pass, fail and not-assessable for each, from dict literals."""

from __future__ import annotations

import pytest

from k8saudit.model.facts import MANAGED_PLATFORMS, AuthorizerProbe, ClusterFactsSpec, ServerVersion
from k8saudit.model.findings import Severity, Status
from tests.unit.support.cluster_builders import live_facts
from tests.unit.support.helpers import apiserver, deployment, failing, run, summary

PKI = "/etc/kubernetes/pki"
#: kubeadm's flags plus what hardening adds.
HARDENED = (
    "--authorization-mode=Node,RBAC",
    f"--client-ca-file={PKI}/ca.crt",
    "--enable-admission-plugins=NodeRestriction",
    "--etcd-servers=https://127.0.0.1:2379",
    f"--etcd-cafile={PKI}/etcd/ca.crt",
    f"--etcd-certfile={PKI}/apiserver-etcd-client.crt",
    f"--etcd-keyfile={PKI}/apiserver-etcd-client.key",
    f"--kubelet-client-certificate={PKI}/apiserver-kubelet-client.crt",
    f"--kubelet-client-key={PKI}/apiserver-kubelet-client.key",
    f"--kubelet-certificate-authority={PKI}/ca.crt",
    "--profiling=false",
    f"--service-account-key-file={PKI}/sa.pub",
    f"--service-account-signing-key-file={PKI}/sa.key",
    "--tls-min-version=VersionTLS12",
    "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
)
NEW_CHECKS = (
    "cp.token-auth-file",
    "cp.admission-plugins",
    "cp.profiling",
    "cp.kubelet-tls",
    "cp.tls-config",
    "cp.service-account-lookup",
    "cp.service-account-key-file",
    "cp.etcd-tls",
)


def hardened(*extra: str, without: tuple[str, ...] = ()) -> list[str]:
    flags = [f for f in HARDENED if not any(f.startswith(w) for w in without)]
    return [*flags, *extra]


@pytest.mark.parametrize("check", NEW_CHECKS)
def test_hardened_apiserver_passes(check: str) -> None:
    report = run([apiserver(*HARDENED)], check)
    assert summary(report).status is Status.PASS, report.findings
    assert summary(report).passed == 1


@pytest.mark.parametrize("check", NEW_CHECKS)
def test_without_an_apiserver_pod_it_is_not_assessable(check: str) -> None:
    report = run([deployment("web")], check)
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "no kube-apiserver pod" in (summary(report).reason or "")


@pytest.mark.parametrize("check", NEW_CHECKS)
def test_managed_platform_names_what_to_review(check: str) -> None:
    report = run([deployment("web")], check, ClusterFactsSpec(source="live", platform="gke"))
    assert summary(report).reason == MANAGED_PLATFORMS["gke"]


def one_failure(check: str, *flags: str) -> tuple[str, Severity]:
    finding = failing(run([apiserver(*flags)], check))["kube-apiserver-cp1"]
    return finding.message, finding.severity


def test_static_token_file_fails() -> None:
    message, severity = one_failure("cp.token-auth-file", *hardened("--token-auth-file=/etc/kubernetes/tokens.csv"))
    assert "/etc/kubernetes/tokens.csv" in message and severity is Severity.HIGH


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ((), "NodeRestriction is not enabled"),  # not on by default
        (("--enable-admission-plugins=NodeRestriction,AlwaysAdmit",), "AlwaysAdmit is enabled"),
        (("--enable-admission-plugins=NodeRestriction", "--disable-admission-plugins=PodSecurity"), "PodSecurity"),
        (("--admission-control=AlwaysAdmit,NodeRestriction",), "AlwaysAdmit"),  # the deprecated flag counts too
    ],
)
def test_admission_plugins(flags: tuple[str, ...], expected: str) -> None:
    message, _ = one_failure("cp.admission-plugins", *hardened(*flags, without=("--enable-admission-plugins",)))
    assert expected in message


def test_podsecurity_is_on_by_default() -> None:
    report = run([apiserver("--enable-admission-plugins=NodeRestriction,EventRateLimit")], "cp.admission-plugins")
    assert summary(report).status is Status.PASS


@pytest.mark.parametrize(("flag", "expected"), [(None, "defaults to true"), ("--profiling=true", "--profiling=true")])
def test_profiling_on_fails(flag: str | None, expected: str) -> None:
    flags = hardened(*([flag] if flag else []), without=("--profiling",))
    message, severity = one_failure("cp.profiling", *flags)
    assert expected in message and severity is Severity.LOW


def test_profiling_unreadable_value_is_not_assessable() -> None:
    report = run([apiserver(*hardened("--profiling=maybe", without=("--profiling",)))], "cp.profiling")
    assert summary(report).status is Status.NOT_ASSESSABLE


def test_kubelet_tls_missing_ca_is_medium_missing_client_cert_is_high() -> None:
    message, severity = one_failure("cp.kubelet-tls", *hardened(without=("--kubelet-certificate-authority",)))
    assert "not verified" in message and severity is Severity.MEDIUM
    message, severity = one_failure("cp.kubelet-tls", *hardened(without=("--kubelet-client-key",)))
    assert "no kubelet client certificate" in message and severity is Severity.HIGH


def tls_run(*flags: str, version: str | None = "v1.33.1") -> tuple[Status, str, Severity | None]:
    facts = ClusterFactsSpec(source="snapshot", version=ServerVersion(gitVersion=version) if version else None)
    report = run([apiserver(*flags)], "cp.tls-config", facts)
    got = failing(report).get("kube-apiserver-cp1")
    return summary(report).status, got.message if got else "", got.severity if got else None


def test_tls_explicit_weak_settings_fail_medium() -> None:
    status, message, severity = tls_run(*hardened("--tls-min-version=VersionTLS10", without=("--tls-min",)))
    assert status is Status.FAIL and "TLS before 1.2" in message and severity is Severity.MEDIUM
    weak = "--tls-cipher-suites=TLS_RSA_WITH_3DES_EDE_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    status, message, severity = tls_run(*hardened(weak, without=("--tls-cipher",)))
    assert "TLS_RSA_WITH_3DES_EDE_CBC_SHA" in message and "ECDHE_RSA_WITH_AES_128_GCM" not in message
    assert severity is Severity.MEDIUM


def test_tls_defaults_depend_on_the_server_version() -> None:
    bare = hardened(without=("--tls-",))
    assert tls_run(*bare, version="v1.33.1")[0] is Status.PASS
    status, message, severity = tls_run(*bare, version="v1.29.4")
    assert status is Status.FAIL and severity is Severity.LOW and "TLS 1.0" in message and "3DES" in message
    status, message, _ = tls_run(*bare, version=None)
    assert status is Status.FAIL and "server version is unknown" in message


def test_tls13_minimum_ignores_cipher_list() -> None:
    flags = hardened("--tls-min-version=VersionTLS13", without=("--tls-",))
    assert tls_run(*flags, version="v1.29.0")[0] is Status.PASS


def test_service_account_lookup() -> None:
    message, _ = one_failure("cp.service-account-lookup", *hardened("--service-account-lookup=false"))
    assert "deleted service accounts" in message
    assert summary(run([apiserver("--service-account-lookup=true")], "cp.service-account-lookup")).passed == 1
    report = run([apiserver("--service-account-lookup=yes")], "cp.service-account-lookup")
    assert summary(report).status is Status.NOT_ASSESSABLE


def test_service_account_key_file_unset_fails() -> None:
    message, _ = one_failure("cp.service-account-key-file", *hardened(without=("--service-account-key-file",)))
    assert "TLS serving key" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("--etcd-servers=http://10.0.0.5:2379",), "without TLS: http://10.0.0.5:2379"),
        ((), "no client certificate"),
    ],
)
def test_etcd_tls_failures(change: tuple[str, ...], expected: str) -> None:
    without = ("--etcd-servers",) if change else ("--etcd-keyfile",)
    message, severity = one_failure("cp.etcd-tls", *hardened(*change, without=without))
    assert expected in message and severity is Severity.HIGH


def test_etcd_ca_missing_fails() -> None:
    message, _ = one_failure("cp.etcd-tls", *hardened(without=("--etcd-cafile",)))
    assert "no --etcd-cafile" in message


# --- the authorizer probe -------------------------------------------------------------------------


def probe_facts(**fields: object) -> ClusterFactsSpec:
    return live_facts(authorizerProbe=AuthorizerProbe(user="nobody-1@k8saudit.invalid", httpStatus=201, **fields))


def test_authorizer_probe_denied_passes() -> None:
    report = run([deployment("web")], "cp.authorizer-probe", probe_facts(allowed=False, denied=False))
    assert summary(report).status is Status.PASS and summary(report).passed == 1


def test_authorizer_probe_allowed_is_critical() -> None:
    report = run([deployment("web")], "cp.authorizer-probe", probe_facts(allowed=True, reason=""))
    finding = failing(report)["cluster"]
    assert finding.severity is Severity.CRITICAL
    assert "AlwaysAllow-like" in finding.message and "nobody-1@k8saudit.invalid" in finding.message


def test_authorizer_probe_without_permission_is_not_assessable() -> None:
    facts = live_facts(authorizerProbe=AuthorizerProbe(httpStatus=403, error="403: needs create subjectaccessreviews"))
    report = run([deployment("web")], "cp.authorizer-probe", facts)
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "needs create subjectaccessreviews" in (summary(report).reason or "")
    assert report.coverage.gaps["authorizer-probe"].startswith("authorizer probe")


def test_authorizer_probe_offline_is_not_assessable() -> None:
    report = run([deployment("web")], "cp.authorizer-probe")
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "only a live scan" in (summary(report).reason or "")
