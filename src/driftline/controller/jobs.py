"""The run queue: jobs in the metadata store, de-duplicated by key.

A **job** is a context of kind ``job`` named ``KEY#N`` (``retrain:churn#3`` is the third retrain
of ``churn``) whose properties hold ``key``, ``number``, ``pipeline``, ``params``, ``status``
(``pending``, ``running``, ``complete``, ``failed``), ``run_id`` (the pipeline run, once it has
started), ``triggers`` (the trigger that made it), ``created_at``, ``started_at``, ``ended_at``,
``attempts``, ``outcome`` and ``error``.

:meth:`JobQueue.enqueue` is how a trigger asks for work. When a job with the same key is pending
or running, no job is made: the trigger is recorded as *deduplicated* onto that job. Otherwise it
creates ``KEY#(n+1)``, with the trigger's record, in one transaction
(``record_execution(..., new_contexts=[job])``). Two processes racing for the same number cannot
both win: the loser gets ``ConflictError``, reads again, finds the winner's open job and
deduplicates onto it. So two triggers at once start one job.

Every enqueue records one execution of kind ``trigger`` (properties ``kind``, ``trigger``,
``fired``, ``outcome`` = ``enqueued`` or ``deduplicated``, ``reason``, ``evidence``, ``job``),
associated with the job and the caller's contexts: a job's triggers are a query.

Examples:
    >>> from driftline.store.metadata import open_metadata_store
    >>> with open_metadata_store("sqlite://", create=True) as meta:
    ...     queue = JobQueue(meta)
    ...     first = queue.enqueue("retrain:m", "train", {"dataset": "d"}, {"kind": "manual"})
    ...     second = queue.enqueue("retrain:m", "train", {"dataset": "d"}, {"kind": "cron"})
    ...     kinds = [t["kind"] for t in queue.triggers(first.job)]
    >>> first.job.name, first.created, second.job.name, second.created, kinds
    ('retrain:m#1', True, 'retrain:m#1', False, ['manual', 'cron'])

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from driftline.core.clock import Clock, SystemClock
from driftline.core.errors import ContextNotFoundError, InputError, NotFoundError
from driftline.store.numbering import claim_next_number
from driftline.store.queries import ContextQuery, ExecutionQuery
from driftline.store.records import Context, ContextRef, NewExecution

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore

__all__ = ["JOB_KIND", "TRIGGER_KIND", "Enqueued", "Job", "JobQueue", "JobStatus"]

JOB_KIND = "job"
"""The kind of a job's context."""

TRIGGER_KIND = "trigger"
"""The kind of the execution that records a trigger's decision."""


class JobStatus(StrEnum):
    """Where a job is."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"

    @property
    def open(self) -> bool:
        """Pending or running: a trigger with the same key is deduplicated onto it."""
        return self in (JobStatus.PENDING, JobStatus.RUNNING)


@dataclass(frozen=True)
class Job:
    """A job as stored (see the module docstring)."""

    id: int
    name: str
    key: str
    number: int
    pipeline: str
    params: Mapping[str, Any]
    status: JobStatus
    run_id: str | None
    created_at: str
    started_at: str | None
    ended_at: str | None
    attempts: int
    outcome: Mapping[str, Any] | None
    error: str | None
    properties: Mapping[str, Any]

    @property
    def ref(self) -> ContextRef:
        """The job's context, to associate executions with it."""
        return ContextRef(JOB_KIND, self.name)

    @classmethod
    def from_context(cls, context: Context) -> Job:
        """Rebuild a job from its context."""
        p = context.properties
        return cls(
            id=context.id,
            name=context.name,
            key=str(p["key"]),
            number=int(p["number"]),
            pipeline=str(p["pipeline"]),
            params=dict(p.get("params") or {}),
            status=JobStatus(p["status"]),
            run_id=p.get("run_id"),
            created_at=str(p["created_at"]),
            started_at=p.get("started_at"),
            ended_at=p.get("ended_at"),
            attempts=int(p.get("attempts", 0)),
            outcome=p.get("outcome"),
            error=p.get("error"),
            properties=dict(p),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (the stored properties, with the name)."""
        return {"name": self.name, **self.properties}


@dataclass(frozen=True)
class Enqueued:
    """What :meth:`JobQueue.enqueue` did: made ``job`` (``created``) or deduplicated onto it."""

    job: Job
    created: bool
    execution_id: int

    @property
    def outcome(self) -> str:
        """``enqueued`` or ``deduplicated``."""
        return "enqueued" if self.created else "deduplicated"


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip() or "#" in key or "@" in key or len(key) > 200:
        raise InputError(
            f"a job key must be a non-empty string of at most 200 characters without '#' or "
            f"'@', got {key!r}"
        )
    return key


class JobQueue:
    """The jobs of a workspace: enqueue (de-duplicated), list, update.

    Args:
        metadata: the metadata store every controller and the CLI share.
        clock: the time source for the times recorded in jobs.

    """

    def __init__(self, metadata: MetadataStore, *, clock: Clock | None = None) -> None:
        self.metadata = metadata
        self.clock: Clock = clock if clock is not None else SystemClock()

    def jobs(self, key: str | None = None, *, statuses: Sequence[JobStatus] = ()) -> list[Job]:
        """The jobs (of ``key``, in ``statuses``), oldest first."""
        found = self.metadata.contexts(ContextQuery(kind=JOB_KIND, ascending=True))
        jobs = [Job.from_context(c) for c in found]
        return [
            j
            for j in jobs
            if (key is None or j.key == key) and (not statuses or j.status in statuses)
        ]

    def get(self, name: str) -> Job:
        """The job ``KEY#N``.

        Raises:
            NotFoundError: no such job.

        """
        try:
            return Job.from_context(self.metadata.get_context_by_name(JOB_KIND, name))
        except ContextNotFoundError:
            raise NotFoundError(f"no job {name!r}") from None

    def open_job(self, key: str) -> Job | None:
        """The oldest pending or running job of ``key``, if any."""
        return next((j for j in self.jobs(key) if j.status.open), None)

    def last(self, key: str, status: JobStatus | None = None) -> Job | None:
        """The newest job of ``key`` (in ``status``), if any."""
        jobs = self.jobs(key, statuses=(status,) if status is not None else ())
        return jobs[-1] if jobs else None

    def triggers(self, job: Job) -> list[dict[str, Any]]:
        """Every trigger recorded onto ``job`` (the one that made it first), oldest first."""
        query = ExecutionQuery(kind=TRIGGER_KIND, context=job.ref, ascending=True)
        return [
            {"at": e.created_at.isoformat(), "execution": e.id, **dict(e.properties)}
            for e in self.metadata.executions(query)
        ]

    def enqueue(
        self,
        key: str,
        pipeline: str,
        params: Mapping[str, Any],
        trigger: Mapping[str, Any],
        *,
        contexts: Sequence[ContextRef] = (),
        inputs: Mapping[str, int | Sequence[int]] | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> Enqueued:
        """Make a job for ``key``, or deduplicate onto its open job; see the module docstring.

        Args:
            key: what the job does (``retrain:MODEL``): one open job per key.
            pipeline: the pipeline the job runs.
            params: its run parameters.
            trigger: the trigger's record: ``kind``, and ``trigger``, ``reason``, ``evidence``,
                ``by`` as known.
            contexts: more contexts of the trigger's execution (the controller's).
            inputs: artifacts the trigger read (its lineage), by port.
            properties: more properties of a new job.

        Raises:
            InputError: a bad key or a trigger without ``kind``.

        """
        _check_key(key)
        if not isinstance(trigger, Mapping) or not isinstance(trigger.get("kind"), str):
            raise InputError(f"a trigger record needs a 'kind', got {trigger!r}")
        record = {"reason": "", "evidence": {}, **trigger, "fired": True}
        jobs: list[Job] = []

        def taken() -> list[int]:
            jobs[:] = self.jobs(key)  # read afresh before each attempt
            return [j.number for j in jobs]

        def attempt(number: int) -> Enqueued:
            open_job = next((j for j in jobs if j.status.open), None)
            if open_job is not None:
                made = self.metadata.record_execution(
                    NewExecution(
                        TRIGGER_KIND,
                        properties={**record, "outcome": "deduplicated", "job": open_job.name},
                    ),
                    inputs=dict(inputs or {}),
                    contexts=[*contexts, open_job.ref],
                )
                return Enqueued(open_job, False, made.execution.id)
            name = f"{key}#{number}"
            props = {
                **dict(properties or {}),
                "key": key,
                "number": number,
                "pipeline": pipeline,
                "params": dict(params),
                "status": JobStatus.PENDING.value,
                "run_id": None,
                "triggers": [dict(record)],
                "created_at": self.clock.now().isoformat(),
                "started_at": None,
                "ended_at": None,
                "attempts": 0,
                "outcome": None,
                "error": None,
            }
            # a conflict means another process made this job first: read again and
            # deduplicate onto it
            made = self.metadata.record_execution(
                NewExecution(
                    TRIGGER_KIND, properties={**record, "outcome": "enqueued", "job": name}
                ),
                inputs=dict(inputs or {}),
                contexts=list(contexts),
                new_contexts=[ContextRef(JOB_KIND, name, props)],
            )
            job = next(c for c in made.contexts if c.kind == JOB_KIND)
            return Enqueued(Job.from_context(job), True, made.execution.id)

        return claim_next_number(attempt, taken=taken, what=f"a job for {key!r}")

    def update(self, job: Job, **properties: Any) -> Job:
        """Merge ``properties`` into the job's (``status`` may be a :class:`JobStatus`)."""
        values = {k: (v.value if isinstance(v, JobStatus) else v) for k, v in properties.items()}
        return Job.from_context(self.metadata.set_context_properties(job.id, values))

    def refresh(self, job: Job) -> Job:
        """The job as stored now."""
        return Job.from_context(self.metadata.get_context(job.id))
