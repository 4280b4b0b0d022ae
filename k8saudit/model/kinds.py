"""The kinds k8saudit reads: one table used by the collectors, loaders and deploy RBAC.

Keeping API group, resource and model in one place is what lets a test derive the exact
ClusterRole the live collector needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from k8saudit.model import objects as o


@dataclass(frozen=True)
class KindInfo:
    kind: str
    group: str  # "" for the core group
    version: str
    resource: str  # plural, as in the URL and in RBAC rules
    namespaced: bool
    model: type[o.K8sObject]

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_path(self) -> str:
        """Cluster-wide list URL (all namespaces for namespaced kinds)."""
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        return f"{prefix}/{self.resource}"


KINDS: tuple[KindInfo, ...] = (
    KindInfo("Namespace", "", "v1", "namespaces", False, o.Namespace),
    KindInfo("Node", "", "v1", "nodes", False, o.Node),
    KindInfo("Pod", "", "v1", "pods", True, o.Pod),
    KindInfo("ServiceAccount", "", "v1", "serviceaccounts", True, o.ServiceAccount),
    KindInfo("Service", "", "v1", "services", True, o.Service),
    KindInfo("ConfigMap", "", "v1", "configmaps", True, o.ConfigMap),
    KindInfo("ResourceQuota", "", "v1", "resourcequotas", True, o.ResourceQuota),
    KindInfo("LimitRange", "", "v1", "limitranges", True, o.LimitRange),
    KindInfo("ReplicationController", "", "v1", "replicationcontrollers", True, o.ReplicationController),
    KindInfo("Deployment", "apps", "v1", "deployments", True, o.Deployment),
    KindInfo("ReplicaSet", "apps", "v1", "replicasets", True, o.ReplicaSet),
    KindInfo("StatefulSet", "apps", "v1", "statefulsets", True, o.StatefulSet),
    KindInfo("DaemonSet", "apps", "v1", "daemonsets", True, o.DaemonSet),
    KindInfo("Job", "batch", "v1", "jobs", True, o.Job),
    KindInfo("CronJob", "batch", "v1", "cronjobs", True, o.CronJob),
    KindInfo("Role", "rbac.authorization.k8s.io", "v1", "roles", True, o.Role),
    KindInfo("ClusterRole", "rbac.authorization.k8s.io", "v1", "clusterroles", False, o.ClusterRole),
    KindInfo("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings", True, o.RoleBinding),
    KindInfo(
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        False,
        o.ClusterRoleBinding,
    ),
    KindInfo("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", True, o.NetworkPolicy),
    KindInfo("Ingress", "networking.k8s.io", "v1", "ingresses", True, o.Ingress),
    # Admission: which policy engines (Gatekeeper, Kyverno, Kubewarden, ValidatingAdmissionPolicy) are
    # installed. Webhooks are kept as names and Service references only.
    KindInfo(
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        False,
        o.ValidatingWebhookConfiguration,
    ),
    KindInfo(
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        False,
        o.MutatingWebhookConfiguration,
    ),
    KindInfo(
        "ValidatingAdmissionPolicy",
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        False,
        o.ValidatingAdmissionPolicy,
    ),
    KindInfo(
        "ValidatingAdmissionPolicyBinding",
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        False,
        o.ValidatingAdmissionPolicyBinding,
    ),
)

BY_KIND: dict[str, KindInfo] = {k.kind: k for k in KINDS}

#: Kinds that carry a pod template: pods first, then every controller that can own pods.
WORKLOAD_KINDS: tuple[str, ...] = (
    "Pod",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
)
