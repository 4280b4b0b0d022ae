"""The typer options more than one command takes, and the choices options offer.

Imported whenever the CLI is (for `k8saudit --help` too), so this imports typer, the standard
library and the light registry of report formats, nothing that loads the models or the client.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from k8saudit.output.formats import FORMATS, names


class FailOn(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"
    none = "none"


class DiffFormat(StrEnum):
    table = "table"
    md = "md"
    json = "json"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


# `--format` of `scan` and `report`: one member per entry of `k8saudit.output.formats.FORMATS`,
# so a new format is a choice without touching the CLI. The members are known only when the
# registry is read, so the type checker sees what they all are: a StrEnum whose values are
# format names.
if TYPE_CHECKING:
    OutFormat = StrEnum
else:
    OutFormat = StrEnum("OutFormat", [(name, name) for name in names()])


#: How `--format` and `--fail-on` show their value in `--help` (typer would print type names
#: such as `<list[html|md|json|sarif|junit]>`).
FORMAT_CHOICES = "|".join(names())
FAIL_ON_CHOICES = "|".join(FailOn)

#: The formats a scan writes without `--format`, and those `report` writes.
SCAN_DEFAULT_FORMATS = ("html", "md", "json")
REPORT_DEFAULT_FORMATS = ("html", "md")


def _listed(items: list[str], last: str) -> str:
    """`a, b and c` (or `or c`)."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def _scan_formats_help() -> str:
    """`scan --format`'s help, from the registry: each format (with its purpose) and file name."""
    listed = [f"{f.name} ({f.purpose})" if f.purpose else f.name for f in FORMATS]
    files = [FORMATS[0].file_name, *(f.file or f".{f.extension}" for f in FORMATS[1:])]
    default = _listed(list(SCAN_DEFAULT_FORMATS), "and")
    return f"Report format: {_listed(listed, 'or')}; repeatable (default: {default}). Files are {', '.join(files)}."


# --- the live cluster (scan, collect, who-can) -------------------------------------------------

KubeconfigOpt = Annotated[
    Path | None,
    typer.Option("--kubeconfig", metavar="FILE", help="Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)."),
]
ContextOpt = Annotated[
    str | None, typer.Option("--context", metavar="NAME", help="Kubeconfig context (default: current).")
]
InClusterOpt = Annotated[
    bool | None,
    typer.Option(
        "--in-cluster/--no-in-cluster",
        help="Use the pod's service account (default: when running in a pod with no kubeconfig).",
    ),
]
KubeletOpt = Annotated[
    bool,
    typer.Option(
        "--kubelet-config",
        help="Also read each node's kubelet settings (GET nodes/proxy/configz). Needs `get nodes/proxy`, "
        "a powerful permission that also allows exec into every pod on the node; off by default.",
    ),
]
PageSizeOpt = Annotated[int, typer.Option("--page-size", min=1, max=10000, metavar="N", help="Objects per list page.")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.1, metavar="SECONDS", help="Seconds per API request.")]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--retries",
        min=0,
        max=20,
        metavar="N",
        help="Further attempts of one API request after 429, 5xx, a timeout or a dropped connection "
        "(with backoff; Retry-After honoured, each wait capped at 10 s).",
    ),
]
WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers", min=1, max=32, metavar="N", help="Kinds listed concurrently (each list is paged in order)."
    ),
]
SecretMetadataOpt = Annotated[
    bool,
    typer.Option(
        "--secret-metadata",
        help="Also list Secrets as metadata only (PartialObjectMetadataList) to find legacy service-account "
        "token Secrets. Needs `list secrets`, which RBAC cannot limit to metadata; no Secret data is read or kept. "
        "Off by default.",
    ),
]

# --- the reports written (scan, report) ---------------------------------------------------------

ScanFormatsOpt = Annotated[
    list[OutFormat] | None, typer.Option("--format", "-f", metavar=FORMAT_CHOICES, help=_scan_formats_help())
]
ReportFormatsOpt = Annotated[
    list[OutFormat] | None,
    typer.Option(
        "--format",
        "-f",
        metavar=FORMAT_CHOICES,
        help=f"Format to write; repeatable (default: {_listed(list(REPORT_DEFAULT_FORMATS), 'and')}).",
    ),
]
OutputDirOpt = Annotated[
    Path, typer.Option("--output-dir", "-d", metavar="DIR", help="Folder for report.<format> files.")
]
OutputOpt = Annotated[
    str | None,
    typer.Option("--output", "-o", metavar="FILE|-", help="Write the one --format to this file, or `-` for stdout."),
]
