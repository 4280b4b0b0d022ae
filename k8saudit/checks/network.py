"""Network separation (NSA/CISA: Network separation and hardening).

`net.default-deny` judges namespaces, not pods: a namespace is isolated when a NetworkPolicy
selecting every pod in it (empty podSelector) denies all ingress and one denies all egress.

Which namespaces (decided here, since the guide says "each namespace"):
- the namespaces the source lists (Namespace objects); when it lists none (manifests, or a
  live scan refused `list namespaces`), every namespace an object lives in
  (`Inventory.namespaces`). That can only miss namespaces in which nothing at all was seen;
- `kube-system` is skipped: most of its pods use hostNetwork, which NetworkPolicy does not
  govern, and a default deny there needs allowances specific to the CNI and DNS; user
  workloads in kube-system are a separate concern;
- `kube-node-lease` is skipped (it holds Lease objects, not pods);
- `kube-public` is judged only when workloads run in it;
- every other namespace is judged, empty ones too (CIS 5.3.2 asks it of every namespace:
  a default deny is what protects the next workload deployed there), but a namespace with no
  workloads fails at low severity when workloads could be seen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from k8saudit.findings import Section, Severity
from k8saudit.inventory import Inventory
from k8saudit.objects import Namespace, NetworkPolicy, ObjectMeta
from k8saudit.registry import Result, check, not_assessable, result

SKIPPED_NAMESPACES = {"kube-system", "kube-node-lease"}
ONLY_WITH_WORKLOADS = {"kube-public"}


def denies(policy: NetworkPolicy, direction: str) -> bool:
    """True when the policy selects every pod and allows no traffic in `direction`."""
    spec = policy.spec
    if not spec.podSelector.is_empty() or direction not in spec.types():
        return False
    rules = spec.ingress if direction == "Ingress" else spec.egress
    return not rules


@check(
    id="net.default-deny",
    title="Every namespace denies ingress and egress by default",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("NetworkPolicy",),
    also_reads=("Namespace", "workloads"),
    rationale="""
Without a NetworkPolicy every pod accepts connections from every other pod in the cluster and
may connect anywhere: one compromised workload can probe databases in other namespaces, reach
the cloud metadata endpoint or send data out. A default-deny policy for ingress and one for
egress in each namespace turn that around: traffic flows only where a further policy allows
it. Policies are enforced only by a CNI that implements them (Calico, Cilium, Antrea, ...;
Flannel alone does not), which this check cannot see: confirm it.
""",
    remediation="In each namespace apply a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress, Egress]` "
    "and no rules, then add policies that allow the flows each workload needs (DNS egress to kube-system first).",
    references={"cis": ["5.3.2"], "kubescape": ["C-0030", "C-0054", "C-0260"]},
)
def default_deny(inv: Inventory) -> Iterator[Result]:
    listed = {ns.name: ns for ns in inv.of("Namespace", Namespace)}
    workloads_seen = inv.availability("workloads").ok
    per_namespace = Counter(w.namespace for w in inv.workloads) if workloads_seen else Counter[str | None]()
    judged = 0
    for name in inv.namespaces:
        if name in SKIPPED_NAMESPACES or (name in ONLY_WITH_WORKLOADS and not per_namespace[name]):
            continue
        judged += 1
        target = listed.get(name) or Namespace(apiVersion="v1", kind="Namespace", metadata=ObjectMeta(name=name))
        policies = inv.in_namespace("NetworkPolicy", name, NetworkPolicy)
        ingress = sorted(p.name for p in policies if denies(p, "Ingress"))
        egress = sorted(p.name for p in policies if denies(p, "Egress"))
        missing = [d for d, found in (("ingress", ingress), ("egress", egress)) if not found]
        if missing:
            message = f"Namespace {name} has no default-deny {' or '.join(missing)} NetworkPolicy"
            if policies:
                message += (
                    " (its one NetworkPolicy selects only some pods or allows some traffic)"
                    if len(policies) == 1
                    else f" (its {len(policies)} NetworkPolicies select only some pods or allow some traffic)"
                )
        else:
            message = f"Namespace {name} denies ingress and egress by default"
        empty = workloads_seen and not per_namespace[name]
        yield result(
            target,
            failed=bool(missing),
            message=message,
            evidence=[
                ("networkpolicies[podSelector={}, ingress=[]]", ingress),
                ("networkpolicies[podSelector={}, egress=[]]", egress),
            ],
            severity=Severity.LOW if missing and empty else None,
        )
    if not judged:
        yield not_assessable("no namespace outside kube-system, kube-public and kube-node-lease to judge")
