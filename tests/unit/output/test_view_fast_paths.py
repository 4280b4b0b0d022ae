"""The view fast paths the benchmark led to give exactly what the plain code gave.

Each optimisation keeps an oracle here: the straightforward version it replaced, compared over
crafted and random inputs (benchmarks/README.md says why each exists).
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from k8saudit.output.view import _wbr, md_escape

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


# --- report: <wbr> after separators in four str.replace passes ----------------------------------


def _plain_wbr(escaped: str) -> str:
    return re.sub(r"([./:@])(?=.)", r"\1<wbr>", escaped)


@pytest.mark.parametrize(
    "text",
    ["", "a", ".", "a.", ".a", "a.b", "x:\ny", "x:\n", "docker.io/library/nginx:1.25@sha256:ab", "&#34;a.b&#34;"],
)
def test_wbr_is_the_regex(text: str) -> None:
    assert _wbr(text) == _plain_wbr(text)


def test_wbr_on_random_text() -> None:
    rng = random.Random(4)
    for _ in range(20000):
        text = "".join(rng.choice("ab./:@-\n\r&;#") for _ in range(rng.randint(0, 30)))
        assert _wbr(text) == _plain_wbr(text)
