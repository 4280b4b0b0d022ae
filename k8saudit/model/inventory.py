"""The Inventory: every object a source read, indexed, with owners resolved.

Checks read only this. It answers three questions for them: what objects exist (by kind and
namespace), which workload a person owns (a pod is reported as its Deployment, not as a
replica hash), and whether an input could be seen at all (`availability`), which the
registry uses to mark checks `not-assessable` rather than letting them pass on nothing.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from k8saudit.model import objects as o
from k8saudit.model.facts import MANAGED_PLATFORMS, Availability, ClusterFactsSpec, SkippedObject
from k8saudit.model.kinds import BY_KIND, WORKLOAD_KINDS

K = TypeVar("K", bound=o.K8sObject)

CONTROL_PLANE_COMPONENTS = ("kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler")

#: Inputs that are not a single kind. Checks name them in `reads`.
VIRTUAL_INPUTS = (
    "workloads",
    "rbac",
    "version",
    "anonymous-probe",
    "kubelet",
    *CONTROL_PLANE_COMPONENTS,
    "authorizer-probe",
    "secret-metadata",
    "api-endpoint",
)


@dataclass
class Workload:
    """Something a person owns that runs pods: its pod template and how many pods it has."""

    kind: str
    api_version: str
    namespace: str | None
    name: str
    meta: o.ObjectMeta
    template_meta: o.ObjectMeta
    spec: o.PodSpec
    replicas: int | None = None
    pods: int = 0
    origin: str | None = None
    #: Containers found in running pods but not in the template (sidecars injected by a
    #: mutating webhook such as istio-proxy, or ephemeral debug containers).
    injected: set[str] = field(default_factory=set)
    #: Nodes its pods run on (`spec.nodeName` of every pod counted).
    nodes: set[str] = field(default_factory=set)
    #: Owner annotations over template annotations (where exemptions are read): merged once, as
    #: a workload's failures come by the dozen.
    annotations: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.annotations = {**self.template_meta.annotations, **self.meta.annotations}

    def containers(self) -> Iterator[tuple[str, o.Container]]:
        """Every container with its kind: containers, initContainers, ephemeralContainers."""
        for c in self.spec.containers:
            yield "container", c
        for c in self.spec.initContainers:
            yield "initContainer", c
        for c in self.spec.ephemeralContainers:
            yield "ephemeralContainer", c


@dataclass
class ControlPlaneComponent:
    """A static control-plane pod and its flags (command and args merged)."""

    component: str
    pod: o.Pod
    flags: dict[str, str] = field(default_factory=dict)

    def flag(self, name: str) -> str | None:
        return self.flags.get(name)


def parse_flags(words: list[str]) -> dict[str, str]:
    """`--a=1 --b 2 --c` → {a: 1, b: 2, c: "true"}; the last occurrence wins."""
    flags: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            if not eq:
                if i + 1 < len(words) and not words[i + 1].startswith("-"):
                    value = words[i + 1]
                    i += 1
                else:
                    value = "true"
            flags[name] = value
        i += 1
    return flags


def _owner_key(obj: o.K8sObject) -> tuple[str, str | None, str]:
    return obj.kind, obj.namespace, obj.name


class Owners:
    """The owner-resolution rule, written once: the Inventory and the live collector share it.

    An object's parent is the controller its ownerReferences name (references marked
    `controller: false` are skipped) among the controllers given, in its own namespace; the top
    is found by following parents, at most five steps (a cycle in hostile input ends there).
    """

    def __init__(self, controllers: Iterable[o.K8sObject]) -> None:
        self.controllers: dict[tuple[str, str | None, str], o.K8sObject] = {_owner_key(c): c for c in controllers}

    def parent(self, obj: o.K8sObject) -> o.K8sObject | None:
        for ref in obj.metadata.ownerReferences:
            if ref.controller is False:
                continue
            found = self.controllers.get((ref.kind, obj.namespace, ref.name))
            if found is not None:
                return found
        return None

    def top(self, obj: o.K8sObject) -> o.K8sObject:
        seen = 0
        while (up := self.parent(obj)) is not None and seen < 5:
            obj, seen = up, seen + 1
        return obj


@dataclass(frozen=True)
class AuditSettings:
    """What the auditor was told about this cluster (from the config file), that checks read.

    Checks stay pure functions of the Inventory: configuration reaches them here, never
    through globals or files.
    """

    #: Registries images may come from (`registry.example.com`, `ghcr.io/acme`); empty: not configured.
    allowed_registries: tuple[str, ...] = ()


class Inventory:
    """Objects by kind and namespace, facts, settings, and derived views (workloads, control plane)."""

    def __init__(
        self,
        items: Iterable[o.K8sObject],
        facts: ClusterFactsSpec | None = None,
        settings: AuditSettings | None = None,
    ) -> None:
        self.facts = facts or ClusterFactsSpec()
        self.settings = settings or AuditSettings()
        self._by_kind: dict[str, list[o.K8sObject]] = defaultdict(list)
        for obj in items:
            self._by_kind[obj.kind].append(obj)
        self._by_ns: dict[tuple[str, str | None], list[o.K8sObject]] = defaultdict(list)
        for kind, objs in self._by_kind.items():
            for obj in objs:
                self._by_ns[(kind, obj.namespace)].append(obj)

    # --- objects ------------------------------------------------------------------------

    def of(self, kind: str, model: type[K]) -> list[K]:
        """All objects of a kind, typed. `inv.of("Pod", Pod)`."""
        return [obj for obj in self._by_kind.get(kind, ()) if isinstance(obj, model)]

    def in_namespace(self, kind: str, namespace: str | None, model: type[K]) -> list[K]:
        return [obj for obj in self._by_ns.get((kind, namespace), ()) if isinstance(obj, model)]

    def all_objects(self) -> Iterator[o.K8sObject]:
        for objs in self._by_kind.values():
            yield from objs

    def count(self, kind: str) -> int:
        return len(self._by_kind.get(kind, ()))

    @cached_property
    def namespaces(self) -> list[str]:
        """Namespace names: listed Namespaces and every namespace an object lives in.

        The union matters for manifests, which often declare one Namespace and deploy into
        others that already exist; on a live cluster both sets are the same.
        """
        names = {ns.name for ns in self.of("Namespace", o.Namespace)}
        names.update(obj.namespace for obj in self.all_objects() if obj.namespace)
        return sorted(names)

    # --- availability -------------------------------------------------------------------

    def kind_availability(self, kind: str) -> Availability:
        return _noted(self._read_availability(kind), self.skipped((kind,)))

    def _read_availability(self, kind: str) -> Availability:
        """What the source says of a kind, before the objects it skipped are noted."""
        known = self.facts.kinds.get(kind)
        if known is not None:
            return known
        count = self.count(kind)
        if count:
            return Availability(status="ok", count=count)
        return Availability(status="absent", reason=f"{self.source_phrase()} holds no {kind} objects")

    def skipped(self, kinds: Iterable[str]) -> list[SkippedObject]:
        """Objects of these kinds the source held but could not read (malformed), in input order."""
        wanted = set(kinds)
        return [s for s in self.facts.skipped if s.kind in wanted]

    def source_phrase(self) -> str:
        """`the cluster`, `the snapshot`, `the set of manifests`: the subject of a reason sentence."""
        return {"manifests": "the set of manifests", "live": "the cluster"}.get(
            self.facts.source, f"the {self.facts.source}"
        )

    def availability(self, name: str) -> Availability:
        """Whether an input (a kind, or a virtual input such as `workloads`) could be seen."""
        if name in BY_KIND:
            return self.kind_availability(name)
        if name == "workloads":
            return self._workloads_availability()
        if name == "rbac":
            return self._all_of(("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"))
        if name == "version":
            if self.facts.version and self.facts.version.minor_version():
                return Availability(status="ok")
            return Availability(status="absent", reason=f"{self.source_phrase()} does not record the server version")
        if name == "anonymous-probe":
            probe = self.facts.anonymousProbe
            if probe and (probe.versionStatus or probe.apiStatus):
                return Availability(status="ok")
            if probe and probe.error:
                return Availability(status="error", reason=f"anonymous probe failed: {probe.error}")
            return Availability(status="not-collected", reason="only a live scan can probe anonymous access")
        if name == "kubelet":
            if any(k.config for k in self.facts.kubelet.values()):
                return Availability(status="ok")
            if not self.facts.kubeletCollected:
                return Availability(
                    status="not-collected",
                    reason="kubelet settings are read only with --kubelet-config (needs get nodes/proxy)",
                )
            return Availability(status="error", reason="no node's kubelet configz could be read")
        if name in CONTROL_PLANE_COMPONENTS:
            return self._component_availability(name)
        if name in ("authorizer-probe", "secret-metadata", "api-endpoint"):
            return self._live_fact_availability(name)
        raise KeyError(f"unknown input {name!r}")

    def _live_fact_availability(self, name: str) -> Availability:
        """Facts only a live collector gathers: the authorizer probe, Secret metadata, the endpoint."""
        facts = self.facts
        if name == "authorizer-probe":
            probe = facts.authorizerProbe
            if probe is not None and probe.allowed is not None:
                return Availability(status="ok")
            if probe is not None and probe.error:
                status = "forbidden" if probe.httpStatus == 403 else "error"
                return Availability(status=status, reason=f"authorizer probe: {probe.error}")
            return Availability(
                status="not-collected",
                reason="only a live scan sends the authorizer probe (a SubjectAccessReview)",
            )
        if name == "secret-metadata":
            meta = facts.secretMetadata
            if meta is None:
                return Availability(
                    status="not-collected",
                    reason="Secrets are listed (metadata only) only with --secret-metadata, which needs list secrets",
                )
            return Availability(status=meta.status, reason=meta.reason, count=len(meta.tokenSecrets))
        endpoint = facts.apiEndpoint
        if endpoint is None:
            return Availability(status="not-collected", reason="only a live scan can examine the API endpoint")
        return Availability(status="ok")

    def _all_of(self, kinds: Iterable[str]) -> Availability:
        kinds = tuple(kinds)
        for kind in kinds:
            avail = self.kind_availability(kind)
            if not avail.ok:
                return avail
        return _noted(Availability(status="ok"), self.skipped(kinds))

    def _workloads_availability(self) -> Availability:
        """Pods cover everything that runs; without them every controller kind must be seen.

        Workload objects the source skipped (malformed) are noted on the answer: when nothing else
        was read, `error` with what was skipped, rather than "no workloads"."""
        skipped = self.skipped(WORKLOAD_KINDS)
        pods = self._read_availability("Pod")
        if pods.ok:
            return _noted(pods, skipped)
        if pods.status != "absent":
            return _noted(pods, skipped)  # forbidden or failed on a live cluster: bare pods would be invisible
        present = [k for k in WORKLOAD_KINDS if self._read_availability(k).ok]
        if present:
            return _noted(Availability(status="ok", count=len(self.workloads)), skipped)
        return _noted(Availability(status="absent", reason=f"{self.source_phrase()} holds no workloads"), skipped)

    def _component_availability(self, component: str) -> Availability:
        if self.control_plane.get(component):
            return Availability(status="ok")
        pods = self.kind_availability("Pod")
        if pods.status in ("forbidden", "error"):
            return Availability(
                status=pods.status, reason=f"{component} flags are unknown: {pods.reason or 'pods unreadable'}"
            )
        platform = self.facts.platform or "unknown"
        if platform in MANAGED_PLATFORMS:
            return Availability(status="not-collected", reason=MANAGED_PLATFORMS[platform])
        return Availability(
            status="absent",
            reason=f"no {component} pod labelled component={component} in kube-system "
            "(a managed or external control plane, or k3s): review its flags by hand",
        )

    # --- derived views ------------------------------------------------------------------

    @cached_property
    def control_plane(self) -> dict[str, list[ControlPlaneComponent]]:
        """Static control-plane pods in kube-system, every replica, with parsed flags."""
        found: dict[str, list[ControlPlaneComponent]] = defaultdict(list)
        for pod in self.in_namespace("Pod", "kube-system", o.Pod):
            component = pod.metadata.labels.get("component")
            if component not in CONTROL_PLANE_COMPONENTS:
                continue
            for container in pod.spec.containers:
                words = [*container.command, *container.args]
                if any(component in w for w in words[:2]) or len(pod.spec.containers) == 1:
                    found[component].append(ControlPlaneComponent(component, pod, parse_flags(words)))
                    break
        return dict(found)

    @cached_property
    def workloads(self) -> list[Workload]:
        """Top-level owners with their pod template; pods are counted, not repeated."""
        owners = Owners(obj for kind in WORKLOAD_KINDS[1:] for obj in self._by_kind.get(kind, ()))
        result: dict[tuple[str, str | None, str], Workload] = {}
        for obj in owners.controllers.values():
            if owners.parent(obj) is None:
                result[_owner_key(obj)] = _workload_from_controller(obj)
        for pod in self.of("Pod", o.Pod):
            owner = owners.top(pod) if pod.metadata.ownerReferences else pod
            if owner is not pod:
                workload = result[_owner_key(owner)]
                workload.pods += 1
                if pod.spec.nodeName:
                    workload.nodes.add(pod.spec.nodeName)
                _merge_injected(workload, pod)
                continue
            key = _unresolved_owner_key(pod)
            if key not in result:
                result[key] = _workload_from_pod(pod, key)
            result[key].pods += 1
            if pod.spec.nodeName:
                result[key].nodes.add(pod.spec.nodeName)
        return sorted(result.values(), key=lambda w: (w.namespace or "", w.kind, w.name))


#: Skipped objects named in one coverage note; the warnings printed while reading name them all.
_NOTED = 3


def _noted(avail: Availability, skipped: list[SkippedObject]) -> Availability:
    """`avail` with a note of the objects the source skipped. Objects were read besides them: the
    input stays `ok`, and the note says what was not audited. None was: `error`, not `absent` (a
    source that held only a malformed Deployment does not hold "no Deployment objects")."""
    if not skipped:
        return avail
    shown = "; ".join(s.label() for s in skipped[:_NOTED])
    more = f"; and {len(skipped) - _NOTED} more" if len(skipped) > _NOTED else ""
    what = "1 malformed object was" if len(skipped) == 1 else f"{len(skipped)} malformed objects were"
    note = f"{what} not read, so not audited: {shown}{more}"
    if avail.ok:
        return Availability(status="ok", count=avail.count, reason=f"{avail.reason}; {note}" if avail.reason else note)
    if avail.status == "absent":
        return Availability(status="error", reason=note)
    return Availability(
        status=avail.status, count=avail.count, reason=f"{avail.reason}; {note}" if avail.reason else note
    )


def _merge_injected(workload: Workload, pod: o.Pod) -> None:
    """Add containers a pod runs that its controller's template does not declare.

    Admission webhooks inject sidecars into pods, never into the Deployment, and debug
    sessions add ephemeral containers; both run with whatever privileges they were given,
    so they are audited as part of the workload (and can be exempted by container name).
    The template's spec object is shared with the controller, so it is copied, not mutated.
    """
    spec = workload.spec
    extra: dict[str, list[o.Container]] = {}
    for field_name in ("containers", "initContainers", "ephemeralContainers"):
        known = {c.name for c in getattr(spec, field_name)}
        new = [c for c in getattr(pod.spec, field_name) if c.name not in known]
        if new:
            extra[field_name] = [*getattr(spec, field_name), *new]
            workload.injected.update(c.name for c in new)
    if extra:
        workload.spec = copy.copy(spec)
        for field_name, containers in extra.items():
            setattr(workload.spec, field_name, containers)


def _unresolved_owner_key(pod: o.Pod) -> tuple[str, str | None, str]:
    """A pod whose controller was not read is reported as that controller, by reference."""
    for ref in pod.metadata.ownerReferences:
        if ref.controller is not False and ref.kind in WORKLOAD_KINDS:
            return ref.kind, pod.namespace, ref.name
    return "Pod", pod.namespace, pod.name


def template_of(obj: o.K8sObject) -> tuple[o.ObjectMeta, o.PodSpec, int | None]:
    if isinstance(obj, o.CronJob):
        tpl = obj.spec.jobTemplate.spec.template
        return tpl.metadata, tpl.spec, None
    if isinstance(obj, o.Pod):
        return obj.metadata, obj.spec, None
    spec = getattr(obj, "spec", None)
    if isinstance(spec, o.WorkloadSpec | o.ReplicationControllerSpec):
        return spec.template.metadata, spec.template.spec, spec.replicas
    return o.ObjectMeta(), o.PodSpec(), None


def _workload_from_controller(obj: o.K8sObject) -> Workload:
    meta, spec, replicas = template_of(obj)
    api_version = obj.apiVersion or BY_KIND[obj.kind].api_version
    return Workload(obj.kind, api_version, obj.namespace, obj.name, obj.metadata, meta, spec, replicas, 0, obj._origin)


def _workload_from_pod(pod: o.Pod, key: tuple[str, str | None, str]) -> Workload:
    kind, namespace, name = key
    api_version = BY_KIND[kind].api_version if kind in BY_KIND else "v1"
    return Workload(kind, api_version, namespace, name, pod.metadata, pod.metadata, pod.spec, None, 0, pod._origin)
