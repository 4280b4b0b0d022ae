"""`k8saudit scan --context a --context b …` and `--all-contexts`: several clusters in one run.

Each cluster is one scan as `scan --context X` runs it (`scan_run.run_scan`: collect → checks →
write), into its own folder: `--output-dir DIR` → `DIR/<context>/report.*` (`--timestamped`:
`DIR/<context>/<UTC time>/`), the folder named by `context_folders`. Then the fleet report of
them all: `DIR/fleet.html`, `fleet.md`, `fleet.json` (`k8saudit.output.fleet`), with each
cluster's trend from the reports its folder already held.

Bounded and isolated: at most `--cluster-workers` clusters are read at once, each in a thread
of its own (the work is mostly waiting on the network; one process, so the models and templates
are loaded once). A cluster holds its inventory only until its report exists and its report
only until its files are written: what stays is a digest of a few numbers, so memory grows with
the workers, not with the clusters. One cluster never blocks or fails the others:

- its errors (unreachable, credentials refused, a bad context, even a bug) become its row, with
  the one line a single scan would have printed;
- its reading has a time limit, `--cluster-timeout` (default 300 s): every request's timeout and
  every wait before a retry is cut to what is left, and once nothing is left it stops
  (`ScanTimeout`), its row says so, and its worker takes the next cluster;
- what no request timeout can end (a kubeconfig's credential plugin waiting for a login, a DNS
  lookup that hangs) is given up by the main thread a grace period after the limit: the row says
  it timed out and the next cluster starts; the thread is left behind as a daemon and dies with
  the process.

Exit code, for the whole run: 1 when `--fail-on` is given and a scanned cluster has a failing
finding at or above it; otherwise 3 when a cluster could not be scanned (unreachable, refused,
timed out, an unusable context): its reports are missing, so the run cannot say it is clean;
otherwise 0. An internal error in one cluster's scan (a bug) is 4, whatever the others found.
Every cluster that could be read has its reports and its row either way. Option conflicts
(`--output`, `--baseline`, a source other than live clusters, an unknown context) are exit 2
before any cluster is read.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from k8saudit import __version__
from k8saudit.cli import scan_metrics, scan_run
from k8saudit.cli.context_folders import folder_names
from k8saudit.cli.fleet import now, warn, write_fleet
from k8saudit.cli.lines import EXIT_INTERNAL, one_line
from k8saudit.cli.scan_request import ScanRequest
from k8saudit.cli.source import Source
from k8saudit.model.findings import Severity
from k8saudit.model.fleet import ClusterStatus, FleetReport, ReportDigest, failing_at
from k8saudit.output import fleet as merge
from k8saudit.output.fleet_render import FORMATS as FLEET_FORMATS
from k8saudit.output.terminal import counted
from k8saudit.runtime import gcpause, log, reportdir
from k8saudit.runtime.errors import EXIT_CLUSTER, EXIT_FINDINGS, EXIT_OK, AuditError, InputError
from k8saudit.runtime.files import preflight
from k8saudit.sources.live import LiveOptions, ScanTimeout, kubeconfig_contexts

DEFAULT_CLUSTER_WORKERS = 4
DEFAULT_CLUSTER_TIMEOUT = 300.0


def grace_after(limit: float) -> float:
    """How long past its time limit a cluster's thread is waited for before it is given up: enough
    to run the checks and write the reports of a large cluster read just in time."""
    return min(60.0, max(5.0, limit / 2))


def refuse_conflicts(
    *,
    snapshot: Path | None,
    manifests: Sequence[Path] | None,
    demo: bool,
    output: str | None,
    baseline: Path | None,
    in_cluster: bool | None,
    contexts: Sequence[str],
    all_contexts: bool,
    cluster_name: str | None = None,
    history: Path | None = None,
) -> None:
    """The options that make no sense for several clusters: one line each, exit 2."""
    many = "--all-contexts" if all_contexts else "several --context"
    if all_contexts and contexts:
        raise InputError("give --all-contexts or --context NAME (repeatable), not both")
    if snapshot is not None or manifests or demo:
        raise InputError(f"{many} reads live clusters: it cannot be used with --snapshot, --manifests or --demo")
    if output is not None:
        raise InputError(f"{many} writes a report set per cluster under --output-dir: it cannot be used with --output")
    if baseline is not None:
        raise InputError(
            f"--baseline compares one cluster with one earlier report: scan the clusters one at a time, or use "
            f"--timestamped (each cluster's earlier runs give its trend in the fleet report) ({many})"
        )
    if in_cluster:
        raise InputError(f"{many} reads kubeconfig contexts: it cannot be used with --in-cluster")
    if cluster_name is not None:
        raise InputError(f"--cluster-name names one cluster: with {many} each cluster is named by its context")
    if history is not None:
        raise InputError(
            f"--history holds one cluster's earlier reports: with {many} use --timestamped (each cluster's folder "
            "keeps its runs, and its reports and the fleet report show their history)"
        )


def choose_contexts(kubeconfig: Path | None, contexts: Sequence[str], all_contexts: bool) -> list[str]:
    """The contexts to scan: every one of the kubeconfig's, or those given, each checked to exist."""
    available, label = kubeconfig_contexts(kubeconfig)
    if all_contexts:
        if not available:
            raise InputError(f"{label} has no contexts: nothing to scan with --all-contexts")
        return available
    unknown = [c for c in contexts if c not in available]
    if unknown:
        names = ", ".join(repr(c) for c in unknown)
        raise InputError(f"no context {names} in {label}; available: {', '.join(available) or 'none'}")
    return list(contexts)


# --- one cluster --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    context: str
    folder: Path


@dataclass
class ClusterResult:
    """How one cluster's scan ended: a digest of its report, or why there is none."""

    job: Job
    status: ClusterStatus
    digest: ReportDigest | None = None
    #: What was written: report files, or the run folder with --timestamped.
    written: list[str] = field(default_factory=list)
    error: str | None = None
    exit_code: int = EXIT_OK
    #: The cluster's earlier reports found in its folder (its trend), and those left out.
    earlier: merge.Inputs = field(default_factory=merge.Inputs)
    seconds: float = 0.0


def earlier_reports(job: Job, timestamped: bool) -> merge.Inputs:
    """The reports a cluster's folder already holds, read before this scan writes over them."""
    found = merge.Inputs()
    if timestamped:
        paths = [run / merge.REPORT_FILE for run in reportdir.runs(job.folder)]
    else:
        paths = [job.folder / merge.REPORT_FILE]
    for path in (p for p in paths if p.is_file()):
        try:
            digest = merge.read_digest(path)
        except merge.Unusable as why:
            found.left_out(path, f"an earlier report of {job.context}: {why}")
            continue
        name, _ = merge.cluster_name(digest, path)
        if name != job.context:
            found.left_out(path, f"a report of {name}, not of {job.context}: left out of its trend")
            continue
        # Without --timestamped this file is about to be replaced: the run stays, its file does not.
        found.entries.append(merge.Entry(digest, path if timestamped else None))
    return found


def scan_cluster(job: Job, request: ScanRequest, live: LiveOptions) -> ClusterResult:
    """Scan one cluster into its folder; every failure becomes the result, never an exception."""
    started = time.monotonic()
    with log.bound(cluster=job.context):
        earlier = earlier_reports(job, request.timestamped)
        one = dataclasses.replace(
            request, source=Source(live=dataclasses.replace(live, context=job.context)), output_dir=job.folder
        )
        result = ClusterResult(job, ClusterStatus.SCANNED, earlier=earlier)
        try:
            outcome = scan_run.run_scan(one)
        except Exception as exc:
            _failed(result, exc)
            scan_metrics.push_failure(request.metrics, job.context)  # with --pushgateway: this cluster's group
        else:
            result.digest = ReportDigest.of(outcome.report)
            result.written = outcome.written
            del outcome  # the report goes now: what stays of a cluster is its digest
        result.seconds = time.monotonic() - started
        return result


def _failed(result: ClusterResult, exc: Exception) -> None:
    if isinstance(exc, ScanTimeout):
        result.status, result.error, result.exit_code = ClusterStatus.TIMED_OUT, str(exc), exc.exit_code
    elif isinstance(exc, AuditError):
        result.status, result.error, result.exit_code = ClusterStatus.FAILED, str(exc), exc.exit_code
    else:  # a bug in one cluster's scan must not end the others'
        result.status, result.exit_code = ClusterStatus.FAILED, EXIT_INTERNAL
        result.error = f"internal error: {type(exc).__name__}: {one_line(str(exc))[:300]} (please report it)"


# --- all of them, bounded -----------------------------------------------------------------------


def run_bounded(
    jobs: Sequence[Job],
    work: Callable[[Job, float], ClusterResult],
    *,
    workers: int,
    limit: float,
    on_result: Callable[[ClusterResult], None],
) -> list[ClusterResult]:
    """Run `work(job, deadline)` for every job, at most `workers` at once, each in a daemon thread;
    a job still running `grace_after(limit)` past its deadline is given up (see the module's
    docstring). Results in the jobs' order; `on_result` is called on this thread as each ends."""
    results: queue.SimpleQueue[tuple[str, ClusterResult]] = queue.SimpleQueue()
    pending = list(jobs)
    running: dict[str, tuple[Job, float]] = {}  # context -> (job, when it is given up)
    done: dict[str, ClusterResult] = {}

    def start(job: Job) -> None:
        deadline = time.monotonic() + limit
        running[job.context] = (job, deadline + grace_after(limit))

        def target() -> None:
            try:
                result = work(job, deadline)
            except BaseException as exc:  # `work` catches what it can; this is the last net
                result = ClusterResult(job, ClusterStatus.FAILED, error=f"internal error: {exc!r}", exit_code=4)
            results.put((job.context, result))

        threading.Thread(target=target, name=f"k8saudit-cluster-{len(done) + len(running)}", daemon=True).start()

    def finish(result: ClusterResult) -> None:
        done[result.job.context] = result
        on_result(result)

    while pending or running:
        while pending and len(running) < workers:
            start(pending.pop(0))
        wait = min(given_up for _job, given_up in running.values()) - time.monotonic()
        try:
            context, result = results.get(timeout=max(0.0, wait))
        except queue.Empty:
            now_ = time.monotonic()
            for context, (job, given_up) in list(running.items()):
                if given_up <= now_:
                    del running[context]
                    finish(abandoned(job, limit))
            continue
        if context in running:  # a thread given up that ends later is ignored: its row is written
            del running[context]
            finish(result)
    return [done[job.context] for job in jobs]


def abandoned(job: Job, limit: float) -> ClusterResult:
    error = (
        f"gave up on context {job.context}: still not done {limit + grace_after(limit):g} s after it started "
        f"(--cluster-timeout {limit:g} s); something no request timeout ends was waiting (a credential plugin "
        "asking for a login, a DNS lookup)"
    )
    return ClusterResult(job, ClusterStatus.TIMED_OUT, error=error, exit_code=EXIT_CLUSTER, seconds=limit)


# --- the run ------------------------------------------------------------------------------------


def exit_code(results: Sequence[ClusterResult], fail_on: Severity | None) -> int:
    """The run's exit code (see the module's docstring)."""
    if any(r.exit_code == EXIT_INTERNAL for r in results):
        return EXIT_INTERNAL
    if fail_on is not None and any(r.digest is not None and failing_at(r.digest.counts, fail_on) for r in results):
        return EXIT_FINDINGS
    return EXIT_CLUSTER if any(r.digest is None for r in results) else EXIT_OK


def fleet_of(results: Sequence[ClusterResult], request: ScanRequest) -> FleetReport:
    """The fleet report of this run: each scanned cluster with its earlier runs, the others' rows."""
    inputs = merge.Inputs()
    not_scanned: list[merge.NotScanned] = []
    for r in results:
        inputs.problems.extend(r.earlier.problems)
        if r.digest is None:
            not_scanned.append(
                merge.NotScanned(r.job.context, r.job.context, r.status, r.error or "", tuple(r.earlier.entries))
            )
            continue
        inputs.entries.extend(r.earlier.entries)
        inputs.entries.append(merge.Entry(r.digest, *_report_files(r)))
    return merge.build(
        inputs, base=request.output_dir, tool=f"k8saudit {__version__}", generated_at=now(), not_scanned=not_scanned
    )


def _report_files(result: ClusterResult) -> tuple[Path | None, tuple[Path, ...]]:
    """(its JSON report, the files of its set) from what a cluster's scan wrote."""
    written = [Path(p) for p in result.written]
    if len(written) == 1 and written[0].is_dir():  # --timestamped: the run folder
        written = sorted(p for p in written[0].iterdir() if p.name.startswith("report."))
    json = next((p for p in written if p.name == merge.REPORT_FILE), None)
    return json, tuple(written)


def _line(result: ClusterResult, index: int, total: int, stream: TextIO) -> None:
    where = f"[{index}/{total}] {one_line(result.job.context)}"
    took = f"({result.seconds:.1f} s)"
    d = result.digest
    if d is None:
        what = "timed out" if result.status is ClusterStatus.TIMED_OUT else "not scanned"
        print(f"  {where}: {what}: {one_line(result.error or '')} {took}", file=stream, flush=True)
        return
    score = f"{d.score:.1f}" if d.score is not None else "n/a"
    counts = ", ".join(f"{d.counts.get(s, 0)} {s}" for s in ("critical", "high"))
    errors = d.read_errors()
    partial = f", partial: {len(errors)} inputs not read ({one_line(errors[0])})" if errors else ""
    print(
        f"  {where}: grade {d.grade}, score {score}, coverage {d.coverage.ratio:.0%}{partial}, {counts} "
        f"→ {result.job.folder} {took}",
        file=stream,
        flush=True,
    )


def _event(result: ClusterResult) -> None:
    d = result.digest
    log.event(
        "cluster",
        "info" if d is not None else "error",
        cluster=result.job.context,
        status=result.status.value,
        score=d.score if d else None,
        grade=d.grade if d else None,
        coverage=round(d.coverage.ratio, 3) if d else None,
        failing=dict(d.counts) if d else None,
        readErrors=(d.read_errors() or None) if d else None,
        reports=result.written or None,
        error=result.error,
        exit=result.exit_code if d is None else None,
        ms=round(result.seconds * 1000),
    )


def scan_clusters(
    request: ScanRequest,
    *,
    contexts: Sequence[str],
    all_contexts: bool,
    kubeconfig: Path | None,
    workers: int | None,
    cluster_timeout: float | None,
    started: float,
) -> int:
    """Scan the clusters, write each one's reports and the fleet report; the run's exit code."""
    live = request.source.live or LiveOptions()
    chosen = choose_contexts(kubeconfig, contexts, all_contexts)
    if request.config is not None:
        from k8saudit.engine.config import load_config

        load_config(request.config)  # a bad config is one line now, not one per cluster
    fleet_formats = tuple(f.name for f in request.formats if f.name in FLEET_FORMATS) or ("json",)
    from k8saudit.output.fleet_render import FILE_NAMES

    for fmt in fleet_formats:
        preflight(request.output_dir / FILE_NAMES[fmt])
    folders = folder_names(chosen)
    jobs = [Job(c, request.output_dir / folders[c]) for c in chosen]
    limit = DEFAULT_CLUSTER_TIMEOUT if cluster_timeout is None else cluster_timeout
    width = DEFAULT_CLUSTER_WORKERS if workers is None else workers
    human = not request.quiet and not log.current().enabled
    stream = request.terminal
    quiet_one = dataclasses.replace(request, quiet=True)  # no progress display or summary per cluster
    if human:
        at_once = min(width, len(jobs))
        print(f"Scanning {counted(len(jobs), 'cluster')}, {at_once} at a time:", file=stream, flush=True)
    log.event("clusters", contexts=chosen, workers=width, timeout=limit)
    finished = [0]

    def on_result(result: ClusterResult) -> None:
        finished[0] += 1
        _event(result)
        if human:
            _line(result, finished[0], len(jobs), stream)
        if finished[0] % width == 0:  # once per `width` clusters: what other threads' freezes kept
            gcpause.reclaim()

    def work(job: Job, deadline: float) -> ClusterResult:
        return scan_cluster(job, quiet_one, dataclasses.replace(live, deadline=deadline, time_limit=limit))

    results = run_bounded(jobs, work, workers=width, limit=limit, on_result=on_result)
    report = fleet_of(results, request)
    warn(report, merge.folder_name_notes(report))
    written = write_fleet(report, fleet_formats, request.output_dir, None)
    code = exit_code(results, request.fail_on)
    totals = report.totals
    if human:
        missing = f", {totals.notScanned} not scanned" if totals.notScanned else ""
        print(f"Fleet: {counted(totals.clusters, 'cluster')}{missing}; written: {', '.join(written)}", file=stream)
    log.event(
        "fleet",
        clusters=totals.clusters,
        scanned=totals.scanned,
        notScanned=totals.notScanned,
        reports=written,
        exit=code,
        ms=round((time.perf_counter() - started) * 1000),
    )
    return code
