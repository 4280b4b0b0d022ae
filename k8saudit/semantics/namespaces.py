"""Which namespaces the per-namespace checks judge (net.default-deny, ns.resource-quota,
ns.limit-range; the Pod Security admission readiness applies the same rule to its rows).

The rule, decided for `net.default-deny` (`k8saudit/checks/net.py`): every namespace of `Inventory.namespaces` except
kube-system and kube-node-lease; kube-public only when workloads run in it. A judged namespace
with no workloads is `empty` when workloads could be seen (its failure is then low severity:
the policy protects the next deployment).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import Namespace, ObjectMeta

SKIPPED_NAMESPACES = frozenset({"kube-system", "kube-node-lease"})
ONLY_WITH_WORKLOADS = frozenset({"kube-public"})
#: The not-assessable reason when no namespace is left to judge.
NONE_TO_JUDGE = "no namespace outside kube-system, kube-public and kube-node-lease to judge"


@dataclass(frozen=True)
class JudgedNamespace:
    name: str
    target: Namespace  # the listed Namespace, or a stand-in of that name to attach results to
    empty: bool  # workloads could be seen and none runs in it


def judged_namespaces(inv: Inventory) -> list[JudgedNamespace]:
    listed = {ns.name: ns for ns in inv.of("Namespace", Namespace)}
    workloads_seen = inv.availability("workloads").ok
    per_namespace = Counter(w.namespace for w in inv.workloads) if workloads_seen else Counter[str | None]()
    out: list[JudgedNamespace] = []
    for name in inv.namespaces:
        if name in SKIPPED_NAMESPACES or (name in ONLY_WITH_WORKLOADS and not per_namespace[name]):
            continue
        target = listed.get(name) or Namespace(apiVersion="v1", kind="Namespace", metadata=ObjectMeta(name=name))
        out.append(JudgedNamespace(name, target, workloads_seen and not per_namespace[name]))
    return out
