"""The report's node inventory: each node's roles, kubelet, container runtime, OS image and kernel."""

from __future__ import annotations

from dataclasses import dataclass

from k8saudit.model.inventory import Inventory
from k8saudit.model.objects import Node


def node_roles(node: Node) -> list[str]:
    """`node-role.kubernetes.io/<role>` labels, as `kubectl get nodes` shows them."""
    prefix = "node-role.kubernetes.io/"
    return sorted(k[len(prefix) :] for k in node.metadata.labels if k.startswith(prefix) and k != prefix)


@dataclass(frozen=True)
class NodeRow:
    """One node of the report's node inventory."""

    name: str
    roles: list[str]
    kubeletVersion: str | None
    containerRuntime: str | None
    osImage: str | None
    kernelVersion: str | None
    operatingSystem: str | None
    architecture: str | None


def node_inventory(inv: Inventory) -> list[NodeRow]:
    """Every node with its kubelet, container runtime, OS image and kernel (sorted by name)."""
    rows = []
    for node in sorted(inv.of("Node", Node), key=lambda n: n.name):
        info = node.status.nodeInfo
        rows.append(
            NodeRow(
                name=node.name,
                roles=node_roles(node),
                kubeletVersion=info.kubeletVersion,
                containerRuntime=info.containerRuntimeVersion,
                osImage=info.osImage,
                kernelVersion=info.kernelVersion,
                operatingSystem=info.operatingSystem,
                architecture=info.architecture,
            )
        )
    return rows
