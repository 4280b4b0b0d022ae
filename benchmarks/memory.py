"""Where the memory of a parsed cluster goes: bytes per object of each kind, by what holds them.

    python -m benchmarks.memory --pods 2000

Parses generated lists exactly as the live collector does (`ObjectList[Model].model_validate_json`
on API-shaped bytes) and walks the result, summing `sys.getsizeof` of every distinct object
reached, by category: the model instances (top-level objects), their `__dict__`, their
`__pydantic_fields_set__`, the slotted nested values (`objects.Leaf`), and the plain strings,
dicts and lists they hold. This is the profile behind the peak-RSS figure
in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections import Counter
from typing import Any

from pydantic import BaseModel

from benchmarks.generate import generate
from k8saudit.model.kinds import BY_KIND
from k8saudit.model.objects import Leaf, ObjectList


def breakdown(items: list[Any]) -> tuple[Counter[str], Counter[str]]:
    """(bytes, objects) by category, over every distinct object reachable from `items`."""
    seen: set[int] = set()
    sizes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    stack: list[Any] = list(items)
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, BaseModel):
            parts = (
                ("model instance", x),
                ("model __dict__", x.__dict__),
                ("__pydantic_fields_set__", x.__pydantic_fields_set__),
            )
            for name, part in parts:
                seen.add(id(part))
                sizes[name] += sys.getsizeof(part)
                counts[name] += 1
            stack.extend(x.__dict__.values())
            continue
        if isinstance(x, Leaf):  # a slotted pydantic dataclass: its fields live in the instance
            sizes["leaf instance (slotted)"] += sys.getsizeof(x)
            counts["leaf instance (slotted)"] += 1
            stack.extend(getattr(x, name) for name in type(x).__slots__)
            continue
        name = type(x).__name__
        sizes[name] += sys.getsizeof(x)
        counts[name] += 1
        if isinstance(x, list | tuple):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.keys())
            stack.extend(x.values())
    return sizes, counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="bytes per parsed object, by category")
    parser.add_argument("--pods", type=int, default=2000)
    parser.add_argument("--kinds", default="Pod,ReplicaSet,Deployment")
    args = parser.parse_args(argv)
    cluster = generate(args.pods)
    gc.disable()
    for kind in args.kinds.split(","):
        info = BY_KIND[kind]
        items = cluster.lists[info.list_path]
        raw = json.dumps({"kind": f"{kind}List", "apiVersion": info.api_version, "metadata": {}, "items": items})
        parsed = ObjectList[info.model].model_validate_json(raw)  # type: ignore[name-defined]
        sizes, counts = breakdown(parsed.items)
        n = len(parsed.items)
        print(
            f"{kind}: {n} objects, {len(raw) / n / 1024:.1f} KB of JSON each, "
            f"parsed {sum(sizes.values()) / n / 1024:.1f} KB each"
        )
        for name, size in sizes.most_common():
            print(f"  {name:26}{size / n / 1024:8.2f} KB  {counts[name] / n:8.1f} objects")


if __name__ == "__main__":
    main()
