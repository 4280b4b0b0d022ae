"""The fleet report's formats: one self-contained HTML page (no script), Markdown and JSON.

A fleet report is small (a row per cluster, a row per failing check), so each is rendered whole.
The JSON is `FleetReport` as `model_dump_json(indent=2)` writes it; its schema is
`k8saudit/schemas/fleet.schema.json`, and with K8SAUDIT_VALIDATE_REPORTS=1 (the test suite sets
it) each one is checked against it before it is returned, so a refused fleet report is never written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import partial
from typing import BinaryIO

from k8saudit.model.fleet import FleetReport
from k8saudit.output import fleet_view, templates

#: The fleet report's formats, in the order they are listed, and their file names.
FILE_NAMES = {"html": "fleet.html", "md": "fleet.md", "json": "fleet.json"}
FORMATS = tuple(FILE_NAMES)


def _json(report: FleetReport) -> str:
    text = report.model_dump_json(indent=2) + "\n"
    if os.environ.get("K8SAUDIT_VALIDATE_REPORTS") == "1":
        from k8saudit.output.schema import FLEET_SCHEMA, validate

        validate(json.loads(text), FLEET_SCHEMA)
    return text


def _page(report: FleetReport, name: str) -> str:
    context = fleet_view.context(report)
    if name.endswith(".html"):
        context["assets"] = fleet_view.assets(templates.templates_dir())
    return templates.template(name).render(**context)


def render(report: FleetReport, fmt: str) -> str:
    """The fleet report as `fmt` text (`html`, `md` or `json`)."""
    if fmt == "json":
        return _json(report)
    if fmt in ("html", "md"):
        return _page(report, f"fleet.{fmt}")
    raise ValueError(f"unknown fleet report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _write(text: str, handle: BinaryIO) -> None:
    handle.write(text.encode())


def writer(report: FleetReport, fmt: str) -> Callable[[BinaryIO], None]:
    """What `k8saudit.runtime.files.write_atomic_set` writes for `fmt`: rendered now, so a missing
    template or a refused JSON is an error before any file is opened."""
    return partial(_write, render(report, fmt))
