"""`k8saudit config validate FILE`: check an audit config (k8saudit.yaml) without scanning."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from k8saudit.cli.helptext import Command

config_app = typer.Typer(help="Work with audit config files (k8saudit.yaml).", no_args_is_help=True)


@config_app.command("validate", cls=Command)
def config_validate(file: Annotated[Path, typer.Argument(metavar="FILE", help="The config file to check.")]) -> None:
    """Check a config file without scanning: exit 0 when valid, else one line naming the line, exit 2."""
    import datetime as dt

    from k8saudit.engine.config import load_config

    cfg = load_config(file)
    today = dt.datetime.now(dt.UTC).date()
    expired = [r.source for r in cfg.exemptions if r.expired(today)]
    print(
        f"{file}: valid ({len(cfg.exemptions)} exemptions, {len(cfg.severity)} severity overrides"
        + (f"; expired, so no longer applied: {', '.join(expired)}" if expired else "")
        + ")"
    )
