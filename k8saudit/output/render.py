"""A report in a format named by the user: `render` to text, `write` to a file, `writer` for
`k8saudit.runtime.files.write_atomic`. The formats and the modules that write them are listed
in `k8saudit.output.formats`; this module only looks them up.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import BinaryIO

from k8saudit.model.findings import Report
from k8saudit.output.formats import by_name


def render(report: Report, fmt: str) -> str:
    """The report as `fmt` text (`html`, `md`, `json`, `sarif`, `junit`). `write` gives the same
    text as UTF-8 without holding it whole."""
    return by_name(fmt).writer().render(report)


def write(report: Report, fmt: str, handle: BinaryIO) -> None:
    """Write the report in `fmt` to a binary file as UTF-8, piece by piece: the same bytes as
    `render(report, fmt).encode()`, without the whole text in memory (20,000 pods: ~110 MB over
    the three default formats). Pair it with `k8saudit.runtime.files.write_atomic`, which passes
    the handle of a temporary file and renames it only once this returned."""
    by_name(fmt).writer().write(report, handle)


def writer(report: Report, fmt: str) -> Callable[[BinaryIO], None]:
    """`write` for `report` and `fmt`, as `k8saudit.runtime.files.write_atomic` takes it; what the
    format reads from disk (templates, inline assets) is loaded now, so a missing file is no write error."""
    by_name(fmt).writer().prepare()
    return partial(write, report, fmt)
