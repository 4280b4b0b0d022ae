"""RBAC bindings (NSA/CISA: Authentication and authorization).

Both checks read ClusterRoleBindings and RoleBindings and judge from whichever of the two the
source could see (see `_inputs.visibility`): a binding that was seen and is wrong is a
failure whatever else is missing, but neither check passes while a binding kind could not be
read. One finding per binding, naming the subjects it should not have.

Upstream defaults are recognised by exact (binding, subject) pairs, never by a `system:`
prefix: a ServiceAccount in kube-system bound to cluster-admin by a Helm chart is not a default.

Default cluster-admin bindings (not reported):
- ClusterRoleBinding `cluster-admin` -> Group `system:masters` (Kubernetes bootstrap policy;
  CIS 5.1.7 still advises against handing out credentials in that group);
- ClusterRoleBinding `kubeadm:cluster-admins` -> Group `kubeadm:cluster-admins` (kubeadm 1.29+,
  the group of the `admin.conf` credential).

Default anonymous bindings (not reported):
- ClusterRoleBinding `system:public-info-viewer` -> Group `system:unauthenticated` (read of
  /healthz, /livez, /readyz and /version);
- RoleBinding `kube-public/kubeadm:bootstrap-signer-clusterinfo` -> User `system:anonymous`
  (kubeadm: joining nodes read the `cluster-info` ConfigMap).
Since Kubernetes 1.14 `system:discovery` and `system:basic-user` bind `system:authenticated`
only; a cluster upgraded from an older release may still bind them to `system:unauthenticated`,
which is reported (at medium severity: they grant discovery reads and self-reviews).
A default binding is judged by name only: a widened default role is not caught here.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks._inputs import visibility
from k8saudit.findings import Section, Severity
from k8saudit.inventory import Inventory
from k8saudit.objects import ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject
from k8saudit.registry import Result, check, not_assessable, result

BINDING_KINDS = ("ClusterRoleBinding", "RoleBinding")
Binding = ClusterRoleBinding | RoleBinding

#: (binding kind, namespace, binding name) -> subjects that binding grants by default.
DEFAULT_CLUSTER_ADMIN: dict[tuple[str, str | None, str], set[tuple[str, str]]] = {
    ("ClusterRoleBinding", None, "cluster-admin"): {("Group", "system:masters")},
    ("ClusterRoleBinding", None, "kubeadm:cluster-admins"): {("Group", "kubeadm:cluster-admins")},
}
DEFAULT_ANONYMOUS: dict[tuple[str, str | None, str], set[tuple[str, str]]] = {
    ("ClusterRoleBinding", None, "system:public-info-viewer"): {("Group", "system:unauthenticated")},
    ("RoleBinding", "kube-public", "kubeadm:bootstrap-signer-clusterinfo"): {("User", "system:anonymous")},
}

ANONYMOUS_SUBJECTS = {"system:anonymous", "system:unauthenticated"}
#: Subjects that stand for everyone (or every workload): cluster-admin for them is critical.
EVERYONE = {"system:anonymous", "system:unauthenticated", "system:authenticated", "system:serviceaccounts"}
#: Resources an anonymous caller may create without learning or changing anything stored.
SELF_REVIEWS = {"selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"}


def subject_label(subject: Subject, binding: Binding) -> str:
    if subject.kind == "ServiceAccount":
        return f"ServiceAccount {subject.namespace or binding.namespace or '?'}/{subject.name}"
    return f"{subject.kind} {subject.name}"


def _bindings(inv: Inventory, kinds: tuple[str, ...]) -> list[Binding]:
    found: list[Binding] = []
    if "ClusterRoleBinding" in kinds:
        found.extend(inv.of("ClusterRoleBinding", ClusterRoleBinding))
    if "RoleBinding" in kinds:
        found.extend(inv.of("RoleBinding", RoleBinding))
    return found


def _key(binding: Binding) -> tuple[str, str | None, str]:
    return binding.kind, binding.namespace, binding.name


def _judge(results: list[Result], reason: str, complete: bool) -> Iterator[Result]:
    """Everything seen when it is enough; only the not-assessable reason when it is not.

    A failure stands whatever could not be read; passes do not, because the unread kind may
    hold exactly what the check looks for.
    """
    if complete or any(r.passed is False for r in results):
        yield from results
    else:
        yield not_assessable(reason)


@check(
    id="rbac.cluster-admin-bindings",
    title="Only the default subjects are bound to cluster-admin",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=BINDING_KINDS,
    rationale="""
cluster-admin allows every verb on every resource: whoever holds it can read every Secret,
run any pod on any node and grant themselves anything else. Beyond the bootstrap binding of
the `system:masters` group (and kubeadm's `kubeadm:cluster-admins`), each subject bound to it
is a standing super-user whose credentials are worth stealing. A RoleBinding to cluster-admin
is confined to one namespace but still owns everything in it (its Secrets and service
accounts); in kube-system that is as good as the whole cluster. Binding it to a group that
means everyone (system:authenticated, system:serviceaccounts, system:unauthenticated) is critical.
""",
    remediation="Bind a role that grants only what the subject needs (the built-in `admin`, `edit` or `view`, "
    "or a custom Role) and delete the cluster-admin binding; keep break-glass admin credentials out of daily use.",
    references={
        "cis": ["5.1.1", "5.1.7"],
        "kubescape": ["C-0035", "C-0185"],
        "polaris": ["clusterrolebindingClusterAdmin", "rolebindingClusterAdminClusterRole"],
    },
)
def cluster_admin_bindings(inv: Inventory) -> Iterator[Result]:
    vis = visibility(inv, BINDING_KINDS)
    if not vis.seen:
        yield not_assessable(vis.reason)
        return
    results: list[Result] = []
    for binding in _bindings(inv, vis.seen):
        if binding.roleRef.kind != "ClusterRole" or binding.roleRef.name != "cluster-admin":
            continue
        defaults = DEFAULT_CLUSTER_ADMIN.get(_key(binding), set())
        extra = [s for s in binding.subjects if (s.kind, s.name) not in defaults]
        labels = [subject_label(s, binding) for s in extra]
        evidence = [
            ("roleRef", "ClusterRole/cluster-admin"),
            ("subjects", [subject_label(s, binding) for s in binding.subjects]),
        ]
        if not extra:
            results.append(
                result(
                    binding, failed=False, message="Binds cluster-admin only to its default subjects", evidence=evidence
                )
            )
            continue
        everyone = sorted({s.name for s in extra if s.name in EVERYONE})
        if everyone:
            severity: Severity | None = Severity.CRITICAL
        elif isinstance(binding, RoleBinding):
            severity = Severity.HIGH if binding.namespace == "kube-system" else Severity.MEDIUM
        else:
            severity = None
        scope = "cluster-wide" if isinstance(binding, ClusterRoleBinding) else f"in namespace {binding.namespace}"
        message = f"Grants cluster-admin {scope} to {', '.join(labels)}"
        if everyone:
            message += f" ({', '.join(everyone)} means everyone of that kind)"
        results.append(result(binding, failed=True, message=message, evidence=evidence, severity=severity))
    if not results:
        results.append(result(None, failed=False, message="No binding grants cluster-admin"))
    yield from _judge(results, vis.reason, vis.complete)


def _role_rules(inv: Inventory, binding: Binding) -> list[PolicyRule] | None:
    """The rules the binding's role grants, or None when the role is not visible."""
    ref = binding.roleRef
    if ref.kind == "ClusterRole":
        for cluster_role in inv.of("ClusterRole", ClusterRole):
            if cluster_role.name == ref.name:
                if cluster_role.aggregationRule and not cluster_role.rules:
                    return None  # aggregated: its rules are filled in by the controller
                return cluster_role.rules
        return None
    if ref.kind == "Role":
        for role in inv.in_namespace("Role", binding.namespace, Role):
            if role.name == ref.name:
                return role.rules
    return None


def _grant_class(rules: list[PolicyRule]) -> str:
    """`read-info`: only reads of non-resource URLs (and self reviews); `more`: anything else."""
    for rule in rules:
        verbs = {v.lower() for v in rule.verbs}
        if rule.nonResourceURLs and not rule.resources:
            if not verbs <= {"get", "head"}:
                return "more"
            continue
        if (
            rule.resources
            and set(rule.resources) <= SELF_REVIEWS
            and verbs <= {"create"}
            and set(rule.apiGroups) <= {"authorization.k8s.io", "authentication.k8s.io"}
        ):
            continue
        if rule.resources or rule.nonResourceURLs:
            return "more"
    return "read-info"


@check(
    id="rbac.anonymous-bindings",
    title="No binding grants anything to anonymous users beyond the defaults",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=(*BINDING_KINDS, "ClusterRole", "Role"),
    rationale="""
While anonymous authentication is on (the API server default), a request without credentials
is served as user `system:anonymous` in group `system:unauthenticated`. Whatever a binding
grants them is open to anyone who can reach the API endpoint, often the internet. The only
upstream default is `system:public-info-viewer` (health endpoints and /version); kubeadm also
lets anonymous read the `cluster-info` ConfigMap in kube-public for joining nodes. Anything more
is reported: critical when the role grants any resource or write, medium when it only reads
non-resource URLs such as API discovery.
""",
    remediation="Remove `system:anonymous` and `system:unauthenticated` from the binding's subjects (or delete "
    "the binding) and give the callers credentials; turn anonymous authentication off where nothing needs it.",
    references={"cis": ["1.2.1"], "kubescape": ["C-0262"]},
)
def anonymous_bindings(inv: Inventory) -> Iterator[Result]:
    vis = visibility(inv, BINDING_KINDS)
    if not vis.seen:
        yield not_assessable(vis.reason)
        return
    results: list[Result] = []
    for binding in _bindings(inv, vis.seen):
        anonymous = [s for s in binding.subjects if s.name in ANONYMOUS_SUBJECTS]
        if not anonymous:
            continue
        defaults = DEFAULT_ANONYMOUS.get(_key(binding), set())
        extra = [s for s in anonymous if (s.kind, s.name) not in defaults]
        role = f"{binding.roleRef.kind}/{binding.roleRef.name}"
        evidence = [("roleRef", role), ("subjects", [subject_label(s, binding) for s in anonymous])]
        if not extra:
            results.append(
                result(binding, failed=False, message=f"Default anonymous binding to {role}", evidence=evidence)
            )
            continue
        who = ", ".join(subject_label(s, binding) for s in extra)
        rules = _role_rules(inv, binding)
        if rules is None:
            severity = Severity.HIGH
            grants = f"{role}, which is not visible here: review what it grants"
        elif _grant_class(rules) == "read-info":
            severity = Severity.MEDIUM
            grants = f"{role}, which only reads non-resource URLs (API discovery, health, version)"
        else:
            severity = Severity.CRITICAL
            grants = f"{role}, which grants access to resources or more than reads"
        results.append(
            result(
                binding,
                failed=True,
                message=f"Grants {who} (no credentials needed) {grants}",
                evidence=evidence,
                severity=severity,
            )
        )
    if not results:
        results.append(
            result(None, failed=False, message="No binding names system:anonymous or system:unauthenticated")
        )
    yield from _judge(results, vis.reason, vis.complete)
