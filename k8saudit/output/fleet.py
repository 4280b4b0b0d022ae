"""Many clusters' reports into one fleet report: find them, read what the fleet needs, merge.

Inputs are JSON reports named on the command line, or folders searched for `report.json` at any
depth: a `scan --context a --context b -d DIR` (`DIR/<context>/report.json`), CronJobs' report
volumes (`DIR/<UTC time>/report.json`, one run each) collected side by side, a bucket sync of
them. `latest` entries and hidden folders (a run still being written) are skipped in a folder:
`latest` is a second name of a run already found. The same file reached twice is read once.

Each report is read as a `ReportDigest` (its findings are parsed over, never built), so the
fleet costs one parse per report and the memory of a few numbers each. An input that cannot be
used is left out with one `FleetProblem` naming the file and why: unreadable, not JSON, not a
k8saudit report, a report of another schema version, a fleet report, a malformed report, or
the same cluster and time as a report already read. The others still make the fleet.

A cluster is named by `scan --cluster-name` where its report has one, else by its kubeconfig
context; reports with neither a name nor a context of their own (in-cluster scans all say
`in-cluster`, offline scans have none) are named after the folder they were found in, the
first that is not a run folder or `latest` (`bucket/prod-eu/20261105T031702Z/report.json`:
`prod-eu`). Reports of one cluster are its runs: the latest makes its row, the earlier ones
its trend.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from k8saudit.model.findings import SCHEMA_VERSION, Severity, Status, schema_major
from k8saudit.model.fleet import (
    FLEET_KIND,
    ClusterStatus,
    FleetCheck,
    FleetCluster,
    FleetProblem,
    FleetReport,
    FleetRun,
    FleetTotals,
    NameSource,
    ReportDigest,
)
from k8saudit.runtime.errors import InputError
from k8saudit.runtime.files import read_bounded
from k8saudit.runtime.reportdir import LATEST, RUN_NAME

#: The file name searched for in folders.
REPORT_FILE = "report.json"
#: Contexts that name no cluster: every in-cluster scan has the first.
_ANONYMOUS_CONTEXTS = frozenset({"in-cluster", ""})
#: The files a cluster's report set may hold, the one to open first.
_OPEN_FIRST = ("report.html", "report.md", "report.json")


class Unusable(Exception):
    """A report the fleet leaves out; the message says why, in a few words."""


@dataclass(frozen=True)
class Entry:
    """A cluster's report, read: its digest, where its JSON is, and the files of its set."""

    digest: ReportDigest
    json: Path | None = None
    #: The files written with it (html, md, ...): the first of `_OPEN_FIRST` found is linked.
    files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class NotScanned:
    """A cluster a multi-cluster scan could not read: its row says why (no report)."""

    name: str
    context: str | None
    status: ClusterStatus
    error: str
    #: Its earlier reports, when its folder holds some: the row shows the last known scan.
    earlier: tuple[Entry, ...] = ()


@dataclass
class Inputs:
    """What was read from the inputs: the reports, and what was left out."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[FleetProblem] = field(default_factory=list)

    def left_out(self, path: Path | str, problem: str) -> None:
        self.problems.append(FleetProblem(path=str(path), problem=problem))


# --- finding reports ----------------------------------------------------------------------------


def find_reports(paths: Sequence[Path], inputs: Inputs) -> list[Path]:
    """The JSON reports `paths` name, folders searched; each file once, in a stable order."""
    found: list[Path] = []
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            candidates: Iterable[Path] = _reports_below(path)
        elif path.exists():
            candidates = [path]
        else:
            inputs.left_out(path, "no such file or folder")
            continue
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if real not in seen:
                seen.add(real)
                found.append(candidate)
    return found


def _reports_below(root: Path) -> Iterator[Path]:
    """Every `report.json` below `root`, sorted by path; `latest` and hidden entries skipped, links
    to folders not followed (a loop, or a second name of a run)."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != LATEST and not d.startswith("."))
        if REPORT_FILE in files:
            yield Path(folder) / REPORT_FILE


# --- reading one report -------------------------------------------------------------------------


def read_digest(path: Path) -> ReportDigest:
    """The digest of the JSON report at `path`, or `Unusable` saying why it cannot be used."""
    try:
        data = read_bounded(path)
    except InputError as exc:
        raise Unusable(str(exc).removeprefix(f"{path}: ")) from None
    except OSError as exc:
        raise Unusable(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        digest = ReportDigest.model_validate_json(data)
    except ValidationError as exc:
        raise Unusable(_why_not(data, exc)) from None
    if schema_major(digest.schemaVersion) != schema_major(SCHEMA_VERSION):
        raise Unusable(_other_version(digest.schemaVersion, digest.tool))
    return digest


def _other_version(found: object, tool: object) -> str:
    by = f", written by {tool}" if isinstance(tool, str) and tool else ""
    return f"report schema version {found!r}{by}; this k8saudit reads version {SCHEMA_VERSION}"


def _why_not(data: bytes, exc: ValidationError) -> str:
    """Why a file is not a report this k8saudit reads, in the order a person would check."""
    import json

    first = exc.errors()[0]
    if first["type"] == "json_invalid":
        try:
            json.loads(data)
        except ValueError as err:
            detail = f"{err.msg} at line {err.lineno}" if isinstance(err, json.JSONDecodeError) else str(err)
            return f"not JSON ({detail})"
        return "not JSON"  # pragma: no cover - pydantic and json disagree
    document = json.loads(data)
    if not isinstance(document, dict) or "schemaVersion" not in document:
        return "not a k8saudit JSON report (no schemaVersion)"
    if document.get("kind") == FLEET_KIND:
        return "a fleet report, not one cluster's report"
    if schema_major(document["schemaVersion"]) != schema_major(SCHEMA_VERSION):
        return _other_version(document["schemaVersion"], document.get("tool"))
    where = ".".join(str(p) for p in first["loc"])
    return f"not a valid k8saudit report: {where}: {first['msg']}"


def read_reports(paths: Sequence[Path]) -> Inputs:
    """Find and read every report `paths` name; what cannot be used is a problem, not an error.

    Only a cluster's latest report keeps its per-check and per-input detail (its row and the
    common checks read them); an earlier one keeps the few numbers of its trend, so memory grows
    with the clusters, not with the reports (500 reports of 50 clusters: benchmarks/README.md)."""
    inputs = Inputs()
    latest: dict[str, Entry] = {}
    for path in find_reports(paths, inputs):
        try:
            digest = read_digest(path)
        except Unusable as why:
            inputs.left_out(path, str(why))
            continue
        entry = Entry(digest, path, _set_files(path))
        inputs.entries.append(entry)
        name, _ = cluster_name(digest, path)
        kept = latest.get(name)
        if kept is None or digest.when() > kept.digest.when():  # a tie keeps the first read, as `_runs` does
            latest[name] = entry
            if kept is not None:
                _drop_detail(kept.digest)
        else:
            _drop_detail(digest)
    return inputs


def _drop_detail(digest: ReportDigest) -> None:
    """Keep of an earlier report what its trend shows (time, score, grade, counts)."""
    digest.checks = []
    digest.coverage.inputs = []


def _set_files(json_path: Path) -> tuple[Path, ...]:
    """The files of the report set `json_path` belongs to (the others of `_OPEN_FIRST` beside it)."""
    folder = json_path.parent
    return tuple(p for p in (folder / name for name in _OPEN_FIRST) if p == json_path or p.is_file())


# --- naming clusters ----------------------------------------------------------------------------


def cluster_name(digest: ReportDigest, path: Path | None) -> tuple[str, NameSource]:
    """The cluster a report is of, and where that name comes from (see the module's docstring)."""
    if digest.cluster.name:
        return digest.cluster.name, NameSource.CLUSTER_NAME
    context = digest.cluster.context
    if context and context not in _ANONYMOUS_CONTEXTS:
        return context, NameSource.CONTEXT
    if path is not None:
        for folder in Path(os.path.abspath(path)).parents:
            if folder.name and folder.name != LATEST and not RUN_NAME.match(folder.name):
                return folder.name, NameSource.FOLDER
    return digest.cluster.server or digest.cluster.source or "cluster", NameSource.FOLDER


# --- merging ------------------------------------------------------------------------------------


def _link(path: Path | None, base: Path) -> str | None:
    """`path` relative to the fleet report's folder `base` (as links in it are resolved)."""
    if path is None:
        return None
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(base))).as_posix()


def _opened(entry: Entry) -> Path | None:
    by_name = {p.name: p for p in entry.files}
    return next((by_name[name] for name in _OPEN_FIRST if name in by_name), entry.json)


def _run(entry: Entry, base: Path) -> FleetRun:
    d = entry.digest
    return FleetRun(
        generatedAt=d.generatedAt,
        score=d.score,
        grade=d.grade,
        failing=d.failing,
        counts=dict(d.counts),
        report=_link(entry.json, base),
    )


def _runs(entries: list[Entry], inputs: Inputs, name: str) -> list[Entry]:
    """A cluster's reports oldest first, each scan once: a second report of the same time is left out."""
    ordered: list[Entry] = []
    by_time: dict[dt.datetime, Entry] = {}
    for entry in sorted(entries, key=lambda e: e.digest.when()):
        when = entry.digest.when()
        if when in by_time:
            first = by_time[when].json
            inputs.left_out(
                entry.json or name,
                f"the same cluster ({name}) and time ({entry.digest.generatedAt}) as {first}: read once",
            )
            continue
        by_time[when] = entry
        ordered.append(entry)
    return ordered


def _row(name: str, source: NameSource, runs: list[Entry], base: Path) -> FleetCluster:
    latest = runs[-1]
    d = latest.digest
    before = runs[-2].digest if len(runs) > 1 else None
    change = None
    if before is not None and d.score is not None and before.score is not None:
        change = round(d.score - before.score, 1)
    return FleetCluster(
        name=name,
        nameFrom=source,
        status=ClusterStatus.SCANNED,
        source=d.cluster.source or None,
        context=d.cluster.context,
        server=d.cluster.server,
        version=d.cluster.version,
        platform=d.cluster.platform,
        generatedAt=d.generatedAt,
        tool=d.tool,
        score=d.score,
        grade=d.grade,
        coverage=d.coverage.ratio,
        readErrors=d.read_errors(),
        checks=d.coverage.checks,
        assessed=d.coverage.assessed,
        counts=dict(d.counts),
        failing=d.failing,
        failingChecks=sorted(c.id for c in d.checks if c.status is Status.FAIL),
        report=_link(_opened(latest), base),
        reportJson=_link(latest.json, base),
        runs=[_run(e, base) for e in runs],
        scoreChange=change,
        failingChange=None if before is None else d.failing - before.failing,
    )


def _not_scanned_row(cluster: NotScanned, runs: list[Entry], base: Path) -> FleetCluster:
    return FleetCluster(
        name=cluster.name,
        nameFrom=NameSource.CONTEXT,
        status=cluster.status,
        error=cluster.error,
        context=cluster.context,
        runs=[_run(e, base) for e in runs],
    )


def _common_checks(latest: Iterable[tuple[str, ReportDigest]]) -> list[FleetCheck]:
    """Checks failing on at least one cluster: on most clusters first, then the most severe."""
    merged: dict[str, FleetCheck] = {}
    for name, digest in latest:
        for check in digest.checks:
            if check.status is not Status.FAIL:
                continue
            entry = merged.get(check.id)
            if entry is None:
                entry = merged[check.id] = FleetCheck(
                    id=check.id,
                    title=check.title,
                    section=check.section,
                    severity=check.severity,
                    clusters=[],
                    findings=0,
                )
            entry.clusters.append(name)
            entry.findings += check.failed
    return sorted(merged.values(), key=lambda c: (-len(c.clusters), -c.severity.rank, c.id))


def _order(row: FleetCluster) -> tuple[int, float, str]:
    """Clusters not scanned first, then the lowest score (no score counts as lowest), then by name."""
    return (int(row.status is ClusterStatus.SCANNED), -1.0 if row.score is None else row.score, row.name)


def _totals(rows: list[FleetCluster]) -> FleetTotals:
    scanned = [r for r in rows if r.status is ClusterStatus.SCANNED]
    counts = {s.value: sum(r.counts.get(s.value, 0) for r in scanned) for s in Severity}
    scores = [r.score for r in scanned if r.score is not None]
    return FleetTotals(
        clusters=len(rows),
        scanned=len(scanned),
        notScanned=len(rows) - len(scanned),
        counts=counts,
        failing=sum(counts.values()),
        meanScore=round(sum(scores) / len(scores), 1) if scores else None,
        lowestScore=min(scores) if scores else None,
    )


def build(
    inputs: Inputs,
    *,
    base: Path,
    tool: str,
    generated_at: str,
    not_scanned: Sequence[NotScanned] = (),
) -> FleetReport:
    """The fleet report of `inputs` (and of the clusters a scan could not read), with every link
    relative to `base`, the folder the fleet report is written in."""
    groups: dict[str, list[Entry]] = {}
    sources: dict[str, NameSource] = {}
    for entry in inputs.entries:
        name, source = cluster_name(entry.digest, entry.json)
        groups.setdefault(name, []).append(entry)
        sources.setdefault(name, source)
    rows: list[FleetCluster] = []
    latest: list[tuple[str, ReportDigest]] = []
    for name in sorted(groups):
        runs = _runs(groups[name], inputs, name)
        rows.append(_row(name, sources[name], runs, base))
        latest.append((name, runs[-1].digest))
    for cluster in not_scanned:
        rows.append(_not_scanned_row(cluster, _runs(list(cluster.earlier), inputs, cluster.name), base))
    rows.sort(key=_order)
    return FleetReport(
        tool=tool,
        generatedAt=generated_at,
        totals=_totals(rows),
        clusters=rows,
        checks=_common_checks(latest),
        problems=list(inputs.problems),
    )


def folder_name_notes(report: FleetReport) -> list[str]:
    """One line per cluster named after its folder: a name the reports do not carry themselves."""
    return [
        f"{row.name}: its reports carry no cluster name or context of their own (an in-cluster or offline "
        f"scan); named after its folder (give scan --cluster-name to name it)"
        for row in report.clusters
        if row.nameFrom is NameSource.FOLDER
    ]
