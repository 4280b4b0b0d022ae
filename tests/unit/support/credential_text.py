"""Credential-shaped text for the redaction oracles: real shapes, near misses, and random
splices of both (so the patterns do match some of them)."""

from __future__ import annotations

import random

SAMPLES = [
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


def random_values(n: int) -> list[str]:
    """Values spliced from fragments of credentials and near misses, so patterns do match."""
    rng = random.Random(7)
    fragments = [
        *(s[: rng.randint(0, len(s))] for s in SAMPLES),
        *SAMPLES,
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
