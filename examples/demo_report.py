"""The demo's HTML report: accuracy over time, drift, retrains, versions and rollouts.

The page is ``templates/demo.html``, which extends the layout of every driftline report
(``driftline.render``): the same stylesheet, inline, and no script.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from driftline.registry import ModelRegistry
from driftline.render import render_html
from driftline.render.svg import Frame, element, points, svg
from driftline.rollout.store import RolloutStore
from driftline.workspace import Workspace

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _chart(story: list[dict[str, Any]], threshold: float) -> Markup:
    frame = Frame(720, 260, left=40, right=40, top=40, bottom=40)
    n = len(story)

    def px(i: int) -> float:
        return frame.x(i / max(n - 1, 1))

    parts = []
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts += [
            element(
                "line",
                x1=frame.left,
                x2=frame.width - frame.right,
                y1=frame.y(v),
                y2=frame.y(v),
                stroke="#eee",
            ),
            element("text", f"{v:.2f}", x=4, y=frame.y(v) + 4),
        ]
    at = frame.y(threshold)
    parts += [
        element(
            "line",
            x1=frame.left,
            x2=frame.width - frame.right,
            y1=at,
            y2=at,
            stroke="#c33",
            stroke_dasharray="4 3",
        ),
        element(
            "text",
            f"threshold {threshold}",
            x=frame.width - frame.right - 90,
            y=at - 4,
            fill="#c33",
        ),
        element(
            "polyline",
            points=points(map(px, range(n)), [frame.y(d["accuracy"]) for d in story]),
            fill="none",
            stroke="#2a6",
            stroke_width=2,
        ),
    ]
    for i, d in enumerate(story):
        x, y = px(i), frame.y(d["accuracy"])
        title = element("title", f"{d['day']}: {d['accuracy']:.3f}")
        parts += [
            element(
                "circle",
                title,
                cx=f"{x:.1f}",
                cy=f"{y:.1f}",
                r=4,
                fill="#c60" if d["drift"] else "#2a6",
            ),
            element("text", d["day"], x=f"{x - 14:.1f}", y=frame.height - 12),
        ]
        if d.get("retrain", {}).get("pushed"):
            parts.append(
                element(
                    "text",
                    f"retrain → v{d['retrain']['version']}",
                    x=f"{x - 20:.1f}",
                    y=f"{y + 18:.1f}",
                    fill="#36c",
                )
            )
    return svg(
        parts, width=frame.width, height=frame.height, label="accuracy by day", class_="story-plot"
    )


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
    drift = None
    if len(spans) > 1:
        report = ws.drift(spans[0], spans[-1])
        report.to_html(path.parent / "drift.html", title=f"{model}: span 1 vs span {len(spans)}")
        drift = {
            "span": len(spans),
            "drifted": len(report.drifted_columns),
            "of": len(report.columns),
        }
    page = render_html(
        "demo.html",
        folders=[TEMPLATES],
        title=f"driftline demo: {model}",
        chart=_chart(story, threshold),
        days=days,
        drift=drift,
        versions=versions,
        rollouts=rollouts,
    )
    path.write_text(page, encoding="utf-8")
    return path
