"""The lineage page's graph: up and down from one artifact, at most :data:`MAX_NODES` nodes."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from driftline.store.records import EventKind, LineageDirection
from driftline.ui.views.graph import DrawnGraph, Node, draw

if TYPE_CHECKING:
    from driftline.store.records import Artifact, Execution, LineageGraph
    from driftline.ui.context import Services

__all__ = [
    "DEFAULT_DEPTH",
    "DIRECTIONS",
    "MAX_NODES",
    "artifact_label",
    "artifact_node",
    "lineage_view",
]

DEFAULT_DEPTH = 5
"""Hops drawn unless asked: from a model version up to the spans it was trained on."""

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


def execution_node(execution: Execution, root: str, linked: list[int]) -> Node:
    """An execution's node, linked to its run.

    Outside a run: an ingest links its span, a registry change its model version, anything
    else the first artifact it made or read (``linked``: outputs first).
    """
    p = execution.properties
    run = p.get("run")
    if isinstance(run, str):
        href = f"{root}/runs/{quote(run)}"
    elif p.get("dataset") is not None and isinstance(p.get("span"), int):
        href = f"{root}/data/{quote(str(p['dataset']))}/spans/{p['span']}"
    elif p.get("model") is not None and isinstance(p.get("version"), int):
        href = f"{root}/models/{quote(str(p['model']))}/versions/{p['version']}"
    elif linked:
        href = f"{root}/artifacts/{linked[0]}"
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


def _nearest(graph: LineageGraph, limit: int) -> tuple[set[int], set[int]]:
    """The ids of the artifacts and executions nearest the root: at most ``limit`` in all."""
    order = sorted(graph.artifacts, key=lambda i: (graph.depth.get(i, 0), i))
    artifacts = set(order[: max(1, limit // 2)])
    near: dict[int, int] = {}
    for e in graph.events:
        if e.artifact_id in artifacts and e.execution_id in graph.executions:
            d = graph.depth.get(e.artifact_id, 0)
            near[e.execution_id] = min(d, near.get(e.execution_id, d))
    executions = sorted(near, key=lambda x: (near[x], x))[: max(0, limit - len(artifacts))]
    return artifacts, set(executions)


def _edges(graph: LineageGraph) -> list[tuple[str, str]]:
    out = []
    for e in graph.events:
        if e.kind is EventKind.OUTPUT:
            out.append((f"e{e.execution_id}", f"a{e.artifact_id}"))
        else:
            out.append((f"a{e.artifact_id}", f"e{e.execution_id}"))
    return out


def lineage_view(
    services: Services,
    ref: str,
    *,
    direction: str = "both",
    depth: int = DEFAULT_DEPTH,
    root: str = "",
) -> tuple[Artifact, DrawnGraph]:
    """The artifact ``ref`` names and its lineage graph, drawn in layers.

    Raises:
        NotFoundError: nothing has that reference (a 404 naming it).
        InputError: a malformed reference.

    """
    artifact = services.find_artifact(int(ref) if ref.isdigit() else ref)
    graph = services.lineage(artifact.id, DIRECTIONS[direction], depth)
    notes = []
    artifacts, executions = dict(graph.artifacts), dict(graph.executions)
    if len(artifacts) + len(executions) > MAX_NODES:
        keep_artifacts, keep_executions = _nearest(graph, MAX_NODES)
        artifacts = {i: a for i, a in artifacts.items() if i in keep_artifacts}
        executions = {i: x for i, x in executions.items() if i in keep_executions}
        notes.append(
            f"the graph has {len(graph.artifacts)} artifacts and {len(graph.executions)} "
            f"executions: the {len(artifacts)} nearest artifacts are drawn, with "
            f"{len(executions)} executions (lower the depth to see less)"
        )
    linked: dict[int, list[int]] = {}
    for e in sorted(graph.events, key=lambda e: e.kind is not EventKind.OUTPUT):
        linked.setdefault(e.execution_id, []).append(e.artifact_id)
    nodes = [artifact_node(a, root, is_root=a.id == artifact.id) for a in artifacts.values()]
    nodes += [execution_node(x, root, linked.get(x.id, [])) for x in executions.values()]
    return artifact, draw(nodes, _edges(graph), notes)
