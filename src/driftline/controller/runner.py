"""The second half of a tick: claim the queued jobs with a lease, one at a time, and work them.

A job runs the standard training pipeline (:func:`driftline.components.standard_pipeline`) with
the policy's parameters. :class:`JobRunner` finds the open jobs of the policy, oldest first, and
claims each with a lease (:mod:`~driftline.controller.leases`: two controllers never work one
job); a claimed job is worked by a :class:`~driftline.controller.attempt.JobAttempt`, which runs
or resumes its pipeline and records the outcome.
"""

from __future__ import annotations

from driftline.controller.attempt import JobAttempt
from driftline.controller.jobs import Job, JobStatus
from driftline.controller.leases import Lease, LeaseLostError
from driftline.controller.parts import ControllerParts
from driftline.controller.results import JobResult

__all__ = ["JobRunner"]


class JobRunner:
    """Runs a controller's queued jobs (see the module docstring)."""

    def __init__(self, parts: ControllerParts) -> None:
        self.parts = parts

    def run_jobs(self) -> list[JobResult]:
        """Claim and run this policy's open jobs, oldest first, until none is left to claim."""
        p = self.parts
        results: list[JobResult] = []
        tried: set[str] = set()
        while not p.stopping:
            job = next(
                (j for j in p.queue.jobs(p.key) if j.status.open and j.name not in tried),
                None,
            )
            if job is None:
                break
            tried.add(job.name)
            lease = p.leases.claim(job.name, contexts=[job.ref])
            if lease is None:
                continue  # another controller works on it
            result = self._attempt(job, lease)
            if result is not None:
                results.append(result)
        return results

    def _attempt(self, job: Job, lease: Lease) -> JobResult | None:
        p = self.parts
        try:
            job = p.queue.refresh(job)
            if not job.status.open:  # finished by the attempt before, just before it stopped
                p.leases.release(lease)
                return None
            return JobAttempt(p, lease).work(job)
        except LeaseLostError as exc:
            p.log(f"job {job.name}: {exc}; the new owner finishes it")
            return JobResult(job.name, JobStatus.RUNNING, lease.attempt, job.run_id, error=str(exc))
        except BaseException:
            try:
                p.leases.release(lease)  # let the next controller take over at once
            except Exception as exc:  # the database is down: the lease expires instead
                p.log(f"job {job.name}: could not release lease {lease.name}: {exc}")
            raise
