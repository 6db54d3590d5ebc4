"""The pieces of a model card: training spans, the training profile, the evaluation, the run.

Each is a frozen dataclass with a ``to_dict()`` (JSON-ready); :mod:`driftline.registry.card_facts`
reads them from the workspace, :class:`~driftline.registry.card.ModelCard` holds them.

Examples:
    >>> TrainingSpan(7, "churn", 2, 100, 80, 20, None, None).to_dict()["span"]
    2

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "NOT_RECORDED",
    "ColumnSummary",
    "EvaluationSummary",
    "TrainingProfile",
    "TrainingRun",
    "TrainingSpan",
]

NOT_RECORDED = "not recorded"
"""What a card says where the workspace holds nothing."""


@dataclass(frozen=True)
class TrainingSpan:
    """One span a model was trained on, as recorded when it was ingested."""

    artifact_id: int
    dataset: str
    number: int
    rows: int | None
    train_rows: int | None
    eval_rows: int | None
    time_min: str | float | None
    time_max: str | float | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "artifact_id": self.artifact_id,
            "dataset": self.dataset,
            "span": self.number,
            "rows": self.rows,
            "train_rows": self.train_rows,
            "eval_rows": self.eval_rows,
            "time_min": self.time_min,
            "time_max": self.time_max,
        }


@dataclass(frozen=True)
class ColumnSummary:
    """One column of the training profile: counts, and moments or top values."""

    name: str
    type: str
    kind: str
    count: int
    missing: int
    mean: Any = None
    min: Any = None
    max: Any = None
    top: tuple[tuple[Any, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "name": self.name,
            "type": self.type,
            "kind": self.kind,
            "count": self.count,
            "missing": self.missing,
            "mean": self.mean,
            "min": self.min,
            "max": self.max,
            "top": [{"value": v, "count": n} for v, n in self.top],
        }


@dataclass(frozen=True)
class TrainingProfile:
    """The training profile a version was registered with."""

    artifact_id: int
    rows: int
    columns: tuple[ColumnSummary, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "artifact_id": self.artifact_id,
            "rows": self.rows,
            "columns": [c.to_dict() for c in self.columns],
        }


@dataclass(frozen=True)
class EvaluationSummary:
    """The evaluation a version was registered with, as the ``evaluate`` step wrote it."""

    artifact_id: int
    metric: str | None
    blessed: bool | None
    reason: str
    margin: float | None
    rows: int | None
    spans: tuple[int, ...]
    challenger: Mapping[str, float]
    champion: Mapping[str, float] | None
    champion_version: int | None
    slices: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "artifact_id": self.artifact_id,
            "metric": self.metric,
            "blessed": self.blessed,
            "reason": self.reason,
            "margin": self.margin,
            "rows": self.rows,
            "spans": list(self.spans),
            "challenger": dict(self.challenger),
            "champion": None if self.champion is None else dict(self.champion),
            "champion_version": self.champion_version,
            "slices": [dict(s) for s in self.slices],
        }


@dataclass(frozen=True)
class TrainingRun:
    """The execution that wrote the model artifact: its run, step, trainer and parameters."""

    execution_id: int
    step: str
    state: str
    run_id: str | None
    pipeline: str | None
    trainer: str | None
    parameters: Mapping[str, Any]
    code_version: str
    started_at: datetime | None
    ended_at: datetime | None
    step_metrics: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """The metrics each step of the run recorded, by step name (steps without any left out)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "execution_id": self.execution_id,
            "step": self.step,
            "state": self.state,
            "run_id": self.run_id,
            "pipeline": self.pipeline,
            "trainer": self.trainer,
            "parameters": dict(self.parameters),
            "code_version": self.code_version,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "step_metrics": {k: dict(v) for k, v in self.step_metrics.items()},
        }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
