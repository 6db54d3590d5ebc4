"""How ``driftline status`` draws the overview of the loop in a terminal.

The same :class:`~driftline.ui.views.overview.Overview` the dashboard's first page shows: each
model's champion and live accuracy, the controllers' health, the last jobs with failures first and
their reason, active rollouts, datasets and their newest span, the newest trigger decisions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from driftline.ui.views.overview import Overview

__all__ = ["overview_view"]

_STYLE = {"alive": "green", "stale": "red", "failed": "red", "complete": "green"}


def _num(value: float | None, fmt: str = "{:.3f}") -> str:
    return "-" if value is None else fmt.format(value)


def _styled(text: str) -> str:
    style = _STYLE.get(text)
    return f"[{style}]{escape(text)}[/]" if style else escape(text)


def overview_view(view: Overview, workspace: str) -> RenderableType:
    """The overview as tables (empty parts say so in one line)."""
    health = {c.model: c for c in view.controllers}
    parts: list[RenderableType] = [f"[bold]workspace[/] {escape(workspace)}"]
    models = Table(title="models", title_justify="left")
    for col in (
        "model",
        "champion",
        "accuracy",
        "estimated",
        "input drift",
        "outliers",
        "controller",
    ):
        models.add_column(col)
    for m in view.models:
        c = health.get(m.name)
        models.add_row(
            escape(m.name),
            f"v{m.champion}" if m.champion else "-",
            _num(m.realised_accuracy),
            _num(m.estimated_accuracy),
            _num(m.drift_share, "{:.0%}"),
            _num(m.outlier_rate, "{:.1%}"),
            _styled(c.state if c else "none"),
        )
    parts.append(models if view.models else "[dim]no model is registered yet[/]")
    jobs = Table(title="last jobs (failures first)", title_justify="left")
    for col in ("job", "status", "created", "run", "reason"):
        jobs.add_column(col)
    for j in view.jobs:
        reason = j.error or (str(j.outcome.get("reason") or "") if j.outcome else "")
        jobs.add_row(
            escape(j.name),
            _styled(j.status.value),
            j.created_at[:19].replace("T", " "),
            escape((j.run_id or "-")[-8:]),
            escape(reason),
        )
    parts.append(jobs if view.jobs else "[dim]no job yet[/]")
    if view.rollouts:
        rollouts = Table(title="active rollouts", title_justify="left")
        for col in ("rollout", "model", "plan", "status"):
            rollouts.add_column(col)
        for r in view.rollouts:
            rollouts.add_row(
                *(escape(str(r.get(k, ""))) for k in ("name", "model", "plan", "status"))
            )
        parts.append(rollouts)
    else:
        parts.append("[dim]no rollout in progress[/]")
    datasets = Table(title="datasets", title_justify="left")
    for col in ("dataset", "spans", "newest span", "rows", "recorded"):
        datasets.add_column(col)
    for d in view.datasets:
        datasets.add_row(
            escape(d.name),
            str(d.spans),
            str(d.newest or "-"),
            str(d.rows or "-"),
            d.created_at.strftime("%Y-%m-%d %H:%M") if d.created_at else "-",
        )
    parts.append(datasets if view.datasets else "[dim]no dataset yet[/]")
    if view.decisions:
        decisions = Table(title="latest trigger decisions", title_justify="left")
        for col in ("when", "model", "trigger", "outcome", "why"):
            decisions.add_column(col)
        for t in view.decisions[:5]:
            decisions.add_row(
                t.at.strftime("%Y-%m-%d %H:%M:%S"),
                escape(t.model or "-"),
                escape(t.kind),
                escape(t.outcome),
                escape(t.reason),
            )
        parts.append(decisions)
    return Group(*parts)
