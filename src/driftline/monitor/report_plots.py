"""The plots of the monitor's HTML report, as inline SVG drawn in Python (no script, no network).

Each takes plain values (labels, numbers, shares), so it can be drawn and tested on its own:

* :func:`heat_map`: one cell per (row, column), coloured by state (``drifted``, ``calm``,
  ``absent``), each with a ``<title>`` (``<rect class="cell drifted" ...>``);
* :func:`line_plot`: lines over the windows (``<polyline class="series" data-series=...>``),
  broken where a value is missing, one dot per value;
* :func:`stacked_shares`: one bar per window, stacked by category (``<rect class="share"
  data-category=...>``).

Examples:
    >>> svg = heat_map(["a", "b"], ["10:00", "11:00"], {(0, 1): ("drifted", "a at 11:00")})
    >>> svg.count('class="cell drifted"'), svg.count('class="cell absent"')
    (1, 3)
    >>> plot = line_plot(["1", "2", "3", "4"], [("e", [0.9, 0.8, None, 0.7], "#000")], label="x")
    >>> plot.count("<polyline"), plot.count("<circle")
    (1, 3)

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup

from driftline.render.svg import Frame, element, points, svg

__all__ = ["COLORS", "STATES", "category_colors", "heat_map", "line_plot", "stacked_shares"]

STATES = {"drifted": "#d62728", "calm": "#c7e9c0", "absent": "#f0f0f0"}
"""The colour of each heat-map cell state."""

COLORS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#72b7b2", "#e45756", "#bab0ac")
"""Colours of series and categories, in order."""


def _x_labels(frame: Frame, labels: Sequence[str], slot: float) -> list[Markup]:
    """Every k-th label under the x axis, turned so that long ones fit."""
    step = max(1, len(labels) // 12)
    found = []
    for i in range(0, len(labels), step):
        x, y = frame.left + (i + 0.5) * slot, frame.base + 12
        found.append(
            element(
                "text",
                labels[i],
                x=f"{x:.1f}",
                y=y,
                text_anchor="end",
                transform=f"rotate(-35 {x:.1f} {y})",
            )
        )
    return found


def heat_map(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Mapping[tuple[int, int], tuple[str, str]],
    *,
    label: str = "drift by input and window",
) -> Markup:
    """A grid of ``rows`` x ``columns``; ``cells[(row, column)]`` is ``(state, title)``.

    A cell not given is ``absent``. States: the keys of :data:`STATES`.
    """
    left = min(200, 12 + 7 * max((len(r) for r in rows), default=4))
    cell_w = max(6.0, min(40.0, 900 / max(len(columns), 1)))
    cell_h = 16
    frame = Frame(
        int(left + cell_w * len(columns) + 12),
        int(14 + cell_h * len(rows) + 60),
        left=left,
        right=12,
        top=14,
        bottom=60,
    )
    parts: list[Markup] = []
    for r, name in enumerate(rows):
        y = frame.top + r * cell_h
        parts.append(element("text", name, x=left - 6, y=y + cell_h - 4, text_anchor="end"))
        for c in range(len(columns)):
            state, title = cells.get((r, c), ("absent", f"{name}: not compared"))
            parts.append(
                element(
                    "rect",
                    element("title", title),
                    class_=f"cell {state}",
                    x=f"{left + c * cell_w:.1f}",
                    y=y,
                    width=f"{cell_w - 1:.1f}",
                    height=cell_h - 1,
                    fill=STATES.get(state, STATES["absent"]),
                )
            )
    parts += _x_labels(frame, columns, cell_w)
    return svg(parts, width=frame.width, height=frame.height, label=label, class_="heat-map")


def line_plot(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    label: str,
    css_class: str = "line-plot",
    top: float | None = None,
    bottom: float = 0.0,
) -> Markup:
    """Each ``(name, values, colour)`` as a line over the windows; ``None`` breaks the line.

    The y axis runs from ``bottom`` to ``top`` (default: the largest value, at least 1e-9).
    """
    frame = Frame(760, 240, left=52, right=12, top=14, bottom=60)
    found = [v for _, values, _ in series for v in values if v is not None]
    high = top if top is not None else max([*found, bottom + 1e-9])
    span = max(high - bottom, 1e-12)
    slot = frame.width_inner / max(len(x_labels), 1)
    parts = [
        frame.axes(),
        element("text", f"{high:.3g}", x=frame.left - 4, y=frame.top + 4, text_anchor="end"),
        element("text", f"{bottom:.3g}", x=frame.left - 4, y=frame.base, text_anchor="end"),
    ]
    for name, values, color in series:
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            share = min(max((value - bottom) / span, 0.0), 1.0)
            xy = (frame.left + (i + 0.5) * slot, frame.y(share))
            runs[-1].append(xy)
            parts.append(
                element(
                    "circle",
                    element("title", f"{name} {x_labels[i]}: {value:.4g}"),
                    class_="dot",
                    cx=f"{xy[0]:.1f}",
                    cy=f"{xy[1]:.1f}",
                    r=2.5,
                    fill=color,
                )
            )
        for run in (r for r in runs if len(r) > 1):
            parts.append(
                element(
                    "polyline",
                    class_="series",
                    data_series=name,
                    points=points([x for x, _ in run], [y for _, y in run]),
                    fill="none",
                    stroke=color,
                    stroke_width=2,
                )
            )
    parts += _x_labels(frame, x_labels, slot)
    return svg(parts, width=frame.width, height=frame.height, label=label, class_=css_class)


def category_colors(shares: Sequence[Mapping[str, float] | None]) -> dict[str, str]:
    """Each category's colour, in the order first seen (as :func:`stacked_shares` draws them).

    Examples:
        >>> category_colors([{"b": 0.5, "a": 0.5}, None, {"c": 1.0}])
        {'b': '#4c78a8', 'a': '#f58518', 'c': '#54a24b'}

    """
    order: list[str] = []
    for mix in shares:
        order += [k for k in (mix or {}) if k not in order]
    return {k: COLORS[i % len(COLORS)] for i, k in enumerate(order)}


def stacked_shares(
    x_labels: Sequence[str],
    shares: Sequence[Mapping[str, float] | None],
    *,
    label: str = "prediction mix by window",
) -> Markup:
    """One bar per window, its categories' shares stacked (colours in order of first sight).

    Examples:
        >>> svg = stacked_shares(["10:00", "11:00"], [{"a": 0.25, "b": 0.75}, None])
        >>> svg.count('class="share"'), 'data-category="b"' in svg
        (2, True)

    """
    frame = Frame(760, 240, left=52, right=12, top=14, bottom=60)
    color = category_colors(shares)
    order = list(color)
    slot = frame.width_inner / max(len(x_labels), 1)
    parts = [
        frame.axes(),
        element("text", "100%", x=frame.left - 4, y=frame.top + 4, text_anchor="end"),
        element("text", "0", x=frame.left - 4, y=frame.base, text_anchor="end"),
    ]
    for i, mix in enumerate(shares):
        low = 0.0
        for category in order:
            share = float((mix or {}).get(category, 0.0))
            if share <= 0:
                continue
            parts.append(
                element(
                    "rect",
                    element("title", f"{x_labels[i]}: {category} {share:.1%}"),
                    class_="share",
                    data_category=category,
                    x=f"{frame.left + i * slot + slot * 0.1:.1f}",
                    y=f"{frame.y(min(low + share, 1.0)):.1f}",
                    width=f"{slot * 0.8:.1f}",
                    height=f"{frame.height_inner * share:.1f}",
                    fill=color[category],
                )
            )
            low += share
    parts += _x_labels(frame, x_labels, slot)
    return svg(parts, width=frame.width, height=frame.height, label=label, class_="mix-plot")
