"""A scan, once its request is valid: collect → checks → baseline → write → summary.

The baseline and the config are read first: a bad file must not cost a cluster scan. The
inventory is dropped as soon as the report exists, so the writers reuse its memory (the peak is
the larger of the two, not their sum: ~250 MB at 20,000 pods). `benchmarks/run.py` times the
stages by wrapping `api.collect`, `api.run_checks`, `report_files.write_reports` and
`terminal.print_summary`, so they are called through their modules.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TextIO

from k8saudit import api
from k8saudit.cli import report_files, scan_events, scan_metrics
from k8saudit.cli.scan_request import ScanRequest
from k8saudit.cli.source import Source, collect
from k8saudit.engine.config import AuditConfig, load_config
from k8saudit.model.findings import Report
from k8saudit.model.inventory import Inventory
from k8saudit.model.kinds import KINDS
from k8saudit.output import history, terminal
from k8saudit.output.diff import compare, load_report
from k8saudit.runtime import log
from k8saudit.sources.live import NEVER_LISTED


@dataclass(frozen=True)
class ScanOutcome:
    """What a finished scan leaves for the exit code and the last event."""

    report: Report
    #: What was written: file paths, a run folder with --timestamped, `-` for stdout.
    written: list[str]


def run_scan(request: ScanRequest) -> ScanOutcome:
    """Run the scan `request` asks for and write its reports; the exit code is `exit_policy`'s."""
    previous = load_report(request.baseline) if request.baseline is not None else None
    config = load_config(request.config) if request.config is not None else None
    report_files.preflight_outputs(request.formats, request.output_dir, request.output, timestamped=request.timestamped)
    human = not request.quiet and not log.current().enabled  # a progress display and the summary
    started = phase = time.perf_counter()
    inventory = _collect(request.source, request.terminal, progress=human)
    scan_events.collected(inventory, scan_events.elapsed_ms(phase))
    phase = time.perf_counter()
    report = api.run_checks(inventory, _scan_options(request, config))
    del inventory  # the writers reuse its memory (see above)
    scan_events.checked(report, scan_events.elapsed_ms(phase))
    if request.metrics.cluster_name is not None:
        report.cluster.name = request.metrics.cluster_name
    if previous is not None:
        report.sinceLastScan = compare(previous, report, baseline_file=str(request.baseline), full=False)
    if request.history_folders:  # before this run is written: its own folder is not yet among them
        report.history = history.history(report, history.report_files(request.history_folders))
    duration = time.perf_counter() - started  # collect and checks: the metrics' scan duration
    written = report_files.write_reports(
        report,
        request.formats,
        request.output_dir,
        request.output,
        timestamped=request.timestamped,
        keep=request.keep,
        metrics=request.metrics.options(duration),
    )
    scan_metrics.push_report(report, request.metrics, duration)  # after the reports: a push never costs one
    if human:
        terminal.print_summary(report, request.terminal, since=report.sinceLastScan, written=written)
    return ScanOutcome(report=report, written=written)


def _collect(source: Source, stream: TextIO, *, progress: bool) -> Inventory:
    """The source's inventory; a live one with a progress display on `stream` when `progress`."""
    if source.live is None or not progress:
        return collect(source)
    total = sum(1 for k in KINDS if k.kind not in NEVER_LISTED)
    with terminal.collect_progress(stream, total=total) as on_progress:
        live = source.live if on_progress is None else dataclasses.replace(source.live, on_progress=on_progress)
        return api.collect(live=live)


def _scan_options(request: ScanRequest, config: AuditConfig | None) -> api.ScanOptions:
    return api.ScanOptions(
        annotation_exemptions=request.annotation_exemptions,
        config=config,
        default_exemptions=request.default_exemptions,
    )
