r"""The HTML drift report: the ``drift.html`` template, with inline SVG plots drawn here.

The page has a summary (verdict, share of drifted columns), a table of every column, one plot per
drifted column (``<svg class="drift-plot" data-column="...">``: overlaid histograms on shared bins
for numeric columns, side-by-side bars of the top categories otherwise), and the plots of
undrifted columns folded in ``<details>`` (``<svg class="column-plot" ...>``). Every bar is an
SVG ``<rect>`` drawn in Python, so the file opens anywhere, offline: no script, no network. The
layout and stylesheet are those of every report (:mod:`driftline.render`).

Examples:
    >>> from driftline.drift.binning import Distributions
    >>> d = Distributions("categories", ("a", "b"), (), (0.6, 0.4), (0.3, 0.7))
    >>> svg = plot_svg("c", d, css_class="drift-plot")
    >>> svg.startswith('<svg class="drift-plot" data-column="c"'), svg.count('<rect class="bar')
    (True, 4)

"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from driftline.drift.methods import ColumnStatus

if TYPE_CHECKING:
    from markupsafe import Markup

    from driftline.drift.binning import Distributions
    from driftline.drift.column import ColumnDrift
    from driftline.drift.methods import Correction

__all__ = ["DriftFigures", "plot_svg", "render"]

_REF, _CUR = "#4c78a8", "#f58518"


class DriftFigures(Protocol):
    """What the page reads of a :class:`~driftline.drift.report.DriftReport`."""

    @property
    def columns(self) -> tuple[ColumnDrift, ...]:
        """Every column's result."""

    @property
    def correction(self) -> Correction | None:
        """The multiple-testing correction."""

    @property
    def drift_share(self) -> float:
        """The share of drifted columns that makes dataset drift."""

    @property
    def reference_rows(self) -> int:
        """Rows in the reference."""

    @property
    def current_rows(self) -> int:
        """Rows in the current data."""

    @property
    def compared_columns(self) -> tuple[str, ...]:
        """The compared columns."""

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """The drifted columns."""

    @property
    def share_drifted(self) -> float:
        """Drifted / compared columns."""

    @property
    def dataset_drift(self) -> bool:
        """The verdict."""


def plot_svg(column: str, dist: Distributions, *, css_class: str) -> Markup:
    """One inline SVG plot of a column's reference and current shares.

    Histograms (numeric) overlay two translucent bar series on the same bins; categories put the
    two bars side by side. Bars are ``<rect class="bar ref">`` and ``<rect class="bar cur">``.
    """
    from driftline.render.svg import Frame, element, svg

    frame = Frame(560, 220, left=48, right=12, top=14, bottom=56)
    n = max(len(dist.labels), 1)
    top = max([*dist.reference, *dist.current, 1e-12])
    slot = frame.width_inner / n
    parts = [
        frame.axes(),
        element("text", f"{top:.0%}", x=frame.left - 4, y=frame.top + 4, text_anchor="end"),
        element("text", "0", x=frame.left - 4, y=frame.base, text_anchor="end"),
    ]
    series = ((dist.reference, _REF, "ref"), (dist.current, _CUR, "cur"))
    for i, label in enumerate(dist.labels):
        x0 = frame.left + i * slot
        for j, (values, color, name) in enumerate(series):
            h = frame.height_inner * values[i] / top
            if dist.kind == "histogram":
                x, w, opacity = x0, max(slot - 1, 0.5), 0.55
            else:
                x, w, opacity = x0 + slot * (0.1 + 0.4 * j), slot * 0.4, 0.9
            title = element("title", f"{label}: {name} {values[i]:.2%}")
            parts.append(
                element(
                    "rect",
                    title,
                    class_=f"bar {name}",
                    x=f"{x:.2f}",
                    y=f"{frame.base - h:.2f}",
                    width=f"{w:.2f}",
                    height=f"{h:.2f}",
                    fill=color,
                    fill_opacity=opacity,
                )
            )
    step = max(1, n // 6) if dist.kind == "histogram" else max(1, n // 12)
    for i in range(0, n, step):
        if dist.kind == "histogram":
            x, text = frame.left + i * slot, f"{dist.edges[i]:.3g}"
        else:
            x, text = frame.left + (i + 0.5) * slot, dist.labels[i][:14]
        y = frame.base + 14
        parts.append(
            element(
                "text",
                text,
                x=f"{x:.2f}",
                y=y,
                text_anchor="end",
                transform=f"rotate(-35 {x:.2f} {y})",
            )
        )
    return svg(
        parts,
        width=frame.width,
        height=frame.height,
        label=column,
        class_=css_class,
        data_column=column,
    )


def render(report: DriftFigures, *, title: str = "Drift report") -> str:
    """The whole page as a string (see the module docstring).

    Examples:
        >>> from driftline.drift.report import DriftReport
        >>> render(DriftReport((), 0.5, None, 0, 0), title="t").startswith("<!DOCTYPE html>")
        True

    """
    from driftline.render import Row, render_html
    from driftline.render.numbers import count, number

    with_plot = [c for c in report.columns if c.distributions is not None]
    drifted = [c for c in with_plot if c.drifted]
    calm = [c for c in with_plot if not c.drifted and c.status is ColumnStatus.COMPARED]
    rows = [
        Row(
            [
                c.column,
                "" if c.kind is None else c.kind.value,
                c.status.value,
                "" if c.method is None else c.method.value,
                number(c.statistic),
                number(c.adjusted_p_value if c.adjusted_p_value is not None else c.p_value),
                number(c.threshold),
                "yes" if c.drifted else "no",
                count(c.reference_rows),
                count(c.current_rows),
                c.detail,
            ],
            css="drifted" if c.drifted else "",
        )
        for c in report.columns
    ]
    return render_html(
        "drift.html",
        title=title,
        report=report,
        correction="none" if report.correction is None else report.correction.value,
        drifted=[_figure(c, "drift-plot") for c in drifted],
        calm=[_figure(c, "column-plot") for c in calm],
        rows=rows,
        colors={"reference": _REF, "current": _CUR},
    )


def _figure(c: ColumnDrift, css_class: str) -> dict[str, object]:
    """A plot with its caption (the column, the method and its statistic)."""
    from driftline.render.numbers import number

    if c.distributions is None:  # pragma: no cover - only columns with distributions get here
        raise ValueError(f"column {c.column!r} has nothing to plot")
    method = "" if c.method is None else c.method.value
    return {
        "column": c.column,
        "caption": f"{c.column} — {method} {number(c.statistic)}",
        "svg": plot_svg(c.column, c.distributions, css_class=css_class),
    }
