"""Which resources exist and whether each is namespaced, keyed by API group and resource.

RBAC answers a request from its attributes, and whether a RoleBinding can apply depends on one
of them: a request for a cluster-scoped resource carries no namespace, so only
ClusterRoleBindings allow it. Whether a resource is cluster-scoped is the API server's answer,
for that group: core `nodes` is cluster-scoped, a CRD's `nodes.longhorn.io` namespaced.

Sources, first one that knows wins:
1. the cluster's own API discovery (`ClusterFacts.apiDiscovery`: a live scan and its snapshot),
2. CustomResourceDefinitions found in manifests or a dump (`ClusterFacts.customResources`),
3. the built-in table of what kube-apiserver v1.37 serves with every API on, plus the resources
   only RBAC knows (impersonation's users, groups, uids, userextras; certificate signers):
   `data/builtin_api_resources.json`, generated and checked against the real server
   (`tests/gen_builtin_resources.py`).

A bare resource name (`who-can get nodes`) means what kubectl resolves it to: the core group
when it serves the name, else the first group that does, in the server's priority order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from k8saudit.model.facts import ApiResource, ClusterFactsSpec

BUILTIN_RESOURCES_PATH = Path(__file__).parent.parent / "data" / "builtin_api_resources.json"


@cache
def builtin_resources() -> tuple[ApiResource, ...]:
    """kube-apiserver v1.37's resources, in served order, then the authorization-only ones."""
    document = json.loads(BUILTIN_RESOURCES_PATH.read_text(encoding="utf-8"))
    items = [*document["resources"], *document["authorizationOnly"]]
    return tuple(ApiResource.model_validate(item) for item in items)


class ApiScopes:
    """Scope and group of resources, from the most authoritative source that knows them."""

    def __init__(self, facts: ClusterFactsSpec | None = None) -> None:
        discovered = facts.apiDiscovery.resources if facts is not None and facts.apiDiscovery is not None else []
        custom = facts.customResources if facts is not None else []
        self._namespaced: dict[tuple[str, str], bool] = {}
        self._groups: dict[str, list[str]] = {}
        for source in (discovered, custom, builtin_resources()):
            self._add(source)

    def _add(self, resources: Iterable[ApiResource]) -> None:
        for res in resources:
            self._namespaced.setdefault((res.group, res.resource), res.namespaced)
            groups = self._groups.setdefault(res.resource, [])
            if res.group not in groups:
                groups.append(res.group)

    def namespaced(self, group: str, resource: str) -> bool | None:
        """Whether `resource` of `group` is namespaced; None when no source knows it."""
        return self._namespaced.get((group, resource))

    def cluster_scoped(self, group: str, resource: str) -> bool:
        """Known to be cluster-scoped (an unknown resource is not assumed to be)."""
        return self._namespaced.get((group, resource)) is False

    def group_of(self, resource: str) -> str | None:
        """The group a bare resource name means: core if it serves it, else the first that does."""
        groups = self._groups.get(resource)
        if not groups:
            return None
        return "" if "" in groups else groups[0]
