"""Hypothesis strategies for hostile input: random JSON and YAML, objects with a field of the
wrong type or missing, huge strings, deep nesting; and what every loader must do with them."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from k8saudit.sources.demo import snapshot_path
from tests.integration.cluster import realistic_cluster
from tests.security.support import WARNING_PREFIX, Outcome, assert_one_line_error, run_main

Path_ = tuple[str | int, ...]

#: JSON scalars, including the ones JSON parsers disagree on (NaN, huge integers, lone surrogates
#: are left out: they cannot be written as UTF-8).
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63, max_value=2**200)
    | st.floats()
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
    | st.sampled_from(["", "-", "~", "null", "yes", "0x1f", "1e400", ".nan", "<script>", "\x00", "\u202e"])
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"]), max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@cache
def base_objects() -> tuple[dict[str, Any], ...]:
    """Realistic objects of every kind k8saudit reads: the integration cluster's raw objects (env
    values, ConfigMap data and all) and one of each kind from the demo snapshot."""
    objects = [o for o in realistic_cluster() if o["kind"] != "Secret"]
    seen = {o["kind"] for o in objects}
    demo = json.loads(snapshot_path().read_text())["items"]
    for item in demo:
        if item["kind"] not in seen and item["kind"] != "ClusterFacts":
            objects.append(item)
            seen.add(item["kind"])
    return tuple(objects)


def paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path into a JSON value (mapping keys and list indices), the value's own first."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from paths(child, (*prefix, i))


def replaced(obj: dict[str, Any], path: Path_, value: Any, *, delete: bool = False) -> Any:
    """A copy of `obj` with the value at `path` replaced (or removed)."""
    if not path:
        return value
    out = copy.deepcopy(obj)
    parent: Any = out
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


def nested(depth: int, leaf: Any = "x", *, mapping: bool = False) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"k": value} if mapping else [value]
    return value


@st.composite
def mutated_objects(draw: st.DrawFn, values: st.SearchStrategy[Any] = JSON_VALUES) -> Any:
    """A real object with one field (anywhere: metadata, spec, a container) given a value of any
    type, or removed."""
    base = draw(st.sampled_from(base_objects()))
    where = draw(st.sampled_from(list(paths(base))[1:]))
    if draw(st.booleans()) and isinstance(where[-1], str):
        return replaced(base, where, None, delete=True)
    return replaced(base, where, draw(values))


def huge_strings() -> st.SearchStrategy[str]:
    return st.builds(lambda n, c: c * n, st.integers(100_000, 2_000_000), st.sampled_from(["a", "é", "<", "{", "\\"]))


def deep_values() -> st.SearchStrategy[Any]:
    return st.builds(nested, st.integers(30, 3000), st.just("x"), mapping=st.booleans())


# --- what a loader must do ---------------------------------------------------------------------------


def scan_snapshot(path: Path) -> Outcome:
    return run_main("scan", "--snapshot", path, "--format", "json", "--output", "-", "--quiet")


def scan_manifests(path: Path) -> Outcome:
    return run_main("scan", "--manifests", path, "--format", "json", "--output", "-", "--quiet")


def validate_config(path: Path) -> Outcome:
    return run_main("config", "validate", path)


def assert_accepted_or_refused(outcome: Outcome, path: Path, *where: str) -> None:
    """Either a report (exit 0, JSON on stdout) or exit 2 with one line naming the file and `where`
    (the document or item); nothing else: no traceback, no internal error, no second line.

    A report may come with warnings: one line per malformed object that was skipped (issue 15),
    each naming the file and `where`, and nothing but such lines."""
    assert "Traceback" not in outcome.stderr, outcome.stderr[-3000:]
    if outcome.code == 0:
        for line in outcome.stderr.splitlines():
            assert line.startswith(WARNING_PREFIX) and "skipped a malformed" in line, outcome.stderr[-3000:]
            assert str(path) in line, line
            for name in where:
                assert name in line, (name, line)
        if outcome.stdout.startswith("{"):
            assert "findings" in outcome.report()
        return
    assert_one_line_error(outcome, 2, str(path), *where)
