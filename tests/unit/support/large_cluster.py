"""A large, realistic cluster for the report tests: the benchmark generator's 2,000 pods.

`benchmarks.generate` makes what a real API server would list (2,000 pods of 8 KB, 5,500 objects);
it is parsed exactly as manifests are and audited once per test process. It has 80 critical
findings of two kinds (50 privileged containers, 30 container-runtime socket mounts, a check whose
default severity is high); one binding of `system:anonymous` to a role that reads pods adds a
third kind, a single critical finding of another high check.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from benchmarks.generate import LISTS, generate
from k8saudit.engine.run import run_checks
from k8saudit.model.facts import ClusterFactsSpec
from k8saudit.model.findings import Report
from tests.conftest import make_inventory

PODS = 2_000

#: The third kind of critical finding: anonymous users may read every pod.
ANONYMOUS_READER: list[dict[str, Any]] = [
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "pod-peek"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "anonymous-pod-peek"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "pod-peek"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "system:anonymous"}],
    },
]


def documents(pods: int = PODS) -> list[dict[str, Any]]:
    """Every object of the generated cluster as a manifest (with `kind` and `apiVersion`)."""
    api_versions = {kind: api_version for kind, api_version, _path in LISTS}
    cluster = generate(pods, seed=1)
    return [
        {"kind": kind, "apiVersion": api_versions[kind], **obj} for kind, _path, objs in cluster.items() for obj in objs
    ]


@cache
def large_report() -> Report:
    """The audit of the generated 2,000-pod cluster plus the anonymous reader."""
    inv = make_inventory([*documents(), *ANONYMOUS_READER], ClusterFactsSpec(source="snapshot"))
    report = run_checks(inv)
    report.cluster.context = "bench-2000"
    return report
