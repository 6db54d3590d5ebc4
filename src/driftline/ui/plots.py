"""Plots of the dashboard: plotly.js figures built as plain data on the server.

A page puts ``plots=True`` in its context and, for each figure, calls the ``plot`` macro of
``macros.html`` with a figure from here; ``static/app.js`` draws every ``div.plot`` with
plotly.js (served from the installed ``plotly`` package: nothing from a CDN). Figures are dicts
(``{"data": [...], "layout": {...}}``): building them costs no plotly Python objects.

Examples:
    >>> fig = line_figure({"realised": (["2026-01-01T00:00", "2026-01-01T01:00"], [0.9, 0.8])},
    ...                   title="Accuracy", y_title="accuracy")
    >>> fig["data"][0]["name"], fig["layout"]["title"]["text"]
    ('realised', 'Accuracy')
    >>> str(figure_json({"data": [], "layout": {"x": float("nan")}}))
    '{"data":[],"layout":{"x":null}}'

"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from driftline.ui.jsonable import jsonable

__all__ = ["bar_figure", "figure_json", "heatmap_figure", "line_figure"]

_LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
    "height": 300,
    "hovermode": "closest",
    "font": {"family": "system-ui, sans-serif", "size": 12},
}


def figure_json(figure: Mapping[str, Any]) -> Markup:
    """The figure as compact JSON, safe to put in an HTML attribute (NaN become null)."""
    text = json.dumps(jsonable(figure), separators=(",", ":"), allow_nan=False)
    return Markup(
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("'", "\\u0027")
    )


def line_figure(
    series: Mapping[str, tuple[Sequence[Any], Sequence[Any]]],
    *,
    title: str,
    y_title: str = "",
    y_range: tuple[float, float] | None = None,
    dashed: Sequence[str] = (),
) -> dict[str, Any]:
    """Lines over time: ``series`` maps a name to its (x, y) values (``dashed`` names dashed)."""
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": list(x),
            "y": list(y),
            "line": {"dash": "dash"} if name in dashed else {},
            "connectgaps": True,  # a window without rows (or labels) breaks no line
        }
        for name, (x, y) in series.items()
    ]
    yaxis: dict[str, Any] = {"title": {"text": y_title}}
    if y_range is not None:
        yaxis["range"] = list(y_range)
    layout = {**_LAYOUT, "title": {"text": title}, "yaxis": yaxis}
    return {"data": data, "layout": layout}


def heatmap_figure(
    x: Sequence[Any],
    y: Sequence[str],
    z: Sequence[Sequence[float | None]],
    *,
    title: str,
    colorbar: str = "",
    z_range: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """A heat map: ``z[i][j]`` is the value of row ``y[i]`` at column ``x[j]``.

    ``z_range`` fixes the colour scale's ends (values beyond take the end's colour).
    """
    data = [
        {
            "type": "heatmap",
            "x": list(x),
            "y": list(y),
            "z": [list(row) for row in z],
            "colorscale": "YlOrRd",
            "reversescale": True,
            "colorbar": {"title": {"text": colorbar}},
            **({} if z_range is None else {"zmin": z_range[0], "zmax": z_range[1]}),
        }
    ]
    height = max(240, 60 + 22 * len(y))
    return {"data": data, "layout": {**_LAYOUT, "title": {"text": title}, "height": height}}


def bar_figure(
    x: Sequence[Any],
    y: Sequence[float],
    *,
    title: str,
    width: Sequence[float] | None = None,
    height: int = 220,
) -> dict[str, Any]:
    """Bars: a histogram when ``width`` gives each bar's width (numeric bins), else categories."""
    bar: dict[str, Any] = {
        "type": "bar",
        "x": list(x),
        "y": list(y),
        "marker": {"color": "#84adff"},
    }
    if width is not None:
        bar["width"] = list(width)
    layout = {**_LAYOUT, "title": {"text": title}, "height": height, "bargap": 0.05}
    layout["margin"] = {"l": 40, "r": 10, "t": 30, "b": 30}
    return {"data": [bar], "layout": layout}
