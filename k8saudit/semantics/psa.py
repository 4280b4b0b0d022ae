"""Pod Security admission as Kubernetes applies it: the level each workload's pods meet, and
per namespace the `pod-security.kubernetes.io/*` labels with what enforcing a level would reject.

`k8saudit.semantics.podsecurity` evaluates one pod template exactly as the PodSecurity admission
plugin does (`latest`); this module applies it to workloads and namespaces. The checks
(`k8saudit/checks/pss.py`, `k8saudit/checks/psa.py`) and the report's readiness table read it
through the scan context, which evaluates each workload once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from k8saudit.model.inventory import Inventory, Workload
from k8saudit.model.objects import Namespace
from k8saudit.semantics.namespaces import ONLY_WITH_WORKLOADS, SKIPPED_NAMESPACES
from k8saudit.semantics.podsecurity import Level, Violation, assess

LABEL_PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "audit", "warn")
_ORDER = (Level.PRIVILEGED, Level.BASELINE, Level.RESTRICTED)


@dataclass(frozen=True)
class WorkloadLevel:
    """The highest Pod Security Standard a workload's pods satisfy, and what keeps them from each level."""

    workload: Workload
    level: Level
    baseline: tuple[Violation, ...]  # why not baseline (empty when it meets baseline)
    restricted: tuple[Violation, ...]  # why not restricted (empty when it meets restricted)

    @property
    def label(self) -> str:
        """`Deployment web/cart`."""
        return f"{self.workload.kind} {self.workload.namespace}/{self.workload.name}"

    def meets(self, level: Level) -> bool:
        return _ORDER.index(self.level) >= _ORDER.index(level)

    def violations(self, level: Level) -> tuple[Violation, ...]:
        return {Level.BASELINE: self.baseline, Level.RESTRICTED: self.restricted}.get(level, ())


def workload_level(workload: Workload) -> WorkloadLevel:
    """The level of the workload's pod template (with the containers injected into its pods)."""
    level, baseline, restricted = assess(workload.template_meta, workload.spec)
    return WorkloadLevel(workload, level, tuple(baseline), tuple(restricted))


@dataclass(frozen=True)
class ModeLabel:
    """One Pod Security admission mode of a namespace: its level label and version label, as written."""

    level: str | None = None
    version: str | None = None

    @property
    def parsed(self) -> Level | None:
        """The level when the label is a valid one, else None (unset or invalid)."""
        try:
            return Level(self.level) if self.level is not None else None
        except ValueError:
            return None

    def describe(self) -> str:
        if self.level is None:
            return "unset"
        return f"{self.level}" + (f" ({self.version})" if self.version else "")


def mode_labels(labels: dict[str, str], mode: str) -> ModeLabel:
    return ModeLabel(labels.get(f"{LABEL_PREFIX}{mode}"), labels.get(f"{LABEL_PREFIX}{mode}-version"))


@dataclass(frozen=True)
class NamespaceReadiness:
    """A namespace's Pod Security admission labels and whether its workloads could live with stricter ones.

    `labels_known` is False when the source holds no Namespace object for it (labels unknown);
    `workloads_known` is False when workloads could not be read (then nothing is said about them).
    """

    namespace: str
    system: bool
    labels_known: bool
    enforce: ModeLabel
    audit: ModeLabel
    warn: ModeLabel
    workloads_known: bool
    workloads: tuple[WorkloadLevel, ...]

    @property
    def workload_count(self) -> int:
        return len(self.workloads)

    @property
    def counts(self) -> dict[str, int]:
        """Workloads by the highest level they meet: privileged, baseline, restricted."""
        return {str(level): sum(1 for w in self.workloads if w.level is level) for level in _ORDER}

    @property
    def enforced(self) -> Level | None:
        """The level the namespace enforces (None: unset or invalid label)."""
        return self.enforce.parsed

    def would_break(self, level: Level) -> tuple[WorkloadLevel, ...]:
        """Workloads whose pods enforcing `level` would reject."""
        return tuple(w for w in self.workloads if not w.meets(level))

    def can_enforce(self, level: Level) -> bool | None:
        """Whether enforcing `level` today rejects none of the current workloads (None: unknown)."""
        return not self.would_break(level) if self.workloads_known else None

    @property
    def can_enforce_baseline(self) -> bool | None:
        return self.can_enforce(Level.BASELINE)

    @property
    def can_enforce_restricted(self) -> bool | None:
        return self.can_enforce(Level.RESTRICTED)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for writers (JSON, templates)."""

        def breaking(level: Level) -> list[dict[str, Any]]:
            return [
                {"workload": w.label, "level": str(w.level), "violations": [str(v) for v in w.violations(level)]}
                for w in self.would_break(level)
            ]

        return {
            "namespace": self.namespace,
            "system": self.system,
            "labelsKnown": self.labels_known,
            **{mode: {"level": m.level, "version": m.version} for mode, m in self._modes()},
            "workloadsKnown": self.workloads_known,
            "workloads": self.workload_count,
            "levels": self.counts,
            "canEnforceBaseline": self.can_enforce_baseline,
            "canEnforceRestricted": self.can_enforce_restricted,
            "wouldBreakBaseline": breaking(Level.BASELINE) if self.workloads_known else None,
            "wouldBreakRestricted": breaking(Level.RESTRICTED) if self.workloads_known else None,
        }

    def _modes(self) -> tuple[tuple[str, ModeLabel], ...]:
        return (("enforce", self.enforce), ("audit", self.audit), ("warn", self.warn))


def namespace_readiness(inv: Inventory, levels: Iterable[WorkloadLevel]) -> list[NamespaceReadiness]:
    """Every namespace (system ones flagged) with its PSA labels and its workloads' `levels`."""
    listed = {ns.name: ns for ns in inv.of("Namespace", Namespace)}
    workloads_known = inv.availability("workloads").ok
    by_namespace: dict[str | None, list[WorkloadLevel]] = {}
    if workloads_known:
        for wl in levels:
            by_namespace.setdefault(wl.workload.namespace, []).append(wl)
    out: list[NamespaceReadiness] = []
    for name in inv.namespaces:
        ns = listed.get(name)
        labels = ns.metadata.labels if ns is not None else {}
        out.append(
            NamespaceReadiness(
                namespace=name,
                system=name in SKIPPED_NAMESPACES or name in ONLY_WITH_WORKLOADS,
                labels_known=ns is not None,
                enforce=mode_labels(labels, "enforce"),
                audit=mode_labels(labels, "audit"),
                warn=mode_labels(labels, "warn"),
                workloads_known=workloads_known,
                workloads=tuple(by_namespace.get(name, ())),
            )
        )
    return out
