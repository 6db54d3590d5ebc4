"""One attempt at one job: run or resume its pipeline under a lease, and record how it ended.

The :class:`~driftline.controller.runner.JobRunner` claims a job with a lease and hands it to a
:class:`JobAttempt`. The attempt writes the pipeline's ``run_id`` into the job as soon as the run
starts; a later attempt (after the controller was killed, once the lease expired) *resumes* that
run (:meth:`JobAttempt.resume`: the steps that finished are reused, not run again), and a run that
completed is only finished off (outcome, rollout: :mod:`~driftline.controller.outcome`); a job
without a run *starts* one (:meth:`JobAttempt.start`). The lease is renewed while the pipeline runs
(:class:`~driftline.controller.leases.Heartbeat`); a controller asked to stop, or that lost its
lease, stops between steps.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from driftline.controller.jobs import Job, JobStatus
from driftline.controller.leases import Heartbeat, Lease
from driftline.controller.outcome import describe, job_outcome, wants_rollout
from driftline.controller.parts import ControllerParts
from driftline.controller.results import JobResult
from driftline.core.errors import DriftlineError, ServiceError
from driftline.store.records import ExecutionState

if TYPE_CHECKING:
    from driftline.pipeline import Pipeline

__all__ = ["JobAttempt"]


class _Interrupted(Exception):
    """Raised from a pipeline hook to stop a run between steps."""


@dataclass
class _JobHook:
    """Pipeline hooks of a job's run: record the run id at once; stop between steps if asked."""

    parts: ControllerParts
    job: Job
    last_step: str
    lost: threading.Event = field(default_factory=threading.Event)

    def on_run_start(self, *, run_id: str, **future_kwargs: Any) -> None:
        if self.job.run_id != run_id:
            self.job = self.parts.queue.update(self.job, run_id=run_id)
            self.parts.log(f"job {self.job.name}: run {run_id} started")

    def on_step_end(self, *, step: str, state: ExecutionState, **future_kwargs: Any) -> None:
        self.parts.log(f"job {self.job.name}: step {step} {state.value}")
        if step == self.last_step:
            return
        if self.lost.is_set():
            raise _Interrupted("the lease was lost")
        if self.parts.stopping:
            raise _Interrupted("the controller was asked to stop")


class JobAttempt:
    """Works one claimed job under its lease (see the module docstring)."""

    def __init__(self, parts: ControllerParts, lease: Lease) -> None:
        self.parts = parts
        self.lease = lease

    def _seen(self, job: Job) -> int:
        from driftline.data.catalog import DataCatalog

        seen = job.properties.get("seen_span")
        if seen is not None:
            return int(seen)
        dataset = str(job.params.get("dataset", self.parts.policy.model.dataset))
        return DataCatalog(self.parts.stores).next_number(dataset) - 1

    def work(self, job: Job) -> JobResult:
        """Run (or resume, or finish off) the job's pipeline; record and return how it ended."""
        p, lease = self.parts, self.lease
        previous = lease.previous or {}
        crashes = int(job.properties.get("crashes", 0))
        if previous and not previous.get("released"):
            crashes += 1
        if crashes >= p.max_crashes:
            error = (
                f"gave up: {crashes} attempts stopped without finishing (their controllers "
                "died or lost the database)"
            )
            return self._end(job, lease, JobStatus.FAILED, None, error=error, crashes=crashes)
        job = p.queue.update(
            job,
            status=JobStatus.RUNNING,
            attempts=lease.attempt,
            owner=p.owner,
            crashes=crashes,
            started_at=job.started_at or p.clock.now().isoformat(),
            seen_span=self._seen(job),
        )
        how = f"resuming run {job.run_id}" if job.run_id else "starting"
        p.log(f"job {job.name}: attempt {lease.attempt} by {p.owner}, {how}")
        pipeline = p.pipeline()
        hook = _JobHook(p, job, pipeline.order[-1].name)
        from driftline.pipeline.errors import StepFailedError

        with Heartbeat(
            p.leases, lease, on_lost=lambda exc: p.log(f"job {job.name}: {exc}")
        ) as beat:
            hook.lost = beat.lost
            try:
                run_id = self.run(job, pipeline, hook)
            except _Interrupted as exc:
                if beat.lost.is_set():
                    p.log(f"job {job.name}: stopped, {exc}; the new owner resumes it")
                else:
                    p.leases.release(lease)
                    p.log(
                        f"job {job.name}: stopped between steps ({exc}); the next attempt "
                        "resumes it"
                    )
                return JobResult(
                    job.name, JobStatus.RUNNING, lease.attempt, hook.job.run_id, error=str(exc)
                )
            except StepFailedError as exc:
                failed = exc.result.run_id if exc.result is not None else hook.job.run_id
                return self._end(hook.job, lease, JobStatus.FAILED, failed, error=str(exc))
            except ServiceError:
                raise  # the database or object store is down: the job stays for a later attempt
            except DriftlineError as exc:
                return self._end(hook.job, lease, JobStatus.FAILED, hook.job.run_id, error=str(exc))
            outcome = job_outcome(p, hook.job, run_id)
            return self._end(hook.job, lease, JobStatus.COMPLETE, run_id, outcome=outcome)

    def run(self, job: Job, pipeline: Pipeline, hook: _JobHook) -> str:
        """Resume the job's run, or find it completed, or start one; return its id."""
        if job.run_id is not None:
            resumed = self.resume(job, job.run_id, pipeline, hook)
            if resumed is not None:
                return resumed
        return self.start(job, pipeline, hook)

    def resume(self, job: Job, run_id: str, pipeline: Pipeline, hook: _JobHook) -> str | None:
        """Finish run ``run_id`` (its finished steps are reused); ``None`` if it never began."""
        from driftline.pipeline.errors import RunNotFoundError
        from driftline.pipeline.run import run_pipeline

        p = self.parts
        run = p.metadata.get_context_by_name("run", run_id)
        if run.properties.get("status") == "COMPLETE":
            p.log(f"job {job.name}: run {run_id} completed already")
            return run_id
        try:
            run_pipeline(p.stores, pipeline, resume=run_id, hooks=[hook], progress=False)
        except RunNotFoundError:
            return None  # it never got a step recorded: start afresh
        return run_id

    def start(self, job: Job, pipeline: Pipeline, hook: _JobHook) -> str:
        """Start the job's run with its parameters; ``push`` rolls out when the job says so."""
        from driftline.pipeline.run import run_pipeline

        p = self.parts
        params = {**job.params, "push.rollout": wants_rollout(p, job)}
        result = run_pipeline(p.stores, pipeline, params=params, hooks=[hook], progress=False)
        return result.run_id

    def _end(
        self,
        job: Job,
        lease: Lease,
        status: JobStatus,
        run_id: str | None,
        *,
        outcome: Mapping[str, Any] | None = None,
        error: str | None = None,
        **extra: Any,
    ) -> JobResult:
        p = self.parts
        p.leases.check(lease)  # a controller that lost its lease records nothing
        p.queue.update(
            job,
            status=status,
            run_id=run_id,
            outcome=dict(outcome) if outcome is not None else None,
            error=error,
            ended_at=p.clock.now().isoformat(),
            **extra,
        )
        p.leases.release(lease)
        if status is JobStatus.COMPLETE:
            p.log(f"job {job.name}: complete — {describe(outcome or {})}")
        else:
            p.log(f"job {job.name}: failed — {error}")
        return JobResult(job.name, status, lease.attempt, run_id, outcome, error)
