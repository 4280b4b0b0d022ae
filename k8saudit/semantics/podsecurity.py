"""Pod Security Standards, evaluated as the PodSecurity admission of Kubernetes v1.37 does.

This module answers, for one pod (or pod template), which of the three Pod Security Standards
levels it satisfies: `privileged` (anything), `baseline` (no known privilege escalation) or
`restricted` (current hardening best practice). It is a pure-Python evaluation of the policy
package of `k8s.io/pod-security-admission` v0.37.2, control by control, at `latest` (the
newest version of every check, what a namespace labelled
`pod-security.kubernetes.io/enforce: restricted` applies on a 1.37 API server):

- baseline: hostProcess, host namespaces, privileged, capabilities (the default add list),
  hostPath volumes, host ports, probe/lifecycle `host`, AppArmor (field and the legacy
  container annotation), SELinux options, /proc mount (relaxed for `hostUsers: false`),
  seccomp profile field, sysctls (the 1.37 safe set);
- restricted adds: volume types, allowPrivilegeEscalation, capabilities (drop ALL, add only
  NET_BIND_SERVICE), /proc mount without the user-namespace relaxation, seccomp profile
  required, runAsNonRoot and runAsUser (both relaxed for `hostUsers: false`).

Where a restricted check is the stricter twin of a baseline one (capabilities, seccomp,
hostPath, procMount) it replaces that baseline check when the level evaluated is restricted,
exactly as upstream's `OverrideCheckIDs` do; the remaining baseline checks still run.
Explicitly Windows pods (`spec.os.name: windows`) are exempt from the restricted
capabilities, seccomp and allowPrivilegeEscalation checks.

Reasons and details are worded as upstream words them, so a finding reads like the warning
`kubectl` prints ("would violate PodSecurity ..."). `forbidden_detail` joins violations the way
the admission message does.

The pod is evaluated as the API server's admission sees it on create, after defaulting,
which matters for manifests that were never sent to a server: a volume naming no source is an
`emptyDir`; with `hostNetwork: true` a container port without a `hostPort` uses its
`containerPort`; a legacy AppArmor annotation `unconfined` also counts as that container's
field. Objects read from a live cluster already look like that. None of this changes which
level a pod gets except the volume default; the rest makes the detail text match the server's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from k8saudit.model.objects import Container, ObjectMeta, PodSecurityContext, PodSpec, SecurityContext, SELinuxOptions

__all__ = [
    "Level",
    "Violation",
    "checks_for",
    "evaluate",
    "forbidden_detail",
    "highest_level",
]


class Level(StrEnum):
    """A Pod Security Standards level, from most to least permissive."""

    PRIVILEGED = "privileged"
    BASELINE = "baseline"
    RESTRICTED = "restricted"


@dataclass(frozen=True)
class Violation:
    """One check a pod fails.

    `check` is the upstream check id (`runAsNonRoot`, `capabilities_restricted`, ...),
    `level` the level that check belongs to, `reason` and `detail` what upstream reports
    (`ForbiddenReason`, `ForbiddenDetail`), and `paths` the fields that caused it
    (`spec.containers[0].securityContext.privileged`, `metadata.annotations[...]`), for evidence.
    """

    check: str
    level: Level
    reason: str
    detail: str
    paths: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


def evaluate(meta: ObjectMeta, spec: PodSpec, level: Level) -> list[Violation]:
    """Every check of `level` the pod fails, in upstream's order (baseline checks first).

    An empty list means the PodSecurity admission would admit the pod at that level.
    `privileged` allows everything.
    """
    pod = _Pod(meta, spec)
    return [v for check in _CHECKS_BY_LEVEL[Level(level)] if (v := check.evaluate(pod)) is not None]


def highest_level(meta: ObjectMeta, spec: PodSpec) -> tuple[Level, list[Violation]]:
    """The most restrictive level the pod satisfies, and the violations of the next one up.

    `(RESTRICTED, [])` when it passes restricted; `(BASELINE, why-not-restricted)` when it
    passes baseline; otherwise `(PRIVILEGED, why-not-baseline)`.
    """
    level, baseline, restricted = assess(meta, spec)
    return level, baseline if level is Level.PRIVILEGED else restricted


def assess(meta: ObjectMeta, spec: PodSpec) -> tuple[Level, list[Violation], list[Violation]]:
    """The most restrictive level the pod satisfies, its baseline violations and its restricted ones.

    As `evaluate` at each level, but each check runs once (most baseline checks are restricted
    ones too). Baseline violations are only looked for when restricted fails (else: []).
    """
    memo: dict[str, Violation | None] = {}
    pod = _Pod(meta, spec)
    restricted = _evaluate_once(pod, Level.RESTRICTED, memo)
    if not restricted:
        return Level.RESTRICTED, [], []
    baseline = _evaluate_once(pod, Level.BASELINE, memo)
    return (Level.PRIVILEGED if baseline else Level.BASELINE), baseline, restricted


def _evaluate_once(pod: _Pod, level: Level, memo: dict[str, Violation | None]) -> list[Violation]:
    found: list[Violation] = []
    for check in _CHECKS_BY_LEVEL[level]:
        check_id = check.id
        if check_id in memo:
            violation = memo[check_id]
        else:  # `check.evaluate(pod)`, inlined: ~20 checks for each of 5,000 pods at L
            failure = check.run(pod)
            violation = memo[check_id] = None if failure is None else check.violation(failure)
        if violation is not None:
            found.append(violation)
    return found


def checks_for(level: Level) -> tuple[str, ...]:
    """The ids of the checks evaluated at `level`, in evaluation order."""
    return tuple(check.id for check in _CHECKS_BY_LEVEL[Level(level)])


def forbidden_detail(violations: Iterable[Violation]) -> str:
    """The violations joined as the admission message joins them.

    `violates PodSecurity "restricted:latest": ` followed by this string is what the API
    server answers when it rejects the pod.
    """
    return ", ".join(str(v) for v in violations)


# --- the checks ------------------------------------------------------------------------------

#: What a check function returns when the pod fails it: reason, detail, field paths.
_Failure = tuple[str, str, list[str]]
_CheckFn = Callable[["_Pod"], "_Failure | None"]


@dataclass(frozen=True)
class _Check:
    id: str
    level: Level
    run: _CheckFn
    overrides: tuple[str, ...] = ()

    def evaluate(self, pod: _Pod) -> Violation | None:
        failure = self.run(pod)
        return None if failure is None else self.violation(failure)

    def violation(self, failure: _Failure) -> Violation:
        reason, detail, paths = failure
        return Violation(self.id, self.level, reason, detail, tuple(paths))


class _Ctr:
    """A container with the JSON path of where it sits in the pod spec.

    Made once per container for each of the ~20 checks of every pod, so it is a slotted class
    whose `path` is only formatted for a container that fails.
    """

    __slots__ = ("_index", "_key", "container", "ephemeral", "name", "sc")

    def __init__(self, key: str, index: int, container: Container) -> None:
        self._key = key
        self._index = index
        self.container = container
        self.ephemeral = key == "ephemeralContainers"
        self.name: str = container.name
        self.sc: SecurityContext | None = container.securityContext

    @property
    def path(self) -> str:
        return f"spec.{self._key}[{self._index}]"


class _Pod:
    """The pod under evaluation: its metadata, spec and container views, the views made once
    for the ~20 checks that each walk them (`assess` and `evaluate` make one per pod)."""

    __slots__ = ("containers", "meta", "spec")

    def __init__(self, meta: ObjectMeta, spec: PodSpec) -> None:
        self.meta = meta
        self.spec = spec
        #: Init, regular and ephemeral containers, in the order upstream visits them.
        self.containers: tuple[_Ctr, ...] = tuple(_container_views(spec))


def _container_views(spec: PodSpec) -> Iterator[_Ctr]:
    for key, items in (
        ("initContainers", spec.initContainers),
        ("containers", spec.containers),
        ("ephemeralContainers", spec.ephemeralContainers),
    ):
        for i, container in enumerate(items):
            yield _Ctr(key, i, container)


def _pod_sc(spec: PodSpec) -> PodSecurityContext | None:
    return spec.securityContext


def _join_quote(items: Iterable[str]) -> str:
    items = list(items)
    return '"' + '", "'.join(items) + '"' if items else ""


def _plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def _containers_phrase(names: Sequence[str]) -> str:
    """`container "a"` or `containers "a", "b"`."""
    return f"{_plural('container', 'containers', len(names))} {_join_quote(names)}"


def _go_quote(value: str) -> str:
    """A string quoted as Go's `%q` quotes it (for the printable text annotations hold)."""
    return json.dumps(value, ensure_ascii=False)


def _is_windows(spec: PodSpec) -> bool:
    return spec.os is not None and spec.os.name == "windows"


def _in_user_namespace(spec: PodSpec) -> bool:
    """`hostUsers: false`: the pod runs in its own user namespace (upstream relaxes for it)."""
    return spec.hostUsers is False


# baseline ----------------------------------------------------------------------------------


def _windows_host_process(p: _Pod) -> _Failure | None:
    spec = p.spec
    setters: list[str] = []
    paths: list[str] = []
    pod = _pod_sc(spec)
    if pod is not None and pod.windowsOptions is not None and pod.windowsOptions.hostProcess is True:
        setters.append("pod")
        paths.append("spec.securityContext.windowsOptions.hostProcess")
    bad: list[str] = []
    for c in p.containers:
        if c.sc is not None and c.sc.windowsOptions is not None and c.sc.windowsOptions.hostProcess is True:
            bad.append(c.name)
            paths.append(f"{c.path}.securityContext.windowsOptions.hostProcess")
    if bad:
        setters.append(_containers_phrase(bad))
    if not setters:
        return None
    detail = f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true"
    return "hostProcess", detail, paths


def _host_namespaces(p: _Pod) -> _Failure | None:
    spec = p.spec
    shared = [name for name in ("hostNetwork", "hostPID", "hostIPC") if getattr(spec, name) is True]
    if not shared:
        return None
    return "host namespaces", ", ".join(f"{name}=true" for name in shared), [f"spec.{name}" for name in shared]


def _privileged(p: _Pod) -> _Failure | None:
    bad = [c for c in p.containers if c.sc is not None and c.sc.privileged is True]
    if not bad:
        return None
    detail = f"{_containers_phrase([c.name for c in bad])} must not set securityContext.privileged=true"
    return "privileged", detail, [f"{c.path}.securityContext.privileged" for c in bad]


#: Capabilities baseline lets a container add: the container runtimes' default set, minus NET_RAW.
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def _capabilities_baseline(p: _Pod) -> _Failure | None:
    bad: list[str] = []
    added: set[str] = set()
    paths: list[str] = []
    for c in p.containers:
        if c.sc is None or c.sc.capabilities is None:
            continue
        extra = [cap for cap in c.sc.capabilities.add if cap not in BASELINE_CAPABILITIES]
        if extra:
            bad.append(c.name)
            added.update(extra)
            paths.append(f"{c.path}.securityContext.capabilities.add")
    if not bad:
        return None
    detail = (
        f"{_containers_phrase(bad)} must not include {_join_quote(sorted(added))} in securityContext.capabilities.add"
    )
    return "non-default capabilities", detail, paths


def _host_path_volumes(p: _Pod) -> _Failure | None:
    spec = p.spec
    bad = [(i, v.name) for i, v in enumerate(spec.volumes) if v.hostPath is not None]
    if not bad:
        return None
    names = [name for _, name in bad]
    detail = f"{_plural('volume', 'volumes', len(names))} {_join_quote(names)}"
    return "hostPath volumes", detail, [f"spec.volumes[{i}].hostPath" for i, _ in bad]


def _host_ports(p: _Pod) -> _Failure | None:
    spec = p.spec
    bad: list[str] = []
    ports: set[str] = set()
    paths: list[str] = []
    for c in p.containers:
        found = False
        for j, port in enumerate(c.container.ports):
            host_port = port.hostPort or 0
            if host_port == 0 and spec.hostNetwork is True and not c.ephemeral:
                # The API server defaults hostPort to containerPort on the host network.
                host_port = port.containerPort or 0
            if host_port != 0:
                found = True
                ports.add(str(host_port))
                paths.append(f"{c.path}.ports[{j}].hostPort")
        if found:
            bad.append(c.name)
    if not bad:
        return None
    detail = (
        f"{_containers_phrase(bad)} {_plural('uses', 'use', len(bad))} "
        f"{_plural('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}"
    )
    return "hostPort", detail, paths


def _host_probes_and_lifecycle(p: _Pod) -> _Failure | None:
    bad: set[str] = set()
    hosts: set[str] = set()
    paths: list[str] = []
    for c in p.containers:
        handlers = [
            ("livenessProbe", c.container.livenessProbe),
            ("readinessProbe", c.container.readinessProbe),
            ("startupProbe", c.container.startupProbe),
        ]
        if c.container.lifecycle is not None:
            handlers.append(("lifecycle.postStart", c.container.lifecycle.postStart))
            handlers.append(("lifecycle.preStop", c.container.lifecycle.preStop))
        for where, handler in handlers:
            if handler is None:
                continue
            for kind, action in (("httpGet", handler.httpGet), ("tcpSocket", handler.tcpSocket)):
                if action is not None and action.host:
                    bad.add(c.name)
                    hosts.add(action.host)
                    paths.append(f"{c.path}.{where}.{kind}.host")
    if not bad:
        return None
    detail = (
        f"{_containers_phrase(sorted(bad))} {_plural('uses', 'use', len(bad))} "
        f"{_plural('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} {_join_quote(sorted(hosts))}"
    )
    return "probe or lifecycle host", detail, paths


APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
_APPARMOR_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def _apparmor_annotation_allowed(value: str) -> bool:
    return value in ("", "runtime/default") or value.startswith("localhost/")


def _apparmor_profile(p: _Pod) -> _Failure | None:
    meta, spec = p.meta, p.spec
    setters: list[str] = []
    values: set[str] = set()
    paths: list[str] = []
    pod = _pod_sc(spec)
    if pod is not None and pod.appArmorProfile is not None:
        kind = pod.appArmorProfile.type or ""
        if kind not in _APPARMOR_TYPES:
            setters.append("pod")
            values.add(kind)
            paths.append("spec.securityContext.appArmorProfile.type")
    # On create the API server copies an `unconfined` annotation into the field of a container
    # that has none (unless the pod-level profile already says Unconfined; never for Windows).
    pod_unconfined = (
        pod is not None
        and pod.appArmorProfile is not None
        and pod.appArmorProfile.type == "Unconfined"
        and pod.appArmorProfile.localhostProfile is None
    )
    bad: list[str] = []
    for c in p.containers:
        if c.sc is not None and c.sc.appArmorProfile is not None:
            kind = c.sc.appArmorProfile.type or ""
            if kind not in _APPARMOR_TYPES:
                bad.append(c.name)
                values.add(kind)
                paths.append(f"{c.path}.securityContext.appArmorProfile.type")
        elif (
            not _is_windows(spec)
            and not pod_unconfined
            and meta.annotations.get(APPARMOR_ANNOTATION_PREFIX + c.name) == "unconfined"
        ):
            bad.append(c.name)
            values.add("Unconfined")
    if bad:
        setters.append(_containers_phrase(bad))
    annotations = sorted(
        (key, value)
        for key, value in meta.annotations.items()
        if key.startswith(APPARMOR_ANNOTATION_PREFIX) and not _apparmor_annotation_allowed(value)
    )
    bad_values = sorted(values) + [f"{key}={_go_quote(value)}" for key, value in annotations]
    if annotations:
        setters.append(_plural("annotation", "annotations", len(annotations)))
        paths.extend(f"metadata.annotations[{key}]" for key, _ in annotations)
    if not setters:
        return None
    reason = _plural("forbidden AppArmor profile", "forbidden AppArmor profiles", len(bad_values))
    detail = f"{' and '.join(setters)} must not set AppArmor profile type to {_join_quote(bad_values)}"
    return reason, detail, paths


#: SELinux types baseline allows (1.31+); user and role may not be set at all.
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})


def _selinux_options(p: _Pod) -> _Failure | None:
    spec = p.spec
    bad_types: set[str] = set()
    set_user = set_role = False
    paths: list[str] = []

    def forbidden(options: SELinuxOptions, where: str) -> bool:
        nonlocal set_user, set_role
        ok = True
        kind = options.type or ""
        if kind not in SELINUX_TYPES:
            ok = False
            bad_types.add(kind)
            paths.append(f"{where}.type")
        if options.user:
            ok = False
            set_user = True
            paths.append(f"{where}.user")
        if options.role:
            ok = False
            set_role = True
            paths.append(f"{where}.role")
        return not ok

    setters: list[str] = []
    pod = _pod_sc(spec)
    if (
        pod is not None
        and pod.seLinuxOptions is not None
        and forbidden(pod.seLinuxOptions, "spec.securityContext.seLinuxOptions")
    ):
        setters.append("pod")
    bad = [
        c.name
        for c in p.containers
        if c.sc is not None
        and c.sc.seLinuxOptions is not None
        and forbidden(c.sc.seLinuxOptions, f"{c.path}.securityContext.seLinuxOptions")
    ]
    if bad:
        setters.append(_containers_phrase(bad))
    if not setters:
        return None
    problems: list[str] = []
    if bad_types:
        problems.append(f"{_plural('type', 'types', len(bad_types))} {_join_quote(sorted(bad_types))}")
    if set_user:
        problems.append("user may not be set")
    if set_role:
        problems.append("role may not be set")
    detail = f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(problems)}"
    return "seLinuxOptions", detail, paths


def _proc_mount_unmasked(p: _Pod) -> _Failure | None:
    """Any procMount other than Default (the restricted check, and baseline outside a userns)."""
    bad: list[str] = []
    kinds: set[str] = set()
    paths: list[str] = []
    for c in p.containers:
        if c.sc is not None and c.sc.procMount is not None and c.sc.procMount != "Default":
            bad.append(c.name)
            kinds.add(c.sc.procMount)
            paths.append(f"{c.path}.securityContext.procMount")
    if not bad:
        return None
    detail = f"{_containers_phrase(bad)} must not set securityContext.procMount to {_join_quote(sorted(kinds))}"
    return "procMount", detail, paths


def _proc_mount_baseline(p: _Pod) -> _Failure | None:
    spec = p.spec
    if _in_user_namespace(spec):
        return None
    return _proc_mount_unmasked(p)


_SECCOMP_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def _seccomp(p: _Pod, *, required: bool) -> _Failure | None:
    """The seccomp profile check; `required` (restricted) also fails containers left unconfined."""
    spec = p.spec
    setters: list[str] = []
    values: set[str] = set()
    paths: list[str] = []
    pod_set = False
    pod = _pod_sc(spec)
    if pod is not None and pod.seccompProfile is not None:
        kind = pod.seccompProfile.type or ""
        if kind in _SECCOMP_TYPES:
            pod_set = True
        else:
            setters.append("pod")
            values.add(kind)
            paths.append("spec.securityContext.seccompProfile.type")
    explicit: list[str] = []
    implicit: list[_Ctr] = []
    for c in p.containers:
        if c.sc is not None and c.sc.seccompProfile is not None:
            kind = c.sc.seccompProfile.type or ""
            if kind not in _SECCOMP_TYPES:
                explicit.append(c.name)
                values.add(kind)
                paths.append(f"{c.path}.securityContext.seccompProfile.type")
        elif not pod_set:
            implicit.append(c)
    if explicit:
        setters.append(_containers_phrase(explicit))
    if setters:
        detail = (
            f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {_join_quote(sorted(values))}"
        )
        return "seccompProfile", detail, paths
    if required and implicit:
        detail = (
            f"pod or {_containers_phrase([c.name for c in implicit])} must set "
            'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
        )
        return "seccompProfile", detail, [f"{c.path}.securityContext.seccompProfile" for c in implicit]
    return None


def _seccomp_baseline(p: _Pod) -> _Failure | None:
    return _seccomp(p, required=False)


#: Sysctls baseline allows (the 1.37 safe set): namespaced and isolated from other pods.
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
        "net.ipv4.tcp_slow_start_after_idle",
        "net.ipv4.tcp_notsent_lowat",
    }
)


def _sysctls(p: _Pod) -> _Failure | None:
    spec = p.spec
    pod = _pod_sc(spec)
    if pod is None:
        return None
    bad = [(i, s.name) for i, s in enumerate(pod.sysctls) if s.name not in SAFE_SYSCTLS]
    if not bad:
        return None
    return (
        "forbidden sysctls",
        ", ".join(name for _, name in bad),
        [f"spec.securityContext.sysctls[{i}].name" for i, _ in bad],
    )


# restricted --------------------------------------------------------------------------------


def _capabilities_restricted(p: _Pod) -> _Failure | None:
    spec = p.spec
    if _is_windows(spec):
        return None
    missing_drop: list[str] = []
    adding: list[str] = []
    added: set[str] = set()
    paths: list[str] = []
    for c in p.containers:
        caps = c.sc.capabilities if c.sc is not None else None
        if caps is None:
            missing_drop.append(c.name)
            paths.append(f"{c.path}.securityContext.capabilities.drop")
            continue
        if "ALL" not in caps.drop:
            missing_drop.append(c.name)
            paths.append(f"{c.path}.securityContext.capabilities.drop")
        extra = [cap for cap in caps.add if cap != "NET_BIND_SERVICE"]
        if extra:
            adding.append(c.name)
            added.update(extra)
            paths.append(f"{c.path}.securityContext.capabilities.add")
    problems: list[str] = []
    if missing_drop:
        problems.append(f'{_containers_phrase(missing_drop)} must set securityContext.capabilities.drop=["ALL"]')
    if adding:
        problems.append(
            f"{_containers_phrase(adding)} must not include {_join_quote(sorted(added))} "
            "in securityContext.capabilities.add"
        )
    if not problems:
        return None
    return "unrestricted capabilities", "; ".join(problems), paths


#: Inline volume sources restricted allows; every other source (hostPath, nfs, ...) is refused.
RESTRICTED_VOLUME_SOURCES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
#: Sources upstream names when it refuses them; any other unknown source is reported as "unknown".
_NAMED_VOLUME_SOURCES = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)


def _restricted_volumes(p: _Pod) -> _Failure | None:
    spec = p.spec
    bad: list[str] = []
    kinds: set[str] = set()
    paths: list[str] = []
    for i, volume in enumerate(spec.volumes):
        sources = set(volume.sources)
        if not sources or sources & RESTRICTED_VOLUME_SOURCES:
            continue  # no source at all is defaulted to emptyDir by the API server
        bad.append(volume.name)
        kind = next((name for name in _NAMED_VOLUME_SOURCES if name in sources), "unknown")
        kinds.add(kind)
        paths.append(f"spec.volumes[{i}]" if kind == "unknown" else f"spec.volumes[{i}].{kind}")
    if not bad:
        return None
    detail = (
        f"{_plural('volume', 'volumes', len(bad))} {_join_quote(bad)} {_plural('uses', 'use', len(bad))} "
        f"{_plural('restricted volume type', 'restricted volume types', len(kinds))} {_join_quote(sorted(kinds))}"
    )
    return "restricted volume types", detail, paths


def _allow_privilege_escalation(p: _Pod) -> _Failure | None:
    spec = p.spec
    if _is_windows(spec):
        return None
    bad = [c for c in p.containers if c.sc is None or c.sc.allowPrivilegeEscalation is not False]
    if not bad:
        return None
    detail = f"{_containers_phrase([c.name for c in bad])} must set securityContext.allowPrivilegeEscalation=false"
    return (
        "allowPrivilegeEscalation != false",
        detail,
        [f"{c.path}.securityContext.allowPrivilegeEscalation" for c in bad],
    )


def _run_as_non_root(p: _Pod) -> _Failure | None:
    spec = p.spec
    if _in_user_namespace(spec):
        return None
    setters: list[str] = []
    paths: list[str] = []
    pod_non_root = False
    pod = _pod_sc(spec)
    if pod is not None and pod.runAsNonRoot is not None:
        if pod.runAsNonRoot:
            pod_non_root = True
        else:
            setters.append("pod")
            paths.append("spec.securityContext.runAsNonRoot")
    explicit: list[str] = []
    implicit: list[_Ctr] = []
    for c in p.containers:
        if c.sc is not None and c.sc.runAsNonRoot is not None:
            if not c.sc.runAsNonRoot:
                explicit.append(c.name)
                paths.append(f"{c.path}.securityContext.runAsNonRoot")
        elif not pod_non_root:
            implicit.append(c)
    if explicit:
        setters.append(_containers_phrase(explicit))
    if setters:
        return "runAsNonRoot != true", f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false", paths
    if implicit:
        detail = f"pod or {_containers_phrase([c.name for c in implicit])} must set securityContext.runAsNonRoot=true"
        return "runAsNonRoot != true", detail, [f"{c.path}.securityContext.runAsNonRoot" for c in implicit]
    return None


def _run_as_user(p: _Pod) -> _Failure | None:
    spec = p.spec
    if _in_user_namespace(spec):
        return None
    setters: list[str] = []
    paths: list[str] = []
    pod = _pod_sc(spec)
    if pod is not None and pod.runAsUser == 0:
        setters.append("pod")
        paths.append("spec.securityContext.runAsUser")
    bad: list[str] = []
    for c in p.containers:
        if c.sc is not None and c.sc.runAsUser == 0:
            bad.append(c.name)
            paths.append(f"{c.path}.securityContext.runAsUser")
    if bad:
        setters.append(_containers_phrase(bad))
    if not setters:
        return None
    return "runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0", paths


def _seccomp_restricted(p: _Pod) -> _Failure | None:
    spec = p.spec
    if _is_windows(spec):
        return None
    return _seccomp(p, required=True)


# --- the registry ----------------------------------------------------------------------------

_B, _R = Level.BASELINE, Level.RESTRICTED

_CHECKS: tuple[_Check, ...] = (
    _Check("appArmorProfile", _B, _apparmor_profile),
    _Check("capabilities_baseline", _B, _capabilities_baseline),
    _Check("hostNamespaces", _B, _host_namespaces),
    _Check("hostPathVolumes", _B, _host_path_volumes),
    _Check("hostPorts", _B, _host_ports),
    _Check("hostProbesAndHostLifecycle", _B, _host_probes_and_lifecycle),
    _Check("privileged", _B, _privileged),
    _Check("procMount", _B, _proc_mount_baseline),
    _Check("seLinuxOptions", _B, _selinux_options),
    _Check("seccompProfile_baseline", _B, _seccomp_baseline),
    _Check("sysctls", _B, _sysctls),
    _Check("windowsHostProcess", _B, _windows_host_process),
    _Check("allowPrivilegeEscalation", _R, _allow_privilege_escalation),
    _Check("capabilities_restricted", _R, _capabilities_restricted, ("capabilities_baseline",)),
    _Check("procMount_restricted", _R, _proc_mount_unmasked, ("procMount",)),
    _Check("restrictedVolumes", _R, _restricted_volumes, ("hostPathVolumes",)),
    _Check("runAsNonRoot", _R, _run_as_non_root),
    _Check("runAsUser", _R, _run_as_user),
    _Check("seccompProfile_restricted", _R, _seccomp_restricted, ("seccompProfile_baseline",)),
)


def _build_levels() -> dict[Level, tuple[_Check, ...]]:
    """Baseline checks sorted by id, then restricted ones; restricted drops what it overrides."""
    baseline = sorted((c for c in _CHECKS if c.level is _B), key=lambda c: c.id)
    restricted = sorted((c for c in _CHECKS if c.level is _R), key=lambda c: c.id)
    overridden = {o for c in restricted for o in c.overrides}
    return {
        Level.PRIVILEGED: (),
        Level.BASELINE: tuple(baseline),
        Level.RESTRICTED: tuple(c for c in baseline if c.id not in overridden) + tuple(restricted),
    }


_CHECKS_BY_LEVEL = _build_levels()
