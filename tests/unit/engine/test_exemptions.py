"""Exemptions from the config file, annotations and defaults; scope; severity overrides.

Every scan here runs on a fixed clock (`ScanOptions.now`) so expiry is deterministic.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import REGISTRY, Check, Result, all_checks, result
from k8saudit.engine.config import AuditConfig, parse_config
from k8saudit.engine.exemptions import DEFAULT_EXEMPTIONS
from k8saudit.engine.run import EXEMPT_ANNOTATION, EXEMPT_REASON_ANNOTATION, ScanOptions, run_checks
from k8saudit.model.facts import ClusterFactsSpec
from k8saudit.model.findings import Finding, Report, Section, Severity, Status
from k8saudit.model.inventory import AuditSettings
from k8saudit.model.objects import RoleBinding
from k8saudit.output.render import render
from tests.conftest import make_inventory
from tests.unit.support.helpers import apiserver, binding, deployment, namespace

NOW = dt.datetime(2026, 11, 15, 9, 30, tzinfo=dt.UTC)
ROOT = {"securityContext": {"runAsUser": 0}}
PRIVILEGED = {"securityContext": {"privileged": True}}


def config(body: str) -> AuditConfig:
    text = "apiVersion: k8saudit.io/v1alpha1\nkind: AuditConfig\n" + textwrap.dedent(body)
    return parse_config(text, "k8saudit.yaml")


def scan(docs: list[dict[str, Any]], *checks: str, facts: ClusterFactsSpec | None = None, **options: Any) -> Report:
    options.setdefault("now", NOW)
    return run_checks(make_inventory(docs, facts), ScanOptions(checks=checks or None, **options))


def of(report: Report, check: str, status: Status | None = None) -> list[Finding]:
    return [f for f in report.findings if f.check == check and (status is None or f.status is status)]


def names(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return sorted((f.resource.name if f.resource else "cluster", f.container) for f in findings)


def summary(report: Report, check: str) -> Any:
    return next(c for c in report.checks if c.id == check)


# --- expiry ---------------------------------------------------------------------------------------------

EXPIRING = """\
exemptions:
  - checks: [pod.run-as-non-root]
    namespaces: [data]
    names: ["postgres*"]
    reason: image runs as root until the 16.x upgrade (DB-77)
    owner: dba-team
    expires: {date}
"""


@pytest.mark.parametrize("date", ["2026-11-15", "2027-01-01"])
def test_an_active_config_exemption_exempts_with_who_why_and_until(date: str) -> None:
    docs = [deployment("postgres", ROOT, namespace="data"), deployment("other", ROOT, namespace="data")]
    report = scan(docs, "pod.run-as-non-root", config=config(EXPIRING.format(date=date)))
    (exempt,) = of(report, "pod.run-as-non-root", Status.EXEMPT)
    assert exempt.resource is not None and exempt.resource.name == "postgres"
    assert exempt.exemption is not None
    assert exempt.exemption.model_dump() == {
        "reason": "image runs as root until the 16.x upgrade (DB-77)",
        "by": "config",
        "owner": "dba-team",
        "expires": date,
        "source": "k8saudit.yaml:4",
        "expired": False,
    }
    assert names(of(report, "pod.run-as-non-root", Status.FAIL)) == [("other", "app")]
    assert (summary(report, "pod.run-as-non-root").failed, summary(report, "pod.run-as-non-root").exempt) == (1, 1)
    (rule,) = report.config.exemptions
    assert (rule.source, rule.matched, rule.expired) == ("k8saudit.yaml:4", 1, False)


def test_an_expired_config_exemption_is_a_failure_that_says_so() -> None:
    docs = [deployment("postgres", ROOT, namespace="data")]
    report = scan(docs, "pod.run-as-non-root", config=config(EXPIRING.format(date="2026-11-14")))
    (finding,) = of(report, "pod.run-as-non-root")
    assert finding.status is Status.FAIL
    assert finding.message.endswith("(exemption k8saudit.yaml:4 expired on 2026-11-14; owner: dba-team)")
    assert finding.exemption is not None and finding.exemption.expired and finding.exemption.owner == "dba-team"
    assert summary(report, "pod.run-as-non-root").status is Status.FAIL
    assert report.counts["high"] == 1
    (rule,) = report.config.exemptions
    assert rule.expired and rule.matched == 1 and rule.expires == "2026-11-14"


def test_the_clock_decides_and_defaults_to_now() -> None:
    cfg = config(EXPIRING.format(date="2026-11-14"))
    docs = [deployment("postgres", ROOT, namespace="data")]
    before = scan(docs, "pod.run-as-non-root", config=cfg, now=dt.datetime(2026, 11, 14, 23, 59, tzinfo=dt.UTC))
    assert [f.status for f in of(before, "pod.run-as-non-root")] == [Status.EXEMPT]
    assert before.generatedAt == "2026-11-14T23:59:00Z"  # UTC written as Z, like collectedAt
    # a naive clock is taken as UTC; the real clock is long past 2026-11-14
    naive = scan(docs, "pod.run-as-non-root", config=cfg, now=dt.datetime(2026, 11, 14, 12, 0))
    assert [f.status for f in of(naive, "pod.run-as-non-root")] == [Status.EXEMPT]
    real = run_checks(make_inventory(docs), ScanOptions(checks=("pod.run-as-non-root",), config=cfg))
    assert [f.status for f in of(real, "pod.run-as-non-root")] == [Status.FAIL]


def test_an_active_exemption_wins_over_an_expired_one() -> None:
    cfg = config(
        EXPIRING.format(date="2026-01-01")
        + """\
  - checks: [pod.run-as-non-root]
    namespaces: [data]
    reason: renewed after review DB-80
    owner: dba-team
    expires: 2027-01-01
"""
    )
    report = scan([deployment("postgres", ROOT, namespace="data")], "pod.run-as-non-root", config=cfg)
    (finding,) = of(report, "pod.run-as-non-root")
    assert finding.status is Status.EXEMPT and finding.exemption is not None
    assert finding.exemption.source == "k8saudit.yaml:10" and not finding.exemption.expired
    assert [r.matched for r in report.config.exemptions] == [0, 1]


# --- selectors ------------------------------------------------------------------------------------------


def injected_sidecar_docs() -> list[dict[str, Any]]:
    """A Deployment whose pods run an injected istio-proxy next to the app, both as root."""
    web = deployment("web", ROOT, {"hostNetwork": True})
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-1",
            "namespace": "shop",
            "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}],
        },
        "spec": {
            "containers": [
                {"name": "app", "image": "x:1", **ROOT},
                {"name": "istio-proxy", "image": "istio/proxyv2:1.24", **ROOT},
            ],
        },
    }
    return [web, pod]


def test_a_container_exemption_exempts_that_container_only() -> None:
    cfg = config(
        """\
        exemptions:
          - checks: [pod.run-as-non-root, pod.host-namespaces]
            containers: [istio-*]
            reason: injected by the mesh
            owner: platform
        """
    )
    report = scan(injected_sidecar_docs(), "pod.run-as-non-root", "pod.host-namespaces", config=cfg)
    assert names(of(report, "pod.run-as-non-root", Status.EXEMPT)) == [("web", "istio-proxy")]
    assert names(of(report, "pod.run-as-non-root", Status.FAIL)) == [("web", "app")]
    # a pod-level finding names no container: a container exemption cannot cover it
    assert names(of(report, "pod.host-namespaces", Status.FAIL)) == [("web", None)]


def test_kind_name_and_namespace_selectors_must_all_match() -> None:
    cfg = config(
        """\
        exemptions:
          - checks: ["pod.*"]
            namespaces: ["team-*"]
            names: ["legacy-*"]
            kinds: [Deployment]
            reason: r
            owner: o
        """
    )
    docs = [
        deployment("legacy-a", PRIVILEGED, namespace="team-x"),  # all match
        deployment("legacy-b", PRIVILEGED, namespace="shop"),  # namespace does not
        deployment("modern", PRIVILEGED, namespace="team-x"),  # name does not
        {**deployment("legacy-c", PRIVILEGED, namespace="team-x"), "kind": "StatefulSet"},  # kind does not
    ]
    report = scan(docs, "pod.privileged", config=cfg)
    assert names(of(report, "pod.privileged", Status.EXEMPT)) == [("legacy-a", "app")]
    assert names(of(report, "pod.privileged", Status.FAIL)) == [
        ("legacy-b", "app"),
        ("legacy-c", "app"),
        ("modern", "app"),
    ]


def test_a_rule_without_selectors_covers_a_cluster_level_finding_and_one_with_selectors_does_not() -> None:
    docs = [apiserver("--anonymous-auth=false")]  # no audit flags: cp.audit-logging fails on the pod
    scoped = config("exemptions:\n  - {checks: [cp.audit-logging], namespaces: [shop], reason: r, owner: o}\n")
    assert [f.status for f in of(scan(docs, "cp.audit-logging", config=scoped), "cp.audit-logging")] == [Status.FAIL]
    broad = config("exemptions:\n  - {checks: [cp.audit-logging], reason: logs go to the provider, owner: sec}\n")
    (finding,) = of(scan(docs, "cp.audit-logging", config=broad), "cp.audit-logging")
    assert finding.status is Status.EXEMPT and finding.exemption is not None and finding.exemption.owner == "sec"


def test_the_config_file_wins_over_an_annotation_and_says_whose_it_is() -> None:
    annotated = deployment(
        "cni", PRIVILEGED, annotations={EXEMPT_ANNOTATION: "*", EXEMPT_REASON_ANNOTATION: "owner says so"}
    )
    cfg = config("exemptions:\n  - {checks: [pod.privileged], names: [cni], reason: reviewed SEC-1, owner: sec}\n")
    (finding,) = of(scan([annotated], "pod.privileged", config=cfg), "pod.privileged")
    assert finding.exemption is not None and (finding.exemption.by, finding.exemption.reason) == (
        "config",
        "reviewed SEC-1",
    )
    (finding,) = of(scan([annotated], "pod.privileged"), "pod.privileged")
    assert finding.exemption is not None and finding.exemption.by == "annotation on the resource"
    assert finding.exemption.source == f"annotation {EXEMPT_ANNOTATION} on Deployment shop/cni"


# --- scope ----------------------------------------------------------------------------------------------

SCOPE = """\
namespaces:
  include: ["team-*", default]
  exclude: [team-sandbox]
"""


def scope_docs() -> list[dict[str, Any]]:
    return [
        namespace("team-a"),
        namespace("team-sandbox"),
        namespace("default"),
        namespace("kube-system"),
        deployment("a", PRIVILEGED, namespace="team-a"),
        deployment("s", PRIVILEGED, namespace="team-sandbox"),
        deployment("k", PRIVILEGED, namespace="kube-system"),
        apiserver(),  # kube-system, but it stands for the cluster's control plane
        binding("RoleBinding", "admins", "cluster-admin", ("User", "bob"), namespace="team-sandbox"),
        binding("ClusterRoleBinding", "ops", "cluster-admin", ("User", "alice")),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "deny", "namespace": "team-sandbox"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        },
    ]


def test_namespace_scope_drops_what_is_outside_and_keeps_the_cluster_level() -> None:
    checks = ("pod.privileged", "net.default-deny", "cp.audit-logging", "rbac.cluster-admin-bindings")
    report = scan(scope_docs(), *checks, config=config(SCOPE))
    assert names(of(report, "pod.privileged", Status.FAIL)) == [("a", "app")]
    # net.default-deny judges Namespaces: a Namespace is in its own namespace
    assert {f.resource.name for f in of(report, "net.default-deny", Status.FAIL) if f.resource} == {"team-a", "default"}
    # the API server's static pod lives in kube-system, which is out of scope: its findings stay
    assert len(of(report, "cp.audit-logging", Status.FAIL)) == 1
    # a RoleBinding is namespaced (dropped), a ClusterRoleBinding is not (kept)
    assert names(of(report, "rbac.cluster-admin-bindings", Status.FAIL)) == [("ops", None)]
    assert summary(report, "pod.privileged").failed == 1
    scope = report.config.scope
    assert (scope.include, scope.exclude) == (["team-*", "default"], ["team-sandbox"])
    assert scope.excludedNamespaces == ["kube-system", "team-sandbox"]
    assert (report.cluster.namespaces, report.cluster.workloads) == (2, 1)


def test_without_a_scope_everything_is_audited() -> None:
    report = scan(scope_docs(), "pod.privileged")
    assert names(of(report, "pod.privileged", Status.FAIL)) == [("a", "app"), ("k", "app"), ("s", "app")]
    assert report.config.scope.excludedNamespaces == [] and report.cluster.namespaces == 4


def test_a_check_with_nothing_in_scope_is_not_assessable_rather_than_passing() -> None:
    cfg = config("namespaces:\n  include: [nowhere]\n")
    report = scan([deployment("a", PRIVILEGED, namespace="shop")], "pod.privileged", config=cfg)
    check = summary(report, "pod.privileged")
    assert check.status is Status.NOT_ASSESSABLE and check.reason is not None and "scope" in check.reason
    assert report.score is None


# --- severity ---------------------------------------------------------------------------------------------


def test_a_severity_override_changes_findings_the_check_and_the_score() -> None:
    caps = {"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}
    docs = [deployment("bad", caps), deployment("good", {"securityContext": {"capabilities": {"drop": ["ALL"]}}})]
    plain = scan(docs, "pod.capabilities", "pod.privileged")
    (finding,) = of(plain, "pod.capabilities", Status.FAIL)
    assert finding.severity is Severity.HIGH  # the check raises it for SYS_ADMIN
    lowered = scan(docs, "pod.capabilities", "pod.privileged", config=config("severity:\n  pod.capabilities: low\n"))
    (finding,) = of(lowered, "pod.capabilities", Status.FAIL)
    assert finding.severity is Severity.LOW  # the override beats the per-result severity
    assert summary(lowered, "pod.capabilities").severity is Severity.LOW
    assert lowered.counts["low"] == 1 and lowered.counts["high"] == 0
    # capabilities is half passing: weight 3 (medium) before, 1 (low) after; privileged passes (10)
    assert plain.score == round(100 * (10 + 3 * 0.5) / 13, 1)
    assert lowered.score == round(100 * (10 + 1 * 0.5) / 11, 1)
    assert lowered.config.severityOverrides == {"pod.capabilities": Severity.LOW}


def test_a_severity_override_applies_to_a_not_assessable_check_too() -> None:
    report = scan([], "cp.audit-logging", config=config("severity:\n  cp.audit-logging: critical\n"))
    assert summary(report, "cp.audit-logging").severity is Severity.CRITICAL
    assert [f.severity for f in of(report, "cp.audit-logging")] == [Severity.CRITICAL]


# --- defaults ---------------------------------------------------------------------------------------------


def static_apiserver(**spec: Any) -> dict[str, Any]:
    pod = apiserver("--anonymous-auth=false")
    pod["spec"].update(
        {
            "hostNetwork": True,
            "volumes": [
                {"name": "k8s-certs", "hostPath": {"path": "/etc/kubernetes/pki"}},
                {"name": "ca-certs", "hostPath": {"path": "/etc/ssl/certs"}},
            ],
            **spec,
        }
    )
    return pod


DEFAULTED = ("pod.run-as-non-root", "pod.host-namespaces", "pod.host-path", "pod.privileged")
LIVE = ClusterFactsSpec(source="live")


def registered(check: str) -> bool:
    return any(c.id == check for c in all_checks())


def test_a_kube_apiserver_static_pod_is_exempt_by_default_where_it_cannot_comply() -> None:
    report = scan([static_apiserver()], *DEFAULTED, facts=LIVE)
    for check in ("pod.run-as-non-root", "pod.host-namespaces", "pod.host-path"):
        if not registered(check):
            continue
        (finding,) = of(report, check)
        assert finding.status is Status.EXEMPT, check
        assert finding.exemption is not None and finding.exemption.by == "default"
        assert finding.exemption.reason == next(d.reason for d in DEFAULT_EXEMPTIONS if d.check == check)
    defaults = report.config.defaultExemptions
    assert defaults.enabled
    listed = {r.checks[0]: r for r in defaults.rules}
    assert listed["pod.run-as-non-root"].matched == 1 and listed["pod.host-namespaces"].matched == 1
    assert "tier=control-plane" in (listed["pod.run-as-non-root"].selector or "")
    assert "pod.privileged" not in listed  # nothing forces the control plane to run privileged


def test_default_exemptions_are_precise() -> None:
    risky = static_apiserver(hostPID=True, volumes=[{"name": "root", "hostPath": {"path": "/"}}])
    report = scan([risky], "pod.host-namespaces", "pod.host-path", facts=LIVE)
    assert [f.status for f in of(report, "pod.host-namespaces")] == [Status.FAIL]  # hostPID is not needed
    if registered("pod.host-path"):
        assert [f.status for f in of(report, "pod.host-path")] == [Status.FAIL]  # "/" is not a control-plane path


def test_a_pod_that_only_looks_like_the_control_plane_is_not_exempt() -> None:
    impostor = static_apiserver()
    del impostor["metadata"]["ownerReferences"]  # created through the API, not by a kubelet
    report = scan([impostor], "pod.run-as-non-root", facts=LIVE)
    assert [f.status for f in of(report, "pod.run-as-non-root")] == [Status.FAIL]
    elsewhere = static_apiserver()
    elsewhere["metadata"]["namespace"] = "shop"
    report = scan([elsewhere], "pod.run-as-non-root", facts=LIVE)
    assert [f.status for f in of(report, "pod.run-as-non-root")] == [Status.FAIL]
    # a static pod file in a set of manifests carries no mirror marks: its labels are enough
    manifest = static_apiserver()
    del manifest["metadata"]["ownerReferences"]
    report = scan([manifest], "pod.run-as-non-root")
    assert [f.status for f in of(report, "pod.run-as-non-root")] == [Status.EXEMPT]


@pytest.mark.parametrize(
    "switch",
    [{"default_exemptions": False}, {"config": "defaultExemptions: false\n"}],
    ids=["--no-default-exemptions", "config"],
)
def test_default_exemptions_can_be_switched_off_and_are_still_listed(switch: dict[str, Any]) -> None:
    options = {k: config(v) if k == "config" else v for k, v in switch.items()}
    report = scan([static_apiserver()], "pod.run-as-non-root", "pod.host-namespaces", facts=LIVE, **options)
    assert [f.status for f in of(report, "pod.run-as-non-root")] == [Status.FAIL]
    assert [f.status for f in of(report, "pod.host-namespaces")] == [Status.FAIL]
    defaults = report.config.defaultExemptions
    assert not defaults.enabled
    assert {"pod.run-as-non-root", "pod.host-namespaces"} <= {r.checks[0] for r in defaults.rules}
    assert all(r.matched == 0 for r in defaults.rules)


def test_every_default_exemption_names_a_check_that_is_in_the_catalogue() -> None:
    known = {c.id for c in all_checks()}
    listed = {r.checks[0] for r in scan([], "pod.privileged").config.defaultExemptions.rules}
    assert listed == {d.check for d in DEFAULT_EXEMPTIONS} & known
    assert {"pod.run-as-non-root", "pod.host-namespaces"} <= listed
    for d in DEFAULT_EXEMPTIONS:
        assert d.check.startswith(("pod.", "pss.")) and len(d.reason) > 40, d.check


# --- annotations on roles and bindings ---------------------------------------------------------------------

EXEMPT_ADMINS = {EXEMPT_ANNOTATION: "rbac.cluster-admin-bindings", EXEMPT_REASON_ANNOTATION: "break-glass (OPS-9)"}


def annotated(doc: dict[str, Any], notes: dict[str, str]) -> dict[str, Any]:
    doc["metadata"]["annotations"] = notes
    return doc


def test_an_annotation_on_a_role_binding_exempts_it() -> None:
    docs = [
        annotated(
            binding("RoleBinding", "breakglass", "cluster-admin", ("User", "ops"), namespace="shop"), EXEMPT_ADMINS
        ),
        binding("RoleBinding", "devs", "cluster-admin", ("Group", "devs"), namespace="shop"),
        annotated(binding("ClusterRoleBinding", "root", "cluster-admin", ("User", "root")), EXEMPT_ADMINS),
    ]
    report = scan(docs, "rbac.cluster-admin-bindings")
    exempt = of(report, "rbac.cluster-admin-bindings", Status.EXEMPT)
    assert names(exempt) == [("breakglass", None), ("root", None)]
    by_name = {f.resource.name: f.exemption for f in exempt if f.resource}
    assert by_name["breakglass"] is not None and by_name["breakglass"].reason == "break-glass (OPS-9)"
    assert by_name["breakglass"].source == f"annotation {EXEMPT_ANNOTATION} on RoleBinding shop/breakglass"
    assert names(of(report, "rbac.cluster-admin-bindings", Status.FAIL)) == [("devs", None)]
    refused = scan(docs, "rbac.cluster-admin-bindings", annotation_exemptions=False)
    assert len(of(refused, "rbac.cluster-admin-bindings", Status.FAIL)) == 3
    assert refused.config.annotationExemptions is False


def test_an_annotation_on_the_namespace_of_a_role_binding_exempts_it() -> None:
    docs = [
        namespace("shop", EXEMPT_ADMINS),
        binding("RoleBinding", "devs", "cluster-admin", ("Group", "devs"), namespace="shop"),
    ]
    (finding,) = of(scan(docs, "rbac.cluster-admin-bindings"), "rbac.cluster-admin-bindings")
    assert finding.status is Status.EXEMPT and finding.exemption is not None
    assert finding.exemption.by == "annotation on the namespace"


@pytest.fixture
def subject_check(monkeypatch: pytest.MonkeyPatch) -> str:
    """A check reporting on a subject, naming the binding that grants it as `exempt_via`."""

    def func(ctx: ScanContext) -> Iterator[Result]:
        for rb in ctx.inventory.of("RoleBinding", RoleBinding):
            subject = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "ci", "namespace": "shop"}}
            (sa,) = make_inventory([subject]).all_objects()
            yield result(sa, failed=True, message="ci can exec into pods", exempt_via=[rb])

    chk = Check("test.via", "t", Section.AUTH, Severity.HIGH, "r", "fix", {}, ("RoleBinding",), func)
    monkeypatch.setitem(REGISTRY, chk.id, chk)
    return chk.id


def test_an_annotation_on_the_granting_binding_exempts_a_subject_finding(subject_check: str) -> None:
    notes = {EXEMPT_ANNOTATION: subject_check, EXEMPT_REASON_ANNOTATION: "CI deploys here"}
    docs = [
        annotated(binding("RoleBinding", "ci-exec", "edit", ("ServiceAccount", "shop/ci"), namespace="shop"), notes)
    ]
    (finding,) = of(scan(docs, subject_check), subject_check)
    assert finding.status is Status.EXEMPT and finding.exemption is not None
    assert finding.exemption.by == "annotation on RoleBinding shop/ci-exec"
    assert finding.exemption.reason == "CI deploys here"
    (finding,) = of(scan(docs, subject_check, annotation_exemptions=False), subject_check)
    assert finding.status is Status.FAIL


# --- settings ----------------------------------------------------------------------------------------------


def test_the_registry_allow_list_reaches_checks_without_changing_the_callers_inventory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[AuditSettings] = []

    def func(ctx: ScanContext) -> Iterator[Result]:
        seen.append(ctx.inventory.settings)
        yield result(None, failed=False, message="ok")

    chk = Check("test.settings", "t", Section.POD_SECURITY, Severity.LOW, "r", "fix", {}, (), func)
    monkeypatch.setitem(REGISTRY, chk.id, chk)
    inv = make_inventory([deployment("a")])
    cfg = config("images:\n  allowedRegistries: [registry.example.com]\n")
    report = run_checks(inv, ScanOptions(checks=(chk.id,), config=cfg, now=NOW))
    assert seen == [AuditSettings(allowed_registries=("registry.example.com",))]
    assert inv.settings == AuditSettings()
    assert report.config.allowedRegistries == ["registry.example.com"]


# --- every report format lists exemptions and default exemptions ------------------------------------------


def reported() -> Report:
    cfg = config(
        EXPIRING.format(date="2026-01-31")
        + """\
  - checks: [pod.privileged]
    containers: [istio-proxy]
    reason: mesh sidecar <script>
    owner: platform
"""
    )
    web = injected_sidecar_docs()
    web[1]["spec"]["containers"][1]["securityContext"] = {"privileged": True}
    docs = [static_apiserver(), deployment("postgres", ROOT, namespace="data"), *web]
    return scan(docs, "pod.run-as-non-root", "pod.privileged", "pod.host-namespaces", facts=LIVE, config=cfg)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_every_report_format_lists_exemptions_and_default_exemptions(fmt: str) -> None:
    text = render(reported(), fmt)
    for expected in (
        "k8saudit.yaml:4",  # the expired rule
        "k8saudit.yaml:10",  # the active one
        "dba-team",
        "2026-01-31",
        "platform",
        "istio-proxy",
        "tier=control-plane",
        "RootlessControlPlane",  # the default's reason
        "kube-apiserver-cp1",  # the exempt static pod
    ):
        assert expected in text, (fmt, expected)
    if fmt != "json":  # a reason is the config author's text: escaped like any other
        assert "<script>" not in text and "&lt;script" in text
    if fmt == "json":
        document = json.loads(text)
        assert document["config"]["defaultExemptions"]["enabled"] is True
        assert {r["checks"][0] for r in document["config"]["defaultExemptions"]["rules"]} >= {"pod.run-as-non-root"}
        assert Report.model_validate(document).config == reported().config


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_reports_say_when_default_exemptions_are_off_and_list_them_anyway(fmt: str) -> None:
    report = scan([static_apiserver()], "pod.run-as-non-root", facts=LIVE, default_exemptions=False)
    text = render(report, fmt)
    assert "Default exemptions (off" in text
    assert "RootlessControlPlane" in text
    assert "Scope: every namespace" in text
    assert "Config file: none" in text


def test_markdown_names_the_expired_exemption_and_the_scope() -> None:
    cfg = config(EXPIRING.format(date="2026-01-31") + "namespaces:\n  exclude: [kube-*]\n")
    report = scan([deployment("postgres", ROOT, namespace="data"), namespace("kube-system")], config=cfg)
    text = render(report, "md")
    assert "### Expired exemptions (failing again)" in text
    assert "StatefulSet" not in text.split("### Expired exemptions (failing again)")[1].split("###")[0]
    assert "Deployment data/postgres (container app): expired on 2026-01-31; owner dba-team" in text
    assert "except kube-\\* (left out: kube-system)" in text


@pytest.mark.skipif(not registered("pss.baseline"), reason="pss.baseline is not in the catalogue yet")
def test_the_baseline_standard_is_exempt_only_for_what_the_control_plane_needs() -> None:
    probe = {"httpGet": {"host": "127.0.0.1", "path": "/livez", "port": 6443, "scheme": "HTTPS"}}
    kubeadm = static_apiserver()
    kubeadm["spec"]["containers"][0]["livenessProbe"] = probe
    report = scan([kubeadm], "pss.baseline", facts=LIVE)
    (finding,) = of(report, "pss.baseline")
    assert finding.status is Status.EXEMPT and "probe or lifecycle host" in finding.message
    assert finding.exemption is not None and finding.exemption.by == "default"
    privileged = static_apiserver()
    privileged["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    (finding,) = of(scan([privileged], "pss.baseline", facts=LIVE), "pss.baseline")
    assert finding.status is Status.FAIL and "privileged" in finding.message
