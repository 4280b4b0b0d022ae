"""The report formats: one entry each, the one list the CLI, the file names and the dispatch read.

An entry says the format's name (the `--format` value), its file name (`report.<extension>`,
unless the entry names its own file) and the module that writes it. The module defines `WRITER`,
a `k8saudit.output.writer.Writer`: how to stream the report into an open binary file and, when
it has a cheaper way, how to give it as text.

Adding a format is one module under `k8saudit/output/` and one entry in `FORMATS`.

The CLI builds its `--format` choices from this list when it is imported, for `k8saudit --help`
too, so this module imports nothing but the standard library: an entry names its module, which
is imported (with jinja2, pydantic and the models) only when that format is written.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from k8saudit.output.writer import Writer


@dataclass(frozen=True)
class ReportFormat:
    """One registry entry: the format's name, its file's extension and the module that writes it."""

    name: str
    extension: str
    #: The module whose `WRITER` writes this format, imported only when it is used.
    module: str
    #: What the format is for, when its name does not say (`scan --help` shows it).
    purpose: str = ""
    #: The file's name when it is not `report.<extension>` (metrics: `metrics.prom`, the name
    #: node-exporter's textfile collector is pointed at).
    file: str = ""

    @property
    def file_name(self) -> str:
        """The report's file name in an output folder: `report.<extension>` unless the entry names one."""
        return self.file or f"report.{self.extension}"

    def writer(self) -> Writer:
        """The format's `Writer` (imports its module the first time)."""
        found: Writer = importlib.import_module(self.module).WRITER
        return found


#: Every format, in the order the CLI lists them.
FORMATS: tuple[ReportFormat, ...] = (
    ReportFormat("html", "html", "k8saudit.output.html"),
    ReportFormat("md", "md", "k8saudit.output.markdown"),
    ReportFormat("json", "json", "k8saudit.output.json_report"),
    ReportFormat("sarif", "sarif", "k8saudit.output.sarif", purpose="code scanning"),
    ReportFormat("junit", "junit.xml", "k8saudit.output.junit", purpose="CI test results"),
    ReportFormat(
        "prom",
        "prom",
        "k8saudit.output.metrics",
        purpose="Prometheus metrics, for the textfile collector",
        file="metrics.prom",
    ),
    ReportFormat("md-summary", "summary.md", "k8saudit.output.summary", purpose="Markdown that fits a PR comment"),
)


def names() -> tuple[str, ...]:
    """The formats' names, in order: the CLI's `--format` choices."""
    return tuple(f.name for f in FORMATS)


def by_name(name: str) -> ReportFormat:
    """The entry named `name`; a ValueError naming the choices for any other."""
    for entry in FORMATS:
        if entry.name == name:
            return entry
    raise ValueError(f"unknown format {name!r}; choose one of {', '.join(names())}")
