"""A layered drawing of a directed acyclic graph, computed on the server (no graphviz).

Layers by longest path from the sources (every edge points to a later layer), then the order
within each layer by barycentre sweeps (a node moves towards the mean position of its
neighbours in the layer before, then after: fewer crossings), then coordinates on a grid.
This is the Sugiyama method: an edge across several layers gets a dummy node in each, so it is
ordered with the rest and bends round the nodes instead of crossing them.

Examples:
    >>> edges = [("a", "b"), ("b", "c"), ("a", "c"), ("d", "c")]
    >>> layout = layered_layout(["a", "b", "c", "d"], edges)
    >>> layout.layer["a"], layout.layer["b"], layout.layer["c"], layout.layer["d"]
    (0, 1, 2, 0)
    >>> sorted(layout.position.values()) == sorted(set(layout.position.values()))  # no overlap
    True

"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Layout", "layered_layout"]

N = TypeVar("N", bound=Hashable)

_SWEEPS = 4


@dataclass(frozen=True)
class Layout(Generic[N]):
    """Where each node goes: its layer, its order in the layer, its (x, y) and the drawing's size.

    Attributes:
        layer: node -> layer (0: sources).
        order: node -> index within its layer.
        position: node -> (x, y) of its centre.
        width: the drawing's width.
        height: the drawing's height.
        bends: edge -> the points it passes through between its ends (one per layer it
            crosses; none for an edge to the next layer).

    """

    layer: dict[N, int]
    order: dict[N, int]
    position: dict[N, tuple[float, float]]
    width: float
    height: float
    bends: dict[tuple[N, N], list[tuple[float, float]]]


def _layers(nodes: Sequence[N], edges: Sequence[tuple[N, N]]) -> dict[N, int]:
    """Longest-path layering (Kahn's order); edges closing a cycle are ignored."""
    incoming: dict[N, list[N]] = {n: [] for n in nodes}
    outgoing: dict[N, list[N]] = {n: [] for n in nodes}
    for a, b in edges:
        outgoing[a].append(b)
        incoming[b].append(a)
    remaining = {n: len(incoming[n]) for n in nodes}
    ready = [n for n in nodes if remaining[n] == 0]
    layer = dict.fromkeys(nodes, 0)
    seen: set[N] = set()
    while ready:
        n = ready.pop()
        seen.add(n)
        for m in outgoing[n]:
            layer[m] = max(layer[m], layer[n] + 1)
            remaining[m] -= 1
            if remaining[m] == 0:
                ready.append(m)
    return layer  # nodes on a cycle (none in lineage) keep the layers reached so far


@dataclass(frozen=True)
class _Bend:
    """A point where a long edge (number ``edge``) crosses layer ``layer`` (a dummy node)."""

    edge: int
    layer: int


def _sweep(
    rows: list[list[Hashable]], neighbours: dict[Hashable, list[Hashable]], layer_order: range
) -> None:
    """Reorder each layer in ``layer_order`` by the mean index of its neighbours."""
    index: dict[Hashable, int] = {n: i for row in rows for i, n in enumerate(row)}
    for k in layer_order:
        row = rows[k]
        centre: dict[Hashable, float] = {}
        for n in row:
            near = [index[m] for m in neighbours[n] if m in index]
            centre[n] = sum(near) / len(near) if near else float(index[n])
        row.sort(key=centre.__getitem__)
        for i, n in enumerate(row):
            index[n] = i


def layered_layout(
    nodes: Sequence[N],
    edges: Sequence[tuple[N, N]],
    *,
    layer_gap: float = 230.0,
    row_gap: float = 64.0,
    margin: float = 40.0,
) -> Layout[N]:
    """Lay ``nodes`` out left to right so that every edge ``(a, b)`` points to a later layer.

    An edge across several layers bends through a free place in each layer between (its
    ``bends``), so that it passes no node.
    """
    known = set(nodes)
    edges = [(a, b) for a, b in edges if a in known and b in known and a != b]
    layer = _layers(nodes, edges)
    count = max(layer.values(), default=-1) + 1
    rows: list[list[Hashable]] = [[] for _ in range(count)]
    for n in nodes:
        rows[layer[n]].append(n)
    before: dict[Hashable, list[Hashable]] = {n: [] for n in nodes}
    after: dict[Hashable, list[Hashable]] = {n: [] for n in nodes}
    chains: dict[tuple[N, N], list[_Bend]] = {}
    for number, (a, b) in enumerate(edges):
        chain = [_Bend(number, k) for k in range(layer[a] + 1, layer[b])]
        chains[(a, b)] = chain
        path: list[Hashable] = [a, *chain, b]
        for bend in chain:
            rows[bend.layer].append(bend)
            before[bend], after[bend] = [], []
        for x, y in itertools.pairwise(path):
            after[x].append(y)
            before[y].append(x)
    for _ in range(_SWEEPS):
        _sweep(rows, before, range(1, count))
        _sweep(rows, after, range(count - 2, -1, -1))
    tallest = max((len(r) for r in rows), default=0)
    index: dict[Hashable, int] = {}
    place: dict[Hashable, tuple[float, float]] = {}
    for k, row in enumerate(rows):
        offset = (tallest - len(row)) * row_gap / 2
        for i, item in enumerate(row):
            index[item] = i
            place[item] = (margin + k * layer_gap, margin + offset + i * row_gap)
    order = {n: index[n] for n in nodes}
    position = {n: place[n] for n in nodes}
    bends = {edge: [place[b] for b in chain] for edge, chain in chains.items()}
    width = 2 * margin + max(count - 1, 0) * layer_gap
    height = 2 * margin + max(tallest - 1, 0) * row_gap
    return Layout(layer, order, position, width, height, bends)
