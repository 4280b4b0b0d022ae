"""The who-holds-a-risky-permission checks (k8saudit/checks/rbac/permissions.py): pass, fail and
not-assessable for each, and the decisions they share (what reaches the cluster, defaults,
full wildcards reported once, built-in roles for manifests, aggregation)."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import pytest

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.model.facts import Availability, ClusterFactsSpec
from k8saudit.model.findings import Severity, Status
from k8saudit.model.scoring import check_fraction, weighted_score
from k8saudit.output.render import render
from tests.conftest import make_inventory
from tests.unit.support.helpers import binding, cluster_role, failing, run, summary

CRB, RB = "ClusterRoleBinding", "RoleBinding"
RBAC = "rbac.authorization.k8s.io"
DEFAULTS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
DEFAULT_ADMIN = {
    **binding(CRB, "cluster-admin", "cluster-admin", ("Group", "system:masters")),
    "metadata": {"name": "cluster-admin", "labels": DEFAULTS},
}


def rule(verbs: list[str], groups: list[str], resources: list[str], names: list[str] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        doc["resourceNames"] = names
    return doc


def labelled(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "metadata": {**doc["metadata"], "labels": dict(DEFAULTS)}}


class Case(NamedTuple):
    check: str
    rule: dict[str, Any]
    namespaced: bool  # whether a RoleBinding can grant it at all (False: cluster-scoped resource)
    granted: str  # how the finding names the permission


CASES = [
    Case("rbac.secrets-read", rule(["get", "list"], [""], ["secrets"]), True, "list secrets"),
    Case("rbac.create-pods", rule(["create"], [""], ["pods"]), True, "create pods"),
    Case("rbac.pod-exec", rule(["create"], [""], ["pods/exec"]), True, "create pods/exec"),
    Case("rbac.escalation", rule(["bind"], [RBAC], ["clusterroles"]), True, "bind clusterroles"),
    Case("rbac.impersonation", rule(["impersonate"], [""], ["serviceaccounts"]), True, "impersonate serviceaccounts"),
    Case("rbac.token-create", rule(["create"], [""], ["serviceaccounts/token"]), True, "create serviceaccounts/token"),
    Case("rbac.node-proxy", rule(["get"], [""], ["nodes/proxy"]), False, "get nodes/proxy"),
    Case(
        "rbac.csr-approval",
        rule(["update"], ["certificates.k8s.io"], ["certificatesigningrequests/approval"]),
        False,
        "update certificatesigningrequests/approval",
    ),
    Case(
        "rbac.webhook-config",
        rule(["patch"], ["admissionregistration.k8s.io"], ["validatingwebhookconfigurations"]),
        False,
        "patch validatingwebhookconfigurations",
    ),
    Case(
        "rbac.create-persistent-volumes",
        rule(["create"], [""], ["persistentvolumes"]),
        False,
        "create persistentvolumes",
    ),
]
IDS = [c.check for c in CASES]


def role_doc(case: Case, name: str = "risky") -> dict[str, Any]:
    return cluster_role(name, case.rule)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cluster_wide_grant_fails_naming_subject_binding_and_rule(case: Case) -> None:
    report = run(
        [role_doc(case), binding(CRB, "eng-risky", "risky", ("Group", "eng"), ("ServiceAccount", "ci/bot"))],
        case.check,
    )
    assert summary(report).status is Status.FAIL
    finding = failing(report)["eng-risky"]
    assert finding.resource is not None and finding.resource.kind == CRB  # the binding is what a person fixes
    assert finding.message.startswith("Lets Group eng, ServiceAccount ci/bot ")
    assert "cluster-wide" in finding.message and case.granted in finding.message
    evidence = {e.path: e.value for e in finding.evidence}
    assert evidence["subjects"] == ["Group eng", "ServiceAccount ci/bot"]
    assert evidence["roleRef"] == "ClusterRole/risky"
    assert case.granted in evidence["ClusterRole/risky rules[0]"]
    assert finding.severity is Severity(summary(report).severity)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_teams_namespace_fails_low_and_kube_system_at_the_checks_severity(case: Case) -> None:
    """Issue 15 item 8: a RoleBinding in a team's namespace used to pass. A check passes only when
    no subject beyond the defaults holds the permission anywhere: a custom role there is low
    (medium for exec), a RoleBinding never grants a cluster-scoped resource at all."""
    team = binding(RB, "team-risky", "risky", ("Group", "team-a"), namespace="team-a")
    report = run([role_doc(case), team], case.check)
    if case.namespaced:
        got = failing(report)["team-risky"]
        assert summary(report).status is Status.FAIL and got.scored
        assert got.severity is (Severity.MEDIUM if case.check == "rbac.pod-exec" else Severity.LOW)
        assert "in namespace team-a (" in got.message and case.granted in got.message
    else:  # a RoleBinding never allows a request without a namespace
        assert summary(report).status is Status.PASS and failing(report) == {}
    system = binding(RB, "sys-risky", "risky", ("User", "bob"), namespace="kube-system")
    report = run([role_doc(case), system], case.check)
    if case.namespaced:
        message = failing(report)["sys-risky"].message
        assert "in namespace kube-system (" in message and case.granted in message
    else:  # a RoleBinding never allows a request without a namespace
        assert summary(report).status is Status.PASS


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_everyone_is_critical(case: Case) -> None:
    everyone = binding(CRB, "oops", "risky", ("Group", "system:authenticated"))
    got = failing(run([role_doc(case), everyone], case.check))
    assert got["oops"].severity is Severity.CRITICAL
    if case.namespaced:
        anon = binding(RB, "oops", "risky", ("Group", "system:serviceaccounts"), namespace="team-a")
        assert failing(run([role_doc(case), anon], case.check))["oops"].severity is Severity.CRITICAL


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_built_in_grants_to_system_identities_pass(case: Case) -> None:
    role = labelled(role_doc(case, "system:controller:thing"))
    controller = labelled(
        binding(
            CRB,
            "system:controller:thing",
            "system:controller:thing",
            ("ServiceAccount", "kube-system/thing-controller"),
            ("User", "system:kube-controller-manager"),
        )
    )
    report = run([role, controller], case.check)
    assert summary(report).status is Status.PASS and summary(report).passed == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_without_bindings_not_assessable_and_forbidden_kinds_block_only_passes(case: Case) -> None:
    assert summary(run([role_doc(case)], case.check)).status is Status.NOT_ASSESSABLE
    facts = ClusterFactsSpec(
        source="live",
        kinds={
            CRB: Availability(status="ok", count=1),
            "ClusterRole": Availability(status="ok", count=1),
            "Role": Availability(status="ok"),
            RB: Availability(status="forbidden", reason="RoleBinding: list forbidden"),
        },
    )
    clean = run([role_doc(case), binding(CRB, "view", "view", ("Group", "eng"))], case.check, facts)
    assert summary(clean).status is Status.NOT_ASSESSABLE
    assert summary(clean).reason == "RoleBinding: list forbidden"
    bad = run([role_doc(case), binding(CRB, "eng-risky", "risky", ("Group", "eng"))], case.check, facts)
    assert summary(bad).status is Status.FAIL


def test_nothing_risky_bound_passes_at_cluster_level() -> None:
    docs = [cluster_role("reader", rule(["get"], [""], ["pods"])), binding(CRB, "r", "reader", ("Group", "eng"))]
    report = run(docs, "rbac.secrets-read")
    assert summary(report).status is Status.PASS and summary(report).passed == 1
    assert report.findings == []


def test_cluster_admin_holders_fail_every_permission_check_but_are_scored_once() -> None:
    """Issue 15 item 9: a `*`/`*`/`*` grant was skipped by every permission check, so rbac.pod-exec
    said "No binding lets anyone exec" while the access review listed a user who could. Each check
    fails it now, marked as covered by rbac.cluster-admin-bindings, which alone scores the binding:
    the covered failures count as failures (status, findings) but not in the score."""
    docs = [DEFAULT_ADMIN, binding(CRB, "dev-admin", "cluster-admin", ("User", "dev"))]  # built-in role
    report = run_checks(make_inventory(docs), ScanOptions(checks=(*IDS, "rbac.cluster-admin-bindings")))
    summaries = {s.id: s for s in report.checks}
    findings = {f.check: f for f in report.findings if f.status is Status.FAIL}
    for check in IDS:
        assert summaries[check].status is Status.FAIL, check
        assert (summaries[check].failed, summaries[check].unscored) == (1, 1), check
        finding = findings[check]
        assert finding.resource is not None and finding.resource.name == "dev-admin"
        assert (finding.coveredBy, finding.scored) == ("rbac.cluster-admin-bindings", False), check
        assert "scored once, by rbac.cluster-admin-bindings" in finding.message, check
        # Neither binding is scored here: the default one is no pass either (cluster-admin-bindings scores both).
        assert (summaries[check].passed, check_fraction(summaries[check])) == (0, None), check
    admin = summaries["rbac.cluster-admin-bindings"]
    assert (admin.failed, admin.unscored) == (1, 0) and findings["rbac.cluster-admin-bindings"].scored
    assert report.score == weighted_score([admin])
    data = json.loads(render(report, "json"))
    by_check = {f["check"]: f for f in data["findings"]}
    assert by_check["rbac.pod-exec"]["coveredBy"] == "rbac.cluster-admin-bindings"
    assert by_check["rbac.pod-exec"]["scored"] is False
    assert next(c for c in data["checks"] if c["id"] == "rbac.pod-exec")["unscored"] == 1
    # The new fields are left out where they hold nothing: other reports keep their bytes.
    assert "coveredBy" not in by_check["rbac.cluster-admin-bindings"]
    assert "scored" not in by_check["rbac.cluster-admin-bindings"]
    assert "unscored" not in next(c for c in data["checks"] if c["id"] == "rbac.cluster-admin-bindings")


def test_a_specific_rule_next_to_everything_is_covered_too_but_not_without_it() -> None:
    both = cluster_role("both", rule(["*"], ["*"], ["*"]), rule(["list"], [""], ["secrets"]))
    finding = failing(run([both, binding(CRB, "b", "both", ("User", "u"))], "rbac.secrets-read"))["b"]
    assert finding.coveredBy == "rbac.cluster-admin-bindings"  # the binding fails cluster-admin anyway
    plain = cluster_role("plain", rule(["list"], [""], ["secrets"]))
    finding = failing(run([plain, binding(CRB, "p", "plain", ("User", "u"))], "rbac.secrets-read"))["p"]
    assert (finding.coveredBy, finding.scored) == (None, True)


def test_built_in_roles_fill_in_for_manifests() -> None:
    """`edit` is not in the manifests: its built-in (aggregated) definition is used, and says so."""
    docs = [binding(CRB, "eng-edit", "edit", ("Group", "eng"))]
    finding = failing(run(docs, "rbac.secrets-read"))["eng-edit"]
    paths = [e.path for e in finding.evidence]
    assert any("aggregated into ClusterRole/edit" in p and "built-in definition" in p for p in paths), paths
    assert failing(run(docs, "rbac.pod-exec"))["eng-edit"].severity is Severity.HIGH


def test_a_live_cluster_without_the_role_grants_nothing() -> None:
    facts = ClusterFactsSpec(
        source="live",
        kinds={k: Availability(status="ok") for k in (CRB, RB, "ClusterRole", "Role")},
    )
    report = run([binding(CRB, "eng-edit", "edit", ("Group", "eng"))], "rbac.secrets-read", facts)
    assert summary(report).status is Status.PASS  # rbac.missing-roles reports the dangling reference


def test_aggregated_rules_are_followed_to_their_source() -> None:
    monitoring = {
        **cluster_role("monitoring"),
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"example.com/aggregate-to-monitoring": "true"}}]},
    }
    part = cluster_role("monitoring-secrets", rule(["list"], [""], ["secrets"]))
    part["metadata"]["labels"] = {"example.com/aggregate-to-monitoring": "true"}
    docs = [monitoring, part, binding(CRB, "prom", "monitoring", ("ServiceAccount", "mon/prometheus"))]
    finding = failing(run(docs, "rbac.secrets-read"))["prom"]
    evidence = {e.path: e.value for e in finding.evidence}
    assert evidence["ClusterRole/monitoring-secrets rules[0] (aggregated into ClusterRole/monitoring)"] == [
        "list secrets"
    ]


def test_port_forward_alone_is_medium_and_named_grants_say_so() -> None:
    forward = cluster_role("forward", rule(["create"], [""], ["pods/portforward"]))
    got = failing(run([forward, binding(CRB, "fw", "forward", ("Group", "dev"))], "rbac.pod-exec"))
    assert got["fw"].severity is Severity.MEDIUM
    one_pod = cluster_role("one", rule(["create"], [""], ["pods/exec", "pods/portforward"], ["web-0"]))
    got = failing(run([one_pod, binding(CRB, "one", "one", ("Group", "dev"))], "rbac.pod-exec"))
    assert got["one"].severity is Severity.HIGH
    assert "create pods/exec (only: web-0)" in got["one"].message


def test_subject_added_to_a_default_binding_is_reported() -> None:
    role = labelled(cluster_role("system:controller:thing", rule(["list"], [""], ["secrets"])))
    widened = labelled(
        binding(CRB, "system:controller:thing", "system:controller:thing", ("ServiceAccount", "kube-system/thing"))
    )
    widened["subjects"].append({"kind": "User", "name": "alice", "apiGroup": RBAC})
    got = failing(run([role, widened], "rbac.secrets-read"))
    assert got["system:controller:thing"].message.startswith("Lets User alice read Secrets")
    assert "kube-system/thing" not in got["system:controller:thing"].message


def test_the_label_is_not_trusted_alone() -> None:
    """A labelled binding to an unlabelled role, or a system:-named binding without the label, is a user's."""
    plain_role = cluster_role("custom", rule(["list"], [""], ["secrets"]))
    forged = labelled(binding(CRB, "looks-default", "custom", ("User", "system:kube-scheduler")))
    assert set(failing(run([plain_role, forged], "rbac.secrets-read"))) == {"looks-default"}
    role = labelled(cluster_role("system:thing", rule(["list"], [""], ["secrets"])))
    unlabelled = binding(CRB, "system:thing", "system:thing", ("User", "system:kube-scheduler"))
    assert set(failing(run([role, unlabelled], "rbac.secrets-read"))) == {"system:thing"}


def test_everyone_groups_in_a_default_binding_are_defaults_only_in_the_upstream_pairs() -> None:
    role = labelled(cluster_role("system:thing", rule(["list"], [""], ["secrets"])))
    crb = labelled(binding(CRB, "system:thing", "system:thing", ("Group", "system:authenticated")))
    got = failing(run([role, crb], "rbac.secrets-read"))
    assert got["system:thing"].severity is Severity.CRITICAL


def test_an_annotation_on_the_binding_or_on_a_shipped_role_exempts_but_not_on_a_built_in_role() -> None:
    exempt = {"k8saudit.io/exempt": "rbac.secrets-read", "k8saudit.io/exempt-reason": "ingress needs TLS secrets"}
    role = cluster_role("ingress", rule(["list", "watch"], [""], ["secrets"]))
    role["metadata"]["annotations"] = exempt
    report = run(
        [role, binding(CRB, "ingress", "ingress", ("ServiceAccount", "ingress/controller"))], "rbac.secrets-read"
    )
    (finding,) = report.findings
    assert finding.status is Status.EXEMPT and finding.exemption is not None
    assert finding.exemption.by == "annotation on ClusterRole ingress"
    assert finding.exemption.reason == "ingress needs TLS secrets"
    on_binding = binding(CRB, "eng-edit", "edit", ("Group", "eng"))
    on_binding["metadata"]["annotations"] = exempt
    assert [f.status for f in run([on_binding], "rbac.secrets-read").findings] == [Status.EXEMPT]
    builtin = labelled(cluster_role("system:thing", rule(["list"], [""], ["secrets"])))
    builtin["metadata"]["annotations"] = exempt
    report = run([builtin, binding(CRB, "eng", "system:thing", ("Group", "eng"))], "rbac.secrets-read")
    assert [f.status for f in report.findings] == [Status.FAIL]
