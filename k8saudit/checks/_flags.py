"""Reading control-plane flags: Go booleans, comma lists and the replicas of one component.

Shared by the API server, etcd, controller-manager and scheduler checks. (A module whose name
starts with `_` holds no checks: `all_checks()` does not import it for that purpose.)
"""

from __future__ import annotations

from k8saudit.inventory import ControlPlaneComponent, Inventory

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
