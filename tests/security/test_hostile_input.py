"""Property-based tests: hostile and malformed files at every loader (`--snapshot`, `--manifests`,
`--config`), through the real console entry point.

Whatever the file holds, the outcome is a report (exit 0; with one warning line per malformed object
skipped, issue 15) or exit 2 with one line that names the
file and, for a malformed object, the document (`file:line`) or list item within it. Never a
traceback, never exit 4. Examples are bounded (`max_examples`) so the tier stays fast.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.hostile import (
    JSON_VALUES,
    assert_accepted_or_refused,
    base_objects,
    deep_values,
    huge_strings,
    mutated_objects,
    paths,
    replaced,
    scan_manifests,
    scan_snapshot,
    validate_config,
)

#: Examples per property; K8SAUDIT_HYPOTHESIS_EXAMPLES=2000 for a long hunt (the default keeps `make test` fast).
EXAMPLES = int(os.environ.get("K8SAUDIT_HYPOTHESIS_EXAMPLES", "60"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(
    max_examples=max(1, EXAMPLES // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

GOOD = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}


@contextmanager
def written(name: str, content: str | bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="k8saudit-hostile-") as folder:
        path = Path(folder) / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        yield path


def dump_json(value: Any) -> str:
    return json.dumps(value, allow_nan=True)


# --- random documents -------------------------------------------------------------------------------


@FAST
@given(value=JSON_VALUES)
def test_random_json_at_every_loader(value: Any) -> None:
    text = dump_json(value)
    with written("input.json", text) as path:
        assert_accepted_or_refused(scan_snapshot(path), path)
        assert_accepted_or_refused(scan_manifests(path), path)
        assert_accepted_or_refused(validate_config(path), path)


@FAST
@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=300))
def test_random_text_at_every_loader(text: str) -> None:
    with written("input.yaml", text) as path:
        assert_accepted_or_refused(scan_snapshot(path), path)
        assert_accepted_or_refused(scan_manifests(path), path)
        assert_accepted_or_refused(validate_config(path), path)


@FAST
@given(
    text=st.lists(
        st.sampled_from(
            [
                "apiVersion: v1\n",
                "kind: Pod\n",
                "kind: List\n",
                "items:\n",
                "- ",
                "  ",
                "metadata: {name: x}\n",
                "spec:\n",
                "  containers: [{name: a, image: b}]\n",
                "---\n",
                "&a ",
                "*a\n",
                "!!binary aGk=\n",
                "!!python/object:os.system\n",
                "? [a]\n: b\n",
                '"\\x00"\n',
                "\t",
                "{",
                "]\n",
                "%YAML 1.1\n",
                "<<: *a\n",
                "key: 2024-01-01\n",
                "creationTimestamp: 2024-02-30T00:00:00Z\n",
                "runAsUser: 1" + "0" * 5000 + "\n",
            ]
        ),
        max_size=14,
    ).map("".join)
)
def test_yaml_made_of_kubernetes_and_yaml_pieces(text: str) -> None:
    """Random YAML that is close to valid: anchors, merge keys, tags, tabs, documents."""
    with written("input.yaml", text) as path:
        assert_accepted_or_refused(scan_manifests(path), path)
        assert_accepted_or_refused(scan_snapshot(path), path)
        assert_accepted_or_refused(validate_config(path), path)


@FAST
@given(data=st.binary(max_size=400))
def test_random_bytes_at_every_loader(data: bytes) -> None:
    with written("input.yaml", data) as path:
        for outcome in (scan_snapshot(path), scan_manifests(path), validate_config(path)):
            assert_accepted_or_refused(outcome, path)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                assert outcome.code == 2 and "UTF-8" in outcome.stderr, outcome.stderr


# --- real objects, broken one field at a time ------------------------------------------------------------


@FAST
@given(obj=mutated_objects())
def test_a_field_of_the_wrong_type_or_missing_names_the_document(obj: Any) -> None:
    """The broken object is the second document of a manifest and the second item of a snapshot."""
    manifest = yaml.safe_dump(GOOD) + "---\n" + yaml.safe_dump(obj, allow_unicode=True)
    line = manifest.splitlines().index("---") + 2
    with written("app.yaml", manifest) as path:
        assert_accepted_or_refused(scan_manifests(path), path, f"{path}:{line}")
    snapshot = {"apiVersion": "v1", "kind": "List", "items": [GOOD, obj]}
    with written("snap.json", dump_json(snapshot)) as path:
        assert_accepted_or_refused(scan_snapshot(path), path, "item 1")


@FAST
@given(obj=mutated_objects(), as_list=st.booleans())
def test_kubectl_style_lists_with_a_broken_item(obj: Any, as_list: bool) -> None:
    kind = obj.get("kind") if isinstance(obj, dict) else None
    items = [obj] if as_list else [GOOD, obj]
    doc = {"apiVersion": "v1", "kind": f"{kind}List" if as_list and isinstance(kind, str) else "List", "items": items}
    with written("list.yaml", yaml.safe_dump(doc, allow_unicode=True)) as path:
        assert_accepted_or_refused(scan_manifests(path), path, f"item {len(items) - 1}")


@SLOW
@given(obj=mutated_objects(huge_strings()))
def test_huge_strings_anywhere(obj: Any) -> None:
    with written("huge.json", dump_json(obj)) as path:
        assert_accepted_or_refused(scan_manifests(path), path)


@SLOW
@given(
    base=st.sampled_from(base_objects()),
    depth_value=deep_values(),
    choose=st.randoms(use_true_random=False),
    as_yaml=st.booleans(),
)
def test_deep_nesting_anywhere(base: dict[str, Any], depth_value: Any, choose: Any, as_yaml: bool) -> None:
    where = choose.choice(list(paths(base)))
    obj = replaced(base, where, depth_value)
    try:
        text = yaml.safe_dump(obj) if as_yaml else dump_json(obj)
    except RecursionError:  # too deep for the writer: the reader's turn comes in the corpus
        return
    with written("deep.yaml" if as_yaml else "deep.json", text) as path:
        assert_accepted_or_refused(scan_manifests(path), path)
        assert_accepted_or_refused(scan_snapshot(path), path)


# --- the config file ---------------------------------------------------------------------------------

CONFIG = {
    "apiVersion": "k8saudit.io/v1alpha1",
    "kind": "AuditConfig",
    "namespaces": {"include": ["*"], "exclude": ["kube-node-lease"]},
    "images": {"allowedRegistries": ["registry.example.com"]},
    "severity": {"pod.read-only-root-fs": "low"},
    "exemptions": [
        {
            "checks": ["pod.run-as-non-root"],
            "namespaces": ["istio-*"],
            "names": ["*"],
            "kinds": ["Deployment"],
            "containers": ["istio-proxy"],
            "reason": "Injected by the mesh",
            "owner": "platform@example.com",
            "expires": "2027-03-31",
        }
    ],
}


@FAST
@given(choose=st.randoms(use_true_random=False), value=JSON_VALUES, delete=st.booleans())
def test_a_config_with_a_field_of_the_wrong_type_names_the_line(choose: Any, value: Any, delete: bool) -> None:
    where = choose.choice(list(paths(CONFIG))[1:])
    config = replaced(CONFIG, where, None, delete=delete and isinstance(where[-1], str))
    if not (delete and isinstance(where[-1], str)):
        config = replaced(CONFIG, where, value)
    text = yaml.safe_dump(config, allow_unicode=True)
    with written("k8saudit.yaml", text) as path:
        outcome = validate_config(path)
        assert_accepted_or_refused(outcome, path)
        if outcome.code == 2:
            assert f"{path}:" in outcome.stderr  # file:line
        with written("ns.yaml", yaml.safe_dump(GOOD)) as manifest:
            scanned = scan_manifests_with_config(manifest, path)
            assert scanned.code == outcome.code, (scanned.stderr, outcome.stderr)


def scan_manifests_with_config(manifest: Path, config: Path) -> Any:
    from tests.security.support import run_main

    return run_main("scan", "--manifests", manifest, "--config", config, "-f", "json", "-o", "-", "-q")
