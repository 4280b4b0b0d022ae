"""The e2e fixtures, scanned offline as manifests: they produce exactly the pod findings the
e2e tier expects from the live cluster. Runs in the normal suite (no Docker needed), so a
broken fixture shows up here rather than only on a machine with kind."""

from __future__ import annotations

from pathlib import Path

from k8saudit.engine.run import run_checks
from k8saudit.model.findings import Status
from k8saudit.sources.files import dumps_snapshot, load_manifests

MANIFESTS = Path(__file__).resolve().parent / "manifests"
POD_CHECKS = ("pod.privileged", "pod.run-as-non-root", "pod.allow-privilege-escalation", "pod.capabilities")


def test_fixtures_fail_where_the_e2e_tier_expects() -> None:
    report = run_checks(load_manifests([MANIFESTS]))
    failing = {
        (f.check, f.resource.kind, f.resource.namespace, f.resource.name)
        for f in report.findings
        if f.status is Status.FAIL and f.resource is not None
    }
    assert ("pod.privileged", "DaemonSet", "e2e-insecure", "node-agent") in failing
    assert ("pod.run-as-non-root", "Deployment", "e2e-insecure", "root-app") in failing
    assert ("pod.host-namespaces", "Pod", "e2e-insecure", "debug") in failing
    hardened = {f for f in failing if f[2] == "e2e-hardened" and (f[0] in POD_CHECKS or f[0] == "net.default-deny")}
    assert hardened == set()
    assert any(f[0] == "pod.read-only-root-fs" and f[2] == "e2e-insecure" for f in failing)


def test_fixtures_plant_secrets_that_the_parsers_drop() -> None:
    text = "".join(p.read_text() for p in sorted(MANIFESTS.glob("*.yaml")))
    assert text.count("e2ec4n4ry") >= 3  # env, ConfigMap and Secret values
    inv = load_manifests([MANIFESTS])
    assert inv.count("Secret") == 0
    assert "e2ec4n4ry" not in dumps_snapshot(inv)
