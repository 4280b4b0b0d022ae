"""The scan context: what one scan derives from its inventory, computed once and dropped with it.

Several checks (and the report's sections after them) need the same derived facts: a
workload's container views, each workload's Pod Security level, the RBAC access model, parsed
image references. The engine makes one `ScanContext` per scan and passes it to every check
(`k8saudit/engine/run.py`); each fact is computed the first time it is asked for. Nothing derived
lives anywhere else: no module-level cache, nothing stored on the inventory's objects. A check
is still a pure function: of the context, which is a function of the inventory.
"""

from __future__ import annotations

from functools import cached_property

from k8saudit.model.inventory import Inventory, Workload
from k8saudit.semantics.access import AccessModel
from k8saudit.semantics.containers import ContainerView, container_views
from k8saudit.semantics.escalation import Escalations
from k8saudit.semantics.images import ImageRef, parse_image
from k8saudit.semantics.psa import NamespaceReadiness, WorkloadLevel, namespace_readiness, workload_level


class ScanContext:
    """One scan's view of an inventory, with the facts derived from it (see the module docstring)."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        # Keyed by id(): a Workload is a mutable dataclass (unhashable). The workload is kept in
        # the value, so its id cannot be reused by another object while the context lives.
        self._views: dict[int, tuple[Workload, tuple[ContainerView, ...]]] = {}
        self._images: dict[str, ImageRef] = {}

    def containers(self, workload: Workload) -> tuple[ContainerView, ...]:
        """Every container of `workload` as the pod checks read it (about twenty checks ask,
        for every workload: the views are made on the first call)."""
        found = self._views.get(id(workload))
        if found is not None and found[0] is workload:
            return found[1]
        views = container_views(workload)
        self._views[id(workload)] = (workload, views)
        return views

    def image(self, reference: str) -> ImageRef:
        """`reference` parsed as the container runtime reads it, once per distinct reference."""
        found = self._images.get(reference)
        if found is None:
            found = self._images[reference] = parse_image(reference)
        return found

    @cached_property
    def pod_security(self) -> list[WorkloadLevel]:
        """Every workload's Pod Security level, in inventory order (`pss.*`, `psa.*`, the readiness)."""
        return [workload_level(w) for w in self.inventory.workloads]

    @cached_property
    def readiness(self) -> list[NamespaceReadiness]:
        """Every namespace's Pod Security admission labels and what enforcing each level would reject."""
        return namespace_readiness(self.inventory, self.pod_security)

    @cached_property
    def access(self) -> AccessModel:
        """Who may do what: the RBAC objects indexed, built-in roles filled in (`semantics.access`)."""
        return AccessModel(self.inventory)

    @cached_property
    def escalations(self) -> Escalations:
        """Which ServiceAccounts reach the cluster, and how namespaced grants lead to them
        (`semantics.escalation`): the RBAC permission checks and the access review ask it."""
        return Escalations(self.inventory, self.access)
