"""The lineage page's graph: up and down from one artifact, at most :data:`MAX_NODES` nodes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.store.records import EventKind, LineageDirection
from driftline.ui.views.graph import DrawnGraph, Node, draw

if TYPE_CHECKING:
    from driftline.store.records import Artifact, Execution, LineageGraph
    from driftline.ui.context import Services

__all__ = ["DIRECTIONS", "MAX_NODES", "artifact_label", "artifact_node", "lineage_view"]

MAX_NODES = 300
"""The most nodes a lineage page draws (the nearest ones are kept, and it says so)."""

DIRECTIONS = {d.value: d for d in LineageDirection}
"""The ``direction`` parameter's values."""


def artifact_label(artifact: Artifact) -> str:
    """A short label: kind and id, with the dataset and span, or model and version, if known."""
    p = artifact.properties
    span = p.get("number") if artifact.kind == "span" else p.get("span")
    if p.get("dataset") is not None and span is not None:
        return f"{artifact.kind} {p['dataset']}:{span}"
    if p.get("model") is not None and p.get("version") is not None:
        return f"{artifact.kind} {p['model']}:{p['version']}"
    return f"{artifact.kind} #{artifact.id}"


def artifact_node(artifact: Artifact, root: str, *, is_root: bool = False) -> Node:
    """An artifact's node, linked to its page."""
    return Node(
        key=f"a{artifact.id}",
        type="artifact",
        kind=artifact.kind,
        label=artifact_label(artifact),
        href=f"{root}/artifacts/{artifact.id}",
        state=artifact.state.value,
        detail=f"#{artifact.id} {artifact.created_at:%Y-%m-%d %H:%M:%S}",
        root=is_root,
    )


def execution_node(execution: Execution, root: str, outputs: list[int]) -> Node:
    """An execution's node, linked to its run (or, outside a run, to its first output)."""
    run = execution.properties.get("run")
    if isinstance(run, str):
        href = f"{root}/runs/{run}"
    elif outputs:
        href = f"{root}/artifacts/{outputs[0]}"
    else:
        href = f"{root}/lineage"
    return Node(
        key=f"e{execution.id}",
        type="execution",
        kind=execution.kind,
        label=execution.kind,
        href=href,
        state=execution.state.value,
        detail=f"execution #{execution.id}",
    )


def _edges(graph: LineageGraph) -> list[tuple[str, str]]:
    out = []
    for e in graph.events:
        if e.kind is EventKind.OUTPUT:
            out.append((f"e{e.execution_id}", f"a{e.artifact_id}"))
        else:
            out.append((f"a{e.artifact_id}", f"e{e.execution_id}"))
    return out


def lineage_view(
    services: Services, ref: str, *, direction: str = "both", depth: int = 3, root: str = ""
) -> tuple[Artifact, DrawnGraph]:
    """The artifact ``ref`` names and its lineage graph, drawn in layers.

    Raises:
        NotFoundError: nothing has that reference (a 404 naming it).
        InputError: a malformed reference.

    """
    artifact = services.find_artifact(int(ref) if ref.isdigit() else ref)
    graph = services.lineage(artifact.id, DIRECTIONS[direction], depth)
    notes = []
    nearest = sorted(
        [*((f"a{i}", d) for i, d in graph.depth.items())],
        key=lambda kv: kv[1],
    )
    artifacts = dict(graph.artifacts)
    executions = dict(graph.executions)
    if len(artifacts) + len(executions) > MAX_NODES:
        keep_artifacts = {int(k[1:]) for k, _ in nearest[: MAX_NODES // 2]}
        artifacts = {i: a for i, a in artifacts.items() if i in keep_artifacts}
        linked = {e.execution_id for e in graph.events if e.artifact_id in keep_artifacts}
        executions = {i: x for i, x in executions.items() if i in linked}
        notes.append(
            f"the graph has {len(graph.artifacts)} artifacts and {len(graph.executions)} "
            f"executions: the {len(artifacts)} nearest artifacts are drawn (lower the depth)"
        )
    outputs: dict[int, list[int]] = {}
    for e in graph.events:
        if e.kind is EventKind.OUTPUT:
            outputs.setdefault(e.execution_id, []).append(e.artifact_id)
    nodes = [artifact_node(a, root, is_root=a.id == artifact.id) for a in artifacts.values()]
    nodes += [execution_node(x, root, outputs.get(x.id, [])) for x in executions.values()]
    return artifact, draw(nodes, _edges(graph), notes)
