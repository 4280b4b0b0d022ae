"""Pod and container security settings (NSA/CISA: Kubernetes Pod security).

Every container kind is evaluated (containers, initContainers, ephemeralContainers) and the
finding names the workload a person owns; container settings override pod settings.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks._pod import containers
from k8saudit.findings import Section, Severity
from k8saudit.inventory import Inventory
from k8saudit.registry import Result, check, result

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
    section=Section.POD_SECURITY,
    severity=Severity.HIGH,
    reads=("workloads",),
    rationale="""
A process running as UID 0 inside a container is root on the node if it escapes the
container. The NSA/CISA guide asks for non-root users enforced by `runAsNonRoot: true`.
""",
    remediation="Set securityContext.runAsNonRoot: true (pod or container) and run the image as a non-zero runAsUser.",
    references={"cis": ["5.2.7"], "kubescape": ["C-0013"], "polaris": ["runAsRootAllowed"]},
)
def run_as_non_root(inv: Inventory) -> Iterator[Result]:
    for workload in inv.workloads:
        for view in containers(workload):
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
    section=Section.POD_SECURITY,
    severity=Severity.CRITICAL,
    reads=("workloads",),
    rationale="""
A privileged container has every capability and access to all host devices: it is root on
the node. Very few workloads (some CNI and storage drivers) need it.
""",
    remediation="Set securityContext.privileged: false; grant the one capability the process needs instead.",
    references={"cis": ["5.2.2"], "kubescape": ["C-0057"], "polaris": ["runAsPrivileged"]},
)
def privileged(inv: Inventory) -> Iterator[Result]:
    for workload in inv.workloads:
        for view in containers(workload):
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
    section=Section.POD_SECURITY,
    severity=Severity.HIGH,
    reads=("workloads",),
    rationale="""
Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent
(setuid binaries, file capabilities). The default is to allow it.
""",
    remediation="Set securityContext.allowPrivilegeEscalation: false on every container.",
    references={"cis": ["5.2.6"], "kubescape": ["C-0016"], "polaris": ["privilegeEscalationAllowed"]},
)
def allow_privilege_escalation(inv: Inventory) -> Iterator[Result]:
    for workload in inv.workloads:
        for view in containers(workload):
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
)
def read_only_root_fs(inv: Inventory) -> Iterator[Result]:
    for workload in inv.workloads:
        for view in containers(workload):
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
        "kubescape": ["C-0038", "C-0041"],
        "polaris": ["hostPIDSet", "hostIPCSet", "hostNetworkSet"],
    },
)
def host_namespaces(inv: Inventory) -> Iterator[Result]:
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
        "kubescape": ["C-0046"],
        "polaris": ["dangerousCapabilities", "insecureCapabilities"],
    },
)
def capabilities(inv: Inventory) -> Iterator[Result]:
    for workload in inv.workloads:
        for view in containers(workload):
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
