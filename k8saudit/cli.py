"""Command line: `k8saudit scan | collect | diff | who-can | checks | explain`.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,
3 cannot reach or authenticate to the cluster, 4 internal error (a bug: please report it).
Every error is one line on stderr; set K8SAUDIT_DEBUG=1 for a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from k8saudit import __version__
from k8saudit.runtime import log
from k8saudit.runtime.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, AuditError, InputError
from k8saudit.runtime.log import LogFormat

EXIT_INTERNAL = 4

app = typer.Typer(
    name="k8saudit",
    help="Audit a Kubernetes cluster against the NSA/CISA Kubernetes Hardening Guidance.\n\n"
    "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error, "
    "3 cluster unreachable or unauthorised, 4 internal error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class FailOn(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"
    none = "none"


class OutFormat(StrEnum):
    html = "html"
    md = "md"
    json = "json"
    sarif = "sarif"
    junit = "junit"


class DiffFormat(StrEnum):
    table = "table"
    md = "md"
    json = "json"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


def _version(value: bool) -> None:
    if value:
        print(f"k8saudit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Audit a Kubernetes cluster against the NSA/CISA Kubernetes Hardening Guidance."""


# Options shared by the commands that read a live cluster.
KubeconfigOpt = Annotated[
    Path | None, typer.Option("--kubeconfig", help="Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).")
]
ContextOpt = Annotated[str | None, typer.Option("--context", help="Kubeconfig context (default: current).")]
InClusterOpt = Annotated[
    bool | None,
    typer.Option(
        "--in-cluster/--no-in-cluster",
        help="Use the pod's service account (default: when running in a pod with no kubeconfig).",
    ),
]
KubeletOpt = Annotated[
    bool,
    typer.Option(
        "--kubelet-config",
        help="Also read each node's kubelet settings (GET nodes/proxy/configz). Needs `get nodes/proxy`, "
        "a powerful permission that also allows exec into every pod on the node; off by default.",
    ),
]
PageSizeOpt = Annotated[int, typer.Option("--page-size", min=1, max=10000, help="Objects per list page.")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per API request.")]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--retries",
        min=0,
        max=20,
        help="Further attempts of one API request after 429, 5xx, a timeout or a dropped connection "
        "(with backoff; Retry-After honoured, each wait capped at 10 s).",
    ),
]
WorkersOpt = Annotated[
    int, typer.Option("--workers", min=1, max=32, help="Kinds listed concurrently (each list is paged in order).")
]
SecretMetadataOpt = Annotated[
    bool,
    typer.Option(
        "--secret-metadata",
        help="Also list Secrets as metadata only (PartialObjectMetadataList) to find legacy service-account "
        "token Secrets. Needs `list secrets`, which RBAC cannot limit to metadata; no Secret data is read or kept. "
        "Off by default.",
    ),
]


def _live_options(
    kubeconfig: Path | None,
    context: str | None,
    in_cluster: bool | None,
    kubelet: bool,
    page_size: int,
    timeout: float,
    workers: int = 4,
    secret_metadata: bool = False,
    retries: int = 4,
) -> object:
    from k8saudit.sources.live import LiveOptions

    return LiveOptions(
        kubeconfig=kubeconfig,
        context=context,
        in_cluster=in_cluster,
        kubelet_config=kubelet,
        page_size=page_size,
        timeout=timeout,
        workers=workers,
        secret_metadata=secret_metadata,
        retries=retries,
    )


@app.command()
def scan(
    ctx: typer.Context,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            "--snapshot", help="Audit a snapshot file (from `k8saudit collect` or `kubectl get ... -o json`)."
        ),
    ] = None,
    manifests: Annotated[
        list[Path] | None,
        typer.Option("--manifests", help="Audit manifest files or folders (YAML/JSON, multi-document). Repeatable."),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Audit the demo cluster snapshot shipped with k8saudit (no cluster needed).")
    ] = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    in_cluster: InClusterOpt = None,
    kubelet_config: KubeletOpt = False,
    secret_metadata: SecretMetadataOpt = False,
    page_size: PageSizeOpt = 500,
    timeout: TimeoutOpt = 30.0,
    retries: RetriesOpt = 4,
    workers: WorkersOpt = 4,
    formats: Annotated[
        list[OutFormat] | None,
        typer.Option(
            "--format",
            "-f",
            help="Report format: html, md, json, sarif (code scanning) or junit (CI test results); "
            "repeatable (default: html, md and json). Files are report.html, .md, .json, .sarif, .junit.xml.",
        ),
    ] = None,
    output_dir: Annotated[Path, typer.Option("--output-dir", "-d", help="Folder for report.<format> files.")] = Path(
        "k8saudit-report"
    ),
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the one --format to this file, or `-` for stdout.")
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when a failing finding has this severity or higher.")
    ] = FailOn.none,
    no_annotation_exemptions: Annotated[
        bool, typer.Option("--no-annotation-exemptions", help="Ignore k8saudit.io/exempt annotations on objects.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Audit config (k8saudit.yaml): exemptions with reason, owner and expiry, severity overrides, "
            "namespace scope, image registry allow-list.",
        ),
    ] = None,
    no_default_exemptions: Annotated[
        bool,
        typer.Option(
            "--no-default-exemptions",
            help="Do not apply the documented default exemptions (control-plane static pods).",
        ),
    ] = False,
    timestamped: Annotated[
        bool,
        typer.Option(
            "--timestamped",
            help="Write each run into --output-dir/<UTC time>/ and point --output-dir/latest at it "
            "(each run complete or absent; for a CronJob's report volume).",
        ),
    ] = False,
    keep: Annotated[
        int | None,
        typer.Option("--keep", min=0, help="With --timestamped: keep the newest N runs (0: all; default 10)."),
    ] = None,
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            envvar="K8SAUDIT_LOG_FORMAT",
            help="human: the terminal summary; json: one JSON event per line on stdout (stderr with -o -), "
            "the summary as the last; auto: json unless stdout is a terminal (the container image's default).",
        ),
    ] = LogFormat.human,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="A previous JSON report: every report gets a 'since last scan' section (new, resolved, "
            "still failing, score change).",
        ),
    ] = None,
    fail_on_new: Annotated[
        bool,
        typer.Option(
            "--fail-on-new",
            help="With --baseline: exit 1 only for findings that are new since it, at or above --fail-on "
            "(any severity when --fail-on is not given).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No terminal summary and no progress display.")] = False,
) -> None:
    """Audit a cluster (live by default), a snapshot or manifests, and write reports."""
    from k8saudit import api
    from k8saudit.model.findings import Severity, Status
    from k8saudit.output.terminal import collect_progress, print_summary

    started = time.perf_counter()
    events = log.configure(log_format, stream=sys.stderr if _is_stdout(output) else sys.stdout, quiet=quiet)
    ctx.call_on_close(log.reset)
    source = "demo" if demo else "snapshot" if snapshot else "manifests" if manifests else "live"
    events.event("start", version=__version__, command="scan", source=source)
    if sum((snapshot is not None, bool(manifests), demo)) > 1:
        raise InputError("give only one of --snapshot, --manifests or --demo")
    if keep is not None and not timestamped:
        raise InputError("--keep applies to --timestamped report folders: add --timestamped")
    if timestamped and output is not None:
        raise InputError("--timestamped writes report folders under --output-dir: it cannot be used with --output")
    if fail_on_new and baseline is None:
        raise InputError("--fail-on-new compares with a previous report: add --baseline OLD.json")
    previous = None
    if baseline is not None:  # read before collecting, like the config
        from k8saudit.output.diff import load_report

        previous = load_report(baseline)
    audit_config = None
    if config is not None:  # read before collecting: a bad config must not cost a cluster scan
        from k8saudit.engine.config import load_config

        audit_config = load_config(config)
    if demo:
        from k8saudit.sources.demo import snapshot_path

        snapshot = snapshot_path()
    chosen = [OutFormat(f) for f in (formats or [OutFormat.html, OutFormat.md, OutFormat.json])]
    if output is not None and len(chosen) != 1:
        raise InputError("--output writes one report: give exactly one --format (for example --format json)")
    _preflight_outputs(chosen, output_dir, output, timestamped=timestamped)
    live = (
        None
        if (snapshot or manifests)
        else _live_options(
            kubeconfig, context, in_cluster, kubelet_config, page_size, timeout, workers, secret_metadata, retries
        )
    )
    phase = time.perf_counter()
    terminal = sys.stderr if _is_stdout(output) else sys.stdout
    if live is not None and not quiet and not events.enabled:
        from k8saudit.model.kinds import KINDS
        from k8saudit.sources.live import NEVER_LISTED, LiveOptions

        assert isinstance(live, LiveOptions)
        with collect_progress(terminal, total=sum(1 for k in KINDS if k.kind not in NEVER_LISTED)) as progress:
            if progress is not None:
                live = dataclasses.replace(live, on_progress=progress)
            inventory = api.collect(live=live)
    else:
        inventory = api.collect(snapshot=snapshot, manifests=manifests, live=live)  # type: ignore[arg-type]
    log.collected(inventory, _ms(phase))
    options = api.ScanOptions(
        annotation_exemptions=not no_annotation_exemptions,
        config=audit_config,
        default_exemptions=not no_default_exemptions,
    )
    phase = time.perf_counter()
    report = api.run_checks(inventory, options)
    # The report holds everything written from here on. Freeing the inventory now lets the
    # writers reuse its memory: the peak is the larger of the two, not their sum (~250 MB at L).
    del inventory
    log.checked(report, _ms(phase))
    if previous is not None:
        from k8saudit.output.diff import compare

        report.sinceLastScan = compare(previous, report, baseline_file=str(baseline), full=False)
    written = _write_reports(report, chosen, output_dir, output, timestamped=timestamped, keep=keep)
    if not quiet and not events.enabled:
        print_summary(report, terminal, since=report.sinceLastScan)
    exit_code = EXIT_OK
    if fail_on_new and report.sinceLastScan is not None:
        from k8saudit.output.diff import new_at_or_above

        floor = None if fail_on is FailOn.none else Severity(fail_on.value)
        if new_at_or_above(report.sinceLastScan, floor):
            exit_code = EXIT_FINDINGS
    elif fail_on is not FailOn.none:
        threshold = Severity(fail_on.value).rank
        if any(f.status is Status.FAIL and f.severity.rank >= threshold for f in report.findings):
            exit_code = EXIT_FINDINGS
    log.done(report, exit_code=exit_code, written=written, ms=_ms(started))
    if exit_code != EXIT_OK:
        raise typer.Exit(exit_code)


#: `--output` values that are this process's standard output: the terminal summary then goes to stderr.
_STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


def _is_stdout(output: str | None) -> bool:
    return output in _STDOUT_NAMES


def _preflight_outputs(formats: list[OutFormat], output_dir: Path, output: str | None, *, timestamped: bool) -> None:
    """Refuse an output that cannot be written before reading anything (a socket, a folder as
    `-o`, a `latest` k8saudit did not make): one line now rather than after a whole scan."""
    from k8saudit.output.formats import by_name
    from k8saudit.runtime.files import preflight

    if output == "-":
        return
    if output is not None:
        preflight(Path(output))
    elif timestamped:
        from k8saudit.runtime.reportdir import check_root

        check_root(output_dir)
    else:
        for fmt in formats:
            preflight(output_dir / by_name(fmt.value).file_name)


def _ms(since: float) -> int:
    return round((time.perf_counter() - since) * 1000)


def _write_reports(
    report: object,
    formats: list[OutFormat],
    output_dir: Path,
    output: str | None,
    *,
    timestamped: bool = False,
    keep: int | None = None,
) -> list[str]:
    """Render and write every format (SIGTERM waits for the writing: see lifecycle.py).

    Each file is streamed from its renderer into a temporary file and renamed only once the whole
    set is on disk, so no report is ever held whole in memory (20,000 pods: ~110 MB of text) and
    a failure still leaves the previous set. Standard output gets the one report rendered first.
    Returns what was written: file paths, a run folder with --timestamped, `-` for stdout.
    """
    from k8saudit.model.findings import Report
    from k8saudit.output.formats import by_name
    from k8saudit.output.render import render, writer
    from k8saudit.runtime import lifecycle
    from k8saudit.runtime.files import write_atomic, write_atomic_set

    assert isinstance(report, Report)
    phase = time.perf_counter()
    chosen = formats[:1] if output is not None else formats
    if output == "-":
        text = render(report, chosen[0].value)  # whole before any of it is printed
        with lifecycle.critical():
            sys.stdout.write(text)
            sys.stdout.flush()
        written = ["-"]
        log.event("write", formats=[chosen[0].value], written=written, ms=_ms(phase))
        return written
    writers = {fmt: writer(report, fmt.value) for fmt in chosen}
    with lifecycle.critical():
        if output is not None:
            write_atomic(Path(output), writers[chosen[0]], mode=0o600)
            written = [output]
        elif timestamped:
            from k8saudit.runtime.reportdir import write_run

            files = {by_name(fmt.value).file_name: write for fmt, write in writers.items()}
            try:
                run = write_run(output_dir, files, keep=10 if keep is None else keep)
            except OSError as exc:  # a full disk, a read-only volume: one line, the old runs untouched
                raise InputError(f"cannot write a report folder under {output_dir}: {exc.strerror or exc}") from None
            written = [str(run)]
        else:
            # every format written in full before any replaces the previous one: a failure leaves the old set
            paths = {output_dir / by_name(fmt.value).file_name: write for fmt, write in writers.items()}
            write_atomic_set(paths, mode=0o600)
            written = [str(path) for path in paths]
    log.event("write", formats=[fmt.value for fmt in writers], written=written, ms=_ms(phase))
    return written


@app.command()
def collect(
    output: Annotated[Path, typer.Option("--output", "-o", help="Snapshot file to write.")],
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    in_cluster: InClusterOpt = None,
    kubelet_config: KubeletOpt = False,
    secret_metadata: SecretMetadataOpt = False,
    page_size: PageSizeOpt = 500,
    timeout: TimeoutOpt = 30.0,
    retries: RetriesOpt = 4,
    workers: WorkersOpt = 4,
) -> None:
    """Read a live cluster into a snapshot file (no secret values) for a later `scan --snapshot`."""
    from k8saudit.runtime import gcpause
    from k8saudit.runtime.files import preflight
    from k8saudit.sources.files import write_snapshot
    from k8saudit.sources.live import LiveOptions, collect_live

    preflight(output)  # an unwritable output is known before the cluster is read
    options = _live_options(
        kubeconfig, context, in_cluster, kubelet_config, page_size, timeout, workers, secret_metadata, retries
    )
    assert isinstance(options, LiveOptions)
    with gcpause.paused(freeze=True):  # the cyclic GC only slows collecting: see k8saudit.runtime.gcpause
        inventory = collect_live(options)
    from k8saudit.runtime import lifecycle

    with lifecycle.critical():
        write_snapshot(inventory, output)
    kinds = inventory.facts.kinds
    missing = sorted(k for k, a in kinds.items() if not a.ok)
    print(
        f"wrote {output}: {sum(1 for _ in inventory.all_objects())} objects"
        + (f"; could not read {', '.join(missing)}" if missing else ""),
        file=sys.stderr,
    )


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier JSON report (k8saudit scan --format json).")],
    new: Annotated[Path, typer.Argument(help="The later JSON report.")],
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f", help="table (terminal), md or json.")] = DiffFormat.table,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when a new finding has this severity or higher.")
    ] = FailOn.none,
) -> None:
    """What changed between two scans: new, resolved and still-failing findings, and the score."""
    from k8saudit.output.diff import compare, load_report, new_at_or_above, print_comparison, render_markdown

    comparison = compare(load_report(old), load_report(new), baseline_file=str(old))
    if fmt is DiffFormat.json:
        sys.stdout.write(comparison.model_dump_json(indent=2) + "\n")
    elif fmt is DiffFormat.md:
        sys.stdout.write(render_markdown(comparison))
    else:
        print_comparison(comparison, sys.stdout)
    if fail_on is not FailOn.none:
        from k8saudit.model.findings import Severity

        if new_at_or_above(comparison, Severity(fail_on.value)):
            raise typer.Exit(EXIT_FINDINGS)


@app.command()
def report(
    source: Annotated[Path, typer.Argument(help="A JSON report written by `k8saudit scan --format json`.")],
    formats: Annotated[
        list[OutFormat] | None,
        typer.Option("--format", "-f", help="Format to write; repeatable (default: html and md)."),
    ] = None,
    output_dir: Annotated[Path, typer.Option("--output-dir", "-d", help="Folder for report.<format> files.")] = Path(
        "k8saudit-report"
    ),
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the one --format to this file, or `-` for stdout.")
    ] = None,
) -> None:
    """Re-render a stored JSON report in other formats, without the cluster (e.g. HTML for a review)."""
    from k8saudit.output.diff import load_report

    chosen = [OutFormat(f) for f in (formats or [OutFormat.html, OutFormat.md])]
    if output is not None and len(chosen) != 1:
        raise InputError("--output writes one report: give exactly one --format (for example --format html)")
    _preflight_outputs(chosen, output_dir, output, timestamped=False)
    _write_reports(load_report(source), chosen, output_dir, output)


@app.command("who-can")
def who_can(
    verb: Annotated[str, typer.Argument(help="The verb: get, list, create, delete, impersonate, bind, * ...")],
    resource: Annotated[
        str,
        typer.Argument(
            help="RESOURCE[/SUBRESOURCE], e.g. secrets, pods/exec, deployments.apps; or a non-resource URL (/metrics)."
        ),
    ],
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="Ask in this namespace (default: cluster-wide).")
    ] = None,
    all_namespaces: Annotated[
        bool, typer.Option("--all-namespaces", "-A", help="Ask in every namespace; each grant says where.")
    ] = False,
    api_group: Annotated[
        str | None, typer.Option("--api-group", help="API group (default: from RESOURCE.GROUP or the resource).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Ask about one object by name.")] = None,
    snapshot: Annotated[Path | None, typer.Option("--snapshot", help="Answer from a snapshot file.")] = None,
    manifests: Annotated[
        list[Path] | None, typer.Option("--manifests", help="Answer from manifest files or folders. Repeatable.")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Answer from the demo cluster snapshot.")] = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    in_cluster: InClusterOpt = None,
    page_size: PageSizeOpt = 500,
    timeout: TimeoutOpt = 30.0,
    fmt: Annotated[ListFormat, typer.Option("--format", help="table or json.")] = ListFormat.table,
) -> None:
    """Which subjects may make a request, and the binding, role and rule that allow each."""
    from k8saudit import api
    from k8saudit.semantics.whocan import parse_query, render_table
    from k8saudit.semantics.whocan import who_can as answer

    query = parse_query(
        verb, resource, namespace=namespace, all_namespaces=all_namespaces, api_group=api_group, name=name
    )
    if sum((snapshot is not None, bool(manifests), demo)) > 1:
        raise InputError("give only one of --snapshot, --manifests or --demo")
    if demo:
        from k8saudit.sources.demo import snapshot_path

        snapshot = snapshot_path()
    live = (
        None if (snapshot or manifests) else _live_options(kubeconfig, context, in_cluster, False, page_size, timeout)
    )
    inventory = api.collect(snapshot=snapshot, manifests=manifests, live=live)  # type: ignore[arg-type]
    result = answer(inventory, query)
    if fmt is ListFormat.json:
        print(result.model_dump_json(indent=2))
    else:
        sys.stdout.write(render_table(result))


@app.command("checks")
def list_checks(
    fmt: Annotated[ListFormat, typer.Option("--format", help="table or json.")] = ListFormat.table,
) -> None:
    """List the check catalogue."""
    from k8saudit.checks.registry import all_checks

    infos = [c.info() for c in all_checks()]
    if fmt is ListFormat.json:
        print(json.dumps([i.model_dump(mode="json") for i in infos], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    table.add_column("ID", no_wrap=True)  # an id is copied into `explain`: never cut it
    for column in ("Severity", "Section", "Title"):
        table.add_column(column)
    for info in infos:
        table.add_row(info.id, info.severity.value, info.section.value, info.title)
    Console(highlight=False).print(table)


@app.command()
def explain(check_id: Annotated[str, typer.Argument(help="A check id, e.g. pod.privileged.")]) -> None:
    """Print one catalogue entry: what it checks, why, and how to fix it."""
    from k8saudit.checks.registry import all_checks

    checks = {c.id: c for c in all_checks()}
    chk = checks.get(check_id)
    if chk is None:
        close = [cid for cid in checks if check_id.split(".")[-1] in cid]
        hint = f" Did you mean {', '.join(close[:3])}?" if close else " Run `k8saudit checks` for the list."
        raise InputError(f"no check with id {check_id!r}.{hint}")
    info = chk.info()
    refs = "; ".join(f"{k}: {', '.join(v)}" for k, v in info.references.items() if v) or "none"
    print(
        f"{info.id}  [{info.severity.value}]  {info.title}\n"
        f"Section:     {info.section.heading}\n"
        f"Reads:       {', '.join(info.reads)}\n"
        f"References:  {refs}\n\n"
        f"Why:\n  {info.rationale}\n\n"
        f"Fix:\n  {info.remediation}"
    )


config_app = typer.Typer(help="Work with audit config files (k8saudit.yaml).", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("validate")
def config_validate(file: Annotated[Path, typer.Argument(help="The config file to check.")]) -> None:
    """Check a config file without scanning: exit 0 when valid, else one line naming the line, exit 2."""
    import datetime as dt

    from k8saudit.engine.config import load_config

    cfg = load_config(file)
    today = dt.datetime.now(dt.UTC).date()
    expired = [r.source for r in cfg.exemptions if r.expired(today)]
    print(
        f"{file}: valid ({len(cfg.exemptions)} exemptions, {len(cfg.severity)} severity overrides"
        + (f"; expired, so no longer applied: {', '.join(expired)}" if expired else "")
        + ")"
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """An error message as one printable line: a file name or a server's words may hold newlines
    or terminal escape sequences (`\\x1b[2J`); whitespace becomes a space, other control
    characters their `\\xNN` escape."""
    text = re.sub(r"[\t\n\r\v\f]+", " ", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def main() -> None:
    """Console entry point: one line per error, documented exit codes, no tracebacks."""
    from k8saudit.runtime import lifecycle

    lifecycle.install()  # SIGTERM (a Job's pod being stopped): exit 143 without a half-written report
    try:
        with log.human_warnings():  # one `k8saudit: warning:` line each, never Python's raw output
            app()
    except AuditError as exc:
        log.final_error(str(exc), exc.exit_code)
        print(f"k8saudit: error: {one_line(str(exc))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("k8saudit: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
    except Exception as exc:  # a bug: say so in one line, keep the traceback for who asks
        if os.environ.get("K8SAUDIT_DEBUG"):
            raise
        print(
            f"k8saudit: internal error: {type(exc).__name__}: {one_line(str(exc))[:500]} "
            "(rerun with K8SAUDIT_DEBUG=1 for a traceback, and please report it)",
            file=sys.stderr,
        )
        sys.exit(EXIT_INTERNAL)


__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "app", "main"]
