"""Effective security settings of a container: the container's value, else the pod's.

Shared by the pod checks (and, later, the Pod Security Standards evaluation) so that the
"container overrides pod" rule is written once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from k8saudit.inventory import Workload
from k8saudit.objects import Container, PodSecurityContext, SecurityContext


@dataclass(frozen=True)
class ContainerView:
    """A container in its workload, with `where` naming the JSON path prefix for evidence."""

    workload: Workload
    kind: str  # container, initContainer, ephemeralContainer
    container: Container
    index: int

    @property
    def sc(self) -> SecurityContext:
        return self.container.securityContext or SecurityContext()

    @property
    def pod_sc(self) -> PodSecurityContext:
        return self.workload.spec.securityContext or PodSecurityContext()

    @property
    def path(self) -> str:
        """`spec.containers[0]` style prefix (relative to the pod template)."""
        return f"spec.{self.kind}s[{self.index}]"

    @property
    def label(self) -> str:
        name = self.container.name if self.kind == "container" else f"{self.container.name} ({self.kind})"
        return f"{name} (injected into pods)" if self.container.name in self.workload.injected else name

    def run_as_non_root(self) -> bool | None:
        return self.sc.runAsNonRoot if self.sc.runAsNonRoot is not None else self.pod_sc.runAsNonRoot

    def run_as_user(self) -> int | None:
        return self.sc.runAsUser if self.sc.runAsUser is not None else self.pod_sc.runAsUser


def containers(workload: Workload) -> Iterator[ContainerView]:
    counters: dict[str, int] = {}
    for kind, container in workload.containers():
        index = counters.get(kind, 0)
        counters[kind] = index + 1
        yield ContainerView(workload, kind, container, index)
