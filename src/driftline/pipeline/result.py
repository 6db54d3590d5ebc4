"""The result of a pipeline run: its status and each step's state and outputs.

Examples:
    >>> from driftline.store.records import ExecutionState
    >>> r = StepResult("train", ExecutionState.CACHED, 7, {}, None)
    >>> r.done, RunStatus.COMPLETE.value
    (True, 'COMPLETE')

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from driftline.core.errors import InputError
from driftline.store.records import Artifact, ExecutionState

__all__ = ["RunResult", "RunStatus", "StepResult"]


class RunStatus(StrEnum):
    """Where a run is: RUNNING, then COMPLETE or FAILED."""

    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


@dataclass(frozen=True)
class StepResult:
    """One step of a run.

    ``state`` is its execution's state; ``reused`` is True when a resumed run took the step from
    the run's earlier attempt (then ``execution_id`` is that attempt's execution); ``metrics``
    are those it returned or logged (see :mod:`~driftline.pipeline.step_metrics`).
    """

    name: str
    state: ExecutionState
    execution_id: int | None
    outputs: Mapping[str, Artifact]
    error: str | None
    reused: bool = False
    metrics: Mapping[str, float] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """Whether the step has its outputs (COMPLETE or CACHED)."""
        return self.state in (ExecutionState.COMPLETE, ExecutionState.CACHED)


@dataclass(frozen=True)
class RunResult:
    """A pipeline run: its id (the name of its ``run`` context), status, params and steps."""

    run_id: str
    pipeline: str
    status: RunStatus
    params: Mapping[str, Any]
    steps: Mapping[str, StepResult]
    started_at: datetime
    ended_at: datetime | None

    def output(self, step: str, name: str | None = None) -> Artifact:
        """The artifact a step produced on output ``name`` (its only output by default).

        Raises:
            InputError: no such step or output, or the step has no outputs (it failed).

        """
        if step not in self.steps:
            raise InputError(f"run {self.run_id} has no step {step!r}")
        outputs = self.steps[step].outputs
        if name is None:
            if len(outputs) != 1:
                raise InputError(
                    f"step {step!r} has {len(outputs)} outputs ({', '.join(outputs) or 'none'}); "
                    f"name one"
                )
            return next(iter(outputs.values()))
        if name not in outputs:
            raise InputError(f"step {step!r} has no output {name!r} in run {self.run_id}")
        return outputs[name]

    def states(self) -> dict[str, ExecutionState]:
        """Each step's state, by step name."""
        return {name: s.state for name, s in self.steps.items()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "run": self.run_id,
            "pipeline": self.pipeline,
            "status": self.status.value,
            "params": dict(self.params),
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "steps": {
                name: {
                    "state": s.state.value,
                    "execution": s.execution_id,
                    "reused": s.reused,
                    "outputs": {port: a.id for port, a in s.outputs.items()},
                    "error": s.error,
                    "metrics": dict(s.metrics),
                }
                for name, s in self.steps.items()
            },
        }
