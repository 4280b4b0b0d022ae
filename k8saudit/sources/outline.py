"""Objects a listed controller owns, kept compact: the live collector's outline path.

A pod of a Deployment, StatefulSet, DaemonSet or (Cron)Job is audited as its controller's pod
template (`Inventory.workloads`); of the pod itself only its metadata, `spec.nodeName` and the
containers the template does not declare (injected sidecars, debug containers) are ever read.
Building the rest (about 50 models a pod) was most of a large scan's parse time and memory
(benchmarks/README.md), so such a pod keeps its metadata, node, status and only those
containers. A ReplicaSet or Job whose owner was listed keeps no pod template: its owner's
template is the workload audited. Owner resolution is `Inventory.workloads`' own (`Owners`: same
keys, same `controller: false` rule, same depth), so workloads, pod counts, nodes and injected
containers are unchanged. Every other object (bare, static, owner not listed, a control-plane
component in kube-system, anything unexpected in its shape) is parsed in full. A snapshot
written from a live scan holds the compacted objects and therefore gives the same findings.

For that the collector lists controllers first (`WAITS_FOR`) and parses each page of pods,
ReplicaSets and Jobs through the kind's `Compactor`, one of two ways that give the same objects
(tests/unit/sources/test_outline.py holds each against the other):

- **outlines** (`Compactor.from_outlines`): the page validated straight from its bytes into
  outline models holding only what a compact object keeps (and its containers' names). It
  skips building and freeing the dicts of whole objects, the bulk of a large cluster's bytes,
  and is taken only when every item of the page compacts;
- **dicts** (`Compactor.from_dicts`): the page parsed to dicts, each item compacted when it can
  be and parsed in full when not.

Outlines are tried first while they pay (`Compactor.outlines_pay`): where most pages need the
full path (a mesh injecting a sidecar into every pod) the outline is only an extra cost.
`drop_owned_templates` handles owners listed after what they own (a ReplicaSet of a ReplicaSet)
once every list is in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import Field, ValidationError
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_core import from_json

from k8saudit.model.inventory import CONTROL_PLANE_COMPONENTS, Owners, template_of
from k8saudit.model.kinds import WORKLOAD_KINDS, KindInfo
from k8saudit.model.objects import (
    LEAF_CONFIG,
    Container,
    K8sObject,
    LabelSelector,
    Leaf,
    ListMeta,
    ObjectList,
    ObjectMeta,
    Pod,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    Slim,
    WorkloadSpec,
)

#: Controllers no other listed kind owns: listed first.
TOP_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "ReplicationController")
#: Kinds whose pages are compacted, and the kinds listed (and waited for) before them.
WAITS_FOR: dict[str, tuple[str, ...]] = {"ReplicaSet": TOP_KINDS, "Job": TOP_KINDS, "Pod": WORKLOAD_KINDS[1:]}
#: Pages always tried as outlines before their misses can turn the outline path off.
OUTLINE_TRIAL = 4

_CONTAINER_FIELDS = ("containers", "initContainers", "ephemeralContainers")

#: Container names (per field of `_CONTAINER_FIELDS`) of a pod template; None: the pod is not compacted.
TemplateNames = tuple[frozenset[str], ...] | None


# --- outline models: only what a compact object keeps ------------------------------------------


@pydantic_dataclass(slots=True, config=LEAF_CONFIG)
class _NamedOutline(Leaf):
    name: str | None = None


@pydantic_dataclass(slots=True, config=LEAF_CONFIG)
class _PodSpecOutline(Leaf):
    nodeName: str | None = None
    containers: list[_NamedOutline] = Field(default_factory=list)
    initContainers: list[_NamedOutline] = Field(default_factory=list)
    ephemeralContainers: list[_NamedOutline] = Field(default_factory=list)


@pydantic_dataclass(slots=True, config=LEAF_CONFIG)
class _PodOutline(Leaf):
    """What a compact pod keeps (metadata, node, status) plus its containers' names."""

    metadata: ObjectMeta | None = None  # None: not sent (the full parse decides what that means)
    spec: _PodSpecOutline | None = None
    status: PodStatus = Field(default_factory=PodStatus)


class _PodOutlines(Slim):
    """A page of pods as outlines (`ObjectList`'s shape)."""

    kind: str | None = None
    metadata: ListMeta = Field(default_factory=ListMeta)
    items: list[_PodOutline] = Field(default_factory=list)


@pydantic_dataclass(slots=True, config=LEAF_CONFIG)
class _Present(Leaf):
    """A JSON object whose content is not read: only that it was there."""


@pydantic_dataclass(slots=True, config=LEAF_CONFIG)
class _WorkloadSpecOutline(Leaf):
    """`WorkloadSpec` without its pod template (only whether one was sent)."""

    replicas: int | None = None
    selector: LabelSelector | None = None
    template: _Present | None = None


@pydantic_dataclass(slots=True, config=LEAF_CONFIG)
class _ControllerOutline(Leaf):
    """A ReplicaSet or Job as `Compactor.compact_controller` keeps it."""

    apiVersion: str = ""
    metadata: ObjectMeta | None = None
    spec: _WorkloadSpecOutline | None = None


class _ControllerOutlines(Slim):
    """A page of ReplicaSets or Jobs as outlines."""

    kind: str | None = None
    metadata: ListMeta = Field(default_factory=ListMeta)
    items: list[_ControllerOutline] = Field(default_factory=list)


# --- the compactor ------------------------------------------------------------------------------


class Compactor:
    """Parses the list pages of one kind (Pod, ReplicaSet or Job), compacting what `controllers` own.

    One per compacted kind and collection, used only by the thread listing that kind. It owns
    what compacting derives (the owner index, container names by owner, the outline counters),
    so that state ends with the collection: nothing is kept between scans.
    """

    def __init__(self, controllers: Iterable[K8sObject], item_model: type[K8sObject]) -> None:
        self.owners = Owners(controllers)
        self.item_model = item_model
        #: template_names by the owner key (kind, namespace, name) of the pod's parent.
        self._names_by_parent: dict[tuple[str, str | None, str], TemplateNames] = {}
        self.outline_pages = 0  # pages tried as outlines
        self.outline_misses = 0  # of which needed the full path

    def parse(self, model: type[ObjectList[Any]], data: bytes) -> ObjectList[Any]:
        """One page (`model` is the kind's list model): as outlines while they pay, else through dicts."""
        if self.outlines_pay():
            page = self.from_outlines(model, data)
            if page is not None:
                return page
        return self.from_dicts(model, data)

    def outlines_pay(self) -> bool:
        """Whether to try a page as outlines first: yes until most pages have needed the full parse
        (a mesh injecting a sidecar into every pod), when the outline is only an extra cost."""
        return self.outline_pages < OUTLINE_TRIAL or self.outline_misses * 2 <= self.outline_pages

    # --- outlines ------------------------------------------------------------------------------

    def from_outlines(self, model: type[ObjectList[Any]], data: bytes) -> ObjectList[Any] | None:
        """A page whose every item is compact, straight from the bytes; None: parse it in full.

        A page with any item that `from_dicts` would not compact (bare, static, injected
        containers, owner not listed, an odd shape) returns None, so the result is always the
        same as theirs.
        """
        self.outline_pages += 1
        if self.item_model is Pod:
            found = _outline_page(_PodOutlines, data, self._outline_pod)
        else:
            found = _outline_page(_ControllerOutlines, data, self._outline_controller)
        if found is None:
            self.outline_misses += 1
            return None
        outlines, items = found
        return model(kind=outlines.kind, metadata=outlines.metadata, items=items)

    def _outline_controller(self, outline: _ControllerOutline) -> K8sObject | None:
        """`compact_controller`'s answer for a ReplicaSet or Job whose owner was listed; None otherwise."""
        meta, spec = outline.metadata, outline.spec
        if meta is None or spec is None or spec.template is None:
            return None
        obj = self.item_model.model_validate(
            {
                "apiVersion": outline.apiVersion,
                "metadata": meta,
                "spec": {"replicas": spec.replicas, "selector": spec.selector},
            }
        )
        return obj if self.owners.parent(obj) is not None else None

    def _outline_pod(self, outline: _PodOutline) -> Pod | None:
        """`compact_pod`'s answer for a pod whose containers are all its template's; None otherwise."""
        meta, spec = outline.metadata, outline.spec
        if meta is None or spec is None:
            return None
        if meta.namespace == "kube-system" and meta.labels.get("component") in CONTROL_PLANE_COMPONENTS:
            return None
        pod = Pod(metadata=meta, spec=PodSpec(nodeName=spec.nodeName), status=outline.status)
        names = self.template_names(pod)
        if names is None:
            return None
        for containers, known in zip(
            (spec.containers, spec.initContainers, spec.ephemeralContainers), names, strict=True
        ):
            for container in containers:
                if container.name is None or container.name not in known:
                    return None
        return pod

    # --- dicts ---------------------------------------------------------------------------------

    def from_dicts(self, model: type[ObjectList[Any]], data: bytes) -> ObjectList[Any]:
        """The page parsed to dicts: each item compacted when it can be, parsed in full when not."""
        try:
            raw = from_json(data)
        except ValueError:
            raw = None  # invalid JSON: the model reports it as the plain parse does
        if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
            return model.model_validate_json(data)
        compact = self.compact_pod if self.item_model is Pod else self.compact_controller
        raw["items"] = [obj if (obj := compact(item)) is not None else item for item in raw["items"]]
        return model.model_validate(raw)

    def compact_controller(self, item: Any) -> K8sObject | None:
        """A ReplicaSet or Job whose owner was listed, without its template; None: parse in full."""
        if not isinstance(item, dict):
            return None
        spec = item.get("spec")
        if not isinstance(spec, dict) or "template" not in spec:
            return None
        try:
            obj = self.item_model.model_validate({**item, "spec": {k: v for k, v in spec.items() if k != "template"}})
        except ValidationError:
            return None
        return obj if self.owners.parent(obj) is not None else None

    def compact_pod(self, item: Any) -> Pod | None:
        """The compact pod, or None: parse this item in full."""
        if not isinstance(item, dict):
            return None
        meta, spec, status = item.get("metadata"), item.get("spec"), item.get("status")
        if not isinstance(meta, dict) or not isinstance(spec, dict):
            return None
        slim: dict[str, Any] = {"metadata": meta, "spec": {"nodeName": spec.get("nodeName")}}
        if status is not None:
            slim["status"] = status
        try:
            pod = Pod.model_validate(slim)
        except ValidationError:
            return None
        if pod.namespace == "kube-system" and pod.metadata.labels.get("component") in CONTROL_PLANE_COMPONENTS:
            return None  # Inventory.control_plane reads its flags
        names = self.template_names(pod)
        if names is None:
            return None
        for field_name, known in zip(_CONTAINER_FIELDS, names, strict=True):
            extra = _extra_containers(spec.get(field_name), known)
            if extra is None:
                return None
            if extra:
                try:
                    setattr(pod.spec, field_name, [Container.model_validate(c) for c in extra])
                except ValidationError:
                    return None
        return pod

    # --- owners --------------------------------------------------------------------------------

    def template_names(self, pod: K8sObject) -> TemplateNames:
        """Container names (per field) of the pod's top controller's template; None: not owned."""
        if not pod.metadata.ownerReferences:
            return None
        parent = self.owners.parent(pod)
        if parent is None:
            return None
        # The answer depends only on the chain above the parent: the same for all its pods.
        key = (parent.kind, parent.namespace, parent.name)  # `Owners`' key: one per controller
        if key in self._names_by_parent:
            return self._names_by_parent[key]
        top = self.owners.top(pod)
        names = None
        if self.owners.parent(top) is None:
            spec = template_of(top)[1]
            names = tuple(frozenset(c.name for c in getattr(spec, f)) for f in _CONTAINER_FIELDS)
        self._names_by_parent[key] = names
        return names


def _outline_page(
    page_model: type[_PodOutlines | _ControllerOutlines], data: bytes, compact: Callable[[Any], K8sObject | None]
) -> tuple[_PodOutlines | _ControllerOutlines, list[K8sObject]] | None:
    """The page as outlines and each item compacted; None when the page or any item is not compact."""
    try:
        outlines = page_model.model_validate_json(data)
    except ValidationError:
        return None
    if "items" not in outlines.model_fields_set:
        return None
    items: list[K8sObject] = []
    for outline in outlines.items:
        obj = compact(outline)
        if obj is None:
            return None
        items.append(obj)
    return outlines, items


def _extra_containers(raw: Any, known: frozenset[str]) -> list[dict[str, Any]] | None:
    """The containers of one pod field its template lacks; None: the field's shape is not compact."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        return None
    extra = []
    for container in raw:
        if not isinstance(container, dict) or not isinstance(container.get("name"), str):
            return None
        if container["name"] not in known:
            extra.append(container)
    return extra


def drop_owned_templates(objects: list[K8sObject]) -> None:
    """Forget the pod template of a controller another listed controller owns.

    A ReplicaSet of a listed Deployment (current and old ones alike) or a Job of a listed
    CronJob is never a workload: `Inventory.workloads` audits its owner's template and reads of
    it only its metadata, to walk up to that owner. Its own template (a full pod spec, about
    40 KB of models) is dropped; one whose owner was not listed keeps it, as it is reported
    as the workload itself. The compactors did this already for owners listed before; this
    covers the rest once every list is in.
    """
    owners = Owners(obj for obj in objects if obj.kind in WORKLOAD_KINDS[1:])
    for obj in owners.controllers.values():
        spec = getattr(obj, "spec", None)
        if isinstance(spec, WorkloadSpec) and owners.parent(obj) is not None:
            spec.template = PodTemplateSpec()


def compactor_for(info: KindInfo, listed: Callable[[str], list[K8sObject]]) -> Compactor | None:
    """The Compactor of a kind (None: its objects are not compacted), over the controllers of the
    kinds it waits for; `listed(kind)` gives one kind's objects, waiting until they are in."""
    waits = WAITS_FOR.get(info.kind)
    if waits is None:
        return None
    try:
        controllers = [obj for kind in waits for obj in listed(kind)]
    except BaseException:  # a list that failed: the collector raises that itself
        return None
    return Compactor(controllers, info.model)
