"""Which exemption covers a failure, and which namespaces are in scope.

Three kinds of exemption, tried in this order for every failing finding:

1. the config file (`exemptions:` in `--config`), the source of truth: by check, namespace,
   resource name, kind and container, each with a reason, an owner and an optional expiry;
2. annotations (`k8saudit.io/exempt`, `k8saudit.io/exempt-reason`) on the resource, on an
   object the check names as related (the binding that grants a permission, for one) or on
   its namespace, unless the auditor refused them (`--no-annotation-exemptions`);
3. the documented default exemptions (`DEFAULT_EXEMPTIONS`), unless switched off.

An expired config exemption applies to nothing: when no other exemption covers the failure,
the finding stays a failure, carries the expired exemption and says so in its message.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from k8saudit.checks.registry import Result
from k8saudit.engine.config import AuditConfig, ExemptionRule, NamespaceScope
from k8saudit.model.findings import (
    ConfigSummary,
    DefaultExemptions,
    Exemption,
    ExemptionRuleInfo,
    Finding,
    ResourceRef,
    Scope,
    Severity,
)
from k8saudit.model.inventory import CONTROL_PLANE_COMPONENTS, Inventory
from k8saudit.model.objects import Pod
from k8saudit.semantics.podsecurity import Level, evaluate

EXEMPT_ANNOTATION = "k8saudit.io/exempt"
EXEMPT_REASON_ANNOTATION = "k8saudit.io/exempt-reason"
#: Set by the kubelet on the API object it mirrors a static pod to.
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"

# --- default exemptions --------------------------------------------------------------------------

CONTROL_PLANE_SELECTOR = "static (mirror) Pods in kube-system labelled tier=control-plane and component=" + "|".join(
    CONTROL_PLANE_COMPONENTS
)

#: Host paths a kubeadm/kind control plane mounts: certificates and kubeconfigs, the trust store,
#: etcd's data, the controller-manager's FlexVolume plugin directory, and the conventional
#: place for the API server's audit log (which cp.audit-logging asks for).
CONTROL_PLANE_HOST_PATHS = (
    "/etc/kubernetes",
    "/etc/ssl/certs",
    "/etc/ca-certificates",
    "/etc/pki",
    "/usr/share/ca-certificates",
    "/usr/local/share/ca-certificates",
    "/var/lib/etcd",
    "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
    "/var/log/kubernetes",
)


def _only_host_network(pod: Pod) -> bool:
    return not pod.spec.hostPID and not pod.spec.hostIPC


def _under(path: str, prefix: str) -> bool:
    path = path.rstrip("/") or "/"
    return path == prefix or path.startswith(prefix + "/")


def _only_control_plane_paths(pod: Pod) -> bool:
    paths = [v.hostPath.path for v in pod.spec.volumes if v.hostPath is not None]
    return all(any(_under(p, prefix) for prefix in CONTROL_PLANE_HOST_PATHS) for p in paths)


#: Upstream Pod Security checks a control-plane static pod fails by design (see pss.baseline below).
BY_DESIGN_BASELINE = ("hostNamespaces", "hostPathVolumes", "hostProbesAndHostLifecycle")


def _baseline_only_by_design(pod: Pod) -> bool:
    if not (_only_host_network(pod) and _only_control_plane_paths(pod)):
        return False
    return all(v.check in BY_DESIGN_BASELINE for v in evaluate(pod.metadata, pod.spec, Level.BASELINE))


def _always(pod: Pod) -> bool:
    return True


@dataclass(frozen=True)
class DefaultExemption:
    """A check a control-plane static pod cannot pass by design, and why."""

    check: str
    reason: str
    condition: str | None = None  # what must also hold, in words
    applies: Callable[[Pod], bool] = _always


#: Exemptions for what the control plane cannot do otherwise. Each is applied only to the
#: static pods `CONTROL_PLANE_SELECTOR` names, and only when its check is in the catalogue.
#: Deliberately *not* exempt, because kubeadm patches can set them: privileged,
#: allowPrivilegeEscalation, dropping capabilities, read-only root filesystem, seccomp, image
#: tags, digests and pull policy, memory requests. Nor the restricted Pod Security Standard: it
#: also demands non-root (by design here) but an exemption would hide all of the above.
#: kube-proxy and CNI DaemonSets are not exempt: there is no robust way to recognise them (README).
#: Service-account checks need no exemption: they pass static pods themselves (no token, no SA).
DEFAULT_EXEMPTIONS: tuple[DefaultExemption, ...] = (
    DefaultExemption(
        "pod.host-namespaces",
        "The control plane serves on the node's addresses before any pod network exists (the CNI "
        "plugin itself needs the API server) and etcd peers reach each other on node IPs: kubeadm "
        "sets hostNetwork: true on every control-plane static pod.",
        condition="only when hostNetwork is the one host namespace shared (hostPID and hostIPC stay failures)",
        applies=_only_host_network,
    ),
    DefaultExemption(
        "pod.run-as-non-root",
        "kubeadm writes the control plane's private keys, kubeconfigs and etcd data on the node, "
        "owned by root with mode 0600, and the components read them through hostPath, so they run "
        "as root (kubeadm's alpha RootlessControlPlane feature gate is the opt-out).",
    ),
    DefaultExemption(
        "pod.host-path",
        "A static pod cannot use Secrets or ConfigMaps: the control plane reads its certificates and "
        "kubeconfigs (/etc/kubernetes), the trust store and etcd's data directory from the node.",
        condition="only when every hostPath is one of " + ", ".join(CONTROL_PLANE_HOST_PATHS),
        applies=_only_control_plane_paths,
    ),
    DefaultExemption(
        "pss.baseline",
        "The baseline Pod Security Standard forbids exactly what the control plane needs by design: "
        "the host network, its own host paths, and probes addressed to the node (kubeadm points them "
        "at the advertise address or 127.0.0.1 because the pod has no address of its own).",
        condition="only when every baseline violation is one of those: hostNetwork alone, hostPath volumes "
        "as for pod.host-path, and probe or lifecycle hosts (upstream checks " + ", ".join(BY_DESIGN_BASELINE) + ")",
        applies=_baseline_only_by_design,
    ),
    DefaultExemption(
        "pod.memory-limits",
        "kubeadm gives the control plane requests but no limits on purpose: an OOM-killed API server "
        "or etcd is an outage of the whole cluster (they run at system-node-critical priority instead).",
    ),
    DefaultExemption(
        "pod.cpu-limits",
        "kubeadm gives the control plane CPU requests but no limits on purpose: a throttled API server "
        "or etcd slows every request in the cluster and fails leader-election and health deadlines.",
    ),
)


def default_rule_infos(registered: Iterable[str]) -> list[ExemptionRuleInfo]:
    """The default exemptions whose check is registered, as a report lists them."""
    known = set(registered)
    return [_default_info(d) for d in DEFAULT_EXEMPTIONS if d.check in known]


def _default_info(d: DefaultExemption) -> ExemptionRuleInfo:
    selector = CONTROL_PLANE_SELECTOR + (f"; {d.condition}" if d.condition else "")
    return ExemptionRuleInfo(
        source="default",
        checks=[d.check],
        namespaces=["kube-system"],
        kinds=["Pod"],
        selector=selector,
        reason=d.reason,
    )


def control_plane_static_pods(inv: Inventory) -> dict[str, Pod]:
    """Pod name → pod for kube-system's control-plane static pods.

    A pod counts only when it is a static pod: its API object is a mirror (owned by its Node,
    or annotated by the kubelet as a mirror). A pod created through the API with the same
    labels is not exempt. Manifests carry no such marks (a static pod file is a plain Pod), so
    there the labels are enough.
    """
    manifests = inv.facts.source == "manifests"
    found: dict[str, Pod] = {}
    for pod in inv.in_namespace("Pod", "kube-system", Pod):
        meta = pod.metadata
        if meta.labels.get("tier") != "control-plane" or meta.labels.get("component") not in CONTROL_PLANE_COMPONENTS:
            continue
        owners = meta.ownerReferences
        mirror = MIRROR_ANNOTATION in meta.annotations or any(r.kind == "Node" for r in owners)
        if mirror or (manifests and not owners):
            found[pod.name] = pod
    return found


# --- matching --------------------------------------------------------------------------------------


def namespace_of(ref: ResourceRef) -> str | None:
    """The namespace a resource belongs to for scope and exemptions (a Namespace: itself)."""
    return ref.name if ref.kind == "Namespace" else ref.namespace


def _glob(value: str | None, patterns: list[str]) -> bool:
    return value is not None and any(fnmatch.fnmatchcase(value, p) for p in patterns)


def rule_matches(rule: ExemptionRule, check_id: str, finding: Finding) -> bool:
    """Every selector the rule gives matches the finding (a cluster-level finding has none)."""
    if not rule.covers_check(check_id):
        return False
    ref = finding.resource
    if rule.namespaces and (ref is None or not _glob(namespace_of(ref), rule.namespaces)):
        return False
    if rule.names and (ref is None or not _glob(ref.name, rule.names)):
        return False
    if rule.kinds and (ref is None or ref.kind not in rule.kinds):
        return False
    return not (rule.containers and not _glob(finding.container, rule.containers))


def _listed(value: str, check_id: str) -> bool:
    ids = {part.strip() for part in value.split(",")}
    return "*" in ids or check_id in ids


class Policy:
    """Scope, severity overrides and exemptions for one scan, with what each rule matched."""

    def __init__(
        self,
        inv: Inventory,
        *,
        config: AuditConfig | None,
        annotations: bool,
        defaults: bool,
        today: dt.date,
        ns_annotations: dict[str, dict[str, str]],
        registered: Iterable[str],
    ) -> None:
        self.config = config
        self.annotations = annotations
        self.defaults = defaults and (config.defaultExemptions if config else True)
        self.today = today
        self.ns_annotations = ns_annotations
        self.scope = config.namespaces if config else NamespaceScope()
        self.rules = list(config.exemptions) if config else []
        self._rule_hits = [0] * len(self.rules)
        self._registered = list(registered)
        known = set(self._registered)
        self._defaults = {d.check: d for d in DEFAULT_EXEMPTIONS if d.check in known}
        self._default_hits = dict.fromkeys(self._defaults, 0)
        self._static = control_plane_static_pods(inv) if self.defaults else {}
        self._cluster_level = {
            ("Pod", c.pod.namespace, c.pod.name) for replicas in inv.control_plane.values() for c in replicas
        }

    # --- scope -----------------------------------------------------------------------------------

    def in_scope(self, ref: ResourceRef | None) -> bool:
        """Cluster-level results (and the control plane's static pods, which stand for it) always are."""
        return ref is None or self.in_scope_at((ref.kind, ref.namespace, ref.name))

    def in_scope_at(self, where: tuple[str, str | None, str] | None) -> bool:
        """`in_scope` for a (kind, namespace, name) (`Result.where()`), no `ResourceRef` needed."""
        if where is None or not self.scope.active:
            return True
        if where in self._cluster_level:
            return True
        kind, namespace, name = where
        if kind == "Namespace":
            namespace = name
        return namespace is None or self.scope.contains(namespace)

    def namespace_in_scope(self, namespace: str | None) -> bool:
        return namespace is None or self.scope.contains(namespace)

    # --- severity --------------------------------------------------------------------------------

    def severity(self, check_id: str) -> Severity | None:
        return self.config.severity.get(check_id) if self.config else None

    # --- exemptions ------------------------------------------------------------------------------

    def exemption(self, check_id: str, res: Result, finding: Finding) -> Exemption | None:
        """The exemption that applies, else an expired one (`expired=True`), else None."""
        expired: tuple[int, ExemptionRule] | None = None
        for i, rule in enumerate(self.rules):
            if not rule_matches(rule, check_id, finding):
                continue
            if rule.expired(self.today):
                expired = expired or (i, rule)
                continue
            self._rule_hits[i] += 1
            return _from_rule(rule, expired=False)
        found = self._annotation(check_id, res, finding.resource)
        if found is None:
            found = self._default(check_id, finding)
        if found is not None:
            return found
        if expired is not None:
            self._rule_hits[expired[0]] += 1
            return _from_rule(expired[1], expired=True)
        return None

    def _annotation(self, check_id: str, res: Result, ref: ResourceRef | None) -> Exemption | None:
        if not self.annotations:
            return None
        # In this order: the resource, the related objects, the namespace. Labels are only
        # written for the one that exempts (most failures have no exemption annotation at all).
        notes = res.annotations
        if _exempts(notes, check_id):
            where = ref.label() if ref else "the cluster"
            return _from_annotation(notes, "annotation on the resource", where)
        for where, notes in res.related:
            if _exempts(notes, check_id):
                return _from_annotation(notes, f"annotation on {where}", where)
        namespace = ref.namespace if ref else None
        if namespace:
            notes = self.ns_annotations.get(namespace, {})
            if _exempts(notes, check_id):
                return _from_annotation(notes, "annotation on the namespace", f"Namespace {namespace}")
        return None

    def _default(self, check_id: str, finding: Finding) -> Exemption | None:
        rule = self._defaults.get(check_id)
        ref = finding.resource
        if not self.defaults or rule is None or ref is None:
            return None
        if ref.kind != "Pod" or ref.namespace != "kube-system":
            return None
        pod = self._static.get(ref.name)
        if pod is None or not rule.applies(pod):
            return None
        self._default_hits[check_id] += 1
        return Exemption(reason=rule.reason, by="default", source="default exemption for control-plane static pods")

    # --- report ----------------------------------------------------------------------------------

    def summary(self, namespaces: Iterable[str]) -> ConfigSummary:
        config = self.config
        rules = []
        for rule, hits in zip(self.rules, self._rule_hits, strict=True):
            rules.append(
                ExemptionRuleInfo(
                    source=rule.source,
                    checks=list(rule.checks),
                    namespaces=list(rule.namespaces),
                    names=list(rule.names),
                    kinds=list(rule.kinds),
                    containers=list(rule.containers),
                    reason=rule.reason,
                    owner=rule.owner,
                    expires=rule.expires.isoformat() if rule.expires else None,
                    expired=rule.expired(self.today),
                    matched=hits,
                )
            )
        defaults = default_rule_infos(self._registered)
        for info in defaults:
            info.matched = self._default_hits.get(info.checks[0], 0)
        return ConfigSummary(
            file=config.file if config else None,
            scope=Scope(
                include=list(self.scope.include),
                exclude=list(self.scope.exclude),
                excludedNamespaces=sorted(n for n in namespaces if not self.scope.contains(n)),
            ),
            severityOverrides=dict(config.severity) if config else {},
            allowedRegistries=list(config.images.allowedRegistries) if config else [],
            annotationExemptions=self.annotations,
            exemptions=rules,
            defaultExemptions=DefaultExemptions(enabled=self.defaults, rules=defaults),
        )


def _exempts(notes: dict[str, str], check_id: str) -> bool:
    value = notes.get(EXEMPT_ANNOTATION)
    return _listed(value, check_id) if value else False


def _from_annotation(notes: dict[str, str], by: str, where: str) -> Exemption:
    reason = notes.get(EXEMPT_REASON_ANNOTATION) or "no reason given"
    return Exemption(reason=reason, by=by, source=f"annotation {EXEMPT_ANNOTATION} on {where}")


def _from_rule(rule: ExemptionRule, *, expired: bool) -> Exemption:
    return Exemption(
        reason=rule.reason,
        by="config",
        owner=rule.owner,
        expires=rule.expires.isoformat() if rule.expires else None,
        source=rule.source,
        expired=expired,
    )
