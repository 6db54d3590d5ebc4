"""The policy replayed span by span: serve, wait for labels, check triggers, retrain, gate, promote.

After span ``n`` has been served (every row predicted by the champion of that moment), the labels
of rows up to ``end - delay`` have arrived; a span whose labels have all arrived is *ingested*.
Then, as the controller would, with the controller's own rules:

1. **Triggers**: every ``[[trigger]]`` of the policy decides
   (:meth:`driftline.policy.triggers.Trigger.decide`) on the observation the replay makes
   (:mod:`~driftline.backtest.observe`), remembering its state from check to check
   as the controller does between ticks. ``manual`` never fires in a replay; ``new_data``'s
   ``path`` is not read (the replay is the new data).
2. **The first model** stands in for a person asking for it: while no model serves, a retrain
   is tried after each newly ingested span (until one passes ``[gate] first_model_min``).
3. **Cooldown** (:func:`driftline.policy.cooldown.cooldown_until`, on the replay clock): a firing
   within ``[cooldown] minutes`` of the last retrain that completed is counted as suppressed. A
   retrain also needs an ingested span it has not seen yet (with the same window, the pipeline
   would only find everything cached).
4. **Retrain** as the training pipeline does (:mod:`~driftline.backtest.retrain`):
   the schema in force, validation of the newest span (a blocking anomaly refuses the retrain),
   the trainer on the window of the last ``[window] spans`` spans not refused, and the gate of
   the ``evaluate`` step. A blessed challenger serves from the next span on (rollouts are not
   simulated).

Every retrain, refused or not, is a :class:`RetrainDecision`. No retrain happens after the last
span: nothing is left to serve.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from driftline.backtest.observe import ReplayObserver, ServingChampion
from driftline.backtest.retrain import (
    ReplayOutcome,
    RetrainDecision,
    infer,
    judge_challenger,
    outputs,
    refusal,
)
from driftline.backtest.stream import PreparedStream
from driftline.components.metrics import needs_probabilities
from driftline.components.trainers import fit_trainer
from driftline.core.errors import DriftlineError, InputError
from driftline.policy.cooldown import cooldown_until
from driftline.policy.model import Policy
from driftline.policy.triggers import trigger_id

if TYPE_CHECKING:
    from driftline.data.schema import Schema

__all__ = ["ReplayOutcome", "RetrainDecision", "replay_policy"]

ProgressFn = Callable[[int], None]
"""Called with the number of rows served so far."""


class _Replay:
    def __init__(
        self,
        stream: PreparedStream,
        policy: Policy,
        seed: int,
        *,
        mode: str,
        progress: ProgressFn | None,
        schema: Schema | None,
    ) -> None:
        self.s, self.policy, self.seed, self.mode = stream, policy, seed, mode
        self.progress = progress
        self.triggers = tuple(t for t in policy.triggers if t.automatic) if mode == "policy" else ()
        self.index = {id(t): i for i, t in enumerate(policy.triggers)}
        parts = frozenset().union(*(t.observes for t in self.triggers))
        self.observer = ReplayObserver(stream, policy.model.name, parts)
        n = stream.rows
        self.pred = np.full(n, -1, dtype=np.int64)
        self.served_by = np.full(n, -1, dtype=np.int64)
        self.out = ReplayOutcome(self.pred)
        self.champion: ServingChampion | None = None
        self.version = 0
        self.known = 0
        self.seen = 0  # the newest span number a retrain could see (0: none)
        self.last_retrain: datetime | None = None
        self.states: dict[str, dict[str, Any]] = {}
        self.schema = schema
        self.refused: set[int] = set()
        for column in policy.gate.slices:
            if column not in stream.table.column_names:
                raise InputError(f"gate.slices: column {column!r} does not exist")

    # -- serving -------------------------------------------------------------------------------

    def _serve(self, champion: ServingChampion, start: int, end: int) -> None:
        try:
            values = champion.flavor.predict(
                champion.model, self.s.inputs.slice(start, end - start)
            )
        except (DriftlineError, ValueError):  # inputs it cannot take: no prediction, all wrong
            return
        self.pred[start:end] = self.s.to_codes(values)
        self.served_by[start:end] = champion.version

    # -- triggers ------------------------------------------------------------------------------

    def _fired(self, end: int) -> list[dict[str, Any]]:
        champion = self.champion
        observation = self.observer.observe(
            end=end,
            known=self.known,
            seen=self.seen,
            champion=champion,
            predictions=self.pred,
            served_by=self.served_by,
            index=self.schema.index_columns if self.schema is not None else (),
        )
        fired: list[dict[str, Any]] = []
        for trigger in self.triggers:
            tid = trigger_id(self.index[id(trigger)])
            verdict = trigger.decide(observation, self.states.get(tid, {}))
            if verdict.state is not None:
                self.states[tid] = {**self.states.get(tid, {}), **verdict.state}
            if verdict.fired:
                record = {"kind": trigger.kind, "trigger": self.index[id(trigger)]}
                fired.append({**record, "reason": verdict.reason, **verdict.evidence})
        if self.mode == "every":
            return [{"kind": "every_span"}]
        if champion is None:
            return [{"kind": "first_model"}]
        return fired

    # -- retraining ----------------------------------------------------------------------------

    def _window(self, newest: int) -> list[int]:
        kept = [n for n in range(newest, -1, -1) if n not in self.refused]
        return sorted(kept[: self.policy.spans])

    def _retrain(self, span: int, end: int, newest: int, fired: list[dict[str, Any]]) -> None:
        s, policy = self.s, self.policy
        self.seen = newest + 1
        window = self._window(newest)
        train = np.concatenate(
            [np.flatnonzero(~s.eval_mask[a:b]) + a for a, b in map(s.span_bounds, window)]
        )
        newest_start, hi = s.span_bounds(newest)
        held = np.flatnonzero(s.eval_mask[newest_start:hi]) + newest_start
        base = {
            "span": span + 1,
            "row": end,
            "triggers": tuple(fired),
            "trained_spans": (window[0] + 1, newest + 1),
            "train_rows": len(train),
            "eval_rows": len(held),
        }
        if self.schema is None:
            m = policy.model
            merged = self.observer.merged(window)
            self.schema = infer(merged, m.dataset, m.label, policy.backtest.time_column)
        subject = f"span {policy.model.dataset}:{newest + 1}"
        why = refusal(self.observer.profile(newest), self.schema, subject)
        if why is not None:
            self.refused.add(newest)
            self._record(base, blessed=False, reason=why, refused=True)
            return
        target = s.labels[train]
        if len(held) == 0 or len(np.unique(target)) < 2:
            why = "no eval rows in the newest span" if len(held) == 0 else "one class in window"
            self._record(base, blessed=False, reason=f"not trained: {why}")
            return
        from driftline.models.saving import flavor_for

        m = policy.model
        model = fit_trainer(m.trainer, s.inputs.take(train), target, m.trainer_params, self.seed)
        flavor = flavor_for(model)
        wanted = needs_probabilities(policy.gate.metric)
        mine = outputs(model, flavor, s.inputs.take(held), wanted)
        verdict = judge_challenger(s, policy, held, mine, self.champion)
        blessed, reason = verdict.blessed, verdict.reason
        if self.mode == "every":
            metric = policy.gate.metric
            blessed = True
            reason = f"{metric} {verdict.challenger[metric]:.4f} (promoted without a gate)"
        self.last_retrain = s.moment(end - 1)
        if blessed:
            self.version += 1
            self.champion = ServingChampion(model, flavor, self.version, window, end)
        self._record(
            base,
            blessed=blessed,
            reason=reason,
            challenger=verdict.challenger,
            champion=verdict.champion,
        )

    def _record(self, base: dict[str, Any], **verdict: Any) -> None:
        self.out.decisions.append(RetrainDecision(**base, version=self.version, **verdict))

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> ReplayOutcome:
        s = self.s
        started = time.process_time()
        for span in range(s.spans):
            start, end = s.span_bounds(span)
            if self.champion is not None:
                self._serve(self.champion, start, end)
            if self.progress is not None:
                self.progress(end)
            if end >= s.rows:
                break
            self._after_span(span, end)
        self.out.cpu_seconds = time.process_time() - started
        return self.out

    def _after_span(self, span: int, end: int) -> None:
        s = self.s
        self.known = max(0, end - s.delay)
        newest = self.known // s.span_rows - 1
        if newest < 0:
            return
        if self.mode == "never" and self.champion is not None:
            return
        fired = self._fired(end)
        if not fired or newest + 1 <= self.seen:
            return
        if self.mode == "policy" and self.champion is not None:
            until = cooldown_until(
                self.policy.cooldown.minutes, self.last_retrain, s.moment(end - 1)
            )
            if until is not None:
                self.out.suppressed += 1
                return
        self._retrain(span, end, newest, fired)


def replay_policy(
    stream: PreparedStream,
    policy: Policy,
    seed: int,
    *,
    mode: str = "policy",
    progress: ProgressFn | None = None,
    schema: Schema | None = None,
) -> ReplayOutcome:
    """Replay ``policy`` over ``stream`` (see the module docstring).

    ``mode`` is ``"policy"`` (the policy's triggers, cooldown and gate), ``"never"`` (the first
    model only) or ``"every"`` (retrain after every ingested span, always promote). ``schema``
    is in force from the start (a dataset whose schema was saved before its first run, with
    bounds a user declared); by default the first retrain infers one.

    Raises:
        InputError: a trainer, metric or slice that cannot be used (naming it).

    """
    if mode not in ("policy", "never", "every"):
        raise InputError(f"mode must be 'policy', 'never' or 'every', got {mode!r}")
    return _Replay(stream, policy, seed, mode=mode, progress=progress, schema=schema).run()
