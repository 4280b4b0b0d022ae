"""Where a command reads the cluster from: a snapshot file, manifests, the demo snapshot or the
live API, chosen from the options `scan` and `who-can` share (`collect` reads only the live API).

Imported inside the commands, not with the CLI: it loads the live source's options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from k8saudit import api
from k8saudit.model.inventory import Inventory
from k8saudit.runtime.errors import InputError
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.live import LiveOptions


@dataclass(frozen=True)
class Source:
    """Exactly one of: a snapshot file, manifest files or folders, or the live API."""

    snapshot: Path | None = None
    manifests: tuple[Path, ...] = ()
    live: LiveOptions | None = None


def source_label(snapshot: Path | None, manifests: Sequence[Path] | None, demo: bool) -> str:
    """The source as the `start` event names it, before the options are checked."""
    return "demo" if demo else "snapshot" if snapshot else "manifests" if manifests else "live"


def choose_source(*, snapshot: Path | None, manifests: Sequence[Path] | None, demo: bool, live: LiveOptions) -> Source:
    """The one source the options ask for: the live API (`live`) when none of the others is given."""
    if sum((snapshot is not None, bool(manifests), demo)) > 1:
        raise InputError("give only one of --snapshot, --manifests or --demo")
    if demo:
        return Source(snapshot=snapshot_path())
    if snapshot is not None:
        return Source(snapshot=snapshot)
    if manifests:
        return Source(manifests=tuple(manifests))
    return Source(live=live)


def live_options(
    kubeconfig: Path | None,
    context: str | None,
    in_cluster: bool | None,
    kubelet: bool,
    page_size: int,
    timeout: float,
    workers: int = 4,
    secret_metadata: bool = False,
    retries: int = 4,
) -> LiveOptions:
    """The live source's options from the flags `scan`, `collect` and `who-can` share."""
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


def collect(source: Source) -> Inventory:
    """The Inventory of `source` (`api.collect` is looked up when called: the benchmark wraps it)."""
    return api.collect(snapshot=source.snapshot, manifests=source.manifests or None, live=source.live)
