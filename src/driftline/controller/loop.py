"""The controller: evaluates the policy's triggers, queues retrains, runs them, starts rollouts.

One :meth:`Controller.tick`:

1. evaluates every ``[[trigger]]`` of the policy (:mod:`~driftline.controller.firing`): the
   stores become observations (:mod:`~driftline.controller.observe`), each trigger kind decides
   on them (:mod:`driftline.policy.triggers`, the rules the backtest replays too), and what
   fires is enqueued, deduplicated onto the open job, or skipped by the cooldown, and recorded;
2. runs the queued jobs (:mod:`~driftline.controller.runner`): it claims a job with a lease
   (:mod:`~driftline.controller.leases`, so two controllers never run one job), runs or resumes
   its training pipeline while renewing the lease (:mod:`~driftline.controller.attempt`), and
   records the outcome on the job. When the model has a champion and the policy's
   ``[rollout] plan`` is not ``none``, the new version is registered without an alias and a
   rollout of it is requested (the model server runs it); otherwise it becomes the champion at
   once.

Examples:
    >>> import tempfile
    >>> from driftline.policy.model import Policy
    >>> from driftline.store.artifacts import ArtifactStore
    >>> from driftline.store.metadata import open_metadata_store
    >>> from driftline.store.stores import Stores
    >>> policy = Policy.from_dict({"model": {"name": "m", "dataset": "d", "label": "y"},
    ...                            "rollout": {"plan": "none"}})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     stores = Stores(open_metadata_store("sqlite://", create=True),
    ...                     ArtifactStore(f"{folder}/art").create())
    ...     controller = Controller(stores, policy, log=lambda line: None)
    ...     asked = controller.trigger("train", reason="first model")
    ...     again = controller.trigger("train", reason="pressed twice")
    ...     stores.metadata.close()
    >>> asked.job.name, asked.outcome, again.job.name, again.outcome
    ('retrain:m#1', 'enqueued', 'retrain:m#1', 'deduplicated')

"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.controller.firing import TriggerDesk
from driftline.controller.jobs import Enqueued, JobQueue
from driftline.controller.leases import Leases
from driftline.controller.parts import CONTROLLER_KIND, TRAIN_PIPELINE, ControllerParts
from driftline.controller.results import (
    JobResult,
    RolloutRequest,
    RolloutRequester,
    TickResult,
    TriggerDecision,
)
from driftline.controller.runner import JobRunner
from driftline.core.clock import Clock, SystemClock
from driftline.core.errors import ConfigError, DriftlineError
from driftline.core.params import Interval, check_param
from driftline.policy.model import Policy
from driftline.policy.preflight import preflight_workspace
from driftline.rollout.settings import Plan
from driftline.store.records import ContextRef

if TYPE_CHECKING:
    from driftline.store.stores import HasStores

__all__ = [
    "CONTROLLER_KIND",
    "TRAIN_PIPELINE",
    "Controller",
    "Decision",
    "JobResult",
    "RolloutRequest",
    "RolloutRequester",
    "TickResult",
    "TriggerDecision",
]

Decision = TriggerDecision
"""The former name of :class:`~driftline.controller.results.TriggerDecision`."""


class Controller:
    """The adaptation loop of one policy over one workspace (see the module docstring).

    Args:
        stores: the workspace (anything with ``metadata`` and ``artifacts``).
        policy: the checked policy.
        clock: the time source (a ``ManualClock`` in tests); without one, leases use the
            database's clock and everything else the system clock.
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
        ConfigError: no ``rollouts`` for a plan that needs one, or a policy that names what is
            not there (a column, a trainer, its parameters: :mod:`driftline.policy.preflight`).
        ParameterError: ``params`` the training pipeline does not take.

    """

    def __init__(
        self,
        stores: HasStores,
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
        if rollouts is None and policy.rollout.plan is not Plan.NONE:
            raise ConfigError(
                f"{where}: [rollout] plan = {policy.rollout.plan.value!r} needs a way to request "
                "rollouts: pass rollouts=driftline.rollout.requests.rollout_requester("
                'metadata), or set plan = "none" to promote blessed models at once'
            )
        check_param("Controller", "max_crashes", max_crashes, Interval(int, 1))
        chosen = clock if clock is not None else SystemClock()
        self.parts = ControllerParts(
            stores,
            policy,
            clock=chosen,
            leases=Leases(stores.metadata, owner=owner, seconds=lease_seconds, clock=clock),
            base=Path(base) if base is not None else Path.cwd(),
            params=params or {},
            rollouts=rollouts,
            max_crashes=max_crashes,
            log=log,
        )
        preflight_workspace(policy, stores, where=where, base=self.parts.base)
        self.desk = TriggerDesk(self.parts)
        self.runner = JobRunner(self.parts)
        self.parts.pipeline().resolve_params(self.run_params())  # bad params fail now, not later
        self._every: float | None = None  # run_forever's tick, recorded with each heartbeat

    # -- what it works with -------------------------------------------------------------------

    @property
    def stores(self) -> HasStores:
        """The workspace's stores."""
        return self.parts.stores

    @property
    def policy(self) -> Policy:
        """The policy."""
        return self.parts.policy

    @property
    def clock(self) -> Clock:
        """The controller's clock."""
        return self.parts.clock

    @property
    def queue(self) -> JobQueue:
        """The run queue."""
        return self.parts.queue

    @property
    def leases(self) -> Leases:
        """The leases this controller claims jobs with."""
        return self.parts.leases

    @property
    def model(self) -> str:
        """The policy's model name."""
        return self.parts.model

    @property
    def key(self) -> str:
        """The key of this policy's retrain jobs: ``retrain:MODEL``."""
        return self.parts.key

    @property
    def context(self) -> ContextRef:
        """``controller:MODEL``: trigger records and the triggers' state."""
        return self.parts.context

    @property
    def owner(self) -> str:
        """The id this controller claims leases with."""
        return self.parts.owner

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self.parts.stopping

    def log(self, line: str) -> None:
        """Write one line about a decision."""
        self.parts.log(line)

    def run_params(self) -> dict[str, Any]:
        """The training pipeline's parameters from the policy (and ``params``)."""
        return self.parts.run_params()

    # -- the loop -----------------------------------------------------------------------------

    def evaluate_triggers(self) -> list[TriggerDecision]:
        """Evaluate every trigger of the policy once; enqueue, deduplicate or skip; record it."""
        return self.desk.evaluate_triggers()

    def trigger(
        self, pipeline: str = TRAIN_PIPELINE, *, reason: str = "", by: str | None = None
    ) -> Enqueued:
        """A manual trigger: enqueue a retrain now (deduplicated; no cooldown: a person asked).

        Raises:
            InputError: ``pipeline`` is not ``train``.

        """
        return self.desk.manual(pipeline, reason=reason, by=by)

    def run_jobs(self) -> list[JobResult]:
        """Claim and run this policy's open jobs, oldest first, until none is left to claim."""
        return self.runner.run_jobs()

    def tick(self) -> TickResult:
        """Evaluate the triggers, then run the queued jobs; then record the heartbeat.

        The heartbeat (``ticked_at`` by the database's clock, ``owner``, ``tick_seconds``) is
        on the ``controller:MODEL`` context: the dashboard and ``driftline status`` tell a
        controller that ticks from one that stopped by it.
        """
        decisions = self.evaluate_triggers()
        jobs = self.run_jobs()
        self._heartbeat()
        return TickResult(tuple(decisions), tuple(jobs))

    def _heartbeat(self) -> None:
        p = self.parts
        context = p.metadata.put_context(p.context)
        now = p.leases.clock.now()  # the database's clock, unless the controller was given one
        beat = {"ticked_at": now.isoformat(), "owner": p.owner, "tick_seconds": self._every}
        p.metadata.set_context_properties(context.id, beat)

    def run_forever(self, tick_seconds: float = 60.0) -> None:
        """Tick every ``tick_seconds`` until :meth:`stop` (a failed tick is logged, not fatal)."""
        self._every = tick_seconds
        while not self.stopping:
            try:
                self.tick()
            except DriftlineError as exc:  # the database is down, a job's files are damaged...
                self.log(f"tick failed, trying again in {tick_seconds:g} s: {exc}")
            self.parts.stop.wait(tick_seconds)

    def stop(self) -> None:
        """Stop after the current step (from any thread or a signal handler)."""
        self.parts.stop.set()
