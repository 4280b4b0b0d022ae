"""`k8saudit collect`: read a live cluster into a snapshot file for a later `scan --snapshot`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from k8saudit.cli.options import (
    ContextOpt,
    InClusterOpt,
    KubeconfigOpt,
    KubeletOpt,
    PageSizeOpt,
    RetriesOpt,
    SecretMetadataOpt,
    TimeoutOpt,
    WorkersOpt,
)


def collect(
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="Snapshot file to write.")],
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
    from k8saudit.cli.source import live_options
    from k8saudit.runtime import gcpause, lifecycle
    from k8saudit.runtime.files import preflight
    from k8saudit.sources.files import write_snapshot
    from k8saudit.sources.live import collect_live

    preflight(output)  # an unwritable output is known before the cluster is read
    options = live_options(
        kubeconfig, context, in_cluster, kubelet_config, page_size, timeout, workers, secret_metadata, retries
    )
    with gcpause.paused(freeze=True):  # the cyclic GC only slows collecting: see k8saudit.runtime.gcpause
        inventory = collect_live(options)
    with lifecycle.critical():
        write_snapshot(inventory, output)
    missing = sorted(k for k, a in inventory.facts.kinds.items() if not a.ok)
    print(
        f"wrote {output}: {sum(1 for _ in inventory.all_objects())} objects"
        + (f"; could not read {', '.join(missing)}" if missing else ""),
        file=sys.stderr,
    )
