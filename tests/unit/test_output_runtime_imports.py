"""What `k8saudit/output/` and `k8saudit/runtime/` may import, read from their source (every
import statement, also inside functions and under TYPE_CHECKING): runtime imports only runtime;
output imports only model, runtime and output, and its modules import each other without a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent.parent / "k8saudit"


def imports(path: Path) -> set[str]:
    """The k8saudit modules `path` imports (`from k8saudit.output import view` gives `k8saudit.output.view`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
            found.add(node.module)
    return {name for name in found if name.startswith("k8saudit.")}


def modules(folder: str) -> dict[str, set[str]]:
    """Each module of `k8saudit/<folder>/` and the k8saudit modules it imports."""
    return {f"k8saudit.{folder}.{p.stem}": imports(p) for p in sorted((PACKAGE / folder).glob("*.py"))}


def layer(module: str) -> str:
    return module.split(".")[1]


def test_runtime_imports_nothing_above_it() -> None:
    upward = {m: sorted(i for i in deps if layer(i) != "runtime") for m, deps in modules("runtime").items()}
    assert {m: deps for m, deps in upward.items() if deps} == {}


def test_output_imports_only_model_runtime_and_itself() -> None:
    allowed = {"model", "runtime", "output"}
    outside = {m: sorted(i for i in deps if layer(i) not in allowed) for m, deps in modules("output").items()}
    assert {m: deps for m, deps in outside.items() if deps} == {}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle met by a depth-first walk of `graph` (module → modules it imports)."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        for dep in sorted(graph.get(module, ())):
            if dep in path:
                found.append([*path[path.index(dep) :], dep])
            elif dep not in done:
                visit(dep, [*path, dep])
        done.add(module)

    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    return found


def test_output_modules_import_each_other_without_a_cycle() -> None:
    output = modules("output")
    assert len(output) > 10
    assert cycles({m: deps & output.keys() for m, deps in output.items()}) == []


def test_the_checks_see_imports_inside_functions_and_for_type_checking_and_find_cycles(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    from k8saudit.output import b\n")
    (tmp_path / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import k8saudit.engine.run\n"
    )
    assert imports(tmp_path / "a.py") == {"k8saudit.output", "k8saudit.output.b"}
    assert imports(tmp_path / "b.py") == {"k8saudit.engine.run"}
    # the cycle issue 14 found: report.py -> junit.py -> diff.py -> report.py (all imports inside functions)
    old = {"report": {"junit", "view"}, "junit": {"diff", "sarif"}, "diff": {"report"}, "sarif": set()}
    (cycle,) = cycles(old)
    assert cycle[0] == cycle[-1] and sorted(cycle[1:]) == ["diff", "junit", "report"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
