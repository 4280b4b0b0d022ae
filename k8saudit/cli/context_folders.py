"""The folder each cluster's reports go in when one scan reads several (`DIR/<context>/report.*`).

A kubeconfig context name is whatever its author typed: `arn:aws:eks:eu-west-1:123:cluster/prod`,
`gke_project_zone_name`, `admin@k8s`, `../x`, names that differ only in case. A folder name must be
one path component, on every file system a laptop has (macOS and Windows compare names without
case), and the same on every run, so a cluster's earlier reports are found again for its trend.

So: a name made only of letters, digits, `.`, `_` and `-` (not starting with a dot, not one of
the names the scan writes beside the folders, not a run folder's name) is its own folder. Any
other is made so (each run of other characters, dots included, becomes `_`, none at either end,
at most 80 characters kept) and gets
`-` and the first 8 hex digits of the SHA-256 of the context name, so two contexts never share a
folder because of what was replaced, and the folder depends on its context alone. Names that
differ only in case also get it, every one of them.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence

from k8saudit.runtime.reportdir import LATEST, RUN_NAME

_SAFE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}$")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_-]+")
#: Names the scan writes beside the cluster folders (the fleet report), and `latest`.
RESERVED = frozenset({"fleet.html", "fleet.md", "fleet.json", LATEST})


def _suffixed(context: str) -> str:
    base = _UNSAFE_RUN.sub("_", context).strip("_")[:80] or "context"
    return f"{base}-{hashlib.sha256(context.encode()).hexdigest()[:8]}"


def _own_name_fits(context: str) -> bool:
    return bool(_SAFE.match(context)) and context.casefold() not in RESERVED and not RUN_NAME.match(context)


def folder_names(contexts: Sequence[str]) -> dict[str, str]:
    """Context → folder name (see the module's docstring), for every context of one scan."""
    folded = Counter(c.casefold() for c in contexts if _own_name_fits(c))
    return {c: c if _own_name_fits(c) and folded[c.casefold()] == 1 else _suffixed(c) for c in contexts}
