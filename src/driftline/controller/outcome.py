"""After a retrain's run: what ``push`` did, and the rollout the controller asks for.

The run's ``push`` step says what it did in a typed
:class:`~driftline.components.push_result.PushResult`, with the champion the ``champion`` step
looked up for this run (the only lookup of the champion a retrain makes). When the model had no
champion, or the job's ``[rollout] plan`` is ``none``, ``push`` made a blessed model the champion
at once. Otherwise the new version was registered without an alias, and a rollout of it against
that champion is requested (the model server runs it) with the job's
:class:`~driftline.rollout.settings.RolloutSettings`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from driftline.components.push_result import PushResult
from driftline.controller.jobs import Job
from driftline.controller.parts import ControllerParts
from driftline.core.errors import ConflictError
from driftline.rollout.engine import RolloutSpec
from driftline.rollout.requests import RolloutRequest
from driftline.rollout.settings import Plan, RolloutSettings
from driftline.store.queries import ExecutionQuery
from driftline.store.records import ContextRef, ExecutionState

__all__ = ["describe", "job_outcome", "push_result", "rollout_settings", "wants_rollout"]


def rollout_settings(parts: ControllerParts, job: Job) -> RolloutSettings:
    """The rollout settings the job was queued with (the policy's, for a job without them)."""
    recorded = job.properties.get("rollout")
    if not recorded:
        return parts.policy.rollout
    return RolloutSettings.from_dict(recorded)


def wants_rollout(parts: ControllerParts, job: Job) -> bool:
    """Whether the job's new version goes through a rollout when the model has a champion."""
    return parts.rollouts is not None and rollout_settings(parts, job).plan is not Plan.NONE


def push_result(parts: ControllerParts, run_id: str) -> PushResult | None:
    """What the ``push`` step of run ``run_id`` did (``None`` if it did not run)."""
    from driftline.pipeline.cache import outputs_of

    done = frozenset({ExecutionState.COMPLETE, ExecutionState.CACHED})
    pushes = parts.metadata.executions(
        ExecutionQuery(kind="push", context=ContextRef("run", run_id), states=done)
    )
    if not pushes:
        return None
    outputs = outputs_of(parts.metadata, pushes[0].id)
    if not outputs:
        return None
    artifact = next(iter(outputs.values()))
    data = parts.artifacts.read_bytes(artifact.uri, artifact.sha256, label=f"push of {run_id}")
    return PushResult.from_dict(json.loads(data))


def job_outcome(parts: ControllerParts, job: Job, run_id: str) -> dict[str, Any]:
    """What the job's run did (``push``'s result), and the rollout requested after it."""
    push = push_result(parts, run_id)
    outcome: dict[str, Any] = {"run_id": run_id, **(push.to_dict() if push else {})}
    if push is None or not push.needs_rollout:
        return outcome
    if parts.rollouts is None or push.version is None or push.champion is None:
        outcome["rollout"] = None
        outcome["rollout_error"] = "this controller has no way to request rollouts"
        return outcome
    spec = RolloutSpec.of(push.model, push.champion, push.version, rollout_settings(parts, job))
    request = RolloutRequest(spec, reason=f"retrained by job {job.name}", by=parts.owner)
    try:
        outcome["rollout"] = parts.rollouts(request)
    except ConflictError as exc:  # another rollout of the model is in progress
        outcome["rollout"] = None
        outcome["rollout_error"] = str(exc)
    return outcome


def describe(outcome: Mapping[str, Any]) -> str:
    """One line about a job's outcome, for the log."""
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
