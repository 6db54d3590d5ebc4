"""Evaluating the policy's triggers on the workspace: each becomes a :class:`TriggerEvaluation`.

The rules are the trigger kinds' (:mod:`driftline.policy.triggers`): each ``decide`` s on an
observation that :class:`~driftline.controller.observe.StoreObserver` makes from the stores. An
evaluation adds what the controller records: which trigger (``trigger[INDEX]``), the artifacts the
observation read (``inputs``, the lineage of the trigger's execution), and the state to keep in the
``controller:MODEL`` context.

=============  =====================================================================================
``cron``       fires when the schedule's first time after the last fire (or after the controller
               first saw the trigger) has passed; fires once however many times were missed
``new_data``   ``path``: files matching ``pattern`` in the folder that no span was ingested from
               (by SHA-256) are ingested, each as the next span of the dataset (with the policy's
               label). Fires when there are spans newer than those the last retrain saw: at least
               ``min_rows`` labelled rows of them when ``min_rows`` is set, else any
``metric``     the serving champion's live ``metric`` (any of
               :data:`~driftline.components.metrics.LIVE_METRICS`) from its logged predictions
               joined with feedback since its promotion, once it has ``min_labels`` labels, is
               ``below`` (or ``above``) the threshold
``drift``      ``share``: the share of drifted columns between the champion's training profile
               and the newest span's profile reaches ``share`` (once per champion and span);
               ``detector``: ``adwin``, ``ddm`` or ``page_hinkley`` over the champion's live error
               stream (0/1 per labelled prediction, in label order) signals a change it has not
               fired for yet
=============  =====================================================================================

``manual`` triggers are not evaluated: ``driftline trigger`` enqueues a job directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from driftline.components.metrics import LIVE_METRICS
from driftline.policy.triggers import Trigger, trigger_id

if TYPE_CHECKING:
    from driftline.controller.observe import StoreObserver

__all__ = ["LIVE_METRICS", "TriggerEvaluation", "evaluate", "trigger_id"]


@dataclass(frozen=True)
class TriggerEvaluation:
    """One trigger's verdict at one tick, with what the controller records about it."""

    trigger: str
    kind: str
    fired: bool
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    skip: str | None = None
    inputs: dict[str, list[int]] = field(default_factory=dict)
    state: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        """The trigger's record for a job: kind, which trigger, why, and the evidence."""
        return {
            "kind": self.kind,
            "trigger": self.trigger,
            "reason": self.reason,
            "evidence": self.evidence,
        }


def evaluate(
    trigger: Trigger, index: int, observer: StoreObserver, state: Mapping[str, Any]
) -> TriggerEvaluation | None:
    """Observe what ``trigger`` needs and let it decide; ``None`` for a ``manual`` trigger."""
    if not trigger.automatic:
        return None
    seen = observer.observe(trigger, state)
    verdict = trigger.decide(seen.observation, state)
    remember: dict[str, Any] | None = None
    if verdict.state is not None or seen.state is not None:
        remember = {**(seen.state or {}), **(verdict.state or {})}
    return TriggerEvaluation(
        trigger_id(index),
        trigger.kind,
        verdict.fired,
        verdict.reason,
        {**seen.context, **verdict.evidence},
        verdict.skip,
        seen.inputs,
        remember,
    )
