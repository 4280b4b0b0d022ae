"""The JSON report: the Report model as `model_dump_json(indent=2)` writes it, streamed.

The schema is `k8saudit/schemas/report.schema.json` (`k8saudit.output.schema`). The report is
serialized in pieces of a few MB rather than whole (a 20,000-pod cluster's is ~45 MB); with
K8SAUDIT_VALIDATE_REPORTS=1 (the test suite sets it) it is checked against the schema before
`k8saudit.runtime.files.write_atomic` renames it into place, so a refused report is never written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import BinaryIO

from pydantic import TypeAdapter

from k8saudit.model.findings import Finding, Report
from k8saudit.output.writer import Writer
from k8saudit.runtime import gcpause

#: Findings serialized per batch when streaming the JSON report.
_FINDINGS_PER_BATCH = 500
#: A batch of findings is serialized as `{"findings": [...]}`: with `indent=2` its items come out
#: indented as deep as in the report, between these two.
_FINDINGS = TypeAdapter(dict[str, list[Finding]])
_BATCH_HEAD = b'{\n  "findings": [\n'
_BATCH_TAIL = b"\n  ]\n}"
#: The `findings` member of a report serialized with no findings, as `indent=2` writes it.
_EMPTY_FINDINGS = b'\n  "findings": [],\n'


def chunks(report: Report) -> Iterator[bytes | memoryview]:
    """The bytes of `report.model_dump_json(indent=2)` and a newline, in pieces of a few MB.

    The report is serialized without its findings, and the findings in batches spliced in where
    the empty list was (each batch's items sliced out of `{"findings": [...]}`, not copied).
    tests/unit/output/test_render.py holds the oracle.
    """
    findings = report.findings
    head = report.model_copy(update={"findings": []})
    text = head.__pydantic_serializer__.to_json(head, indent=2)
    if not findings:
        yield text + b"\n"
        return
    before, found, after = text.partition(_EMPTY_FINDINGS)
    if not found:  # pragma: no cover - the models changed shape: serialize whole
        yield report.__pydantic_serializer__.to_json(report, indent=2) + b"\n"
        return
    yield before + b'\n  "findings": [\n'
    for start in range(0, len(findings), _FINDINGS_PER_BATCH):
        batch = _FINDINGS.dump_json({"findings": findings[start : start + _FINDINGS_PER_BATCH]}, indent=2)
        if not (batch.startswith(_BATCH_HEAD) and batch.endswith(_BATCH_TAIL)):  # pragma: no cover
            raise AssertionError("a batch of findings was not serialized as expected")
        if start:
            yield b",\n"
        yield memoryview(batch)[len(_BATCH_HEAD) : -len(_BATCH_TAIL)]
    yield b"\n  ],\n" + after + b"\n"


def _validating() -> bool:
    return os.environ.get("K8SAUDIT_VALIDATE_REPORTS") == "1"


def _self_check(data: bytes) -> None:
    """With K8SAUDIT_VALIDATE_REPORTS=1, refuse a JSON report the schema refuses."""
    if _validating():
        from k8saudit.output.schema import validate

        validate(json.loads(data))


def write(report: Report, handle: BinaryIO) -> None:
    """Stream the report into `handle` (the cyclic GC paused: see `k8saudit.runtime.gcpause`);
    when validating, the schema check runs before this returns, so before the file is renamed."""
    with gcpause.paused():
        kept: list[bytes | memoryview] | None = [] if _validating() else None
        for chunk in chunks(report):
            handle.write(chunk)
            if kept is not None:
                kept.append(chunk)
        if kept is not None:
            _self_check(b"".join(kept))


def text(report: Report) -> str:
    """The report as one string (checked against the schema when validating)."""
    with gcpause.paused():
        data = b"".join(chunks(report))
        _self_check(data)
        return data.decode()


WRITER = Writer(write=write, text=text)
