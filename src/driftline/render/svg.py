"""Inline SVG built in Python: elements whose text and attributes are escaped, and a plot frame.

The reports draw their plots here (no script, no network) and hand them to a template as
:class:`markupsafe.Markup`. An attribute's Python name maps to its SVG name: a trailing ``_`` is
dropped and ``_`` becomes ``-`` (``class_`` -> ``class``, ``stroke_width`` -> ``stroke-width``);
an attribute whose value is ``None`` is left out.

Examples:
    >>> element("text", "a < b", x=1, text_anchor="end")
    Markup('<text x="1" text-anchor="end">a &lt; b</text>')
    >>> element("line", x1=0, stroke=None)
    Markup('<line x1="0"/>')
    >>> frame = Frame(200, 100, left=20, right=10, top=10, bottom=20)
    >>> frame.width_inner, frame.height_inner, frame.base
    (170, 70, 80)
    >>> str(svg([frame.axes()], width=200, height=100, label="p", class_="x")).count("<line")
    2

"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Frame", "element", "points", "svg"]

SVG_NS = "http://www.w3.org/2000/svg"


def _attributes(attrs: dict[str, object]) -> str:
    return "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not None
    )


def element(name: str, /, *children: object, **attrs: object) -> Markup:
    """``<name attrs>children</name>`` (``<name attrs/>`` without children), all escaped.

    A child that is :class:`~markupsafe.Markup` (another element) is kept as it is.

    Examples:
        >>> element("g", element("rect", width=2), "<t>", class_="bars")
        Markup('<g class="bars"><rect width="2"/>&lt;t&gt;</g>')

    """
    if not children:
        return Markup(f"<{name}{_attributes(attrs)}/>")
    inner = "".join(escape(c) for c in children)
    return Markup(f"<{name}{_attributes(attrs)}>{inner}</{name}>")


def svg(
    children: Iterable[object], /, *, width: int, height: int, label: str, **attrs: object
) -> Markup:
    """An ``<svg>`` of ``width`` x ``height`` pixels, its ``attrs`` first, labelled for readers.

    Examples:
        >>> svg([], width=10, height=5, label="empty", class_="p")
        Markup('<svg class="p" xmlns="http://www.w3.org/2000/svg" width="10" height="5" \
viewBox="0 0 10 5" role="img" aria-label="empty"></svg>')

    """
    head = _attributes(
        {
            **attrs,
            "xmlns": SVG_NS,
            "width": width,
            "height": height,
            "viewBox": f"0 0 {width} {height}",
            "role": "img",
            "aria_label": label,
        }
    )
    return Markup(f"<svg{head}>{''.join(escape(c) for c in children)}</svg>")


def points(xs: Iterable[float], ys: Iterable[float]) -> str:
    """The ``points`` of a ``<polyline>``: ``x,y`` pairs to one decimal.

    Examples:
        >>> points([0, 1.25], [2, 3])
        '0.0,2.0 1.2,3.0'

    """
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))


@dataclass(frozen=True)
class Frame:
    """A plot's canvas: its size and the padding around the plotting area.

    Examples:
        >>> f = Frame(100, 50, left=10, right=10, top=5, bottom=5)
        >>> f.x(0.5), f.y(1.0), f.y(0.0)
        (50.0, 5.0, 45.0)

    """

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def width_inner(self) -> int:
        """The plotting area's width."""
        return self.width - self.left - self.right

    @property
    def height_inner(self) -> int:
        """The plotting area's height."""
        return self.height - self.top - self.bottom

    @property
    def base(self) -> int:
        """The y of the x axis (the plotting area's bottom)."""
        return self.top + self.height_inner

    def x(self, share: float) -> float:
        """The x of a share (0 to 1) of the plotting area's width."""
        return self.left + self.width_inner * share

    def y(self, share: float) -> float:
        """The y of a share (0 at the bottom, 1 at the top) of the plotting area's height."""
        return self.base - self.height_inner * share

    def axes(self, stroke: str = "#888") -> Markup:
        """The x and y axes, as two ``<line>``."""
        return element(
            "line",
            x1=self.left,
            y1=self.base,
            x2=self.width - self.right,
            y2=self.base,
            stroke=stroke,
        ) + element("line", x1=self.left, y1=self.top, x2=self.left, y2=self.base, stroke=stroke)
