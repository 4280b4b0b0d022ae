"""The fast paths the benchmark led to give exactly what the plain code gave.

Each optimisation keeps an oracle here: the straightforward version it replaced, compared over
crafted and random inputs (benchmarks/README.md says why each exists).
"""

from __future__ import annotations

import gc
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8saudit import api, gcpause, redact
from k8saudit.collect.files import _documents
from k8saudit.report import md_escape

# --- redact: literal pre-checks before the value regexes ------------------------------------


def _plain_value_reason(value: str) -> str | None:
    for pattern, reason in redact._VALUE_PATTERNS:
        if pattern.search(value):
            return reason
    return None


_SAMPLES = [
    "",
    "info",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "AKIAIOSFODNN7EXAMPLE",
    "xASIAIOSFODNN7EXAMPLE",
    "key=ASIA0123456789ABCDEF;",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
    "Bearer eyJabcdefgh.eyJabcdefgh.x",
    "ghp_" + "a" * 36,
    "xghp_" + "a" * 36,
    "gho_short",
    "xoxb-1234567890-abc",
    "AIza" + "b" * 35,
    "sk_live_" + "c" * 24,
    "postgres://app:hunter2@db:5432/x",
    "https://example.com/path",
    "redis://:pw@cache:6379",
    "HTTP://User:Pass@host",
    "a://b:c@",
]


def _random_values(n: int) -> list[str]:
    """Values spliced from fragments of credentials and near misses, so patterns do match."""
    rng = random.Random(7)
    fragments = [
        *(s[: rng.randint(0, len(s))] for s in _SAMPLES),
        *_SAMPLES,
        "AKIA",
        "ASIA",
        "ABCDEFGHIJKLMNOP",
        "eyJ",
        "abcdefgh.",
        "gh",
        "p_",
        "xox",
        "b-",
        "://",
        ":",
        "@",
        " ",
        "-----BEGIN ",
        "PRIVATE KEY-----",
    ]
    return ["".join(rng.choice(fragments) for _ in range(rng.randint(0, 6))) for _ in range(n)]


@pytest.mark.parametrize("value", _SAMPLES)
def test_value_reason_is_the_plain_regex_loop(value: str) -> None:
    assert redact.value_reason(value) == _plain_value_reason(value)


def test_value_reason_matches_the_plain_loop_on_random_values() -> None:
    values = _random_values(5000)
    assert [redact.value_reason(v) for v in values] == [_plain_value_reason(v) for v in values]
    assert any(_plain_value_reason(v) for v in values)  # the corpus does reach some patterns


def test_every_value_pattern_has_needles_a_match_must_contain() -> None:
    for alternatives, (pattern, _reason) in redact._CHECKS:
        assert not pattern.flags & re.IGNORECASE  # a literal pre-check is case-sensitive
        assert all(needle in pattern.pattern for group in alternatives for needle in group)


def test_name_cache_answers_as_the_regexes() -> None:
    for name in ("DB_PASSWORD", "PASSWORD_FILE", "api-key", "LOG_LEVEL", "token", "SECRET_NAME") * 2:
        plain = bool(redact._SECRET_NAME.search(name)) and not redact._REFERENCE_NAME.search(name)
        assert redact.name_looks_secret(name) is plain


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


# --- files: a JSON document read by the JSON parser ------------------------------------------


def _yaml_documents(text: str) -> list[tuple[Any, int]]:
    loader = yaml.SafeLoader(text)
    out = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                out.append((loader.construct_document(node), node.start_mark.line + 1))
    finally:
        loader.dispose()
    return out


@pytest.mark.parametrize(
    "text",
    [
        '{"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "a"}}]}',
        '\n\n   {"kind": "Namespace", "metadata": {"name": "x", "labels": {"a": "1"}}, "n": [1, 2.5, true, null]}\n',
        '[{"kind": "Pod"}]',
        '{"s": "caf\\u00e9 \\"q\\" \\\\ \\/ tab\\t"}',
    ],
)
def test_json_file_reads_as_the_yaml_loader_read_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "doc.json"
    path.write_text(text)
    assert list(_documents(path)) == _yaml_documents(text)


def test_not_json_still_goes_to_yaml(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text("{kind: Namespace, metadata: {name: x}}\n---\nkind: Pod\n")
    assert list(_documents(path)) == _yaml_documents(path.read_text())


# --- gcpause ---------------------------------------------------------------------------------


def test_paused_restores_the_collector_state() -> None:
    assert gc.isenabled()
    with gcpause.paused():
        assert not gc.isenabled()
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gcpause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_collect_freezes_what_it_collected(tmp_path: Path) -> None:
    snapshot = tmp_path / "s.json"
    snapshot.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}],
            }
        )
    )
    before = gc.get_freeze_count()
    try:
        inv = api.collect(snapshot=snapshot)
        assert gc.isenabled()
        assert gc.get_freeze_count() > before
        assert inv.namespaces == ["shop"]
    finally:
        gc.unfreeze()
