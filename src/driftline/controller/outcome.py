"""After a retrain's run: what ``push`` did, and the rollout the controller asks for.

When the model has no champion yet, or the policy's ``[rollout] plan`` is ``none``, ``push`` made
a blessed model the champion at once. Otherwise the new version was registered without an alias,
and a rollout of it against the champion is requested (the model server runs it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from driftline.controller.jobs import Job
from driftline.controller.parts import ControllerParts
from driftline.controller.results import RolloutRequest
from driftline.core.errors import ConflictError
from driftline.store.queries import ExecutionQuery
from driftline.store.records import ContextRef, ExecutionState

__all__ = ["describe", "job_outcome", "wants_rollout"]


def wants_rollout(parts: ControllerParts, job: Job) -> bool:
    """Whether the job's new version goes through a rollout (a champion exists, a plan is set)."""
    from driftline.registry import ModelRegistry

    settings = job.properties.get("rollout") or {}
    if settings.get("plan", "none") == "none":
        return False
    registry = ModelRegistry(parts.metadata, parts.artifacts)
    name = str(job.params.get("model_name", parts.model))
    return name in registry.models() and registry.alias(name, "champion") is not None


def _push_result(parts: ControllerParts, run_id: str) -> dict[str, Any] | None:
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
    loaded = json.loads(data)
    return dict(loaded) if isinstance(loaded, dict) else None


def job_outcome(parts: ControllerParts, job: Job, run_id: str) -> dict[str, Any]:
    """What the job's run did (``push``'s result), and the rollout requested after it."""
    from driftline.registry import ModelRegistry

    push = _push_result(parts, run_id) or {}
    outcome: dict[str, Any] = {"run_id": run_id, **push}
    run = parts.metadata.get_context_by_name("run", run_id)
    alias = dict(run.properties.get("params") or {}).get("push.alias", "champion")
    if not push.get("pushed") or alias:
        return outcome
    registry = ModelRegistry(parts.metadata, parts.artifacts)
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
    rollout = parts.policy.rollout
    assert parts.rollouts is not None  # checked when the controller was made
    request = RolloutRequest(
        model=name,
        champion=champion.number,
        candidate=version,
        plan=str(settings.get("plan", rollout.plan)),
        steps=tuple(float(s) for s in settings.get("steps", rollout.steps)),
        hold_requests=int(settings.get("hold_requests", rollout.hold_requests)),
        hold_minutes=settings.get("hold_minutes"),
        max_failed_checks=int(settings.get("max_failed_checks", 1)),
        tolerance=float(settings.get("tolerance", 0.0)),
        reason=reason,
        by=parts.owner,
    )
    outcome["champion"] = champion.number
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
