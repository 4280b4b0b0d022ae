"""The check registry: each check declares its metadata next to its logic.

A check is a pure function of the scan context (`k8saudit.checks.context`: the Inventory and
what the scan derives from it once) that yields `Result`s: what it saw, per resource.
It never decides `not-assessable` for missing input (the engine does, from `reads`), never
applies exemptions and never counts. Adding a check is one decorated function in one module
under `k8saudit/checks/`; `all_checks()` finds it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from k8saudit.model.findings import CheckInfo, Evidence, ResourceRef, Section, Severity
from k8saudit.model.inventory import VIRTUAL_INPUTS, Workload
from k8saudit.model.kinds import BY_KIND
from k8saudit.model.objects import K8sObject

if TYPE_CHECKING:
    from k8saudit.checks.context import ScanContext

Target = Workload | K8sObject | None
#: A check: the scan context in (its inventory and what the scan derives from it), results out.
CheckFunc = Callable[["ScanContext"], Iterable["Result"]]


class Result:
    """One observation: a resource (or the cluster, when `resource` is None) passed or failed.

    `passed=None` means this one resource could not be judged (`reason` says why).

    A scan makes one per resource and check (a quarter of a million on a 20,000-pod cluster),
    three in four of them passes that the engine only counts. So a result keeps what the check
    gave (the target, the evidence pairs, the related objects) and builds the report's shapes
    (`resource`, `evidence`, `annotations`, `related`, `origin`) only when they are read, which
    the engine does for failures and unjudged results alone.
    """

    __slots__ = (
        "_ref",
        "_via",
        "container",
        "covered_by",
        "message",
        "pairs",
        "passed",
        "reason",
        "scored",
        "severity",
        "target",
    )

    def __init__(
        self,
        target: Target,
        passed: bool | None,
        message: str,
        container: str | None = None,
        pairs: Sequence[tuple[str, Any]] = (),
        reason: str | None = None,
        severity: Severity | None = None,
        via: Sequence[Workload | K8sObject] = (),
        covered_by: str | None = None,
        scored: bool = True,
    ) -> None:
        #: The workload or object judged; None for the cluster (or, not assessable, the whole check).
        self.target = target
        self.passed = passed
        self.message = message
        self.container = container
        self.reason = reason
        #: Overrides the check's default severity for this result.
        self.severity = severity
        #: The evidence as the check gave it: (path, value) pairs (`evidence` makes them models).
        self.pairs = pairs
        self._via = via
        self._ref: ResourceRef | None = None
        #: The check that scores this same failure (it is then left out of this check's score).
        self.covered_by = covered_by
        #: False: a failure left out of the score (covered, or informational by design).
        self.scored = scored and covered_by is None

    def __repr__(self) -> str:
        ref = self.resource
        return f"Result({ref.label() if ref else 'the cluster'}, passed={self.passed!r}, message={self.message!r})"

    @property
    def resource(self) -> ResourceRef | None:
        if self._ref is None and self.target is not None:
            self._ref = ref(self.target)
        return self._ref

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(Evidence(path=p, value=v) for p, v in self.pairs)

    @property
    def annotations(self) -> dict[str, str]:
        """The target's annotations (where exemptions are read)."""
        return _annotations(self.target)

    @property
    def related(self) -> tuple[tuple[str, dict[str, str]], ...]:
        """Annotations of related objects that may exempt this result too, with each object's label
        (`RoleBinding shop/deployers`): the binding that grants what a subject-level finding reports."""
        if not self._via:
            return ()
        return tuple((ref(obj).label(), _annotations(obj)) for obj in self._via)

    @property
    def origin(self) -> str | None:
        """Where the target was read from (`path:line` for manifests); the engine keeps it for manifests."""
        return _origin(self.target)

    def where(self) -> tuple[str, str | None, str] | None:
        """(kind, namespace, name) of the target without building its `ResourceRef`; None: the cluster."""
        target = self.target
        if target is None:
            return None
        if isinstance(target, Workload):
            return target.kind, target.namespace, target.name
        meta = target.metadata
        return target.kind, meta.namespace, meta.name


def ref(target: Workload | K8sObject) -> ResourceRef:
    api_version, kind, namespace, name = ref_fields(target)
    return ResourceRef(apiVersion=api_version, kind=kind, namespace=namespace, name=name)


def ref_fields(target: Workload | K8sObject) -> tuple[str, str, str | None, str]:
    """(apiVersion, kind, namespace, name) of `ref(target)`, without building the model."""
    if isinstance(target, Workload):
        return target.api_version, target.kind, target.namespace, target.name
    api_version = target.apiVersion or (BY_KIND[target.kind].api_version if target.kind in BY_KIND else "")
    return api_version, target.kind, target.namespace, target.name


def _origin(target: Target) -> str | None:
    if isinstance(target, Workload):
        return target.origin
    if isinstance(target, K8sObject):
        return target._origin
    return None


def _annotations(target: Target) -> dict[str, str]:
    if isinstance(target, Workload):
        return target.annotations
    if isinstance(target, K8sObject):
        return target.metadata.annotations
    return {}


def result(
    target: Target,
    *,
    failed: bool,
    message: str,
    container: str | None = None,
    evidence: Iterable[tuple[str, Any]] = (),
    severity: Severity | None = None,
    exempt_via: Iterable[Workload | K8sObject] = (),
    covered_by: str | None = None,
    scored: bool = True,
) -> Result:
    """A pass or fail for `target` (a workload, an object, or None for the cluster).

    Exemption annotations are read from `target`, its namespace and the `exempt_via` objects
    (for a finding about a subject, the binding and role that grant the permission).
    A failure `covered_by` another check (which scores it), or with `scored=False`, is reported
    but left out of the score.
    """
    return Result(
        target,
        not failed,
        message,
        container,
        # a copy: a check may go on to reuse its list for the next result (a tuple is kept as is)
        evidence if type(evidence) is tuple else tuple(evidence),
        None,
        severity,
        exempt_via if type(exempt_via) is tuple else tuple(exempt_via),
        covered_by,
        scored,
    )


def not_assessable(reason: str, target: Target = None) -> Result:
    """This resource (or the whole check, with no target) could not be judged."""
    return Result(target, None, reason, reason=reason)


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    section: Section
    severity: Severity
    rationale: str
    remediation: str
    references: dict[str, list[str]]
    reads: tuple[str, ...]
    func: CheckFunc
    #: Inputs read when visible but not required: the check judges what it can see and yields a
    #: check-level `not_assessable` itself when that is not enough. Listed in `info().reads`.
    also_reads: tuple[str, ...] = ()
    #: A YAML snippet showing the fixed fields (reports print it under the remediation), or None.
    fix: str | None = None
    #: What a failure is, as a short noun phrase ("Privileged containers"): the title says what
    #: passes, and reads wrong above a list of failures. Every `@check` gives one.
    problem: str = ""

    def info(self) -> CheckInfo:
        return CheckInfo(
            id=self.id,
            title=self.title,
            problem=self.problem,
            section=self.section,
            severity=self.severity,
            rationale=self.rationale,
            remediation=self.remediation,
            references=self.references,
            reads=[*self.reads, *(name for name in self.also_reads if name not in self.reads)],
            fix=self.fix,
        )


REGISTRY: dict[str, Check] = {}


def check(
    *,
    id: str,
    title: str,
    problem: str,
    section: Section,
    severity: Severity,
    reads: Iterable[str],
    rationale: str,
    remediation: str,
    references: dict[str, list[str]] | None = None,
    also_reads: Iterable[str] = (),
    fix: str | None = None,
) -> Callable[[CheckFunc], CheckFunc]:
    """Register a check. `reads` names kinds or virtual inputs (see Inventory.availability).

    `title` says what passes ("Containers do not run privileged"); `problem` names what fails, as
    a short noun phrase ("Privileged containers"): the reports show it wherever a failure is shown.

    The engine makes the check not-assessable unless every input in `reads` could be seen.
    `also_reads` names inputs the check uses when they are visible and whose absence it
    handles itself (a check that can judge from either of two sources, for one).
    `fix` is an optional YAML snippet of the fixed fields (`securityContext:\n  runAsNonRoot: true`),
    printed by the reports under the remediation; it must parse as YAML.
    """
    inputs = tuple(reads)
    optional = tuple(also_reads)
    snippet = _fix_snippet(id, fix)
    _check_problem(id, title, problem)
    for name in (*inputs, *optional):
        if name not in BY_KIND and name not in VIRTUAL_INPUTS:
            raise ValueError(f"check {id}: unknown input {name!r} in reads")

    def register(func: CheckFunc) -> CheckFunc:
        if id in REGISTRY and REGISTRY[id].func is not func:
            raise ValueError(f"duplicate check id {id!r}")
        REGISTRY[id] = Check(
            id,
            title,
            section,
            severity,
            rationale.strip(),
            remediation.strip(),
            references or {},
            inputs,
            func,
            also_reads=optional,
            fix=snippet,
            problem=problem,
        )
        return func

    return register


#: A problem phrase is a heading: this long at most.
PROBLEM_MAX = 80


def _check_problem(check_id: str, title: str, problem: str) -> None:
    """A problem phrase that is missing, the title again, too long or a sentence is a bug in the check."""
    if not problem.strip() or problem != problem.strip():
        raise ValueError(f"check {check_id}: problem must name what fails, as a short phrase")
    if problem == title or len(problem) > PROBLEM_MAX or problem.endswith("."):
        raise ValueError(
            f"check {check_id}: problem {problem!r} must differ from the title, be short, end without a period"
        )


def _fix_snippet(check_id: str, fix: str | None) -> str | None:
    """The snippet dedented and stripped; a snippet that is not YAML is a bug in the check."""
    if fix is None:
        return None
    import textwrap

    import yaml

    snippet = textwrap.dedent(fix).strip("\n")
    try:
        yaml.safe_load(snippet)
    except yaml.YAMLError as exc:
        raise ValueError(f"check {check_id}: fix is not valid YAML: {exc}") from None
    return snippet


def all_checks() -> list[Check]:
    """Every registered check, importing each module of `k8saudit.checks` once."""
    import k8saudit.checks as package

    for module in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        if not module.name.rpartition(".")[2].startswith("_"):
            importlib.import_module(module.name)
    section_order = list(Section)
    return sorted(REGISTRY.values(), key=lambda c: (section_order.index(c.section), c.id))


def get_check(check_id: str) -> Check | None:
    return {c.id: c for c in all_checks()}.get(check_id)
