"""What a format module provides: `WRITER = Writer(write=..., text=..., prepare=...)`.

The registry (`k8saudit.output.formats`) names each format's module and reads its `WRITER` when
that format is written. Kept apart from the registry so a format module and the registry import
this, not each other; like the registry, it loads nothing heavy (the CLI imports both for `--help`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from k8saudit.model.findings import Report


def _nothing_to_prepare() -> None:
    return None


@dataclass(frozen=True)
class Writer:
    """How one format is written: what a format module's `WRITER` holds."""

    #: Stream the report into a binary file as UTF-8, piece by piece: a large cluster's report is
    #: never held whole (see `k8saudit.runtime.files.write_atomic`, which passes a temporary file).
    write: Callable[[Report, BinaryIO], None]
    #: The report as text, when the format has a way cheaper than decoding what `write` wrote.
    text: Callable[[Report], str] | None = None
    #: Load what writing needs from disk (templates, inline assets) before any file is opened,
    #: so that a missing file is an error before the write rather than a half-written report.
    prepare: Callable[[], None] = _nothing_to_prepare

    def render(self, report: Report) -> str:
        """The report as text: `text` when given, else what `write` writes, decoded."""
        if self.text is not None:
            return self.text(report)
        buffer = io.BytesIO()
        self.write(report, buffer)
        return buffer.getvalue().decode()
