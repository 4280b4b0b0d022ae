"""Pod and container security settings (NSA/CISA: Kubernetes Pod security).

Every container kind is evaluated (containers, initContainers, ephemeralContainers) and the
finding names the workload a person owns; container settings override pod settings.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, result
from k8saudit.model.findings import Section, Severity
from k8saudit.semantics.containers import is_windows

#: Capabilities the restricted Pod Security Standard allows to be added.
ALLOWED_ADD = {"NET_BIND_SERVICE"}
#: Added capabilities that amount to (near) root on the node.
DANGEROUS_CAPS = {
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "DAC_READ_SEARCH",
    "SYS_RAWIO",
    "BPF",
    "PERFMON",
    "SYS_BOOT",
    "NET_RAW",
}


@check(
    id="pod.run-as-non-root",
    title="Containers run as a non-root user",
    problem="Containers that may run as root",
    section=Section.POD_SECURITY,
    severity=Severity.HIGH,
    reads=("workloads",),
    rationale="""
A process running as UID 0 inside a container is root on the node if it escapes the
container. The NSA/CISA guide asks for non-root users enforced by `runAsNonRoot: true`.
""",
    remediation="Set securityContext.runAsNonRoot: true (pod or container) and run the image as a non-zero runAsUser.",
    references={"cis": ["5.2.7"], "kubescape": ["C-0013", "C-0198"], "polaris": ["runAsRootAllowed"]},
    fix="""
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
""",
)
def run_as_non_root(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        for view in ctx.containers(workload):
            non_root, uid = view.run_as_non_root(), view.run_as_user()
            failed = uid == 0 or (non_root is not True and (uid is None or uid == 0))
            if uid == 0:
                message = f"Container {view.label} runs as UID 0 (root)"
            elif failed:
                message = f"Container {view.label} may run as root: runAsNonRoot is not true and no non-zero runAsUser"
            else:
                message = f"Container {view.label} runs as non-root"
            yield result(
                workload,
                failed=failed,
                container=view.container.name,
                message=message,
                evidence=[
                    (f"{view.path}.securityContext.runAsNonRoot", non_root),
                    (f"{view.path}.securityContext.runAsUser", uid),
                ],
            )


@check(
    id="pod.privileged",
    title="Containers do not run privileged",
    problem="Privileged containers",
    section=Section.POD_SECURITY,
    severity=Severity.CRITICAL,
    reads=("workloads",),
    rationale="""
A privileged container has every capability and access to all host devices: it is root on
the node. Very few workloads (some CNI and storage drivers) need it.
""",
    remediation="Set securityContext.privileged: false; grant the one capability the process needs instead.",
    references={"cis": ["5.2.2"], "kubescape": ["C-0057", "C-0193"], "polaris": ["runAsPrivileged"]},
    fix="""
securityContext:
  privileged: false
""",
)
def privileged(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        for view in ctx.containers(workload):
            value = view.sc.privileged
            yield result(
                workload,
                failed=value is True,
                container=view.container.name,
                message=f"Container {view.label} runs privileged"
                if value
                else f"Container {view.label} is not privileged",
                evidence=[(f"{view.path}.securityContext.privileged", value)],
            )


@check(
    id="pod.allow-privilege-escalation",
    title="Containers forbid privilege escalation",
    problem="Privilege escalation allowed",
    section=Section.POD_SECURITY,
    severity=Severity.HIGH,
    reads=("workloads",),
    rationale="""
Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent
(setuid binaries, file capabilities). The default is to allow it.
""",
    remediation="Set securityContext.allowPrivilegeEscalation: false on every container.",
    references={"cis": ["5.2.6"], "kubescape": ["C-0016", "C-0197"], "polaris": ["privilegeEscalationAllowed"]},
    fix="""
securityContext:
  allowPrivilegeEscalation: false
""",
)
def allow_privilege_escalation(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        for view in ctx.containers(workload):
            value = view.sc.allowPrivilegeEscalation
            failed = value is not False
            yield result(
                workload,
                failed=failed,
                container=view.container.name,
                message=(
                    f"Container {view.label} allows privilege escalation"
                    + (" (unset defaults to true)" if value is None else "")
                )
                if failed
                else f"Container {view.label} forbids privilege escalation",
                evidence=[(f"{view.path}.securityContext.allowPrivilegeEscalation", value)],
            )


@check(
    id="pod.read-only-root-fs",
    title="Containers use a read-only root filesystem",
    problem="Writable root filesystems",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
A writable root filesystem lets an attacker drop tools and persist changes inside the
container. Mount writable volumes (emptyDir) only where the application writes.
""",
    remediation="Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the "
    "application must write.",
    references={"cis": [], "kubescape": ["C-0017"], "polaris": ["notReadOnlyRootFilesystem"]},
    fix="""
securityContext:
  readOnlyRootFilesystem: true
# with an emptyDir mounted wherever the process writes (/tmp, caches)
""",
)
def read_only_root_fs(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        for view in ctx.containers(workload):
            value = view.sc.readOnlyRootFilesystem
            yield result(
                workload,
                failed=value is not True,
                container=view.container.name,
                message=f"Container {view.label} has a writable root filesystem"
                if value is not True
                else f"Container {view.label} has a read-only root filesystem",
                evidence=[(f"{view.path}.securityContext.readOnlyRootFilesystem", value)],
            )


@check(
    id="pod.host-namespaces",
    title="Pods do not share the host's PID, IPC or network namespace",
    problem="Pods sharing the host's PID, IPC or network namespace",
    section=Section.POD_SECURITY,
    severity=Severity.HIGH,
    reads=("workloads",),
    rationale="""
hostPID lets a container see and signal every process on the node, hostIPC share its memory,
hostNetwork bind to its interfaces and reach services bound to localhost.
""",
    remediation="Remove hostPID, hostIPC and hostNetwork from the pod spec (or set them to false).",
    references={
        "cis": ["5.2.3", "5.2.4", "5.2.5"],
        "kubescape": ["C-0038", "C-0041", "C-0275", "C-0276"],
        "polaris": ["hostPIDSet", "hostIPCSet", "hostNetworkSet"],
    },
    fix="""
spec:
  hostPID: false
  hostIPC: false
  hostNetwork: false
""",
)
def host_namespaces(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        spec = workload.spec
        shared = [
            name
            for name, value in (("hostPID", spec.hostPID), ("hostIPC", spec.hostIPC), ("hostNetwork", spec.hostNetwork))
            if value
        ]
        yield result(
            workload,
            failed=bool(shared),
            message=f"Pod shares the host's namespaces: {', '.join(shared)}"
            if shared
            else "Pod uses its own PID, IPC and network namespaces",
            evidence=[
                ("spec.hostPID", spec.hostPID),
                ("spec.hostIPC", spec.hostIPC),
                ("spec.hostNetwork", spec.hostNetwork),
            ],
        )


@check(
    id="pod.capabilities",
    title="Containers drop ALL capabilities and add none beyond NET_BIND_SERVICE",
    problem="Capabilities not dropped, or added beyond NET_BIND_SERVICE",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
Linux capabilities split root's power; the runtime's default set still includes several an
attacker can use (NET_RAW for spoofing, for one). Drop ALL and add back only what is needed.
Adding SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE or ALL is close to running privileged.
""",
    remediation="Set securityContext.capabilities.drop: [ALL] and add only NET_BIND_SERVICE if the "
    "process binds a port below 1024.",
    references={
        "cis": ["5.2.8", "5.2.9", "5.2.10"],
        "kubescape": ["C-0046", "C-0199", "C-0200", "C-0201"],
        "polaris": ["dangerousCapabilities", "insecureCapabilities"],
    },
    fix="""
securityContext:
  capabilities:
    drop: [ALL]
    add: [NET_BIND_SERVICE]  # only if it binds a port below 1024
""",
)
def capabilities(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        for view in ctx.containers(workload):
            caps = view.sc.capabilities
            added = sorted({c.upper().removeprefix("CAP_") for c in (caps.add if caps else [])})
            dropped = {c.upper().removeprefix("CAP_") for c in (caps.drop if caps else [])}
            extra = [c for c in added if c not in ALLOWED_ADD]
            dangerous = [c for c in extra if c in DANGEROUS_CAPS]
            problems = []
            if extra:
                problems.append(f"adds {', '.join(extra)}")
            if "ALL" not in dropped:
                problems.append("does not drop ALL")
            yield result(
                workload,
                failed=bool(problems),
                container=view.container.name,
                message=f"Container {view.label} {' and '.join(problems)}"
                if problems
                else f"Container {view.label} drops ALL capabilities",
                evidence=[
                    (f"{view.path}.securityContext.capabilities.add", added),
                    (f"{view.path}.securityContext.capabilities.drop", sorted(dropped)),
                ],
                severity=Severity.HIGH if dangerous else None,
            )


@check(
    id="pod.root-group",
    title="Containers do not run with the root group (GID 0)",
    problem="Containers running with the root group (GID 0)",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
A process whose group is 0, or that holds 0 among its supplementary groups, can read and
write every file the root group may: inside the image (many are group-root writable) and,
after an escape or through a shared volume, on the node. `runAsGroup: 0`,
`supplementalGroups` containing 0 and `fsGroup: 0` (added to every process's groups and
given ownership of volumes) all grant it.

Semantics follow the Kubernetes API reference, not Kubescape: an unset `runAsGroup` means
"the image's group" (the group of the image's USER), not root, so only an explicit 0 fails
here; Kubescape's C-0013 counts a missing runAsGroup as root. The Pod Security Standards do
not restrict groups at all. Pods in their own user namespace (`hostUsers: false`) map GID 0 to
an unprivileged host group and pass, as upstream relaxes runAsNonRoot for them.
""",
    remediation="Set securityContext.runAsGroup to a non-zero GID (pod or container) and keep 0 out of "
    "supplementalGroups and fsGroup; or run the pod in a user namespace with hostUsers: false.",
    references={"cis": [], "kubescape": ["C-0013"], "polaris": []},
    fix="""
securityContext:
  runAsGroup: 10001
  fsGroup: 10001  # pod level
""",
)
def root_group(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        if is_windows(workload):
            continue  # Windows pods may not set Linux group ids
        pod_sc = workload.spec.securityContext
        supplemental = list(pod_sc.supplementalGroups) if pod_sc else []
        fs_group = pod_sc.fsGroup if pod_sc else None
        user_namespace = workload.spec.hostUsers is False
        for view in ctx.containers(workload):
            gid = view.run_as_group()
            grants = []
            if gid == 0:
                grants.append("runAsGroup is 0")
            if 0 in supplemental:
                grants.append("supplementalGroups include 0")
            if fs_group == 0:
                grants.append("fsGroup is 0")
            failed = bool(grants) and not user_namespace
            if failed:
                message = f"Container {view.label} runs with the root group: {', '.join(grants)}"
            elif grants:
                message = (
                    f"Container {view.label} has GID 0 ({', '.join(grants)}) only inside its user namespace "
                    "(hostUsers: false)"
                )
            elif gid is None:
                message = f"Container {view.label} sets no root group (runAsGroup unset: the image's group applies)"
            else:
                message = f"Container {view.label} runs with group {gid}"
            gid_path = (
                f"{view.path}.securityContext.runAsGroup"
                if view.sc.runAsGroup is not None
                else "spec.securityContext.runAsGroup"
            )
            yield result(
                workload,
                failed=failed,
                container=view.container.name,
                message=message,
                evidence=[
                    (gid_path, gid),
                    ("spec.securityContext.supplementalGroups", supplemental),
                    ("spec.securityContext.fsGroup", fs_group),
                ],
            )
