"""Decide whether a name or value looks like a credential, so the value can be dropped.

The auditor reads env values, ConfigMap data and container arguments only long enough to
classify them. Classification returns a short *reason* ("value looks like a JWT") that may
appear in a finding; the value itself never leaves this module.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Names that suggest the value is a secret. Matched case-insensitively on word parts.
_SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|pwd|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|"
    r"credential|auth[-_]?key|client[-_]?secret|session[-_]?key|signing[-_]?key|dsn|conn(ection)?[-_]?str)",
    re.IGNORECASE,
)
#: Names containing a secret word that are nonetheless references, not secrets.
_REFERENCE_NAME = re.compile(r"(_|-)(file|path|dir|name|ref|url_env|secret_name|key_id|length|ttl)$", re.I)

_VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "value contains a private key"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "value looks like an AWS access key id"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), "value looks like a JWT"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), "value looks like a GitHub token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "value looks like a Slack token"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "value looks like a Google API key"),
    (re.compile(r"\bsk_live_[0-9A-Za-z]{16,}"), "value looks like a Stripe secret key"),
    (re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"), "value is a URL with an embedded password"),
)

#: For each pattern above, the literal substrings a match must contain: alternatives, each a
#: group of substrings that must all be present. Checking them first (`in` is a memchr-speed
#: scan) skips the regexes for almost every value: classifying env values was half the cost of
#: parsing a 20,000-pod cluster (benchmarks/README.md). The result is the same: a pattern is
#: still searched whenever it could match.
_VALUE_NEEDLES: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("-----BEGIN ",),),
    (("AKIA",), ("ASIA",)),
    (("eyJ",),),
    (("gh", "_"),),
    (("xox",),),
    (("AIza",),),
    (("sk_live_",),),
    (("://", "@"),),
)
assert len(_VALUE_NEEDLES) == len(_VALUE_PATTERNS)
_CHECKS = tuple(zip(_VALUE_NEEDLES, _VALUE_PATTERNS, strict=True))
#: The first substring of every alternative: one scan that rules out most values at once.
_ANY_NEEDLE = re.compile("|".join(re.escape(group[0]) for alternatives in _VALUE_NEEDLES for group in alternatives))

#: Placeholder written wherever a value was removed.
REDACTED = "<redacted>"


@lru_cache(maxsize=4096)
def name_looks_secret(name: str) -> bool:
    """True when a variable or key *name* suggests it holds a credential.

    Cached: names repeat across every replica of a workload (values are never cached).
    """
    return bool(_SECRET_NAME.search(name)) and not _REFERENCE_NAME.search(name)


def value_reason(value: str) -> str | None:
    """Why a *value* looks like a credential, or None. Never returns the value."""
    if _ANY_NEEDLE.search(value) is None:
        return None
    for alternatives, (pattern, reason) in _CHECKS:
        for group in alternatives:  # plain loops: any()/all() generators cost more than the scans
            for needle in group:
                if needle not in value:
                    break
            else:
                if pattern.search(value):
                    return reason
                break
    return None


def classify(name: str, value: str | None) -> str | None:
    """Reason a literal name/value pair looks like a credential, or None.

    An empty value is not a credential whatever its name: `PASSWORD=""` leaks nothing.
    """
    if not value:
        return None
    reason = value_reason(value)
    if reason:
        return reason
    if name_looks_secret(name) and len(value) >= 4:
        return f"name {name!r} suggests a credential and it has a literal value"
    return None


_BOOLEANS = ("true", "false")


def _secret_flag_value(name: str, value: str) -> bool:
    """A flag named like a credential with a value: any length counts (`--password=x`).

    Booleans are switches, not secrets (`--enable-bootstrap-token-auth=true`).
    """
    return bool(value) and name_looks_secret(name) and value.lower() not in _BOOLEANS


_FLAG = re.compile(r"^(--?[A-Za-z0-9][A-Za-z0-9_.-]*)=(.*)$", re.S)


def redact_args(args: list[str]) -> list[str]:
    """Remove credential values from a command line, keeping flag names.

    `--db-password=hunter2` becomes `--db-password=<redacted>`; a bare argument that
    matches a credential pattern becomes `<redacted>`. Control-plane flags such as
    `--tls-private-key-file=/etc/...` are references to files and are kept.
    """
    out: list[str] = []
    secret_flag_pending = False
    for arg in args:
        if secret_flag_pending and not arg.startswith("-") and arg.lower() not in _BOOLEANS:
            out.append(REDACTED)  # `--password hunter2`: the value is the next word
            secret_flag_pending = False
            continue
        secret_flag_pending = arg.startswith("-") and "=" not in arg and name_looks_secret(arg.lstrip("-"))
        match = _FLAG.match(arg)
        if match:
            flag, value = match.groups()
            if value_reason(value) or _secret_flag_value(flag.lstrip("-"), value):
                out.append(f"{flag}={REDACTED}")
                continue
            out.append(arg)
        elif value_reason(arg):
            out.append(REDACTED)
        else:
            out.append(arg)
    return out
