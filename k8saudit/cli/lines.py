"""What every command's messages share: one printable line per message, and the exit code of a bug.

Apart from `entry.py` (which imports the whole application) so that a command module can use
them without an import cycle.
"""

from __future__ import annotations

import re

#: Exit code of an internal error: a bug (the others are in `k8saudit.runtime.errors`).
EXIT_INTERNAL = 4

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """An error message as one printable line: a file name or a server's words may hold newlines
    or terminal escape sequences (`\\x1b[2J`); whitespace becomes a space, other control
    characters their `\\xNN` escape."""
    text = re.sub(r"[\t\n\r\v\f]+", " ", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
