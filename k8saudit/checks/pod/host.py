"""Access to the node itself (NSA/CISA: Kubernetes Pod security): host ports, host paths and
Windows HostProcess containers.

How a hostPath is rated (decided here; the guide names `/`, `/etc`, runtime sockets and `/proc`
as worse):
- critical: the container runtime's socket or directory (docker, containerd, CRI-O,
  cri-dockerd), or a directory that contains one (`/`, `/var`, `/run`, `/var/run`). Whoever
  can talk to the runtime can start a privileged container on the node; a read-only mount
  does not help, because connecting to a socket is not a write to the mounted filesystem;
- high: a location whose content is secret, or a directory that contains one, read-only or
  not: `/etc`, `/proc`, `/sys`, `/dev`, `/boot`, `/root`, `/home`, the kubelet's and etcd's
  state (`/var/lib/kubelet`, `/var/lib/etcd`), the runtimes' stores (`/var/lib/docker`,
  `/var/lib/containerd`, `/var/lib/containers`): reading them leaks node credentials and
  other pods' secrets;
- high when writable: code the node runs (`/usr`, `/bin`, `/sbin`, `/lib`, `/lib64`,
  `/opt/cni/bin`); read-only, these are rated like any other path;
- medium: any other path a container mounts writable; low: any other path mounted only
  read-only, or not mounted by any container (an ephemeral debug container could still mount it).

Paths are compared after normalisation (`//x/../etc/` is `/etc`) on whole path components.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Workload

#: Container runtime endpoints (sockets or the directories that hold them).
RUNTIME_SOCKETS = (
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd",
    "/run/containerd",
    "/var/run/crio",
    "/run/crio",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
    "/run/dockershim.sock",
)
#: Node locations whose content is credentials or configuration: sensitive even read-only.
SENSITIVE_PATHS = (
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/home",
    "/var/lib/kubelet",
    "/var/lib/etcd",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/containers",
)
#: Node locations holding code the node runs: sensitive when writable.
CODE_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/opt/cni/bin")


def normalize(path: str) -> str:
    """`//etc/../etc/` → `/etc`; a relative path is taken from the root, as the kubelet would refuse it."""
    cleaned = posixpath.normpath("/" + path.strip())
    return "/" + cleaned.lstrip("/")


def _within(path: str, base: str) -> bool:
    """`path` is `base` or below it, on whole components."""
    return path == base or base == "/" or path.startswith(base.rstrip("/") + "/")


def _related(path: str, target: str) -> bool:
    """The mount exposes `target`: it is the target, below it, or a directory containing it."""
    return _within(path, target) or _within(target, path)


def host_path_class(path: str, writable: bool) -> tuple[str, Severity]:
    """How bad mounting `path` from the node is: (what it is, severity)."""
    norm = normalize(path)
    if any(_related(norm, sock) for sock in RUNTIME_SOCKETS):
        return "container runtime socket", Severity.CRITICAL
    if any(_related(norm, sensitive) for sensitive in SENSITIVE_PATHS):
        return "sensitive node path", Severity.HIGH
    if writable and any(_related(norm, code) for code in CODE_PATHS):
        return "node binaries", Severity.HIGH
    return "node path", Severity.MEDIUM if writable else Severity.LOW


@check(
    id="pod.host-path",
    title="Pods mount no hostPath volumes (node filesystem)",
    problem="Node filesystem mounted through hostPath volumes",
    section=Section.POD_SECURITY,
    severity=Severity.HIGH,
    reads=("workloads",),
    rationale="""
A hostPath volume puts part of the node's filesystem inside the container. Writable, it lets
the container plant files the node runs or trusts; even read-only, `/etc`, `/proc` or
`/var/lib/kubelet` expose node credentials and other pods' secrets. The container runtime's
socket (`/var/run/docker.sock`, `/run/containerd/containerd.sock`, CRI-O's) is the worst: it
starts a privileged container on the node on request, read-only mount or not. The finding's
severity follows the worst path: critical for runtime sockets and directories holding them
(including `/`), high for locations holding secrets (and for node binaries mounted writable),
medium for other writable paths, low for other read-only ones. The baseline Pod Security
Standard forbids hostPath volumes entirely.
""",
    remediation="Use emptyDir, ConfigMap, Secret or PersistentVolumeClaim volumes instead. Where a node agent "
    "truly needs a host path, mount the narrowest path read-only, never a runtime socket, and exempt it "
    "with a reason.",
    references={"cis": ["5.2.12"], "kubescape": ["C-0048", "C-0045", "C-0074", "C-0203"], "polaris": []},
    fix="""
volumes:
  - name: data
    persistentVolumeClaim:
      claimName: data  # instead of hostPath
""",
)
def host_path(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        yield _host_path_result(ctx, workload)


def _host_path_result(ctx: ScanContext, workload: Workload) -> Result:
    writable: dict[str, bool] = {}
    for view in ctx.containers(workload):
        for mount in view.container.volumeMounts:
            writable[mount.name] = writable.get(mount.name, False) or mount.readOnly is not True
    found: list[tuple[Severity, str]] = []
    evidence: list[tuple[str, object]] = []
    for i, volume in enumerate(workload.spec.volumes):
        if volume.hostPath is None:
            continue
        path = volume.hostPath.path
        mounted = volume.name in writable
        rw = writable.get(volume.name, False)
        kind, severity = host_path_class(path, rw)
        how = "writable" if rw else ("read-only" if mounted else "not mounted by any container")
        found.append((severity, f"{volume.name} ({path}, {kind}, {how})"))
        evidence.append((f"spec.volumes[{i}].hostPath.path", path))
    if not found:
        return result(workload, failed=False, message="Pod mounts no hostPath volume")
    worst = max((sev for sev, _ in found), key=lambda s: s.rank)
    described = "; ".join(text for _, text in sorted(found, key=lambda f: -f[0].rank))
    return result(
        workload,
        failed=True,
        message=f"Pod mounts the node's filesystem: {described}",
        evidence=evidence,
        severity=worst,
    )


@check(
    id="pod.host-port",
    title="Containers do not bind host ports",
    problem="Containers bound to host ports",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
A hostPort binds the container to that port on every node it runs on: it bypasses the
Service and NetworkPolicy model (traffic arrives on the node's address), exposes the workload
beyond the cluster network and limits scheduling to one such pod per node. With hostNetwork,
every container port is a host port (the API server defaults hostPort to containerPort); this
check counts those too, as the Pod Security Standards do.
""",
    remediation="Remove hostPort and expose the workload through a Service (ClusterIP, or NodePort/LoadBalancer "
    "when it must be reached from outside).",
    references={"cis": ["5.2.13"], "kubescape": ["C-0044", "C-0204"], "polaris": ["hostPortSet"]},
    fix="""
ports:
  - containerPort: 8080  # no hostPort: expose it through a Service
""",
)
def host_port(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        host_network = workload.spec.hostNetwork is True
        for view in ctx.containers(workload):
            ports: list[int] = []
            evidence: list[tuple[str, object]] = []
            for j, port in enumerate(view.container.ports):
                bound = port.hostPort or 0
                if not bound and host_network and view.kind != "ephemeralContainer":
                    bound = port.containerPort or 0
                if bound:
                    ports.append(bound)
                    evidence.append((f"{view.path}.ports[{j}].hostPort", bound))
            if ports:
                listed = ", ".join(str(p) for p in sorted(set(ports)))
                note = " (hostNetwork: its container ports are node ports)" if host_network else ""
                message = f"Container {view.label} binds node port(s) {listed}{note}"
            else:
                message = f"Container {view.label} binds no node port"
            yield result(
                workload,
                failed=bool(ports),
                container=view.container.name,
                message=message,
                evidence=evidence or [(f"{view.path}.ports[*].hostPort", None)],
            )


@check(
    id="pod.windows-host-process",
    title="No Windows HostProcess containers",
    problem="Windows HostProcess containers",
    section=Section.POD_SECURITY,
    severity=Severity.CRITICAL,
    reads=("workloads",),
    rationale="""
A Windows HostProcess container runs directly on the Windows node, in the host's network and
with the host's file system and processes: the Windows counterpart of a privileged container.
The baseline Pod Security Standard forbids `windowsOptions.hostProcess: true` on the pod or any
container (a container's setting overrides the pod's).
""",
    remediation="Remove securityContext.windowsOptions.hostProcess (pod and containers); run node management "
    "tasks outside the cluster's workloads or exempt the one agent that needs it, with a reason.",
    references={"cis": ["5.2.11"], "kubescape": ["C-0202"], "polaris": []},
    fix="""
securityContext:
  windowsOptions:
    hostProcess: false
""",
)
def windows_host_process(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        for view in ctx.containers(workload):
            value = view.host_process()
            own = view.sc.windowsOptions is not None and view.sc.windowsOptions.hostProcess is not None
            path = (
                f"{view.path}.securityContext.windowsOptions.hostProcess"
                if own
                else "spec.securityContext.windowsOptions.hostProcess"
            )
            yield result(
                workload,
                failed=value is True,
                container=view.container.name,
                message=f"Container {view.label} runs as a Windows HostProcess container"
                if value
                else f"Container {view.label} is not a HostProcess container",
                evidence=[(path, value)],
            )
