"""Regenerate ``k8saudit/data/builtin_clusterroles.json`` from a real kube-apiserver.

    python -m tests.gen_builtin_roles          # rewrite the file
    python -m tests.gen_builtin_roles --check  # exit 1 when it differs from what the server creates

The file holds every ClusterRole that kube-apiserver's bootstrap policy creates (label
``kubernetes.io/bootstrapping=rbac-defaults``), as the server stores them: aggregated roles
(``admin``, ``edit``, ``view``) keep their ``aggregationRule`` and ``rules: null``, and the
``system:aggregate-to-*`` roles they select are included, so ``k8saudit.semantics.rbac`` computes the
aggregation exactly as kube-controller-manager would. Only name, labels, rules and
aggregationRule are kept (no uid, timestamps or managed fields), so regenerating against the
same version gives the same bytes. Needs the `apiserver` tier binaries (tests/apiserver/).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from k8saudit.semantics.access import BUILTIN_ROLES_PATH
from tests import generated_file
from tests.realapi.harness import VERSION, running_server

BOOTSTRAP = ("kubernetes.io/bootstrapping", "rbac-defaults")


def _slim(role: dict[str, Any]) -> dict[str, Any]:
    meta = role["metadata"]
    out: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": meta["name"], "labels": dict(sorted((meta.get("labels") or {}).items()))},
        "rules": role.get("rules"),
    }
    if role.get("aggregationRule"):
        out["aggregationRule"] = role["aggregationRule"]
    return out


def render() -> str:
    with running_server(name="builtin-roles") as server:
        listed = server.admin.call("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles")["items"]
    roles = [_slim(r) for r in listed if (r["metadata"].get("labels") or {}).get(BOOTSTRAP[0]) == BOOTSTRAP[1]]
    roles.sort(key=lambda r: r["metadata"]["name"])
    document = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"annotations": {"k8saudit.io/source": f"kube-apiserver {VERSION} bootstrap policy"}},
        "items": roles,
    }
    return json.dumps(document, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    return generated_file.main(__doc__.splitlines()[0], BUILTIN_ROLES_PATH, render, "tests.gen_builtin_roles", argv)


if __name__ == "__main__":
    sys.exit(main())
