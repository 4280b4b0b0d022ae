"""The package's layers, as docs/architecture.md draws them, held by a test over the source.

Data flows one way: sources and semantics stand on the model, checks on semantics, the engine
on checks, the writers on the model; only the command line and the Python API see everything.
An import that points the other way (a model importing a check, a writer importing the engine)
is what makes a change in one place break another, so it fails here with the line to move.
Lazy imports inside functions count: they are dependencies too, and no chain of imports may
lead back to where it started (a cycle), lazy or not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "k8saudit"

#: What each layer (the first folder under k8saudit/) may import, besides itself and the
#: root package (`k8saudit.__version__`).
ALLOWED: dict[str, frozenset[str]] = {
    "runtime": frozenset(),
    "model": frozenset({"runtime"}),
    "sources": frozenset({"runtime", "model"}),
    "semantics": frozenset({"runtime", "model"}),
    "checks": frozenset({"runtime", "model", "semantics"}),
    "engine": frozenset({"runtime", "model", "semantics", "checks"}),
    "output": frozenset({"runtime", "model"}),
}
#: The top: the command line and the Python API wrap everything.
TOP = frozenset({"cli", "api", "__main__"})


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported k8saudit module) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("k8saudit"):
            # `from k8saudit.checks import context` depends on that module, not on the package's
            # __init__; `from k8saudit.checks.context import ScanContext` on the module named.
            submodules = [f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}")]
            if len(submodules) < len(node.names):
                yield node.lineno, node.module
            for name in submodules:
                yield node.lineno, name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("k8saudit"):
                    yield node.lineno, alias.name


def _is_module(name: str) -> bool:
    path = PACKAGE.parent / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_layers_are_the_documented_ones() -> None:
    found = {layer(module_name(p)) for p in sources()} - {""}
    assert found == set(ALLOWED) | TOP, "a new top-level package needs its place in ALLOWED (and docs/architecture.md)"


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_nothing_imports_upward(path: Path) -> None:
    own = layer(module_name(path))
    if own in TOP or own == "":
        return
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} ({layer(target)} is above {own})"
        for line, target in imports(path)
        if layer(target) not in ("", own) and layer(target) not in ALLOWED[own]
    ]
    assert wrong == []


def test_imports_form_no_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for path in sources():
        name = module_name(path)
        graph[name] = {t for _, t in imports(path) if t != name}
    cycles = [component for component in _strongly_connected(graph) if len(component) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively (a few hundred modules)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue  # a package path, not a module of ours
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(sorted(component))
    return out


# --- the unit tests mirror the package ---------------------------------------------------------

UNIT = Path(__file__).resolve().parent / "unit"
#: Folders under tests/unit that hold no tests of their own: shared builders, and fixture data.
UNIT_SUPPORT = frozenset({"support", "data"})


def unit_test_files() -> list[Path]:
    return sorted(p for p in UNIT.rglob("test_*.py") if not UNIT_SUPPORT & set(p.relative_to(UNIT).parts))


def test_unit_tests_live_beside_the_module_they_test() -> None:
    """tests/unit/<layer>/.../test_<module>[_<aspect>].py tests k8saudit/<layer>/.../<module>.py,
    so a module leads to its tests and a test to its module (a test named for the folder itself,
    such as checks/rbac/test_rbac_demo.py, covers the package as a whole)."""
    wrong = []
    for path in unit_test_files():
        folder = path.parent.relative_to(UNIT)
        source = PACKAGE / folder
        modules = {p.stem for p in source.glob("*.py") if p.stem != "__init__"} | {source.name}
        name = path.stem.removeprefix("test_")
        if not source.is_dir() or not folder.parts or not any(name == m or name.startswith(f"{m}_") for m in modules):
            wrong.append(str(path.relative_to(UNIT.parent.parent)))
    assert wrong == [], f"not named for a module of the folder they mirror: {wrong}"


def test_every_unit_test_folder_is_a_package() -> None:
    """Packages, so two folders may each hold a test_rbac.py (checks/rbac and semantics) and
    pytest imports both by their full names."""
    missing = [str(p.parent) for p in unit_test_files() if not (p.parent / "__init__.py").is_file()]
    assert sorted(set(missing)) == []


def test_unit_tests_share_helpers_through_support_only() -> None:
    """A helper imported from another test module drags that module's fixtures and state along
    and hides where the helper lives: shared builders belong in tests/unit/support/."""
    wrong = []
    for path in sorted(UNIT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("tests.unit.") and module.rsplit(".", 1)[-1].startswith("test_"):
                wrong.append(f"{path.relative_to(UNIT.parent.parent)}: from {module}")
    assert wrong == []
