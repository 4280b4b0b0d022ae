"""Live source: read a cluster through the Kubernetes API (placeholder until the collector lands)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from k8saudit.errors import ClusterError
from k8saudit.inventory import Inventory


@dataclass(frozen=True)
class LiveOptions:
    kubeconfig: Path | None = None
    context: str | None = None
    in_cluster: bool | None = None  # None: in-cluster when inside a pod with no kubeconfig
    kubelet_config: bool = False
    page_size: int = 500
    timeout: float = 30.0
    retries: int = 4


def collect_live(options: LiveOptions) -> Inventory:
    raise ClusterError("live collection is not implemented yet")
