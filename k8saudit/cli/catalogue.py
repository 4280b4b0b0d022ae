"""The check catalogue: `k8saudit checks` lists it, `k8saudit explain ID` prints one entry."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import k8saudit
from k8saudit.cli.options import ListFormat
from k8saudit.runtime.errors import InputError

if TYPE_CHECKING:
    from k8saudit.checks.registry import Check


def list_checks(
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", metavar="table|json", help="table or json.")
    ] = ListFormat.table,
) -> None:
    """List the check catalogue."""
    from k8saudit.checks.registry import all_checks

    infos = [c.info() for c in all_checks()]
    if fmt is ListFormat.json:
        print(json.dumps([i.model_dump(mode="json") for i in infos], indent=2))
        return
    from k8saudit.output.terminal import print_catalogue

    print_catalogue(infos, sys.stdout)  # ids whole (they are copied into `explain`), by section


def explain(check_id: Annotated[str, typer.Argument(metavar="ID", help="A check id, e.g. pod.privileged.")]) -> None:
    """Print one catalogue entry: what it checks, why, and how to fix it."""
    from k8saudit.checks.registry import all_checks

    checks = {c.id: c for c in all_checks()}
    chk = checks.get(check_id)
    if chk is None:
        close = [cid for cid in checks if check_id.split(".")[-1] in cid]
        hint = f" Did you mean {', '.join(close[:3])}?" if close else " Run `k8saudit checks` for the list."
        raise InputError(f"no check with id {check_id!r}.{hint}")
    info = chk.info()
    refs = "; ".join(f"{k}: {', '.join(v)}" for k, v in info.references.items() if v) or "none"
    width = shutil.get_terminal_size().columns  # the terminal's, else $COLUMNS, else 80
    fix = "" if not info.fix else "\n\n" + textwrap.indent(info.fix.rstrip("\n"), "    ")
    print(
        f"{info.id}  [{info.severity.value}]  {info.title}\n"
        f"Section:     {info.section.heading}\n"
        f"Reads:       {', '.join(info.reads)}\n"
        f"References:  {refs}\n"
        f"Defined in:  {defined_in(chk)}\n\n"
        f"Why:\n{reflowed(info.rationale, width)}\n\n"
        f"Fix:\n{reflowed(info.remediation, width)}{fix}"
    )


def reflowed(text: str, width: int, indent: str = "  ") -> str:
    """`text` (written with hard line breaks, as the catalogue's strings are) as paragraphs
    wrapped to `width`; a blank line still separates paragraphs. Words are never split."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(
        textwrap.fill(p, max(width, 40), initial_indent=indent, subsequent_indent=indent, break_long_words=False)
        for p in paragraphs
        if p
    )


def defined_in(check: Check) -> str:
    """The file of the module that defines `check`'s function, relative to the folder holding the
    package (`k8saudit/checks/pod/host.py`): where a reader of `explain` goes to read or change it."""
    file = sys.modules[check.func.__module__].__file__
    if file is None:  # pragma: no cover - a check in a module without a file (built in memory)
        return check.func.__module__
    return Path(file).relative_to(Path(k8saudit.__file__).parent.parent).as_posix()
