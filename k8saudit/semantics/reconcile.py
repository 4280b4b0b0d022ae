"""What kube-apiserver does to its bootstrap ClusterRoles at every start.

The `rbac/bootstrap-roles` post-start hook reconciles each bootstrap ClusterRole (`cluster-admin`,
`admin`, `edit`, `view`, the `system:*` roles) with its built-in definition
(`computeReconciledRole` in pkg/registry/rbac/reconciliation/reconcile_role.go, v1.37):

- a role annotated `rbac.authorization.kubernetes.io/autoupdate: "false"` is left alone
  (`result.Protected`);
- otherwise the built-in labels and annotations are merged in (the stored ones win a conflict),
  every built-in rule the stored rules do not cover is appended (`validation.Covers`, rule by
  rule: verb, API group, resource, names, URL), and the built-in aggregation selectors the
  stored role lacks are appended; a role that should not aggregate loses its aggregationRule.

So a set of manifests that ships `edit` or `cluster-admin` with fewer rules restricts nothing:
the server restores the missing rules the next time it starts. `reconciled` computes that role.
Upstream appends the uncovered rules broken down to one verb and resource each; whole built-in
rules are appended here, which allows exactly the same requests and keeps rule indices readable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from k8saudit.model import objects as o

AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate"


@dataclass(frozen=True)
class Reconciled:
    """A bootstrap ClusterRole as the API server leaves it after its start-up reconciliation."""

    role: o.ClusterRole
    #: How many rules came from the source: rules from this index on were restored.
    own_rules: int
    #: Whether built-in aggregation selectors were added back.
    aggregation_restored: bool

    @property
    def changed(self) -> bool:
        return self.aggregation_restored or len(self.role.rules) > self.own_rules


def protected(role: o.ClusterRole) -> bool:
    """`autoupdate: "false"`: the API server keeps the role as it is stored."""
    return role.metadata.annotations.get(AUTOUPDATE_ANNOTATION) == "false"


def reconciled(role: o.ClusterRole, builtin: o.ClusterRole) -> Reconciled:
    """`role` (from the source) after the API server reconciled it with its `builtin` definition."""
    own = len(role.rules)
    if protected(role):
        return Reconciled(role, own, aggregation_restored=False)
    missing = [rule for rule in builtin.rules if not covers(role.rules, rule)]
    aggregation, restored = _aggregation(role.aggregationRule, builtin.aggregationRule)
    meta = role.metadata
    merged_meta = dataclasses.replace(
        meta,
        labels={**builtin.metadata.labels, **meta.labels},
        annotations={**builtin.metadata.annotations, **meta.annotations},
    )
    result = dataclasses.replace(role, metadata=merged_meta, rules=[*role.rules, *missing], aggregationRule=aggregation)
    result.set_kind(role.kind, role.apiVersion)
    result.origin = role.origin
    return Reconciled(result, own, aggregation_restored=restored)


def _aggregation(
    stored: o.AggregationRule | None, builtin: o.AggregationRule | None
) -> tuple[o.AggregationRule | None, bool]:
    """The aggregation rule after reconciliation, and whether built-in selectors were added."""
    if builtin is None:
        return None, False  # "we didn't expect this to be an aggregated role at all"
    have = list(stored.clusterRoleSelectors) if stored is not None else []
    missing = [s for s in builtin.clusterRoleSelectors if s not in have]
    if not missing:
        return stored, False
    return o.AggregationRule(clusterRoleSelectors=[*have, *missing]), True


def covers(owners: Sequence[o.PolicyRule], rule: o.PolicyRule) -> bool:
    """`validation.Covers`: every piece of `rule` (one verb on one resource of one group, or one
    verb on one URL) is allowed by one of `owners` (`ruleCovers`)."""
    return all(any(_rule_covers(owner, piece) for owner in owners) for piece in _breakdown(rule))


def _breakdown(rule: o.PolicyRule) -> Iterator[o.PolicyRule]:
    """`BreakdownRule`: one rule per (group, resource, verb) with the names kept, and per (URL, verb)."""
    for group in rule.apiGroups:
        for resource in rule.resources:
            for verb in rule.verbs:
                yield o.PolicyRule(
                    apiGroups=[group], resources=[resource], verbs=[verb], resourceNames=list(rule.resourceNames)
                )
    for url in rule.nonResourceURLs:
        for verb in rule.verbs:
            yield o.PolicyRule(nonResourceURLs=[url], verbs=[verb])


def _rule_covers(owner: o.PolicyRule, sub: o.PolicyRule) -> bool:
    """`ruleCovers` (pkg/registry/rbac/validation/policy_comparator.go)."""
    verbs = "*" in owner.verbs or set(sub.verbs) <= set(owner.verbs)
    groups = "*" in owner.apiGroups or set(sub.apiGroups) <= set(owner.apiGroups)
    resources = all(_resource_covered(owner.resources, r) for r in sub.resources)
    urls = all(_url_covered(owner.nonResourceURLs, u) for u in sub.nonResourceURLs)
    if sub.resourceNames:
        names = not owner.resourceNames or set(sub.resourceNames) <= set(owner.resourceNames)
    else:
        names = not owner.resourceNames
    return verbs and groups and resources and names and urls


def _resource_covered(owned: Sequence[str], resource: str) -> bool:
    """`resourceCoversAll` for one resource: `*`, itself, or `*/sub` for its subresource."""
    if "*" in owned or resource in owned:
        return True
    _, slash, sub = resource.partition("/")
    return bool(slash) and f"*/{sub}" in owned


def _url_covered(owned: Sequence[str], url: str) -> bool:
    """`nonResourceURLsCoversAll` for one URL: equal, `*`, or a prefix ending in `*`."""
    return any(o_url == url or o_url == "*" or (o_url.endswith("*") and url.startswith(o_url[:-1])) for o_url in owned)
