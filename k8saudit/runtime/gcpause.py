"""Keep CPython's cyclic garbage collector off a scan's big, long-lived object graphs.

A scan allocates millions of small objects (the slim models: about 50 per pod; then results,
findings and report text) and frees almost none of them until it exits; none of them form
reference cycles. The cyclic collector cannot reclaim anything from them, yet with its default
thresholds it walks them again and again as the heap grows: at 20,000 pods that cost more than
parsing the API's JSON (benchmarks/README.md). So the collector is paused while collecting,
checking and rendering, and what collecting and checking built is then frozen (`gc.freeze()`:
moved to the permanent generation, never walked again). Reference counting still frees every
object as usual, frozen or not.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """No automatic collection inside the block; then optionally freeze what survived.

    Nests: the state found on entry is restored on exit.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
