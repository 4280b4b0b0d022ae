"""The report's sections that are not checks: the access review, Pod Security admission readiness
per namespace and the node inventory.

The engine builds them after the checks have run, from the same scan context, so they share
what the checks derived (the access model, every workload's Pod Security level) and say the
same thing the findings say.
"""

from __future__ import annotations

from collections.abc import Callable

from k8saudit.checks.context import ScanContext
from k8saudit.model.findings import AccessReview, NamespacePodSecurity, NodeInfo
from k8saudit.model.inventory import Inventory
from k8saudit.semantics.nodes import node_inventory
from k8saudit.semantics.review import build_access_review

InScope = Callable[[str | None], bool]


def access_review(ctx: ScanContext, in_scope: InScope) -> AccessReview:
    """Who holds each risky permission, and through which binding (`semantics.access`)."""
    return build_access_review(ctx.inventory, ctx.access, in_scope=in_scope, escalations=ctx.escalations)


def pod_security(ctx: ScanContext, in_scope: InScope) -> list[NamespacePodSecurity]:
    """Pod Security admission readiness of every namespace in scope (`semantics.psa`)."""
    return [NamespacePodSecurity.model_validate(r.as_dict()) for r in ctx.readiness if in_scope(r.namespace)]


def nodes(inv: Inventory) -> list[NodeInfo] | None:
    """The node inventory (`semantics.nodes`), or None when nodes could not be read."""
    if not inv.availability("Node").ok:
        return None
    return [NodeInfo.model_validate(vars(row)) for row in node_inventory(inv)]
