"""Admission policy engines (NSA/CISA: Policy enforcement), informational.

Pod Security Admission covers pods only, and only its three levels. A policy engine enforces
the rest (registries, labels, ingress hosts, resource limits): built-in
ValidatingAdmissionPolicy (CEL, GA in 1.30) or an engine served by an admission webhook.
Engines are recognised from what the API shows: their webhook configurations (names and
Service references; nothing else is kept) and ValidatingAdmissionPolicy bindings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import (
    MutatingWebhookConfiguration,
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
    ValidatingWebhookConfiguration,
    Webhook,
)


@dataclass(frozen=True)
class Engine:
    name: str
    #: Suffixes of webhook names (`validation.gatekeeper.sh`), service namespaces and service names.
    webhook_suffixes: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    configurations: tuple[str, ...] = ()  # configuration name prefixes

    def recognises(self, config_name: str, hook: Webhook) -> bool:
        service = hook.clientConfig.service
        return (
            any(hook.name.endswith(s) for s in self.webhook_suffixes)
            or any(config_name.startswith(p) for p in self.configurations)
            or (service is not None and (service.namespace in self.namespaces or service.name in self.services))
        )


ENGINES = (
    Engine(
        "OPA Gatekeeper",
        webhook_suffixes=(".gatekeeper.sh",),
        namespaces=("gatekeeper-system",),
        services=("gatekeeper-webhook-service",),
        configurations=("gatekeeper-",),
    ),
    Engine(
        "Kyverno",
        webhook_suffixes=(".kyverno.svc", ".kyverno.svc-fail", ".kyverno.svc-ignore"),
        services=("kyverno-svc",),
        configurations=("kyverno-",),
    ),
    Engine(
        "Kubewarden",
        webhook_suffixes=(".kubewarden.admission",),
        namespaces=("kubewarden",),
    ),
)


def engines_from_webhooks(inv: Inventory) -> dict[str, list[str]]:
    """Engine name -> the webhook configurations that revealed it."""
    found: dict[str, list[str]] = {}
    configs: list[ValidatingWebhookConfiguration | MutatingWebhookConfiguration] = [
        *inv.of("ValidatingWebhookConfiguration", ValidatingWebhookConfiguration),
        *inv.of("MutatingWebhookConfiguration", MutatingWebhookConfiguration),
    ]
    for config in configs:
        for engine in ENGINES:
            if any(engine.recognises(config.name, hook) for hook in config.webhooks):
                found.setdefault(engine.name, []).append(f"{config.kind} {config.name}")
    return found


@check(
    id="admission.policy-engine",
    title="An admission policy engine is in place (informational)",
    problem="No admission policy engine (informational)",
    section=Section.POLICY,
    severity=Severity.INFO,
    reads=("ValidatingWebhookConfiguration",),
    also_reads=("MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"),
    rationale="""
Pod Security Admission enforces three fixed levels for pods and nothing else. The NSA/CISA
guide asks for an admission controller that enforces the cluster's own rules: images only
from trusted registries, required labels and limits, no `latest` tags, no public
LoadBalancers. Recognised: ValidatingAdmissionPolicy with at least one binding (built in,
CEL), and OPA Gatekeeper, Kyverno and Kubewarden from their webhook configurations
(webhook names, configuration names, Service names and namespaces). Bindings that only warn
or audit are reported as such. Other engines are not recognised: exempt this check if you run
one.
""",
    remediation="Adopt a policy engine: ValidatingAdmissionPolicy (built in since 1.30) for simple rules, or "
    "Kyverno or Gatekeeper; start with audit/warn actions, then deny.",
    references={},
)
def policy_engine(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    found = engines_from_webhooks(inv)
    policies = {p.name for p in inv.of("ValidatingAdmissionPolicy", ValidatingAdmissionPolicy)}
    bindings = [
        b
        for b in inv.of("ValidatingAdmissionPolicyBinding", ValidatingAdmissionPolicyBinding)
        if b.spec.policyName in policies
    ]
    engines = [f"{name} ({', '.join(sorted(sources))})" for name, sources in sorted(found.items())]
    if bindings:
        denying = [b for b in bindings if "Deny" in b.spec.validationActions]
        detail = (
            f"{len(denying)} of {len(bindings)} binding(s) deny"
            if denying
            else f"{len(bindings)} binding(s), none with the Deny action (warn/audit only)"
        )
        engines.append(f"ValidatingAdmissionPolicy ({len(policies)} policies; {detail})")
    evidence = [
        ("webhook configurations recognised", sorted(s for v in found.values() for s in v) or None),
        ("ValidatingAdmissionPolicies", sorted(policies) or None),
        ("bound ValidatingAdmissionPolicies", sorted({b.spec.policyName for b in bindings}) or None),
    ]
    yield result(
        None,
        failed=not engines,
        message="Admission policy: " + "; ".join(engines)
        if engines
        else "No admission policy engine recognised (no bound ValidatingAdmissionPolicy, Gatekeeper, Kyverno, "
        "Kubewarden webhook)",
        evidence=evidence,
    )
