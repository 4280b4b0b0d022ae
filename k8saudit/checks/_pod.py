"""Effective security settings of a container: the container's value, else the pod's.

Shared by the pod checks (and, later, the Pod Security Standards evaluation) so that the
"container overrides pod" rule is written once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from k8saudit.inventory import Workload
from k8saudit.objects import Container, PodSecurityContext, SeccompProfile, SecurityContext, SELinuxOptions

#: Annotation the kubelet puts on the API mirror of a static pod.
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


#: What an unset securityContext means: every field unset. Shared, never modified.
_UNSET_SC = SecurityContext()
_UNSET_POD_SC = PodSecurityContext()


@dataclass(slots=True)
class ContainerView:
    """A container in its workload, with `where` naming the JSON path prefix for evidence.

    Made for every container by each of the pod checks (slotted, not frozen: cheaper to make).
    """

    workload: Workload
    kind: str  # container, initContainer, ephemeralContainer
    container: Container
    index: int

    @property
    def sc(self) -> SecurityContext:
        return self.container.securityContext or _UNSET_SC

    @property
    def pod_sc(self) -> PodSecurityContext:
        return self.workload.spec.securityContext or _UNSET_POD_SC

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

    def run_as_group(self) -> int | None:
        return self.sc.runAsGroup if self.sc.runAsGroup is not None else self.pod_sc.runAsGroup

    def seccomp(self) -> tuple[SeccompProfile | None, str]:
        """The profile that applies and the field it came from (container over pod)."""
        if self.sc.seccompProfile is not None:
            return self.sc.seccompProfile, f"{self.path}.securityContext.seccompProfile"
        return self.pod_sc.seccompProfile, "spec.securityContext.seccompProfile"

    def se_linux(self) -> tuple[SELinuxOptions | None, str]:
        """The SELinux options that apply: a container's options replace the pod's as a whole."""
        if self.sc.seLinuxOptions is not None:
            return self.sc.seLinuxOptions, f"{self.path}.securityContext.seLinuxOptions"
        return self.pod_sc.seLinuxOptions, "spec.securityContext.seLinuxOptions"

    def host_process(self) -> bool | None:
        own = self.sc.windowsOptions.hostProcess if self.sc.windowsOptions else None
        if own is not None:
            return own
        return self.pod_sc.windowsOptions.hostProcess if self.pod_sc.windowsOptions else None


def containers(workload: Workload) -> Iterator[ContainerView]:
    """Every container of the workload, in `Workload.containers()`'s order, with its index."""
    spec = workload.spec
    for kind, items in (
        ("container", spec.containers),
        ("initContainer", spec.initContainers),
        ("ephemeralContainer", spec.ephemeralContainers),
    ):
        for index, container in enumerate(items):
            yield ContainerView(workload, kind, container, index)


def is_windows(workload: Workload) -> bool:
    """Explicitly a Windows pod (`spec.os.name: windows`): Linux-only settings do not apply."""
    return workload.spec.os is not None and workload.spec.os.name == "windows"


def is_static_pod(workload: Workload) -> bool:
    """The API mirror of a static pod (control-plane components): owned by its Node.

    Static pods may not reference ServiceAccounts or Secrets, and the kubelet mounts no token.
    """
    if workload.kind != "Pod":
        return False
    if MIRROR_ANNOTATION in workload.meta.annotations:
        return True
    return any(ref.kind == "Node" for ref in workload.meta.ownerReferences)
