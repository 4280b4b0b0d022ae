"""Reading control-plane flags: Go booleans, comma lists, the replicas of one component and
the --profiling verdict every component shares.

Shared by the API server, etcd, controller-manager and scheduler checks. (A module whose name
starts with `_` holds no checks: `all_checks()` does not import it for that purpose.)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from k8saudit.checks.registry import Result, not_assessable, result
from k8saudit.model.inventory import ControlPlaneComponent, Inventory

APISERVER = "kube-apiserver"
ETCD = "etcd"
CONTROLLER_MANAGER = "kube-controller-manager"
SCHEDULER = "kube-scheduler"

_TRUE = {"1", "t", "true"}
_FALSE = {"0", "f", "false"}


def go_bool(value: str | None) -> bool | None:
    """A Go boolean flag value (strconv.ParseBool), None when unset or unreadable."""
    if value is None:
        return None
    lowered = value.strip().lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


def flag_list(value: str | None) -> list[str]:
    """`A,B, C` → [A, B, C]; unset or empty → []."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def replicas(inv: Inventory, component: str) -> list[ControlPlaneComponent]:
    """Every static pod of `component` (one per control-plane node)."""
    return inv.control_plane.get(component, [])


def feature_gate(value: str | None, gate: str) -> bool | None:
    """The setting of one gate in `--feature-gates=A=true,B=false`, None when not mentioned."""
    for item in flag_list(value):
        name, _, setting = item.partition("=")
        if name.strip() == gate:
            return go_bool(setting)
    return None


def profiling_results(replica: ControlPlaneComponent, config_field: str | None = None) -> Iterator[Result]:
    """One result for a component's --profiling flag (default true).

    `config_field` names the setting of the component's --config file that can also turn it off
    (`enableProfiling` for kube-scheduler): with such a file and no flag, the file decides.
    """
    value = replica.flag("profiling")
    enabled = go_bool(value)
    config = replica.flag("config")
    if value is None and config and config_field:
        yield not_assessable(
            f"--profiling is not set and the settings file --config={config} may set {config_field}: review it",
            replica.pod,
        )
        return
    if value is not None and enabled is None:
        yield not_assessable(f"--profiling={value!r} is not a boolean", replica.pod)
        return
    if enabled is False:
        yield result(replica.pod, failed=False, message="--profiling=false", evidence=[("--profiling", value)])
        return
    yield result(
        replica.pod,
        failed=True,
        message=f"{replica.component} serves /debug/pprof: "
        + ("--profiling=true" if value is not None else "--profiling is not set and defaults to true"),
        evidence=[("--profiling", value)],
    )


# --- what the controller-manager and the scheduler share ------------------------------------


def loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return address == "localhost"


def bind_address_result(replica: ControlPlaneComponent) -> Result:
    """--bind-address: the secure port serves on every interface unless it is a loopback address."""
    value = replica.flag("bind-address") or None
    port = replica.flag("secure-port")
    evidence = [("--bind-address", value), ("--secure-port", port)]
    if port == "0":
        return result(
            replica.pod, failed=False, message="The secure port is disabled (--secure-port=0)", evidence=evidence
        )
    if value is not None and loopback(value):
        return result(
            replica.pod, failed=False, message=f"Serves only on loopback (--bind-address={value})", evidence=evidence
        )
    where = f"--bind-address={value}" if value else "--bind-address is not set and defaults to 0.0.0.0"
    return result(
        replica.pod,
        failed=True,
        message=f"{replica.component} serves its HTTPS port on every interface of the node ({where})",
        evidence=evidence,
    )


BIND_RATIONALE = """
{name} serves health, metrics and (with profiling) debug endpoints on its secure port. With
--bind-address unset it listens on 0.0.0.0, reachable from every network the control-plane
node is on, and `/healthz` answers anonymous requests; bound to 127.0.0.1 only processes on
the node reach it. kubeadm sets 127.0.0.1. (kube-bench passes an unset flag, from the days
of the insecure port; the binary's default today is every interface, so an unset flag fails
here.)
"""
PROFILING_RATIONALE = """
With --profiling (on by default) {name} serves Go's pprof handlers, which reveal internals
and cost CPU to whoever the delegated authorizer lets read /debug/pprof. Nothing in
production needs them by default.
"""
