"""A report format that exists only in the tests: what adding a format takes (this module and
one `ReportFormat` entry), used by tests/unit/output/test_formats.py."""

from __future__ import annotations

from typing import BinaryIO

from k8saudit.model.findings import Report
from k8saudit.output.formats import ReportFormat
from k8saudit.output.writer import Writer


def write(report: Report, handle: BinaryIO) -> None:
    handle.write(f"k8saudit plain report: {report.cluster.context} grade {report.grade}\n".encode())
    for finding in report.findings:
        handle.write(f"{finding.status.value} {finding.check}\n".encode())


WRITER = Writer(write=write)
ENTRY = ReportFormat("txt", "txt", __name__, purpose="a test")
