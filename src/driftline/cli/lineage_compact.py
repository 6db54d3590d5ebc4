"""The compact lineage tree: one line per execution (its step once, what it made), nothing twice.

``driftline lineage`` draws this by default (``--full`` draws every artifact on a line of its
own). Each execution appears once, with the artifacts it wrote on its line (a step's outputs
named ``evaluate.evaluate`` are shown by their kind alone); an execution met again is named on
the line that meets it (``also from validate (execution 6)``); an artifact nothing in the graph
produced (a raw file, or the edge of ``--depth``) is named on the line of the execution that read
it. Spans, models, model versions and files stand out in bold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from rich.markup import escape
from rich.tree import Tree

from driftline.store.records import Artifact, EventKind, Execution, LineageDirection, LineageGraph

__all__ = ["KEY_KINDS", "compact_lineage_tree"]

KEY_KINDS = frozenset({"span", "model", "model_version", "file"})
"""Artifact kinds drawn in bold: the data and the models, not a step's intermediate outputs."""


def _short(a: Artifact, step: str | None) -> str:
    """An artifact in a few words: its kind, its name unless the step and kind already say it."""
    name = a.name or ""
    if step is not None and name.startswith(f"{step}."):
        name = name[len(step) + 1 :]
    said = "" if name in ("", step, a.kind) else f' "{escape(name)}"'
    text = f"{escape(a.kind)}{said} #{a.id}"
    return f"[bold]{text}[/]" if a.kind in KEY_KINDS else text


def _ref(e: Execution) -> str:
    return f"{escape(e.kind)} (execution {e.id})"


class _Links:
    """Who wrote and who read each artifact in a graph, in the order the events were recorded."""

    def __init__(self, graph: LineageGraph) -> None:
        self.producers: dict[int, list[int]] = defaultdict(list)
        self.consumers: dict[int, list[int]] = defaultdict(list)
        self.inputs: dict[int, list[int]] = defaultdict(list)
        self.outputs: dict[int, list[int]] = defaultdict(list)
        for ev in sorted(graph.events, key=lambda e: (e.execution_id, e.artifact_id)):
            if ev.execution_id not in graph.executions or ev.artifact_id not in graph.artifacts:
                continue
            if ev.kind is EventKind.OUTPUT:
                self.producers[ev.artifact_id].append(ev.execution_id)
                self.outputs[ev.execution_id].append(ev.artifact_id)
            else:
                self.consumers[ev.artifact_id].append(ev.execution_id)
                self.inputs[ev.execution_id].append(ev.artifact_id)


def _walk(graph: LineageGraph, links: _Links, top: Tree, up: bool) -> None:
    """Draw the executions upstream (``up``) or downstream of the root under ``top``."""
    # Upstream an execution leads to the producers of what it read; downstream to the readers of
    # what it wrote. Either way its line names what it wrote.
    to_exec: Mapping[int, Sequence[int]] = links.producers if up else links.consumers
    to_art: Mapping[int, Sequence[int]] = links.inputs if up else links.outputs
    again = "also from" if up else "also used by"
    first = list(dict.fromkeys(to_exec.get(graph.root, [])))
    seen: set[int] = set(first)
    stack: list[tuple[Tree, int]] = [(top.add(""), ex) for ex in first][::-1]
    if not stack:
        top.add("[dim]nothing recorded[/]")
    while stack:
        node, ex_id = stack.pop()
        execution = graph.executions[ex_id]
        made = [
            _short(graph.artifacts[a], execution.kind)
            for a in links.outputs.get(ex_id, [])
            if a != graph.root
        ]
        sources: list[str] = []
        met: list[str] = []
        children: list[tuple[Tree, int]] = []
        for artifact_id in to_art.get(ex_id, []):
            if artifact_id == graph.root:
                continue
            nexts = to_exec.get(artifact_id, [])
            if up and not nexts:
                sources.append(_short(graph.artifacts[artifact_id], None))
            for nxt in nexts:
                if any(nxt == claimed for _, claimed in children):
                    continue
                if nxt in seen:
                    if _ref(graph.executions[nxt]) not in met:
                        met.append(_ref(graph.executions[nxt]))
                    continue
                seen.add(nxt)
                children.append((node.add(""), nxt))
        node.label = _line(execution, made, sources, met, again)
        stack.extend(reversed(children))


def _line(e: Execution, made: list[str], sources: list[str], met: list[str], again: str) -> str:
    state = {"COMPLETE": "green", "CACHED": "blue", "FAILED": "red", "RUNNING": "yellow"}.get(
        str(e.state), "white"
    )
    line = f"[cyan]{escape(e.kind)}[/] · execution {e.id} · [{state}]{e.state}[/]"
    if made:
        line += " → " + ", ".join(made)
    if sources:
        line += " · from " + ", ".join(sources)
    if met:
        line += f" · {again} " + ", ".join(met)
    return line


def compact_lineage_tree(graph: LineageGraph, root_label: str) -> Tree:
    """The compact tree of ``graph`` under a line ``root_label`` for its root artifact."""
    links = _Links(graph)
    root = Tree(root_label)
    walks: list[tuple[str, bool]] = []
    if graph.direction in (LineageDirection.UP, LineageDirection.BOTH):
        walks.append(("upstream (made from)", True))
    if graph.direction in (LineageDirection.DOWN, LineageDirection.BOTH):
        walks.append(("downstream (used by)", False))
    for title, up in walks:
        _walk(graph, links, root.add(f"[dim]{title}[/]") if len(walks) > 1 else root, up)
    return root
