r"""The backtest report: a text table, a self-contained HTML page (inline SVG) and a PNG plot.

The HTML page has the summary table (method, accuracy, retrains, CPU seconds), the plot of
accuracy over time for every method (``<svg class="accuracy-plot">``, one ``<polyline
class="method" data-method="...">`` per method, and a tick per promotion), the retrains that
validation refused, each with its reason (``<table class=refused>``), and the retrain log. It
uses no script and no network. The PNG is the same plot drawn by matplotlib (``pip install
'driftline[backtest]'``).

Examples:
    >>> svg = plot_svg([("a", [0.5, None, 0.75])], [100, 200, 300], [2])
    >>> svg.count('<polyline class="method"'), 'data-method="a"' in svg
    (1, True)

"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.core.errors import InputError

if TYPE_CHECKING:
    from driftline.backtest.run import BacktestResult

__all__ = ["COLORS", "plot_svg", "text_table", "write_html", "write_png"]

COLORS = ("#d62728", "#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#72b7b2")
"""Line colours: the policy's, then one per baseline in the order of ``_KEYS``."""

_KEYS = ("policy", "never", "every", "last", "hat", "arf")

_W, _H = 760, 300
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 48, 150, 14, 36

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px}
table{border-collapse:collapse;margin-top:8px}th,td{padding:4px 10px;border-bottom:1px solid #ddd;
text-align:left;font-variant-numeric:tabular-nums}th{background:#f5f5f5}td.num{text-align:right}
tr.policy td:first-child{font-weight:600}.no{color:#9b1c1c}.yes{color:#03543f}
svg text{font:11px system-ui,sans-serif;fill:#444}.meta{color:#555}
"""


def text_table(result: BacktestResult) -> str:
    """The methods as a plain-text table, then the refused retrains (what the benchmark prints)."""
    lines = [f"{'method':<22} {'accuracy':>9} {'retrains':>9} {'refused':>8} {'CPU s':>9}"]
    for m in result.methods:
        replayed = m.key in ("policy", "never", "every")
        retrains = str(m.retrains) if replayed else "-"
        refused = str(m.refused) if replayed else "-"
        lines.append(
            f"{m.name:<22} {m.accuracy:>9.4f} {retrains:>9} {refused:>8} {m.cpu_seconds:>9.2f}"
        )
    lines += refused_lines(result)
    return "\n".join(lines)


def refused_lines(result: BacktestResult) -> list[str]:
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
) -> str:
    """An inline SVG line plot: one line per ``(name, values)`` over ``rows``, ticks at rows."""
    plot_w, plot_h = _W - _PAD_L - _PAD_R, _H - _PAD_T - _PAD_B
    known = [v for _, values in series for v in values if v is not None]
    low = min([*known, 1.0])
    low = max(0.0, (int(low * 10)) / 10)
    span = max(1.0 - low, 1e-9)
    last = max([*rows, 1])

    def x(row: float) -> float:
        return _PAD_L + plot_w * row / last

    def y(value: float) -> float:
        return _PAD_T + plot_h * (1.0 - (value - low) / span)

    parts = [
        f'<svg class="accuracy-plot" xmlns="http://www.w3.org/2000/svg" width="{_W}" '
        f'height="{_H}" viewBox="0 0 {_W} {_H}" role="img" aria-label="accuracy over time">',
        f'<line x1="{_PAD_L}" y1="{_PAD_T + plot_h}" x2="{_PAD_L + plot_w}" '
        f'y2="{_PAD_T + plot_h}" stroke="#888"/>',
        f'<line x1="{_PAD_L}" y1="{_PAD_T}" x2="{_PAD_L}" y2="{_PAD_T + plot_h}" stroke="#888"/>',
    ]
    step = 0.1 if span > 0.3 else 0.05
    for tick in range(round(span / step) + 1):
        value = low + step * tick
        parts.append(
            f'<text x="{_PAD_L - 4}" y="{y(value) + 4:.1f}" text-anchor="end">{value:.2f}</text>'
            f'<line x1="{_PAD_L}" y1="{y(value):.1f}" x2="{_PAD_L + plot_w}" y2="{y(value):.1f}" '
            'stroke="#eee"/>'
        )
    parts.append(
        f'<text x="{_PAD_L + plot_w / 2:.0f}" y="{_H - 6}" text-anchor="middle">row</text>'
        f'<text x="{_PAD_L}" y="{_H - 18}">0</text>'
        f'<text x="{_PAD_L + plot_w}" y="{_H - 18}" text-anchor="end">{last:,}</text>'
    )
    for row in promotions:
        parts.append(
            f'<line class="promotion" x1="{x(row):.1f}" y1="{_PAD_T + plot_h}" x2="{x(row):.1f}" '
            f'y2="{_PAD_T + plot_h - 8}" stroke="{COLORS[0]}"/>'
        )
    for i, (name, values) in enumerate(series):
        color = colors[i % len(colors)]
        points = " ".join(
            f"{x(r):.1f},{y(v):.1f}" for r, v in zip(rows, values, strict=True) if v is not None
        )
        width = 2.2 if i == 0 else 1.3
        parts.append(
            f'<polyline class="method" data-method="{escape(name)}" fill="none" '
            f'stroke="{color}" stroke-width="{width}" points="{points}"/>'
        )
        ly = _PAD_T + 14 + 16 * i
        lx = _PAD_L + plot_w + 12
        parts.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 16}" y2="{ly - 4}" stroke="{color}" '
            f'stroke-width="2"/><text x="{lx + 20}" y="{ly}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _series(result: BacktestResult) -> list[tuple[str, Sequence[float | None]]]:
    return [(m.name, m.curve) for m in result.methods]


def _colors(result: BacktestResult) -> list[str]:
    """A colour per method that does not depend on which baselines ran."""
    return [
        COLORS[_KEYS.index(m.key) if m.key in _KEYS else i % len(COLORS)]
        for i, m in enumerate(result.methods)
    ]


def _promotion_rows(result: BacktestResult) -> list[int]:
    return [d.row for d in result.decisions if d.blessed]


def _fmt(metrics: dict[str, float] | None, metric: str) -> str:
    if not metrics or metric not in metrics:
        return ""
    return f"{metrics[metric]:.4f}"


def _trigger_text(triggers: Sequence[dict[str, Any]]) -> str:
    return "; ".join(
        f"{t['kind']}" + (f": {t['reason']}" if t.get("reason") else "") for t in triggers
    )


def _verdict(decision: Any) -> str:
    if decision.refused:
        return '<span class="no">refused</span>'
    if decision.blessed:
        return '<span class="yes">promoted</span>'
    return '<span class="no">kept</span>'


def _refused_html(result: BacktestResult) -> str:
    if not result.refused:
        return ""
    rows = "".join(
        f"<tr><td class=num>{d.span}</td><td class=num>{d.row:,}</td>"
        f"<td>{d.trained_spans[1]}</td><td>{escape(d.reason)}</td></tr>"
        for d in result.refused
    )
    return (
        f"<h2>Refused retrains ({len(result.refused)})</h2><p class=meta>Validation of the newest "
        "span against the schema in force refused these retrains, as the training pipeline "
        "would; the span is never trained on.</p><table class=refused><tr><th>span</th>"
        f"<th>row</th><th>refused span</th><th>reason</th></tr>{rows}</table>"
    )


def write_html(result: BacktestResult, path: Path, *, title: str | None = None) -> Path:
    """Write the HTML report to ``path`` (atomically: a temporary file, then a rename)."""
    title = title or f"Backtest: {result.data}"
    metric = str(result.policy.get("gate", {}).get("metric", "accuracy"))
    rows = []
    for m in result.methods:
        cls = ' class="policy"' if m.key == "policy" else ""
        retrains = str(m.retrains) if m.key in ("policy", "never", "every") else "&ndash;"
        rows.append(
            f"<tr{cls}><td>{escape(m.name)}</td><td class=num>{m.accuracy:.4f}</td>"
            f"<td class=num>{retrains}</td><td class=num>{m.cpu_seconds:.2f}</td></tr>"
        )
    log = []
    for d in result.decisions:
        verdict = _verdict(d)
        log.append(
            f"<tr><td class=num>{d.span}</td><td class=num>{d.row:,}</td>"
            f"<td>{escape(_trigger_text(d.triggers))}</td>"
            f"<td>{d.trained_spans[0]}&ndash;{d.trained_spans[1]}</td>"
            f"<td class=num>{_fmt(d.challenger, metric)}</td>"
            f"<td class=num>{_fmt(d.champion, metric)}</td><td>{verdict}</td>"
            f"<td>{escape(d.reason)}</td></tr>"
        )
    policy = result.policy
    meta = (
        f"{result.rows:,} rows, spans of {result.span_rows:,} rows, label delay {result.delay:,} "
        f"rows, seed {result.seed}. Accuracy is prequential (each row predicted before its label "
        f"is used) over rows {result.first_scored:,}&ndash;{result.rows - 1:,}; the first "
        f"{result.first_scored:,} rows are warm-up for every method. Trainer "
        f"<code>{escape(str(policy.get('trainer')))}</code>, window "
        f"{policy.get('window_spans')} spans, triggers: "
        f"{escape(', '.join(policy.get('triggers', [])) or 'none')}."
    )
    notes = "".join(f"<p class=meta>{escape(n)}</p>" for n in result.notes)
    plot = plot_svg(_series(result), result.curve_rows, _promotion_rows(result), _colors(result))
    html = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1><p class=meta>{meta}</p>"
        f"{notes}<h2>Methods</h2><table><tr><th>method</th><th>accuracy</th><th>retrains</th>"
        f"<th>CPU seconds</th></tr>{''.join(rows)}</table>"
        f"<h2>Accuracy over time</h2><p class=meta>Accuracy over the last "
        f"{result.curve_window:,} scored rows at the end of every span; ticks mark promotions."
        f"</p>{plot}{_refused_html(result)}"
        f"<h2>Retrains ({len(result.decisions)}; {len(result.refused)} refused by validation, "
        f"{result.suppressed} suppressed by cooldown)</h2>"
        f"<table><tr><th>span</th><th>row</th><th>trigger</th><th>trained on spans</th>"
        f"<th>challenger {escape(metric)}</th><th>champion {escape(metric)}</th><th>verdict</th>"
        f"<th>reason</th></tr>{''.join(log)}</table></body></html>\n"
    )
    return _atomic_write(path, html.encode("utf-8"))


def _atomic_write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
    return path


def write_png(result: BacktestResult, path: Path) -> Path:
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
