"""Keep CPython's cyclic garbage collector off a scan's big, long-lived object graphs.

A scan allocates millions of small objects (the slim models: about 50 per pod; then results,
findings and report text) and frees almost none of them until it exits; none of them form
reference cycles. The cyclic collector cannot reclaim anything from them, yet with its default
thresholds it walks them again and again as the heap grows: at 20,000 pods that cost more than
parsing the API's JSON (benchmarks/README.md). So the collector is paused while collecting,
checking and rendering, and what collecting and checking built is then frozen (`gc.freeze()`:
moved to the permanent generation, never walked again). Reference counting still frees every
object as usual, paused or frozen.

`paused` is the one switch for all of that: `k8saudit.api` and the CLI around collecting and
checking (with `freeze=True`), the report and snapshot writers around writing, and the live
collector's worker threads around each page they parse. What those callers rely on:

- **Nesting and overlap.** Blocks nest in one thread and overlap across threads: the live
  collector parses pages on several threads at once, usually inside the API's own block, and
  one thread's page may end while another's is still being parsed. The collector is off from
  the first open block's entry to the last open block's exit, whichever threads they run on;
  then it is left as the first block found it (a caller that turned it off itself keeps it off).
  Inside any block it is off, even if something turned it on meanwhile.
- **Freezing.** A `freeze=True` block calls `gc.freeze()` as it exits, before the collector can
  run again, so what was built inside it is never walked by a later collection.
- **Several scans in one process.** `reclaim` gives back to the collector what one scan's
  freeze caught of another's (see there); a multi-cluster scan calls it between clusters.
- **Thread safety.** How many blocks are open is counted under a lock. That count is module
  state on purpose: it mirrors the interpreter's single collector switch, which is per process,
  and holds nothing derived from a scan.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_open = 0  # blocks entered and not yet exited, in every thread
_enable_after = False  # whether the collector was on when the first of them entered


@contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """No automatic collection inside the block; with `freeze`, what survives it is frozen on exit.

    Nests and overlaps across threads: the collector's state found by the first open block is
    restored when the last one exits.
    """
    _enter()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        _exit()


def _enter() -> None:
    global _open, _enable_after
    with _lock:
        if _open == 0:
            _enable_after = gc.isenabled()
        gc.disable()
        _open += 1


def _exit() -> None:
    global _open
    with _lock:
        _open -= 1
        if _open == 0 and _enable_after:
            gc.enable()


def reclaim() -> int:
    """Unfreeze everything and run a full collection; the objects it freed.

    Freezing is right for one scan: what it froze is its own inventory and report, freed by
    reference counting when the scan drops them. With several scans in threads of one process
    (`scan --context a --context b`), one thread's freeze also freezes what the others hold at
    that moment, short-lived connection and pool objects among them; those that end in a
    reference cycle are then never collected (about 350 objects a cluster, a few hundred kB).
    And while their blocks overlap, the collector stays off for the whole run. A multi-cluster
    scan calls this once per `--cluster-workers` finished clusters: a full collection over what the
    scans still running hold (50-150 ms with four 1,000-pod scans running, about 4% of a
    20-cluster run); those freeze their own objects again when their next phase ends.
    """
    gc.unfreeze()
    return gc.collect()
