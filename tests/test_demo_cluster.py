"""What the packaged demo shows for the cluster-level checks (control plane, network exposure,
secrets, versions, admission): the mistakes it was built with are found, the rest passes, and
what a default `collect` cannot see is not-assessable with the reason."""

from __future__ import annotations

from functools import cache

import pytest

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Report, Status
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import load_snapshot


@cache
def report() -> Report:
    return run_checks(load_snapshot(snapshot_path()))


def failing(check: str) -> set[str]:
    return {
        f.resource.label() if f.resource else "cluster"
        for f in report().findings
        if f.check == check and f.status is Status.FAIL
    }


def status(check: str) -> Status:
    return next(c.status for c in report().checks if c.id == check)


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("cp.token-auth-file", {"Pod kube-system/kube-apiserver-demo-control-plane"}),
        ("cp.kubelet-tls", {"Pod kube-system/kube-apiserver-demo-control-plane"}),
        ("cp.profiling", {"Pod kube-system/kube-apiserver-demo-control-plane"}),
        ("net.system-namespaces", {"Pod default/netshoot"}),
        ("net.ingress-tls", {"Ingress web/shop"}),
        (
            "net.service-exposure",
            {"Service ingress-nginx/ingress-nginx-controller", "Service data/postgres-external"},
        ),
        ("secrets.configmap-credentials", {"ConfigMap data/postgres-config", "ConfigMap ci/pipeline-settings"}),
        ("net.control-plane-isolation", {"DaemonSet logging/fluent-bit"}),
    ],
)
def test_demo_mistakes_are_found(check: str, expected: set[str]) -> None:
    assert failing(check) == expected


@pytest.mark.parametrize(
    "check",
    [
        "cp.admission-plugins",
        "cp.etcd-tls",
        "cp.authorizer-probe",
        "etcd.client-tls",
        "etcd.peer-tls",
        "etcd.dedicated-ca",
        "controller-manager.bind-address",
        "scheduler.bind-address",
        "endpoint.public-address",
        "endpoint.certificate",
        "nodes.kubelet-version-skew",
        "admission.policy-engine",
    ],
)
def test_demo_hardened_parts_pass(check: str) -> None:
    assert status(check) is Status.PASS


@pytest.mark.parametrize(
    ("check", "reason"),
    [
        ("kubelet.read-only-port", "--kubelet-config"),
        ("secrets.legacy-sa-tokens", "--secret-metadata"),
        ("net.cni-enforces-policies", "no known CNI"),  # kind's kindnet is not judged
    ],
)
def test_demo_not_assessable_says_why(check: str, reason: str) -> None:
    summary = next(c for c in report().checks if c.id == check)
    assert summary.status is Status.NOT_ASSESSABLE and reason in (summary.reason or "")
