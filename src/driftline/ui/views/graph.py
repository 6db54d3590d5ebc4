"""A graph of artifacts and executions ready to draw: nodes with places and links, and edges.

Both the lineage page and a run's step graph are drawn from a :class:`DrawnGraph` (laid out by
:func:`~driftline.ui.views.lineage_layout.layered_layout`).

Examples:
    >>> g = draw([Node("a1", "artifact", "span", "span #1", "/artifacts/1"),
    ...           Node("e2", "execution", "train", "train", "/runs/r")], [("a1", "e2")])
    >>> [(n.key, n.x < g.width) for n in g.nodes], g.edges
    ([('a1', True), ('e2', True)], (('a1', 'e2'),))

"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from driftline.ui.views.lineage_layout import layered_layout

__all__ = ["DrawnGraph", "Node", "draw"]


@dataclass(frozen=True)
class Node:
    """A node of the drawing.

    ``key`` is ``a<id>`` for an artifact, ``e<id>`` for an execution; then what it is, its
    label, its link, its state, a detail line, and where it is drawn.
    """

    key: str
    type: str
    kind: str
    label: str
    href: str
    state: str = ""
    detail: str = ""
    x: float = 0.0
    y: float = 0.0
    root: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "key": self.key,
            "type": self.type,
            "kind": self.kind,
            "label": self.label,
            "href": self.href,
            "state": self.state,
            "detail": self.detail,
            "x": self.x,
            "y": self.y,
            "root": self.root,
        }


@dataclass(frozen=True)
class DrawnGraph:
    """Nodes placed in layers, edges between their keys, the drawing's size, and notes.

    ``bends[i]`` are the points edge ``i`` passes through between its ends (a long edge goes
    round the nodes of the layers it crosses).
    """

    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str], ...]
    width: float
    height: float
    notes: tuple[str, ...] = field(default=())
    bends: tuple[tuple[tuple[float, float], ...], ...] = field(default=())

    def kinds(self) -> list[str]:
        """The kinds of node drawn (for the legend)."""
        return sorted({n.kind for n in self.nodes})

    def artifact_kinds(self) -> list[str]:
        """The kinds of artifact drawn (the legend's colours)."""
        return sorted({n.kind for n in self.nodes if n.type == "artifact"})

    def execution_states(self) -> list[str]:
        """The states of the executions drawn (the legend's borders)."""
        return sorted({n.state for n in self.nodes if n.type == "execution"})

    def viewbox(self, width: float = 1240.0, height: float = 640.0) -> str:
        """The part shown first: the whole graph, or, around a root node, a part at full size.

        A lineage graph can be wide: it opens on its artifact, readable, and the page pans
        and zooms from there. A run's step graph (no root) is shown whole.
        """
        focus = next((n for n in self.nodes if n.root), None)
        if focus is None:
            return f"0 0 {self.width:.0f} {self.height:.0f}"
        w, h = min(self.width, width), min(self.height, height)
        x = min(max(focus.x - w / 2, 0.0), self.width - w)
        y = min(max(focus.y - h / 2, 0.0), self.height - h)
        return f"{x:.0f} {y:.0f} {w:.0f} {h:.0f}"

    def lines(self) -> list[tuple[tuple[float, float], ...]]:
        """The bends of each edge, in the order of :attr:`edges` (none when not laid out)."""
        return list(self.bends) if self.bends else [() for _ in self.edges]

    def polyline(self, index: int, half_width: float = 75.0) -> str:
        """The SVG ``points`` of edge ``index``: from its source's right side to its target's left.

        It crosses each bend level (a free place in that layer), so it passes no node.
        """
        a, b = self.edges[index]
        (ax, ay), (bx, by) = self.place(a), self.place(b)
        points = [(ax + half_width, ay)]
        for x, y in self.lines()[index]:
            points += [(x - half_width, y), (x + half_width, y)]
        points.append((bx - half_width, by))
        return " ".join(f"{x:.0f},{y:.0f}" for x, y in points)

    @functools.cached_property
    def _where(self) -> dict[str, tuple[float, float]]:
        return {n.key: (n.x, n.y) for n in self.nodes}

    def place(self, key: str) -> tuple[float, float]:
        """Where the node ``key`` is drawn (``KeyError`` for an unknown key)."""
        return self._where[key]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [
                {"from": a, "to": b, "bends": [list(p) for p in bends]}
                for (a, b), bends in zip(self.edges, self.lines(), strict=True)
            ],
            "width": self.width,
            "height": self.height,
            "notes": list(self.notes),
        }


def draw(
    nodes: Sequence[Node], edges: Sequence[tuple[str, str]], notes: Sequence[str] = ()
) -> DrawnGraph:
    """Lay ``nodes`` out in layers (every edge points to a later layer)."""
    keys = [n.key for n in nodes]
    known = set(keys)
    kept = tuple(dict.fromkeys((a, b) for a, b in edges if a in known and b in known))
    layout = layered_layout(keys, kept, margin=90.0)
    placed = tuple(
        replace(n, x=layout.position[n.key][0], y=layout.position[n.key][1]) for n in nodes
    )
    bends = tuple(tuple(layout.bends.get(edge, ())) for edge in kept)
    return DrawnGraph(placed, kept, layout.width, layout.height, tuple(notes), bends)
