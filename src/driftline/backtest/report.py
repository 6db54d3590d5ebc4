r"""The backtest report: a text table, an HTML page (the ``backtest.html`` template) and a PNG plot.

The HTML page has the summary table (method, accuracy, retrains, CPU seconds), the plot of
accuracy over time for every method (``<svg class="accuracy-plot">``, one ``<polyline
class="method" data-method="...">`` per method, and a tick per promotion), the retrains that
validation refused, each with its reason (``<table class="refused">``), and the retrain log. It
uses no script and no network; its layout and stylesheet are those of every report
(:mod:`driftline.render`). The PNG is the same plot drawn by matplotlib (``pip install
'driftline[backtest]'``).

Each function reads a :class:`BacktestFigures`: what it needs of a
:class:`~driftline.backtest.result.BacktestResult`, which calls them.

Examples:
    >>> svg = plot_svg([("a", [0.5, None, 0.75])], [100, 200, 300], [2])
    >>> svg.count('<polyline class="method"'), 'data-method="a"' in svg
    (1, True)

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from driftline.core.errors import InputError

if TYPE_CHECKING:
    from markupsafe import Markup

    from driftline.backtest.method import MethodResult
    from driftline.backtest.retrain import Decision

__all__ = ["COLORS", "BacktestFigures", "plot_svg", "text_table", "write_html", "write_png"]

COLORS = ("#d62728", "#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#72b7b2")
"""Line colours: the policy's, then one per baseline in the order of ``_KEYS``."""

_KEYS = ("policy", "never", "every", "last", "hat", "arf")
_REPLAYED = ("policy", "never", "every")


class BacktestFigures(Protocol):
    """What the report reads of a :class:`~driftline.backtest.result.BacktestResult`."""

    @property
    def data(self) -> str:
        """The data's name."""

    @property
    def rows(self) -> int:
        """Rows replayed."""

    @property
    def policy(self) -> dict[str, Any]:
        """The policy's summary."""

    @property
    def span_rows(self) -> int:
        """Rows per span."""

    @property
    def delay(self) -> int:
        """The label delay in rows."""

    @property
    def seed(self) -> int:
        """The seed."""

    @property
    def first_scored(self) -> int:
        """The first row scored."""

    @property
    def curve_rows(self) -> tuple[int, ...]:
        """The row at the end of every span."""

    @property
    def curve_window(self) -> int:
        """Rows in each point of the accuracy curve."""

    @property
    def methods(self) -> tuple[MethodResult, ...]:
        """Every method's figures, the policy's first."""

    @property
    def decisions(self) -> tuple[Decision, ...]:
        """The policy's retrains."""

    @property
    def refused(self) -> tuple[Decision, ...]:
        """The retrains validation refused."""

    @property
    def suppressed(self) -> int:
        """Retrains suppressed by the cooldown."""

    @property
    def notes(self) -> tuple[str, ...]:
        """Notes on how to read the figures."""


def text_table(result: BacktestFigures) -> str:
    """The methods as a plain-text table, then the refused retrains (what the benchmark prints)."""
    lines = [f"{'method':<22} {'accuracy':>9} {'retrains':>9} {'refused':>8} {'CPU s':>9}"]
    for m in result.methods:
        replayed = m.key in _REPLAYED
        retrains = str(m.retrains) if replayed else "-"
        refused = str(m.refused) if replayed else "-"
        lines.append(
            f"{m.name:<22} {m.accuracy:>9.4f} {retrains:>9} {refused:>8} {m.cpu_seconds:>9.2f}"
        )
    lines += refused_lines(result)
    return "\n".join(lines)


def refused_lines(result: BacktestFigures) -> list[str]:
    """One line per retrain of the policy that validation refused: the span and the reason."""
    if not result.refused:
        return []
    lines = [f"refused retrains of the policy ({len(result.refused)}):"]
    for d in result.refused:
        lines.append(f"  after span {d.span}: {d.reason}")
    return lines


def plot_svg(
    series: Sequence[tuple[str, Sequence[float | None]]],
    rows: Sequence[int],
    promotions: Sequence[int] = (),
    colors: Sequence[str] = COLORS,
) -> Markup:
    """An inline SVG line plot: one line per ``(name, values)`` over ``rows``, ticks at rows."""
    from driftline.render.svg import Frame, element, points, svg

    frame = Frame(760, 300, left=48, right=150, top=14, bottom=36)
    known = [v for _, values in series for v in values if v is not None]
    low = max(0.0, int(min([*known, 1.0]) * 10) / 10)
    span = max(1.0 - low, 1e-9)
    last = max([*rows, 1])

    def x(row: float) -> float:
        return frame.x(row / last)

    def y(value: float) -> float:
        return frame.y((value - low) / span)

    right = frame.left + frame.width_inner
    parts = [frame.axes()]
    step = 0.1 if span > 0.3 else 0.05
    for tick in range(round(span / step) + 1):
        value = low + step * tick
        parts += [
            element(
                "text", f"{value:.2f}", x=frame.left - 4, y=f"{y(value) + 4:.1f}", text_anchor="end"
            ),
            element(
                "line",
                x1=frame.left,
                y1=f"{y(value):.1f}",
                x2=right,
                y2=f"{y(value):.1f}",
                stroke="#eee",
            ),
        ]
    parts += [
        element(
            "text",
            "row",
            x=f"{frame.left + frame.width_inner / 2:.0f}",
            y=frame.height - 6,
            text_anchor="middle",
        ),
        element("text", "0", x=frame.left, y=frame.height - 18),
        element("text", f"{last:,}", x=right, y=frame.height - 18, text_anchor="end"),
    ]
    for row in promotions:
        parts.append(
            element(
                "line",
                class_="promotion",
                x1=f"{x(row):.1f}",
                y1=frame.base,
                x2=f"{x(row):.1f}",
                y2=frame.base - 8,
                stroke=COLORS[0],
            )
        )
    for i, (name, values) in enumerate(series):
        color = colors[i % len(colors)]
        seen = [(r, v) for r, v in zip(rows, values, strict=True) if v is not None]
        line = points([x(r) for r, _ in seen], [y(v) for _, v in seen])
        parts.append(
            element(
                "polyline",
                class_="method",
                data_method=name,
                fill="none",
                stroke=color,
                stroke_width=2.2 if i == 0 else 1.3,
                points=line,
            )
        )
        ly, lx = frame.top + 14 + 16 * i, right + 12
        parts += [
            element("line", x1=lx, y1=ly - 4, x2=lx + 16, y2=ly - 4, stroke=color, stroke_width=2),
            element("text", name, x=lx + 20, y=ly),
        ]
    return svg(
        parts,
        width=frame.width,
        height=frame.height,
        label="accuracy over time",
        class_="accuracy-plot",
    )


def _series(result: BacktestFigures) -> list[tuple[str, Sequence[float | None]]]:
    return [(m.name, m.curve) for m in result.methods]


def _colors(result: BacktestFigures) -> list[str]:
    """A colour per method that does not depend on which baselines ran."""
    return [
        COLORS[_KEYS.index(m.key) if m.key in _KEYS else i % len(COLORS)]
        for i, m in enumerate(result.methods)
    ]


def _promotion_rows(result: BacktestFigures) -> list[int]:
    return [d.row for d in result.decisions if d.blessed]


def _score(metrics: Mapping[str, float] | None, metric: str) -> str:
    from driftline.render.numbers import fixed

    return fixed(metrics.get(metric)) if metrics else ""


def _verdict(decision: Decision) -> tuple[str, str]:
    """The verdict on a retrain and its CSS class."""
    if decision.refused:
        return "refused", "no"
    return ("promoted", "yes") if decision.blessed else ("kept", "no")


def write_html(result: BacktestFigures, path: Path, *, title: str | None = None) -> Path:
    """Write the HTML report to ``path`` (atomically: a temporary file, then a rename)."""
    from driftline.render import Cell, Row, render_html
    from driftline.render.numbers import count, fixed

    metric = str(result.policy.get("gate", {}).get("metric", "accuracy"))
    methods = [
        Row(
            [
                m.name,
                Cell(fixed(m.accuracy), "num"),
                Cell(str(m.retrains) if m.key in _REPLAYED else "\N{EN DASH}", "num"),
                Cell(fixed(m.cpu_seconds, 2), "num"),
            ],
            css="policy" if m.key == "policy" else "",
        )
        for m in result.methods
    ]
    refused = [
        [Cell(d.span, "num"), Cell(count(d.row), "num"), d.trained_spans[1], d.reason]
        for d in result.refused
    ]
    log = [
        [
            Cell(d.span, "num"),
            Cell(count(d.row), "num"),
            "; ".join(
                t["kind"] + (f": {t['reason']}" if t.get("reason") else "") for t in d.triggers
            ),
            f"{d.trained_spans[0]}\N{EN DASH}{d.trained_spans[1]}",
            Cell(_score(d.challenger, metric), "num"),
            Cell(_score(d.champion, metric), "num"),
            Cell(*_verdict(d)),
            d.reason,
        ]
        for d in result.decisions
    ]
    plot = plot_svg(_series(result), result.curve_rows, _promotion_rows(result), _colors(result))
    page = render_html(
        "backtest.html",
        title=title or f"Backtest: {result.data}",
        result=result,
        trainer=str(result.policy.get("trainer")),
        window=result.policy.get("window_spans"),
        triggers=", ".join(result.policy.get("triggers", [])) or "none",
        metric=metric,
        methods=methods,
        plot=plot,
        refused=refused,
        log=log,
    )
    return _atomic_write(path, page.encode("utf-8"))


def _atomic_write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
    return path


def write_png(result: BacktestFigures, path: Path) -> Path:
    """Draw accuracy over time with matplotlib and write it as PNG.

    Raises:
        InputError: matplotlib is not installed (``pip install 'driftline[backtest]'``).

    """
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("a PNG plot needs matplotlib: pip install 'driftline[backtest]'") from None
    import io

    figure = Figure(figsize=(9, 4), dpi=100)
    axes = figure.add_subplot()
    for i, ((name, values), color) in enumerate(zip(_series(result), _colors(result), strict=True)):
        xs = [r for r, v in zip(result.curve_rows, values, strict=True) if v is not None]
        ys = [v for v in values if v is not None]
        axes.plot(xs, ys, label=name, color=color, lw=2.0 if i == 0 else 1.1)
    for row in _promotion_rows(result):
        axes.axvline(row, ymax=0.04, color=COLORS[0], lw=0.8)
    axes.set_xlabel("row")
    axes.set_ylabel(f"accuracy (last {result.curve_window:,} rows)")
    axes.set_title(f"{result.data}: label delay {result.delay:,} rows")
    axes.grid(alpha=0.3)
    axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return _atomic_write(path, buffer.getvalue())
