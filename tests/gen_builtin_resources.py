"""Regenerate ``k8saudit/data/builtin_api_resources.json`` from a real kube-apiserver.

    python -m tests.gen_builtin_resources          # rewrite the file
    python -m tests.gen_builtin_resources --check  # exit 1 when it differs from what the server serves

The file is what k8saudit knows about a cluster's resources when the source has no API discovery
(manifests, a plain kubectl dump): every group, version and resource kube-apiserver serves, with
its scope, read from the legacy discovery documents (`/api`, `/apis`, one `APIResourceList` per
group version) of a server started with every API and feature gate on (`--runtime-config=
api/all=true`, `AllAlpha`, `AllBeta`), so alpha and beta resources are there too. Served order is
kept: it is the server's group priority, which decides what a bare resource name means.

`authorizationOnly` lists the resources RBAC authorizes that no API serves (they are not in
discovery): impersonation's `users`, `groups` (core group), `uids` and `userextras`
(authentication.k8s.io), checked without a namespace by the impersonation filter
(staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go; `serviceaccounts` is served
and namespaced), and the certificate `signers` (certificates.k8s.io) that `approve`, `sign` and
`attest` name, checked without a namespace (pkg/registry/certificates/certificates/strategy.go,
plugin/pkg/admission/certificates). Needs the `apiserver` tier binaries (tests/apiserver/).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests import generated_file
from tests.realapi.harness import VERSION, Client, running_server

PATH = Path(__file__).resolve().parents[1] / "k8saudit" / "data" / "builtin_api_resources.json"
#: Every API group, version and alpha/beta feature on: the table must know them all.
ALL_APIS = ("--runtime-config=api/all=true", "--feature-gates=AllAlpha=true,AllBeta=true")
AUTHORIZATION_ONLY: list[dict[str, Any]] = [
    {"group": "", "resource": "users", "namespaced": False},
    {"group": "", "resource": "groups", "namespaced": False},
    {"group": "authentication.k8s.io", "resource": "uids", "namespaced": False},
    {"group": "authentication.k8s.io", "resource": "userextras", "namespaced": False},
    {"group": "certificates.k8s.io", "resource": "signers", "namespaced": False},
]


def served(client: Client) -> list[dict[str, Any]]:
    """Every served resource (no subresources) from legacy discovery, in the server's order."""
    versions = [("", v) for v in client.call("GET", "/api")["versions"]]
    for group in client.call("GET", "/apis")["groups"]:
        versions.extend((group["name"], v["version"]) for v in group["versions"])
    found: list[dict[str, Any]] = []
    for group, version in versions:
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        for res in client.call("GET", path)["resources"]:
            if "/" not in res["name"]:
                found.append(
                    {
                        "group": group,
                        "version": version,
                        "resource": res["name"],
                        "kind": res["kind"],
                        "namespaced": res["namespaced"],
                    }
                )
    return found


def render() -> str:
    with running_server(name="builtin-resources", extra_flags=ALL_APIS) as server:
        resources = served(server.admin)
    document = {
        "source": f"kube-apiserver {VERSION}, every API and feature gate on ({' '.join(ALL_APIS)})",
        "resources": resources,
        "authorizationOnly": AUTHORIZATION_ONLY,
    }
    return json.dumps(document, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    return generated_file.main(__doc__.splitlines()[0], PATH, render, "tests.gen_builtin_resources", argv)


if __name__ == "__main__":
    sys.exit(main())
