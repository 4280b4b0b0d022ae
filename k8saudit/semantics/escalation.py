"""Escalation paths: when a grant confined to one namespace reaches the whole cluster.

A RoleBinding gives its subjects power over one namespace. That stays in the namespace unless
the namespace holds a ServiceAccount whose own grants reach the cluster (a ClusterRoleBinding,
a RoleBinding in kube-system): whoever can act as that ServiceAccount holds those grants too.
`edit` for User `dev` in namespace `argocd`, whose application controller holds cluster-admin,
is cluster-admin for `dev`:

    User dev → ClusterRole edit in argocd → create serviceaccounts/token
      → ServiceAccount argocd/argocd-application-controller → cluster-admin (ClusterRoleBinding ...)

How a subject can act as ServiceAccount `sa` of namespace `ns` (each asked of the authorizer,
`RbacIndex.authorize`, for the subject's identity: its groups and other bindings count):

- `create serviceaccounts/token` named `sa`: mint its token (TokenRequest);
- `create pods`: run a pod as `sa` and read the token mounted into it;
- `impersonate serviceaccounts` named `sa`: act as it, request by request;
- exec, attach or an ephemeral container (`pods/exec`, `pods/attach`, `pods/ephemeralcontainers`)
  into a pod of a workload that runs as `sa` with its token mounted: read that token;
- read Secrets, when `sa` has a legacy token Secret (seen with `--secret-metadata`) or the subject
  may also create Secrets (a `kubernetes.io/service-account-token` Secret for `sa` is filled in by
  the token controller);
- create RoleBindings together with `bind` (any ClusterRole, asked for `admin`) or `escalate` and
  create on Roles: grant itself any of the above in `ns`.

A ServiceAccount *reaches the cluster* when it (or the group of its namespace's
ServiceAccounts) holds a risky permission cluster-wide or in kube-system, or, transitively, when
it can act as a ServiceAccount of another namespace that does. kube-system itself is not searched:
every grant there is already judged as reaching the cluster. Computed once per scan
(`ScanContext.escalations`); each path is explainable as a chain of steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from k8saudit.model import objects as o
from k8saudit.model.inventory import Inventory
from k8saudit.semantics import rbac
from k8saudit.semantics.access import SYSTEM_NAMESPACE, AccessModel, is_everyone, permission_label
from k8saudit.semantics.rbac import Grant, ResourceRequest, SubjectRef
from k8saudit.semantics.risky import RISKY_PERMISSIONS, RiskyPermission

SA_GROUP_PREFIX = f"{rbac.ALL_SERVICE_ACCOUNTS}:"
_ORDER = {p.id: i for i, p in enumerate(RISKY_PERMISSIONS)}


@dataclass(frozen=True)
class Takeover:
    """How a subject can act as a ServiceAccount of a namespace: the permission `family` it uses
    (`serviceaccounts-token`, `pods-create` ...) and `how`, in words."""

    family: str
    how: str


@dataclass(frozen=True)
class EscalationPath:
    """`subject` can act as `target` in `namespace` (`takeover`), and `target` reaches the cluster
    through `onward` (steps, the last one a grant that reaches the cluster)."""

    subject: SubjectRef
    namespace: str
    takeover: Takeover
    target: SubjectRef
    onward: tuple[str, ...]

    @property
    def family(self) -> str:
        return self.takeover.family

    def steps(self) -> tuple[str, ...]:
        return (self.takeover.how, str(self.target), *self.onward)

    def describe(self, via: str | None = None) -> str:
        """`User dev → ClusterRole edit in argocd → create serviceaccounts/token → ServiceAccount
        argocd/x → cluster-admin (ClusterRoleBinding y)`; `via` is the grant the path starts from."""
        start = [str(self.subject), *([via] if via else [])]
        return " → ".join([*start, *self.steps()])


class Escalations:
    """Which ServiceAccounts reach the cluster, and how a subject of a namespace can act as them."""

    def __init__(self, inventory: Inventory, model: AccessModel) -> None:
        self.model = model
        self._workloads = _token_holders(inventory)
        self._token_secrets = _legacy_token_secrets(inventory)
        #: ServiceAccount -> the steps from it to the cluster (shortest found).
        self.reaching: dict[SubjectRef, tuple[str, ...]] = {}
        self._in_namespace: dict[str, list[SubjectRef]] = defaultdict(list)
        self._paths: dict[tuple[SubjectRef, str], tuple[EscalationPath, ...]] = {}
        #: The rules an identity holds cluster-wide, and in one namespace: each takeover question
        #: is then a match against a few rules, not a pass over every binding.
        self._rules: dict[tuple[str, frozenset[str], str], list[o.PolicyRule]] = {}
        self._seed(inventory)
        self._close()

    # --- which ServiceAccounts reach the cluster ---------------------------------------------

    def _seed(self, inventory: Inventory) -> None:
        """ServiceAccounts holding a risky permission cluster-wide or in kube-system themselves, or
        through the group of their namespace's ServiceAccounts."""
        known = {(sa.namespace or "", sa.name) for sa in inventory.of("ServiceAccount", o.ServiceAccount)}
        best: dict[SubjectRef, tuple[int, str]] = {}
        for row in self.model.review:
            direct = [g for g in row.grants if g.namespace in (None, SYSTEM_NAMESPACE)]
            if not direct:
                continue
            step = _reach_step(row.permission, direct[0], self.model)
            for account in _accounts_of(row.subject, known):
                rank = _ORDER[row.permission.id]
                if account not in best or rank < best[account][0]:
                    best[account] = (rank, step)
        for account, (_, step) in best.items():
            self._mark(account, (step,))

    def _mark(self, account: SubjectRef, steps: tuple[str, ...]) -> None:
        self.reaching[account] = steps
        if account.namespace and account.namespace != SYSTEM_NAMESPACE:
            self._in_namespace[account.namespace].append(account)

    def _close(self) -> None:
        """ServiceAccounts that can act as one that reaches the cluster reach it too (to a fixpoint)."""
        candidates = self._namespaced_service_accounts()
        changed = True
        while changed:
            changed = False
            for account, namespaces in candidates.items():
                if account in self.reaching:
                    continue
                path = next((p for ns in namespaces for p in self._search(account, ns)), None)
                if path is not None:
                    self._mark(account, path.steps())
                    self._paths.clear()  # the new one is a target for others
                    changed = True

    def _namespaced_service_accounts(self) -> dict[SubjectRef, list[str]]:
        """ServiceAccounts with a risky grant through a RoleBinding, with those namespaces."""
        found: dict[SubjectRef, set[str]] = defaultdict(set)
        for row in self.model.review:
            if row.subject.kind == "ServiceAccount":
                found[row.subject].update(
                    g.namespace for g in row.grants if g.namespace and g.namespace != SYSTEM_NAMESPACE
                )
        return {sa: sorted(nss) for sa, nss in sorted(found.items(), key=lambda kv: kv[0].sort_key) if nss}

    # --- paths -------------------------------------------------------------------------------

    def paths(self, subject: SubjectRef, namespace: str | None) -> tuple[EscalationPath, ...]:
        """Every way `subject` can act, in `namespace`, as a ServiceAccount that reaches the cluster."""
        if not namespace or namespace == SYSTEM_NAMESPACE or is_everyone(subject):
            return ()
        key = (subject, namespace)
        found = self._paths.get(key)
        if found is None:
            found = self._paths[key] = tuple(self._search(subject, namespace))
        return found

    def _search(self, subject: SubjectRef, namespace: str) -> Iterable[EscalationPath]:
        targets = [t for t in self._in_namespace.get(namespace, ()) if t != subject]
        if not targets:
            return
        user, groups = rbac.identity_of(subject)
        for target in targets:
            for takeover in self._takeovers(user, groups, namespace, target):
                yield EscalationPath(subject, namespace, takeover, target, self.reaching[target])

    def _scope_rules(self, user: str, groups: frozenset[str], namespace: str) -> list[o.PolicyRule]:
        key = (user, groups, namespace)
        found = self._rules.get(key)
        if found is None:
            found = self._rules[key] = self.model.index.scope_rules(user, groups, namespace)
        return found

    def _takeovers(self, user: str, groups: list[str], ns: str, target: SubjectRef) -> Iterable[Takeover]:
        """`RbacIndex.authorize` for each way in, from the identity's rules (cluster-wide and in `ns`)."""
        group_set = frozenset(groups)
        privileged = rbac.PRIVILEGED_GROUP in group_set
        rules = [*self._scope_rules(user, group_set, ""), *self._scope_rules(user, group_set, ns)]

        def can(verb: str, resource: str, sub: str = "", name: str = "", group: str = "") -> bool:
            request = ResourceRequest(verb, resource, group, sub, ns, name)
            return privileged or any(rbac.rule_allows(rule, request) for rule in rules)

        sa = target.name
        if can("create", "serviceaccounts", "token", sa):
            yield Takeover("serviceaccounts-token", "create serviceaccounts/token (mint its token)")
        if can("create", "pods"):
            yield Takeover("pods-create", "create pods (run a pod as it, read its token)")
        if can("impersonate", "serviceaccounts", name=sa):
            yield Takeover("impersonate", "impersonate serviceaccounts (act as it)")
        workload = self._workloads.get((ns, sa))
        if workload is not None:
            for family, sub in (
                ("pods-exec", "exec"),
                ("pods-attach", "attach"),
                ("pods-ephemeralcontainers", "ephemeralcontainers"),
            ):
                verbs = ("patch", "update") if sub == "ephemeralcontainers" else ("create", "get")
                if any(can(v, "pods", sub) for v in verbs):
                    yield Takeover(family, f"pods/{sub} into {workload}, which runs as it (read its token)")
        reads = can("list", "secrets") or can("get", "secrets")
        if reads and (ns, sa) in self._token_secrets:
            yield Takeover("secrets-read", "read Secrets (its legacy token Secret)")
        elif reads and can("create", "secrets"):
            yield Takeover("secrets-read", "create a token Secret for it and read Secrets")
        if can("create", "rolebindings", group=rbac.RBAC_GROUP):
            if can("bind", "clusterroles", name="admin", group=rbac.RBAC_GROUP):
                yield Takeover("bind", "bind ClusterRole admin in the namespace (then mint its token)")
            elif can("escalate", "roles", group=rbac.RBAC_GROUP) and can("create", "roles", group=rbac.RBAC_GROUP):
                yield Takeover("escalate", "escalate a Role and bind it (then mint its token)")


def _accounts_of(subject: SubjectRef, known: set[tuple[str, str]]) -> list[SubjectRef]:
    """The ServiceAccounts a subject stands for: itself, a User spelling one, or every known
    ServiceAccount (and `default`) of a namespace for `system:serviceaccounts:NS`."""
    if subject.kind == "ServiceAccount":
        return [subject]
    if subject.kind == "User" and subject.name.startswith(rbac.SERVICE_ACCOUNT_PREFIX):
        ns, _, name = subject.name[len(rbac.SERVICE_ACCOUNT_PREFIX) :].partition(":")
        return [SubjectRef("ServiceAccount", name, ns)] if ns and name else []
    if subject.kind == "Group" and subject.name.startswith(SA_GROUP_PREFIX):
        ns = subject.name[len(SA_GROUP_PREFIX) :]
        names = sorted({name for k_ns, name in known if k_ns == ns} | {"default"})
        return [SubjectRef("ServiceAccount", name, ns) for name in names]
    return []


def _reach_step(permission: RiskyPermission, grant: Grant, model: AccessModel) -> str:
    """The grant that takes a ServiceAccount to the cluster, in words: `cluster-admin
    (ClusterRoleBinding x)`, `list secrets cluster-wide (ClusterRoleBinding y)`."""
    path = grant.path
    binding = f"{path.binding_kind} {path.binding_namespace + '/' if path.binding_namespace else ''}{path.binding_name}"
    if permission.everything:
        what = (
            "cluster-admin" if path.role_name == "cluster-admin" else f"every verb on every resource ({path.role_name})"
        )
    else:
        what = permission_label(grant, permission)
    where = "cluster-wide" if grant.namespace is None else f"in {grant.namespace}"
    if permission.everything and grant.namespace is None:
        return f"{what} ({binding})"
    return f"{what} {where} ({binding})"


def _token_holders(inventory: Inventory) -> dict[tuple[str, str], str]:
    """(namespace, ServiceAccount) -> a workload running as it with its token mounted (pod's
    `automountServiceAccountToken`, else the ServiceAccount's, else mounted)."""
    accounts = {(sa.namespace or "", sa.name): sa for sa in inventory.of("ServiceAccount", o.ServiceAccount)}
    found: dict[tuple[str, str], str] = {}
    for workload in inventory.workloads:
        ns = workload.namespace or ""
        name = workload.spec.serviceAccountName or "default"
        account = accounts.get((ns, name))
        mount = workload.spec.automountServiceAccountToken
        if mount is None:
            mount = account.automountServiceAccountToken if account is not None else None
        if mount is not False:
            found.setdefault((ns, name), f"{workload.kind} {ns}/{workload.name}")
    return found


def _legacy_token_secrets(inventory: Inventory) -> set[tuple[str, str]]:
    metadata = inventory.facts.secretMetadata
    if metadata is None:
        return set()
    return {(s.namespace, s.serviceAccount) for s in metadata.tokenSecrets if not s.invalidSince}
