"""One span's page: its columns, drift against the span before, anomalies, and its readers.

A histogram per column comes from its stored profile (numeric: the quantile sketch; categorical:
the frequent values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from driftline.store.records import EventKind
from driftline.ui.views.data import load_profile, span_drift

if TYPE_CHECKING:
    from driftline.data.column_profile import ColumnProfile
    from driftline.data.spans import Span
    from driftline.ui.context import Services

__all__ = ["BINS", "ColumnView", "SpanView", "span_view"]

BINS = 20
"""Bars of a numeric column's histogram (estimated from its quantile sketch)."""

TOP = 10
"""Values of a categorical column's bar chart."""


@dataclass(frozen=True)
class ColumnView:
    """A column of a span's profile: counts, range, distribution, drift against the span before."""

    name: str
    type: str
    kind: str
    count: int
    missing: float
    distinct: float
    minimum: float | None
    maximum: float | None
    mean: float | None
    bars: dict[str, list[Any]]
    drift: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "type": self.type,
            "kind": self.kind,
            "count": self.count,
            "missing_share": self.missing,
            "distinct": self.distinct,
            "min": self.minimum,
            "max": self.maximum,
            "mean": self.mean,
            "histogram": self.bars,
            "drift": self.drift,
        }


def _bars(column: ColumnProfile) -> dict[str, list[Any]]:
    """``x`` (bin centres or values) and ``count`` per bar (empty when nothing to show)."""
    sketch = column.quantiles
    if sketch is not None and not sketch.is_empty and column.kind.value != "text":
        lo, hi = float(sketch.min or 0.0), float(sketch.max or 0.0)
        if hi <= lo:
            return {"x": [lo], "count": [int(sketch.n)], "width": [1.0]}
        edges = np.linspace(lo, hi, BINS + 1)
        ranks = sketch.rank(edges).astype(np.int64)
        counts = np.diff(np.concatenate([[0], ranks]))[1:]
        counts[0] += int(ranks[0])  # values equal to the minimum fall in the first bar
        centres = (edges[:-1] + edges[1:]) / 2
        return {
            "x": centres.tolist(),
            "count": counts.tolist(),
            "width": [float(edges[1] - edges[0])] * BINS,
        }
    if column.frequent is not None:
        top = column.frequent.top(TOP)
        return {"x": [str(t.value) for t in top], "count": [int(t.count) for t in top]}
    return {"x": [], "count": []}


def _column(column: ColumnProfile, drift: Any) -> ColumnView:
    moments = column.moments
    total = column.count + column.null_count + column.nan_count
    return ColumnView(
        name=column.name,
        type=column.type,
        kind=column.kind.value,
        count=column.count,
        missing=(column.null_count + column.nan_count) / total if total else 0.0,
        distinct=float(column.distinct.estimate()),
        minimum=None if moments is None else moments.min,
        maximum=None if moments is None else moments.max,
        mean=None if moments is None else moments.mean,
        bars=_bars(column),
        drift=None
        if drift is None
        else {
            "status": str(drift.status),
            "method": None
            if drift.method is None
            else getattr(drift.method, "value", drift.method),
            "statistic": drift.statistic,
            "threshold": drift.threshold,
            "drifted": drift.drifted,
        },
    )


@dataclass(frozen=True)
class SpanView:
    """A span's page: the span, its columns, anomalies, and the executions that used it."""

    span: Span
    columns: tuple[ColumnView, ...]
    previous: int | None
    anomalies: tuple[dict[str, Any], ...]
    used_by: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        s = self.span
        return {
            "dataset": s.dataset,
            "span": s.number,
            "rows": s.rows,
            "train_rows": s.train_rows,
            "eval_rows": s.eval_rows,
            "time_min": s.time_min,
            "time_max": s.time_max,
            "created_at": s.created_at,
            "artifact_id": s.artifact_id,
            "drift_against": self.previous,
            "columns": [c.to_dict() for c in self.columns],
            "anomalies": list(self.anomalies),
            "used_by": list(self.used_by),
        }


def _users(services: Services, span: Span) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The executions that read the span (the newest 20) and its newest validation's anomalies."""
    users: list[dict[str, Any]] = []
    anomalies: list[dict[str, Any]] | None = None
    events = list(services.metadata.events(artifact_id=span.artifact_id))
    for e in reversed([e for e in events if e.kind is EventKind.INPUT][-20:]):
        x = services.metadata.get_execution(e.execution_id)
        users.append({"execution": x.id, "kind": x.kind, "run": x.properties.get("run")})
        if anomalies is not None or x.kind != "validate":
            continue
        for out in services.metadata.events(execution_id=x.id):
            artifact = services.metadata.get_artifact(out.artifact_id)
            if out.kind is EventKind.OUTPUT and artifact.kind == "anomalies":
                data = services.artifacts.read_bytes(artifact.uri, artifact.sha256)
                found = json.loads(data).get("anomalies", [])
                anomalies = [a for a in found if isinstance(a, dict)]
    return users, anomalies or []


def span_view(services: Services, dataset: str, number: int) -> SpanView:
    """The page of span ``number`` of ``dataset``.

    Raises:
        NotFoundError: no such dataset or span (a 404 naming it).

    """
    spans = services.data.spans(dataset)
    found = [s for s in spans if s.number == number]
    span = found[0] if found else services.data.span(dataset, number)  # a 404 naming it
    before = [s for s in spans if s.number < number]
    previous = before[-1] if before else None
    report = None if previous is None else span_drift(services, previous, span)
    drift = {} if report is None else {c.column: c for c in report.columns}
    profile = load_profile(services, span)
    users, anomalies = _users(services, span)
    return SpanView(
        span=span,
        columns=tuple(_column(c, drift.get(c.name)) for c in profile.columns),
        previous=None if previous is None else previous.number,
        anomalies=tuple(anomalies),
        used_by=tuple(users),
    )
