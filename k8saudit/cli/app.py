"""The typer application: the root options and every command, in the order `--help` lists them.

Each command lives in its own module and imports what it needs when it runs, so building this
(for `k8saudit --help` too) loads neither the models nor the Kubernetes client.
"""

from __future__ import annotations

from typing import Annotated

import typer

from k8saudit import __version__
from k8saudit.cli.catalogue import explain, list_checks
from k8saudit.cli.collect import collect
from k8saudit.cli.config import config_app
from k8saudit.cli.fleet import fleet
from k8saudit.cli.helptext import Command
from k8saudit.cli.saved_reports import diff, report
from k8saudit.cli.scan import scan
from k8saudit.cli.trend import trend
from k8saudit.cli.who_can import who_can

app = typer.Typer(
    name="k8saudit",
    help="Audit a Kubernetes cluster against the NSA/CISA Kubernetes Hardening Guidance.\n\n"
    "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error, "
    "3 cluster unreachable or unauthorised, 4 internal error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"k8saudit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Audit a Kubernetes cluster against the NSA/CISA Kubernetes Hardening Guidance."""


app.command(cls=Command)(scan)
app.command(cls=Command)(collect)
app.command(cls=Command)(diff)
app.command(cls=Command)(report)
app.command(cls=Command)(trend)
app.command(cls=Command)(fleet)
app.command("who-can", cls=Command)(who_can)
app.command("checks", cls=Command)(list_checks)
app.command(cls=Command)(explain)
app.add_typer(config_app, name="config")
