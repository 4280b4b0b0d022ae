"""The redaction fast paths the benchmark led to give exactly what the plain code gave.

Each optimisation keeps an oracle here: the straightforward version it replaced, compared over
crafted and random inputs (benchmarks/README.md says why each exists).
"""

from __future__ import annotations

import random
import re

import pytest

from k8saudit.runtime import redact
from tests.unit.support.credential_text import SAMPLES, random_values

# --- redact: literal pre-checks before the value regexes ------------------------------------


def _plain_value_reason(value: str) -> str | None:
    for pattern, reason in redact._VALUE_PATTERNS:
        if pattern.search(value):
            return reason
    return None


@pytest.mark.parametrize("value", SAMPLES)
def test_value_reason_is_the_plain_regex_loop(value: str) -> None:
    assert redact.value_reason(value) == _plain_value_reason(value)


def test_value_reason_matches_the_plain_loop_on_random_values() -> None:
    values = random_values(5000)
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


# --- redact: labels scanned joined before value by value ----------------------------------------


def test_any_may_look_secret_is_never_false_when_a_value_looks_secret() -> None:
    values = random_values(3000)
    rng = random.Random(11)
    for _ in range(600):
        group = rng.sample(values, rng.randint(0, 6))
        if any(_plain_value_reason(v) for v in group):
            assert redact.any_may_look_secret(group)
    assert not redact.any_may_look_secret(["web", "prod", "v1.2.3", "team-a"])
    assert redact.any_may_look_secret(["web", 3, "AKIAIOSFODNN7EXAMPLE"])  # non-strings are skipped
