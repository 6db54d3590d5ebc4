"""Pipelines: typed steps wired into a DAG by artifact type, run with full lineage.

The parts, one module each: :mod:`.step` (``@step``), :mod:`.artifact_types` (materializers),
:mod:`.params` (step parameters), :mod:`.context` and :mod:`.driver` (driver steps), :mod:`.graph`
(``Pipeline``: wiring and checks), :mod:`.execute` (one step, as a pure function of inputs by
URI), :mod:`.runners` (local, threads; the ``Runner`` protocol), :mod:`.cache`, :mod:`.run`
(``run_pipeline``: recording, caching), :mod:`.run_inputs`, :mod:`.resume`, :mod:`.stores`,
:mod:`.result`, :mod:`.hooks`, :mod:`.progress`, :mod:`.loading` (pipeline files),
:mod:`.step_metrics` (what steps log or return), :mod:`.git_state` (the commit of a run),
:mod:`.run_lookup` (a run by id, prefix or ``latest``), :mod:`.run_record` (a recorded run read
back), :mod:`.conformance` (the runner check) and :mod:`.errors`.

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> @step
    ... def numbers(n: int = 4) -> JsonArtifact:
    ...     return list(range(n))
    >>> @step
    ... def stats(numbers: JsonArtifact) -> Metrics:
    ...     return {"mean": sum(numbers) / len(numbers)}
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder) as ws:
    ...     run = run_pipeline(ws, Pipeline("stats", [numbers, stats]), params={"n": 5})
    ...     mean = ws.artifacts.read_bytes(run.output("stats").uri, run.output("stats").sha256)
    >>> run.status.value, mean
    ('COMPLETE', b'{"mean":2.0}')

"""

from __future__ import annotations

from driftline.pipeline.artifact_types import (
    ArtifactType,
    Bytes,
    JsonArtifact,
    Metrics,
    Table,
    is_artifact_type,
)
from driftline.pipeline.context import StepContext
from driftline.pipeline.errors import (
    ParameterError,
    PipelineDefinitionError,
    PipelineFileError,
    RunNotFoundError,
    StepAbort,
    StepFailedError,
)
from driftline.pipeline.execute import ArtifactRef, StepCall, StepOutcome, execute_step
from driftline.pipeline.graph import Pipeline
from driftline.pipeline.loading import load_pipeline_file
from driftline.pipeline.params import parse_text as parse_param
from driftline.pipeline.result import RunResult, RunStatus, StepResult
from driftline.pipeline.run import run_pipeline
from driftline.pipeline.runners import LocalRunner, Runner, ThreadRunner, make_runner
from driftline.pipeline.step_def import Step, step
from driftline.pipeline.stores import Stores

__all__ = [
    "ArtifactRef",
    "ArtifactType",
    "Bytes",
    "JsonArtifact",
    "LocalRunner",
    "Metrics",
    "ParameterError",
    "Pipeline",
    "PipelineDefinitionError",
    "PipelineFileError",
    "RunNotFoundError",
    "RunResult",
    "RunStatus",
    "Runner",
    "Step",
    "StepAbort",
    "StepCall",
    "StepContext",
    "StepFailedError",
    "StepOutcome",
    "StepResult",
    "Stores",
    "Table",
    "ThreadRunner",
    "execute_step",
    "is_artifact_type",
    "load_pipeline_file",
    "make_runner",
    "parse_param",
    "run_pipeline",
    "step",
]
