"""What the controller reports: decisions on triggers, job attempts, ticks, rollout requests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from driftline.controller.jobs import JobStatus
from driftline.controller.triggers import TriggerEvaluation
from driftline.rollout.requests import RolloutRequest, RolloutRequester

__all__ = [
    "TriggerDecision",
    "JobResult",
    "RolloutRequest",
    "RolloutRequester",
    "TickResult",
]


@dataclass(frozen=True)
class TriggerDecision:
    """What the controller did with one trigger's evaluation at one tick.

    ``outcome``: ``enqueued``, ``deduplicated``, ``skipped`` (cooldown, or the trigger could not
    decide) or ``not_fired``.
    """

    evaluation: TriggerEvaluation
    outcome: str
    job: str | None = None
    execution_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        e = self.evaluation
        return {
            "trigger": e.trigger,
            "kind": e.kind,
            "fired": e.fired,
            "outcome": self.outcome,
            "reason": e.reason,
            "skip": e.skip,
            "job": self.job,
            "evidence": e.evidence,
        }


@dataclass(frozen=True)
class JobResult:
    """What one attempt at a job ended with.

    ``status`` is ``running`` when the attempt stopped before the job finished (the controller
    was asked to stop, or lost its lease): a later attempt resumes it.
    """

    job: str
    status: JobStatus
    attempt: int
    run_id: str | None
    outcome: Mapping[str, Any] | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "job": self.job,
            "status": self.status.value,
            "attempt": self.attempt,
            "run_id": self.run_id,
            "outcome": dict(self.outcome) if self.outcome is not None else None,
            "error": self.error,
        }


@dataclass(frozen=True)
class TickResult:
    """The decisions and job attempts of one tick."""

    decisions: tuple[TriggerDecision, ...] = ()
    jobs: tuple[JobResult, ...] = ()

    @property
    def failed(self) -> bool:
        """Whether a job failed in this tick."""
        return any(j.status is JobStatus.FAILED for j in self.jobs)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "decisions": [d.to_dict() for d in self.decisions],
            "jobs": [j.to_dict() for j in self.jobs],
        }
