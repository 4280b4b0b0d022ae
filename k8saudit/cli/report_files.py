"""Where `scan` and `report` put their reports: files in --output-dir, a --timestamped run
folder, the one file of --output, or standard output.

Imported inside the commands, not with the CLI: it loads the models. `benchmarks/run.py` times
`write_reports` and `k8saudit.output.render`'s functions, so both are called through their modules.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from k8saudit.cli.scan_events import elapsed_ms
from k8saudit.model.findings import Report
from k8saudit.output import render
from k8saudit.output.formats import ReportFormat, by_name
from k8saudit.output.metrics import MetricsOptions, exposition
from k8saudit.runtime import lifecycle, log, reportdir
from k8saudit.runtime.errors import InputError
from k8saudit.runtime.files import preflight, write_atomic, write_atomic_set

#: `--output` values that are this process's standard output: the terminal summary then goes to stderr.
STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


def is_stdout(output: str | None) -> bool:
    return output in STDOUT_NAMES


def terminal_for(output: str | None) -> TextIO:
    """Where the terminal summary, the progress and the JSON events go: standard output, unless
    the report itself does."""
    return sys.stderr if is_stdout(output) else sys.stdout


def chosen_formats(
    names: Sequence[str] | None, default: Sequence[str], output: str | None, *, example: str
) -> tuple[ReportFormat, ...]:
    """The formats asked for (`default` when none), and one only with --output."""
    chosen = tuple(by_name(name) for name in (names or default))
    if output is not None and len(chosen) != 1:
        raise InputError(f"--output writes one report: give exactly one --format (for example --format {example})")
    return chosen


def preflight_outputs(
    formats: Sequence[ReportFormat], output_dir: Path, output: str | None, *, timestamped: bool
) -> None:
    """Refuse an output that cannot be written before reading anything (a socket, a folder as
    `-o`, a `latest` k8saudit did not make): one line now rather than after a whole scan."""
    if output == "-":
        return
    if output is not None:
        preflight(Path(output))
        return
    _check_output_dir(output_dir)
    if timestamped:
        reportdir.check_root(output_dir)
    else:
        for fmt in formats:
            preflight(output_dir / fmt.file_name)


def _check_output_dir(output_dir: Path) -> None:
    """`-d` names a folder (made if missing): a file there, or on the way to it, is a mistake the
    person fixes on the command line, so say which option and what it wants."""
    existing = output_dir
    while not existing.exists() and not existing.is_symlink() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        what = "is a file" if existing == output_dir else f"cannot be made: {existing} is a file"
        raise InputError(
            f"--output-dir {output_dir} {what}, not a folder; give a folder for the report.<format> files "
            "(made if missing), or --output FILE for one report"
        )


def write_reports(
    report: Report,
    formats: Sequence[ReportFormat],
    output_dir: Path,
    output: str | None,
    *,
    timestamped: bool = False,
    keep: int | None = None,
    metrics: MetricsOptions | None = None,
) -> list[str]:
    """Render and write every format (SIGTERM waits for the writing: see lifecycle.py).

    Each file is streamed from its renderer into a temporary file and renamed only once the whole
    set is on disk, so no report is ever held whole in memory (20,000 pods: ~110 MB of text) and
    a failure still leaves the previous set. Standard output gets the one report rendered first.
    Returns what was written: file paths, a run folder with --timestamped, `-` for stdout.
    `metrics` are the options of the `prom` format a scan knows beyond its report (its duration,
    --metrics-per-namespace); without them it writes what the report alone gives.
    """
    phase = time.perf_counter()
    chosen = list(dict.fromkeys(formats[:1] if output is not None else formats))  # `-f md -f md`: one report.md
    if output == "-":
        written = _to_stdout(report, chosen[0], metrics)
    else:
        written = _to_files(report, chosen, output_dir, output, timestamped=timestamped, keep=keep, metrics=metrics)
    log.event("write", formats=[fmt.name for fmt in chosen], written=written, ms=elapsed_ms(phase))
    return written


def _scan_metrics(report: Report, fmt: ReportFormat, metrics: MetricsOptions | None) -> bytes | None:
    """For `prom` with a scan's options: the metrics as the scan knows them (a few KB); else None."""
    return exposition(report, metrics) if fmt.name == "prom" and metrics is not None else None


def _writer(report: Report, fmt: ReportFormat, metrics: MetricsOptions | None) -> bytes | Callable[[BinaryIO], object]:
    """What `write_atomic` and `reportdir.write_run` take: `render.writer`, or the scan's metrics."""
    data = _scan_metrics(report, fmt, metrics)
    return data if data is not None else render.writer(report, fmt.name)


def _to_stdout(report: Report, fmt: ReportFormat, metrics: MetricsOptions | None) -> list[str]:
    data = _scan_metrics(report, fmt, metrics)
    text = data.decode() if data is not None else render.render(report, fmt.name)  # whole before any is printed
    with lifecycle.critical():
        sys.stdout.write(text)
        sys.stdout.flush()
    return ["-"]


def _to_files(
    report: Report,
    formats: Sequence[ReportFormat],
    output_dir: Path,
    output: str | None,
    *,
    timestamped: bool,
    keep: int | None,
    metrics: MetricsOptions | None,
) -> list[str]:
    writers = {fmt.file_name: _writer(report, fmt, metrics) for fmt in formats}
    with lifecycle.critical():
        if output is not None:
            (write,) = writers.values()
            write_atomic(Path(output), write, mode=0o600)
            return [output]
        if timestamped:
            try:
                run = reportdir.write_run(output_dir, writers, keep=10 if keep is None else keep)
            except OSError as exc:  # a full disk, a read-only volume: one line, the old runs untouched
                raise InputError(f"cannot write a report folder under {output_dir}: {exc.strerror or exc}") from None
            return [str(run)]
        # every format written in full before any replaces the previous one: a failure leaves the old set
        paths = {output_dir / name: write for name, write in writers.items()}
        write_atomic_set(paths, mode=0o600)
        return [str(path) for path in paths]
