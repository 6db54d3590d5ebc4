"""Rich renderings for the terminal: the lineage tree and the workspace status."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from driftline.store.records import (
    Artifact,
    EventKind,
    Execution,
    LineageDirection,
    LineageGraph,
)
from driftline.workspace import VerifyResult, WorkspaceStatus

__all__ = [
    "artifact_label",
    "execution_label",
    "lineage_dict",
    "lineage_tree",
    "status_view",
    "verify_view",
]


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def artifact_label(a: Artifact) -> str:
    """One line describing an artifact."""
    name = f' "{escape(a.name)}"' if a.name else ""
    state = "" if a.state == "LIVE" else f" · {a.state}"
    return (
        f"[bold]artifact {a.id}[/] [green]{escape(a.kind)}[/]{name} · {_size(a.size)} · "
        f"sha256:{a.sha256[:12]}{state}"
    )


def execution_label(e: Execution) -> str:
    """One line describing an execution."""
    colour = {"COMPLETE": "green", "CACHED": "blue", "FAILED": "red", "RUNNING": "yellow"}.get(
        str(e.state), "white"
    )
    when = e.created_at.strftime("%Y-%m-%d %H:%M:%S")
    return f"[cyan]execution {e.id}[/] {escape(e.kind)} · [{colour}]{e.state}[/] · {when}"


def lineage_tree(graph: LineageGraph, *, full: bool = False) -> Tree:
    """Draw the lineage around ``graph.root`` as a tree.

    Compact by default: one line per execution, with what it wrote (see
    :mod:`driftline.cli.lineage_compact`). ``full`` draws every artifact and execution on a
    line of its own; an execution met twice is expanded once.
    """
    if not full:
        from driftline.cli.lineage_compact import compact_lineage_tree

        return compact_lineage_tree(graph, artifact_label(graph.artifacts[graph.root]))
    produced_by: dict[int, list[int]] = defaultdict(list)
    consumed_by: dict[int, list[int]] = defaultdict(list)
    inputs: dict[int, list[int]] = defaultdict(list)
    outputs: dict[int, list[int]] = defaultdict(list)
    for ev in sorted(graph.events, key=lambda e: (e.execution_id, e.artifact_id)):
        if ev.kind is EventKind.OUTPUT:
            produced_by[ev.artifact_id].append(ev.execution_id)
            outputs[ev.execution_id].append(ev.artifact_id)
        else:
            consumed_by[ev.artifact_id].append(ev.execution_id)
            inputs[ev.execution_id].append(ev.artifact_id)

    root = Tree(artifact_label(graph.artifacts[graph.root]))
    walks = []
    if graph.direction in (LineageDirection.UP, LineageDirection.BOTH):
        walks.append(("upstream (made from)", produced_by, inputs))
    if graph.direction in (LineageDirection.DOWN, LineageDirection.BOTH):
        walks.append(("downstream (used by)", consumed_by, outputs))
    for title, to_exec, to_art in walks:
        top = root.add(f"[dim]{title}[/]") if len(walks) > 1 else root
        seen: set[int] = set()
        stack: list[tuple[Tree, int]] = [(top, graph.root)]
        empty = True
        while stack:
            node, artifact_id = stack.pop()
            children: list[tuple[Tree, int]] = []
            for ex_id in to_exec.get(artifact_id, []):
                execution = graph.executions.get(ex_id)
                if execution is None:
                    continue
                empty = False
                ex_node = node.add(execution_label(execution))
                if ex_id in seen:
                    ex_node.add("[dim]… shown above[/]")
                    continue
                seen.add(ex_id)
                for child_id in to_art.get(ex_id, []):
                    child = graph.artifacts.get(child_id)
                    if child is not None and child_id != graph.root:
                        children.append((ex_node.add(artifact_label(child)), child_id))
            stack.extend(reversed(children))  # expand in the order drawn: "above" is true
        if empty:
            top.add("[dim]nothing recorded[/]")
    return root


def lineage_dict(graph: LineageGraph) -> dict[str, Any]:
    """A JSON-ready form of a lineage graph: nodes and edges."""
    return {
        "root": graph.root,
        "direction": str(graph.direction),
        "artifacts": [
            {
                "id": a.id,
                "kind": a.kind,
                "name": a.name,
                "uri": a.uri,
                "sha256": a.sha256,
                "size": a.size,
                "state": str(a.state),
                "depth": graph.depth.get(a.id),
            }
            for a in sorted(graph.artifacts.values(), key=lambda a: a.id)
        ],
        "executions": [
            {"id": e.id, "kind": e.kind, "state": str(e.state), "parameters": dict(e.parameters)}
            for e in sorted(graph.executions.values(), key=lambda e: e.id)
        ],
        "events": [
            {
                "artifact": ev.artifact_id,
                "execution": ev.execution_id,
                "kind": str(ev.kind),
                "name": ev.name,
            }
            for ev in graph.events
        ],
    }


def status_view(status: WorkspaceStatus) -> RenderableType:
    """The workspace status as tables."""
    where = Table.grid(padding=(0, 2))
    where.add_row("[bold]workspace[/]", escape(status.workspace))
    where.add_row("[bold]metadata[/]", escape(status.metadata_url))
    where.add_row("[bold]artifacts[/]", escape(status.artifacts_url))
    where.add_row("[bold]schema[/]", status.schema_version)
    if status.temp_files:
        where.add_row("[bold]partial writes[/]", f"{status.temp_files} (left by killed writers)")
    counts = Table(title="holds", title_justify="left")
    counts.add_column("what")
    counts.add_column("kind / state")
    counts.add_column("count", justify="right")
    for kind, n in sorted(status.counts.artifacts.items()):
        counts.add_row("artifacts", escape(kind), str(n))
    for state, n in sorted(status.counts.executions.items(), key=lambda kv: str(kv[0])):
        counts.add_row("executions", str(state), str(n))
    for kind, n in sorted(status.counts.contexts.items()):
        counts.add_row("contexts", escape(kind), str(n))
    if not counts.row_count:
        counts.add_row("[dim]nothing yet[/]", "", "")
    parts: list[RenderableType] = [where, counts]
    if status.counts.last_executions:
        last = Table(title="last executions", title_justify="left")
        for col in ("id", "kind", "state", "created"):
            last.add_column(col)
        for e in status.counts.last_executions:
            last.add_row(
                str(e.id), escape(e.kind), str(e.state), e.created_at.strftime("%Y-%m-%d %H:%M:%S")
            )
        parts.append(last)
    return Group(*parts)


def verify_view(result: VerifyResult) -> RenderableType:
    """The outcome of ``driftline verify``."""
    if not result.failures:
        return f"[green]ok[/]: {result.checked} artifact(s) match their recorded SHA-256"
    table = Table(title=f"{len(result.failures)} of {result.checked} artifact(s) failed")
    table.add_column("artifact", justify="right")
    table.add_column("problem")
    for artifact_id, problem in result.failures:
        table.add_row(str(artifact_id), escape(problem))
    return table
