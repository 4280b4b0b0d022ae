"""Earlier scans: the score and failing counts over time, and since when each finding fails.

Where they come from: the run folders `scan --timestamped` keeps (`DIR/<UTC time>/report.json`,
see `k8saudit.runtime.reportdir`) and the JSON reports `--history DIR` points at (the same
layout, or `*.json` files in DIR). `k8saudit trend DIR` reads the same.

A finding's identity across scans is `Finding.key()` (`check | Kind namespace/name |
container`), as in `k8saudit.output.diff`. A finding "fails since" the first scan of its unbroken
run of failing scans, ending with this one: a scan in which it passed, was exempt or could not be
judged ends the run (a scan that could not look proves nothing, so the claim stays the shorter one).

Earlier reports are read without building the Report models: only the summary and the keys of
the failing findings that still fail are kept (a 20,000-pod report has ~60,000 findings, a
history up to `LIMIT` scans). A report that cannot be used (not JSON, another schema version,
another cluster, the same scan twice) is one warning line and left out; the scan's own report
is always written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from k8saudit.model.findings import SCHEMA_VERSION, ClusterInfo, History, HistoryRun, Report, Status
from k8saudit.runtime import reportdir

log = logging.getLogger(__name__)

#: Earlier scans kept in a history (the newest): enough for a quarter of daily scans.
LIMIT = 100
REPORT_FILE = "report.json"


class Unusable(Exception):
    """Why an earlier report cannot be part of the history (one line)."""


@dataclass(frozen=True)
class Scan:
    """An earlier report as the history needs it."""

    run: HistoryRun
    #: When it was generated, as Unix seconds (the order of the history).
    when: float
    #: Keys of its failing findings (only those asked for: the ones failing now).
    failing: frozenset[str]
    #: The cluster's name, context and server, to tell another cluster's report.
    cluster: tuple[str | None, str | None, str | None]


def finding_key(finding: dict[str, Any]) -> str:
    """`Finding.key()` of a finding as the JSON report holds it."""
    resource = finding.get("resource")
    if resource is None:
        ref = "cluster"
    else:
        where = f"{resource['namespace']}/" if resource.get("namespace") else ""
        ref = f"{resource['kind']} {where}{resource['name']}"
    return f"{finding['check']}|{ref}|{finding.get('container') or ''}"


def unix_time(iso: str) -> float:
    """An ISO time of a report as Unix seconds (a time without zone is UTC)."""
    when = dt.datetime.fromisoformat(iso)
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()


def read_scan(path: Path, wanted: frozenset[str] | None = None) -> Scan:
    """The summary of the JSON report at `path`, keeping the failing keys in `wanted` (all when
    None); `Unusable` saying why for anything that is not a report of this schema version."""
    try:
        document = json.loads(path.read_bytes())
    except OSError as exc:
        raise Unusable(f"cannot be read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Unusable(f"not JSON ({getattr(exc, 'msg', None) or exc.__class__.__name__})") from None
    if not isinstance(document, dict) or "schemaVersion" not in document:
        raise Unusable("not a k8saudit JSON report (no schemaVersion)")
    if document["schemaVersion"] != SCHEMA_VERSION:
        raise Unusable(f"report schema version {document['schemaVersion']!r}; this k8saudit reads {SCHEMA_VERSION!r}")
    try:
        return _scan(document, str(path), wanted)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Unusable(f"not a valid k8saudit report ({exc.__class__.__name__}: {exc})") from None


def _scan(document: dict[str, Any], source: str, wanted: frozenset[str] | None) -> Scan:
    counts = {str(k): int(v) for k, v in document["counts"].items()}
    score = document["score"]
    if score is not None and not isinstance(score, int | float):
        raise TypeError(f"score {score!r}")
    keys = (finding_key(f) for f in document["findings"] if f["status"] == Status.FAIL.value)
    failing = frozenset(k for k in keys if wanted is None or k in wanted)
    cluster = document["cluster"]
    generated = str(document["generatedAt"])
    return Scan(
        run=HistoryRun(
            generatedAt=generated,
            source=source,
            score=None if score is None else float(score),
            grade=str(document["grade"]),
            coverage=float(document["coverage"]["ratio"]),
            counts=counts,
            failing=sum(counts.values()),
        ),
        when=unix_time(generated),
        failing=failing,
        cluster=(cluster.get("name"), cluster.get("context"), cluster.get("server")),
    )


def report_files(folders: Iterable[Path], *, skip: Path | None = None) -> list[Path]:
    """The JSON reports in `folders`: each run folder's `report.json` (not `latest`, which is one
    of them) and the `*.json` files beside them, newest run folders last. `skip`: a run folder
    left out (the current scan's, for `trend`)."""
    found: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for run in reportdir.runs(folder):
            if run != skip and (run / REPORT_FILE).is_file():
                found.append(run / REPORT_FILE)
        found += sorted(p for p in folder.glob("*.json") if p.is_file())
    return list(dict.fromkeys(found))


def same_cluster(scan: Scan, cluster: ClusterInfo) -> bool:
    """Whether `scan` is of `cluster`: some name they both have (--cluster-name, context, API
    server) is the same; with none in common (a snapshot, manifests) they are taken to be."""
    pairs = [(a, b) for a, b in zip(scan.cluster, (cluster.name, cluster.context, cluster.server), strict=True)]
    known = [(a, b) for a, b in pairs if a is not None and b is not None]
    return not known or any(a == b for a, b in known)


def earlier_scans(paths: Sequence[Path], current: Report) -> tuple[list[Scan], list[str]]:
    """The usable earlier scans among `paths` (oldest first, at most `LIMIT`), and what was left
    out with why; each left-out report is one warning line."""
    wanted = frozenset(f.key() for f in current.findings if f.status is Status.FAIL)
    now = unix_time(current.generatedAt)
    scans: dict[str, Scan] = {}
    left_out: list[str] = []

    def leave_out(path: Path, why: str) -> None:
        left_out.append(f"{path}: {why}")
        log.warning("%s: %s: left out of the history", path, why)

    for path in paths:
        try:
            scan = read_scan(path, wanted)
        except Unusable as exc:
            leave_out(path, str(exc))
            continue
        if not same_cluster(scan, current.cluster):
            leave_out(path, f"another cluster ({next(c for c in scan.cluster if c)})")
        elif scan.when > now:
            leave_out(path, f"not earlier than this scan ({scan.run.generatedAt})")
        elif scan.run.generatedAt in scans:
            leave_out(path, f"the same scan as {scans[scan.run.generatedAt].run.source}")
        else:
            scans[scan.run.generatedAt] = scan
    ordered = sorted(scans.values(), key=lambda s: s.when)
    return ordered[-LIMIT:], left_out


def this_run(report: Report) -> HistoryRun:
    counts = dict(report.counts)
    return HistoryRun(
        generatedAt=report.generatedAt,
        score=report.score,
        grade=report.grade,
        coverage=report.coverage.ratio,
        counts=counts,
        failing=sum(counts.values()),
    )


def failing_since(current: Report, earlier: Sequence[Scan]) -> dict[str, str]:
    """For each finding failing now and in the scan before: the first scan of its unbroken run."""
    alive = {f.key() for f in current.findings if f.status is Status.FAIL}
    since: dict[str, str] = {}
    for scan in reversed(earlier):
        alive &= scan.failing
        if not alive:
            break
        for key in alive:
            since[key] = scan.run.generatedAt
    return since


def history(current: Report, paths: Sequence[Path]) -> History | None:
    """The history of `current` from the reports at `paths`; None when none of them is usable
    (a first scan: nothing to show), after a warning for each one left out."""
    earlier, left_out = earlier_scans(paths, current)
    if not earlier:
        return None
    return History(
        runs=[*(s.run for s in earlier), this_run(current)],
        failingSince=failing_since(current, earlier),
        leftOut=left_out,
    )


def alone(current: Report) -> History:
    """The history of a first scan: itself."""
    return History(runs=[this_run(current)])


def newest(paths: Sequence[Path]) -> Path | None:
    """The newest usable report among `paths` (by `generatedAt`); the others are left for
    `history`, which says why any of them cannot be used."""
    best: tuple[float, Path] | None = None
    for path in paths:
        try:
            scan = read_scan(path, frozenset())
        except Unusable:
            continue
        if best is None or scan.when > best[0]:
            best = (scan.when, path)
    return None if best is None else best[1]


def check_folder(folder: Path, option: str = "--history") -> Path:
    """`folder` as given, when it is a folder (an InputError line naming `option` otherwise)."""
    from k8saudit.runtime.errors import InputError

    if not folder.is_dir():
        raise InputError(f"{option} {folder}: not a folder of JSON reports")
    return folder
