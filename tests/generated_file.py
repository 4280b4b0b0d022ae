"""The command line of a generator that writes a committed data file from a real kube-apiserver
(`python -m tests.gen_builtin_roles`, `python -m tests.gen_builtin_resources`): write it, or
with `--check` say whether the committed file is stale (exit 1)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def main(description: str, path: Path, render: Callable[[], str], module: str, argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    fresh = render()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != fresh:
            print(f"{path} is stale: run python -m {module}", file=sys.stderr)
            return 1
        return 0
    path.write_text(fresh, encoding="utf-8")
    print(f"wrote {path}")
    return 0
