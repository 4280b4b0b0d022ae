"""The fleet report: many clusters' reports in one (`k8saudit fleet`, `scan --context a --context b`).

Two kinds of model live here:

- `ReportDigest`, what the fleet reads of one cluster's JSON report: its identity, score, grade,
  coverage, failing counts and which checks failed. Unknown fields are ignored and the findings
  are never built into objects, so reading 500 reports costs the parse, not 500 reports in memory.
- `FleetReport`, what the fleet report holds: one row per cluster (its latest scan, with the
  earlier ones as its trend), the checks failing in most clusters, and the inputs that were left
  out and why. Its JSON form has its own versioned schema (`k8saudit/schemas/fleet.schema.json`,
  `FLEET_SCHEMA_VERSION`), apart from the cluster report's.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from k8saudit.model.findings import Model, Report, Section, Severity, Status

#: The fleet report's schema version: bumped on any incompatible change of `FleetReport`.
FLEET_SCHEMA_VERSION = "1"
#: What a fleet report's `kind` says, so a reader never takes it for one cluster's report.
FLEET_KIND = "k8saudit-fleet"


class _Digest(BaseModel):
    """Reads what it names and ignores the rest of the document."""

    model_config = ConfigDict(extra="ignore")


class DigestCluster(_Digest):
    source: str = ""
    #: `scan --cluster-name`, where the report has one.
    name: str | None = None
    context: str | None = None
    server: str | None = None
    version: str | None = None
    platform: str | None = None


class DigestInput(_Digest):
    name: str
    status: str
    reason: str | None = None


class DigestCoverage(_Digest):
    checks: int
    assessed: int
    ratio: float
    inputs: list[DigestInput] = Field(default_factory=list)


class DigestCheck(_Digest):
    id: str
    title: str
    section: Section
    severity: Severity
    status: Status
    failed: int = 0


class ReportDigest(_Digest):
    """The part of a cluster's JSON report a fleet report is made of."""

    schemaVersion: str
    tool: str
    generatedAt: str
    cluster: DigestCluster
    score: float | None
    grade: str
    coverage: DigestCoverage
    checks: list[DigestCheck]
    counts: dict[str, int] = Field(default_factory=dict)

    @classmethod
    def of(cls, report: Report) -> ReportDigest:
        """The digest of a report in memory (a scan that just finished), as its JSON would give it."""
        return cls.model_validate(
            report.model_dump(
                mode="json",
                include={"schemaVersion", "tool", "generatedAt", "cluster", "score", "grade", "coverage", "counts"},
            )
            | {"checks": [c.model_dump(mode="json") for c in report.checks]}
        )

    @property
    def failing(self) -> int:
        """Failing findings, every severity."""
        return sum(self.counts.values())

    def read_errors(self) -> list[str]:
        """`input: reason` for each input whose reading failed (status `error`: the server went away,
        answered nonsense), not one it refused or does not serve: the scan is then partial."""
        return [f"{i.name}: {i.reason or 'could not be read'}" for i in self.coverage.inputs if i.status == "error"]

    def when(self) -> dt.datetime:
        """`generatedAt` as an aware time (reports write `Z` or `+00:00`); the oldest time for nonsense."""
        return parse_time(self.generatedAt)


def parse_time(text: str) -> dt.datetime:
    """An ISO time as written in reports, in UTC; `datetime.min` (UTC) when it is not one."""
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def failing_at(counts: dict[str, int], severity: Severity) -> bool:
    """Whether failing counts by severity (a report's `counts`) hold one at or above `severity`."""
    ranks = {s.value: s.rank for s in Severity}
    return any(n and ranks.get(sev, -1) >= severity.rank for sev, n in counts.items())


# --- the fleet report ---------------------------------------------------------------------------


class ClusterStatus(StrEnum):
    #: A report was read (or written by this scan): the row shows it.
    SCANNED = "scanned"
    #: A multi-cluster scan could not read the cluster (unreachable, credentials refused, a bad
    #: context): no report, the row says why.
    FAILED = "failed"
    #: The cluster's reading took longer than `--cluster-timeout`: given up, the row says so.
    TIMED_OUT = "timed-out"


class NameSource(StrEnum):
    """Where a cluster's name in the fleet comes from."""

    CLUSTER_NAME = "cluster-name"  # `scan --cluster-name`
    CONTEXT = "context"  # the kubeconfig context it was scanned through
    FOLDER = "folder"  # an in-cluster or offline report without a name: the folder it was found in


class FleetRun(Model):
    """One scan of a cluster, for its trend."""

    generatedAt: str
    score: float | None
    grade: str
    failing: int
    counts: dict[str, int] = Field(default_factory=dict)
    #: The JSON report it was read from, relative to the fleet report's folder (null: this scan).
    report: str | None = None


class FleetCluster(Model):
    """One row of the fleet: a cluster's latest scan, and its earlier ones as the trend."""

    name: str
    nameFrom: NameSource
    status: ClusterStatus
    #: Why the cluster has no report in this fleet (status `failed` or `timed-out`).
    error: str | None = None
    source: str | None = None
    context: str | None = None
    server: str | None = None
    version: str | None = None
    platform: str | None = None
    #: When the latest report was generated (last scanned).
    generatedAt: str | None = None
    tool: str | None = None
    score: float | None = None
    grade: str | None = None
    #: Share of the catalogue that could be assessed on this cluster.
    coverage: float | None = None
    #: Inputs whose reading failed part-way (`input: reason`): the report is partial, and the
    #: checks that needed them are not-assessable (a server stopped mid-scan, a broken proxy).
    readErrors: list[str] = Field(default_factory=list)
    checks: int = 0
    assessed: int = 0
    #: Failing findings by severity, and in all.
    counts: dict[str, int] = Field(default_factory=dict)
    failing: int = 0
    #: Ids of the checks that fail on this cluster.
    failingChecks: list[str] = Field(default_factory=list)
    #: The cluster's report to open (HTML where it was written beside the JSON, else Markdown,
    #: else the JSON), relative to the fleet report's folder; null when there is none.
    report: str | None = None
    #: Its JSON report, relative to the fleet report's folder.
    reportJson: str | None = None
    #: Every scan of this cluster that was read, oldest first; the last is the row's.
    runs: list[FleetRun] = Field(default_factory=list)
    #: Score change since the scan before (null: no earlier scan, or either score is null).
    scoreChange: float | None = None
    #: Failing findings change since the scan before.
    failingChange: int | None = None


class FleetCheck(Model):
    """A check failing on at least one cluster (their latest scans)."""

    id: str
    title: str
    section: Section
    severity: Severity
    #: The clusters it fails on, by name.
    clusters: list[str]
    #: Failing findings of this check over those clusters.
    findings: int


class FleetProblem(Model):
    """An input left out of the fleet report, and why (one warning line each, too)."""

    path: str
    problem: str


class FleetTotals(Model):
    clusters: int
    scanned: int
    #: Clusters with no report here (failed or timed out).
    notScanned: int
    counts: dict[str, int] = Field(default_factory=dict)
    failing: int = 0
    #: Mean and lowest score of the scanned clusters with a score.
    meanScore: float | None = None
    lowestScore: float | None = None


class FleetReport(Model):
    """Many clusters' latest scans side by side: the fleet report's JSON form."""

    schemaVersion: str = FLEET_SCHEMA_VERSION
    kind: str = FLEET_KIND
    tool: str
    generatedAt: str
    totals: FleetTotals
    #: One per cluster: those not scanned first, then the lowest score first.
    clusters: list[FleetCluster]
    #: Checks failing on at least one cluster, failing on most clusters first.
    checks: list[FleetCheck] = Field(default_factory=list)
    problems: list[FleetProblem] = Field(default_factory=list)
