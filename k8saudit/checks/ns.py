"""Resource policies per namespace (NSA/CISA: Network separation and hardening, "Resource
policies"): a ResourceQuota caps what a namespace may consume, a LimitRange gives its
containers default requests and limits.

Which namespaces: those `net.default-deny` judges (every namespace except kube-system and
kube-node-lease; kube-public only when workloads run in it). A namespace with no workloads
fails at low severity when workloads could be seen: the policy protects the next deployment.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import K8sObject, LimitRange, ResourceQuota
from k8saudit.semantics.namespaces import NONE_TO_JUDGE, judged_namespaces


def _per_namespace(inv: Inventory, kind: str, model: type[K8sObject], what: str, why: str) -> Iterator[Result]:
    namespaces = judged_namespaces(inv)
    if not namespaces:
        yield not_assessable(NONE_TO_JUDGE)
        return
    for ns in namespaces:
        found = sorted(o.name for o in inv.in_namespace(kind, ns.name, model))
        yield result(
            ns.target,
            failed=not found,
            message=f"Namespace {ns.name} has {what} {', '.join(found)}"
            if found
            else f"Namespace {ns.name} has no {what}: {why}",
            evidence=[(f"{kind} objects", found or None)],
            severity=Severity.LOW if not found and ns.empty else None,
        )


@check(
    id="ns.resource-quota",
    title="Every namespace has a ResourceQuota",
    problem="Namespaces without a ResourceQuota",
    section=Section.NETWORK,
    severity=Severity.MEDIUM,
    reads=("ResourceQuota",),
    also_reads=("Namespace", "workloads"),
    rationale="""
Without a ResourceQuota one namespace can take every CPU, byte of memory, pod slot, Service
or volume claim the cluster has: a runaway deployment, a crypto-miner in a compromised
workload or a noisy tenant starves everyone else. The NSA/CISA guide asks for quotas per
namespace (its "Resource policies"), and a quota on `requests.cpu`/`requests.memory` also makes
the API server refuse pods that declare no requests.
""",
    remediation="Give each namespace a ResourceQuota sized to its workloads (requests.cpu, requests.memory, "
    "limits.memory, pods, services.loadbalancers, persistentvolumeclaims).",
    references={},
)
def resource_quota(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    yield from _per_namespace(
        inv, "ResourceQuota", ResourceQuota, "ResourceQuota", "nothing caps what its workloads may consume"
    )


@check(
    id="ns.limit-range",
    title="Every namespace has a LimitRange",
    problem="Namespaces without a LimitRange",
    section=Section.NETWORK,
    severity=Severity.LOW,
    reads=("LimitRange",),
    also_reads=("Namespace", "workloads"),
    rationale="""
A LimitRange gives containers that declare no requests or limits defaults, and bounds what a
single container may ask for. Without one, a container without limits may use all of its
node's memory and CPU, and a namespace with a ResourceQuota refuses such pods outright.
""",
    remediation="Add a LimitRange of type Container with default and defaultRequest for cpu and memory (and a max) "
    "to each namespace.",
    references={},
)
def limit_range(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    yield from _per_namespace(
        inv, "LimitRange", LimitRange, "LimitRange", "containers without limits get none by default"
    )
