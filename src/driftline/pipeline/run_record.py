"""A recorded run as one readable record, read back from the metadata store.

A :class:`RunRecord` holds the run's steps with their states, times, parameters, outputs and
metrics.

:func:`read_run` is what ``driftline runs show`` prints (and what a dashboard can show): find
the run first with :func:`~driftline.pipeline.run_lookup.find_run`.

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> from driftline.pipeline import Metrics, Pipeline, run_pipeline, step
    >>> @step
    ... def evaluate(threshold: float = 0.5) -> Metrics:
    ...     return {"auc": 0.75}
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder) as ws:
    ...     done = run_pipeline(ws, Pipeline("eval", [evaluate]), progress=False)
    ...     record = read_run(ws.metadata, ws.metadata.get_context_by_name("run", done.run_id))
    >>> [(s.step, s.state, dict(s.metrics), s.outputs[0].kind) for s in record.steps]
    [('evaluate', 'COMPLETE', {'auc': 0.75}, 'metrics')]
    >>> record.short_id == done.run_id[-8:], record.to_dict()["steps"][0]["parameters"]
    (True, {'threshold': 0.5})

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from driftline.pipeline.cache import outputs_of
from driftline.pipeline.run_lookup import short_run_id
from driftline.pipeline.step_metrics import metrics_of_execution
from driftline.store.queries import ExecutionQuery
from driftline.store.records import Context, ContextRef

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore

__all__ = ["OutputRecord", "RunRecord", "StepRecord", "read_run", "seconds_between"]


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from ``start`` to ``end``, or ``None`` when either is unknown."""
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


@dataclass(frozen=True)
class OutputRecord:
    """One output of a step: its port, artifact id, kind and artifact name."""

    port: str
    artifact_id: int
    kind: str
    name: str | None


@dataclass(frozen=True)
class StepRecord:
    """One execution of a run, as recorded."""

    step: str
    execution_id: int
    state: str
    started_at: datetime | None
    ended_at: datetime | None
    parameters: Mapping[str, Any]
    outputs: Sequence[OutputRecord]
    metrics: Mapping[str, float]
    error: str | None
    cached_from: int | None

    @property
    def seconds(self) -> float | None:
        """How long it ran (``None`` until it ended)."""
        return seconds_between(self.started_at, self.ended_at)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "step": self.step,
            "execution": self.execution_id,
            "state": self.state,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "seconds": self.seconds,
            "parameters": dict(self.parameters),
            "outputs": [
                {"port": o.port, "artifact": o.artifact_id, "kind": o.kind, "name": o.name}
                for o in self.outputs
            ],
            "metrics": dict(self.metrics),
            "cached_from": self.cached_from,
            "error": self.error,
        }


@dataclass(frozen=True)
class RunRecord:
    """A run: its id, the properties of its ``run`` context and its steps in order."""

    run_id: str
    properties: Mapping[str, Any]
    steps: Sequence[StepRecord]

    @property
    def short_id(self) -> str:
        """The short id tables show (see :func:`~driftline.pipeline.run_lookup.short_run_id`)."""
        return short_run_id(self.run_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary: the full run id, its properties and steps."""
        return {
            "run": self.run_id,
            "short_id": self.short_id,
            **dict(self.properties),
            "steps": [s.to_dict() for s in self.steps],
        }


def read_run(metadata: MetadataStore, run: Context) -> RunRecord:
    """Read the steps of ``run`` (a ``run`` context) with their outputs and metrics."""
    executions = metadata.executions(
        ExecutionQuery(context=ContextRef("run", run.name), ascending=True)
    )
    steps = []
    for e in executions:
        outputs = [
            OutputRecord(port, a.id, a.kind, a.name)
            for port, a in sorted(outputs_of(metadata, e.id).items())
        ]
        cached = e.properties.get("cached_from")
        steps.append(
            StepRecord(
                step=e.kind,
                execution_id=e.id,
                state=e.state.value,
                started_at=e.started_at,
                ended_at=e.ended_at,
                parameters=dict(e.parameters),
                outputs=outputs,
                metrics=metrics_of_execution(e),
                error=e.error,
                cached_from=cached if isinstance(cached, int) else None,
            )
        )
    return RunRecord(run.name, dict(run.properties), steps)
