r"""A self-contained HTML drift report: inline CSS and inline SVG, no script, no network.

The page has a summary (verdict, share of drifted columns), a table of every column, one plot per
drifted column (``<svg class="drift-plot" data-column="...">``: overlaid histograms on shared bins
for numeric columns, side-by-side bars of the top categories otherwise), and the plots of
undrifted columns folded in ``<details>`` (``<svg class="column-plot" ...>``). Every bar is an
SVG ``<rect>`` drawn here in Python, so the file opens anywhere, offline.

Examples:
    >>> from driftline.drift.binning import Distributions
    >>> d = Distributions("categories", ("a", "b"), (), (0.6, 0.4), (0.3, 0.7))
    >>> svg = plot_svg("c", d, css_class="drift-plot")
    >>> svg.startswith('<svg class="drift-plot" data-column="c"'), svg.count('<rect class="bar')
    (True, 4)

"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from driftline.drift.binning import Distributions
from driftline.drift.methods import ColumnStatus

if TYPE_CHECKING:
    from driftline.drift.report import ColumnDrift, DriftReport

__all__ = ["plot_svg", "render"]

_W, _H = 560, 220
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 48, 12, 14, 56
_REF, _CUR = "#4c78a8", "#f58518"

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px}
.verdict{display:inline-block;padding:4px 10px;border-radius:4px;font-weight:600}
.drift{background:#fde2e1;color:#9b1c1c}.nodrift{background:#def7ec;color:#03543f}
table{border-collapse:collapse;margin-top:8px}th,td{padding:4px 10px;border-bottom:1px solid #ddd;
text-align:left;font-variant-numeric:tabular-nums}th{background:#f5f5f5}
tr.drifted td:first-child{font-weight:600;color:#9b1c1c}
.plots{display:flex;flex-wrap:wrap;gap:16px}.plot{border:1px solid #e5e5e5;padding:8px}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
svg text{font:11px system-ui,sans-serif;fill:#444}details{margin:6px 0}
"""


def _fmt(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def plot_svg(column: str, dist: Distributions, *, css_class: str) -> str:
    """One inline SVG plot of a column's reference and current shares.

    Histograms (numeric) overlay two translucent bar series on the same bins; categories put the
    two bars side by side. Bars are ``<rect class="bar ref">`` and ``<rect class="bar cur">``.
    """
    n = max(len(dist.labels), 1)
    top = max([*dist.reference, *dist.current, 1e-12])
    plot_w, plot_h = _W - _PAD_L - _PAD_R, _H - _PAD_T - _PAD_B
    slot = plot_w / n
    parts = [
        f'<svg class="{escape(css_class)}" data-column="{escape(column)}" '
        f'xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(column)}">',
        f'<line x1="{_PAD_L}" y1="{_PAD_T + plot_h}" x2="{_W - _PAD_R}" y2="{_PAD_T + plot_h}" '
        'stroke="#888"/>',
        f'<line x1="{_PAD_L}" y1="{_PAD_T}" x2="{_PAD_L}" y2="{_PAD_T + plot_h}" stroke="#888"/>',
        f'<text x="{_PAD_L - 4}" y="{_PAD_T + 4}" text-anchor="end">{top:.0%}</text>',
        f'<text x="{_PAD_L - 4}" y="{_PAD_T + plot_h}" text-anchor="end">0</text>',
    ]
    series = ((dist.reference, _REF, "ref"), (dist.current, _CUR, "cur"))
    for i in range(len(dist.labels)):
        x0 = _PAD_L + i * slot
        for j, (values, color, name) in enumerate(series):
            h = plot_h * values[i] / top
            if dist.kind == "histogram":
                x, w, opacity = x0, max(slot - 1, 0.5), 0.55
            else:
                x, w, opacity = x0 + slot * (0.1 + 0.4 * j), slot * 0.4, 0.9
            parts.append(
                f'<rect class="bar {name}" x="{x:.2f}" y="{_PAD_T + plot_h - h:.2f}" '
                f'width="{w:.2f}" height="{h:.2f}" fill="{color}" fill-opacity="{opacity}">'
                f"<title>{escape(dist.labels[i])}: {name} {values[i]:.2%}</title></rect>"
            )
    step = max(1, n // 6) if dist.kind == "histogram" else max(1, n // 12)
    for i in range(0, n, step):
        if dist.kind == "histogram":
            x, label = _PAD_L + i * slot, f"{dist.edges[i]:.3g}"
        else:
            x, label = _PAD_L + (i + 0.5) * slot, dist.labels[i][:14]
        y = _PAD_T + plot_h + 14
        parts.append(
            f'<text x="{x:.2f}" y="{y}" text-anchor="end" '
            f'transform="rotate(-35 {x:.2f} {y})">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _row(c: ColumnDrift) -> str:
    cls = ' class="drifted"' if c.drifted else ""
    cells = [
        escape(c.column),
        "" if c.kind is None else c.kind.value,
        c.status.value,
        "" if c.method is None else c.method.value,
        _fmt(c.statistic),
        _fmt(c.adjusted_p_value if c.adjusted_p_value is not None else c.p_value),
        _fmt(c.threshold),
        "yes" if c.drifted else "no",
        f"{c.reference_rows:,}",
        f"{c.current_rows:,}",
        escape(c.detail),
    ]
    return f"<tr{cls}>" + "".join(f"<td>{v}</td>" for v in cells) + "</tr>"


def _figure(c: ColumnDrift, css_class: str) -> str:
    assert c.distributions is not None
    method = "" if c.method is None else c.method.value
    caption = f"{escape(c.column)} — {method} {_fmt(c.statistic)}"
    return (
        f'<div class="plot"><div>{caption}</div>'
        + plot_svg(c.column, c.distributions, css_class=css_class)
        + "</div>"
    )


def render(report: DriftReport, *, title: str = "Drift report") -> str:
    """The whole page as a string (see the module docstring).

    Examples:
        >>> from driftline.drift.report import DriftReport
        >>> render(DriftReport((), 0.5, None, 0, 0), title="t").startswith("<!DOCTYPE html>")
        True

    """
    verdict = "dataset drift" if report.dataset_drift else "no dataset drift"
    drifted = [c for c in report.columns if c.drifted and c.distributions is not None]
    calm = [
        c
        for c in report.columns
        if not c.drifted and c.distributions is not None and c.status is ColumnStatus.COMPARED
    ]
    head = (
        "<th>column</th><th>kind</th><th>status</th><th>method</th><th>statistic</th>"
        "<th>p-value</th><th>threshold</th><th>drifted</th><th>reference rows</th>"
        "<th>current rows</th><th>detail</th>"
    )
    legend = (
        f'<div class="legend"><span style="background:{_REF}"></span>reference'
        f'<span style="background:{_CUR}"></span>current</div>'
    )
    correction = "none" if report.correction is None else report.correction.value
    html = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p><span class="verdict {"drift" if report.dataset_drift else "nodrift"}">{verdict}'
        f"</span> {len(report.drifted_columns)} of {len(report.compared_columns)} compared "
        f"columns drifted ({report.share_drifted:.0%}; dataset drift at "
        f"{report.drift_share:.0%}). Reference {report.reference_rows:,} rows, current "
        f"{report.current_rows:,} rows. Multiple-testing correction: {correction}.</p>",
        f"<h2>Drifted columns ({len(drifted)})</h2>",
        legend,
        '<div class="plots">' + "".join(_figure(c, "drift-plot") for c in drifted) + "</div>",
        "<h2>All columns</h2>",
        f"<table><thead><tr>{head}</tr></thead><tbody>",
        *(_row(c) for c in report.columns),
        "</tbody></table>",
        f"<h2>Columns without drift ({len(calm)})</h2>",
        *(
            f"<details><summary>{escape(c.column)}</summary>{_figure(c, 'column-plot')}</details>"
            for c in calm
        ),
        "</body></html>",
    ]
    return "\n".join(html)
