"""Who holds a risky permission (NSA/CISA: Authentication and authorization; CIS 5.1.2-5.1.13).

Each check asks the access model (`k8saudit.semantics.access`, effective permissions: bindings -> roles,
aggregated ClusterRoles, namespaced vs cluster-wide) which subjects hold one family of risky
permissions, and reports each binding that gives one to a subject that is not a default.
Findings attach to the binding (see `checks/rbac/_grants.py` for why, and for what "seen" means).

Decided where the benchmarks are silent:
- Every grant beyond the defaults fails; a check passes only when nobody else holds its
  permission anywhere. Where decides how bad (`_grants._severity`, the README's RBAC judgement
  rules): through a ClusterRoleBinding or a RoleBinding in kube-system (its Secrets and
  ServiceAccounts are the control plane's) at the check's severity; to a group that stands for
  everyone, critical; in any other namespace high when it leads to a ServiceAccount that reaches
  the cluster (`k8saudit.semantics.escalation`, the path as evidence), informational and left out
  of the score for the built-in `admin` and `edit` given to a team in its own namespace (what
  Kubernetes made them for), low otherwise (medium for exec, attach and debug containers).
- Grants through a rule that grants every verb on every resource (cluster-admin, its copies, a
  rule spelling out every standard verb on `*`/`*`) fail every check here too, so no check says
  "no one can" while someone can; they carry `coveredBy: rbac.cluster-admin-bindings` and are
  left out of these checks' scores, as that check scores the binding once.
- Built-in subjects are recognised by the `kubernetes.io/bootstrapping=rbac-defaults` label on
  binding and role plus a system identity, and kubeadm's own bindings by exact name (see
  `k8saudit.semantics.access`). Third-party controllers that need a permission (ingress controllers read
  Secrets, service meshes approve CSRs) are reported: exempt their binding with a reason.
- A rule limited by `resourceNames` still counts where the request can carry a name (exec into
  one pod, impersonate one user): it says so (`only: ...`) in the finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from k8saudit.checks.context import ScanContext
from k8saudit.checks.rbac._grants import Concern, judge_permissions
from k8saudit.checks.registry import Result, check
from k8saudit.model.findings import Section, Severity
from k8saudit.semantics.access import RBAC_KINDS

_POLARIS_EXEC = [
    "clusterrolePodExecAttach",
    "rolePodExecAttach",
    "clusterrolebindingPodExecAttach",
    "rolebindingClusterRolePodExecAttach",
    "rolebindingRolePodExecAttach",
]


@check(
    id="rbac.secrets-read",
    title="Only system components can read Secrets",
    problem="Non-system subjects reading Secrets",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
Secrets hold service-account tokens, registry credentials, TLS keys and application passwords.
`get`, `list` or `watch` on secrets through a ClusterRoleBinding reads every one of them in
every namespace (list and watch return the values, not just the names); in kube-system that
includes the tokens of controllers that can do almost anything. Whoever holds it can become any
service account that has a token Secret. Judged wherever it is granted, beyond the built-in
defaults (the README's RBAC judgement rules): cluster-wide and in kube-system at this severity,
critical for groups meaning everyone; in another namespace high when it leads to a
ServiceAccount that reaches the cluster (the path is the evidence), informational for the
built-in admin and edit given in their own namespace, low otherwise.
""",
    remediation="Grant Secret access per namespace with a RoleBinding, limited by `resourceNames` to the Secrets "
    "the workload needs; controllers that must watch Secrets cluster-wide (ingress, cert-manager) should be "
    "reviewed and exempted with the reason.",
    references={"cis": ["5.1.2"], "kubescape": ["C-0015", "C-0186"]},
)
def secrets_read(ctx: ScanContext) -> Iterator[Result]:
    yield from judge_permissions(ctx, Concern(("secrets-read",), "read Secrets"))


@check(
    id="rbac.create-pods",
    title="Only system components can create pods",
    problem="Non-system subjects creating pods",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
Creating a pod runs any image as any ServiceAccount of its namespace (so with that account's
permissions and mounted Secrets), and unless Pod Security admission stops it, as a privileged
container with the node's filesystem mounted. Cluster-wide, that is every namespace's
ServiceAccounts and, through a privileged pod, every node. Judged wherever it is granted,
beyond the built-in defaults (the README's RBAC judgement rules): cluster-wide and in
kube-system at this severity, critical for groups meaning everyone; in another namespace high
when it leads to a ServiceAccount that reaches the cluster (the path is the evidence),
informational for the built-in admin and edit given in their own namespace, low otherwise.
""",
    remediation="Let people deploy through workload controllers in their own namespaces (RoleBindings to `edit`), "
    "enforce Pod Security admission, and remove `create pods` from ClusterRoleBindings.",
    references={"cis": ["5.1.4"], "kubescape": ["C-0188"]},
)
def create_pods(ctx: ScanContext) -> Iterator[Result]:
    yield from judge_permissions(ctx, Concern(("pods-create",), "create pods"))


@check(
    id="rbac.pod-exec",
    title="Only system components can exec, attach or port-forward into pods",
    problem="Non-system exec, attach or port-forward into pods",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
`pods/exec` and `pods/attach` run commands in, or take over the terminal of, a running
container: its files, its environment and its service-account token become the caller's. Adding
an ephemeral debug container (`pods/ephemeralcontainers`) does the same with an image of the
caller's choice. Port-forwarding reaches ports that no Service or NetworkPolicy exposes (rated
medium when it is the only one granted). Both `create` (SPDY) and `get` (WebSocket) are
counted, as the API server authorizes either. Judged wherever it is granted, beyond the
built-in defaults (the README's RBAC judgement rules): cluster-wide and in kube-system at this
severity, critical for groups meaning everyone; in another namespace high when it leads to a
ServiceAccount that reaches the cluster (the path is the evidence), informational for the
built-in admin and edit given in their own namespace, low otherwise (medium for exec, attach
and debug containers).
""",
    remediation="Remove `pods/exec`, `pods/attach`, `pods/portforward` and `pods/ephemeralcontainers` from "
    "cluster-wide roles; grant debugging per namespace, ideally time-limited (just-in-time access).",
    references={"kubescape": ["C-0002", "C-0063"], "polaris": _POLARIS_EXEC},
)
def pod_exec(ctx: ScanContext) -> Iterator[Result]:
    concern = Concern(
        ("pods-exec", "pods-attach", "pods-ephemeralcontainers", "pods-portforward"),
        "run commands in or reach into pods",
        lesser=("pods-portforward",),
        lesser_severity=Severity.MEDIUM,
        namespaced_medium=("pods-exec", "pods-attach", "pods-ephemeralcontainers"),
    )
    yield from judge_permissions(ctx, concern)


@check(
    id="rbac.escalation",
    title="No one can grant themselves more: bind, escalate, create role bindings",
    problem="Subjects that can grant themselves more (bind, escalate, role bindings)",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
RBAC stops people from granting permissions they do not hold, unless they have `bind` (bind any
role, e.g. cluster-admin, to themselves) or `escalate` (write any rule into a role). With
`create` on clusterrolebindings or rolebindings they can bind every role whose permissions they
already hold to anyone, and with `bind` any role at all. Each is a path from a modest account
to cluster-admin. Judged wherever it is granted, beyond the built-in defaults (the README's
RBAC judgement rules): cluster-wide and in kube-system at this severity, critical for groups
meaning everyone; in another namespace high when it leads to a ServiceAccount that reaches the
cluster (the path is the evidence), informational for the built-in admin and edit given in
their own namespace, low otherwise.
""",
    remediation="Keep `bind`, `escalate` and create/update on (cluster)rolebindings for the few administrators who "
    "manage RBAC; use `resourceNames` on `bind` to name the only roles that may be bound.",
    references={"cis": ["5.1.8"]},
)
def escalation(ctx: ScanContext) -> Iterator[Result]:
    concern = Concern(
        ("bind", "escalate", "rolebindings-create", "clusterrolebindings-create"),
        "grant themselves more (bind, escalate, create role bindings)",
    )
    yield from judge_permissions(ctx, concern)


@check(
    id="rbac.impersonation",
    title="No one can impersonate users, groups or service accounts",
    problem="Subjects that can impersonate users, groups or service accounts",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
`impersonate` lets a caller act as another user, group or service account (kubectl --as,
--as-group): impersonating `system:masters` or any cluster-admin is cluster-admin.
Impersonating users and groups is only possible cluster-wide; grants limited to some names
count, and the finding lists them. Judged wherever it is granted, beyond the built-in defaults
(the README's RBAC judgement rules): cluster-wide and in kube-system at this severity, critical
for groups meaning everyone; in another namespace high when it leads to a ServiceAccount that
reaches the cluster (the path is the evidence), informational for the built-in admin and edit
given in their own namespace, low otherwise.
""",
    remediation="Remove `impersonate` from roles; where a tool needs it, limit it with `resourceNames` to the "
    "identities it must act as, and review those.",
    references={"cis": ["5.1.8"], "kubescape": ["C-0065"]},
)
def impersonation(ctx: ScanContext) -> Iterator[Result]:
    yield from judge_permissions(ctx, Concern(("impersonate",), "impersonate other identities"))


@check(
    id="rbac.token-create",
    title="Only system components can mint service-account tokens",
    problem="Non-system subjects minting service-account tokens",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
`create serviceaccounts/token` (the TokenRequest API) issues a token for any ServiceAccount in
scope: cluster-wide, that includes the controllers of kube-system, some of which can create
pods anywhere or read every Secret; in one namespace, every ServiceAccount of it. Judged
wherever it is granted, beyond the built-in defaults (the README's RBAC judgement rules):
cluster-wide and in kube-system at this severity, critical for groups meaning everyone; in
another namespace high when it leads to a ServiceAccount that reaches the cluster (the path is
the evidence), informational for the built-in admin and edit given in their own namespace, low
otherwise.
""",
    remediation="Remove `create` on `serviceaccounts/token` from cluster-wide roles; a workload that needs a token "
    "for itself gets one projected into its pod.",
    references={"cis": ["5.1.13"]},
)
def token_create(ctx: ScanContext) -> Iterator[Result]:
    yield from judge_permissions(ctx, Concern(("serviceaccounts-token",), "mint service-account tokens"))


@check(
    id="rbac.node-proxy",
    title="Only system components can reach the kubelet API through nodes/proxy",
    problem="Non-system access to the kubelet API through nodes/proxy",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
`nodes/proxy` forwards requests to every kubelet's API, which the kubelet authorizes as the
API server itself: its `/exec`, `/run` and `/attach` endpoints run commands in any pod of the
node, bypassing the audit trail of pods/exec and admission. Monitoring agents that scrape
kubelet metrics should use `nodes/metrics` instead.
""",
    remediation="Replace `nodes/proxy` with `nodes/metrics` (and `nodes/stats`) for monitoring; grant `nodes/proxy` "
    "only for a bounded audit, to a dedicated identity.",
    references={"cis": ["5.1.10"]},
)
def node_proxy(ctx: ScanContext) -> Iterator[Result]:
    yield from judge_permissions(ctx, Concern(("nodes-proxy",), "reach the kubelet API (nodes/proxy)"))


@check(
    id="rbac.csr-approval",
    title="Only system components can approve certificate signing requests",
    problem="Non-system subjects approving certificate signing requests",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
Approving a CertificateSigningRequest (`update certificatesigningrequests/approval` plus
`approve` on the signer) gets a certificate signed by the cluster CA: for the
`kubernetes.io/kube-apiserver-client` signer, a client certificate with any user name and
groups, `system:masters` included, which no RBAC change can revoke before it expires.
""",
    remediation="Leave approval to kube-controller-manager's built-in approvers; a component that must approve "
    "(a service mesh CA) should be limited with `resourceNames` to its own signer and reviewed.",
    references={"cis": ["5.1.11"]},
)
def csr_approval(ctx: ScanContext) -> Iterator[Result]:
    yield from judge_permissions(ctx, Concern(("csr-approve",), "approve certificate signing requests"))


@check(
    id="rbac.webhook-config",
    title="Only system components can create or change admission webhooks",
    problem="Non-system subjects changing admission webhooks",
    section=Section.AUTH,
    severity=Severity.HIGH,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
Mutating and validating webhook configurations tell the API server where to send every
object it admits. Whoever can write them can rewrite each pod on its way in (inject a
privileged sidecar), see every Secret created, or switch off a policy engine's webhook.
""",
    remediation="Keep create/update/patch on mutating- and validatingwebhookconfigurations for cluster "
    "administrators; a controller that manages its own webhook should be limited by `resourceNames`.",
    references={"cis": ["5.1.12"], "kubescape": ["C-0036", "C-0039"]},
)
def webhook_config(ctx: ScanContext) -> Iterator[Result]:
    yield from judge_permissions(ctx, Concern(("webhooks",), "create or change admission webhooks"))


@check(
    id="rbac.create-persistent-volumes",
    title="Only system components can create PersistentVolumes",
    problem="Non-system subjects creating PersistentVolumes",
    section=Section.AUTH,
    severity=Severity.MEDIUM,
    reads=(),
    also_reads=RBAC_KINDS,
    rationale="""
A PersistentVolume can be a `hostPath` on any node: whoever creates one and a claim bound to
it mounts that node's filesystem into a pod, which Pod Security admission does not see (the
pod only names a claim). Storage provisioners create them; people should not need to.
""",
    remediation="Let a StorageClass provisioner create PersistentVolumes; remove `create persistentvolumes` from "
    "people's roles.",
    references={"cis": ["5.1.9"]},
)
def create_persistent_volumes(ctx: ScanContext) -> Iterator[Result]:
    yield from judge_permissions(ctx, Concern(("persistentvolumes-create",), "create PersistentVolumes"))
