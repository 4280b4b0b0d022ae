"""Polaris' own fixtures, run through k8saudit (issue 15, item 18).

Every `success*` and `failure*` fixture of every Polaris check a k8saudit check claims in
`references.polaris` is audited as a set of manifests with the claiming checks only, and k8saudit's
verdict must be Polaris' (`failure*` fails, `success*` passes), read as Polaris' own test reads it
(`test/schema_test.go`: a failure file needs one failure, a success file a pass and no failure).

Where k8saudit disagrees, `KNOWN` records the fixture, k8saudit's verdict and why: Kubernetes
semantics that Polaris does not follow (cited), a mapping that is only partial, or an item of
issue 15 that another change is fixing ("in progress elsewhere"). So a disagreement is always a
decision written down: a new one fails the tier until it is fixed or recorded, and a recorded one
that no longer holds fails it until its entry is removed.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from k8saudit.engine.run import ScanOptions, run_checks
from k8saudit.sources.files import load_manifests
from tests.conformance.upstream import POLARIS_CHECKS, PolarisFixture, Verdict, claimed, polaris_fixtures, verdict

pytestmark = pytest.mark.conformance


class Known(NamedTuple):
    """A recorded disagreement: what k8saudit says instead of Polaris, and why."""

    verdict: Verdict
    reason: str


# --- why k8saudit disagrees ---------------------------------------------------------------------

ROLE_ALONE = (
    "A Role or ClusterRole grants nothing until a binding names it: the RBAC authorizer reaches rules only "
    "through bindings (kubernetes plugin/pkg/auth/authorizer/rbac, VisitRulesFor walks ClusterRoleBindings and "
    "RoleBindings). k8saudit judges who holds exec, and this fixture holds a role and no binding at all, so "
    "rbac.pod-exec is not-assessable (the RBAC input is incomplete: the set of manifests holds no bindings) "
    "rather than a pass or a fail about nobody. Polaris judges the role's rules alone (and exempts admin, edit, "
    "cluster-admin, system:* by name)."
)
MISSING_ROLE = (
    "Kubernetes semantics: a binding whose roleRef names a role that does not exist grants nothing (the "
    "authorizer finds no rules through it), so nobody can exec through it and rbac.pod-exec's pass is true. The "
    "dormant grant (whoever later creates a role of that name hands its rules to the subjects) is "
    "rbac.missing-roles' finding, not an exec permission."
)
BINDING_NAME = (
    "Kubernetes semantics: a binding's name grants or exempts nothing; the RBAC authorizer matches subjects and "
    "rules, never binding names. User testuser holds every verb on every resource (cluster-wide, or in the "
    "namespace for a RoleBinding), which is cluster-admin's power, so rbac.cluster-admin-bindings fails it. "
    "Polaris exempts bindings named system:* or gce:podsecuritypolicy:calico-sa by name; k8saudit recognises "
    "built-in RBAC by what makes it built in (the kubernetes.io/bootstrapping=rbac-defaults label on objects "
    "granted to system identities, kubeadm's bindings by exact name), and a grant to a user is none of that."
)
BUILT_IN_BY_NAME = (
    "A binding named like a built-in one that binds User testuser is not the built-in: upstream binds "
    "cluster-admin to Group system:masters and system:controller:generic-garbage-collector to that controller's "
    "ServiceAccount (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), and the API server's reconciliation at "
    "start (pkg/registry/rbac/rest/storage_rbac.go) adds missing subjects and rules but keeps extra ones. "
    "testuser keeps the role's pods/exec (pods/attach), so rbac.pod-exec fails it; Polaris exempts the name."
)
BINDING_NAME_EXEC = (
    "Kubernetes semantics: a binding's name grants or exempts nothing; the RBAC authorizer matches subjects and "
    "rules, never binding names. User testuser holds every verb on every resource through it, exec into pods "
    "included, so rbac.pod-exec fails it (marked coveredBy rbac.cluster-admin-bindings, which scores the "
    "binding once). Polaris exempts bindings named system:* or gce:podsecuritypolicy:calico-sa by name."
)
ROLE_CHECK_SCOPE = (
    "Partial mapping: Polaris' rolebindingRolePodExecAttach looks only at RoleBindings to Roles, so a RoleBinding "
    "to a ClusterRole passes it (another Polaris check covers that pair). k8saudit's rbac.pod-exec asks who can "
    "exec whatever the binding's shape: example-user holds every verb in my-namespace, exec included, so it "
    "fails (in a team's namespace, at the severity the README's RBAC judgement rules give)."
)
PULL_ALWAYS_BY_DEFAULT = (
    "Kubernetes semantics: an unset imagePullPolicy on an untagged or :latest image is defaulted to Always by "
    "the API server (pkg/apis/core/v1/defaults.go, SetDefaults_Container), so the image is pulled on every start "
    "and image.pull-policy passes. Polaris reads the unset field as not Always."
)
DENY_ALL_IS_ISOLATION = (
    "Kubernetes semantics: a NetworkPolicy whose policyTypes include a direction and that has no rule for it "
    "allows no traffic that way (networking/v1 NetworkPolicySpec: an empty egress list 'limits all outgoing "
    "traffic', an empty ingress list 'does not allow any traffic'). The pod is isolated both ways, which is what "
    "net.workloads-without-policy asks; Polaris requires one rule of each kind, so it fails a deny-all."
)
DROP_ALL_ONLY = (
    "Kubernetes semantics: only drop: [ALL] removes every capability whatever the runtime grants, and the "
    "restricted Pod Security Standard requires it literally (pod-security-admission policy/"
    "check_capabilities_restricted.go), so this pod is refused in a restricted namespace. The fixture drops the "
    "capabilities containerd grants by default plus NET_ADMIN; a runtime configured with more (CRI-O's "
    "default_capabilities, containerd's base spec) keeps the rest. pod.capabilities fails it; Polaris' "
    "insecureCapabilities accepts the list."
)
DANGEROUS_CAPABILITIES_ONLY = (
    "Partial mapping: pod.capabilities covers Polaris' dangerousCapabilities (nothing dangerous added) and "
    "insecureCapabilities (ALL dropped) together. This container adds nothing (`add:` is null, read as absent) "
    "but drops nothing either, so it runs with the runtime's default capabilities (NET_RAW, SETUID, "
    "DAC_OVERRIDE ...), which the restricted Pod Security Standard forbids: pod.capabilities fails where "
    "dangerousCapabilities alone passes."
)
ANY_ONE_HARDENING = (
    "Partial mapping: Polaris' linuxHardening passes when any one of AppArmor, seccomp, SELinux or dropping ALL "
    "capabilities is set; k8saudit judges each mechanism on its own (pod.apparmor, pod.seccomp, pod.selinux; "
    "capabilities in pod.capabilities). This pod sets no seccomp profile, so its containers run Unconfined for "
    "seccomp unless the kubelet's seccompDefault is on (KEP-2413; seen with --kubelet-config), and the restricted "
    "Pod Security Standard refuses it: pod.seccomp fails whatever else is hardened."
)
SEVEN_VERBS = (
    "A decision, not a gap: rbac.cluster-admin-bindings means exactly cluster-admin's power, every verb on every "
    "resource: `*` or all eight request verbs the API server authorises (get, list, watch, create, update, "
    "patch, delete, deletecollection; issue 15 item 10). This rule lists seven (no deletecollection, and no "
    "bind, escalate or impersonate), so it is not cluster-admin, and k8saudit does not call it that. It is not "
    "passed over either: the same scan fails it in rbac.wildcard-rules and in every permission check it grants "
    "(secrets-read, create-pods, pod-exec, token-create, escalation, node-proxy, csr-approval, webhook-config), "
    "each high; Polaris reports the seven verbs as cluster-admin."
)

#: fixture -> k8saudit's verdict where it is not Polaris', and why. Every fixture not here agrees.
KNOWN: dict[str, Known] = {
    "clusterrolebindingPodExecAttach/success.gce_calico_binding.yaml": Known("fail", BINDING_NAME_EXEC),
    "clusterrolebindingPodExecAttach/success.system_prefix_binding.yaml": Known("fail", BINDING_NAME_EXEC),
    "rolebindingClusterRolePodExecAttach/success.gce_calico_binding.yaml": Known("fail", BINDING_NAME_EXEC),
    "rolebindingClusterRolePodExecAttach/success.system_prefix_binding.yaml": Known("fail", BINDING_NAME_EXEC),
    "rolebindingRolePodExecAttach/success.gce_calico_binding.yaml": Known("fail", BINDING_NAME_EXEC),
    "rolebindingRolePodExecAttach/success.system_prefix_binding.yaml": Known("fail", BINDING_NAME_EXEC),
    "rolebindingRolePodExecAttach/success.role_binding_cluster_role_binding.yaml": Known("fail", ROLE_CHECK_SCOPE),
    "clusterrolePodExecAttach/failure.all_wildcards.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/failure.attach_explicit.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/failure.attach_using_verb_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/failure.create_attach_and_exec_using_resource_wildcard.yaml": Known(
        "not-assessable", ROLE_ALONE
    ),
    "clusterrolePodExecAttach/failure.create_attach_using_apigroup_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/failure.create_exec_using_apigroup_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/failure.exec_explicit.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/failure.exec_verb_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/failure.get_attach_and_exec_using_resource_wildcard.yaml": Known(
        "not-assessable", ROLE_ALONE
    ),
    "clusterrolePodExecAttach/failure.get_attach_using_apigroup_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/failure.get_exec_using_apigroup_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/success.allow_unrelated_perms.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/success.attach_wrong_verb.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/success.defaultclusterrole_admin.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/success.defaultclusterrole_clusteradmin.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/success.exec_wrong_verb.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/success.gce_calico_clusterrole.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolePodExecAttach/success.system_prefix.yaml": Known("not-assessable", ROLE_ALONE),
    "clusterrolebindingClusterAdmin/failure.all_verbs.yaml": Known("pass", SEVEN_VERBS),
    "clusterrolebindingClusterAdmin/failure.all_verbs_different_order.yaml": Known("pass", SEVEN_VERBS),
    "clusterrolebindingClusterAdmin/success.gce_calico_binding.yaml": Known("fail", BINDING_NAME),
    "clusterrolebindingClusterAdmin/success.system_prefix_binding.yaml": Known("fail", BINDING_NAME),
    "clusterrolebindingPodExecAttach/failure.binding_points_to_missing_ref.yaml": Known("pass", MISSING_ROLE),
    "clusterrolebindingPodExecAttach/success.defaultclusterrolebinding_clusteradmin.yaml": Known(
        "fail", BUILT_IN_BY_NAME
    ),
    "clusterrolebindingPodExecAttach/success.defaultclusterrolebinding_system-controller-generic-garbage-collector.yaml": Known(  # noqa: E501
        "fail", BUILT_IN_BY_NAME
    ),
    "dangerousCapabilities/success.yaml": Known("fail", DANGEROUS_CAPABILITIES_ONLY),
    "insecureCapabilities/success.case.yaml": Known("fail", DROP_ALL_ONLY),
    "insecureCapabilities/success.pod.yaml": Known("fail", DROP_ALL_ONLY),
    "insecureCapabilities/success.yaml": Known("fail", DROP_ALL_ONLY),
    "linuxHardening/success.apparmor_2_containers.yaml": Known("fail", ANY_ONE_HARDENING),
    "linuxHardening/success.drop_capabilities.yaml": Known("fail", ANY_ONE_HARDENING),
    "linuxHardening/success.selinux_container.yaml": Known("fail", ANY_ONE_HARDENING),
    "linuxHardening/success.selinux_pod.yaml": Known("fail", ANY_ONE_HARDENING),
    "missingNetworkPolicy/failure.netpol_missing_egress_rules.yaml": Known("pass", DENY_ALL_IS_ISOLATION),
    "missingNetworkPolicy/failure.netpol_missing_ingress_rules.yaml": Known("pass", DENY_ALL_IS_ISOLATION),
    "pullPolicyNotAlways/failure.cron-job.yaml": Known("pass", PULL_ALWAYS_BY_DEFAULT),
    "pullPolicyNotAlways/failure.yaml": Known("pass", PULL_ALWAYS_BY_DEFAULT),
    "rolePodExecAttach/failure.all_wildcards.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/failure.attach_explicit.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/failure.attach_using_verb_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/failure.create_attach_and_exec_using_resource_wildcard.yaml": Known(
        "not-assessable", ROLE_ALONE
    ),
    "rolePodExecAttach/failure.create_attach_using_apigroup_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/failure.create_exec_using_apigroup_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/failure.exec_explicit.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/failure.exec_verb_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/failure.get_attach_and_exec_using_resource_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/failure.get_attach_using_apigroup_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/failure.get_exec_using_apigroup_wildcard.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/success.allow_unrelated_perms.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/success.attach_wrong_verb.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/success.exec_wrong_verb.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/success.gce_calico_binding.yaml": Known("not-assessable", ROLE_ALONE),
    "rolePodExecAttach/success.system_prefix_binding.yaml": Known("not-assessable", ROLE_ALONE),
    "rolebindingClusterAdminClusterRole/failure.all_verbs.yaml": Known("pass", SEVEN_VERBS),
    "rolebindingClusterAdminClusterRole/failure.all_verbs_different_order.yaml": Known("pass", SEVEN_VERBS),
    "rolebindingClusterAdminClusterRole/success.gce_calico_binding.yaml": Known("fail", BINDING_NAME),
    "rolebindingClusterAdminClusterRole/success.system_prefix_binding.yaml": Known("fail", BINDING_NAME),
    "rolebindingClusterAdminRole/failure.all_verbs.yaml": Known("pass", SEVEN_VERBS),
    "rolebindingClusterAdminRole/failure.all_verbs_different_order.yaml": Known("pass", SEVEN_VERBS),
    "rolebindingClusterAdminRole/success.gce_calico_binding.yaml": Known("fail", BINDING_NAME),
    "rolebindingClusterAdminRole/success.system_prefix_binding.yaml": Known("fail", BINDING_NAME),
    "rolebindingClusterRolePodExecAttach/failure.binding_points_to_missing_ref.yaml": Known("pass", MISSING_ROLE),
    "rolebindingRolePodExecAttach/failure.binding_points_to_missing_ref.yaml": Known("pass", MISSING_ROLE),
}

#: A Polaris check k8saudit splits over several checks: how the verdicts combine, and why.
SPLIT: dict[str, str] = {
    "linuxHardening": (
        "Polaris passes a pod with any one of AppArmor, seccomp, SELinux or ALL capabilities dropped; k8saudit "
        "has a check per mechanism (pod.apparmor fails Unconfined, pod.seccomp fails no RuntimeDefault/Localhost "
        "profile, pod.selinux fails a custom user, role or type), so the fixture fails when any of them fails. "
        "Where that differs, ANY_ONE_HARDENING explains the fixture."
    ),
}


def audit(fixture: PolarisFixture) -> Verdict:
    ids = claimed()[fixture.check]
    return verdict(run_checks(load_manifests([fixture.path]), ScanOptions(checks=ids)), ids)


FIXTURES = polaris_fixtures()


def test_every_claimed_polaris_check_has_fixtures_of_both_kinds() -> None:
    for check in claimed():
        names = [p.name for p in (POLARIS_CHECKS / check).glob("*.yaml")]
        assert any(n.startswith("success") for n in names), f"{check}: no success fixture copied"
        assert any(n.startswith("failure") for n in names), f"{check}: no failure fixture copied"
    assert len(FIXTURES) == 236


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.key for f in FIXTURES])
def test_polaris_fixture(fixture: PolarisFixture) -> None:
    got = audit(fixture)
    known = KNOWN.get(fixture.key)
    if known is None:
        assert got == fixture.polaris, (
            f"k8saudit says {got}, Polaris {fixture.polaris}: fix k8saudit, or record the disagreement in KNOWN "
            "with the Kubernetes semantics that justify it"
        )
    elif got == fixture.polaris:
        pytest.fail(f"k8saudit now agrees with Polaris ({got}): remove {fixture.key} from KNOWN ({known.reason})")
    else:
        assert got == known.verdict, f"k8saudit's verdict changed from the recorded {known.verdict} to {got}"


def test_every_recorded_disagreement_is_a_disagreement_with_a_reason() -> None:
    by_key = {f.key: f for f in FIXTURES}
    assert set(KNOWN) <= set(by_key), f"not fixtures: {sorted(set(KNOWN) - set(by_key))}"
    for key, known in KNOWN.items():
        assert known.verdict != by_key[key].polaris, f"{key}: recorded as agreeing"
        assert len(known.reason) > 80, f"{key}: say why"


def test_a_polaris_check_split_over_several_k8saudit_checks_says_how() -> None:
    split = {check for check, ids in claimed().items() if len(ids) > 1}
    assert split == set(SPLIT)
