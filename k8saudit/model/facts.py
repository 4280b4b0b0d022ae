"""Cluster facts: what a source knows that is not a Kubernetes object.

Server version, platform, the anonymous-access probe, kubelet settings and, above all, which
kinds could be read and why not. They travel in a snapshot as one object of our own group
(`k8saudit.io/v1alpha1`, kind `ClusterFacts`), so an offline scan is as honest as a live one.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field
from pydantic.dataclasses import dataclass

from k8saudit.model.objects import LEAF_CONFIG, K8sObject, ObjectMeta, Slim

FACTS_API_VERSION = "k8saudit.io/v1alpha1"
FACTS_KIND = "ClusterFacts"

#: ok: read completely. forbidden: the API server refused the list (403).
#: not-served: the cluster does not serve that API. error: the read failed.
#: absent: a snapshot or manifests carried no object of that kind (so nothing is known).
#: not-collected: this source does not read it (kubelet settings without --kubelet-config).
AvailabilityStatus = Literal["ok", "forbidden", "not-served", "error", "absent", "not-collected"]


class Availability(Slim):
    status: AvailabilityStatus
    reason: str | None = None
    count: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class ServerVersion(Slim):
    gitVersion: str = ""
    major: str = ""
    minor: str = ""
    platform: str | None = None

    def minor_version(self) -> tuple[int, int] | None:
        """(1, 31) from gitVersion or major/minor; None when unreadable."""
        match = re.match(r"v?(\d+)\.(\d+)", self.gitVersion or "")
        if match:
            return int(match.group(1)), int(match.group(2))
        try:
            return int(self.major), int(re.sub(r"\D", "", self.minor))
        except ValueError:
            return None


class AnonymousProbe(Slim):
    """Status codes of unauthenticated GETs (CA still verified); None when not reached."""

    versionStatus: int | None = None
    apiStatus: int | None = None
    error: str | None = None


class KubeletConfig(Slim):
    """A node's `configz` (kubeletconfig), or why it could not be read."""

    config: dict[str, Any] | None = None
    reason: str | None = None


class AuthorizerProbe(Slim):
    """A SubjectAccessReview asking whether a made-up user may list Secrets cluster-wide.

    No real identity has that name and it is given no groups, so only an authorizer that allows
    whatever it is asked (AlwaysAllow, or a webhook that behaves like it) answers `allowed`.
    `error` says why the question could not be asked (403: the auditor lacks
    `create subjectaccessreviews`); `httpStatus` is the API server's answer.
    """

    user: str | None = None
    allowed: bool | None = None
    denied: bool | None = None
    reason: str | None = None
    evaluationError: str | None = None
    httpStatus: int | None = None
    error: str | None = None


class TokenSecret(Slim):
    """A legacy service-account token Secret, from its metadata alone (never its data)."""

    namespace: str
    name: str
    serviceAccount: str
    created: str | None = None
    #: Labels the LegacyServiceAccountTokenCleanUp machinery sets (1.29+): dates, not secrets.
    lastUsed: str | None = None
    invalidSince: str | None = None


class SecretMetadata(Slim):
    """What `--secret-metadata` found: token Secrets listed as PartialObjectMetadata, or why not."""

    status: AvailabilityStatus = "ok"
    reason: str | None = None
    tokenSecrets: list[TokenSecret] = Field(default_factory=list)


class ApiEndpoint(Slim):
    """The API server address the kubeconfig names, as seen from where the scan ran.

    `addresses` are what the host resolved to; `certNotAfter` is the serving certificate's
    expiry; `verified` says whether that certificate chains to the CA the kubeconfig trusts
    (`verifiedAgainst` names which trust was used: the kubeconfig's CA, or the system store
    when the kubeconfig disables verification).
    """

    server: str | None = None
    host: str | None = None
    port: int | None = None
    inCluster: bool = False
    addresses: list[str] = Field(default_factory=list)
    resolveError: str | None = None
    tlsVerifyDisabled: bool = False
    certNotAfter: str | None = None
    verified: bool | None = None
    verifiedAgainst: str | None = None
    verifyError: str | None = None
    tlsError: str | None = None


class SkippedObject(Slim):
    """An object a snapshot or manifest held that could not be read, so was not audited.

    `origin` is where it was (`app.yaml:12`, `snap.json item 3`), `problem` the first field at
    fault (`spec.replicas: Input should be a finite number`): names and messages, never a value.
    """

    origin: str
    kind: str
    namespace: str | None = None
    name: str | None = None
    problem: str

    def label(self) -> str:
        """`app.yaml:12 (Deployment shop/web): spec.replicas: ...`, for warnings and coverage notes."""
        where = "/".join(part for part in (self.namespace, self.name) if part)
        return f"{self.origin} ({self.kind}{' ' + where if where else ''}): {self.problem}"


class ApiResource(Slim):
    """One resource an API server serves (API discovery), or a CustomResourceDefinition declares.

    Keyed by group and resource: `nodes` of the core group and a CRD's `nodes.longhorn.io` are two
    resources, one cluster-scoped and one namespaced. Subresources are not listed: a subresource
    has its resource's scope (`nodes/proxy` is cluster-scoped).
    """

    group: str = ""  # "" for the core group
    version: str = ""
    resource: str  # plural, as in the URL and in RBAC rules
    kind: str = ""
    namespaced: bool


class ApiDiscovery(Slim):
    """What the API server serves (`/api` and `/apis`, aggregated discovery, CRDs included).

    `status` is `ok` when discovery answered (`reason` then names group versions that could not be
    read, an aggregated API server that is down, for one), else why nothing could be read.
    """

    status: AvailabilityStatus = "ok"
    reason: str | None = None
    resources: list[ApiResource] = Field(default_factory=list)


class ClusterFactsSpec(Slim):
    source: str = "snapshot"
    context: str | None = None
    server: str | None = None
    collectedAt: str | None = None
    tool: str | None = None
    version: ServerVersion | None = None
    platform: str | None = None
    kinds: dict[str, Availability] = Field(default_factory=dict)
    anonymousProbe: AnonymousProbe | None = None
    kubelet: dict[str, KubeletConfig] = Field(default_factory=dict)
    kubeletCollected: bool = False
    namespaces: list[str] = Field(default_factory=list)
    authorizerProbe: AuthorizerProbe | None = None
    #: None: Secret metadata was not asked for (`--secret-metadata` not given).
    secretMetadata: SecretMetadata | None = None
    apiEndpoint: ApiEndpoint | None = None
    #: Objects of audited kinds that were malformed (after `null` was read as absent) and skipped:
    #: each was one warning line, and is a note on its kind's coverage (`Inventory.availability`).
    skipped: list[SkippedObject] = Field(default_factory=list)
    #: API discovery of a live scan (every served group, version and resource, with its scope);
    #: None when the source had none (manifests, a plain kubectl dump, an older snapshot).
    apiDiscovery: ApiDiscovery | None = None
    #: Resources that CustomResourceDefinitions in manifests or a dump declare (where there is no
    #: discovery, they say which custom resources exist and whether they are namespaced).
    customResources: list[ApiResource] = Field(default_factory=list)


@dataclass(slots=True, kw_only=True, config=LEAF_CONFIG)
class ClusterFacts(K8sObject):
    apiVersion: str = FACTS_API_VERSION
    kind: str = FACTS_KIND
    metadata: ObjectMeta = Field(default_factory=lambda: ObjectMeta(name="cluster"))
    spec: ClusterFactsSpec = Field(default_factory=ClusterFactsSpec)

    def dump(self) -> dict[str, Any]:
        data = K8sObject.dump(self)  # not super(): a slotted dataclass is a new class
        data["apiVersion"], data["kind"] = FACTS_API_VERSION, FACTS_KIND
        return data


def detect_platform(git_version: str, node_labels: list[dict[str, str]], provider_ids: list[str]) -> str:
    """Name the platform from the signals docs/kubernetes-facts.md lists; "unknown" when none fit."""
    if "-eks-" in git_version or any("eks.amazonaws.com/nodegroup" in lbl for lbl in node_labels):
        return "eks"
    if "-gke." in git_version or any("cloud.google.com/gke-nodepool" in lbl for lbl in node_labels):
        return "gke"
    if any("kubernetes.azure.com/cluster" in lbl for lbl in node_labels):
        return "aks"
    if "+k3s" in git_version or any(pid.startswith("k3s://") for pid in provider_ids):
        return "k3s"
    if "+rke2" in git_version:
        return "rke2"
    if any(pid.startswith("kind://") for pid in provider_ids):
        return "kind"
    if any(pid.startswith("aws://") for pid in provider_ids):
        return "aws"
    if any(pid.startswith("gce://") for pid in provider_ids):
        return "gce"
    if any(pid.startswith("azure://") for pid in provider_ids):
        return "azure"
    return "unknown"


MANAGED_PLATFORMS = {
    "eks": "EKS hides the control plane: review API server logging, endpoint access and "
    "secrets encryption (KMS) in the EKS console or `aws eks describe-cluster`.",
    "gke": "GKE hides the control plane: review authorized networks, Cloud Audit Logs and "
    "application-layer secrets encryption in the GKE console or `gcloud container clusters describe`.",
    "aks": "AKS hides the control plane: review authorized IP ranges, diagnostic settings "
    "(kube-audit) and KMS etcd encryption in the Azure portal or `az aks show`.",
}
