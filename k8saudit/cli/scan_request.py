"""A scan as asked for: the `scan` options checked against each other, in one place.

`ScanRequest.from_options` is where every cross-check of the options lives, each failing with the
one-line InputError the CLI prints (exit 2); what it returns holds only decided values (the
source, the formats, the threshold), so `run_scan` and the exit policy decide nothing again.
Nothing is read here: the baseline and the config are loaded by the run, before collecting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from k8saudit.cli.options import SCAN_DEFAULT_FORMATS
from k8saudit.cli.report_files import chosen_formats, terminal_for
from k8saudit.cli.scan_metrics import MetricsRequest
from k8saudit.cli.source import Source, choose_source
from k8saudit.model.findings import Severity
from k8saudit.output.formats import ReportFormat
from k8saudit.output.history import check_folder
from k8saudit.runtime.errors import InputError
from k8saudit.sources.live import LiveOptions


@dataclass(frozen=True)
class ScanRequest:
    """What to read, what to write, and what fails the run; validated by `from_options`."""

    source: Source
    formats: tuple[ReportFormat, ...]
    output_dir: Path
    #: The one report's file, `-` (or another name of standard output) for stdout; None: `output_dir`.
    output: str | None = None
    timestamped: bool = False
    #: Run folders kept with `timestamped` (None: the default, 10).
    keep: int | None = None
    #: A previous JSON report to compare with (`sinceLastScan`).
    baseline: Path | None = None
    #: The audit config file (k8saudit.yaml).
    config: Path | None = None
    annotation_exemptions: bool = True
    default_exemptions: bool = True
    #: Exit 1 for a failing finding at or above this severity (None: never, unless `fail_on_new`).
    fail_on: Severity | None = None
    #: Judge only the findings new since `baseline` (every severity when `fail_on` is None).
    fail_on_new: bool = False
    quiet: bool = False
    #: The Prometheus side: --pushgateway, --cluster-name, --metrics-per-namespace.
    metrics: MetricsRequest = field(default_factory=MetricsRequest)
    #: A folder of earlier JSON reports for the history (`--history`).
    history: Path | None = None

    @property
    def history_folders(self) -> list[Path]:
        """Where the earlier scans are: --history, and the --timestamped run folders."""
        return [*([self.history] if self.history is not None else []), *([self.output_dir] if self.timestamped else [])]

    @classmethod
    def from_options(
        cls,
        *,
        snapshot: Path | None = None,
        manifests: Sequence[Path] | None = None,
        demo: bool = False,
        live: LiveOptions | None = None,
        formats: Sequence[str] | None = None,
        output_dir: Path = Path("k8saudit-report"),
        output: str | None = None,
        timestamped: bool = False,
        keep: int | None = None,
        baseline: Path | None = None,
        config: Path | None = None,
        annotation_exemptions: bool = True,
        default_exemptions: bool = True,
        fail_on: str = "none",
        fail_on_new: bool = False,
        quiet: bool = False,
        pushgateway: str | None = None,
        cluster_name: str | None = None,
        metrics_per_namespace: bool = False,
        history: Path | None = None,
    ) -> ScanRequest:
        """The request the options ask for (named and valued as the CLI's, the `no-` flags turned
        around; `fail_on` a severity or `none`), or the InputError of the first conflict."""
        source = choose_source(snapshot=snapshot, manifests=manifests, demo=demo, live=live or LiveOptions())
        if keep is not None and not timestamped:
            raise InputError("--keep applies to --timestamped report folders: add --timestamped")
        if timestamped and output is not None:
            raise InputError("--timestamped writes report folders under --output-dir: it cannot be used with --output")
        if fail_on_new and baseline is None:
            raise InputError("--fail-on-new compares with a previous report: add --baseline OLD.json")
        chosen = chosen_formats(formats, SCAN_DEFAULT_FORMATS, output, example="json")
        metrics = MetricsRequest.from_options(
            pushgateway=pushgateway,
            cluster_name=cluster_name,
            per_namespace=metrics_per_namespace,
            prom_format=any(f.name == "prom" for f in chosen),
        )
        return cls(
            source=source,
            formats=chosen,
            output_dir=output_dir,
            output=output,
            timestamped=timestamped,
            keep=keep,
            baseline=baseline,
            config=config,
            annotation_exemptions=annotation_exemptions,
            default_exemptions=default_exemptions,
            fail_on=None if fail_on == "none" else Severity(fail_on),
            fail_on_new=fail_on_new,
            quiet=quiet,
            metrics=metrics,
            history=check_folder(history) if history is not None else None,
        )

    @property
    def terminal(self) -> TextIO:
        """Where the summary and the progress go: stdout, or stderr when the report goes to stdout."""
        return terminal_for(self.output)
