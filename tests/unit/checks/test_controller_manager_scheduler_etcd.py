"""kube-controller-manager, kube-scheduler and etcd flag checks: pass, fail, not-assessable."""

from __future__ import annotations

import pytest

from k8saudit.model.facts import MANAGED_PLATFORMS, ClusterFactsSpec
from k8saudit.model.findings import Severity, Status
from tests.unit.support.cluster_builders import static_pod
from tests.unit.support.helpers import apiserver, by_status, deployment, failing, run, summary

PKI = "/etc/kubernetes/pki"
CM = "kube-controller-manager"
SCHED = "kube-scheduler"
CM_HARDENED = (
    "--bind-address=127.0.0.1",
    "--profiling=false",
    "--use-service-account-credentials=true",
    f"--service-account-private-key-file={PKI}/sa.key",
    f"--root-ca-file={PKI}/ca.crt",
)
SCHED_HARDENED = ("--bind-address=127.0.0.1", "--profiling=false")
ETCD_HARDENED = (
    f"--cert-file={PKI}/etcd/server.crt",
    f"--key-file={PKI}/etcd/server.key",
    "--client-cert-auth=true",
    f"--trusted-ca-file={PKI}/etcd/ca.crt",
    "--listen-client-urls=https://127.0.0.1:2379,https://172.18.0.2:2379",
    f"--peer-cert-file={PKI}/etcd/peer.crt",
    f"--peer-key-file={PKI}/etcd/peer.key",
    "--peer-client-cert-auth=true",
    f"--peer-trusted-ca-file={PKI}/etcd/ca.crt",
    "--listen-peer-urls=https://172.18.0.2:2380",
)
CHECKS = {
    "controller-manager.bind-address": (CM, CM_HARDENED),
    "controller-manager.profiling": (CM, CM_HARDENED),
    "controller-manager.service-account-credentials": (CM, CM_HARDENED),
    "controller-manager.service-account-key": (CM, CM_HARDENED),
    "controller-manager.root-ca": (CM, CM_HARDENED),
    "controller-manager.kubelet-cert-rotation": (CM, CM_HARDENED),
    "scheduler.bind-address": (SCHED, SCHED_HARDENED),
    "scheduler.profiling": (SCHED, SCHED_HARDENED),
    "etcd.client-tls": ("etcd", ETCD_HARDENED),
    "etcd.peer-tls": ("etcd", ETCD_HARDENED),
}


def without(flags: tuple[str, ...], *prefixes: str) -> list[str]:
    return [f for f in flags if not any(f.startswith(p) for p in prefixes)]


def message_of(check: str, component: str, *flags: str) -> tuple[str, Severity]:
    finding = failing(run([static_pod(component, *flags)], check))[f"{component}-cp1"]
    return finding.message, finding.severity


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_hardened_component_passes(check: str) -> None:
    component, flags = CHECKS[check]
    report = run([static_pod(component, *flags)], check)
    assert summary(report).status is Status.PASS, report.findings


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_missing_component_is_not_assessable(check: str) -> None:
    component, _ = CHECKS[check]
    report = run([deployment("web")], check)
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert f"no {component} pod" in (summary(report).reason or "")
    report = run([deployment("web")], check, ClusterFactsSpec(source="live", platform="aks"))
    assert summary(report).reason == MANAGED_PLATFORMS["aks"]


@pytest.mark.parametrize("component", [CM, SCHED])
def test_bind_address_default_is_every_interface(component: str) -> None:
    check = "controller-manager.bind-address" if component == CM else "scheduler.bind-address"
    message, severity = message_of(check, component, "--profiling=false")
    assert "defaults to 0.0.0.0" in message and severity is Severity.MEDIUM
    message, _ = message_of(check, component, "--bind-address=0.0.0.0")
    assert "every interface" in message
    assert summary(run([static_pod(component, "--bind-address=::1")], check)).status is Status.PASS
    assert summary(run([static_pod(component, "--secure-port=0")], check)).status is Status.PASS


def test_controller_manager_defaults_fail() -> None:
    assert "defaults to true" in message_of("controller-manager.profiling", CM)[0]
    assert "defaults to false" in message_of("controller-manager.service-account-credentials", CM)[0]
    assert "not set" in message_of("controller-manager.service-account-key", CM)[0]
    assert "not set" in message_of("controller-manager.root-ca", CM)[0]
    gates = "--feature-gates=Foo=true,RotateKubeletServerCertificate=false"
    assert (
        "turns RotateKubeletServerCertificate off"
        in message_of("controller-manager.kubelet-cert-rotation", CM, gates)[0]
    )


def test_unreadable_boolean_is_not_assessable() -> None:
    report = run(
        [static_pod(CM, "--use-service-account-credentials=sure")], "controller-manager.service-account-credentials"
    )
    assert summary(report).status is Status.NOT_ASSESSABLE


def test_scheduler_profiling_in_a_config_file_is_not_guessed() -> None:
    report = run([static_pod(SCHED, "--config=/etc/kubernetes/scheduler.yaml")], "scheduler.profiling")
    assert summary(report).status is Status.NOT_ASSESSABLE
    (finding,) = by_status(report, Status.NOT_ASSESSABLE)
    assert "enableProfiling" in (finding.reason or "")
    assert "defaults to true" in message_of("scheduler.profiling", SCHED)[0]


# --- etcd -------------------------------------------------------------------------------------------


def test_etcd_defaults_are_insecure() -> None:
    message, severity = message_of("etcd.client-tls", "etcd", "--listen-client-urls=http://0.0.0.0:2379")
    assert severity is Severity.CRITICAL
    for part in ("without TLS on http://0.0.0.0:2379", "no --cert-file", "false (default)"):
        assert part in message
    message, severity = message_of("etcd.peer-tls", "etcd")
    assert "--peer-client-cert-auth=false (default)" in message and severity is Severity.HIGH


@pytest.mark.parametrize(
    ("check", "flag"), [("etcd.client-tls", "--auto-tls=true"), ("etcd.peer-tls", "--peer-auto-tls=true")]
)
def test_etcd_auto_tls_fails(check: str, flag: str) -> None:
    assert "auto-tls=true" in message_of(check, "etcd", *ETCD_HARDENED, flag)[0]


def test_etcd_client_auth_without_ca_fails() -> None:
    message, _ = message_of("etcd.client-tls", "etcd", *without(ETCD_HARDENED, "--trusted-ca-file"))
    assert "no --trusted-ca-file" in message


def test_etcd_dedicated_ca() -> None:
    etcd = static_pod("etcd", *ETCD_HARDENED)
    own = apiserver(f"--client-ca-file={PKI}/ca.crt")
    report = run([etcd, own], "etcd.dedicated-ca")
    assert summary(report).status is Status.PASS
    shared = apiserver(f"--client-ca-file={PKI}/etcd/ca.crt")
    finding = failing(run([etcd, shared], "etcd.dedicated-ca"))["etcd-cp1"]
    assert "every Kubernetes client certificate is also an etcd client certificate" in finding.message
    no_ca = static_pod("etcd", *without(ETCD_HARDENED, "--trusted-ca-file"))
    assert summary(run([no_ca, own], "etcd.dedicated-ca")).status is Status.NOT_ASSESSABLE
    assert summary(run([etcd], "etcd.dedicated-ca")).status is Status.NOT_ASSESSABLE  # no API server pod


def test_each_etcd_member_is_judged() -> None:
    docs = [static_pod("etcd", *ETCD_HARDENED, node="cp1"), static_pod("etcd", node="cp2")]
    report = run(docs, "etcd.client-tls")
    assert set(failing(report)) == {"etcd-cp2"} and summary(report).passed == 1
