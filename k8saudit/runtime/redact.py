"""Decide whether a name or value looks like a credential, so the value can be dropped.

The auditor reads env values, ConfigMap data and container arguments only long enough to
classify them. Classification returns a short *reason* ("value looks like a JWT") that may
appear in a finding; the value itself never leaves this module.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

#: Names that suggest the value is a secret. Matched case-insensitively on word parts. A name
#: that ends in KEY is one (`AZURE_BATCH_KEY`, `MASTERKEY`, `tls.key`), and so is the key's text
#: under its own name (`OCI_CLI_KEY_CONTENT`, `SSH_KEY_DATA`).
_SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|pwd|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|"
    r"credential|auth[-_]?key|client[-_]?secret|session[-_]?key|signing[-_]?key|dsn|conn(ection)?[-_]?str|"
    r"key$|key[-_.]?(content|data)$)",
    re.IGNORECASE,
)
#: Names containing a secret word that are nonetheless references, not secrets: where the secret
#: is (a file, a path, a Secret's name, an id), or keys that are public or index data rather than
#: unlock it (`PUBLIC_KEY`, `SORT_KEY`, `ROUTING_KEY`).
_REFERENCE_NAME = re.compile(
    r"(_|-)(file|path|dir|name|ref|url_env|secret_name|key_id|id|length|ttl)$"
    r"|(pub(lic)?|sort|partition|routing|cache|primary|foreign|hash|range|idempotency|lookup|shard|object)"
    r"[-_.]?key([-_.]?(content|data))?$",
    re.I,
)

#: An HTTP auth scheme (RFC 9110 11.1: schemes are case-insensitive; these are the spellings in use).
_SCHEME = r"(?:Bearer|Basic|Token|bearer|basic|token)"
#: A credential after a scheme: a token68 of at least 8 characters, never a placeholder that is
#: filled in later (`${TOKEN}`, `$http_x_token`, `{{ .Values.token }}`, `%(token)s`, `<redacted>`).
_CREDENTIAL68 = r"(?![$%{<])[A-Za-z0-9._~+/-]{8,}=*"

_VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM of every algorithm, PKCS#8 (ENCRYPTED too), OpenSSH, PGP blocks, SSH.com's `---- BEGIN
    # SSH2 ENCRYPTED PRIVATE KEY ----`: the header whatever its dashes (certificates and public
    # keys have none of these words). The words between are bounded: a run of `BEGIN BEGIN ...`
    # must not make the search quadratic.
    (re.compile(r"BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?"), "value contains a private key"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "value looks like an AWS access key id"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), "value looks like a JWT"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), "value looks like a GitHub token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "value looks like a Slack token"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "value looks like a Google API key"),
    (re.compile(r"\bsk_live_[0-9A-Za-z]{16,}"), "value looks like a Stripe secret key"),
    (re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"), "value is a URL with an embedded password"),
    (re.compile(r"PuTTY-User-Key-File-\d+:"), "value contains a private key (PuTTY format)"),
    # The whole value is an Authorization header's value (`Bearer x`, `Basic x`, `Digest username=...`).
    (
        re.compile(
            rf"\A\s*(?:[Aa]uthorization:\s*)?(?:{_SCHEME}[ \t]+{_CREDENTIAL68}"
            r"|(?:Digest|digest)[ \t]+[A-Za-z]+=[^\n]{6,})\s*\Z"
        ),
        "value is an HTTP Authorization credential",
    ),
    # An Authorization header inside a longer value: a curl line, an nginx `proxy_set_header`.
    (
        re.compile(rf"[Aa]uthorization[\"']?\s*[:=]?\s*[\"']?(?:{_SCHEME}|Digest|digest)[ \t]+{_CREDENTIAL68}"),
        "value is an HTTP Authorization credential",
    ),
)

#: For each pattern above, the literal substrings a match must contain: alternatives, each a
#: group of substrings that must all be present. Checking them first (`in` is a memchr-speed
#: scan) skips the regexes for almost every value: classifying env values was half the cost of
#: parsing a 20,000-pod cluster (benchmarks/README.md). The result is the same: a pattern is
#: still searched whenever it could match.
_VALUE_NEEDLES: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("PRIVATE KEY", "BEGIN "),),
    (("AKIA",), ("ASIA",)),
    (("eyJ",),),
    (("gh", "_"),),
    (("xox",),),
    (("AIza",),),
    (("sk_live_",),),
    (("://", "@"),),
    (("PuTTY-User-Key-File-",),),
    (("earer",), ("asic",), ("oken",), ("igest",)),
    (("uthorization",),),
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


def any_may_look_secret(values: Collection[object]) -> bool:
    """False when no string among `values` can look like a credential: one scan of them joined
    instead of a `value_reason` call each (labels are read for every object of a large cluster).
    True means: ask `value_reason` of each. No needle contains the separator, so a needle found
    in the joined text lies within one value."""
    try:
        joined = "\x00".join(values)  # type: ignore[arg-type]
    except TypeError:
        joined = "\x00".join(v for v in values if isinstance(v, str))
    return _ANY_NEEDLE.search(joined) is not None


#: A file path in one word: `/var/secrets/google/key.json`, `~/.aws/credentials`, `./token`,
#: `C:\\secrets\\x`. No `+`, `=` or whitespace (base64 and prose have them, these paths do not).
_RELATIVE_PATH = re.compile(r"(?:~|\.\.?)/[\w.@:,/-]*\Z")
_ABSOLUTE_PATH = re.compile(r"/[\w.@:,-]+(?:/[\w.@:,-]+)*/?\Z")
_WINDOWS_PATH = re.compile(r"[A-Za-z]:\\[\w.@:,\\-]*\Z")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}\Z")


def _random_segment(segment: str) -> bool:
    """A long segment mixing upper case, lower case and digits is a token's text, not a file's name."""
    return (
        len(segment) >= 16
        and any(c.isupper() for c in segment)
        and any(c.islower() for c in segment)
        and any(c.isdigit() for c in segment)
    )


def looks_like_path(value: str) -> bool:
    """Whether `value` is a file path: a variable that says where a credential is
    (`GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/google/key.json`) holds no credential.

    A relative path (`./`, `../`, `~/`) is one whatever follows; an absolute one needs two
    segments or a file extension (`/hunter2` may be a password), and a segment that reads like
    random text (`/Zx8fH2kQ9pLm3Nv7Bc4/...`, base64 with slashes) makes it a credential again.
    """
    if _RELATIVE_PATH.match(value) or _WINDOWS_PATH.match(value):
        return True
    if not _ABSOLUTE_PATH.match(value):
        return False
    segments = [s for s in value.split("/") if s]
    if len(segments) < 2 and not _EXTENSION.search(value):
        return False
    return not any(_random_segment(s) for s in segments)


def classify(name: str, value: str | None) -> str | None:
    """Reason a literal name/value pair looks like a credential, or None.

    An empty value is not a credential whatever its name: `PASSWORD=""` leaks nothing; nor is a
    file path under a credential's name (`GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json`):
    it says where the credential is.
    """
    if not value:
        return None
    reason = value_reason(value)
    if reason:
        return reason
    if name_looks_secret(name) and len(value) >= 4 and not looks_like_path(value):
        return f"name {name!r} suggests a credential and it has a literal value"
    return None


_BOOLEANS = ("true", "false")


def _secret_flag_value(name: str, value: str) -> bool:
    """A flag named like a credential with a value: any length counts (`--password=x`).

    Booleans are switches, not secrets (`--enable-bootstrap-token-auth=true`), and a file path says
    where a credential is (`--kubelet-client-key=/etc/kubernetes/pki/...`).
    """
    return bool(value) and name_looks_secret(name) and value.lower() not in _BOOLEANS and not looks_like_path(value)


_FLAG = re.compile(r"^(--?[A-Za-z0-9][A-Za-z0-9_.-]*)=(.*)$", re.S)
#: `PGPASSWORD=hunter2 psql ...`, `export API_TOKEN=...;` in a shell command line.
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
#: Words after which the next word is a credential: an HTTP auth scheme (`Bearer x`) or a header
#: named like one (`Authorization: Basic x`, `X-Api-Key: x`), as in a `curl -H` in a shell line.
_AUTH_SCHEME = re.compile(r"^[\"']?(bearer|basic|token|digest)$", re.I)
_HEADER = re.compile(r"^[\"']?([A-Za-z0-9_-]+):$")
_SPACE = re.compile(r"(\s+)")


def _unquoted(value: str) -> str:
    return value.strip("\"'`;")


def _sets_pending(word: str) -> bool:
    """Whether the word after this one is a credential (`--password x`, `Bearer x`, `X-Api-Key: x`,
    `AUTH=Bearer x`)."""
    if word.startswith("-") and "=" not in word:
        return name_looks_secret(word.lstrip("-"))
    if _AUTH_SCHEME.match(word):
        return True
    if "=" in word and _AUTH_SCHEME.match(word.rsplit("=", 1)[1]):
        return True
    header = _HEADER.match(word)
    return header is not None and (header.group(1).lower() == "authorization" or name_looks_secret(header.group(1)))


def _redact_word(word: str) -> str:
    """One word with no whitespace: a flag, an assignment or a bare value."""
    match = _FLAG.match(word)
    if match:
        flag, value = match.groups()
        if value_reason(value) or _secret_flag_value(flag.lstrip("-"), _unquoted(value)):
            return f"{flag}={REDACTED}"
        return word
    match = _ASSIGNMENT.match(word)
    if match:
        name, value = match.groups()
        if value_reason(value) or _secret_flag_value(name, _unquoted(value)):
            return f"{name}={REDACTED}"
        return word
    return REDACTED if value_reason(word) else word


#: The value patterns that are whole private keys: their text spans words and lines.
_PRIVATE_KEYS = tuple(check for check in _CHECKS if "private key" in check[1][1])


def _holds_private_key(text: str) -> bool:
    return any(
        all(needle in text for needle in alternatives[0]) and pattern.search(text)
        for alternatives, (pattern, _) in _PRIVATE_KEYS
    )


def _opens_quote(value: str) -> str | None:
    """The quote a redacted value opens and does not close (`'two words'` split at the space)."""
    quote = value[:1]
    if quote in ("'", '"') and (len(value) == 1 or not value.endswith(quote)):
        return quote
    return None


def _redact_sequence(words: list[str]) -> list[str]:
    out: list[str] = []
    pending = False
    open_quote: str | None = None  # a redacted value's quote, still open: its next words are the value too
    for word in words:
        if open_quote is not None:
            out.append(REDACTED)
            if word.rstrip(";&|)").endswith(open_quote):
                open_quote = None
            continue
        if pending and _AUTH_SCHEME.match(word):
            out.append(word)  # `Authorization: Bearer x`: the scheme is kept, what follows is not
            continue
        if (
            pending
            and not word.startswith("-")
            and _unquoted(word).lower() not in _BOOLEANS
            and not looks_like_path(_unquoted(word))
        ):
            out.append(REDACTED)  # `--password hunter2`: the value is the next word (`--key /etc/x.pem` is a path)
            pending, open_quote = False, _opens_quote(word)
            continue
        pending = _sets_pending(word)
        if _SPACE.search(word):
            line = _redact_line(word)
            # a credential with spaces in it (a private key) survives word by word: drop it whole; a
            # key's first word may itself have been redacted (`PuTTY-User-Key-File-3:`): look at both
            out.append(REDACTED if value_reason(line) or _holds_private_key(word) else line)
            continue
        redacted = _redact_word(word)
        out.append(redacted)
        if redacted != word and redacted.endswith(REDACTED) and "=" in word:
            open_quote = _opens_quote(word.split("=", 1)[1])
    return out


def _redact_line(line: str) -> str:
    """A shell command line in one argument (`sh -c "mysql --password hunter2 ..."`), word by word,
    its spacing kept."""
    parts = _SPACE.split(line)
    words = _redact_sequence(parts[0::2])
    parts[0::2] = words
    return "".join(parts)


def redact_args(args: list[str]) -> list[str]:
    """Remove credential values from a command line, keeping flag names.

    `--db-password=hunter2` becomes `--db-password=<redacted>`, `--token x` keeps `--token`
    and loses `x`, `PGPASSWORD=x` keeps its name, a bare argument that matches a credential
    pattern becomes `<redacted>`; an argument that is itself a shell command line (`sh -c
    "..."`) is redacted word by word. Control-plane flags such as
    `--tls-private-key-file=/etc/...` are references to files and are kept.
    """
    return _redact_sequence(list(args))
