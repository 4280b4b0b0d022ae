"""What the RBAC checks share: which RBAC kinds could be seen, and how a binding that grants a
risky permission becomes a result.

Every RBAC finding is attached to the binding (ClusterRoleBinding or RoleBinding) through which
the subject holds the permission, because the binding is what a person fixes: take the subject
out, bind a narrower role, or delete it. A role is often shared by many bindings (and the
built-in ones must not be edited), and a User or Group has no object to attach anything to.
So there is one finding per binding per check, naming its subjects, what they can do and where,
with the path binding -> role -> rule as evidence; an exemption annotation goes on the binding.

Honesty: a check needs at least one binding kind to have been seen, or it is not-assessable.
A failure stands whatever else could not be read; a pass needs every RBAC kind (bindings and
roles) to have been read, because the unread kind may hold exactly what the check looks for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from k8saudit.checks._inputs import Visibility, visibility
from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, not_assessable, result
from k8saudit.model import objects as o
from k8saudit.model.findings import Severity
from k8saudit.model.inventory import Inventory
from k8saudit.semantics.access import (
    BINDING_KINDS,
    RBAC_KINDS,
    SYSTEM_NAMESPACE,
    AccessModel,
    is_everyone,
    labelled_default,
    permission_label,
)
from k8saudit.semantics.escalation import EscalationPath
from k8saudit.semantics.rbac import Grant, SubjectRef, resolve_subject
from k8saudit.semantics.risky import RiskyPermission

Binding = o.ClusterRoleBinding | o.RoleBinding


@dataclass(frozen=True)
class Seen:
    """What an RBAC check may rely on: `None` reason when it can judge at all."""

    reason: str | None  # set when no binding kind could be seen: the check is not-assessable
    all: Visibility  # over bindings and roles: `complete` allows passes

    @property
    def complete(self) -> bool:
        return self.all.complete


def seen(inv: Inventory, kinds: tuple[str, ...] = RBAC_KINDS) -> Seen:
    bindings = visibility(inv, BINDING_KINDS)
    if not bindings.seen:
        return Seen(bindings.reason, bindings)
    return Seen(None, visibility(inv, kinds))


def judge(results: list[Result], vis: Seen, nothing: str) -> Iterator[Result]:
    """Everything seen when it is enough; only the not-assessable reason when it is not.

    `nothing` is the message of the one pass given when no binding gave a result."""
    if not results:
        results = [result(None, failed=False, message=nothing)]
    if vis.complete or any(r.passed is False for r in results):
        yield from results
    else:
        yield not_assessable(vis.all.reason)


def scope_of(binding: Binding) -> str:
    if isinstance(binding, o.RoleBinding):
        return f"in namespace {binding.namespace}"
    return "cluster-wide"


def ordered_subjects(binding: Binding) -> list[SubjectRef]:
    """The subjects a binding names, in its own order, each once (unresolvable ones left out)."""
    ns = (binding.namespace or "") if isinstance(binding, o.RoleBinding) else ""
    out: list[SubjectRef] = []
    for subject in binding.subjects:
        ref = resolve_subject(subject, ns)
        if ref is not None and ref not in out:
            out.append(ref)
    return out


def labels(subjects: Iterable[SubjectRef]) -> list[str]:
    return [str(s) for s in subjects]


def role_label(binding: Binding) -> str:
    return f"{binding.roleRef.kind}/{binding.roleRef.name}"


def exempt_via(model: AccessModel, binding: Binding) -> list[o.K8sObject]:
    """The role a binding grants, when its annotations may exempt the binding's findings too.

    Whoever ships a role can say why it needs a permission (an ingress controller's role reads
    Secrets) once, for every binding to it. Never a built-in role (labelled rbac-defaults, or
    taken from the built-in definitions): an annotation there would silence everyone's grants.
    """
    role = model.role_of(binding)
    if role is None or labelled_default(role) or (role.kind == "ClusterRole" and role.name in model.assumed):
        return []
    return [role]


def grant_failure(
    model: AccessModel,
    binding: Binding,
    message: str,
    evidence: list[tuple[str, object]],
    severity: Severity | None,
    *,
    covered_by: str | None = None,
    scored: bool = True,
) -> Result:
    """A failure on a binding for what its role grants, which an exemption on that role covers too."""
    return result(
        binding,
        failed=True,
        message=message,
        evidence=evidence,
        severity=severity,
        exempt_via=exempt_via(model, binding),
        covered_by=covered_by,
        scored=scored,
    )


#: The check that scores a binding granting every verb on every resource.
CLUSTER_ADMIN_CHECK = "rbac.cluster-admin-bindings"


def is_full_wildcard(grant: Grant) -> bool:
    """The grant comes from a rule that grants every verb on every resource in every API group
    (`*`, or every standard verb spelled out: `rbac.grants_everything`): cluster-admin's."""
    return grant.everything


@dataclass(frozen=True)
class Concern:
    """A set of risky permission families one check reports (see `rbac.RISKY_PERMISSIONS`)."""

    families: tuple[str, ...]
    what: str  # `read Secrets`
    #: Families that alone give a finding this lower severity (port-forward next to exec).
    lesser: tuple[str, ...] = ()
    lesser_severity: Severity | None = None
    #: Families that, given in a team's namespace, are medium rather than low (exec and attach).
    namespaced_medium: tuple[str, ...] = ()


def _rule_evidence(
    model: AccessModel, binding: Binding, items: list[tuple[RiskyPermission, Grant]]
) -> list[tuple[str, list[str]]]:
    by_rule: dict[tuple[int, str], list[str]] = defaultdict(list)
    for permission, grant in items:
        key = (grant.path.rule_index, grant.path.rule_source or "")
        label = permission_label(grant, permission)
        if label not in by_rule[key]:
            by_rule[key].append(label)
    return [
        (model.rule_label(binding, index, source or None), perms) for (index, source), perms in sorted(by_rule.items())
    ]


def _covered(bad: list[tuple[RiskyPermission, Grant]]) -> bool:
    """Every subject of these grants holds everything through the same binding: rbac.cluster-admin-bindings
    fails that binding for them, and scores it; the permission checks report it without scoring it again."""
    everything = {g.subject for _, g in bad if is_full_wildcard(g)}
    return all(g.subject in everything for _, g in bad)


def judge_permissions(ctx: ScanContext, concern: Concern) -> Iterator[Result]:
    """One result per binding that gives a permission of `concern`: a failure when it gives it to a
    subject that is not a default (see `k8saudit.semantics.access`), judged where it applies
    (`_severity`: the README's RBAC judgement rules). A check passes only when no subject beyond
    the defaults holds the permission anywhere."""
    vis = seen(ctx.inventory)
    if vis.reason is not None:
        yield not_assessable(vis.reason)
        return
    model = ctx.access
    per_binding: dict[tuple[str, str, str], list[tuple[RiskyPermission, Grant]]] = defaultdict(list)
    for permission, grant in model.grants(concern.families):
        path = grant.path
        per_binding[(path.binding_kind, path.binding_namespace or "", path.binding_name)].append((permission, grant))
    results: list[Result] = []
    for key in sorted(per_binding, key=lambda k: (k[0] != "ClusterRoleBinding", k[1], k[2])):
        items = per_binding[key]
        binding = model.binding(items[0][1].path)
        judged = None if binding is None else _judge_binding(ctx, concern, binding, items)
        if judged is not None:
            results.append(judged)
    yield from judge(results, vis, f"No subject beyond the built-in defaults may {concern.what}, in any namespace")


def _judge_binding(
    ctx: ScanContext, concern: Concern, binding: Binding, items: list[tuple[RiskyPermission, Grant]]
) -> Result | None:
    """The binding's result, or None for a default binding that grants it only through every verb
    on every resource: rbac.cluster-admin-bindings scores that one (a pass), not every check again."""
    model = ctx.access
    bad = [(p, g) for p, g in items if not model.is_default(binding, g.subject)]
    if not bad and all(is_full_wildcard(g) for _, g in items):
        return None
    if not bad:
        return result(
            binding,
            failed=False,
            message=f"Lets only built-in system identities {concern.what}",
            evidence=[("roleRef", role_label(binding))],
        )
    subjects = [s for s in ordered_subjects(binding) if any(g.subject == s for _, g in bad)]
    granted = list(dict.fromkeys(permission_label(g, p) for p, g in bad))
    verdict = _severity(ctx, concern, binding, bad, subjects)
    message = f"Lets {', '.join(labels(subjects))} {concern.what} {scope_of(binding)} ({', '.join(granted)})"
    evidence: list[tuple[str, object]] = [
        ("subjects", labels(subjects)),
        ("roleRef", role_label(binding)),
        *_rule_evidence(model, binding, bad),
        *verdict.evidence,
    ]
    message += verdict.why
    covered = _covered(bad)
    if covered:
        message += f": it grants every verb on every resource, scored once, by {CLUSTER_ADMIN_CHECK}"
    return grant_failure(
        model,
        binding,
        message,
        evidence,
        verdict.severity,
        covered_by=CLUSTER_ADMIN_CHECK if covered else None,
        scored=verdict.scored,
    )


@dataclass(frozen=True)
class _Verdict:
    severity: Severity | None  # None: the check's own
    why: str = ""  # appended to the message
    evidence: tuple[tuple[str, object], ...] = ()
    scored: bool = True


#: The built-in ClusterRoles Kubernetes meant for a namespace's owners (`view` grants nothing risky).
TEAM_ROLES = frozenset({"admin", "edit"})


def _severity(
    ctx: ScanContext,
    concern: Concern,
    binding: Binding,
    bad: list[tuple[RiskyPermission, Grant]],
    subjects: list[SubjectRef],
) -> _Verdict:
    """The README's RBAC judgement rules: everyone-groups critical; cluster-wide and kube-system at
    the check's severity; a team's namespace high when the grant leads to a ServiceAccount that
    reaches the cluster, informational for the built-in admin and edit given in their own
    namespace, else low (medium for exec, attach and debug containers)."""
    families = {p.family for p, _ in bad}
    if any(is_everyone(s) for s in subjects):
        return _Verdict(Severity.CRITICAL)
    namespace = binding.namespace if isinstance(binding, o.RoleBinding) else None
    if not namespace or namespace == SYSTEM_NAMESPACE:
        lesser = bool(concern.lesser) and families <= set(concern.lesser)
        return _Verdict(concern.lesser_severity if lesser else None)
    paths = _escalation_paths(ctx, binding, namespace, bad)
    if paths:
        first = paths[0]
        why = (
            f"; with it {first.subject} can act as {first.target}, which reaches the cluster: "
            f"{' → '.join(first.steps())}"
        )
        via = f"{binding.roleRef.kind} {binding.roleRef.name} in {namespace}"
        return _Verdict(Severity.HIGH, why, (("escalation", [p.describe(via) for p in paths]),))
    if _team_role(ctx.access, binding, namespace, subjects):
        why = f": the built-in {binding.roleRef.name} role given in its own namespace (informational, not scored)"
        return _Verdict(Severity.INFO, why, scored=False)
    if families & set(concern.namespaced_medium):
        return _Verdict(Severity.MEDIUM)
    return _Verdict(Severity.LOW)


def _escalation_paths(
    ctx: ScanContext, binding: Binding, namespace: str, bad: list[tuple[RiskyPermission, Grant]]
) -> list[EscalationPath]:
    """Paths to the cluster through a permission this binding gives (in its namespace)."""
    given: dict[SubjectRef, set[str]] = defaultdict(set)
    for permission, grant in bad:
        given[grant.subject].add(permission.family)
    found: list[EscalationPath] = []
    for subject in sorted(given, key=lambda s: s.sort_key):
        found.extend(p for p in ctx.escalations.paths(subject, namespace) if p.family in given[subject])
    return found


def _team_role(model: AccessModel, binding: Binding, namespace: str, subjects: list[SubjectRef]) -> bool:
    """The built-in `admin` or `edit` given to people or to the namespace's own ServiceAccounts."""
    ref = binding.roleRef
    if ref.kind != "ClusterRole" or ref.name not in TEAM_ROLES:
        return False
    role = model.role_of(binding)
    if not (labelled_default(role) or ref.name in model.assumed):
        return False
    return all(s.kind != "ServiceAccount" or s.namespace == namespace for s in subjects)
