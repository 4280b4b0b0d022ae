"""Kernel-level confinement of containers (NSA/CISA: Kubernetes Pod security): seccomp,
AppArmor, SELinux, sysctls and the /proc mount.

What is allowed follows the Pod Security Standards (`k8saudit.semantics.podsecurity` holds the sets
upstream uses), and a container's setting overrides the pod's as the kubelet applies them.
Explicitly Windows pods (`spec.os.name: windows`) are skipped: none of these apply to them.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import Node, SELinuxOptions
from k8saudit.semantics.containers import ContainerView, is_windows
from k8saudit.semantics.podsecurity import APPARMOR_ANNOTATION_PREFIX, SAFE_SYSCTLS, SELINUX_TYPES

CONFINED_SECCOMP = {"RuntimeDefault", "Localhost"}
CONFINED_APPARMOR = {"RuntimeDefault", "Localhost"}
#: SELinux types that switch confinement off altogether.
UNCONFINED_SELINUX_TYPES = {"spc_t", "unconfined_t"}


# --- seccomp -------------------------------------------------------------------------------


def kubelet_seccomp_default(inv: Inventory) -> tuple[bool, str]:
    """Whether every node's kubelet turns an unset seccomp profile into RuntimeDefault, and why (not).

    Only a kubelet configuration read from every node can say yes (`seccompDefault: true`,
    kubelet 1.27+ default false).
    """
    configs = inv.facts.kubelet
    nodes = sorted({n.name for n in inv.of("Node", Node)} | set(configs))
    if not configs or not any(c.config for c in configs.values()):
        return (
            False,
            "it runs Unconfined unless the kubelet has seccompDefault: true, not visible without --kubelet-config",
        )
    unread = [n for n in nodes if not (configs.get(n) and configs[n].config)]
    off = [n for n in nodes if n not in unread and (configs[n].config or {}).get("seccompDefault") is not True]
    if off:
        return False, f"it runs Unconfined: seccompDefault is off on node(s) {', '.join(off)}"
    if unread:
        return False, f"node(s) {', '.join(unread)} could not be read, so it may run Unconfined"
    return True, "every node's kubelet applies RuntimeDefault (seccompDefault: true)"


@check(
    id="pod.seccomp",
    title="Containers run with a seccomp profile (RuntimeDefault or Localhost)",
    problem="Containers without a seccomp profile",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    also_reads=("kubelet",),
    rationale="""
Seccomp filters the system calls a container may make; the container runtime's default
profile blocks a few dozen (keyctl, unshare, mount, bpf, ...) that most kernel escapes
start with. Unless the pod or container sets `seccompProfile.type` to RuntimeDefault or
Localhost, the container runs Unconfined, unless the kubelet runs with
`seccompDefault: true`, which this check honours when the kubelet configuration of every
node was collected (`--kubelet-config`). A container's profile overrides the pod's. The
restricted Pod Security Standard requires a profile; baseline forbids an explicit Unconfined.
""",
    remediation="Set securityContext.seccompProfile.type: RuntimeDefault at pod level (or Localhost with a "
    "reviewed profile), and consider seccompDefault: true in the kubelet configuration.",
    references={"cis": ["5.7.2"], "kubescape": ["C-0210", "C-0055"], "polaris": ["linuxHardening"]},
    fix="""
securityContext:
  seccompProfile:
    type: RuntimeDefault
""",
)
def seccomp(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    defaulted, default_note = kubelet_seccomp_default(inv)
    for workload in inv.workloads:
        if is_windows(workload):
            continue
        for view in ctx.containers(workload):
            profile, where = view.seccomp()
            kind = profile.type if profile is not None else None
            if kind in CONFINED_SECCOMP:
                failed, message = False, f"Container {view.label} uses seccomp profile {kind}"
            elif kind is None:
                failed = not defaulted
                message = f"Container {view.label} sets no seccomp profile: {default_note}"
            else:
                failed, message = True, f"Container {view.label} runs with seccomp profile {kind or '(empty)'}"
            yield result(
                workload,
                failed=failed,
                container=view.container.name,
                message=message,
                evidence=[(f"{where}.type", kind)],
            )


# --- AppArmor ------------------------------------------------------------------------------


def _apparmor(view: ContainerView) -> tuple[str | None, str]:
    """The AppArmor profile that applies, as a field type, and where it was set.

    Precedence as the kubelet applies it: the container's field, the legacy per-container
    annotation, then the pod's field. Annotation values map to types (`runtime/default` →
    RuntimeDefault, `localhost/x` → Localhost, `unconfined` → Unconfined); anything else is
    returned as written (the API server refuses it on create).
    """
    if view.sc.appArmorProfile is not None:
        return view.sc.appArmorProfile.type or "", f"{view.path}.securityContext.appArmorProfile.type"
    key = APPARMOR_ANNOTATION_PREFIX + view.container.name
    annotations = view.workload.template_meta.annotations
    if key in annotations:
        value = annotations[key]
        mapped = {"runtime/default": "RuntimeDefault", "unconfined": "Unconfined", "": None}.get(value, value)
        if value.startswith("localhost/"):
            mapped = "Localhost"
        return mapped, f"metadata.annotations[{key}]"
    pod = view.pod_sc.appArmorProfile
    return (pod.type or "" if pod is not None else None), "spec.securityContext.appArmorProfile.type"


@check(
    id="pod.apparmor",
    title="Containers do not run AppArmor-unconfined",
    problem="AppArmor-unconfined containers",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
On nodes with AppArmor (Ubuntu, Debian, COS, Bottlerocket) the container runtime confines every
container with its default profile unless told otherwise; `appArmorProfile.type: Unconfined`
(or the legacy annotation `container.apparmor.security.beta.kubernetes.io/<container>:
unconfined`) removes that layer, which among other things stops writes to /proc and /sys
and mount operations. An unset profile passes: the runtime default applies. The container's
field wins over the annotation, which wins over the pod's field. The baseline Pod Security
Standard forbids Unconfined and any annotation other than runtime/default or localhost/*.
""",
    remediation="Remove appArmorProfile type Unconfined (and the legacy unconfined annotation); use RuntimeDefault "
    "or a Localhost profile loaded on every node.",
    references={"cis": [], "kubescape": ["C-0055"], "polaris": ["linuxHardening"]},
    fix="""
securityContext:
  appArmorProfile:
    type: RuntimeDefault
""",
)
def apparmor(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        if is_windows(workload):
            continue
        for view in ctx.containers(workload):
            kind, where = _apparmor(view)
            if kind is None:
                failed, message = False, f"Container {view.label} uses the runtime's default AppArmor profile"
            elif kind in CONFINED_APPARMOR:
                failed, message = False, f"Container {view.label} uses AppArmor profile {kind}"
            else:
                failed, message = True, f"Container {view.label} runs with AppArmor profile {kind or '(empty)'}"
            yield result(
                workload, failed=failed, container=view.container.name, message=message, evidence=[(where, kind)]
            )


# --- SELinux -------------------------------------------------------------------------------


def selinux_problems(options: SELinuxOptions | None) -> list[str]:
    """What the baseline Pod Security Standard forbids in these options (empty: allowed)."""
    if options is None:
        return []
    problems: list[str] = []
    if (options.type or "") not in SELINUX_TYPES:
        problems.append(f"type {options.type}")
    if options.user:
        problems.append(f"user {options.user}")
    if options.role:
        problems.append(f"role {options.role}")
    return problems


@check(
    id="pod.selinux",
    title="SELinux options keep containers in a container type",
    problem="SELinux options outside the container type",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
On SELinux nodes (RHEL, Fedora CoreOS, OpenShift) the label decides what a container may touch
on the host. The baseline Pod Security Standard allows only the container types
(`container_t`, `container_init_t`, `container_kvm_t`, `container_engine_t`) and forbids
setting the SELinux user or role: any other type, `spc_t` (super-privileged) or
`unconfined_t` above all, lifts the confinement. A container's seLinuxOptions replace the
pod's; options the pod sets that every container overrides still make the admission plugin
refuse the pod, so they are reported too.
""",
    remediation="Remove seLinuxOptions user, role and non-container types; set only `level` (MCS categories) "
    "where needed, or `type: container_t`.",
    references={"cis": [], "kubescape": ["C-0055"], "polaris": ["linuxHardening"]},
    fix="""
securityContext:
  seLinuxOptions:
    level: "s0:c123,c456"  # only the MCS level; no user, role or type
""",
)
def selinux(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        if is_windows(workload):
            continue
        pod_options = workload.spec.securityContext.seLinuxOptions if workload.spec.securityContext else None
        pod_problems = selinux_problems(pod_options)
        pod_reported = False
        for view in ctx.containers(workload):
            options, where = view.se_linux()
            problems = selinux_problems(options)
            pod_reported |= bool(problems) and options is pod_options
            unconfined = options is not None and options.type in UNCONFINED_SELINUX_TYPES
            yield result(
                workload,
                failed=bool(problems),
                container=view.container.name,
                message=f"Container {view.label} sets forbidden SELinux options: {', '.join(problems)}"
                if problems
                else f"Container {view.label} keeps an allowed SELinux context",
                evidence=[(where, options.dump() if options is not None else None)],
                severity=Severity.HIGH if unconfined else None,
            )
        if pod_problems and not pod_reported:
            yield result(
                workload,
                failed=True,
                message=f"Pod-level seLinuxOptions set {', '.join(pod_problems)} (every container overrides them, "
                "but the Pod Security admission still refuses the pod)",
                evidence=[("spec.securityContext.seLinuxOptions", pod_options.dump() if pod_options else None)],
            )


# --- sysctls and /proc -----------------------------------------------------------------------


@check(
    id="pod.unsafe-sysctls",
    title="Pods set only safe sysctls",
    problem="Unsafe sysctls",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
Sysctls outside the upstream safe set are either not isolated per pod or let one pod starve
others of kernel resources (message queues, connection tables) on the node. The kubelet runs
them only when allowed with --allowed-unsafe-sysctls, and the baseline Pod Security Standard
forbids them. The safe set is that of Kubernetes 1.37 (kernel.shm_rmid_forced, the
net.ipv4 port-range, ping-group, tcp keepalive/fin/syncookies and buffer sysctls).
""",
    remediation="Remove the unsafe sysctls from securityContext.sysctls, or isolate the workload on dedicated nodes "
    "whose kubelet allows exactly those sysctls, and exempt it with a reason.",
    references={"cis": [], "kubescape": [], "polaris": []},
    fix="""
securityContext:  # pod level
  sysctls:
    - name: net.ipv4.ip_local_port_range  # only namespaced, safe sysctls
      value: "32768 60999"
""",
)
def unsafe_sysctls(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        sysctls = workload.spec.securityContext.sysctls if workload.spec.securityContext else []
        unsafe = [(i, s.name) for i, s in enumerate(sysctls) if s.name not in SAFE_SYSCTLS]
        yield result(
            workload,
            failed=bool(unsafe),
            message=f"Pod sets unsafe sysctls: {', '.join(name for _, name in unsafe)}"
            if unsafe
            else "Pod sets only safe sysctls" + ("" if sysctls else " (none)"),
            evidence=[(f"spec.securityContext.sysctls[{i}].name", name) for i, name in unsafe]
            or [("spec.securityContext.sysctls", [s.name for s in sysctls])],
        )


@check(
    id="pod.proc-mount",
    title="Containers keep /proc masked (procMount Default)",
    problem="Unmasked /proc (procMount other than Default)",
    section=Section.POD_SECURITY,
    severity=Severity.MEDIUM,
    reads=("workloads",),
    rationale="""
The runtime masks and makes read-only parts of /proc (kcore, sysrq-trigger, timer lists, ...)
that leak host information or change the kernel. `procMount: Unmasked` removes those masks.
Kubernetes allows it only in a user namespace (`hostUsers: false`), where the baseline Pod
Security Standard accepts it and restricted still refuses it; such containers fail at low
severity.
""",
    remediation="Remove securityContext.procMount (or set it to Default).",
    references={"cis": [], "kubescape": [], "polaris": []},
    fix="""
securityContext:
  procMount: Default
""",
)
def proc_mount(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    for workload in inv.workloads:
        if is_windows(workload):
            continue
        user_namespace = workload.spec.hostUsers is False
        for view in ctx.containers(workload):
            value = view.sc.procMount
            failed = value is not None and value != "Default"
            note = " inside its user namespace (hostUsers: false)" if user_namespace else ""
            yield result(
                workload,
                failed=failed,
                container=view.container.name,
                message=f"Container {view.label} mounts /proc {value}{note}"
                if failed
                else f"Container {view.label} keeps /proc masked",
                evidence=[(f"{view.path}.securityContext.procMount", value)],
                severity=Severity.LOW if failed and user_namespace else None,
            )
