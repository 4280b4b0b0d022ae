"""The view fast paths the benchmark led to give exactly what the plain code gave.

Each optimisation keeps an oracle here: the straightforward version it replaced, compared over
crafted and random inputs (benchmarks/README.md says why each exists).
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from k8saudit.output.view import md_escape

# --- report: md_escape in one translate ------------------------------------------------------


def _plain_md_escape(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("\r", " ").replace("\n", " ")
    text = re.sub(r"([\\`*_{}\[\]()#+!|~])", r"\\\1", text)  # `<`, `>`: entities, no backslash
    return text.replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize("value", [None, "", "a|b", "<script>&amp;", "x\r\ny", "\\*_`#~", 42, "Deployment shop/web"])
def test_md_escape_is_the_four_pass_version(value: Any) -> None:
    assert md_escape(value) == _plain_md_escape(value)


def test_md_escape_on_random_text() -> None:
    rng = random.Random(3)
    alphabet = "ab &<>\\`*_{}[]()#+!|~\r\n;é"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert md_escape(text) == _plain_md_escape(text)
