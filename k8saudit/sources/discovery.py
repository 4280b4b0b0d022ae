"""API discovery: every group, version and resource the API server serves, and whether each is
namespaced (CustomResourceDefinitions included), recorded in the cluster facts.

RBAC decides by (API group, resource) and by whether the request carries a namespace; the
answer to "is this resource namespaced" is the server's own, not a hand list: a CRD named
`nodes.longhorn.io` is namespaced although core `nodes` is not. Two requests suffice on any
supported cluster: aggregated discovery (`apidiscovery.k8s.io/v2`, GA since v1.30) answers
`GET /api` and `GET /apis` with every version's resources. A server (or proxy, or fake) that
answers the legacy shape instead (`APIVersions`, `APIGroupList`) is read the legacy way: one
`APIResourceList` per group version. Both are non-resource URLs that every authenticated user
may read (`system:discovery`), so the auditor's ClusterRole needs nothing more.

Failures are recorded, never fatal: without discovery, k8saudit falls back to the built-in
table of v1.37's resources (`k8saudit.semantics.apiresources`), and to what the
CustomResourceDefinitions of manifests or a dump declare (`crd_resources`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from k8saudit.model.facts import ApiDiscovery, ApiResource, AvailabilityStatus

#: Aggregated discovery first (v2, then v2beta1 for v1.26-1.29), the legacy JSON shape otherwise.
ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
AGGREGATED = "APIGroupDiscoveryList"


class Answer(Protocol):
    """What a fetch returns: the HTTP status and the body (the live collector's response has both)."""

    @property
    def status(self) -> int: ...

    @property
    def data(self) -> bytes: ...


#: GET a path with an Accept header; may raise (an unreachable server): recorded as an error.
Fetch = Callable[[str, str], Answer]


class _Failed(Exception):
    """A discovery document that could not be read: the reason."""


def discover(fetch: Fetch) -> ApiDiscovery:
    """Everything `/api` and `/apis` say is served, or why it could not be read."""
    resources: list[ApiResource] = []
    problems: list[str] = []
    for root in ("/api", "/apis"):
        try:
            document = _get(fetch, root, ACCEPT)
        except _Failed as exc:
            if root == "/api":
                return ApiDiscovery(status=_status(str(exc)), reason=str(exc))
            problems.append(str(exc))
            continue
        if document.get("kind") == AGGREGATED:
            resources.extend(_aggregated(document, problems))
        else:
            resources.extend(_legacy(fetch, root, document, problems))
    reason = "; ".join(problems) or None
    if not resources:  # nothing could be read at all (a server, or a fake, that answers /api only)
        return ApiDiscovery(status="error", reason=reason or "discovery lists no resource")
    return ApiDiscovery(status="ok", reason=reason, resources=resources)


def _status(reason: str) -> AvailabilityStatus:
    return "forbidden" if reason.endswith(": 403") else "error"


def _get(fetch: Fetch, path: str, accept: str) -> dict[str, Any]:
    try:
        answer = fetch(path, accept)
    except Exception as exc:  # an unreachable server, a reset connection: recorded, never fatal
        raise _Failed(f"GET {path}: {exc}") from None
    if answer.status != 200:
        raise _Failed(f"GET {path}: {answer.status}")
    try:
        document = json.loads(answer.data)
    except ValueError:
        raise _Failed(f"GET {path}: not JSON") from None
    if not isinstance(document, dict):
        raise _Failed(f"GET {path}: not a discovery document")
    return document


def _aggregated(document: dict[str, Any], problems: list[str]) -> Iterator[ApiResource]:
    """`APIGroupDiscoveryList`: groups, their versions (preferred first) and each one's resources.
    A version whose `freshness` is `Stale` (an aggregated API server that did not answer) still
    lists its last known resources; it is named as a problem."""
    for item in _dicts(document.get("items")):
        group = str((item.get("metadata") or {}).get("name") or "")
        for version in _dicts(item.get("versions")):
            name = str(version.get("version") or "")
            if version.get("freshness") == "Stale":
                problems.append(f"{group or 'core'}/{name}: stale (its API server did not answer)")
            for res in _dicts(version.get("resources")):
                plural = res.get("resource")
                if not isinstance(plural, str) or not plural:
                    continue
                response_kind = res.get("responseKind")
                kind = response_kind.get("kind") if isinstance(response_kind, dict) else ""
                yield ApiResource(
                    group=group,
                    version=name,
                    resource=plural,
                    kind=str(kind or ""),
                    namespaced=res.get("scope") == "Namespaced",
                )


def _legacy(fetch: Fetch, root: str, document: dict[str, Any], problems: list[str]) -> Iterator[ApiResource]:
    """`APIVersions` (/api) or `APIGroupList` (/apis), then one `APIResourceList` per group version."""
    if root == "/api":
        group_versions = [("", str(v)) for v in document.get("versions") or [] if isinstance(v, str)]
    else:
        group_versions = [
            (str(group.get("name") or ""), str(version.get("version") or ""))
            for group in _dicts(document.get("groups"))
            for version in _dicts(group.get("versions"))
        ]
    for group, version in group_versions:
        path = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        try:
            listing = _get(fetch, path, "application/json")
        except _Failed as exc:
            problems.append(str(exc))
            continue
        for res in _dicts(listing.get("resources")):
            name = res.get("name")
            if not isinstance(name, str) or not name or "/" in name:
                continue  # subresources have their resource's scope
            yield ApiResource(
                group=group,
                version=version,
                resource=name,
                kind=str(res.get("kind") or ""),
                namespaced=res.get("namespaced") is True,
            )


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, dict))


CRD_KIND = "CustomResourceDefinition"


def crd_resources(doc: dict[str, Any]) -> list[ApiResource]:
    """The resources a CustomResourceDefinition declares, one per served version (what discovery
    would list once it is applied); nothing for a document that does not say group and plural.
    Read from the dict: k8saudit audits no CRD, it only needs to know which resources it adds."""
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        return []
    raw_names = spec.get("names")
    names: dict[str, Any] = raw_names if isinstance(raw_names, dict) else {}
    group, plural, kind = spec.get("group"), names.get("plural"), names.get("kind")
    if not isinstance(group, str) or not group or not isinstance(plural, str) or not plural:
        return []
    namespaced = spec.get("scope", "Namespaced") != "Cluster"  # the scope field is required; v1beta1 defaulted it
    versions = [
        str(v["name"]) for v in _dicts(spec.get("versions")) if isinstance(v.get("name"), str) and v.get("served", True)
    ] or [str(spec.get("version") or "")]
    return [
        ApiResource(group=group, version=version, resource=plural, kind=str(kind or ""), namespaced=namespaced)
        for version in versions
    ]
