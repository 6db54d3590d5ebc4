"""The demo's HTML report: accuracy over time, drift, retrains, versions and rollouts."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from driftline.registry import ModelRegistry
from driftline.rollout.store import RolloutStore
from driftline.workspace import Workspace

_STYLE = """
body { font: 14px system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } td, th { padding: 4px 10px; border-bottom:
1px solid #ddd; text-align: left; } th { background: #f4f4f4; } .num { text-align: right; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 2em; } .note { color: #666; }
"""


def _chart(story: list[dict[str, Any]], threshold: float) -> str:
    width, height, pad = 720, 260, 40
    n = len(story)

    def px(i: int) -> float:
        return pad + i * (width - 2 * pad) / max(n - 1, 1)

    def py(v: float) -> float:
        return height - pad - v * (height - 2 * pad)

    points = " ".join(f"{px(i):.1f},{py(d['accuracy']):.1f}" for i, d in enumerate(story))
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="accuracy by day">']
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{pad}" x2="{width - pad}" y1="{py(v)}" y2="{py(v)}" stroke="#eee"/>'
        )
        parts.append(f'<text x="4" y="{py(v) + 4}" font-size="11">{v:.2f}</text>')
    parts.append(
        f'<line x1="{pad}" x2="{width - pad}" y1="{py(threshold)}" y2="{py(threshold)}" '
        'stroke="#c33" stroke-dasharray="4 3"/>'
    )
    parts.append(
        f'<text x="{width - pad - 90}" y="{py(threshold) - 4}" font-size="11" '
        f'fill="#c33">threshold {threshold}</text>'
    )
    parts.append(f'<polyline points="{points}" fill="none" stroke="#2a6" stroke-width="2"/>')
    for i, d in enumerate(story):
        colour = "#c60" if d["drift"] else "#2a6"
        parts.append(
            f'<circle cx="{px(i):.1f}" cy="{py(d["accuracy"]):.1f}" r="4" '
            f'fill="{colour}"><title>{html.escape(d["day"])}: '
            f"{d['accuracy']:.3f}</title></circle>"
        )
        parts.append(
            f'<text x="{px(i) - 14:.1f}" y="{height - 12}" font-size="11">'
            f"{html.escape(d['day'])}</text>"
        )
        if d.get("retrain", {}).get("pushed"):
            parts.append(
                f'<text x="{px(i) - 20:.1f}" y="{py(d["accuracy"]) + 18:.1f}" '
                f'font-size="11" fill="#36c">retrain → v{d["retrain"]["version"]}'
                "</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _rows(rows: list[list[Any]], header: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(
    ws: Workspace, model: str, story: list[dict[str, Any]], path: Path, threshold: float = 0.85
) -> Path:
    """Write the report to ``path`` (and the drift report beside it); return ``path``."""
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    days = [
        [
            d["day"],
            "yes" if d["drift"] else "no",
            d["requests"],
            f"{d['accuracy']:.3f}",
            ", ".join(f"v{v}: {n}" for v, n in sorted(d["versions"].items())),
            d["failed"],
            (
                f"v{d['retrain']['version']} pushed"
                if d.get("retrain", {}).get("pushed")
                else d.get("retrain", {}).get("reason", "")
            ),
        ]
        for d in story
    ]
    versions = [
        [
            v.number,
            ", ".join(v.aliases),
            f"{v.metrics.get('accuracy', float('nan')):.3f}",
            v.created_at.strftime("%H:%M:%S"),
            v.reason,
        ]
        for v in registry.versions(model)
    ]
    rollouts = []
    store = RolloutStore(ws.metadata)
    for record in store.all(model):
        said = [f"{d.get('action')}: {d.get('reason', '')}" for d in store.decisions(record.name)]
        rollouts.append(
            [
                record.name,
                f"v{record.spec.candidate} vs v{record.spec.champion}",
                record.status.value,
                " → ".join(said),
            ]
        )
    spans = ws.spans(model)
    drift_note = ""
    if len(spans) > 1:
        report = ws.drift(spans[0], spans[-1])
        report.to_html(path.parent / "drift.html", title=f"{model}: span 1 vs span {len(spans)}")
        drift_note = (
            f"<p>Span {len(spans)} against span 1: {len(report.drifted_columns)} of "
            f"{len(report.columns)} columns (pixels and label) drifted. "
            '<a href="drift.html">The drift report</a>.</p>'
        )
    body = [
        f"<h1>driftline demo: {html.escape(model)}</h1>",
        "<p class='note'>Live accuracy per day from feedback labels (orange: drifted images). "
        "After each day the controller ingests the day's file as a span and evaluates the "
        "policy's triggers (live accuracy below the threshold, drift, new data); when one fires, "
        "the training pipeline retrains on the last 2 spans, and a blessed model goes through "
        "a canary on live traffic.</p>",
        _chart(story, threshold),
        "<h2>Days</h2>",
        _rows(
            days,
            ["day", "drifted", "requests", "live accuracy", "answered by", "failed", "retrain"],
        ),
        "<h2>Drift</h2>",
        drift_note or "<p>No second span.</p>",
        "<h2>Model versions</h2>",
        _rows(versions, ["version", "aliases", "eval accuracy", "registered", "why"]),
        "<h2>Rollouts</h2>",
        _rows(rollouts, ["rollout", "versions", "status", "decisions"]),
    ]
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>driftline demo</title>"
        f"<style>{_STYLE}</style></head><body>{''.join(body)}</body></html>"
    )
    path.write_text(page, encoding="utf-8")
    return path
