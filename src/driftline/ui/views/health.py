"""How the loop is doing: the controllers' heartbeats, the jobs, the trigger decisions.

A controller records a heartbeat on its ``controller:MODEL`` context at every tick
(:meth:`driftline.controller.loop.Controller.tick`): it is **alive** when the last tick is
within :data:`STALE_AFTER` tick periods (or a job lease it holds is live), **stale** when older,
**none** when no controller ever ticked for the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from driftline.controller.jobs import JOB_KIND, TRIGGER_KIND, Job, JobStatus
from driftline.controller.leases import DatabaseClock
from driftline.controller.parts import CONTROLLER_KIND
from driftline.store.queries import ContextQuery, ExecutionQuery

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore

__all__ = [
    "RECENT_JOBS",
    "STALE_AFTER",
    "ControllerHealth",
    "TriggerRow",
    "controller_health",
    "recent_jobs",
    "recent_triggers",
]

STALE_AFTER = 3
"""Tick periods without a heartbeat after which a controller is called stale."""

RECENT_JOBS = 200
"""How many of the newest jobs are searched for the running ones (a controller at work)."""

_DEFAULT_TICK = 60.0


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ControllerHealth:
    """A model's controller: ``alive``, ``stale`` or ``none``, and what it last did."""

    model: str
    state: str
    ticked_at: datetime | None
    owner: str | None
    tick_seconds: float | None
    working_on: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "model": self.model,
            "state": self.state,
            "ticked_at": self.ticked_at,
            "owner": self.owner,
            "tick_seconds": self.tick_seconds,
            "working_on": self.working_on,
        }


def controller_health(metadata: MetadataStore, models: list[str]) -> list[ControllerHealth]:
    """The health of each model's controller (``none`` for a model no controller ticked for)."""
    now = DatabaseClock(metadata).now()
    contexts = {c.name: c for c in metadata.contexts(ContextQuery(kind=CONTROLLER_KIND))}
    running = [j for j in _newest_jobs(metadata, RECENT_JOBS) if j.status is JobStatus.RUNNING]
    out = []
    for model in sorted(set(models) | set(contexts)):
        props = contexts[model].properties if model in contexts else {}
        ticked = _time(props.get("ticked_at"))
        every = props.get("tick_seconds")
        period = float(every) if isinstance(every, int | float) else _DEFAULT_TICK
        busy = [j.name for j in running if j.key == f"retrain:{model}"]
        if ticked is None and not busy:
            state = "none"
        elif busy or (
            ticked is not None and now - ticked <= timedelta(seconds=STALE_AFTER * period)
        ):
            state = "alive"
        else:
            state = "stale"
        owner = props.get("owner")
        out.append(
            ControllerHealth(
                model,
                state,
                ticked,
                str(owner) if owner else None,
                float(every) if isinstance(every, int | float) else None,
                busy[0] if busy else None,
            )
        )
    return out


def _newest_jobs(metadata: MetadataStore, limit: int) -> list[Job]:
    """The ``limit`` newest jobs, newest first (one bounded query)."""
    found = metadata.contexts(ContextQuery(kind=JOB_KIND, limit=limit))
    return [Job.from_context(c) for c in found]


def recent_jobs(metadata: MetadataStore, limit: int = 10) -> list[Job]:
    """The ``limit`` newest jobs, failed ones first (each with its error), else newest first."""
    newest = _newest_jobs(metadata, limit)
    return sorted(newest, key=lambda j: j.status is not JobStatus.FAILED)


@dataclass(frozen=True)
class TriggerRow:
    """One recorded trigger decision: which trigger, what it did, why, and the job."""

    at: datetime
    model: str | None
    trigger: str
    kind: str
    outcome: str
    reason: str
    job: str | None
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "at": self.at,
            "model": self.model,
            "trigger": self.trigger,
            "kind": self.kind,
            "outcome": self.outcome,
            "reason": self.reason,
            "job": self.job,
            "evidence": self.evidence,
        }


def recent_triggers(
    metadata: MetadataStore, *, limit: int = 10, offset: int = 0
) -> list[TriggerRow]:
    """The newest recorded trigger decisions (fired, deduplicated, skipped, manual)."""
    query = ExecutionQuery(kind=TRIGGER_KIND, limit=limit, offset=offset)
    rows = []
    for x in metadata.executions(query):
        p = x.properties
        job = p.get("job")
        model = (
            str(job).split(":", 1)[1].split("#", 1)[0]
            if isinstance(job, str) and ":" in job
            else None
        )
        evidence = p.get("evidence")
        rows.append(
            TriggerRow(
                at=x.created_at,
                model=str(model) if model else None,
                trigger=str(p.get("trigger") or p.get("kind") or ""),
                kind=str(p.get("kind") or ""),
                outcome=str(p.get("outcome") or ""),
                reason=str(p.get("reason") or ""),
                job=str(job) if job else None,
                evidence=dict(evidence) if isinstance(evidence, dict) else {},
            )
        )
    return rows
