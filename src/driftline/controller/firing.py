"""The first half of a tick: evaluate the triggers; enqueue, deduplicate or skip; record it.

Every ``[[trigger]]`` decides on what the :class:`~driftline.controller.observe.StoreObserver`
sees. One that fires enqueues a retrain job (:mod:`~driftline.controller.jobs`): one open job per
model, so a trigger that fires while one is pending or running is *deduplicated* onto it. Within
``[cooldown] minutes`` of the last retrain that completed
(:func:`~driftline.policy.cooldown.cooldown_until`), a firing is *skipped* instead. Each firing or
skip is recorded (an execution of kind ``trigger`` with its reason and evidence, associated with
the context ``controller:MODEL``); a skip that repeats tick after tick is recorded when it starts.
What the triggers remember between ticks is kept in that context.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from driftline.controller.jobs import TRIGGER_KIND, Enqueued, JobStatus
from driftline.controller.observe import StoreObserver
from driftline.controller.parts import TRAIN_PIPELINE, ControllerParts
from driftline.controller.results import TriggerDecision
from driftline.controller.triggers import TriggerEvaluation, evaluate, trigger_id
from driftline.core.clock import utc
from driftline.core.errors import DriftlineError, InputError, ServiceError
from driftline.policy.cooldown import cooldown_until
from driftline.store.records import NewExecution

__all__ = ["TriggerDesk"]


class TriggerDesk:
    """Evaluates a controller's triggers and turns what fires into jobs (module docstring)."""

    def __init__(self, parts: ControllerParts) -> None:
        self.parts = parts

    def seen_span(self) -> int:
        """The newest span the last retrain job could train on (0: none)."""
        p = self.parts
        return max(
            (int(j.properties.get("seen_span") or 0) for j in p.queue.jobs(p.key)), default=0
        )

    def cooldown(self) -> dict[str, Any] | None:
        """The evidence of the cooldown in force now, or ``None``."""
        p = self.parts
        if p.policy.cooldown.minutes <= 0:
            return None
        done = [
            (utc(datetime.fromisoformat(j.ended_at)), j)
            for j in p.queue.jobs(p.key, statuses=(JobStatus.COMPLETE,))
            if j.ended_at
        ]
        if not done:
            return None
        ended, job = max(done, key=lambda pair: pair[0])
        until = cooldown_until(p.policy.cooldown.minutes, ended, utc(p.clock.now()))
        if until is None:
            return None
        return {
            "last_job": job.name,
            "ended_at": ended.isoformat(),
            "cooldown_minutes": p.policy.cooldown.minutes,
            "until": until.isoformat(),
        }

    def _record(self, evaluation: TriggerEvaluation, outcome: str, **extra: Any) -> int:
        p = self.parts
        made = p.metadata.record_execution(
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
            contexts=[p.context],
        )
        return made.execution.id

    def _enqueue(self, evaluation: TriggerEvaluation, record: Mapping[str, Any]) -> Enqueued:
        p = self.parts
        return p.queue.enqueue(
            p.key,
            TRAIN_PIPELINE,
            p.run_params(),
            record,
            contexts=[p.context],
            inputs=evaluation.inputs,
            properties={"model": p.model, "rollout": p.rollout_settings()},
        )

    def _fire(self, evaluation: TriggerEvaluation) -> TriggerDecision:
        p = self.parts
        if p.queue.open_job(p.key) is None:
            cooldown = self.cooldown()
            if cooldown is not None:
                execution = self._record(evaluation, "skipped", skip="cooldown", cooldown=cooldown)
                p.log(
                    f"{evaluation.trigger} ({evaluation.kind}) fired but skipped: cooldown after "
                    f"{cooldown['last_job']} until {cooldown['until']} — {evaluation.reason}"
                )
                return TriggerDecision(evaluation, "skipped", None, execution)
        enqueued = self._enqueue(evaluation, evaluation.record())
        p.log(
            f"{evaluation.trigger} ({evaluation.kind}) fired: {evaluation.reason} -> job "
            f"{enqueued.job.name} {enqueued.outcome}"
        )
        return TriggerDecision(
            evaluation, enqueued.outcome, enqueued.job.name, enqueued.execution_id
        )

    def _observer(self, seen: int) -> StoreObserver:
        p = self.parts
        return StoreObserver(
            p.metadata,
            p.artifacts,
            p.policy,
            clock=p.clock,
            base=p.base,
            seen_span=seen,
            leases=p.leases,
            fingerprints=p.fingerprints,
            log=p.log,
        )

    def evaluate_triggers(self) -> list[TriggerDecision]:
        """Evaluate every trigger of the policy once; enqueue, deduplicate or skip; record it."""
        p = self.parts
        context = p.metadata.put_context(p.context)
        states: dict[str, Any] = dict(context.properties.get("triggers") or {})
        skips: dict[str, Any] = dict(context.properties.get("skips") or {})
        observer = self._observer(self.seen_span())
        decisions = []
        for index, trigger in enumerate(p.policy.triggers):
            if p.stopping:
                break
            tid = trigger_id(index)
            try:
                evaluation = evaluate(trigger, index, observer, dict(states.get(tid) or {}))
            except ServiceError:
                raise
            except DriftlineError as exc:  # e.g. a corrupt profile: the other triggers go on
                evaluation = TriggerEvaluation(
                    tid,
                    trigger.kind,
                    False,
                    f"could not be evaluated: {exc}",
                    {"error": str(exc), "error_type": type(exc).__name__},
                    skip="error",
                )
            if evaluation is None:
                continue
            if evaluation.fired:
                decision = self._fire(evaluation)
                skips.pop(tid, None)
            elif evaluation.skip is not None:
                execution = None
                if skips.get(tid) != evaluation.skip:  # a skip is recorded when it starts
                    execution = self._record(evaluation, "skipped")
                    skips[tid] = evaluation.skip
                decision = TriggerDecision(evaluation, "skipped", None, execution)
                p.log(f"{tid} ({evaluation.kind}) skipped: {evaluation.reason}")
            else:
                skips.pop(tid, None)
                decision = TriggerDecision(evaluation, "not_fired")
                p.log(f"{tid} ({evaluation.kind}) not fired: {evaluation.reason}")
            if evaluation.state is not None:
                states[tid] = {**states.get(tid, {}), **evaluation.state}
            decisions.append(decision)
        fresh = p.metadata.get_context(context.id).properties
        if states != fresh.get("triggers") or skips != fresh.get("skips"):
            p.metadata.set_context_properties(context.id, {"triggers": states, "skips": skips})
        return decisions

    def manual(
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
        evaluation = TriggerEvaluation(
            "manual", "manual", True, reason or f"asked by {who}", {"by": who}
        )
        enqueued = self._enqueue(evaluation, {**evaluation.record(), "by": who})
        self.parts.log(
            f"manual trigger by {who}: {evaluation.reason} -> job {enqueued.job.name} "
            f"{enqueued.outcome}"
        )
        return enqueued


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
