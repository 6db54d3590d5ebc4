"""Gather a model card: what the workspace recorded about one registered version.

:func:`model_card` reads, for a :class:`~driftline.registry.versions.ModelVersion`:

* the version itself: name and number, flavor, who registered it, when and why, its aliases
  and the metrics given at registration;
* the signature: the input columns and their types, read from ``model.json`` in the model's
  archive (the bytes checked against their SHA-256);
* the training data: the spans the model was trained on, found by walking the lineage up from
  the model artifact (dataset, span numbers, rows, time range), and the per-column summary of
  the training profile when the version names one;
* the evaluation, when the version names one: challenger against champion on every metric, the
  slices, the verdict and its reason (read as plain JSON);
* the run that trained it: the execution that wrote the model artifact, with its pipeline run,
  step, trainer and parameters, and the metrics its steps recorded;
* the alias history of this version.

Nothing is inferred or filled in: a piece that was not recorded (a model registered by hand has
no evaluation, and no training data unless its lineage reaches some spans) is ``None`` (or
empty) in :meth:`~driftline.registry.card.ModelCard.to_dict` and reads "not recorded" in the
Markdown and HTML.

Examples:
    >>> import tempfile
    >>> from driftline.registry import ModelRegistry
    >>> from driftline.store.artifacts import ArtifactStore
    >>> from driftline.store.metadata import open_metadata_store
    >>> from driftline.store.records import NewArtifact
    >>> with tempfile.TemporaryDirectory() as tmp, open_metadata_store(
    ...     "sqlite://", create=True
    ... ) as meta:
    ...     registry = ModelRegistry(meta, ArtifactStore(tmp).create())
    ...     model = meta.put_artifact(NewArtifact("model", "file:///m.tar.gz", "0" * 64, 9))
    ...     version = registry.register("churn", model.id, by="ana", reason="by hand")
    ...     card = model_card(registry, version)
    >>> card.ref, card.evaluation is None, card.training_spans
    ('churn:1', True, ())
    >>> card.to_markdown().split("## Evaluation")[1].split()[:2]
    ['not', 'recorded']

"""

from __future__ import annotations

import json
import tarfile
from typing import TYPE_CHECKING, Any

from driftline.core.errors import DriftlineError
from driftline.registry.card import ModelCard
from driftline.registry.card_parts import (
    ColumnSummary,
    EvaluationSummary,
    TrainingProfile,
    TrainingRun,
    TrainingSpan,
)
from driftline.registry.versions import ModelVersion
from driftline.store.records import (
    Artifact,
    Execution,
    ExecutionState,
    LineageDirection,
    LineageGraph,
)

if TYPE_CHECKING:
    from driftline.models.signature import ModelSignature
    from driftline.registry.reader import RegistryReader

__all__ = ["model_card"]

_TOP_VALUES = 3
"""How many of a categorical column's most frequent values a card lists."""


def model_card(registry: RegistryReader, version: ModelVersion) -> ModelCard:
    """The card of ``version``, from what the registry's workspace recorded.

    Reads the version's history, the lineage above its model artifact, ``model.json`` in the
    model's archive, and (when the version names them) the training profile and the
    evaluation. A piece that was recorded but cannot be read (bytes gone or changed) is left
    out, with the reason in :attr:`ModelCard.problems`.

    Raises:
        ModelNotFoundError: the version's model is not registered in this workspace.

    """
    metadata, artifacts = registry.metadata, registry.artifacts
    history = tuple(
        t for t in registry.history(version.name) if version.number in (t.version, t.previous)
    )
    problems: dict[str, str] = {}

    signature: ModelSignature | None = None
    try:
        signature = _read_signature(artifacts, version)
    except DriftlineError as exc:
        problems["signature"] = str(exc)

    graph = metadata.lineage(version.model_id, LineageDirection.UP)
    producer = _producer(graph, version.model_id)
    spans = _training_spans(graph, producer)
    run = None if producer is None else _training_run(producer, metadata)

    profile: TrainingProfile | None = None
    if version.profile_id is not None:
        try:
            profile = _read_profile(registry, version.profile_id)
        except (DriftlineError, ValueError) as exc:
            problems["profile"] = str(exc)
    evaluation: EvaluationSummary | None = None
    if version.evaluation_id is not None:
        try:
            evaluation = _read_evaluation(registry, version.evaluation_id)
        except (DriftlineError, ValueError, TypeError) as exc:
            problems["evaluation"] = str(exc)
    return ModelCard(version, signature, spans, profile, evaluation, run, history, problems)


def _read_signature(artifacts: Any, version: ModelVersion) -> ModelSignature | None:
    """The signature in ``model.json`` of the version's archive (``None`` if it has none)."""
    from driftline.models.meta import META_FILE, ModelMeta

    label = f"model version {version.ref}"
    with (
        artifacts.open(version.uri, version.sha256, label=label) as reader,
        tarfile.open(fileobj=reader, mode="r|gz") as tar,
    ):
        for member in tar:
            if member.name == META_FILE and member.isfile():
                handle = tar.extractfile(member)
                if handle is None:  # pragma: no cover - a regular file always has a handle
                    break
                data = json.loads(handle.read().decode("utf-8"))
                return ModelMeta.from_dict(data).signature
    return None


def _producer(graph: LineageGraph, artifact_id: int) -> Execution | None:
    """The execution that wrote ``artifact_id``: the first that completed, else the first."""
    found = [graph.executions[i] for i in graph.producers(artifact_id) if i in graph.executions]
    done = [e for e in found if e.state is ExecutionState.COMPLETE]
    return min(done or found, key=lambda e: e.id, default=None)


def _training_spans(graph: LineageGraph, producer: Execution | None) -> tuple[TrainingSpan, ...]:
    """The ``span`` artifacts upstream of the model, narrowed to the windows the trainer read."""
    if producer is None:
        return ()
    spans = [a for a in graph.artifacts.values() if a.kind == "span"]
    inputs = [graph.artifacts[i] for i in graph.inputs_of(producer.id) if i in graph.artifacts]
    windows = {
        (str(a.properties.get("dataset")), int(n))
        for a in inputs
        if a.kind == "spans"
        for n in a.properties.get("spans") or []
    }
    if windows:
        spans = [a for a in spans if _span_key(a) in windows]
    return tuple(sorted((_span(a) for a in spans), key=lambda s: (s.dataset, s.number)))


def _span_key(artifact: Artifact) -> tuple[str, int]:
    p = artifact.properties
    return str(p.get("dataset")), int(p.get("number") or 0)


def _span(artifact: Artifact) -> TrainingSpan:
    p = artifact.properties
    return TrainingSpan(
        artifact_id=artifact.id,
        dataset=str(p.get("dataset")),
        number=int(p.get("number") or 0),
        rows=_int_or_none(p.get("rows")),
        train_rows=_int_or_none(p.get("train_rows")),
        eval_rows=_int_or_none(p.get("eval_rows")),
        time_min=p.get("time_min"),
        time_max=p.get("time_max"),
    )


def _step_metrics(metadata: Any, run_id: str | None) -> dict[str, dict[str, float]]:
    """The metrics each step of run ``run_id`` recorded (a step's latest execution wins)."""
    from driftline.pipeline.step_metrics import metrics_of_execution
    from driftline.store.queries import ExecutionQuery
    from driftline.store.records import ContextRef

    if run_id is None:
        return {}
    query = ExecutionQuery(context=ContextRef("run", run_id), ascending=True)
    found = {e.kind: metrics_of_execution(e) for e in metadata.executions(query)}
    return {step: metrics for step, metrics in found.items() if metrics}


def _training_run(execution: Execution, metadata: Any) -> TrainingRun:
    p, params = execution.properties, execution.parameters
    trainer = params.get("trainer")
    run_id = None if p.get("run") is None else str(p["run"])
    return TrainingRun(
        execution_id=execution.id,
        step=execution.kind,
        state=execution.state.value,
        run_id=run_id,
        pipeline=None if p.get("pipeline") is None else str(p["pipeline"]),
        trainer=None if trainer is None else str(trainer),
        parameters=dict(params),
        code_version=execution.code_version,
        started_at=execution.started_at,
        ended_at=execution.ended_at,
        step_metrics=_step_metrics(metadata, run_id),
    )


def _read_profile(registry: RegistryReader, artifact_id: int) -> TrainingProfile:
    from driftline.data.profile import Profile

    artifact = registry.metadata.get_artifact(artifact_id)
    data = registry.artifacts.read_bytes(
        artifact.uri, artifact.sha256, label=f"training profile (artifact {artifact_id})"
    )
    summary = Profile.from_bytes(data).to_dict(top=_TOP_VALUES)
    columns = []
    for c in summary["columns"]:
        top: tuple[tuple[Any, int], ...] = ()
        if c["kind"] in ("categorical", "boolean", "text"):
            top = tuple((t["value"], int(t["count"])) for t in c.get("top") or [])
        columns.append(
            ColumnSummary(
                name=str(c["name"]),
                type=str(c["type"]),
                kind=str(c["kind"]),
                count=int(c["count"]),
                missing=int(c["null_count"]) + int(c["nan_count"]),
                mean=c.get("mean"),
                min=c.get("min"),
                max=c.get("max"),
                top=top,
            )
        )
    return TrainingProfile(artifact_id, int(summary["num_rows"]), tuple(columns))


def _read_evaluation(registry: RegistryReader, artifact_id: int) -> EvaluationSummary:
    artifact = registry.metadata.get_artifact(artifact_id)
    data = registry.artifacts.read_bytes(
        artifact.uri, artifact.sha256, label=f"evaluation (artifact {artifact_id})"
    )
    found = json.loads(data.decode("utf-8"))
    if not isinstance(found, dict):
        raise ValueError(f"evaluation (artifact {artifact_id}) is not a JSON object")
    champion = found.get("champion")
    blessed = found.get("blessed")
    return EvaluationSummary(
        artifact_id=artifact_id,
        metric=None if found.get("metric") is None else str(found["metric"]),
        blessed=None if blessed is None else bool(blessed),
        reason=str(found.get("reason") or ""),
        margin=None if (t := found.get("tolerance", found.get("margin"))) is None else float(t),
        rows=_int_or_none(found.get("rows")),
        spans=tuple(int(n) for n in found.get("spans") or []),
        challenger=_scores(found.get("challenger")),
        champion=None if champion is None else _scores(champion),
        champion_version=_int_or_none(found.get("champion_version")),
        slices=tuple(dict(s) for s in found.get("slices") or [] if isinstance(s, dict)),
    )


def _scores(value: object) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items() if v is not None}


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(str(value))
