"""House rules of the source tree: no import cycles between modules, small modules, small classes.

The import graph is grimp's (import-linter's graph library), TYPE_CHECKING imports and imports
inside functions included: a cycle is a set of modules that import each other, directly or
through one another (a strongly connected component of more than one module). A package's
``__init__`` that names a submodule by string (``importlib.import_module``) imports nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import grimp

PACKAGE = "driftline"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 300


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of ``graph`` (Tarjan's algorithm, iterative), sorted.

    >>> strongly_connected({"a": ["b"], "b": ["a", "c"], "c": []})
    [['a', 'b'], ['c']]
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
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
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))
    return sorted(found)


def test_the_cycle_finder_finds_cycles_and_only_cycles() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["e"], "e": ["d"], "f": ["a"]}
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    assert cycles == [["a", "b", "c"], ["d", "e"]]
    assert [c for c in strongly_connected({"x": ["y"], "y": []}) if len(c) > 1] == []


def _describe(graph: Any, cycle: list[str]) -> str:
    """One cycle: its modules and each import between them (with the line that makes it)."""
    members = set(cycle)
    lines = [" <-> ".join(cycle)]
    for importer in cycle:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            details = graph.get_import_details(importer=importer, imported=imported)
            where = ", ".join(f"line {d['line_number']}" for d in details) or "?"
            lines.append(f"    {importer} imports {imported} ({where})")
    return "\n".join(lines)


def test_no_import_cycles_between_modules() -> None:
    graph = grimp.build_graph(PACKAGE, exclude_type_checking_imports=False, cache_dir=None)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    cycles = [c for c in strongly_connected(edges) if len(c) > 1]
    assert not cycles, f"{len(cycles)} import cycle(s) between modules:\n" + "\n".join(
        _describe(graph, c) for c in cycles
    )


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_the_source_tree_is_found() -> None:
    assert (SRC / "__init__.py").is_file()
    assert len(_modules()) > 50


def test_every_module_is_at_most_400_lines() -> None:
    offenders = []
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{path.relative_to(SRC.parent)}: {lines} lines")
    assert not offenders, (
        f"{len(offenders)} module(s) over {MAX_MODULE_LINES} lines:\n" + "\n".join(offenders)
    )


def test_every_class_is_at_most_300_lines() -> None:
    offenders = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines = (node.end_lineno or node.lineno) - first + 1
                if lines > MAX_CLASS_LINES:
                    where = f"{path.relative_to(SRC.parent)}:{node.lineno}"
                    offenders.append(f"{where} class {node.name}: {lines} lines")
    assert not offenders, f"{len(offenders)} class(es) over {MAX_CLASS_LINES} lines:\n" + "\n".join(
        offenders
    )
