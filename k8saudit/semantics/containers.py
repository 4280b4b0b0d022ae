"""Effective security settings of a container: the container's value, else the pod's.

Shared by the pod checks so that the "container overrides pod" rule is written once.
"""

from __future__ import annotations

from functools import cache

from k8saudit.model.inventory import Workload
from k8saudit.model.objects import Container, PodSecurityContext, SeccompProfile, SecurityContext, SELinuxOptions

#: Annotation the kubelet puts on the API mirror of a static pod.
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


#: What an unset securityContext means: every field unset. Shared, never modified.
_UNSET_SC = SecurityContext()
_UNSET_POD_SC = PodSecurityContext()


class ContainerView:
    """A container in its workload, with `path` naming the JSON path prefix for evidence.

    Made once per container of a workload (`ScanContext.containers`) and read by every pod check, so
    what the checks ask of each (the effective security contexts, the path, the label) is worked
    out here once rather than by each check for each container. Nothing modifies a view.
    """

    __slots__ = ("container", "index", "kind", "label", "path", "pod_sc", "sc", "workload")

    def __init__(self, workload: Workload, kind: str, container: Container, index: int) -> None:
        self.workload = workload
        self.kind = kind  # container, initContainer, ephemeralContainer
        self.container = container
        self.index = index
        self.sc: SecurityContext = container.securityContext or _UNSET_SC
        self.pod_sc: PodSecurityContext = workload.spec.securityContext or _UNSET_POD_SC
        #: `spec.containers[0]` style prefix (relative to the pod template), one string per place.
        self.path = _path_prefix(kind, index)
        name = container.name if kind == "container" else f"{container.name} ({kind})"
        self.label = f"{name} (injected into pods)" if container.name in workload.injected else name

    def __repr__(self) -> str:
        return f"ContainerView({self.workload.kind} {self.workload.name}, {self.path}, {self.container.name!r})"

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


@cache
def _path_prefix(kind: str, index: int) -> str:
    """`spec.containers[0]`: one string per container kind and index, shared by every view."""
    return f"spec.{kind}s[{index}]"


def container_views(workload: Workload) -> tuple[ContainerView, ...]:
    """Every container of the workload, in `Workload.containers()`'s order, with its index.

    The pod checks ask for them through the scan context (`ScanContext.containers`), which makes
    them once per workload per scan."""
    spec = workload.spec
    return tuple(
        ContainerView(workload, kind, container, index)
        for kind, items in (
            ("container", spec.containers),
            ("initContainer", spec.initContainers),
            ("ephemeralContainer", spec.ephemeralContainers),
        )
        for index, container in enumerate(items)
    )


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
