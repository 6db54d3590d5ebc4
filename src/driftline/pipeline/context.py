"""The context a *driver step* gets: the stores, the run, and a way to record what it read.

Most steps are pure functions of their input artifacts and parameters, so any runner can ship
them to another process. A few standard steps must *look things up* in the workspace before
anything runs: the last K spans of a dataset, the current champion model, the curated schema, or
the next span number of an ingest. Like TFX's drivers and resolvers, these run in the process
that orchestrates the run, never on a runner. A step becomes a driver step by taking one
parameter annotated :class:`StepContext`.

A driver step's outputs are written and recorded like any other. Caching works on what it
*found*: when every output has the same bytes as the newest earlier execution with the same
cache key (inputs and parameters), the execution is recorded ``CACHED`` and reuses those
artifacts, so that a run over unchanged data is all ``CACHED``. Artifacts it read through
:meth:`StepContext.use` are recorded as its inputs, so lineage reaches them; the metrics it
logs with :meth:`StepContext.log_metric` are recorded with its execution.

Examples:
    >>> import tempfile
    >>> from driftline.pipeline import JsonArtifact, Pipeline, run_pipeline, step
    >>> from driftline.workspace import Workspace
    >>> @step
    ... def artifact_count(ctx: StepContext) -> JsonArtifact:
    ...     ctx.log_metric("artifacts_seen", len(ctx.metadata.artifacts()))
    ...     return len(ctx.metadata.artifacts())
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder) as ws:
    ...     first = run_pipeline(ws, Pipeline("count", [artifact_count]), progress=False)
    ...     again = run_pipeline(ws, Pipeline("count", [artifact_count]), progress=False)
    >>> artifact_count.driver, first.states()["artifact_count"].value
    (True, 'COMPLETE')
    >>> again.states()["artifact_count"].value  # it found the one artifact again
    'COMPLETE'
    >>> again.steps["artifact_count"].metrics
    {'artifacts_seen': 1.0}

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from driftline.pipeline.step_metrics import check_metric
from driftline.store.records import Artifact, ContextRef

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["StepContext"]


@dataclass
class StepContext:
    """What a driver step gets (see the module docstring).

    Attributes:
        metadata: the metadata store of the run (read it; record through the run's methods).
        artifacts: the artifact store of the run.
        run_id: the id of the run.
        step: the step's name.
        pipeline: the pipeline's name.
        contexts: the run's contexts (``run`` and ``pipeline``), for records the step makes.
        inputs: the step's input artifacts, by input name (their values are the arguments).
        used: the artifacts recorded with :meth:`use`, by port.
        metrics: the metrics logged with :meth:`log_metric`.

    """

    metadata: MetadataStore
    artifacts: ArtifactStore
    run_id: str
    step: str
    pipeline: str
    contexts: tuple[ContextRef, ...]
    inputs: Mapping[str, Artifact] = field(default_factory=dict)
    used: dict[str, list[int]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def use(self, artifact: Artifact | int, port: str = "uses") -> None:
        """Record ``artifact`` as an input of this step's execution (on ``port``)."""
        artifact_id = artifact.id if isinstance(artifact, Artifact) else int(artifact)
        ids = self.used.setdefault(port, [])
        if artifact_id not in ids:
            ids.append(artifact_id)

    def log_metric(self, name: str, value: float) -> None:
        """Record metric ``name`` (a finite number) with this step's execution; the last wins.

        Metrics are shown by ``driftline runs show`` and the model card (see
        :mod:`~driftline.pipeline.step_metrics`).

        Raises:
            InputError: a name that is not a string, or a value that is not a finite number.

        """
        key, number = check_metric(name, value)
        self.metrics[key] = number
