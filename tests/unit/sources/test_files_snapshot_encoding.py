"""The streamed snapshot writer gives exactly the bytes of `json.dumps(snapshot_document(inv))`,
including for the values where pydantic-core's JSON and `json.dumps` disagree."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from k8saudit.model.facts import ClusterFactsSpec
from k8saudit.model.inventory import Inventory
from k8saudit.model.kinds import BY_KIND
from k8saudit.model.objects import K8sObject
from k8saudit.sources.demo import snapshot_path
from k8saudit.sources.files import (
    _Consumed,
    _objects,
    _snapshot_items,
    dumps_snapshot,
    load_snapshot,
    snapshot_document,
    write_snapshot,
)

FLOATS = [0.5, 1e15, 1e16, 1e22, 1e-4, 1e-5, 1.2e-5, 1.5e-7, -3e-9, 5e-324, 1e300, -0.0, 123456789.125]
STRINGS = ["plain", "é ü", "\u2028", "\U0001f600", "\x00\x1f", "\x7f", "v2e-3", "0.00001", "a\ud800b"]


def limit_range(name: str, spec: dict[str, Any], api_version: str = "v1") -> dict[str, Any]:
    meta = {"name": name, "namespace": "ns", "uid": "1b2c3e-4f5a"}
    return {"apiVersion": api_version, "kind": "LimitRange", "metadata": meta, "spec": spec}


def inventory(docs: list[dict[str, Any]]) -> Inventory:
    objects: list[K8sObject] = []
    for doc in docs:
        obj = BY_KIND[doc["kind"]].model.model_validate(doc)
        obj.set_kind(doc["kind"], obj.apiVersion)
        objects.append(obj)
    return Inventory(objects, ClusterFactsSpec(source="live", context="ctx\x7f"))


def old_bytes(inv: Inventory) -> bytes:
    return json.dumps(snapshot_document(inv), separators=(",", ":")).encode()


@pytest.mark.parametrize("value", FLOATS + STRINGS, ids=repr)
def test_each_awkward_value_is_encoded_as_json_dumps_does(value: Any) -> None:
    inv = inventory([limit_range("a", {"x": value, "list": [value, {"y": value}]})])
    assert dumps_snapshot(inv).encode() == old_bytes(inv)


def test_many_objects_an_empty_api_version_and_a_round_trip(tmp_path: Path) -> None:
    docs = [limit_range(f"lr{i}", {"i": i, "f": FLOATS[i % len(FLOATS)]}) for i in range(3000)]
    docs.append(limit_range("no-version", {}, api_version=""))  # `_item` appends apiVersion at the end
    inv = inventory(docs)
    out = tmp_path / "snap.json"
    write_snapshot(inv, out)
    written = out.read_bytes()
    assert written == old_bytes(inv)
    assert written.endswith(b'"uid":"1b2c3e-4f5a"},"apiVersion":"v1"}]}')
    loaded = load_snapshot(out)
    assert json.loads(dumps_snapshot(loaded))["items"][1:] == json.loads(written)["items"][1:]


def described(objects: list[Any]) -> list[tuple[Any, ...]]:
    return [(type(o).__name__, o.kind, o.apiVersion, o.metadata.namespace, o.origin, o.dump()) for o in objects]


def test_the_per_kind_reader_gives_what_the_general_reader_gives() -> None:
    doc = json.loads(snapshot_path().read_text())
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "namespace": "stray"}}
    pod = {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}}  # no apiVersion: the kind's
    doc["items"] += [node, pod]
    general = list(_objects(copy.deepcopy(doc), "snap.json", None))
    fast = _snapshot_items(doc, "snap.json")
    assert fast is not None
    assert doc["items"] == []  # released as they were validated
    assert len(fast) == len(general) and len({type(o) for o in fast}) > 10
    assert described(fast) == described(general)
    assert fast[-2].metadata.namespace is None and fast[-1].apiVersion == "v1"


@pytest.mark.parametrize(
    "item",
    [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}},  # skipped by the general reader
        {"apiVersion": "v1", "kind": "List", "items": []},
        {"apiVersion": "example.com/v1", "kind": "ClusterFacts"},
        {"metadata": {"name": "no-kind"}},
        "not an object",
    ],
    ids=repr,
)
def test_anything_else_is_left_to_the_general_reader(item: Any) -> None:
    doc = {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace"}, item]}
    assert _snapshot_items(doc, "snap.json") is None


def test_a_malformed_item_gives_up_after_releasing_the_items() -> None:
    doc = {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 5}}]}
    with pytest.raises(_Consumed):  # load_snapshot reads the document again for the general reader
        _snapshot_items(doc, "snap.json")


def test_a_malformed_item_is_named_as_before(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Named in its warning, and skipped (issue 15): the other items are read."""
    items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}] * 3
    items.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": ["x"]}})
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    inv = load_snapshot(path)
    assert [obj.kind for obj in inv.all_objects()] == ["Namespace"] * 3
    (record,) = caplog.records
    assert re.match(
        r".*snap\.json item 3: skipped a malformed Pod p, the rest is audited: metadata\.labels: ", record.getMessage()
    )
