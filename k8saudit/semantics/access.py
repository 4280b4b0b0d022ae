"""The access model: who may do what, shared by the RBAC checks, `k8saudit who-can` and the
report's access review, so all three give the same answer.

It stands on `k8saudit.semantics.rbac` (the authorizer's semantics) and adds three things.

**Built-in ClusterRoles.** A set of manifests binds `edit` or `cluster-admin` without shipping
them, and a kubectl dump may hold bindings but not every role. Unless the source listed
ClusterRoles completely (a live scan or its snapshot, where the cluster's own definitions are the
truth), every bootstrap ClusterRole the source lacks is taken from
`data/builtin_clusterroles.json`: what kube-apiserver v1.37 creates, aggregation labels included,
so `admin`/`edit`/`view` are aggregated as kube-controller-manager would (together with any
`aggregate-to-*` roles in the source). A grant through such a role says so
(`assumed_role`). Roles are never invented otherwise: a binding to an unknown role grants nothing
and is reported by `rbac.missing-roles`.

**Defaults.** A grant is *built in* when a Kubernetes or kubeadm default gives it to a system
identity, decided per (binding, subject):

- `Group system:masters` is always built in: the API server allows its members everything
  before RBAC is consulted, so a binding adds nothing to it (CIS 5.1.7 is about handing out
  its credentials, which the API cannot show).
- A binding labelled `kubernetes.io/bootstrapping=rbac-defaults` (the label the API server's
  bootstrap policy puts on every role and binding it creates) gives built-in grants to system
  identities only: users and groups named `system:*` and ServiceAccounts of `kube-system` (the
  controllers' own accounts, `system:controller:*`). The label is not trusted alone: the role
  it binds must carry it too, the groups that stand for everyone (`system:authenticated`,
  `system:unauthenticated`, `system:serviceaccounts`, and the user `system:anonymous`) are
  built in only in the exact upstream pairs (`EVERYONE_DEFAULTS`), and any other subject added
  to a default binding (`User alice` on `cluster-admin`) is reported like any other grant.
  Name prefixes alone decide nothing: a `system:`-named binding without the label is a user's.
- kubeadm creates its bindings without the label; `KUBEADM_DEFAULTS` lists them with their
  exact subjects (kubeadm v1.29+: `kubeadm:cluster-admins`, the bootstrap-token and node
  groups, kube-proxy, the anonymous `cluster-info` reader in kube-public).

Managed platforms' own bindings (EKS `eks:*`, GKE `gce:*`, AKS `aks-*`) are not recognised:
they are reported, and can be exempted by annotation or config.

**The access review** (`build_access_review`): for each family of risky permissions in
`RISKY_PERMISSIONS`, every subject holding it, where, and through which binding, role
and rule; built-in holders are kept (marked `builtIn`) so the JSON is complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from k8saudit.model import objects as o
from k8saudit.model.findings import (
    AccessGrant,
    ResourceRef,
)
from k8saudit.model.inventory import Inventory
from k8saudit.model.kinds import BY_KIND
from k8saudit.semantics import rbac
from k8saudit.semantics.rbac import BindingRef, Grant, GrantPath, RbacIndex, SubjectRef
from k8saudit.semantics.reconcile import Reconciled, reconciled
from k8saudit.semantics.risky import ReviewRow, RiskyPermission, access_review

BUILTIN_ROLES_PATH = Path(__file__).parent.parent / "data" / "builtin_clusterroles.json"
BOOTSTRAP_LABEL = "kubernetes.io/bootstrapping"
BOOTSTRAP_VALUE = "rbac-defaults"
BINDING_KINDS = ("ClusterRoleBinding", "RoleBinding")
ROLE_KINDS = ("ClusterRole", "Role")
RBAC_KINDS = (*BINDING_KINDS, *ROLE_KINDS)
SYSTEM_NAMESPACE = "kube-system"

#: Groups (and the one user) that stand for everyone of a kind: a grant to one is a grant to all.
EVERYONE_GROUPS = frozenset({rbac.AUTHENTICATED, rbac.UNAUTHENTICATED, rbac.ALL_SERVICE_ACCOUNTS})

#: (ClusterRoleBinding, group) pairs kube-apiserver's bootstrap policy creates for everyone-groups.
EVERYONE_DEFAULTS = frozenset(
    {
        ("system:public-info-viewer", rbac.AUTHENTICATED),
        ("system:public-info-viewer", rbac.UNAUTHENTICATED),
        ("system:discovery", rbac.AUTHENTICATED),
        ("system:basic-user", rbac.AUTHENTICATED),
        ("system:service-account-issuer-discovery", rbac.ALL_SERVICE_ACCOUNTS),
        ("system:cluster-trust-bundle-discovery", rbac.ALL_SERVICE_ACCOUNTS),
    }
)

_BOOTSTRAP_TOKENS = ("Group", None, "system:bootstrappers:kubeadm:default-node-token")
_NODES = ("Group", None, "system:nodes")

#: kubeadm's bootstrap bindings (not labelled): (kind, namespace, name) -> (kind, namespace, name) subjects.
KUBEADM_DEFAULTS: dict[tuple[str, str | None, str], frozenset[tuple[str, str | None, str]]] = {
    ("ClusterRoleBinding", None, "kubeadm:cluster-admins"): frozenset({("Group", None, "kubeadm:cluster-admins")}),
    ("ClusterRoleBinding", None, "kubeadm:get-nodes"): frozenset({_BOOTSTRAP_TOKENS}),
    ("ClusterRoleBinding", None, "kubeadm:kubelet-bootstrap"): frozenset({_BOOTSTRAP_TOKENS}),
    ("ClusterRoleBinding", None, "kubeadm:node-autoapprove-bootstrap"): frozenset({_BOOTSTRAP_TOKENS}),
    ("ClusterRoleBinding", None, "kubeadm:node-autoapprove-certificate-rotation"): frozenset({_NODES}),
    ("ClusterRoleBinding", None, "kubeadm:node-proxier"): frozenset(
        {("ServiceAccount", SYSTEM_NAMESPACE, "kube-proxy")}
    ),
    ("RoleBinding", "kube-public", "kubeadm:bootstrap-signer-clusterinfo"): frozenset({("User", None, rbac.ANONYMOUS)}),
    ("RoleBinding", SYSTEM_NAMESPACE, "kube-proxy"): frozenset({_BOOTSTRAP_TOKENS}),
    ("RoleBinding", SYSTEM_NAMESPACE, "kubeadm:kubelet-config"): frozenset({_NODES, _BOOTSTRAP_TOKENS}),
    ("RoleBinding", SYSTEM_NAMESPACE, "kubeadm:nodes-kubeadm-config"): frozenset({_NODES, _BOOTSTRAP_TOKENS}),
}

Binding = o.ClusterRoleBinding | o.RoleBinding


@cache
def builtin_cluster_roles() -> tuple[o.ClusterRole, ...]:
    """The bootstrap ClusterRoles of kube-apiserver (see `tests/gen_builtin_roles.py`)."""
    document = json.loads(BUILTIN_ROLES_PATH.read_text(encoding="utf-8"))
    return tuple(o.ClusterRole.model_validate(item) for item in document["items"])


def labelled_default(obj: o.K8sObject | None) -> bool:
    return obj is not None and obj.metadata.labels.get(BOOTSTRAP_LABEL) == BOOTSTRAP_VALUE


def is_everyone(subject: SubjectRef) -> bool:
    """A subject that stands for everyone of a kind (every user, every anonymous caller, every pod)."""
    if subject.kind == "Group":
        return subject.name in EVERYONE_GROUPS
    return subject.kind == "User" and subject.name == rbac.ANONYMOUS


def permission_label(grant: Grant | None, permission: RiskyPermission) -> str:
    """`list secrets`, `create pods/exec`, `impersonate users (only: bob)`; a rule whose
    resourceNames include "" says so: it allows every request made without a name."""
    sub = f"/{permission.subresource}" if permission.subresource else ""
    label = f"{permission.verb} {permission.resource}{sub}"
    if grant is not None and grant.only_named:
        label += f" (only: {', '.join(grant.resource_names)})"
    elif grant is not None and grant.resource_names:
        label += ' (resourceNames [""]: every request without a name)'
    return label


def _binding_key(ref: BindingRef | GrantPath) -> tuple[str, str | None, str]:
    if isinstance(ref, GrantPath):
        return ref.binding_kind, ref.binding_namespace, ref.binding_name
    return ref.kind, ref.namespace, ref.name


class AccessModel:
    """The RBAC objects of an Inventory, with built-in ClusterRoles filled in where the source
    could not have listed them, indexed once (a scan's is `ScanContext.access`)."""

    def __init__(self, inv: Inventory) -> None:
        listing = inv.facts.kinds.get("ClusterRole")
        self.authoritative_roles = listing is not None and listing.ok
        objects: list[o.K8sObject] = [obj for kind in RBAC_KINDS for obj in inv.of(kind, o.K8sObject)]
        present = {r.name for r in inv.of("ClusterRole", o.ClusterRole)}
        assumed = () if self.authoritative_roles else tuple(r for r in builtin_cluster_roles() if r.name not in present)
        #: ClusterRoles taken from the built-in definitions because the source lacked them.
        self.assumed: frozenset[str] = frozenset(r.name for r in assumed)
        #: Built-in ClusterRoles the source ships with less than the built-in definition, as the API
        #: server restores them at its next start (`semantics.reconcile`): name -> what was restored.
        self.restored: dict[str, Reconciled] = {}
        if not self.authoritative_roles:
            objects = self._reconcile(objects)
        self.inventory = Inventory([*objects, *assumed], inv.facts)
        self.index = RbacIndex(self.inventory)
        self._bindings: dict[tuple[str, str | None, str], Binding] = {}
        for binding, ns in self.index.all_bindings():
            self._bindings[(binding.kind, ns or None, binding.name)] = binding
        self._review: list[ReviewRow] | None = None

    def _reconcile(self, objects: list[o.K8sObject]) -> list[o.K8sObject]:
        """`objects` with each shipped bootstrap ClusterRole replaced by what the API server makes
        of it at start-up. Not for a live listing: there the stored roles are what is authorized
        (the server reconciled them at its last start)."""
        builtin = {r.name: r for r in builtin_cluster_roles()}
        out: list[o.K8sObject] = []
        for obj in objects:
            definition = builtin.get(obj.name) if isinstance(obj, o.ClusterRole) else None
            if isinstance(obj, o.ClusterRole) and definition is not None:
                result = reconciled(obj, definition)
                if result.changed:
                    self.restored[obj.name] = result
                    obj = result.role
            out.append(obj)
        return out

    def restored_rule(self, role: str, index: int) -> bool:
        """Rule `index` of ClusterRole `role` is not in the source: the API server restores it."""
        found = self.restored.get(role)
        return found is not None and index >= found.own_rules

    # --- objects -----------------------------------------------------------------------------

    def bindings(self) -> list[tuple[Binding, str]]:
        """(binding, its namespace or "") in report order: ClusterRoleBindings, then by namespace."""
        return list(self.index.all_bindings())

    def binding(self, ref: BindingRef | GrantPath) -> Binding | None:
        return self._bindings.get(_binding_key(ref))

    def role_of(self, binding: Binding) -> o.Role | o.ClusterRole | None:
        ref = binding.roleRef
        if ref.kind == "ClusterRole":
            return self.index.cluster_roles.get(ref.name)
        if ref.kind == "Role" and isinstance(binding, o.RoleBinding):
            return self.index.roles.get((binding.namespace or "", ref.name))
        return None

    def rules_of(self, binding: Binding) -> tuple[rbac.EffectiveRule, ...] | None:
        """The rules the binding grants (aggregation resolved), None when its role is missing."""
        ns = binding.namespace or "" if isinstance(binding, o.RoleBinding) else ""
        return self.index.rules_for_ref(binding.roleRef, ns)

    def role_ref(self, binding: Binding) -> ResourceRef:
        ref = binding.roleRef
        namespace = binding.namespace if ref.kind == "Role" else None
        api_version = BY_KIND[ref.kind].api_version if ref.kind in BY_KIND else ""
        return ResourceRef(apiVersion=api_version, kind=ref.kind, namespace=namespace, name=ref.name)

    def rule_label(self, binding: Binding, index: int, source: str | None) -> str:
        """`ClusterRole/edit rules[3]`, with where an aggregated, assumed or restored rule comes from."""
        ref = binding.roleRef
        label = f"{ref.kind}/{ref.name} rules[{index}]"
        if source:
            label = f"ClusterRole/{source} rules[{index}] (aggregated into {ref.kind}/{ref.name})"
        assumed = {n for n in (ref.name if ref.kind == "ClusterRole" else None, source) if n in self.assumed}
        if assumed:
            label += " (built-in definition: not in the source)"
        owner = source or (ref.name if ref.kind == "ClusterRole" else None)
        if owner is not None and self.restored_rule(owner, index):
            label += f" (restored by the API server: the built-in rule the source's ClusterRole {owner} lacks)"
        if source and ref.kind == "ClusterRole" and self._aggregation_restored(ref.name):
            label += f" (aggregation restored by the API server: the source's ClusterRole {ref.name} lacks it)"
        return label

    def _aggregation_restored(self, role: str) -> bool:
        found = self.restored.get(role)
        return found is not None and found.aggregation_restored

    def from_builtin(self, role_kind: str, role: str, index: int, source: str | None) -> bool:
        """The rule is the built-in definition's, not the source's: its role was assumed (the source
        lacks it), or the API server restores it into a built-in role the source ships trimmed."""
        owner = source or (role if role_kind == "ClusterRole" else None)
        if owner is None:
            return False
        cluster_role = role if role_kind == "ClusterRole" else None
        return bool({owner, cluster_role} & self.assumed) or self.restored_rule(owner, index)

    # --- defaults ----------------------------------------------------------------------------

    def is_default(self, binding: Binding, subject: SubjectRef) -> bool:
        """Whether a Kubernetes or kubeadm default gives `subject` this binding (module docstring)."""
        if subject.kind == "Group" and subject.name == rbac.PRIVILEGED_GROUP:
            return True
        ns = binding.namespace if isinstance(binding, o.RoleBinding) else None
        kubeadm = KUBEADM_DEFAULTS.get((binding.kind, ns or None, binding.name))
        if kubeadm is not None and (subject.kind, subject.namespace, subject.name) in kubeadm:
            return True
        if not labelled_default(binding):
            return False
        role = self.role_of(binding)
        if role is not None and not labelled_default(role):
            return False
        if is_everyone(subject):
            return (
                isinstance(binding, o.ClusterRoleBinding)
                and subject.kind == "Group"
                and (binding.name, subject.name) in EVERYONE_DEFAULTS
            )
        if subject.kind == "ServiceAccount":
            return subject.namespace == SYSTEM_NAMESPACE
        return subject.name.startswith("system:")

    def subjects(self, binding: Binding) -> list[SubjectRef]:
        ns = binding.namespace or "" if isinstance(binding, o.RoleBinding) else ""
        refs = [ref for s in binding.subjects if (ref := rbac.resolve_subject(s, ns)) is not None]
        return sorted(set(refs), key=lambda r: r.sort_key)

    # --- the review --------------------------------------------------------------------------

    @property
    def review(self) -> list[ReviewRow]:
        """`risky.access_review` over this model (computed once)."""
        if self._review is None:
            self._review = access_review(self.index)
        return self._review

    def grants(self, families: Iterable[str]) -> list[tuple[RiskyPermission, Grant]]:
        """Every (permission, grant) of these families, in review order."""
        wanted = set(families)
        return [(row.permission, g) for row in self.review if row.permission.family in wanted for g in row.grants]


def subject_label(subject: SubjectRef) -> str:
    return str(subject)


# --- how a subject holds a grant (the review and who-can) -------------------------------------


def access_grant(
    model: AccessModel, binding: Binding, grant: rbac.Grant, subject: rbac.SubjectRef, permissions: list[str]
) -> AccessGrant:
    """How `subject` holds `grant`: the binding, role and rule behind it, as reports and who-can show it."""
    path = grant.path
    return AccessGrant(
        binding=_resource_ref(binding),
        role=model.role_ref(binding),
        rule=path.rule_index,
        aggregatedFrom=path.rule_source,
        assumedRole=model.from_builtin(path.role_kind, path.role_name, path.rule_index, path.rule_source),
        namespace=grant.namespace,
        resourceNames=list(grant.resource_names),
        builtIn=model.is_default(binding, subject),
        fullWildcard=grant.everything,
        permissions=permissions,
    )


def _resource_ref(binding: Binding) -> ResourceRef:
    ns = binding.namespace if isinstance(binding, o.RoleBinding) else None
    return ResourceRef(apiVersion=BY_KIND[binding.kind].api_version, kind=binding.kind, namespace=ns, name=binding.name)


def review_status(inv: Inventory) -> tuple[str, str | None]:
    """`complete`, `partial` (some RBAC kind could not be read) or `not-assessable`, with why."""
    avails = {kind: inv.availability(kind) for kind in RBAC_KINDS}
    missing = {k: a for k, a in avails.items() if not a.ok and a.status != "absent"}
    if not any(avails[k].ok for k in BINDING_KINDS):
        reasons = [a.reason or f"{k}: {a.status}" for k, a in avails.items() if k in BINDING_KINDS]
        return "not-assessable", "; ".join(reasons)
    if missing:
        return "partial", "; ".join(a.reason or f"{k}: {a.status}" for k, a in missing.items())
    return "complete", None


def reaches_cluster(grant: Grant) -> bool:
    """A grant that counts beyond a team's own namespace: cluster-wide, in kube-system (the
    control plane's Secrets and ServiceAccounts), or to a group that stands for everyone.

    The permission checks judge only these, and the access review lists only their holders: a
    RoleBinding in any other namespace is how a team is given its namespace (the built-in `admin`
    and `edit` carry most risky permissions), counted in the review rather than failed.
    """
    return grant.namespace is None or grant.namespace == SYSTEM_NAMESPACE or is_everyone(grant.subject)
