"""Effective security settings of a container: the container's value, else the pod's.

Shared by the pod checks (and, later, the Pod Security Standards evaluation) so that the
"container overrides pod" rule is written once.
"""

from __future__ import annotations

from collections.abc import Iterable

from k8saudit.model.inventory import Workload
from k8saudit.model.objects import Container, PodSecurityContext, SeccompProfile, SecurityContext, SELinuxOptions

#: Annotation the kubelet puts on the API mirror of a static pod.
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


#: What an unset securityContext means: every field unset. Shared, never modified.
_UNSET_SC = SecurityContext()
_UNSET_POD_SC = PodSecurityContext()


class ContainerView:
    """A container in its workload, with `path` naming the JSON path prefix for evidence.

    Made once per container of a workload (see `containers`) and read by every pod check, so
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
        self.path = _PATHS.get((kind, index)) or _PATHS.setdefault((kind, index), f"spec.{kind}s[{index}]")
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


#: The path prefixes, made once per container kind and index.
_PATHS: dict[tuple[str, int], str] = {}

#: Where a workload keeps its views: in the instance's own `__dict__` (a `Workload` is a plain
#: dataclass), so they live and die with it and are no field (not compared, copied or dumped).
_VIEWS = "_k8saudit_container_views"


def containers(workload: Workload) -> tuple[ContainerView, ...]:
    """Every container of the workload, in `Workload.containers()`'s order, with its index.

    Some twenty checks ask this of every workload; the views are made on the first call and
    kept with the workload, for as long as its spec, its containers and its injected names are
    the ones they were made from (the inventory does not change them once built; a test may).
    """
    spec = workload.spec
    cached = vars(workload).get(_VIEWS)
    if (
        cached is not None
        and cached[0] is spec
        and cached[1] == len(workload.injected)
        and len(cached[2]) == len(spec.containers) + len(spec.initContainers) + len(spec.ephemeralContainers)
    ):
        views: tuple[ContainerView, ...] = cached[2]
        return views
    views = _make_views(workload)
    vars(workload)[_VIEWS] = (spec, len(workload.injected), views)
    return views


def forget_views(workloads: Iterable[Workload]) -> None:
    """Drop the views `containers` kept (the engine does, once every check has run)."""
    for workload in workloads:
        vars(workload).pop(_VIEWS, None)


def _make_views(workload: Workload) -> tuple[ContainerView, ...]:
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
