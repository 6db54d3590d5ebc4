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
    """Nodes placed in layers, edges between their keys, the drawing's size, and notes."""

    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str], ...]
    width: float
    height: float
    notes: tuple[str, ...] = field(default=())

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
        """The part shown first, at full size: around the root node (or the left end).

        The page pans and zooms from there (a wide graph shown whole would be unreadable).
        """
        w, h = min(self.width, width), min(self.height, height)
        focus = next((n for n in self.nodes if n.root), None)
        cx, cy = (focus.x, focus.y) if focus else (w / 2, self.height / 2)
        x = min(max(cx - w / 2, 0.0), self.width - w)
        y = min(max(cy - h / 2, 0.0), self.height - h)
        return f"{x:.0f} {y:.0f} {w:.0f} {h:.0f}"

    def place(self, key: str) -> tuple[float, float]:
        """Where the node ``key`` is drawn."""
        for n in self.nodes:
            if n.key == key:
                return n.x, n.y
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [{"from": a, "to": b} for a, b in self.edges],
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
    return DrawnGraph(placed, kept, layout.width, layout.height, tuple(notes))
