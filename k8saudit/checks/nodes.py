"""Nodes (NSA/CISA: Upgrading and application security practices): kubelet versions and skew.

The per-node inventory the report shows (container runtime, OS image, kernel) is report data,
not a check: `k8saudit.semantics.nodes`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.registry import Result, check, not_assessable, result
from k8saudit.model.findings import Section, Severity
from k8saudit.model.objects import Node

#: Kubelets may be this many minors older than the API server (1.28 and later); never newer.
KUBELET_SKEW = 3
#: Before 1.28 the policy allowed two.
KUBELET_SKEW_BEFORE_1_28 = 2


def _minor(version: str | None) -> tuple[int, int] | None:
    match = re.match(r"v?(\d+)\.(\d+)", version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


@check(
    id="nodes.kubelet-version-skew",
    title="Kubelets are within the supported version skew of the API server",
    problem="Kubelets outside the supported version skew",
    section=Section.UPGRADES,
    severity=Severity.MEDIUM,
    reads=("Node", "version"),
    rationale="""
The upstream version skew policy lets a kubelet be up to three minor versions older than the
API server (two before 1.28) and never newer. Outside that window the combination is
untested: API changes the kubelet does not understand, security fixes the node never
received (a lagging kubelet is often a node pool nobody upgrades), and a newer kubelet may
rely on APIs the server does not serve (high severity). Judged per node from
`status.nodeInfo.kubeletVersion` against the server version.
""",
    remediation="Upgrade (or replace) the lagging node pools to the API server's minor, one minor at a time; never "
    "upgrade kubelets ahead of the control plane.",
    references={},
)
def kubelet_version_skew(ctx: ScanContext) -> Iterator[Result]:
    inv = ctx.inventory
    server = inv.facts.version.minor_version() if inv.facts.version else None
    if server is None:  # reads=("version",) makes this unreachable
        yield not_assessable("the server version is unknown")
        return
    allowed = KUBELET_SKEW if server >= (1, 28) else KUBELET_SKEW_BEFORE_1_28
    label = f"{server[0]}.{server[1]}"
    for node in inv.of("Node", Node):
        version = node.status.nodeInfo.kubeletVersion
        kubelet = _minor(version)
        if kubelet is None:
            yield not_assessable(f"node {node.name} reports no readable kubelet version ({version!r})", node)
            continue
        evidence = [("status.nodeInfo.kubeletVersion", version), ("API server", label)]
        if kubelet[0] != server[0]:
            yield result(node, failed=True, message=f"kubelet {version} and API server {label}", evidence=evidence)
            continue
        behind = server[1] - kubelet[1]
        if behind < 0:
            yield result(
                node,
                failed=True,
                message=f"kubelet {version} is newer than the API server ({label}): not supported",
                evidence=evidence,
                severity=Severity.HIGH,
            )
        elif behind > allowed:
            yield result(
                node,
                failed=True,
                message=f"kubelet {version} is {behind} minors behind the API server ({label}); at most {allowed} "
                "are supported",
                evidence=evidence,
            )
        else:
            yield result(
                node,
                failed=False,
                message=f"kubelet {version} "
                + (
                    "matches the API server" if behind == 0 else f"is {behind} minor(s) behind the API server ({label})"
                ),
                evidence=evidence,
            )
