"""Resuming a run whose process died: :func:`prepare_resume`.

Resume (``run_pipeline(..., resume=RUN)``) continues a run whose process stopped: its executions
left ``RUNNING`` (or ``NEW``) are marked ``FAILED`` (abandoned); its ``COMPLETE``/``CACHED`` steps
with the same code version and parameters and intact outputs are taken as they are (not recorded
again); the others run. The run's original params and inputs are used, and its ``resumes``
property counts the resumptions. Only resume a run whose process has stopped.

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> from driftline.pipeline import JsonArtifact, Pipeline, run_pipeline, step
    >>> @step
    ... def numbers(n: int = 3) -> JsonArtifact:
    ...     return list(range(n))
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder) as ws:
    ...     first = run_pipeline(ws, Pipeline("nums", [numbers]), params={"n": 5})
    ...     resumed = prepare_resume(ws.metadata, Pipeline("nums", [numbers]), first.run_id)
    >>> resumed.params, sorted(resumed.previous), resumed.inputs
    ({'numbers.n': 5}, ['numbers'], {})

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from driftline.core.errors import ContextNotFoundError
from driftline.pipeline.errors import ParameterError, RunNotFoundError
from driftline.pipeline.graph import Pipeline
from driftline.store.queries import ExecutionQuery
from driftline.store.records import ContextRef, Execution, ExecutionState

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore

__all__ = ["Resumed", "prepare_resume"]

_DONE = frozenset({ExecutionState.COMPLETE, ExecutionState.CACHED})
_OPEN = frozenset({ExecutionState.RUNNING, ExecutionState.NEW})


@dataclass(frozen=True)
class Resumed:
    """What a resumed run starts from.

    Attributes:
        params: the run's original params (``{"step.param": value}``).
        inputs: its original run inputs, as artifact ids by name.
        previous: by step name, the newest finished (``COMPLETE``/``CACHED``) execution of the
            step in the run: reused when its cache key matches and its outputs are intact.

    """

    params: dict[str, Any]
    inputs: dict[str, Any]
    previous: dict[str, Execution]


def prepare_resume(
    metadata: MetadataStore,
    pipeline: Pipeline,
    run_id: str,
    params: Mapping[str, Any] | None = None,
) -> Resumed:
    """Get run ``run_id`` of ``pipeline`` ready to go on; what it starts from.

    Marks the run's unfinished executions ``FAILED`` (abandoned) and counts the resumption.

    Args:
        metadata: the metadata store holding the run.
        pipeline: the pipeline the run is a run of.
        run_id: the run's id.
        params: params given to the resumed run: they must be the original ones (or absent).

    Raises:
        RunNotFoundError: no run ``run_id``, or it is a run of another pipeline.
        ParameterError: ``params`` differ from the run's original params.

    """
    try:
        found = metadata.get_context_by_name("run", run_id)
    except ContextNotFoundError:
        raise RunNotFoundError(f"no run {run_id!r} to resume") from None
    props = found.properties
    if props.get("pipeline") != pipeline.name:
        raise RunNotFoundError(
            f"run {run_id!r} is a run of pipeline {props.get('pipeline')!r}, not {pipeline.name!r}"
        )
    original = dict(props.get("params") or {})
    merged = dict(original)
    for key, value in (params or {}).items():
        bare = "." not in key
        merged[next((k for k in original if k.endswith(f".{key}")), key) if bare else key] = value
    if pipeline.resolve_params(merged) != pipeline.resolve_params(original):
        raise ParameterError(
            f"run {run_id!r} is resumed with its original params {original}; "
            f"do not pass other params"
        )
    ref = ContextRef("run", run_id)
    for stale in metadata.executions(ExecutionQuery(context=ref, states=_OPEN)):
        metadata.finish_execution(
            stale.id,
            ExecutionState.FAILED,
            error="abandoned: the process running this step stopped before it finished "
            f"(found when run {run_id} was resumed)",
        )
    previous: dict[str, Execution] = {}
    for earlier in metadata.executions(ExecutionQuery(context=ref, states=_DONE, ascending=True)):
        previous[earlier.kind] = earlier
    resumes = int(props.get("resumes", 0)) + 1
    metadata.set_context_properties(found.id, {"resumes": resumes})
    inputs = {key: int(i) for key, i in dict(props.get("inputs") or {}).items()}
    return Resumed(original, inputs, previous)
