"""Kubelet version skew and the node inventory (k8saudit/checks/nodes.py, k8saudit/semantics/nodes.py)."""

from __future__ import annotations

from k8saudit.model.facts import ClusterFactsSpec, ServerVersion
from k8saudit.model.findings import Severity, Status
from k8saudit.semantics.nodes import node_inventory
from tests.conftest import make_inventory
from tests.unit.support.cluster_builders import node
from tests.unit.support.helpers import deployment, failing, run, summary


def version(git: str) -> ClusterFactsSpec:
    return ClusterFactsSpec(source="snapshot", version=ServerVersion(gitVersion=git))


# --- nodes.kubelet-version-skew ----------------------------------------------------------------------


def test_kubelet_skew() -> None:
    docs = [
        node("same", kubelet="v1.33.2"),
        node("three-behind", kubelet="v1.30.9"),
        node("four-behind", kubelet="v1.29.9"),
        node("newer", kubelet="v1.34.0"),
    ]
    report = run(docs, "nodes.kubelet-version-skew", version("v1.33.4"))
    got = failing(report)
    assert set(got) == {"four-behind", "newer"}
    assert got["newer"].severity is Severity.HIGH and "newer than the API server" in got["newer"].message
    assert got["four-behind"].severity is Severity.MEDIUM and "at most 3" in got["four-behind"].message
    assert summary(report).passed == 2


def test_before_1_28_two_minors_were_allowed() -> None:
    report = run([node("n", kubelet="v1.24.3")], "nodes.kubelet-version-skew", version("v1.27.1"))
    assert "at most 2" in failing(report)["n"].message


def test_skew_needs_the_server_version_and_nodes() -> None:
    assert summary(run([node("n")], "nodes.kubelet-version-skew")).status is Status.NOT_ASSESSABLE
    report = run([deployment("web")], "nodes.kubelet-version-skew", version("v1.33.0"))
    assert summary(report).status is Status.NOT_ASSESSABLE
    unreadable = node("n", kubelet="")
    report = run([unreadable], "nodes.kubelet-version-skew", version("v1.33.0"))
    assert summary(report).status is Status.NOT_ASSESSABLE


def test_node_inventory_lists_runtime_and_os_per_node() -> None:
    inv = make_inventory([node("w2"), node("cp1", control_plane=True)])
    rows = node_inventory(inv)
    assert [r.name for r in rows] == ["cp1", "w2"]
    assert rows[0].roles == ["control-plane"] and rows[1].roles == []
    assert rows[0].containerRuntime == "containerd://2.1.3" and rows[0].osImage == "Ubuntu 24.04.2 LTS"
    assert rows[0].kernelVersion == "6.8.0-60-generic" and rows[0].kubeletVersion == "v1.33.2"
