"""How `--help` shows a command's arguments: by name (`OLD`, `VERB`), as the usage line does.

typer prints each argument with a type name after it (`OLD <path>`, `VERB <str>`); the options
say what they take with their own metavar (`--snapshot FILE`, `--fail-on critical|...|none`,
set where each option is declared). A person reads `FILE`, not `<list[Path]>`.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand


class Command(TyperCommand):
    """A typer command whose help lists arguments by name only (the options are unchanged)."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((param.metavar or record[0], record[1]))
            elif param.param_type_name == "option":
                options.append(record)
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)
