"""The admission policy engine check (k8saudit/checks/admission.py)."""

from __future__ import annotations

from typing import Any

import pytest

from k8saudit.checks.admission import policy_engine
from k8saudit.checks.context import ScanContext
from k8saudit.model.findings import Severity, Status
from tests.conftest import make_inventory
from tests.unit.support.helpers import deployment, failing, run, summary

# --- admission.policy-engine -------------------------------------------------------------------


def webhook_config(kind: str, name: str, hook: str, service_ns: str, service: str) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": name},
        "webhooks": [
            {
                "name": hook,
                "clientConfig": {"service": {"namespace": service_ns, "name": service}, "caBundle": "LS0tLS1CRUdJTg=="},
                "failurePolicy": "Ignore",
            }
        ],
    }


ISTIO = webhook_config(
    "ValidatingWebhookConfiguration",
    "istio-validator-istio-system",
    "rev.validation.istio.io",
    "istio-system",
    "istiod",
)


@pytest.mark.parametrize(
    ("doc", "engine"),
    [
        (
            webhook_config(
                "ValidatingWebhookConfiguration",
                "gatekeeper-validating-webhook-configuration",
                "validation.gatekeeper.sh",
                "gatekeeper-system",
                "gatekeeper-webhook-service",
            ),
            "OPA Gatekeeper",
        ),
        (
            webhook_config(
                "ValidatingWebhookConfiguration",
                "kyverno-resource-validating-webhook-cfg",
                "validate.kyverno.svc-fail",
                "kyverno",
                "kyverno-svc",
            ),
            "Kyverno",
        ),
        (
            webhook_config(
                "ValidatingWebhookConfiguration",
                "clusterwide-no-privileged",
                "clusterwide-no-privileged.kubewarden.admission",
                "kubewarden",
                "policy-server-default",
            ),
            "Kubewarden",
        ),
    ],
)
def test_policy_engines_are_recognised_from_webhooks(doc: dict[str, Any], engine: str) -> None:
    report = run([doc, ISTIO], "admission.policy-engine")
    assert summary(report).status is Status.PASS and summary(report).passed == 1
    (seen,) = policy_engine(ScanContext(make_inventory([doc, ISTIO])))
    assert seen.message.startswith(f"Admission policy: {engine} (") and "istio" not in seen.message


def test_bound_validating_admission_policy_counts_and_unbound_does_not() -> None:
    vap = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": "require-team-label"},
        "spec": {"failurePolicy": "Fail", "validations": [{"expression": "has(object.metadata.labels.team)"}]},
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": "require-team-label"},
        "spec": {"policyName": "require-team-label", "validationActions": ["Warn", "Audit"]},
    }
    unbound = failing(run([vap, ISTIO], "admission.policy-engine"))["cluster"]
    assert unbound.severity is Severity.INFO and "No admission policy engine" in unbound.message
    report = run([vap, binding, ISTIO], "admission.policy-engine")
    assert summary(report).status is Status.PASS
    (seen,) = policy_engine(ScanContext(make_inventory([vap, binding])))
    assert "none with the Deny action" in seen.message


def test_no_engine_fails_info_and_no_webhooks_readable_is_not_assessable() -> None:
    assert failing(run([ISTIO], "admission.policy-engine"))["cluster"].severity is Severity.INFO
    report = run([deployment("web")], "admission.policy-engine")
    assert summary(report).status is Status.NOT_ASSESSABLE


def test_webhook_urls_and_ca_bundles_are_not_kept() -> None:
    doc = webhook_config("ValidatingWebhookConfiguration", "ext", "ext.example.com", "x", "y")
    doc["webhooks"][0]["clientConfig"] = {"url": "https://user:CANARY-pass@hooks.example.com/validate"}
    (config,) = make_inventory([doc]).all_objects()
    dumped = str(config.dump())
    assert "CANARY" not in dumped and "caBundle" not in dumped and "x-k8saudit-has-url" in dumped
