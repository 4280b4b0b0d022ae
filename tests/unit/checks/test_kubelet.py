"""Kubelet checks from configz facts: one result per node, zero values omitted as configz does."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from k8saudit.checks.kubelet import go_duration_seconds
from k8saudit.model.facts import ClusterFactsSpec
from k8saudit.model.findings import Severity, Status
from tests.unit.support.cluster_builders import HARDENED_KUBELET, kubelet_facts, node
from tests.unit.support.helpers import by_status, failing, run, summary

CHECKS = (
    "kubelet.anonymous-auth",
    "kubelet.authorization-mode",
    "kubelet.read-only-port",
    "kubelet.client-ca",
    "kubelet.certificate-rotation",
    "kubelet.seccomp-default",
    "kubelet.streaming-idle-timeout",
    "kubelet.pod-pids-limit",
)
NODES = [node("cp1", control_plane=True), node("w1")]


def config(**changes: Any) -> dict[str, Any]:
    """HARDENED_KUBELET with dotted-path changes; a None value removes the field (as configz omits zeros)."""
    cfg = copy.deepcopy(HARDENED_KUBELET)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = cfg
        for part in parents:
            target = target.setdefault(part, {})
        if value is None:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return cfg


@pytest.mark.parametrize("check", CHECKS)
def test_hardened_kubelets_pass_one_result_per_node(check: str) -> None:
    report = run(NODES, check, kubelet_facts(cp1=config(), w1=config()))
    assert summary(report).status is Status.PASS, report.findings
    assert summary(report).passed == 2


@pytest.mark.parametrize("check", CHECKS)
def test_without_kubelet_config_it_is_not_assessable(check: str) -> None:
    report = run(NODES, check, ClusterFactsSpec(source="live"))
    assert summary(report).status is Status.NOT_ASSESSABLE
    assert "--kubelet-config" in (summary(report).reason or "")


@pytest.mark.parametrize("check", CHECKS)
def test_a_node_whose_configz_failed_is_not_assessable(check: str) -> None:
    facts = kubelet_facts(cp1=config(), w1="GET nodes/w1/proxy/configz: 403 forbidden (needs get nodes/proxy)")
    report = run(NODES, check, facts)
    unjudged = by_status(report, Status.NOT_ASSESSABLE)
    assert [f.resource.name for f in unjudged if f.resource] == ["w1"]
    assert "needs get nodes/proxy" in (unjudged[0].reason or "")


def failure(check: str, **changes: Any) -> tuple[str, Severity]:
    report = run(NODES, check, kubelet_facts(cp1=config(), w1=config(**changes)))
    got = failing(report)
    assert set(got) == {"w1"}, report.findings
    assert got["w1"].resource is not None and got["w1"].resource.kind == "Node"
    return got["w1"].message, got["w1"].severity


def test_anonymous_auth() -> None:
    assert "system:anonymous" in failure("kubelet.anonymous-auth", authentication__anonymous__enabled=True)[0]
    # configz omits false: a missing field is a pass
    report = run(NODES, "kubelet.anonymous-auth", kubelet_facts(cp1=config(authentication__anonymous=None)))
    assert summary(report).status is Status.PASS


def test_authorization_mode() -> None:
    message, severity = failure("kubelet.authorization-mode", authorization__mode="AlwaysAllow")
    assert "AlwaysAllow" in message and severity is Severity.CRITICAL
    report = run(NODES, "kubelet.authorization-mode", kubelet_facts(cp1=config(authorization=None)))
    assert summary(report).status is Status.NOT_ASSESSABLE  # never guessed


def test_read_only_port_missing_means_zero() -> None:
    assert "port 10255" in failure("kubelet.read-only-port", readOnlyPort=10255)[0]
    report = run(NODES, "kubelet.read-only-port", kubelet_facts(cp1=config(readOnlyPort=None)))
    assert summary(report).status is Status.PASS


def test_client_ca() -> None:
    assert "certificate authentication is off" in failure("kubelet.client-ca", authentication__x509=None)[0]


def test_certificate_rotation_severity() -> None:
    message, severity = failure("kubelet.certificate-rotation", serverTLSBootstrap=None)
    assert "self-signed" in message and severity is Severity.LOW
    message, severity = failure("kubelet.certificate-rotation", rotateCertificates=None)
    assert "rotateCertificates: false" in message and severity is Severity.MEDIUM
    message, _ = failure("kubelet.certificate-rotation", featureGates={"RotateKubeletServerCertificate": False})
    assert "self-signed" in message


def test_seccomp_default() -> None:
    assert "Unconfined" in failure("kubelet.seccomp-default", seccompDefault=None)[0]


def test_streaming_idle_timeout() -> None:
    assert "never closed" in failure("kubelet.streaming-idle-timeout", streamingConnectionIdleTimeout="0s")[0]
    for value in (None, "soon"):
        facts = kubelet_facts(cp1=config(streamingConnectionIdleTimeout=value))
        assert summary(run(NODES, "kubelet.streaming-idle-timeout", facts)).status is Status.NOT_ASSESSABLE


@pytest.mark.parametrize("value", [None, -1, 0])
def test_pod_pids_limit_unset_or_unlimited_fails(value: int | None) -> None:
    assert "unlimited processes" in failure("kubelet.pod-pids-limit", podPidsLimit=value)[0]


def test_a_node_missing_from_the_node_list_is_still_named() -> None:
    report = run([], "kubelet.read-only-port", kubelet_facts(ghost=config(readOnlyPort=10255)))
    assert set(failing(report)) == {"ghost"}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("4h0m0s", 14400.0), ("5m", 300.0), ("0s", 0.0), ("1h30m", 5400.0), ("1.5s", 1.5), ("x", None)],
)
def test_go_durations(text: str, seconds: float | None) -> None:
    assert go_duration_seconds(text) == seconds
