"""A deterministic mix of pods for comparing k8saudit's Pod Security evaluation with a real server.

`cases()` yields about sixty complete `v1/Pod` objects, each valid for a server-side dry-run
create on a v1.37 kube-apiserver (started with `--allow-privileged=true`), together with the
level `k8saudit.semantics.podsecurity.highest_level` assigns it and the checks that keep it from the
level above. A real-server tier creates each pod with `dryRun=All` in namespaces labelled
`pod-security.kubernetes.io/enforce=baseline` and `=restricted` and expects admission to
agree: accepted exactly at the levels at or below `case.level`.

Each pod is built from a hardened (restricted) or a plain (baseline) starting point and one
or more *ingredients*: small changes that each either keep the level, break restricted, or
break baseline. `intended` is the level that follows from the ingredients alone, which the
unit tests compare with what the evaluator says. Ingredients that touch the same control
(`slots`) are never combined, so their effects compose: the level of a mix is the lowest of
its parts. Nothing here is random at run time: combinations come from a fixed seed.

Constraints the API server's validation imposes (a pod breaking them is refused before
admission and proves nothing): `privileged: true` needs `allowPrivilegeEscalation` not false;
`procMount: Unmasked` needs `hostUsers: false`, which excludes host namespaces; net sysctls
are refused with `hostNetwork`, IPC ones with `hostIPC`; Windows pods may not set Linux-only
security fields; a seccomp annotation must match a seccomp field set beside it; ephemeral
containers cannot be set on create.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from k8saudit.model.objects import Pod
from k8saudit.semantics.podsecurity import Level, highest_level

IMAGE = "registry.k8s.io/pause:3.10"
SEED = 20261126
_ORDER = (Level.PRIVILEGED, Level.BASELINE, Level.RESTRICTED)

PodDict = dict[str, Any]


@dataclass(frozen=True)
class PSSCase:
    """One pod and what k8saudit says about it."""

    name: str
    pod: PodDict
    level: Level  # what k8saudit's evaluator assigns
    checks: tuple[str, ...]  # the checks that keep it from the level above (empty at restricted)
    intended: Level  # what the pod was built to be


@dataclass(frozen=True)
class Ingredient:
    name: str
    effect: Level  # the highest level a hardened pod with only this change satisfies
    apply: Callable[[PodDict], None]
    slots: frozenset[str] = field(default_factory=frozenset)


def _spec(pod: PodDict) -> dict[str, Any]:
    spec: dict[str, Any] = pod["spec"]
    return spec


def _c0(pod: PodDict) -> dict[str, Any]:
    container: dict[str, Any] = _spec(pod)["containers"][0]
    return container


def _sc0(pod: PodDict) -> dict[str, Any]:
    sc: dict[str, Any] = _c0(pod).setdefault("securityContext", {})
    return sc


def _pod_sc(pod: PodDict) -> dict[str, Any]:
    sc: dict[str, Any] = _spec(pod).setdefault("securityContext", {})
    return sc


def _set(target: Callable[[PodDict], dict[str, Any]], **values: Any) -> Callable[[PodDict], None]:
    def apply(pod: PodDict) -> None:
        target(pod).update(copy.deepcopy(values))

    return apply


def _drop(target: Callable[[PodDict], dict[str, Any]], key: str) -> Callable[[PodDict], None]:
    def apply(pod: PodDict) -> None:
        target(pod).pop(key, None)

    return apply


def _all(*steps: Callable[[PodDict], None]) -> Callable[[PodDict], None]:
    def apply(pod: PodDict) -> None:
        for step in steps:
            step(pod)

    return apply


def _add_volumes(*volumes: dict[str, Any]) -> Callable[[PodDict], None]:
    def apply(pod: PodDict) -> None:
        _spec(pod).setdefault("volumes", []).extend(copy.deepcopy(list(volumes)))

    return apply


def _add_annotation(key_for: Callable[[PodDict], str], value: str) -> Callable[[PodDict], None]:
    def apply(pod: PodDict) -> None:
        pod["metadata"].setdefault("annotations", {})[key_for(pod)] = value

    return apply


def _add_init(hardened: bool, **sc: Any) -> Callable[[PodDict], None]:
    def apply(pod: PodDict) -> None:
        init = _container("init", hardened)
        if sc:
            init.setdefault("securityContext", {}).update(sc)
        _spec(pod).setdefault("initContainers", []).append(init)

    return apply


def _caps0(**caps: Any) -> Callable[[PodDict], None]:
    def apply(pod: PodDict) -> None:
        _sc0(pod).setdefault("capabilities", {}).update(copy.deepcopy(caps))

    return apply


def _http(host: str | None = None, port: int = 8080, path: str = "/healthz") -> dict[str, Any]:
    action: dict[str, Any] = {"path": path, "port": port}
    if host is not None:
        action["host"] = host
    return {"httpGet": action}


def _c0_name(pod: PodDict) -> str:
    name: str = _c0(pod)["name"]
    return name


B, P, R = Level.BASELINE, Level.PRIVILEGED, Level.RESTRICTED


def _s(*names: str) -> frozenset[str]:
    return frozenset(names)


INGREDIENTS: tuple[Ingredient, ...] = (
    # --- break baseline ---------------------------------------------------------------
    Ingredient("privileged", P, _set(_sc0, privileged=True, allowPrivilegeEscalation=True), _s("privileged0", "ape0")),
    Ingredient("host-network", P, _set(_spec, hostNetwork=True), _s("hostns", "hostnet")),
    Ingredient("host-pid", P, _set(_spec, hostPID=True), _s("hostns")),
    Ingredient("host-ipc", P, _set(_spec, hostIPC=True), _s("hostns", "hostipc")),
    Ingredient(
        "host-path",
        P,
        _add_volumes({"name": "logs", "hostPath": {"path": "/var/log", "type": "Directory"}}),
        _s("volumes"),
    ),
    Ingredient("host-port", P, _set(_c0, ports=[{"containerPort": 8080, "hostPort": 8080}]), _s("ports")),
    Ingredient("cap-net-admin", P, _caps0(add=["NET_ADMIN"]), _s("caps0")),
    Ingredient("cap-net-raw", P, _caps0(add=["NET_RAW", "NET_BIND_SERVICE"]), _s("caps0")),
    Ingredient("seccomp-unconfined-pod", P, _set(_pod_sc, seccompProfile={"type": "Unconfined"}), _s("seccomp")),
    Ingredient("seccomp-unconfined-container", P, _set(_sc0, seccompProfile={"type": "Unconfined"}), _s("seccomp")),
    Ingredient("apparmor-unconfined", P, _set(_sc0, appArmorProfile={"type": "Unconfined"}), _s("apparmor")),
    Ingredient(
        "apparmor-annotation-unconfined",
        P,
        _add_annotation(lambda p: f"container.apparmor.security.beta.kubernetes.io/{_c0_name(p)}", "unconfined"),
        _s("apparmor"),
    ),
    Ingredient("selinux-spc-type", P, _set(_pod_sc, seLinuxOptions={"type": "spc_t"}), _s("selinux")),
    Ingredient("selinux-user", P, _set(_sc0, seLinuxOptions={"user": "system_u", "level": "s0"}), _s("selinux")),
    Ingredient(
        "sysctl-unsafe",
        P,
        _set(_pod_sc, sysctls=[{"name": "kernel.msgmax", "value": "65536"}]),
        _s("sysctls", "hostipc"),
    ),
    Ingredient("probe-host", P, _set(_c0, livenessProbe=_http("127.0.0.1")), _s("probes")),
    Ingredient(
        "readiness-tcp-host",
        P,
        _set(_c0, readinessProbe={"tcpSocket": {"host": "10.1.2.3", "port": 5432}}),
        _s("probes"),
    ),
    Ingredient("lifecycle-host", P, _set(_c0, lifecycle={"preStop": _http("example.com", 80, "/drain")}), _s("probes")),
    Ingredient("init-privileged", P, _add_init(True, privileged=True, allowPrivilegeEscalation=True), _s("init")),
    # --- break restricted only -----------------------------------------------------------
    Ingredient("ape-unset", B, _drop(_sc0, "allowPrivilegeEscalation"), _s("ape0")),
    Ingredient("ape-true", B, _set(_sc0, allowPrivilegeEscalation=True), _s("ape0")),
    Ingredient("run-as-non-root-false", B, _set(_pod_sc, runAsNonRoot=False), _s("runas")),
    Ingredient("run-as-non-root-unset", B, _drop(_pod_sc, "runAsNonRoot"), _s("runas")),
    Ingredient("run-as-user-0", B, _set(_sc0, runAsUser=0), _s("runas")),
    Ingredient("drop-not-all", B, _caps0(drop=["NET_RAW"]), _s("caps0")),
    Ingredient("add-chown", B, _caps0(add=["CHOWN"]), _s("caps0")),
    Ingredient("seccomp-unset", B, _drop(_pod_sc, "seccompProfile"), _s("seccomp")),
    Ingredient(
        "nfs-volume",
        B,
        _add_volumes({"name": "share", "nfs": {"server": "nfs.example", "path": "/exports"}}),
        _s("volumes"),
    ),
    Ingredient(
        "proc-unmasked-userns",
        B,
        _all(_set(_spec, hostUsers=False), _set(_sc0, procMount="Unmasked")),
        _s("userns", "runas", "hostns", "procmount"),
    ),
    Ingredient("init-unhardened", B, _add_init(False), _s("init")),
    # --- keep restricted -----------------------------------------------------------------
    Ingredient(
        "userns-root",
        R,
        _all(_set(_spec, hostUsers=False), _drop(_pod_sc, "runAsNonRoot"), _set(_sc0, runAsUser=0)),
        _s("userns", "runas", "hostns"),
    ),
    Ingredient(
        "safe-net-sysctls",
        R,
        _set(
            _pod_sc,
            sysctls=[
                {"name": "net.ipv4.tcp_keepalive_time", "value": "600"},
                {"name": "net.ipv4.tcp_slow_start_after_idle", "value": "0"},
            ],
        ),
        _s("sysctls", "hostnet"),
    ),
    Ingredient(
        "safe-ipc-sysctl",
        R,
        _set(_pod_sc, sysctls=[{"name": "kernel.shm_rmid_forced", "value": "1"}]),
        _s("sysctls", "hostipc"),
    ),
    Ingredient(
        "allowed-volumes",
        R,
        _add_volumes(
            {"name": "config", "configMap": {"name": "app-config"}},
            {"name": "creds", "secret": {"secretName": "app-creds"}},
            {"name": "scratch", "emptyDir": {}},
            {"name": "bundle", "projected": {"sources": [{"configMap": {"name": "ca-bundle"}}]}},
            {
                "name": "labels",
                "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]},
            },
            {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
            {"name": "inline", "csi": {"driver": "secrets-store.csi.k8s.io"}},
            {
                "name": "cache",
                "ephemeral": {
                    "volumeClaimTemplate": {
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
                    }
                },
            },
            {"name": "models", "image": {"reference": IMAGE, "pullPolicy": "IfNotPresent"}},
        ),
        _s("volumes"),
    ),
    Ingredient(
        "selinux-container-engine",
        R,
        _set(_sc0, seLinuxOptions={"type": "container_engine_t", "level": "s0:c1,c2"}),
        _s("selinux"),
    ),
    Ingredient(
        "seccomp-localhost",
        R,
        _set(_sc0, seccompProfile={"type": "Localhost", "localhostProfile": "profiles/audit.json"}),
        _s("seccomp"),
    ),
    Ingredient(
        "seccomp-annotation-ignored",
        R,
        _add_annotation(lambda p: f"container.seccomp.security.alpha.kubernetes.io/{_c0_name(p)}", "unconfined"),
        _s("seccomp"),
    ),
    Ingredient(
        "apparmor-allowed",
        R,
        _all(
            _set(_pod_sc, appArmorProfile={"type": "RuntimeDefault"}),
            _set(_sc0, appArmorProfile={"type": "Localhost", "localhostProfile": "k8s-apparmor-example"}),
        ),
        _s("apparmor"),
    ),
    Ingredient(
        "apparmor-annotation-localhost",
        R,
        _add_annotation(
            lambda p: f"container.apparmor.security.beta.kubernetes.io/{_c0_name(p)}", "localhost/k8s-apparmor-example"
        ),
        _s("apparmor"),
    ),
    Ingredient("net-bind-service", R, _caps0(add=["NET_BIND_SERVICE"]), _s("caps0")),
    Ingredient(
        "probes-without-host",
        R,
        _set(
            _c0,
            livenessProbe=_http(),
            readinessProbe={"tcpSocket": {"port": 8080}},
            lifecycle={"preStop": _http(path="/drain")},
        ),
        _s("probes"),
    ),
    Ingredient("container-port", R, _set(_c0, ports=[{"containerPort": 8080, "name": "http"}]), _s("ports")),
    Ingredient("run-as-user-1000", R, _set(_pod_sc, runAsUser=1000, runAsGroup=1000, fsGroup=2000), _s("runas")),
    Ingredient("proc-default", R, _set(_sc0, procMount="Default"), _s("procmount")),
    Ingredient("init-hardened", R, _add_init(True), _s("init")),
)


def _container(name: str, hardened: bool) -> dict[str, Any]:
    container: dict[str, Any] = {"name": name, "image": IMAGE}
    if hardened:
        container["securityContext"] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    return container


def base_pod(name: str, *, hardened: bool, containers: int) -> PodDict:
    """A valid pod: hardened satisfies restricted, plain (no security settings) only baseline."""
    names = ["app", "sidecar"][:containers]
    spec: dict[str, Any] = {"containers": [_container(n, hardened) for n in names]}
    if hardened:
        spec["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def _windows(name: str, *, run_as_non_root: bool, host_process: bool = False) -> PodDict:
    pod = base_pod(name, hardened=False, containers=1)
    spec = _spec(pod)
    spec["os"] = {"name": "windows"}
    if run_as_non_root:
        spec["securityContext"] = {"runAsNonRoot": True}
    if host_process:
        spec["hostNetwork"] = True
        spec["securityContext"] = {"windowsOptions": {"hostProcess": True}}
    return pod


def _special() -> Iterator[tuple[str, PodDict, Level]]:
    """Pods that are not a hardened or plain pod plus ingredients."""
    yield "plain-one", base_pod("plain-one", hardened=False, containers=1), B
    yield "plain-two", base_pod("plain-two", hardened=False, containers=2), B
    yield "hardened-one", base_pod("hardened-one", hardened=True, containers=1), R
    yield "hardened-two", base_pod("hardened-two", hardened=True, containers=2), R
    linux = base_pod("hardened-linux", hardened=True, containers=1)
    _spec(linux)["os"] = {"name": "linux"}
    yield "hardened-linux", linux, R
    yield "windows-restricted", _windows("windows-restricted", run_as_non_root=True), R
    yield "windows-baseline", _windows("windows-baseline", run_as_non_root=False), B
    yield "windows-hostprocess", _windows("windows-hostprocess", run_as_non_root=False, host_process=True), P
    per_container = base_pod("seccomp-per-container", hardened=True, containers=2)
    del _pod_sc(per_container)["seccompProfile"]
    for container in _spec(per_container)["containers"]:
        container["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    yield "seccomp-per-container", per_container, R
    half = base_pod("seccomp-one-of-two", hardened=True, containers=2)
    del _pod_sc(half)["seccompProfile"]
    _spec(half)["containers"][0]["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    yield "seccomp-one-of-two", half, B


def _lowest(levels: list[Level]) -> Level:
    return min(levels, key=_ORDER.index)


def _build(name: str, *, hardened: bool, containers: int, parts: list[Ingredient]) -> tuple[PodDict, Level]:
    pod = base_pod(name, hardened=hardened, containers=containers)
    for part in parts:
        part.apply(pod)
    return pod, _lowest([R if hardened else B, *(part.effect for part in parts)])


def _combinations(rng: random.Random, count: int) -> Iterator[tuple[bool, int, list[Ingredient]]]:
    """`count` distinct mixes, aiming in turn at restricted, baseline and privileged results."""
    seen: set[tuple[bool, tuple[str, ...]]] = set()
    made = 0
    while made < count:
        target = (R, B, P)[made % 3]
        hardened = True if target is R else rng.random() < 0.75
        allowed = [p for p in INGREDIENTS if _ORDER.index(p.effect) >= _ORDER.index(target)]
        first = rng.choice([p for p in allowed if p.effect is target])
        parts, used = [first], set(first.slots)
        wanted = rng.choice((2, 2, 3))
        for part in rng.sample(allowed, len(allowed)):
            if len(parts) == wanted:
                break
            if not part.slots & used:
                parts.append(part)
                used |= part.slots
        key = (hardened, tuple(sorted(p.name for p in parts)))
        if key in seen:
            continue
        seen.add(key)
        made += 1
        yield hardened, rng.choice((1, 2)), parts


def cases() -> Iterator[PSSCase]:
    """The same ~60 pods, in the same order, every time."""
    built: list[tuple[str, PodDict, Level]] = list(_special())
    for i, part in enumerate(INGREDIENTS):
        name = f"one-{part.name}"
        pod, intended = _build(name, hardened=True, containers=1 + i % 2, parts=[part])
        built.append((name, pod, intended))
    rng = random.Random(SEED)
    for i, (hardened, containers, parts) in enumerate(_combinations(rng, 12)):
        name = f"mix{i:02d}-{'h' if hardened else 'p'}"
        pod, intended = _build(name, hardened=hardened, containers=containers, parts=parts)
        pod["metadata"]["annotations"] = {
            **pod["metadata"].get("annotations", {}),
            "k8saudit.io/pss-ingredients": ",".join(p.name for p in parts),
        }
        built.append((name, pod, intended))
    for name, pod, intended in built:
        pod["metadata"]["name"] = f"pss-{name}"[:63]
        parsed = Pod.model_validate(pod)
        level, violations = highest_level(parsed.metadata, parsed.spec)
        yield PSSCase(pod["metadata"]["name"], pod, level, tuple(v.check for v in violations), intended)


if __name__ == "__main__":
    for case in cases():
        print(f"{case.level:<10} {case.name:<45} {','.join(case.checks)}")
