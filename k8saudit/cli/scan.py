"""`k8saudit scan`: its options, then request → run → exit code.

The options are checked in `scan_request`, the scan runs in `scan_run`, the exit code is decided
in `exit_policy`; those load the models and the client, so they are imported when a scan starts,
not for `k8saudit --help`.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Annotated

import typer

from k8saudit import __version__
from k8saudit.cli.options import (
    FAIL_ON_CHOICES,
    FailOn,
    InClusterOpt,
    KubeconfigOpt,
    KubeletOpt,
    OutputDirOpt,
    OutputOpt,
    PageSizeOpt,
    RetriesOpt,
    ScanFormatsOpt,
    SecretMetadataOpt,
    TimeoutOpt,
    WorkersOpt,
)
from k8saudit.runtime import log
from k8saudit.runtime.errors import EXIT_OK, InputError
from k8saudit.runtime.log import LogFormat


def scan(
    ctx: typer.Context,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            "--snapshot",
            metavar="FILE",
            help="Audit a snapshot file (from `k8saudit collect` or `kubectl get ... -o json`).",
        ),
    ] = None,
    manifests: Annotated[
        list[Path] | None,
        typer.Option(
            "--manifests",
            metavar="PATH",
            help="Audit manifest files or folders (YAML/JSON, multi-document). Repeatable.",
        ),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Audit the demo cluster snapshot shipped with k8saudit (no cluster needed).")
    ] = False,
    kubeconfig: KubeconfigOpt = None,
    context: Annotated[
        list[str] | None,
        typer.Option(
            "--context",
            metavar="NAME",
            help="Kubeconfig context (default: current). Repeat it to scan several clusters at once: each gets "
            "its reports in --output-dir/<context>/, and --output-dir gets the fleet report (fleet.html, .md, .json).",
        ),
    ] = None,
    all_contexts: Annotated[
        bool,
        typer.Option("--all-contexts", help="Scan every context of the kubeconfig, as several --context do."),
    ] = False,
    cluster_workers: Annotated[
        int | None,
        typer.Option(
            "--cluster-workers",
            min=1,
            max=64,
            metavar="N",
            help="With several clusters: how many are read at once (default 4).",
        ),
    ] = None,
    cluster_timeout: Annotated[
        float | None,
        typer.Option(
            "--cluster-timeout",
            min=1.0,
            metavar="SECONDS",
            help="Seconds reading one cluster may take; a cluster still being read then is given up (exit 3), and "
            "with several clusters its row says so while the others go on (default: 300 with several, none for one).",
        ),
    ] = None,
    in_cluster: InClusterOpt = None,
    kubelet_config: KubeletOpt = False,
    secret_metadata: SecretMetadataOpt = False,
    page_size: PageSizeOpt = 500,
    timeout: TimeoutOpt = 30.0,
    retries: RetriesOpt = 4,
    workers: WorkersOpt = 4,
    formats: ScanFormatsOpt = None,
    output_dir: OutputDirOpt = Path("k8saudit-report"),
    output: OutputOpt = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on", metavar=FAIL_ON_CHOICES, help="Exit 1 when a failing finding has this severity or higher."
        ),
    ] = FailOn.none,
    no_annotation_exemptions: Annotated[
        bool, typer.Option("--no-annotation-exemptions", help="Ignore k8saudit.io/exempt annotations on objects.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
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
        typer.Option(
            "--keep", min=0, metavar="N", help="With --timestamped: keep the newest N runs (0: all; default 10)."
        ),
    ] = None,
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            envvar="K8SAUDIT_LOG_FORMAT",
            metavar="human|json|auto",
            help="human: the terminal summary; json: one JSON event per line on stdout (stderr with -o -), "
            "the summary as the last; auto: json unless stdout is a terminal (the container image's default).",
        ),
    ] = LogFormat.human,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="OLD.json",
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
    history: Annotated[
        Path | None,
        typer.Option(
            "--history",
            metavar="DIR",
            help="Earlier JSON reports (a --timestamped folder, or *.json files): the reports show the score "
            "and failing counts over time and since when each finding fails (--timestamped reads its own runs).",
        ),
    ] = None,
    pushgateway: Annotated[
        str | None,
        typer.Option(
            "--pushgateway",
            metavar="URL",
            help="Push the scan's Prometheus metrics to this Pushgateway at the end of the run (job k8saudit, "
            "grouped by cluster); an unreachable gateway is a warning, never a lost report or another exit code.",
        ),
    ] = None,
    cluster_name: Annotated[
        str | None,
        typer.Option(
            "--cluster-name",
            metavar="NAME",
            help="The cluster's name in the reports and the metrics' `cluster` label "
            "(default: the kubeconfig context).",
        ),
    ] = None,
    metrics_per_namespace: Annotated[
        bool,
        typer.Option(
            "--metrics-per-namespace",
            help="Also export failing findings per namespace and severity (one series each: opt-in cardinality).",
        ),
    ] = False,
) -> None:
    """Audit a cluster (live by default), a snapshot or manifests, and write reports."""
    from k8saudit.cli import scan_events
    from k8saudit.cli.exit_policy import exit_code
    from k8saudit.cli.report_files import terminal_for
    from k8saudit.cli.scan_metrics import push_failure
    from k8saudit.cli.scan_request import ScanRequest
    from k8saudit.cli.scan_run import run_scan
    from k8saudit.cli.source import live_options, source_label

    started = time.perf_counter()
    log.configure(log_format, stream=terminal_for(output), quiet=quiet)
    ctx.call_on_close(log.reset)
    log.event("start", version=__version__, command="scan", source=source_label(snapshot, manifests, demo))
    contexts = list(dict.fromkeys(context or ()))
    many = all_contexts or len(contexts) > 1
    if many:
        from k8saudit.cli.fleet_scan import refuse_conflicts

        refuse_conflicts(
            snapshot=snapshot,
            manifests=manifests,
            demo=demo,
            output=output,
            baseline=baseline,
            in_cluster=in_cluster,
            contexts=contexts,
            all_contexts=all_contexts,
            cluster_name=cluster_name,
            history=history,
        )
    elif cluster_workers is not None:
        raise InputError("--cluster-workers applies to several clusters (--context twice or more, or --all-contexts)")
    live = live_options(
        kubeconfig,
        None if many or not contexts else contexts[0],
        in_cluster,
        kubelet_config,
        page_size,
        timeout,
        workers,
        secret_metadata,
        retries,
    )
    if cluster_timeout is not None and not many:
        live = dataclasses.replace(live, deadline=time.monotonic() + cluster_timeout, time_limit=cluster_timeout)
    request = ScanRequest.from_options(
        snapshot=snapshot,
        manifests=manifests,
        demo=demo,
        live=live,
        formats=[f.value for f in formats or ()],
        output_dir=output_dir,
        output=output,
        timestamped=timestamped,
        keep=keep,
        baseline=baseline,
        config=config,
        annotation_exemptions=not no_annotation_exemptions,
        default_exemptions=not no_default_exemptions,
        fail_on=fail_on.value,
        fail_on_new=fail_on_new,
        quiet=quiet,
        pushgateway=pushgateway,
        cluster_name=cluster_name,
        metrics_per_namespace=metrics_per_namespace,
        history=history,
    )
    if many:
        from k8saudit.cli.fleet_scan import scan_clusters

        code = scan_clusters(
            request,
            contexts=contexts,
            all_contexts=all_contexts,
            kubeconfig=kubeconfig,
            workers=cluster_workers,
            cluster_timeout=cluster_timeout,
            started=started,
        )
        if code != EXIT_OK:
            raise typer.Exit(code)
        return
    try:
        outcome = run_scan(request)
    except Exception:  # the scan failed (cluster unreachable, bad input file, a bug): say so on the gateway
        push_failure(request.metrics, (contexts[0] if contexts else None) or source_label(snapshot, manifests, demo))
        raise
    code = exit_code(outcome, request)
    scan_events.done(outcome.report, exit_code=code, written=outcome.written, ms=scan_events.elapsed_ms(started))
    if code != EXIT_OK:
        raise typer.Exit(code)
