"""The files fast paths the benchmark led to give exactly what the plain code gave.

Each optimisation keeps an oracle here: the straightforward version it replaced, compared over
crafted and random inputs (benchmarks/README.md says why each exists).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8saudit.sources.files import _documents

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
