"""The audit configuration file (`--config k8saudit.yaml`): the source of truth for exemptions.

Schema (`apiVersion: k8saudit.io/v1alpha1`, `kind: AuditConfig`; every field but those two is
optional and unknown fields are errors)::

    apiVersion: k8saudit.io/v1alpha1
    kind: AuditConfig
    defaultExemptions: true            # the documented control-plane exemptions (README)
    namespaces:                        # scope: globs; a namespace is in scope when it matches an
      include: ["*"]                   #   include (none given: every namespace) and no exclude
      exclude: [kube-node-lease, "sandbox-*"]
    images:
      allowedRegistries: [registry.example.com, ghcr.io/acme]
    severity:                          # per check id: critical, high, medium, low, info
      pod.read-only-root-fs: low
    exemptions:
      - checks: [pod.run-as-non-root]  # ids, globs such as `pod.*`, or `*`
        namespaces: ["istio-*"]        # globs; none given: any namespace
        names: ["*"]                   # globs on the resource name; none given: any name
        kinds: [Deployment]            # none given: any kind
        containers: [istio-proxy]      # globs; given: only findings about those containers
        reason: Injected by the mesh; tracked in SEC-1234
        owner: platform-team@example.com
        expires: 2027-03-31            # valid through that day (UTC); then a failure again

A malformed file is never half-read: `load_config` raises one `InputError` line naming the
file and the line of the offending key (`k8saudit.yaml:14: exemptions[0].owner: ...`), which
the CLI prints with exit code 2.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictBool, StringConstraints, ValidationError

from k8saudit.model.findings import Severity
from k8saudit.model.inventory import AuditSettings
from k8saudit.model.kinds import BY_KIND
from k8saudit.runtime.errors import InputError
from k8saudit.runtime.files import read_bounded
from k8saudit.runtime.yamlguard import GuardedLoader, alias_problem

API_VERSION = "k8saudit.io/v1alpha1"
KIND = "AuditConfig"

#: A non-empty string (YAML numbers and booleans are refused rather than turned into text).
Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
Loc = tuple[str | int, ...]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NamespaceScope(_Strict):
    """Which namespaces are audited. Cluster-level findings are always kept."""

    include: list[Text] = Field(default_factory=list)
    exclude: list[Text] = Field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.include or self.exclude)

    def contains(self, namespace: str) -> bool:
        if self.include and not any(fnmatch.fnmatchcase(namespace, p) for p in self.include):
            return False
        return not any(fnmatch.fnmatchcase(namespace, p) for p in self.exclude)


class ImageSettings(_Strict):
    allowedRegistries: list[Text] = Field(default_factory=list)


class ExemptionRule(_Strict):
    """One `exemptions:` entry. Every selector given must match; selectors left out match anything."""

    checks: list[Text] = Field(min_length=1)
    namespaces: list[Text] = Field(default_factory=list)
    names: list[Text] = Field(default_factory=list)
    kinds: list[Text] = Field(default_factory=list)
    containers: list[Text] = Field(default_factory=list)
    reason: Text
    owner: Text
    expires: dt.date | None = None
    _source: str = PrivateAttr(default="config")

    @property
    def source(self) -> str:
        """`k8saudit.yaml:14`: where a person finds this entry."""
        return self._source

    def covers_check(self, check_id: str) -> bool:
        return any(p == "*" or fnmatch.fnmatchcase(check_id, p) for p in self.checks)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires


class AuditConfig(_Strict):
    apiVersion: Literal["k8saudit.io/v1alpha1"]
    kind: Literal["AuditConfig"]
    defaultExemptions: StrictBool = True
    namespaces: NamespaceScope = Field(default_factory=NamespaceScope)
    images: ImageSettings = Field(default_factory=ImageSettings)
    severity: dict[str, Severity] = Field(default_factory=dict)
    exemptions: list[ExemptionRule] = Field(default_factory=list)
    _file: str | None = PrivateAttr(default=None)

    @property
    def file(self) -> str | None:
        return self._file

    def audit_settings(self, base: AuditSettings | None = None) -> AuditSettings:
        """The settings checks read, with what this file sets over `base`."""
        base = base or AuditSettings()
        if not self.images.allowedRegistries:
            return base
        return AuditSettings(allowed_registries=tuple(self.images.allowedRegistries))


# --- loading ---------------------------------------------------------------------------------------


def load_config(path: Path | str, known_checks: Iterable[str] | None = None) -> AuditConfig:
    """Read and validate a config file, or raise one InputError line naming the file and line.

    `known_checks` are the ids exemptions and severity overrides may name (default: the
    registered catalogue).
    """
    path = Path(path)
    try:
        text = read_bounded(path).decode("utf-8")
    except InputError as exc:
        raise InputError(f"config file {exc}") from None
    except FileNotFoundError:
        raise InputError(f"config file {path}: not found") from None
    except IsADirectoryError:
        raise InputError(f"config file {path}: is a directory, not a YAML file") from None
    except UnicodeDecodeError:
        raise InputError(f"config file {path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"config file {path}: {exc.strerror or exc}") from None
    return parse_config(text, str(path), known_checks)


class _Loader(GuardedLoader):
    """A safe loader that leaves an impossible date (2027-02-30) as text for validation to name."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def parse_config(text: str, name: str = "k8saudit.yaml", known_checks: Iterable[str] | None = None) -> AuditConfig:
    """Validate config text; `name` is what error lines call the file."""
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # refuses control characters here, before any node
        node = loader.get_single_node()
        if node is None:
            raise InputError(
                f"{name}: the config file is empty; it needs at least `apiVersion: {API_VERSION}` and `kind: {KIND}`"
            )
        problem = alias_problem(node) if loader.aliases else None
        if problem:
            raise InputError(f"{name}:{node.start_mark.line + 1}: {problem}")
        lines = _key_lines(node, name)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = exc.problem or exc.context or "cannot be parsed"
        if exc.context and exc.problem and exc.context_mark is not None and mark is not exc.context_mark:
            problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise InputError(f"{where}: invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(f"{name}:{line}: invalid YAML: {str(exc).splitlines()[0]}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: invalid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise InputError(f"{name}: nested too deep to be an audit config") from None
    except (ValueError, OverflowError) as exc:  # an integer of 5,000 digits
        reason = str(exc).split(";")[0].splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{name}: a value cannot be read ({reason})") from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise InputError(f"{name}:{node.start_mark.line + 1}: the config must be a mapping with apiVersion and kind")
    try:
        config = AuditConfig.model_validate(data)
    except ValidationError as exc:
        raise InputError(_first_error(exc, lines, name)) from None
    config._file = name
    for i, rule in enumerate(config.exemptions):
        rule._source = f"{name}:{lines.get(('exemptions', i), 0)}"
    _check_references(config, lines, name, known_checks)
    return config


def _key_lines(root: yaml.Node, name: str) -> dict[Loc, int]:
    """1-based line of every key (and sequence item) by its path; refuses duplicate keys."""
    lines: dict[Loc, int] = {(): root.start_mark.line + 1}

    def walk(node: yaml.Node, loc: Loc) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise InputError(
                        f"{name}:{line}: {_dotted((*loc, key))}: duplicate key (first at line {seen[key]})"
                    )
                seen[key] = line
                lines[(*loc, key)] = line
                walk(value_node, (*loc, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*loc, i)] = item.start_mark.line + 1
                walk(item, (*loc, i))

    walk(root, ())
    return lines


def _dotted(loc: Loc) -> str:
    """`exemptions[0].checks[2]`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line(lines: Mapping[Loc, int], loc: Loc) -> int:
    """The line of `loc`, or of its nearest parent that is in the file (a missing field)."""
    while loc not in lines and loc:
        loc = loc[:-1]
    return lines.get(loc, 1)


_FIELDS: dict[str, type[BaseModel]] = {
    "": AuditConfig,
    "namespaces": NamespaceScope,
    "images": ImageSettings,
    "exemptions": ExemptionRule,
}


def _allowed_fields(loc: Loc) -> list[str]:
    parent = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
    model = _FIELDS.get(parent)
    return list(model.model_fields) if model else []


def _first_error(exc: ValidationError, lines: Mapping[Loc, int], name: str) -> str:
    # An unknown field first: a misspelt key is the cause of the "missing" error beside it.
    errors = sorted(exc.errors(), key=lambda e: (e["type"] != "extra_forbidden", _line(lines, tuple(e["loc"]))))
    err = errors[0]
    loc: Loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_fields(loc)
        hint = _suggest(str(loc[-1]), allowed) if allowed else ""
        message = f"unknown field {loc[-1]!r}" + (hint or (f" (allowed: {', '.join(allowed)})" if allowed else ""))
    elif kind == "missing":
        message = "required field is missing"
        if loc == ("apiVersion",) or loc == ("kind",):
            message += f" (apiVersion: {API_VERSION}, kind: {KIND})"
    elif kind == "literal_error":
        message = f"{err['msg']}, not {err['input']!r}"
    elif kind == "enum" and loc[:1] == ("severity",):
        message = f"{err['input']!r} is not a severity: use {', '.join(s.value for s in Severity)}"
    else:
        message = err["msg"]
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{name}:{_line(lines, loc)}: {_dotted(loc)}: {message}{more}"


def _suggest(value: str, choices: Iterable[str]) -> str:
    pool = sorted(set(choices))
    close = difflib.get_close_matches(value, pool, n=3, cutoff=0.6)
    tail = value.rsplit(".", 1)[-1]
    close += [c for c in pool if tail and tail in c and c not in close][: 3 - len(close)]
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _check_references(
    config: AuditConfig, lines: Mapping[Loc, int], name: str, known_checks: Iterable[str] | None
) -> None:
    """Check ids, kinds and registries that the schema alone cannot judge."""
    if known_checks is None:
        from k8saudit.checks.registry import all_checks

        known_checks = [c.id for c in all_checks()]
    known = set(known_checks)

    def fail(loc: Loc, message: str) -> None:
        raise InputError(f"{name}:{_line(lines, loc)}: {_dotted(loc)}: {message}")

    for i, rule in enumerate(config.exemptions):
        for j, pattern in enumerate(rule.checks):
            loc: Loc = ("exemptions", i, "checks", j)
            if pattern == "*":
                continue
            if any(ch in pattern for ch in "*?["):
                if not any(fnmatch.fnmatchcase(cid, pattern) for cid in known):
                    fail(loc, f"pattern {pattern!r} matches no check id (run `k8saudit checks` for the list)")
            elif pattern not in known:
                fail(loc, f"unknown check id {pattern!r}{_suggest(pattern, known)}")
        for j, kind in enumerate(rule.kinds):
            if kind not in BY_KIND:
                fail(("exemptions", i, "kinds", j), f"unknown kind {kind!r}{_suggest(kind, BY_KIND)}")
    for check_id in config.severity:
        if check_id not in known:
            fail(("severity", check_id), f"unknown check id {check_id!r}{_suggest(check_id, known)}")
    for j, registry in enumerate(config.images.allowedRegistries):
        if "://" in registry or registry.startswith("/"):
            fail(
                ("images", "allowedRegistries", j),
                f"{registry!r} is not a registry: write a host and optional path, e.g. ghcr.io/acme",
            )
