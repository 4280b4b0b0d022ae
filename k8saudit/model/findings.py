"""What a scan produces: statuses, severities, sections, findings and the Report model.

The Report is the one model every writer renders (HTML, Markdown, JSON, terminal). Its JSON
form is the versioned, documented schema (`SCHEMA_VERSION`) that `diff` and CI consume.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass

#: The JSON report's schema version: its major part changes with any incompatible change; a reader
#: of "1" reads every report whose version is "1" or "1.<n>" (`schema_major`).
SCHEMA_VERSION = "1"


def schema_major(version: object) -> str | None:
    """The major part of a report's `schemaVersion` ("1" of "1" and "1.4"), None when it is not a
    version string."""
    if not isinstance(version, str) or not version.strip():
        return None
    return version.strip().split(".", 1)[0]


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_ASSESSABLE = "not-assessable"
    EXEMPT = "exempt"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for --fail-on and sorting."""
        return _RANKS[self.value]

    @property
    def weight(self) -> int:
        """Weight in the score: a critical check counts ten times a low one; info not at all."""
        return _WEIGHTS[self.value]


_RANKS = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
_WEIGHTS = {"critical": 10, "high": 6, "medium": 3, "low": 1, "info": 0}


class Section(StrEnum):
    """The NSA/CISA Kubernetes Hardening Guidance (v1.2) sections, in the guide's order."""

    POD_SECURITY = "pod-security"
    POLICY = "policy-enforcement"
    NETWORK = "network-separation"
    SECRETS = "secrets"
    AUTH = "authentication-authorization"
    AUDIT = "audit-logging"
    UPGRADES = "upgrading"

    @property
    def heading(self) -> str:
        return SECTION_TITLES[self]


SECTION_TITLES: dict[Section, str] = {
    Section.POD_SECURITY: "Kubernetes Pod security",
    Section.POLICY: "Policy enforcement (Pod Security admission)",
    Section.NETWORK: "Network separation and hardening",
    Section.SECRETS: "Secrets",
    Section.AUTH: "Authentication and authorization",
    Section.AUDIT: "Audit logging and threat detection",
    Section.UPGRADES: "Upgrading and application security practices",
}


class Model(BaseModel):
    """Base of the report's models. Unknown fields are ignored, not refused: a report written by a
    newer k8saudit of the same schema major version only adds optional fields (the README's
    promise), and a baseline or `diff` input from one must still be read (see `output/diff.py`'s
    `load_report`). The JSON Schema therefore admits added properties too."""

    model_config = ConfigDict(extra="ignore", frozen=False)


#: The parse rules of the per-finding types: the same as `Model`'s.
FINDING_CONFIG = ConfigDict(extra="ignore")


def _is_none(value: object) -> bool:
    return value is None


def _is_true(value: object) -> bool:
    return value is True


def _is_zero(value: object) -> bool:
    return value == 0


def _is_empty(value: object) -> bool:
    return value == []


class Record:
    """Base of the per-finding types: `Finding` and the `ResourceRef`, `Evidence` and `Exemption` it holds.

    Why not `Model`: a scan of 20,000 pods reports some 60,000 findings, and a `BaseModel`
    instance carries its own `__dict__` and `__pydantic_fields_set__` (2.4 kB for a finding with
    its resource and one evidence, 0.45 kB as slotted pydantic dataclasses). They are declared
    `@dataclass(slots=True, kw_only=True, config=FINDING_CONFIG)`: validated, serialized and
    described by the JSON schema exactly as the models were (the schema is unchanged).
    """

    __slots__ = ()

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        """As `BaseModel.model_dump` (the same keyword arguments)."""
        serializer = type(self).__pydantic_serializer__  # type: ignore[attr-defined]
        dumped: dict[str, Any] = serializer.to_python(self, **kwargs)
        return dumped


@dataclass(slots=True, kw_only=True, config=FINDING_CONFIG)
class ResourceRef(Record):
    apiVersion: str = ""
    kind: str
    namespace: str | None = None
    name: str

    def label(self) -> str:
        """`Deployment shop/web` or `ClusterRoleBinding admins`."""
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


@dataclass(slots=True, kw_only=True, config=FINDING_CONFIG)
class Evidence(Record):
    """The field a check looked at and what it saw. Never a secret value."""

    path: str
    value: Any = None


@dataclass(slots=True, kw_only=True, config=FINDING_CONFIG)
class Exemption(Record):
    """Why a finding is exempt (or, with `expired`, was exempt until `expires` and fails again)."""

    reason: str
    #: "config", "default", "annotation on the resource", "annotation on the namespace",
    #: or "annotation on <Kind> <namespace/name>" (an object the check names as related).
    by: str
    owner: str | None = None
    expires: str | None = None  # ISO date; valid through that day (UTC)
    #: Where it was declared: `k8saudit.yaml:14`, `annotation k8saudit.io/exempt on Namespace shop`,
    #: `default exemption for control-plane static pods`.
    source: str | None = None
    expired: bool = False


@dataclass(slots=True, kw_only=True, config=FINDING_CONFIG)
class Finding(Record):
    check: str
    status: Status
    severity: Severity
    section: Section
    resource: ResourceRef | None = None
    container: str | None = None
    message: str
    # not pydantic's `Field`: on a dataclass that lists the field first in the JSON schema
    evidence: list[Evidence] = dataclasses.field(default_factory=list)
    remediation: str = ""
    reason: str | None = None  # why not-assessable
    exemption: Exemption | None = None
    #: Where the resource is declared, for manifests: `deploy/app.yaml:12` (file and first line of
    #: its YAML document; `path:line item N` inside a List). Null for a live cluster or a snapshot.
    location: str | None = None
    #: The check that scores this same failure (a binding granting every verb on every resource is
    #: scored by rbac.cluster-admin-bindings, not again by every permission check). Left out when null.
    coveredBy: str | None = Field(default=None, exclude_if=_is_none)
    #: False when the failure is left out of the score: `coveredBy` another check, or informational
    #: by design (see the README's RBAC judgement rules). Left out when true.
    scored: bool = Field(default=True, exclude_if=_is_true)

    def key(self) -> str:
        """Stable identity across runs (for diff and baselines)."""
        ref = self.resource.label() if self.resource else "cluster"
        return f"{self.check}|{ref}|{self.container or ''}"


# --- trusted construction -------------------------------------------------------------------------
#
# A scan of 20,000 pods makes some 60,000 findings, and a pydantic dataclass's `__init__` validates
# every field of each (2 µs a finding). The engine builds them from values that already have the
# fields' types (enums, strings, refs and evidence it made itself), so it may skip that: these make
# the very object the validating constructor makes, every field set (tests/unit/checks/test_context.py
# compares them with it, field by field and in JSON). Anything read from outside is validated.

_new = object.__new__


def trusted_finding(
    *,
    check: str,
    status: Status,
    severity: Severity,
    section: Section,
    resource: ResourceRef | None,
    container: str | None,
    message: str,
    evidence: list[Evidence],
    remediation: str,
    reason: str | None,
    coveredBy: str | None = None,
    scored: bool = True,
) -> Finding:
    """`Finding(...)` without validation, for values already of the fields' types (no exemption or location)."""
    finding: Finding = _new(Finding)
    finding.check = check
    finding.status = status
    finding.severity = severity
    finding.section = section
    finding.resource = resource
    finding.container = container
    finding.message = message
    finding.evidence = evidence
    finding.remediation = remediation
    finding.reason = reason
    finding.exemption = None
    finding.location = None
    finding.coveredBy = coveredBy
    finding.scored = scored
    return finding


def trusted_evidence(path: str, value: Any) -> Evidence:
    """`Evidence(path=path, value=value)` without validation (`value` is `Any`: kept as given)."""
    evidence: Evidence = _new(Evidence)
    evidence.path = path
    evidence.value = value
    return evidence


def trusted_ref(api_version: str, kind: str, namespace: str | None, name: str) -> ResourceRef:
    """`ResourceRef(...)` without validation, for strings (and a namespace or None)."""
    ref: ResourceRef = _new(ResourceRef)
    ref.apiVersion = api_version
    ref.kind = kind
    ref.namespace = namespace
    ref.name = name
    return ref


class CheckInfo(Model):
    """A catalogue entry as it appears in `checks --format json` and in reports."""

    id: str
    title: str
    #: What a failure is, as a short noun phrase ("Privileged containers"); `title` says what passes.
    problem: str
    section: Section
    severity: Severity
    rationale: str
    remediation: str
    references: dict[str, list[str]] = Field(default_factory=dict)
    reads: list[str] = Field(default_factory=list)
    fix: str | None = None  # a YAML snippet of the fixed fields, where one helps


class CheckSummary(Model):
    id: str
    title: str
    #: What a failure is, as a short noun phrase ("Privileged containers"); the reports show it
    #: wherever a failure is shown. Empty in reports written before it existed: use the title.
    problem: str = ""
    section: Section
    severity: Severity
    status: Status
    passed: int = 0
    failed: int = 0
    exempt: int = 0
    #: Failures (counted in `failed`) left out of the score: covered by another check that scores
    #: them, or informational by design (the findings say which: `coveredBy`, `scored`). Left out when 0.
    unscored: int = Field(default=0, exclude_if=_is_zero)
    reason: str | None = None  # set when not-assessable
    #: The catalogue entry, so a report explains itself without the tool at hand.
    rationale: str = ""
    remediation: str = ""
    fix: str | None = None  # a YAML snippet of the fixed fields, where one helps
    references: dict[str, list[str]] = Field(default_factory=dict)

    def as_problem(self) -> str:
        """What a failure of this check is called: its problem phrase, or its title in a report
        written before checks had one."""
        return self.problem or self.title


class SectionScore(Model):
    section: Section
    title: str
    score: float | None  # None when nothing in the section could be assessed
    checks: int
    assessed: int
    failed: int


class InputCoverage(Model):
    """One input the checks read (a kind, or a virtual input such as `workloads`) and whether it was seen."""

    name: str
    status: str  # `ok`, `forbidden`, `not-served`, `absent`, `not-collected`, `error`, ...
    count: int = 0  # objects read (kinds only)
    reason: str | None = None


class Coverage(Model):
    checks: int
    assessed: int
    ratio: float
    gaps: dict[str, str] = Field(default_factory=dict)  # input -> why it could not be read
    #: Every input of the catalogue with what the source gave (the report's methodology lists them).
    inputs: list[InputCoverage] = Field(default_factory=list)


def _absent(value: object) -> bool:
    """A field left out of the JSON report while unset: reports without it stay byte for byte as before."""
    return value is None


class ClusterInfo(Model):
    source: str
    #: The name given with `scan --cluster-name` (the metrics' `cluster` label); left out when not given.
    name: str | None = Field(default=None, exclude_if=_absent)
    context: str | None = None
    server: str | None = None
    version: str | None = None
    platform: str | None = None
    collectedAt: str | None = None
    namespaces: int = 0
    workloads: int = 0
    pods: int = 0

    def label(self) -> str:
        """What the reports and the metrics call the cluster: `--cluster-name`, else the kubeconfig
        context, else the API server's address, else the source (`snapshot`, `manifests`)."""
        return self.name or self.context or self.server or self.source


class ExemptionRuleInfo(Model):
    """A config-file or default exemption as every report lists it, with what it matched."""

    source: str  # `k8saudit.yaml:14` or `default`
    checks: list[str]
    namespaces: list[str] = Field(default_factory=list)  # globs; empty: any
    names: list[str] = Field(default_factory=list)  # globs; empty: any
    kinds: list[str] = Field(default_factory=list)  # empty: any
    containers: list[str] = Field(default_factory=list)  # globs; empty: any (container or not)
    selector: str | None = None  # what else must hold (default exemptions), in words
    reason: str
    owner: str | None = None
    expires: str | None = None
    expired: bool = False
    matched: int = 0  # findings it exempted (expired: findings it would have exempted)


class DefaultExemptions(Model):
    enabled: bool = True
    rules: list[ExemptionRuleInfo] = Field(default_factory=list)


class Scope(Model):
    include: list[str] = Field(default_factory=list)  # namespace globs; empty: every namespace
    exclude: list[str] = Field(default_factory=list)
    excludedNamespaces: list[str] = Field(default_factory=list)  # namespaces seen but left out


class ConfigSummary(Model):
    """How this scan was configured: every report states its scope and its exemptions."""

    file: str | None = None
    scope: Scope = Field(default_factory=Scope)
    severityOverrides: dict[str, Severity] = Field(default_factory=dict)
    allowedRegistries: list[str] = Field(default_factory=list)
    annotationExemptions: bool = True  # false with --no-annotation-exemptions
    exemptions: list[ExemptionRuleInfo] = Field(default_factory=list)
    defaultExemptions: DefaultExemptions = Field(default_factory=DefaultExemptions)


class AccessSubject(Model):
    """A subject as bindings name it: `User`, `Group` or `ServiceAccount` (with its namespace)."""

    kind: str
    namespace: str | None = None
    name: str

    def label(self) -> str:
        """`ServiceAccount ci/deployer`, `Group ops`."""
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


class AccessGrant(Model):
    """One rule of one binding that gives a subject a risky permission (binding -> role -> rule)."""

    binding: ResourceRef  # the ClusterRoleBinding or RoleBinding
    role: ResourceRef  # the Role or ClusterRole it binds
    rule: int  # index in the role's rules (in `aggregatedFrom`'s rules when set)
    aggregatedFrom: str | None = None  # the ClusterRole the rule was aggregated from
    #: The role (or this rule of it) is not in the source: its built-in definition was used (a role
    #: the source lacks, or a rule the API server restores into a built-in role shipped trimmed).
    assumedRole: bool = False
    namespace: str | None = None  # where it applies (a RoleBinding's namespace); null: cluster-wide
    resourceNames: list[str] = Field(default_factory=list)  # the rule names only these objects
    builtIn: bool = False  # a Kubernetes or kubeadm default binding gives it to a system identity
    fullWildcard: bool = False  # the rule has `*` verbs, groups and resources (cluster-admin's)
    permissions: list[str] = Field(default_factory=list)  # what it grants: `list secrets`, ...


class AccessHolder(Model):
    subject: AccessSubject
    builtIn: bool = False  # every grant is built in
    everyone: bool = False  # the subject stands for everyone (system:authenticated, ...)
    clusterWide: bool = False  # some grant applies in every namespace
    namespaces: list[str] = Field(default_factory=list)  # namespaces of namespaced grants
    permissions: list[str] = Field(default_factory=list)
    grants: list[AccessGrant] = Field(default_factory=list)
    #: How a namespaced grant leads to the cluster through a ServiceAccount (`User dev → in argocd →
    #: create serviceaccounts/token ... → ServiceAccount argocd/x → cluster-admin (...)`). Left out when empty.
    escalation: list[str] = Field(default_factory=list, exclude_if=_is_empty)

    def where(self) -> str:
        """`cluster-wide`, `namespaces a, b` or both."""
        parts = ["cluster-wide"] if self.clusterWide else []
        if self.namespaces:
            parts.append(f"namespace{'s' if len(self.namespaces) > 1 else ''} {', '.join(self.namespaces)}")
        return "; ".join(parts)

    def via(self) -> list[str]:
        """Distinct `RoleBinding ns/name → ClusterRole name` paths, in order."""
        seen: list[str] = []
        for g in self.grants:
            path = f"{g.binding.label()} → {g.role.kind} {g.role.name}"
            if path not in seen:
                seen.append(path)
        return seen


class AccessPermission(Model):
    """A family of risky permissions (`secrets-read`: get, list, watch secrets) and who holds it."""

    id: str
    title: str
    requests: list[str]  # the requests asked: `list secrets`, `create pods/exec`, ...
    clusterScoped: bool = False  # only cluster-wide grants can give it
    references: list[str] = Field(default_factory=list)  # `cis:5.1.2`, `kubescape:C-0015`
    #: Subjects with a grant that reaches the cluster (cluster-wide, in kube-system, or a group
    #: meaning everyone) or leads to it (`escalation`), built-in ones included, each with all its
    #: grants of this permission.
    holders: list[AccessHolder] = Field(default_factory=list)
    #: Subjects holding it only through RoleBindings of other namespaces otherwise: counted, not listed.
    namespacedHolders: int = 0
    namespacedIn: int = 0  # in how many namespaces


class AccessReview(Model):
    """Who holds each risky permission (what kubectl-who-can answers, for all of them at once)."""

    status: str  # `complete`, `partial` (some RBAC kind unreadable) or `not-assessable`
    reason: str | None = None
    permissions: list[AccessPermission] = Field(default_factory=list)

    def rows(self) -> list[tuple[AccessPermission, AccessHolder]]:
        """(permission, holder) for every holder that is not built in, in report order; a holder of
        every verb on every resource (`all`) is listed there once, not again under each permission
        it holds only through such a rule."""
        return [
            (p, h)
            for p in self.permissions
            for h in p.holders
            if not h.builtIn and (p.id == "all" or not all(g.fullWildcard for g in h.grants))
        ]

    def namespaced_counts(self) -> list[tuple[str, int, int]]:
        """(permission title, subjects, namespaces) held only within ordinary namespaces."""
        return [(p.title, p.namespacedHolders, p.namespacedIn) for p in self.permissions if p.namespacedHolders]

    def built_in_counts(self) -> list[tuple[str, int]]:
        """(permission title, how many built-in holders) where there are some."""
        counts = [(p.title, sum(1 for h in p.holders if h.builtIn)) for p in self.permissions]
        return [(title, n) for title, n in counts if n]


class PodSecurityMode(Model):
    level: str | None = None  # the label as written (may be invalid); null: unset
    version: str | None = None


class BreakingWorkload(Model):
    workload: str  # `Deployment shop/web`
    level: str  # the highest Pod Security Standard it meets
    violations: list[str] = Field(default_factory=list)


class NamespacePodSecurity(Model):
    """A namespace's Pod Security admission labels and what its workloads would allow it to enforce."""

    namespace: str
    system: bool = False  # kube-system, kube-node-lease, kube-public: not judged by the psa checks
    labelsKnown: bool = True  # false: the source holds no Namespace object (labels unknown)
    enforce: PodSecurityMode = Field(default_factory=PodSecurityMode)
    audit: PodSecurityMode = Field(default_factory=PodSecurityMode)
    warn: PodSecurityMode = Field(default_factory=PodSecurityMode)
    workloadsKnown: bool = True
    workloads: int = 0
    levels: dict[str, int] = Field(default_factory=dict)  # workloads by the highest level they meet
    canEnforceBaseline: bool | None = None  # null: workloads unknown
    canEnforceRestricted: bool | None = None
    wouldBreakBaseline: list[BreakingWorkload] | None = None
    wouldBreakRestricted: list[BreakingWorkload] | None = None


class NodeInfo(Model):
    """One node of the inventory: kubelet, runtime and OS (informational)."""

    name: str
    roles: list[str] = Field(default_factory=list)
    kubeletVersion: str | None = None
    containerRuntime: str | None = None
    osImage: str | None = None
    kernelVersion: str | None = None
    operatingSystem: str | None = None
    architecture: str | None = None


class ChangedFinding(Model):
    """A finding that appeared or went away between two scans (identity: `Finding.key()`)."""

    key: str
    check: str
    severity: Severity
    section: Section
    resource: ResourceRef | None = None
    container: str | None = None
    message: str
    #: For a resolved finding, what it is now: `gone` (passes, or the resource is gone), `exempt`,
    #: or `not-assessable` (the check could not look this time: not a fix).
    now: str | None = None


class BaselineInfo(Model):
    file: str | None = None
    tool: str
    generatedAt: str
    score: float | None
    grade: str


class Comparison(Model):
    """What changed since a previous scan (`scan --baseline`, `k8saudit diff`)."""

    baseline: BaselineInfo
    score: float | None
    grade: str
    scoreChange: float | None  # null when either score is null
    new: list[ChangedFinding] = Field(default_factory=list)  # failing now, not before
    resolved: list[ChangedFinding] = Field(default_factory=list)  # failing before, not now
    stillFailing: int = 0  # failing in both
    #: The still-failing findings themselves: listed by `k8saudit diff`, left out of a scan's report
    #: (they are its findings already).
    unchanged: list[ChangedFinding] | None = None


class HistoryRun(Model):
    """One scan of the history: an earlier report, or this scan (the last run)."""

    generatedAt: str
    #: Where it was read from (a run folder's report.json, a file); null for this scan.
    source: str | None = None
    score: float | None
    grade: str
    coverage: float  # share of the checks assessed
    counts: dict[str, int] = Field(default_factory=dict)  # failing findings by severity
    failing: int = 0  # failing findings


class History(Model):
    """This scan among the earlier ones (`scan --timestamped` runs, `scan --history DIR`)."""

    #: Oldest first; the last is this scan.
    runs: list[HistoryRun]
    #: For each finding failing now that was also failing in the scan before: the `generatedAt`
    #: of the first scan of its unbroken run of failures (a scan where it did not fail, or its
    #: check could not look, ends the run). A failing finding not listed is new in this scan.
    failingSince: dict[str, str] = Field(default_factory=dict)
    #: Earlier reports that could not be used, each `path: why` (corrupt, another schema version,
    #: another cluster, the same scan twice).
    leftOut: list[str] = Field(default_factory=list)


class Report(Model):
    schemaVersion: str = SCHEMA_VERSION
    tool: str
    generatedAt: str
    cluster: ClusterInfo
    score: float | None
    grade: str
    coverage: Coverage
    sections: list[SectionScore]
    checks: list[CheckSummary]
    findings: list[Finding]
    counts: dict[str, int] = Field(default_factory=dict)  # failing findings by severity
    accessReview: AccessReview | None = None  # who holds each risky permission (null: not computed)
    config: ConfigSummary = Field(default_factory=ConfigSummary)
    #: Pod Security admission readiness per namespace in scope (null: not computed).
    podSecurity: list[NamespacePodSecurity] | None = None
    nodes: list[NodeInfo] | None = None  # the node inventory (null: nodes not read)
    sinceLastScan: Comparison | None = None  # with `scan --baseline OLD.json`
    #: Earlier scans' scores and counts, and since when each finding fails (left out when there are none).
    history: History | None = Field(default=None, exclude_if=_absent)

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.status is Status.FAIL]
