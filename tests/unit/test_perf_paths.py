"""The fast paths the benchmark led to give exactly what the plain code gave.

Each optimisation keeps an oracle here: the straightforward version it replaced, compared over
crafted and random inputs (benchmarks/README.md says why each exists).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8saudit.output.view import md_escape
from k8saudit.runtime import redact
from k8saudit.sources.files import _documents

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


# --- redact: labels scanned joined before value by value ----------------------------------------


def test_any_may_look_secret_is_never_false_when_a_value_looks_secret() -> None:
    values = _random_values(3000)
    rng = random.Random(11)
    for _ in range(600):
        group = rng.sample(values, rng.randint(0, 6))
        if any(_plain_value_reason(v) for v in group):
            assert redact.any_may_look_secret(group)
    assert not redact.any_may_look_secret(["web", "prod", "v1.2.3", "team-a"])
    assert redact.any_may_look_secret(["web", 3, "AKIAIOSFODNN7EXAMPLE"])  # non-strings are skipped


# --- objects: nested types are slotted dataclasses --------------------------------------------


def test_nested_types_are_slotted_and_their_marks_are_the_documented_keys() -> None:
    from k8saudit.model import objects as o

    env = o.EnvVar.model_validate({"name": "TOKEN", "value": "ghp_" + "a" * 36})
    assert not hasattr(env, "__dict__")  # slotted: no per-instance dict, no fields-set
    assert env.dump() == {
        "name": "TOKEN",
        o.CREDENTIAL_MARK: "value looks like a GitHub token",
        "x-k8saudit-has-value": True,
    }
    volume = o.Volume.model_validate({"name": "v", "nfs": {"server": "s"}})
    assert volume.dump() == {"name": "v", o.VOLUME_SOURCES: ["nfs"]}
    assert o.Volume.model_validate(volume.dump()) == volume  # a snapshot reads back what it wrote


# --- objects: annotation maps decided whole before value by value -----------------------------


def _plain_redact_annotations(value: dict[Any, Any]) -> dict[Any, Any]:
    from k8saudit.model import objects as o

    return {k: o._annotation_value(str(k), v) for k, v in value.items() if k != o.LAST_APPLIED}


def test_annotation_maps_redact_as_the_value_by_value_rule() -> None:
    from k8saudit.model import objects as o

    rng = random.Random(5)
    keys = ["team", "prometheus.io/port", "example.com/db-password", "token", "note", o.LAST_APPLIED, "x/api-key"]
    values = [*_random_values(300), "true", " False ", '  {"a": 1}', "[1]", "\t[", "plain", "", "\x00{"]
    fast = 0
    for _ in range(3000):
        annotations = {rng.choice(keys): rng.choice(values) for _ in range(rng.randint(0, 4))}
        fast += o._nothing_to_redact(annotations)
        assert o._redact_annotations(annotations) == _plain_redact_annotations(annotations)
    assert fast > 100  # the whole-map answer was taken, not only the careful path
    odd = {1: "x", "k": 2}
    assert o._redact_annotations(odd) == _plain_redact_annotations(odd)


# --- files: a snapshot's items released as they are validated ---------------------------------


def test_a_malformed_item_found_after_the_items_were_released_is_still_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from k8saudit.sources.files import load_snapshot

    items = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ok", "namespace": "shop"}},
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "bad", "namespace": "shop"},
            "spec": {"containers": "x"},
        },
    ]
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    inv = load_snapshot(path)  # the malformed pod is skipped (issue 15) and named in its warning
    assert [o.name for o in inv.all_objects()] == ["shop", "ok"]
    (record,) = caplog.records
    assert "item 2: skipped a malformed Pod shop/bad, the rest is audited: spec.containers" in record.getMessage()
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items[:2]}))
    inv = load_snapshot(path)
    assert [o.name for o in inv.all_objects()] == ["shop", "ok"]
