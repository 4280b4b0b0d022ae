"""YAML that cannot blow up: a safe loader that notices aliases, and a check that refuses alias
bombs ("billion laughs") and recursive aliases before a document is constructed.

PyYAML's SafeLoader shares an aliased node instead of copying it, so a 1 KB document can stand
for billions of values: nothing explodes while loading, but everything that walks the result
later (validation, classification, JSON) does. A recursive alias (`&a [*a]`) makes a document
that contains itself. Kubernetes objects need neither: aliases may repeat at most
`MAX_ALIAS_EXPANSION` nodes in all, and a document may never contain itself.
"""

from __future__ import annotations

from typing import Any

import yaml

#: How many nodes the aliases of one document may add beyond the nodes written out. A few
#: repeated env lists or labels are a few hundred; a billion-laughs document is billions.
MAX_ALIAS_EXPANSION = 100_000


class GuardedLoader(yaml.SafeLoader):
    """yaml.SafeLoader that counts the aliases of the document being composed (`aliases`)."""

    aliases = 0

    def compose_document(self) -> Any:
        self.aliases = 0
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
        return super().compose_node(parent, index)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def alias_problem(node: yaml.Node, limit: int = MAX_ALIAS_EXPANSION) -> str | None:
    """Why a composed document is refused (a recursive alias, or aliases that expand to more than
    `limit` extra nodes), or None. Linear in the nodes written out; never expands anything."""
    sizes: dict[int, int] = {}  # id(node) -> nodes it stands for, aliases expanded
    on_path: set[int] = set()
    written = 0
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, finished = stack.pop()
        key = id(current)
        children = _children(current)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            continue
        if key in sizes:
            continue
        on_path.add(key)
        written += 1
        stack.append((current, True))
        for child in children:
            if id(child) in on_path:
                line = child.start_mark.line + 1
                return f"a YAML alias makes the document contain itself (the anchor at line {line})"
            if id(child) not in sizes:
                stack.append((child, False))
    expanded = sizes[id(node)]
    if expanded - written > limit:
        return (
            f"YAML aliases expand {written} nodes to {expanded} (more than {limit} repeated): refused as an alias bomb"
        )
    return None
