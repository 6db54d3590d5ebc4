"""The controller: evaluates the policy's triggers, queues retrains, runs them, starts rollouts.

One :meth:`Controller.tick`:

1. evaluates every ``[[trigger]]`` of the policy (:mod:`~driftline.controller.triggers`). A trigger
   that fires enqueues a retrain job (:mod:`~driftline.controller.jobs`): one open job per model,
   so a trigger that fires while one is pending or running is *deduplicated* onto it. Within
   ``[cooldown] minutes`` of the last retrain that completed, a firing is *skipped* instead.
   Each firing or skip is recorded (an execution of kind ``trigger`` with its reason and
   evidence, associated with the context ``controller:MODEL``);
2. runs the queued jobs: it claims a job with a lease (:mod:`~driftline.controller.leases`, so
   two controllers never run one job), renews the lease while the job's pipeline runs, and
   records the outcome on the job.

A job runs the standard training pipeline (:func:`driftline.components.standard_pipeline`) with
the policy's parameters. It writes its pipeline ``run_id`` into the job as soon as the run starts;
a later attempt (after the controller was killed, once the lease expired) *resumes* that run, so
the steps that finished are reused, not run again, and a run that completed is only finished off
(outcome, rollout). When the model has a champion and the policy's ``[rollout] plan`` is not
``none``, the new version is registered without an alias and a rollout of it is requested (the
model server runs it); otherwise it becomes the champion at once.

Examples:
    >>> import tempfile
    >>> from driftline.controller.policy import Policy
    >>> from driftline.store.artifacts import ArtifactStore
    >>> from driftline.store.metadata import open_metadata_store
    >>> class Stores:  # a Workspace has both
    ...     def __init__(self, folder):
    ...         self.metadata = open_metadata_store("sqlite://", create=True)
    ...         self.artifacts = ArtifactStore(f"{folder}/art").create()
    >>> policy = Policy.from_dict({"model": {"name": "m", "dataset": "d", "label": "y"},
    ...                            "rollout": {"plan": "none"}})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     stores = Stores(folder)
    ...     controller = Controller(stores, policy, log=lambda line: None)
    ...     asked = controller.trigger("train", reason="first model")
    ...     again = controller.trigger("train", reason="pressed twice")
    ...     stores.metadata.close()
    >>> asked.job.name, asked.outcome, again.job.name, again.outcome
    ('retrain:m#1', 'enqueued', 'retrain:m#1', 'deduplicated')

"""

from __future__ import annotations

import getpass
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.controller.jobs import TRIGGER_KIND, Enqueued, Job, JobQueue, JobStatus
from driftline.controller.leases import Heartbeat, Lease, LeaseLostError, Leases
from driftline.controller.policy import Policy
from driftline.controller.triggers import Evaluation, TriggerEnv, check_triggers, evaluate
from driftline.core.clock import Clock, SystemClock, utc
from driftline.core.errors import (
    ConfigError,
    ConflictError,
    DriftlineError,
    InputError,
    ServiceError,
)
from driftline.store.queries import ExecutionQuery
from driftline.store.records import ContextRef, ExecutionState, NewExecution

if TYPE_CHECKING:
    from driftline.pipeline import Pipeline
    from driftline.pipeline.run import Stores

__all__ = [
    "CONTROLLER_KIND",
    "TRAIN_PIPELINE",
    "Controller",
    "Decision",
    "JobResult",
    "RolloutRequest",
    "RolloutRequester",
    "TickResult",
]

TRAIN_PIPELINE = "train"
"""The name of the policy's training pipeline (``driftline trigger train``)."""

CONTROLLER_KIND = "controller"
"""The kind of the context ``controller:MODEL``: trigger records and trigger state."""

_logger = logging.getLogger("driftline.controller")


@dataclass(frozen=True)
class RolloutRequest:
    """A rollout the controller asks for after a retrain (the policy's ``[rollout]``)."""

    model: str
    champion: int
    candidate: int
    plan: str
    steps: tuple[float, ...]
    hold_requests: int
    hold_minutes: float | None
    max_failed_checks: int
    tolerance: float
    reason: str
    by: str


RolloutRequester = Callable[[RolloutRequest], str]
"""Records a pending rollout (or finds the one recorded for the same versions); returns its name.

The model server runs rollouts, so the function that records them lives with it:
:func:`driftline.serving.rollout_requests.rollout_requester`.
"""


@dataclass(frozen=True)
class Decision:
    """What the controller did with one trigger's evaluation at one tick.

    ``outcome``: ``enqueued``, ``deduplicated``, ``skipped`` (cooldown, or the trigger could not
    decide) or ``not_fired``.
    """

    evaluation: Evaluation
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

    decisions: tuple[Decision, ...] = ()
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


class _Interrupted(Exception):
    """Raised from a pipeline hook to stop a run between steps."""


@dataclass
class _JobHook:
    """Pipeline hooks of a job's run: record the run id at once; stop between steps if asked."""

    controller: Controller
    job: Job
    last_step: str
    lost: threading.Event = field(default_factory=threading.Event)

    def on_run_start(self, *, run_id: str, **future_kwargs: Any) -> None:
        if self.job.run_id != run_id:
            self.job = self.controller.queue.update(self.job, run_id=run_id)
            self.controller.log(f"job {self.job.name}: run {run_id} started")

    def on_step_end(self, *, step: str, state: ExecutionState, **future_kwargs: Any) -> None:
        self.controller.log(f"job {self.job.name}: step {step} {state.value}")
        if step == self.last_step:
            return
        if self.lost.is_set():
            raise _Interrupted("the lease was lost")
        if self.controller.stopping:
            raise _Interrupted("the controller was asked to stop")


class Controller:
    """The adaptation loop of one policy over one workspace (see the module docstring).

    Args:
        stores: the workspace (anything with ``metadata`` and ``artifacts``).
        policy: the checked policy.
        clock: the time source (a ``ManualClock`` in tests).
        lease_seconds: how long a claim on a job holds without renewal; a killed controller's
            job is taken over this long after its last renewal.
        owner: this controller's id in leases (default: host:pid:random).
        params: more run parameters of the training pipeline (``{"requests": 50}``,
            ``{"exclude": ["id"]}``); they win over the policy's.
        base: the folder relative paths of the policy (a watched folder, a trainer file) are
            taken from (default: the working directory).
        rollouts: records a rollout request (needed unless ``[rollout] plan = "none"``).
        log: where one line per decision goes (default: the ``driftline.controller`` logger).
        max_crashes: a job whose attempts died (lease expired) this many times is failed.
        where: how to name the policy in errors.

    Raises:
        ConfigError: a trigger the controller cannot evaluate, or no ``rollouts`` for a plan
            that needs one.
        ParameterError: ``params`` the training pipeline does not take.

    """

    def __init__(
        self,
        stores: Stores,
        policy: Policy,
        *,
        clock: Clock | None = None,
        lease_seconds: float = 60.0,
        owner: str | None = None,
        params: Mapping[str, Any] | None = None,
        base: str | Path | None = None,
        rollouts: RolloutRequester | None = None,
        log: Callable[[str], None] | None = None,
        max_crashes: int = 3,
        where: str = "the policy",
    ) -> None:
        check_triggers(policy, where)
        if rollouts is None and policy.rollout.plan != "none":
            raise ConfigError(
                f"{where}: [rollout] plan = {policy.rollout.plan!r} needs a way to request "
                "rollouts: pass rollouts=driftline.serving.rollout_requests.rollout_requester("
                'metadata), or set plan = "none" to promote blessed models at once'
            )
        if isinstance(max_crashes, bool) or not isinstance(max_crashes, int) or max_crashes < 1:
            raise InputError(
                f"max_crashes must be a whole number of at least 1, got {max_crashes!r}"
            )
        self.stores = stores
        self.metadata, self.artifacts = stores.metadata, stores.artifacts
        self.policy = policy
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.leases = Leases(self.metadata, owner=owner, seconds=lease_seconds, clock=self.clock)
        self.queue = JobQueue(self.metadata, clock=self.clock)
        self.base = Path(base) if base is not None else Path.cwd()
        self.extra_params = dict(params or {})
        self.rollouts = rollouts
        self.max_crashes = max_crashes
        self._log = log
        self._stop = threading.Event()
        self._fingerprints: dict[tuple[str, int, int], str] = {}
        self._pipeline().resolve_params(self.run_params())  # bad params fail now, not in a job

    # -- names ------------------------------------------------------------------------------

    @property
    def model(self) -> str:
        """The policy's model name."""
        return self.policy.model.name

    @property
    def key(self) -> str:
        """The key of this policy's retrain jobs: ``retrain:MODEL``."""
        return f"retrain:{self.model}"

    @property
    def context(self) -> ContextRef:
        """``controller:MODEL``: trigger records and the triggers' state."""
        return ContextRef(CONTROLLER_KIND, self.model)

    @property
    def owner(self) -> str:
        """The id this controller claims leases with."""
        return self.leases.owner

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop.is_set()

    def log(self, line: str) -> None:
        """Write one line about a decision."""
        if self._log is not None:
            self._log(line)
        else:
            _logger.info(line)

    # -- parameters ---------------------------------------------------------------------------

    def _pipeline(self) -> Pipeline:
        from driftline.components import standard_pipeline

        return standard_pipeline(TRAIN_PIPELINE)

    def _trainer(self) -> str:
        trainer = self.policy.model.trainer
        file, colon, function = trainer.rpartition(":")
        if colon and file.endswith(".py") and not Path(file).expanduser().is_absolute():
            return f"{self.base / file}:{function}"
        return trainer

    def run_params(self) -> dict[str, Any]:
        """The training pipeline's parameters from the policy (and ``params``)."""
        m, g = self.policy.model, self.policy.gate
        params: dict[str, Any] = {
            "dataset": m.dataset,
            "model_name": m.name,
            "spans": self.policy.spans,
            "trainer": self._trainer(),
            "metric": g.metric,
            "margin": g.tolerance,
        }
        if m.trainer_params:
            params["trainer_params"] = dict(m.trainer_params)
        if g.first_model_min is not None:
            params["first_model_min"] = g.first_model_min
        if g.slices:
            params["slices"] = list(g.slices)
        return {**params, **self.extra_params}

    def _rollout_settings(self) -> dict[str, Any]:
        r = self.policy.rollout
        return {
            "plan": r.plan,
            "steps": list(r.steps),
            "hold_requests": r.hold_requests,
            "hold_minutes": r.hold_minutes,
            "max_failed_checks": r.max_failed_checks,
            "tolerance": self.policy.gate.tolerance,
        }

    # -- triggers -----------------------------------------------------------------------------

    def _seen_span(self) -> int:
        return max(
            (int(j.properties.get("seen_span") or 0) for j in self.queue.jobs(self.key)), default=0
        )

    def _cooldown(self) -> dict[str, Any] | None:
        """The evidence of the cooldown in force now, or ``None``."""
        minutes = self.policy.cooldown.minutes
        if minutes <= 0:
            return None
        done = [
            (utc(datetime.fromisoformat(j.ended_at)), j)
            for j in self.queue.jobs(self.key, statuses=(JobStatus.COMPLETE,))
            if j.ended_at
        ]
        if not done:
            return None
        ended, job = max(done, key=lambda pair: pair[0])
        until = ended + timedelta(minutes=minutes)
        if until <= self.clock.now():
            return None
        return {
            "last_job": job.name,
            "ended_at": ended.isoformat(),
            "cooldown_minutes": minutes,
            "until": until.isoformat(),
        }

    def _record(self, evaluation: Evaluation, outcome: str, **extra: Any) -> int:
        made = self.metadata.record_execution(
            NewExecution(
                TRIGGER_KIND,
                properties={
                    **evaluation.record(),
                    "fired": evaluation.fired,
                    "outcome": outcome,
                    "skip": evaluation.skip,
                    "job": None,
                    **extra,
                },
            ),
            inputs=evaluation.inputs,
            contexts=[self.context],
        )
        return made.execution.id

    def _enqueue(self, evaluation: Evaluation, record: Mapping[str, Any]) -> Enqueued:
        return self.queue.enqueue(
            self.key,
            TRAIN_PIPELINE,
            self.run_params(),
            record,
            contexts=[self.context],
            inputs=evaluation.inputs,
            properties={"model": self.model, "rollout": self._rollout_settings()},
        )

    def _fire(self, evaluation: Evaluation) -> Decision:
        if self.queue.open_job(self.key) is None:
            cooldown = self._cooldown()
            if cooldown is not None:
                execution = self._record(evaluation, "skipped", skip="cooldown", cooldown=cooldown)
                self.log(
                    f"{evaluation.trigger} ({evaluation.kind}) fired but skipped: cooldown after "
                    f"{cooldown['last_job']} until {cooldown['until']} — {evaluation.reason}"
                )
                return Decision(evaluation, "skipped", None, execution)
        enqueued = self._enqueue(evaluation, evaluation.record())
        self.log(
            f"{evaluation.trigger} ({evaluation.kind}) fired: {evaluation.reason} -> job "
            f"{enqueued.job.name} {enqueued.outcome}"
        )
        return Decision(evaluation, enqueued.outcome, enqueued.job.name, enqueued.execution_id)

    def evaluate_triggers(self) -> list[Decision]:
        """Evaluate every trigger of the policy once; enqueue, deduplicate or skip; record it."""
        context = self.metadata.put_context(self.context)
        states: dict[str, Any] = dict(context.properties.get("triggers") or {})
        skips: dict[str, Any] = dict(context.properties.get("skips") or {})
        seen = self._seen_span()
        decisions = []
        for index, trigger in enumerate(self.policy.triggers):
            if self.stopping:
                break
            env = TriggerEnv(
                self.metadata,
                self.artifacts,
                self.policy,
                self.clock,
                self.base,
                dict(states.get(f"trigger[{index}]") or {}),
                seen,
                self.leases,
                self._fingerprints,
                self.log,
            )
            try:
                evaluation = evaluate(trigger, index, env)
            except ServiceError:
                raise
            except DriftlineError as exc:  # e.g. a corrupt profile: the other triggers go on
                evaluation = Evaluation(
                    f"trigger[{index}]",
                    trigger.kind,
                    False,
                    f"could not be evaluated: {exc}",
                    {"error": str(exc), "error_type": type(exc).__name__},
                    skip="error",
                )
            if evaluation is None:
                continue
            tid = evaluation.trigger
            if evaluation.fired:
                decision = self._fire(evaluation)
                skips.pop(tid, None)
            elif evaluation.skip is not None:
                execution = None
                if skips.get(tid) != evaluation.skip:  # a skip is recorded when it starts
                    execution = self._record(evaluation, "skipped")
                    skips[tid] = evaluation.skip
                decision = Decision(evaluation, "skipped", None, execution)
                self.log(f"{tid} ({evaluation.kind}) skipped: {evaluation.reason}")
            else:
                skips.pop(tid, None)
                decision = Decision(evaluation, "not_fired")
                self.log(f"{tid} ({evaluation.kind}) not fired: {evaluation.reason}")
            if evaluation.state is not None:
                states[tid] = {**states.get(tid, {}), **evaluation.state}
            decisions.append(decision)
        fresh = self.metadata.get_context(context.id).properties
        if states != fresh.get("triggers") or skips != fresh.get("skips"):
            self.metadata.set_context_properties(context.id, {"triggers": states, "skips": skips})
        return decisions

    def trigger(
        self, pipeline: str = TRAIN_PIPELINE, *, reason: str = "", by: str | None = None
    ) -> Enqueued:
        """A manual trigger: enqueue a retrain now (deduplicated; no cooldown: a person asked).

        Raises:
            InputError: ``pipeline`` is not ``train``.

        """
        if pipeline != TRAIN_PIPELINE:
            raise InputError(
                f"unknown pipeline {pipeline!r}; the controller runs: {TRAIN_PIPELINE} (the "
                "policy's training pipeline)"
            )
        who = by or _user()
        evaluation = Evaluation("manual", "manual", True, reason or f"asked by {who}", {"by": who})
        enqueued = self._enqueue(evaluation, {**evaluation.record(), "by": who})
        self.log(
            f"manual trigger by {who}: {evaluation.reason} -> job {enqueued.job.name} "
            f"{enqueued.outcome}"
        )
        return enqueued

    # -- jobs ---------------------------------------------------------------------------------

    def run_jobs(self) -> list[JobResult]:
        """Claim and run this policy's open jobs, oldest first, until none is left to claim."""
        results: list[JobResult] = []
        tried: set[str] = set()
        while not self.stopping:
            job = next(
                (j for j in self.queue.jobs(self.key) if j.status.open and j.name not in tried),
                None,
            )
            if job is None:
                break
            tried.add(job.name)
            lease = self.leases.claim(job.name, contexts=[job.ref])
            if lease is None:
                continue  # another controller works on it
            result = self._attempt(job, lease)
            if result is not None:
                results.append(result)
        return results

    def _attempt(self, job: Job, lease: Lease) -> JobResult | None:
        try:
            job = self.queue.refresh(job)
            if not job.status.open:  # finished by the attempt before, just before it stopped
                self.leases.release(lease)
                return None
            return self._work(job, lease)
        except LeaseLostError as exc:
            self.log(f"job {job.name}: {exc}; the new owner finishes it")
            return JobResult(job.name, JobStatus.RUNNING, lease.attempt, job.run_id, error=str(exc))
        except BaseException:
            try:
                self.leases.release(lease)  # let the next controller take over at once
            except Exception as exc:  # the database is down: the lease expires instead
                self.log(f"job {job.name}: could not release lease {lease.name}: {exc}")
            raise

    def _work(self, job: Job, lease: Lease) -> JobResult:
        previous = lease.previous or {}
        crashes = int(job.properties.get("crashes", 0))
        if previous and not previous.get("released"):
            crashes += 1
        if crashes >= self.max_crashes:
            error = (
                f"gave up: {crashes} attempts stopped without finishing (their controllers "
                "died or lost the database)"
            )
            return self._end(job, lease, JobStatus.FAILED, None, error=error, crashes=crashes)
        now = self.clock.now().isoformat()
        seen = job.properties.get("seen_span")
        if seen is None:
            from driftline.data.catalog import DataCatalog

            seen = (
                DataCatalog(self.metadata, self.artifacts).next_number(
                    str(job.params.get("dataset", self.policy.model.dataset))
                )
                - 1
            )
        job = self.queue.update(
            job,
            status=JobStatus.RUNNING,
            attempts=lease.attempt,
            owner=self.owner,
            crashes=crashes,
            started_at=job.started_at or now,
            seen_span=seen,
        )
        how = f"resuming run {job.run_id}" if job.run_id else "starting"
        self.log(f"job {job.name}: attempt {lease.attempt} by {self.owner}, {how}")
        pipeline = self._pipeline()
        hook = _JobHook(self, job, pipeline.order[-1].name)
        from driftline.pipeline.errors import StepFailedError

        with Heartbeat(
            self.leases, lease, on_lost=lambda exc: self.log(f"job {job.name}: {exc}")
        ) as beat:
            hook.lost = beat.lost
            try:
                run_id = self._run(job, pipeline, hook)
            except _Interrupted as exc:
                if beat.lost.is_set():
                    self.log(f"job {job.name}: stopped, {exc}; the new owner resumes it")
                    return JobResult(
                        job.name, JobStatus.RUNNING, lease.attempt, hook.job.run_id, error=str(exc)
                    )
                self.leases.release(lease)
                self.log(
                    f"job {job.name}: stopped between steps ({exc}); the next attempt resumes it"
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
            outcome = self._outcome(hook.job, run_id)
            return self._end(hook.job, lease, JobStatus.COMPLETE, run_id, outcome=outcome)

    def _run(self, job: Job, pipeline: Pipeline, hook: _JobHook) -> str:
        """Run (or resume, or just find) the job's pipeline run; return its id."""
        from driftline.pipeline.errors import RunNotFoundError
        from driftline.pipeline.run import run_pipeline

        if job.run_id is not None:
            run = self.metadata.get_context_by_name("run", job.run_id)
            if run.properties.get("status") == "COMPLETE":
                self.log(f"job {job.name}: run {job.run_id} completed already")
                return job.run_id
            try:
                run_pipeline(self.stores, pipeline, resume=job.run_id, hooks=[hook], progress=False)
            except RunNotFoundError:
                pass  # it never got a step recorded: start afresh
            else:
                return job.run_id
        params = dict(job.params)
        params["push.alias"] = "" if self._wants_rollout(job) else "champion"
        result = run_pipeline(self.stores, pipeline, params=params, hooks=[hook], progress=False)
        return result.run_id

    def _wants_rollout(self, job: Job) -> bool:
        from driftline.registry import ModelRegistry

        settings = job.properties.get("rollout") or {}
        if settings.get("plan", "none") == "none":
            return False
        registry = ModelRegistry(self.metadata, self.artifacts)
        name = str(job.params.get("model_name", self.model))
        return name in registry.models() and registry.alias(name, "champion") is not None

    def _push_result(self, run_id: str) -> dict[str, Any] | None:
        from driftline.pipeline.cache import outputs_of

        done = frozenset({ExecutionState.COMPLETE, ExecutionState.CACHED})
        pushes = self.metadata.executions(
            ExecutionQuery(kind="push", context=ContextRef("run", run_id), states=done)
        )
        if not pushes:
            return None
        outputs = outputs_of(self.metadata, pushes[0].id)
        if not outputs:
            return None
        artifact = next(iter(outputs.values()))
        data = self.artifacts.read_bytes(artifact.uri, artifact.sha256, label=f"push of {run_id}")
        loaded = json.loads(data)
        return dict(loaded) if isinstance(loaded, dict) else None

    def _outcome(self, job: Job, run_id: str) -> dict[str, Any]:
        from driftline.registry import ModelRegistry

        push = self._push_result(run_id) or {}
        outcome: dict[str, Any] = {"run_id": run_id, **push}
        run = self.metadata.get_context_by_name("run", run_id)
        alias = dict(run.properties.get("params") or {}).get("push.alias", "champion")
        if not push.get("pushed") or alias:
            return outcome
        registry = ModelRegistry(self.metadata, self.artifacts)
        name, version = str(push["model"]), int(push["version"])
        champion = registry.alias(name, "champion")
        reason = f"retrained by job {job.name}"
        if champion is None:  # the champion was removed while the job ran
            registry.promote(name, version, reason=reason)
            outcome["alias"] = "champion"
            return outcome
        if champion.number == version:
            return outcome
        settings = dict(job.properties.get("rollout") or {})
        assert self.rollouts is not None  # checked when the controller was made
        request = RolloutRequest(
            model=name,
            champion=champion.number,
            candidate=version,
            plan=str(settings.get("plan", self.policy.rollout.plan)),
            steps=tuple(float(s) for s in settings.get("steps", self.policy.rollout.steps)),
            hold_requests=int(settings.get("hold_requests", self.policy.rollout.hold_requests)),
            hold_minutes=settings.get("hold_minutes"),
            max_failed_checks=int(settings.get("max_failed_checks", 1)),
            tolerance=float(settings.get("tolerance", 0.0)),
            reason=reason,
            by=self.owner,
        )
        outcome["champion"] = champion.number
        try:
            outcome["rollout"] = self.rollouts(request)
        except ConflictError as exc:  # another rollout of the model is in progress
            outcome["rollout"] = None
            outcome["rollout_error"] = str(exc)
        return outcome

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
        self.leases.check(lease)  # a controller that lost its lease records nothing
        self.queue.update(
            job,
            status=status,
            run_id=run_id,
            outcome=dict(outcome) if outcome is not None else None,
            error=error,
            ended_at=self.clock.now().isoformat(),
            **extra,
        )
        self.leases.release(lease)
        if status is JobStatus.COMPLETE:
            self.log(f"job {job.name}: complete — {_describe(outcome or {})}")
        else:
            self.log(f"job {job.name}: failed — {error}")
        return JobResult(job.name, status, lease.attempt, run_id, outcome, error)

    # -- the loop -----------------------------------------------------------------------------

    def tick(self) -> TickResult:
        """Evaluate the triggers, then run the queued jobs."""
        decisions = self.evaluate_triggers()
        jobs = self.run_jobs()
        return TickResult(tuple(decisions), tuple(jobs))

    def run_forever(self, tick_seconds: float = 60.0) -> None:
        """Tick every ``tick_seconds`` until :meth:`stop` (a failed tick is logged, not fatal)."""
        while not self.stopping:
            try:
                self.tick()
            except DriftlineError as exc:  # the database is down, a job's files are damaged...
                self.log(f"tick failed, trying again in {tick_seconds:g} s: {exc}")
            self._stop.wait(tick_seconds)

    def stop(self) -> None:
        """Stop after the current step (from any thread or a signal handler)."""
        self._stop.set()


def _describe(outcome: Mapping[str, Any]) -> str:
    if not outcome.get("pushed"):
        return str(outcome.get("reason") or "nothing pushed")
    text = f"registered {outcome.get('model')}:{outcome.get('version')}"
    if outcome.get("rollout_error"):
        return f"{text}; no rollout: {outcome['rollout_error']}"
    if outcome.get("rollout"):
        champion = outcome.get("champion")
        return f"{text}; rollout {outcome['rollout']} requested against champion {champion}"
    if outcome.get("alias"):
        return f"{text} as {outcome['alias']}"
    return text


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
