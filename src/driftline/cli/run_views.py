"""How ``driftline runs list`` and ``driftline runs show`` draw runs in a terminal.

Run ids are long (``PIPELINE-YYYYMMDDTHHMMSS-XXXXXXXX``); tables show the short id (the last
part), which ``runs show`` accepts, and never cut it (``no_wrap``). ``--json`` gives full ids.

Examples:
    >>> duration_text(0.25), duration_text(75.0), duration_text(None)
    ('0.25s', '1m 15s', '-')
    >>> run_row({"pipeline": "demo", "status": "COMPLETE"}, "demo-20261204T101500-3fa2b1c9")["id"]
    '3fa2b1c9'

"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table

from driftline.pipeline.run_lookup import short_run_id

if TYPE_CHECKING:
    from driftline.pipeline.run_record import RunRecord

__all__ = ["duration_text", "run_row", "runs_table", "show_view"]

_COLOURS = {"COMPLETE": "green", "CACHED": "blue", "FAILED": "red", "CANCELED": "yellow"}


def duration_text(seconds: float | None) -> str:
    """A short duration: ``0.25s``, ``1m 15s``, ``2h 03m``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _when(text: object) -> str:
    at = _time(text)
    return "-" if at is None else at.strftime("%Y-%m-%d %H:%M:%S")


def _took(props: Mapping[str, Any]) -> float | None:
    start, end = _time(props.get("started_at")), _time(props.get("ended_at"))
    return None if start is None or end is None else max(0.0, (end - start).total_seconds())


def _git(props: Mapping[str, Any]) -> str:
    commit = props.get("git_commit")
    if not isinstance(commit, str):
        return "-"
    return commit[:8] + (" (dirty)" if props.get("git_dirty") else "")


def run_row(props: Mapping[str, Any], run_id: str) -> dict[str, Any]:
    """One run as ``runs list`` gives it: the full id and short id, status, times, git."""
    return {
        "run": run_id,
        "id": short_run_id(run_id),
        "pipeline": props.get("pipeline"),
        "status": props.get("status"),
        "started_at": props.get("started_at"),
        "ended_at": props.get("ended_at"),
        "seconds": _took(props),
        "git_commit": props.get("git_commit"),
        "git_dirty": props.get("git_dirty"),
    }


def runs_table(rows: list[dict[str, Any]]) -> Table:
    """The ``runs list`` table: short ids whole, newest first."""
    table = Table(caption="id: the run's short id (runs show ID); --json for full ids")
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("pipeline", overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("started (UTC)")
    table.add_column("took", no_wrap=True, justify="right")
    table.add_column("git", overflow="fold")
    for r in rows:
        status = str(r["status"] or "")
        table.add_row(
            escape(r["id"]),
            escape(str(r["pipeline"] or "")),
            f"[{_COLOURS.get(status, 'white')}]{escape(status)}[/]",
            _when(r["started_at"]),
            duration_text(r["seconds"]),
            escape(_git(r)),
        )
    return table


def _summary(record: RunRecord) -> Table:
    props = record.properties
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    status = str(props.get("status"))
    rows = [
        ("run", escape(record.run_id)),
        ("short id", escape(record.short_id)),
        ("pipeline", escape(str(props.get("pipeline")))),
        ("status", f"[{_COLOURS.get(status, 'white')}]{escape(status)}[/]"),
        ("started", _when(props.get("started_at")) + " UTC"),
        ("ended", _when(props.get("ended_at")) + " UTC"),
        ("took", duration_text(_took(props))),
        ("runner", escape(str(props.get("runner") or "-"))),
        ("git commit", escape(_git(props))),
    ]
    for key, value in rows:
        grid.add_row(key, value)
    return grid


def _steps(record: RunRecord) -> Table:
    table = Table(title="steps", title_justify="left")
    table.add_column("step", overflow="fold")
    table.add_column("state", no_wrap=True)
    table.add_column("took", no_wrap=True, justify="right")
    table.add_column("execution", no_wrap=True, justify="right")
    table.add_column("outputs (artifact id, kind, name)", overflow="fold")
    for s in record.steps:
        note = f" (of {s.cached_from})" if s.cached_from is not None else ""
        outputs = "\n".join(f"#{o.artifact_id} {o.kind} {o.name or o.port}" for o in s.outputs)
        if s.error:
            outputs = "\n".join(
                filter(None, [outputs, f"[red]{escape(s.error.splitlines()[0])}[/]"])
            )
        else:
            outputs = escape(outputs)
        table.add_row(
            escape(s.step),
            f"[{_COLOURS.get(s.state, 'white')}]{s.state}[/]{note}",
            "-" if s.state == "CANCELED" else duration_text(s.seconds),
            str(s.execution_id),
            outputs or "-",
        )
    return table


def _params(record: RunRecord) -> Table | None:
    rows = [
        (f"{s.step}.{name}", json.dumps(value, default=str))
        for s in record.steps
        for name, value in sorted(s.parameters.items())
    ]
    if not rows:
        return None
    table = Table(title="parameters", title_justify="left")
    table.add_column("parameter", overflow="fold")
    table.add_column("value", overflow="fold")
    for name, value in dict(rows).items():
        table.add_row(escape(name), escape(value))
    return table


def _metrics(record: RunRecord) -> Table | None:
    rows = [(s.step, m, v) for s in record.steps for m, v in sorted(s.metrics.items())]
    if not rows:
        return None
    table = Table(title="metrics", title_justify="left")
    table.add_column("step", overflow="fold")
    table.add_column("metric", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True)
    for step_name, metric, value in rows:
        table.add_row(escape(step_name), escape(metric), f"{value:.6g}")
    return table


def show_view(record: RunRecord) -> RenderableType:
    """What ``runs show`` prints: a summary, the steps, their parameters and metrics."""
    parts: list[RenderableType] = [_summary(record), _steps(record)]
    parts += [t for t in (_params(record), _metrics(record)) if t is not None]
    if not any(s.metrics for s in record.steps):
        parts.append("no metrics: steps record them with ctx.log_metric or a Metrics output")
    return Group(*parts)
