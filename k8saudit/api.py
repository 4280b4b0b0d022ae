"""The Python API the CLI wraps: collect → run_checks → render."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from k8saudit.engine import run as engine
from k8saudit.engine.run import ScanOptions
from k8saudit.model.findings import Report
from k8saudit.model.inventory import Inventory
from k8saudit.output.render import render
from k8saudit.runtime import gcpause
from k8saudit.sources.files import load_manifests, load_snapshot
from k8saudit.sources.live import LiveOptions

__all__ = ["LiveOptions", "Report", "ScanOptions", "collect", "render", "run_checks"]


def collect(
    *, snapshot: Path | None = None, manifests: Iterable[Path] | None = None, live: LiveOptions | None = None
) -> Inventory:
    """An Inventory from exactly one source: a snapshot, manifests, or the live API.

    The cyclic garbage collector is paused while collecting, and what was collected is then
    frozen, so later collections never walk it again (see `k8saudit.runtime.gcpause`).
    """
    with gcpause.paused(freeze=True):
        if snapshot is not None:
            return load_snapshot(Path(snapshot))
        if manifests:
            return load_manifests([Path(p) for p in manifests])
        from k8saudit.sources.live import collect_live  # imports the kubernetes client

        return collect_live(live or LiveOptions())


def run_checks(inv: Inventory, options: ScanOptions | None = None) -> Report:
    """Evaluate every registered check against `inv` (`k8saudit.engine.run.run_checks`).

    The cyclic garbage collector is paused meanwhile and the report frozen after (see
    `k8saudit.runtime.gcpause`).
    """
    with gcpause.paused(freeze=True):
        return engine.run_checks(inv, options)
