"""CPU and memory requests and limits of containers (NSA/CISA: Kubernetes Pod security,
resource policies).

One check per resource and kind (as Kubescape C-0268..C-0271 and Polaris' *Missing checks),
so a team can exempt CPU limits (which many deliberately leave unset) without silencing
memory limits.

What counts as set follows what the API server gives the running pod, not only the template:
- the container's own value;
- a pod-level value (`spec.resources`, PodLevelResources, beta in 1.34), shared by the
  containers;
- a default from a LimitRange of type Container in the namespace (`default` for limits,
  `defaultRequest` or else `default` for requests), which the LimitRanger admission
  plugin writes into the pod on create;
- for a request only: the container's limit, to which the API server defaults a missing request.
Ephemeral containers may not set resources and are not judged. When the LimitRanges could
not be read (forbidden), a container without its own value is not-assessable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Inventory, Workload
from k8saudit.model.objects import LimitRange, ResourceRequirements
from k8saudit.semantics.containers import ContainerView


def _limit_range_defaults(inv: Inventory, namespace: str | None, field: str, resource: str) -> str | None:
    """Name of a LimitRange in `namespace` that defaults `resource` in `field` for containers."""
    for limit_range in inv.in_namespace("LimitRange", namespace, LimitRange):
        items: Any = limit_range.spec.get("limits") or []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or item.get("type", "Container") != "Container":
                continue
            values = item.get(field)
            if isinstance(values, dict) and resource in values:
                return limit_range.name
    return None


def _judge(ctx: ScanContext, resource: str, kind: str) -> Iterator[Result]:
    """`kind` is "limits" or "requests"; `resource` is "cpu" or "memory"."""
    inv = ctx.inventory
    avail = inv.availability("LimitRange")
    ranges_readable = avail.ok or avail.status == "absent"
    noun = "limit" if kind == "limits" else "request"
    for workload in inv.workloads:
        for view in ctx.containers(workload):
            if view.kind == "ephemeralContainer":
                continue
            yield _one(inv, workload, view, resource, kind, noun, ranges_readable, avail.reason)


def _one(
    inv: Inventory,
    workload: Workload,
    view: ContainerView,
    resource: str,
    kind: str,
    noun: str,
    ranges_readable: bool,
    ranges_reason: str | None,
) -> Result:
    own = getattr(view.container.resources, kind)
    path = f"{view.path}.resources.{kind}.{resource}"
    if resource in own:
        return result(
            workload,
            failed=False,
            container=view.container.name,
            message=f"Container {view.label} sets a {resource} {noun}",
            evidence=[(path, own[resource])],
        )
    if kind == "requests" and resource in view.container.resources.limits:
        return result(
            workload,
            failed=False,
            container=view.container.name,
            message=f"Container {view.label} sets a {resource} limit, to which its request defaults",
            evidence=[(f"{view.path}.resources.limits.{resource}", view.container.resources.limits[resource])],
        )
    # Pod-level resources (PodSpec.resources): read defensively, as older slim models lack the field.
    pod_level = getattr(workload.spec, "resources", None)
    if not isinstance(pod_level, ResourceRequirements):
        pod_level = None
    if pod_level is not None and (resource in getattr(pod_level, kind) or resource in pod_level.limits):
        return result(
            workload,
            failed=False,
            container=view.container.name,
            message=f"Container {view.label} shares the pod-level {resource} {kind}",
            evidence=[(f"spec.resources.{kind}.{resource}", getattr(pod_level, kind).get(resource))],
        )
    fields = ("default",) if kind == "limits" else ("defaultRequest", "default")
    for field in fields:
        name = _limit_range_defaults(inv, workload.namespace, field, resource)
        if name:
            return result(
                workload,
                failed=False,
                container=view.container.name,
                message=f"Container {view.label} gets its {resource} {noun} from LimitRange {name}",
                evidence=[(path, None), (f"limitranges/{workload.namespace}/{name}.spec.limits[].{field}", resource)],
            )
    if not ranges_readable:
        return not_assessable(
            f"container {view.label} sets no {resource} {noun} and the namespace's LimitRange defaults "
            f"could not be read ({ranges_reason or 'LimitRange unreadable'})",
            workload,
        )
    return result(
        workload,
        failed=True,
        container=view.container.name,
        message=f"Container {view.label} has no {resource} {noun} (none set and no LimitRange default)",
        evidence=[(path, None)],
    )


@check(
    id="pod.memory-limits",
    title="Containers set a memory limit",
    problem="Containers without a memory limit",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    also_reads=("LimitRange",),
    rationale="""
A container without a memory limit can use all of its node's memory: a leak or an attacker
(a decompression bomb, a crafted request) then makes the kernel kill other pods on the node,
kubelet and system daemons under pressure included. The NSA/CISA guide asks for resource
limits so one compromised or faulty workload cannot deny service to its neighbours. A
LimitRange `default` or a pod-level limit counts.
""",
    remediation="Set resources.limits.memory on every container (close to what it really uses), or give the "
    "namespace a LimitRange with a default memory limit.",
    references={"cis": [], "kubescape": ["C-0271", "C-0004"], "polaris": ["memoryLimitsMissing"]},
    fix="""
resources:
  requests:
    memory: 256Mi
  limits:
    memory: 256Mi
""",
)
def memory_limits(ctx: ScanContext) -> Iterator[Result]:
    yield from _judge(ctx, "memory", "limits")


@check(
    id="pod.cpu-limits",
    title="Containers set a CPU limit",
    problem="Containers without a CPU limit",
    section=Section.POD_SECURITY,
    severity=Severity.LOW,
    reads=("workloads",),
    also_reads=("LimitRange",),
    rationale="""
Without a CPU limit a container can use every idle core of its node. CPU is compressible (the
kernel throttles by requests under contention), so this is a softer denial-of-service risk
than memory and some teams leave CPU limits off on purpose to avoid throttling; hence low
severity and a check of its own to exempt. A LimitRange `default` or a pod-level limit counts.
""",
    remediation="Set resources.limits.cpu on every container, or give the namespace a LimitRange with a default "
    "CPU limit (or exempt this check with the reason CPU limits are not used).",
    references={"cis": [], "kubescape": ["C-0270", "C-0050"], "polaris": ["cpuLimitsMissing"]},
    fix="""
resources:
  limits:
    cpu: 500m
""",
)
def cpu_limits(ctx: ScanContext) -> Iterator[Result]:
    yield from _judge(ctx, "cpu", "limits")


@check(
    id="pod.memory-requests",
    title="Containers set a memory request",
    problem="Containers without a memory request",
    section=Section.POD_SECURITY,
    severity=Severity.LOW,
    reads=("workloads",),
    also_reads=("LimitRange",),
    rationale="""
The scheduler places pods by their requests. A container with no memory request is scheduled
as if it needed none, overcommits its node and is among the first evicted under memory
pressure. A missing request defaults to the container's limit, which counts here, as do
LimitRange defaults and pod-level requests.
""",
    remediation="Set resources.requests.memory on every container (or a limit, to which it defaults), or a "
    "LimitRange defaultRequest.",
    references={"cis": [], "kubescape": ["C-0269", "C-0004"], "polaris": ["memoryRequestsMissing"]},
    fix="""
resources:
  requests:
    memory: 256Mi
""",
)
def memory_requests(ctx: ScanContext) -> Iterator[Result]:
    yield from _judge(ctx, "memory", "requests")


@check(
    id="pod.cpu-requests",
    title="Containers set a CPU request",
    problem="Containers without a CPU request",
    section=Section.POD_SECURITY,
    severity=Severity.LOW,
    reads=("workloads",),
    also_reads=("LimitRange",),
    rationale="""
CPU requests decide scheduling and each container's share of CPU under contention; a
container without one gets the smallest share and can be starved by busy neighbours. A
missing request defaults to the container's limit, which counts here, as do LimitRange
defaults and pod-level requests.
""",
    remediation="Set resources.requests.cpu on every container (or a limit, to which it defaults), or a "
    "LimitRange defaultRequest.",
    references={"cis": [], "kubescape": ["C-0268", "C-0050"], "polaris": ["cpuRequestsMissing"]},
    fix="""
resources:
  requests:
    cpu: 100m
""",
)
def cpu_requests(ctx: ScanContext) -> Iterator[Result]:
    yield from _judge(ctx, "cpu", "requests")
