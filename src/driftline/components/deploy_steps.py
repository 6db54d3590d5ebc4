"""The last steps of the standard pipeline: ``infra_validate`` and ``push``.

* ``infra_validate`` loads the trained model in a fresh Python process (as a server would),
  scores sample rows of the newest span, checks the predictions equal those made here, and
  times single-row predictions. A model that fails to load, predicts differently or whose
  single-row predictions cost more than ``max_p99_ms`` of CPU time at p99 stops the run, with
  the measurements attached (wall times are recorded too, but a busy machine must not fail a
  fast model, so the limit is on CPU time).
* ``push`` (a driver step) registers a *blessed* model as the next version of ``model_name``,
  with its evaluation and training profile as lineage, and points ``alias`` (``champion`` by
  default; empty for none) at it. With ``rollout=True`` and a champion (the ``champion`` step's),
  no alias is set: the version reaches traffic through a rollout against that champion, which
  the result names (:class:`~driftline.components.push_result.PushResult`). A model that was
  not blessed is not registered. Pushing is idempotent: the same model bytes are never
  registered twice. ``push_monitored`` (the standard pipeline's ``push``) also registers the
  version's monitor reference (the ``monitor_reference`` step's), read back by
  ``ModelRegistry.monitor_reference``.
"""

from __future__ import annotations

from driftline.components.evaluation import Evaluation, EvaluationResult
from driftline.components.models_ref import ChampionRef, VersionRef
from driftline.components.push_result import PushOutput, PushResult
from driftline.components.trainers import split_features
from driftline.data.artifact_types import DataProfile, Spans
from driftline.models.artifact import Model
from driftline.models.monitoring.reference import MonitorReferenceResult
from driftline.models.probe import probe_model
from driftline.pipeline import Metrics, StepAbort, step
from driftline.pipeline.context import StepContext
from driftline.registry import ModelRegistry
from driftline.registry.versions import CHAMPION

__all__ = ["infra_validate", "push", "push_monitored"]


@step(name="infra_validate")
def infra_validate(
    model: Model, spans: Spans, rows: int = 200, requests: int = 200, max_p99_ms: float = 100.0
) -> Metrics:
    """Load the model in a fresh process, score ``rows`` sample rows, time ``requests`` calls.

    ``max_p99_ms`` limits the CPU time of a single-row prediction at p99 (milliseconds).
    """
    table = spans.table("eval", latest_only=True)
    if table.num_rows == 0:
        table = spans.table("train", latest_only=True)
    features, _ = split_features(table.slice(0, rows), spans.label)
    if model.signature is not None:
        features = features.select(list(model.signature.column_names))
    report = probe_model(model, features, requests=requests)
    metrics = report.to_metrics()
    if not report.same_predictions:
        raise StepAbort(
            "the model predicts differently when loaded in a fresh process",
            attach={"infra_validate": (Metrics, metrics)},
        )
    if report.p99_cpu_ms > max_p99_ms:
        raise StepAbort(
            f"single-row predictions take {report.p99_cpu_ms:.1f} ms of CPU time at p99, over "
            f"the limit max_p99_ms={max_p99_ms:g}",
            attach={"infra_validate": (Metrics, metrics)},
        )
    return metrics


@step(name="push")
def push(
    ctx: StepContext,
    model: Model,
    evaluation: EvaluationResult,
    infra_validate: Metrics,
    profile: DataProfile,
    champion: ChampionRef,
    model_name: str,
    alias: str = CHAMPION,
    rollout: bool = False,
) -> PushOutput:
    """Register the model if it was blessed; point ``alias`` at it, unless a rollout will.

    This ``push`` registers no monitor reference: use :data:`push_monitored` in a pipeline with
    the ``monitor_reference`` step (the standard pipeline does).
    """
    return _push(ctx, evaluation, champion, model_name, alias, rollout)


@step(name="push")
def push_monitored(
    ctx: StepContext,
    model: Model,
    evaluation: EvaluationResult,
    infra_validate: Metrics,
    profile: DataProfile,
    monitor_reference: MonitorReferenceResult,
    champion: ChampionRef,
    model_name: str,
    alias: str = CHAMPION,
    rollout: bool = False,
) -> PushOutput:
    """As ``push``, and register the ``monitor_reference`` with the version."""
    reference_id = ctx.inputs["monitor_reference"].id
    return _push(ctx, evaluation, champion, model_name, alias, rollout, reference_id)


def _push(
    ctx: StepContext,
    evaluation: Evaluation,
    champion: VersionRef,
    model_name: str,
    alias: str,
    rollout: bool,
    reference_id: int | None = None,
) -> PushResult:
    if not evaluation.blessed:
        reason = f"not blessed: {evaluation.reason}"
        return PushResult(model_name, blessed=False, pushed=False, reason=reason)
    registry = ModelRegistry(ctx)
    artifact = ctx.inputs["model"]
    known = registry.versions(model_name) if model_name in registry.models() else []
    version = next((v for v in known if v.sha256 == artifact.sha256), None)
    if version is None:
        version = registry.register(
            model_name,
            artifact.id,
            evaluation_id=ctx.inputs["evaluation"].id,
            profile_id=ctx.inputs["profile"].id,
            reference_id=reference_id,
            metrics=evaluation.challenger,
            reason=evaluation.reason,
            contexts=ctx.contexts,
        )
    ctx.use(version.artifact_id, "version")
    rolls = rollout and champion.exists and champion.version != version.number
    if alias and not rolls:
        if alias == champion.alias:
            current = champion.version  # looked up once, by the champion step
        else:
            found = registry.alias(model_name, alias)
            current = found.number if found is not None else None
        if current != version.number:
            registry.set_alias(model_name, alias, version.number, reason=evaluation.reason)
    return PushResult(
        model_name,
        blessed=True,
        pushed=True,
        version=version.number,
        alias=None if rolls else alias or None,
        champion=champion.version,
        needs_rollout=rolls,
    )
