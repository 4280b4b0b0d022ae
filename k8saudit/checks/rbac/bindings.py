"""RBAC bindings (NSA/CISA: Authentication and authorization; CIS 5.1.1, 5.1.3, 5.1.5).

Every check here judges bindings by the permissions they really grant: the access model
(`k8saudit.semantics.access` on `k8saudit.semantics.rbac`) resolves each binding's role, aggregated ClusterRoles
included, and fills in the built-in ClusterRoles a set of manifests binds without shipping.
One finding per binding (what a person fixes; see `checks/rbac/_grants.py`), naming the subjects it
should not have, with the binding -> role -> rule path as evidence.

Defaults are never findings: `Group system:masters` (allowed everything before RBAC is asked),
subjects that the upstream bootstrap policy binds (label `kubernetes.io/bootstrapping=rbac-defaults`
on binding and role, system identities only, everyone-groups only in the exact upstream pairs)
and kubeadm's own bindings by exact name and subject (`k8saudit.semantics.access` lists them). A subject
added to a default binding is reported like any other.

The anonymous defaults are judged by name *and* by what their role grants, so a widened default
role is caught: `system:public-info-viewer` -> Group `system:unauthenticated` may read non-resource
URLs (health, version) only; kubeadm's RoleBinding `kube-public/kubeadm:bootstrap-signer-clusterinfo`
-> User `system:anonymous` may `get` the `cluster-info` ConfigMap only. Since Kubernetes 1.14
`system:discovery` and `system:basic-user` bind `system:authenticated` only; a cluster upgraded
from an older release may still bind them to `system:unauthenticated`, which is reported (at
medium severity: discovery reads and self-reviews).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.rbac._grants import (
    Binding,
    grant_failure,
    judge,
    labels,
    ordered_subjects,
    role_label,
    scope_of,
    seen,
)
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model import objects as o
from k8saudit.model.findings import Section, Severity
from k8saudit.semantics import rbac
from k8saudit.semantics.access import (
    BINDING_KINDS,
    RBAC_KINDS,
    SYSTEM_NAMESPACE,
    AccessModel,
    is_everyone,
    permission_label,
)

#: Resources an anonymous caller may create without learning or changing anything stored.
SELF_REVIEWS = {"selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"}
ANONYMOUS_SUBJECTS = {("User", rbac.ANONYMOUS), ("Group", rbac.UNAUTHENTICATED)}


def _grant_class(rules: list[o.PolicyRule]) -> str:
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


def _only_reads_info(rules: list[o.PolicyRule]) -> bool:
    return _grant_class(rules) == "read-info"


def _only_reads_cluster_info(rules: list[o.PolicyRule]) -> bool:
    return all(
        not r.nonResourceURLs
        and set(r.verbs) <= {"get"}
        and r.apiGroups == [""]
        and r.resources == ["configmaps"]
        and r.resourceNames == ["cluster-info"]
        for r in rules
    )


#: (binding kind, namespace, name) -> (the subject it grants by default, what the role may grant).
DEFAULT_ANONYMOUS: dict[tuple[str, str | None, str], tuple[tuple[str, str], Callable[[list[o.PolicyRule]], bool]]] = {
    ("ClusterRoleBinding", None, "system:public-info-viewer"): (("Group", rbac.UNAUTHENTICATED), _only_reads_info),
    ("RoleBinding", "kube-public", "kubeadm:bootstrap-signer-clusterinfo"): (
        ("User", rbac.ANONYMOUS),
        _only_reads_cluster_info,
    ),
}


def _everything_text(model: AccessModel, binding: Binding, path: rbac.GrantPath) -> str:
    """How the rule behind `path` grants everything: `*` verbs, or every standard verb spelled out."""
    rule = next(
        (
            er.rule
            for er in model.rules_of(binding) or ()
            if (er.index, er.source) == (path.rule_index, path.rule_source)
        ),
        None,
    )
    if rule is None or "*" in rule.verbs:
        return "* verbs on * resources in * API groups"
    verbs = ", ".join(v for v in _STANDARD_ORDER if v in rule.verbs)
    return f"every standard verb ({verbs}) on * resources in * API groups"


#: `rbac.STANDARD_VERBS` in the order kubectl prints them.
_STANDARD_ORDER = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")


def _key(binding: Binding) -> tuple[str, str | None, str]:
    return binding.kind, binding.namespace if isinstance(binding, o.RoleBinding) else None, binding.name


@check(
    id="rbac.cluster-admin-bindings",
    title="Only the default subjects hold cluster-admin (every verb on every resource)",
    problem="cluster-admin held beyond the default subjects",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
cluster-admin allows every verb on every resource: whoever holds it can read every Secret,
run any pod on any node and grant themselves anything else. So does any role with a rule of
`*` verbs on `*` resources in `*` API groups, whatever its name. Beyond the bootstrap binding of
the `system:masters` group (and kubeadm's `kubeadm:cluster-admins`), each subject holding it
is a standing super-user whose credentials are worth stealing. A RoleBinding to it is confined
to one namespace but still owns everything in it (its Secrets and service accounts); in
kube-system that is as good as the whole cluster. Holding it through a group that means
everyone (system:authenticated, system:serviceaccounts, system:unauthenticated) is critical.
""",
    remediation="Bind a role that grants only what the subject needs (the built-in `admin`, `edit` or `view`, "
    "or a custom Role) and delete the cluster-admin binding; keep break-glass admin credentials out of daily use.",
    references={
        "cis": ["5.1.1", "5.1.7"],
        "kubescape": ["C-0035", "C-0185"],
        "polaris": [
            "clusterrolebindingClusterAdmin",
            "rolebindingClusterAdminClusterRole",
            "rolebindingClusterAdminRole",
        ],
    },
)
def cluster_admin_bindings(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    vis = seen(inv)
    if vis.reason is not None:
        yield not_assessable(vis.reason)
        return
    model = ctx.access
    holders: dict[tuple[str, str | None, str], list[rbac.Grant]] = {}
    for _, grant in model.grants(("all",)):
        path = grant.path
        holders.setdefault((path.binding_kind, path.binding_namespace, path.binding_name), []).append(grant)
    results: list[Result] = []
    for binding, _ in model.bindings():
        grants = holders.get(_key(binding))
        if not grants:
            continue
        holding = {g.subject for g in grants}
        extra = [s for s in ordered_subjects(binding) if s in holding and not model.is_default(binding, s)]
        role = role_label(binding)
        path = grants[0].path
        evidence: list[tuple[str, object]] = [
            ("roleRef", role),
            ("subjects", labels(ordered_subjects(binding))),
            (model.rule_label(binding, path.rule_index, path.rule_source), _everything_text(model, binding, path)),
        ]
        if not extra:
            results.append(
                result(
                    binding,
                    failed=False,
                    message="Grants cluster-admin only to its default subjects",
                    evidence=evidence,
                )
            )
            continue
        everyone = [s.name for s in extra if is_everyone(s)]
        severity: Severity | None
        if everyone:
            severity = Severity.CRITICAL
        elif isinstance(binding, o.RoleBinding):
            severity = Severity.HIGH if binding.namespace == SYSTEM_NAMESPACE else Severity.MEDIUM
        else:
            severity = None
        what = (
            "cluster-admin"
            if binding.roleRef.kind == "ClusterRole" and binding.roleRef.name == "cluster-admin"
            else f"every verb on every resource ({binding.roleRef.kind} {binding.roleRef.name})"
        )
        message = f"Grants {what} {scope_of(binding)} to {', '.join(labels(extra))}"
        if everyone:
            message += f" ({', '.join(everyone)} means everyone of that kind)"
        results.append(grant_failure(model, binding, message, evidence, severity))
    yield from judge(results, vis, "No binding grants cluster-admin")


@check(
    id="rbac.anonymous-bindings",
    title="No binding grants anything to anonymous users beyond the defaults",
    problem="Anonymous users granted more than the defaults",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
While anonymous authentication is on (the API server default), a request without credentials
is served as user `system:anonymous` in group `system:unauthenticated`. Whatever a binding
grants them is open to anyone who can reach the API endpoint, often the internet. The only
upstream default is `system:public-info-viewer` (health endpoints and /version); kubeadm also
lets anonymous read the `cluster-info` ConfigMap in kube-public for joining nodes. A default
binding whose role was widened beyond that is reported too. Anything more is reported:
critical when the role grants any resource or write, medium when it only reads non-resource
URLs such as API discovery, high when the role cannot be seen.
""",
    remediation="Remove `system:anonymous` and `system:unauthenticated` from the binding's subjects (or delete "
    "the binding) and give the callers credentials; turn anonymous authentication off where nothing needs it.",
    references={"cis": ["1.2.1"], "kubescape": ["C-0262"]},
)
def anonymous_bindings(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    vis = seen(inv)
    if vis.reason is not None:
        yield not_assessable(vis.reason)
        return
    model = ctx.access
    results: list[Result] = []
    for binding, _ in model.bindings():
        anonymous = [s for s in ordered_subjects(binding) if (s.kind, s.name) in ANONYMOUS_SUBJECTS]
        if not anonymous:
            continue
        role = role_label(binding)
        effective = model.rules_of(binding)
        rules = [er.rule for er in effective] if effective is not None else None
        evidence: list[tuple[str, object]] = [("roleRef", role), ("subjects", labels(anonymous))]
        default = DEFAULT_ANONYMOUS.get(_key(binding))
        extra = [s for s in anonymous if default is None or (s.kind, s.name) != default[0]]
        if not extra and default is not None:
            if rules is None or default[1](rules):
                results.append(
                    result(binding, failed=False, message=f"Default anonymous binding to {role}", evidence=evidence)
                )
            else:
                results.append(
                    result(
                        binding,
                        failed=True,
                        message=f"Default anonymous binding, but {role} now grants more than the default "
                        "(anyone who can reach the API server gets it)",
                        evidence=[*evidence, *_rule_evidence(model, binding)],
                        severity=Severity.CRITICAL,
                    )
                )
            continue
        who = ", ".join(labels(extra))
        if rules is None:
            severity = Severity.HIGH
            missing = (
                "does not exist"
                if model.authoritative_roles or binding.roleRef.kind == "Role"
                else "is not in the source"
            )
            grants = f"{role}, which {missing}: it grants whatever a role created under that name will"
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
                evidence=[*evidence, *_rule_evidence(model, binding)],
                severity=severity,
            )
        )
    yield from judge(results, vis, "No binding names system:anonymous or system:unauthenticated")


def _rule_evidence(model: AccessModel, binding: Binding) -> list[tuple[str, object]]:
    """Each rule the binding grants, as `verbs on resources` (or non-resource URLs)."""
    out: list[tuple[str, object]] = []
    for er in model.rules_of(binding) or ():
        out.append((model.rule_label(binding, er.index, er.source), _rule_text(er.rule)))
    return out


def _rule_text(rule: o.PolicyRule) -> str:
    verbs = ",".join(rule.verbs)
    if rule.nonResourceURLs:
        return f"{verbs} on {','.join(rule.nonResourceURLs)}"
    groups = ",".join(g or "core" for g in rule.apiGroups)
    text = f"{verbs} on {','.join(rule.resources)} ({groups})"
    if rule.resourceNames:
        text += f" named {','.join(rule.resourceNames)}"
    return text


def _is_wildcard(rule: o.PolicyRule) -> bool:
    """A resource rule with `*` verbs or `*` resources that does not grant everything (that one is
    cluster-admin's, reported by rbac.cluster-admin-bindings)."""
    if not rule.resources or not ("*" in rule.verbs or "*" in rule.resources):
        return False
    return not rbac.grants_everything(rule)


@check(
    id="rbac.wildcard-rules",
    title="Roles bound to people and workloads name their verbs and resources (no wildcards)",
    problem="Wildcard verbs or resources in bound roles",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
A rule with `*` verbs or `*` resources grants everything in its API groups, including what
is added later: a new CRD, a new subresource (`pods/ephemeralcontainers` arrived that way), or
`escalate` and `bind` next to the verbs someone meant. `*` verbs on `*` resources of the core
group alone reads every Secret and execs into every pod of its scope (high). Rules with `*` in
all of verbs, resources and API groups are cluster-admin and reported by
rbac.cluster-admin-bindings. Only roles that are bound are judged, in every scope (a
namespace's wildcards are its owners' to fix), and default bindings are not findings.
""",
    remediation="Replace wildcards with the verbs and resources the subject uses (`kubectl auth can-i --list` "
    "and the API server's audit log show what is used).",
    references={"cis": ["5.1.3"], "kubescape": ["C-0187"]},
)
def wildcard_rules(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    vis = seen(inv)
    if vis.reason is not None:
        yield not_assessable(vis.reason)
        return
    model = ctx.access
    results: list[Result] = []
    for binding, _ in model.bindings():
        wild = [er for er in model.rules_of(binding) or () if _is_wildcard(er.rule)]
        if not wild:
            continue
        extra = [s for s in ordered_subjects(binding) if not model.is_default(binding, s)]
        rule_evidence = [(model.rule_label(binding, er.index, er.source), _rule_text(er.rule)) for er in wild]
        evidence: list[tuple[str, object]] = [("roleRef", role_label(binding)), *rule_evidence]
        if not extra:
            results.append(
                result(
                    binding, failed=False, message="Wildcard rules bound to default subjects only", evidence=evidence
                )
            )
            continue
        if any(is_everyone(s) for s in extra):
            severity: Severity | None = Severity.CRITICAL
        elif any("*" in er.rule.verbs and "*" in er.rule.resources for er in wild):
            severity = Severity.HIGH
        else:
            severity = None
        message = (
            f"Grants {role_label(binding)} {scope_of(binding)} to {', '.join(labels(extra))}, "
            f"with wildcards in {len(wild)} rule{'s' if len(wild) > 1 else ''}"
        )
        results.append(grant_failure(model, binding, message, [("subjects", labels(extra)), *evidence], severity))
    yield from judge(results, vis, "No bound role has wildcard verbs or resources")


def _as_default_service_account(ref: rbac.SubjectRef) -> rbac.SubjectRef | None:
    """The `default` ServiceAccount a subject stands for (a User spelling its user name counts)."""
    if ref.kind == "ServiceAccount" and ref.name == "default":
        return ref
    if ref.kind == "User" and ref.name.startswith(rbac.SERVICE_ACCOUNT_PREFIX):
        ns, _, name = ref.name[len(rbac.SERVICE_ACCOUNT_PREFIX) :].partition(":")
        if name == "default" and ns:
            return rbac.SubjectRef("ServiceAccount", "default", ns)
    return None


def _default_service_accounts(binding: Binding) -> list[rbac.SubjectRef]:
    """`default` ServiceAccounts the binding names."""
    return [account for ref in ordered_subjects(binding) if (account := _as_default_service_account(ref)) is not None]


@check(
    id="rbac.default-service-account-roles",
    title="No role is granted to a namespace's default service account",
    problem="Roles granted to a namespace's default service account",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
Every pod that names no service account runs as its namespace's `default` ServiceAccount, so a
role bound to it is held by every such pod, including the ones nobody meant to give API access
(a sidecar-less debug pod, a third-party chart). Permissions should go to a ServiceAccount made
for the workload that needs them. High when the binding gives the default account a risky
permission (read Secrets, create pods, exec, escalate ...).
""",
    remediation="Create a dedicated ServiceAccount for the workload that needs the permission, bind the role to "
    "it, set `serviceAccountName` on that workload, and remove `default` from the binding.",
    references={"cis": ["5.1.5"], "kubescape": ["C-0189"]},
)
def default_service_account_roles(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    vis = seen(inv, BINDING_KINDS)
    if vis.reason is not None:
        yield not_assessable(vis.reason)
        return
    model = ctx.access
    risky: dict[tuple[str, str | None, str, rbac.SubjectRef], list[str]] = {}
    for row in model.review:
        account = _as_default_service_account(row.subject)
        if account is None:
            continue
        for grant in row.grants:
            path = grant.path
            key = (path.binding_kind, path.binding_namespace, path.binding_name, account)
            label = permission_label(grant, row.permission)
            if label not in risky.setdefault(key, []):
                risky[key].append(label)
    results: list[Result] = []
    for binding, _ in model.bindings():
        accounts = [s for s in _default_service_accounts(binding) if not model.is_default(binding, s)]
        if not accounts:
            continue
        kind, ns, name = _key(binding)
        held = [p for s in accounts for p in risky.get((kind, ns, name, s), [])]
        held = list(dict.fromkeys(held))
        role = role_label(binding)
        message = f"Grants {role} {scope_of(binding)} to {', '.join(labels(accounts))}"
        if model.rules_of(binding) is None:
            message += " (the role does not exist yet: whoever creates it decides what every such pod may do)"
        elif held:
            where = ", ".join(sorted({s.namespace or "" for s in accounts}))
            message += f", so every pod in {where} that names no service account can: {', '.join(held)}"
        evidence: list[tuple[str, object]] = [("roleRef", role), ("subjects", labels(accounts))]
        if held:
            evidence.append(("risky permissions", held))
        results.append(
            result(binding, failed=True, message=message, evidence=evidence, severity=Severity.HIGH if held else None)
        )
    yield from judge(results, vis, "No binding names a default service account")


@check(
    id="rbac.missing-roles",
    title="Every binding refers to a role that exists",
    problem="Bindings to roles that do not exist",
    section=Section.AUTH,
    severity=Severity.LOW,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
A binding may name a Role or ClusterRole that does not exist (left behind when an operator was
uninstalled, or a typo). It grants nothing today, but whoever later creates a role of that name
decides what its subjects may do, which makes a role name a permission. A ClusterRoleBinding
to a Role is never valid. For a set of manifests, a ClusterRole that is neither in the set nor
a built-in Kubernetes role counts as missing.
""",
    remediation="Delete the binding, or create the role it should refer to.",
    references={},
)
def missing_roles(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    vis = seen(inv)
    if vis.reason is not None:
        yield not_assessable(vis.reason)
        return
    model = ctx.access
    results: list[Result] = []
    for binding, _ in model.bindings():
        ref = binding.roleRef
        valid_kind = ref.kind == "ClusterRole" or (ref.kind == "Role" and isinstance(binding, o.RoleBinding))
        if valid_kind and ref.kind not in vis.all.seen:
            continue  # that role kind could not be read: the binding cannot be judged
        subjects = ordered_subjects(binding)
        evidence: list[tuple[str, object]] = [("roleRef", role_label(binding)), ("subjects", labels(subjects))]
        if valid_kind and model.rules_of(binding) is not None:
            results.append(result(binding, failed=False, message=f"Refers to {role_label(binding)}", evidence=evidence))
            continue
        if not valid_kind:
            message = f"Refers to {role_label(binding)}, which a {binding.kind} cannot use: it grants nothing"
        else:
            where = (
                "does not exist"
                if model.authoritative_roles or ref.kind == "Role"
                else "is neither in the source nor a built-in role"
            )
            who = ", ".join(labels(subjects)) or "no subject"
            message = f"Refers to {role_label(binding)}, which {where}: whoever creates it decides what {who} may do"
        severity = Severity.MEDIUM if any(is_everyone(s) for s in subjects) else None
        results.append(result(binding, failed=True, message=message, evidence=evidence, severity=severity))
    yield from judge(results, vis, "No binding to check")


@check(
    id="rbac.missing-service-accounts",
    title="Every ServiceAccount a binding names exists",
    problem="Bindings to ServiceAccounts that do not exist",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=(),
    also_reads=(*BINDING_KINDS, "ServiceAccount"),
    rationale="""
A binding may name a ServiceAccount that does not exist (deleted with its app, or a typo in the
namespace). Whoever can create a ServiceAccount of that name in that namespace (namespace
editors can) then gets the binding's permissions, cluster-wide for a ClusterRoleBinding: high
when those include a risky permission. A ServiceAccount subject without a namespace in a
ClusterRoleBinding matches nobody (low). ServiceAccounts named by default bindings (the
controllers of kube-system) are not judged: clusters whose controller-manager does not use
per-controller credentials do not create them. For manifests and partial dumps only namespaces
holding at least one ServiceAccount are judged; a namespace's `default` account always exists.
""",
    remediation="Delete the subject (or the binding), or correct its namespace and name.",
    references={},
)
def missing_service_accounts(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    vis = seen(inv, (*BINDING_KINDS, "ServiceAccount"))
    if vis.reason is not None:
        yield not_assessable(vis.reason)
        return
    dangling = rbac.dangling_service_accounts(inv)
    if dangling is None:
        avail = inv.kind_availability("ServiceAccount")
        yield not_assessable(avail.reason or f"ServiceAccount: {avail.status}")
        return
    model = ctx.access
    wanted = {rbac.SubjectRef("ServiceAccount", d.name, d.namespace) for d in dangling if d.namespace}
    risky: set[tuple[str, str | None, str, rbac.SubjectRef]] = set()
    for row in model.review:
        if row.subject not in wanted:
            continue
        for grant in row.grants:
            path = grant.path
            risky.add((path.binding_kind, path.binding_namespace, path.binding_name, grant.subject))
    per_binding: dict[tuple[str, str | None, str], list[rbac.DanglingSubject]] = {}
    for d in dangling:
        per_binding.setdefault((d.binding.kind, d.binding.namespace, d.binding.name), []).append(d)
    results: list[Result] = []
    for binding, _ in model.bindings():
        found = per_binding.get(_key(binding))
        if not found:
            continue
        judged = [
            d
            for d in found
            if d.reason == "no-namespace"
            or not model.is_default(binding, rbac.SubjectRef("ServiceAccount", d.name, d.namespace))
        ]
        if not judged:
            continue
        names = [
            f"ServiceAccount {d.namespace}/{d.name}" if d.namespace else f"ServiceAccount {d.name} (no namespace)"
            for d in judged
        ]
        parts = []
        if any(d.reason == "not-found" for d in judged):
            parts.append("does not exist: whoever creates it gets the binding")
        if any(d.reason == "no-namespace" for d in judged):
            parts.append("has no namespace, so it matches nobody")
        message = f"Names {', '.join(names)}, which {'; and '.join(parts)}"
        dangerous = any(
            d.namespace and (*_key(binding), rbac.SubjectRef("ServiceAccount", d.name, d.namespace)) in risky
            for d in judged
        )
        if dangerous:
            severity: Severity | None = Severity.HIGH
            message += " (and its risky permissions)"
        elif all(d.reason == "no-namespace" for d in judged):
            severity = Severity.LOW
        else:
            severity = None
        evidence = [("roleRef", role_label(binding)), ("subjects", names)]
        results.append(result(binding, failed=True, message=message, evidence=evidence, severity=severity))
    yield from judge(results, vis, "Every ServiceAccount named by a binding exists")
