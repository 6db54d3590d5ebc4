"""The monitor's HTML report: live windows as plots and a table, in one self-contained page.

The page (the ``monitor.html`` template, the layout and stylesheet of every report) holds, for
the windows of :func:`~driftline.monitor.window_metrics.window_metrics`:

* a summary (model, versions, windows, rows) and the notes, each said once;
* a drift heat map, input x window (``<svg class="heat-map">``; red: drifted from the version's
  training profile; the last row is the prediction against the version's evaluation
  predictions);
* estimated against realised accuracy over the windows (``<svg class="accuracy-plot">``);
* the outlier rate over the windows (``<svg class="outlier-plot">``);
* the prediction mix over the windows (``<svg class="mix-plot">``, classifiers), or the
  quantiles of the prediction (``<svg class="quantile-plot">``, scores and regression);
* a table with one row per window, then, folded, a table per window of each input's drift
  (the newest :data:`DETAILED` windows).

Every plot is drawn in Python (:mod:`~driftline.monitor.report_plots`): no script, no network.

Examples:
    >>> page = render([], title="Monitor: m")
    >>> page.startswith("<!DOCTYPE html>"), "no window" in page, "<script" in page
    (True, True, False)

"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.monitor.report_plots import (
    COLORS,
    category_colors,
    heat_map,
    line_plot,
    stacked_shares,
)

if TYPE_CHECKING:
    from markupsafe import Markup

    from driftline.monitor.window_metrics import FeatureDrift, WindowMetrics

__all__ = ["DETAILED", "HEADER", "PREDICTION_ROW", "notes_once", "render", "write_html"]

HEADER = (
    "window start (UTC)",
    "version",
    "rows",
    "input drift share",
    "drifted inputs",
    "prediction drift",
    "outlier rate",
    "estimated accuracy",
    "realised accuracy",
    "labelled rows",
)
"""The columns of the table of windows."""

PREDICTION_ROW = "(prediction)"
"""The heat map's row of the prediction's drift."""

DETAILED = 168
"""How many of the newest windows get a table of their inputs (a week of hours)."""


def notes_once(windows: Sequence[WindowMetrics]) -> list[str]:
    """Every window's notes, each once, in the order first met."""
    return list(dict.fromkeys(n for w in windows for n in w.notes))


def _label(window: WindowMetrics, versions: int) -> str:
    from driftline.core.clock import utc

    text = f"{utc(window.start):%m-%d %H:%M}"
    return f"{text} v{window.version}" if versions > 1 else text


def _drift_text(found: FeatureDrift | None) -> str:
    """``yes (psi 0.31)``, ``no (ks p 0.42)``, or the status when it was not compared."""
    from driftline.render.numbers import number

    if found is None:
        return ""
    if found.status != "compared":
        return found.status
    value = f"p {number(found.p_value, 3)}" if found.p_value is not None else ""
    value = value or number(found.statistic, 3)
    return f"{'yes' if found.drifted else 'no'} ({found.method} {value})".replace(" )", ")")


def _cell(name: str, label: str, found: FeatureDrift) -> tuple[str, str]:
    if found.status != "compared":
        return "absent", f"{name} at {label}: {found.status}"
    state = "drifted" if found.drifted else "calm"
    return state, f"{name} at {label}: {_drift_text(found)}"


def _heat_map(windows: Sequence[WindowMetrics], labels: Sequence[str]) -> Markup:
    features = list(dict.fromkeys(f.feature for w in windows for f in w.drift))
    rows = [*features, PREDICTION_ROW]
    at = {name: i for i, name in enumerate(features)}
    cells: dict[tuple[int, int], tuple[str, str]] = {}
    for c, w in enumerate(windows):
        for f in w.drift:
            cells[(at[f.feature], c)] = _cell(f.feature, labels[c], f)
        if w.prediction_drift is not None:
            cells[(len(features), c)] = _cell("prediction", labels[c], w.prediction_drift)
    return heat_map(rows, labels, cells)


def _figures(windows: Sequence[WindowMetrics], labels: Sequence[str]) -> list[dict[str, Any]]:
    """The plots with their headings and captions, those with something to show."""
    figures: list[dict[str, Any]] = [
        {
            "heading": "Input drift by window",
            "caption": "Each input of each window against the serving version's training "
            "profile (red: drifted); the last row is the prediction against the version's "
            "predictions on its evaluation rows. Hover a cell for the method and statistic.",
            "svg": _heat_map(windows, labels),
        }
    ]
    estimated = [w.estimated_accuracy for w in windows]
    realised = [w.realised_accuracy for w in windows]
    if any(v is not None for v in [*estimated, *realised]):
        series = [("estimated", estimated, COLORS[0]), ("realised", realised, COLORS[1])]
        figures.append(
            {
                "heading": "Estimated and realised accuracy",
                "caption": "Estimated: from calibrated confidence, no labels needed (it cannot "
                "see a change of P(y | x) that leaves the inputs unchanged). Realised: from the "
                "labels received so far.",
                "svg": line_plot(
                    labels, series, label="accuracy", css_class="accuracy-plot", top=1.0
                ),
                "legend": {name: color for name, _, color in series},
            }
        )
    rates = [w.outlier_rate for w in windows]
    if any(v is not None for v in rates):
        figures.append(
            {
                "heading": "Outlier rate",
                "caption": "The share of each window's rows the version's outlier detector "
                "flagged as they were served.",
                "svg": line_plot(
                    labels,
                    [("outlier rate", rates, COLORS[6])],
                    label="outlier rate",
                    css_class="outlier-plot",
                ),
            }
        )
    mixes = [w.prediction_mix for w in windows]
    if any(m for m in mixes):
        figures.append(
            {
                "heading": "Prediction mix",
                "caption": "The share of each predicted class in each window.",
                "svg": stacked_shares(labels, mixes),
                "legend": category_colors(mixes),
            }
        )
    quantiles = [w.prediction_quantiles or {} for w in windows]
    names = list(dict.fromkeys(k for q in quantiles for k in q))
    if names:
        series = [
            (k, [q.get(k) for q in quantiles], COLORS[i % len(COLORS)]) for i, k in enumerate(names)
        ]
        found = [v for _, values, _ in series for v in values if v is not None]
        figures.append(
            {
                "heading": "Prediction quantiles",
                "caption": "Quantiles of the prediction (a score or a regression output) in "
                "each window.",
                "svg": line_plot(
                    labels,
                    series,
                    label="prediction quantiles",
                    css_class="quantile-plot",
                    bottom=min(found),
                    top=max(found) if max(found) > min(found) else None,
                ),
                "legend": {name: color for name, _, color in series},
            }
        )
    return figures


def _rows(windows: Sequence[WindowMetrics]) -> list[Any]:
    from driftline.core.clock import utc
    from driftline.render import Cell, Row
    from driftline.render.numbers import count, fixed, percent

    rows = []
    for w in windows:
        drifted = ", ".join(w.drifted[:5]) + (
            f" (+{len(w.drifted) - 5})" if len(w.drifted) > 5 else ""
        )
        rows.append(
            Row(
                [
                    f"{utc(w.start):%Y-%m-%d %H:%M}",
                    w.version,
                    Cell(count(w.rows), "num"),
                    Cell(percent(w.drift_share), "num"),
                    drifted,
                    _drift_text(w.prediction_drift),
                    Cell(percent(w.outlier_rate, 1), "num"),
                    Cell(fixed(w.estimated_accuracy), "num"),
                    Cell(fixed(w.realised_accuracy), "num"),
                    Cell(count(w.labelled_rows), "num"),
                ],
                css="drifted" if w.drifted else "",
            )
        )
    return rows


def _details(windows: Sequence[WindowMetrics], labels: Sequence[str]) -> list[dict[str, Any]]:
    """Each window's inputs, one table each (the newest :data:`DETAILED` windows)."""
    from driftline.render import Cell, Row
    from driftline.render.numbers import number

    chosen = list(zip(windows, labels, strict=True))[-DETAILED:]
    found = []
    for w, label in reversed(chosen):
        columns = [*w.drift, *([w.prediction_drift] if w.prediction_drift is not None else [])]
        rows = [
            Row(
                [
                    f.feature,
                    f.method,
                    Cell(number(f.statistic), "num"),
                    Cell(number(f.p_value), "num"),
                    Cell(number(f.threshold), "num"),
                    "yes" if f.drifted else "no",
                    f.status,
                ],
                css="drifted" if f.drifted else "",
            )
            for f in columns
        ]
        found.append({"label": label, "rows": w.rows, "table": rows, "notes": w.notes})
    return found


def render(windows: Sequence[WindowMetrics], *, title: str) -> str:
    """The page as a string (see the module docstring); windows oldest first."""
    from driftline.render import render_html

    ordered = sorted(windows, key=lambda w: (w.start, w.version))
    versions = sorted({w.version for w in ordered})
    labels = [_label(w, len(versions)) for w in ordered]
    return render_html(
        "monitor.html",
        title=title,
        windows=len(ordered),
        versions=", ".join(versions),
        rows=sum(w.rows for w in ordered),
        first=_label(ordered[0], 1) if ordered else "",
        last=_label(ordered[-1], 1) if ordered else "",
        notes=notes_once(ordered),
        figures=_figures(ordered, labels) if ordered else [],
        header=list(HEADER),
        window_rows=_rows(ordered),
        details=_details(ordered, labels),
        detail_header=[
            "column",
            "method",
            "statistic",
            "p-value",
            "threshold",
            "drifted",
            "status",
        ],
        detailed=min(DETAILED, len(ordered)),
    )


def write_html(path: str | Path, windows: Sequence[WindowMetrics], *, title: str) -> Path:
    """Write the page to ``path`` (atomically: a partial file is never left) and return it."""
    import os
    import tempfile

    target = Path(path)
    page = render(windows, title=title)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(page)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
