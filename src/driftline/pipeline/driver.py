"""Running a driver step: in the orchestrating process, recorded in one transaction.

See :mod:`driftline.pipeline.context` for what driver steps are. The step is called with its
inputs, parameters and a :class:`~driftline.pipeline.context.StepContext`; its outputs are
serialised in memory first, so that when they equal the outputs of the newest earlier execution
with the same cache key, the execution is recorded ``CACHED`` and reuses them (nothing new is
stored). Otherwise they are stored and the execution is recorded ``COMPLETE`` with the inputs and
everything the step marked with :meth:`~driftline.pipeline.context.StepContext.use`, and the
metrics it logged or returned. A failing
driver step is recorded ``FAILED`` like any other (with a ``StepAbort``'s attachments).
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from driftline.pipeline.artifact_types import extension_of
from driftline.pipeline.cache import find_cached
from driftline.pipeline.context import StepContext
from driftline.pipeline.execute import ArtifactRef, StepCall, call_step, failure
from driftline.pipeline.result import StepResult
from driftline.pipeline.step_def import Step
from driftline.pipeline.step_metrics import METRICS_PROPERTY, returned_metrics
from driftline.store.records import Artifact, ContextRef, ExecutionState, NewArtifact, NewExecution

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["run_driver_step"]


class _Run(Protocol):
    metadata: MetadataStore
    artifacts: ArtifactStore
    run_id: str
    contexts: list[ContextRef]
    resolved: dict[str, dict[str, Any]]

    @property
    def pipeline(self) -> Any: ...

    def new_execution(
        self, s: Step, key: str | None, state: ExecutionState, **extra: Any
    ) -> NewExecution: ...


def _serialise(kind_type: Any, value: Any) -> tuple[bytes, dict[str, Any]]:
    buffer = io.BytesIO()
    properties = dict(kind_type.save(value, buffer))
    return buffer.getvalue(), properties


def _same(blobs: Mapping[str, tuple[bytes, Any]], earlier: Mapping[str, Artifact]) -> bool:
    return all(
        port in earlier and hashlib.sha256(data).hexdigest() == earlier[port].sha256
        for port, (data, _props) in blobs.items()
    )


def run_driver_step(run: _Run, s: Step, inputs: Mapping[str, Artifact], key: str) -> StepResult:
    """Run driver step ``s`` of ``run`` with its resolved ``inputs``; record and return it."""
    assert s.context_param is not None
    ids: dict[str, Any] = {p: a.id for p, a in inputs.items()}
    refs = {
        p: ArtifactRef(a.kind, a.uri, a.sha256, a.size, a.properties, a.id)
        for p, a in inputs.items()
    }
    call = StepCall(s, run.run_id, refs, run.resolved[s.name])
    ctx = StepContext(
        run.metadata,
        run.artifacts,
        run.run_id,
        s.name,
        run.pipeline.name,
        tuple(run.contexts),
        dict(inputs),
    )
    started = time.perf_counter()
    try:
        values = call_step(call, run.artifacts, **{s.context_param: ctx})
        blobs = {p.name: _serialise(p.type, values[p.name]) for p in s.outputs}
        metrics = {**ctx.metrics, **returned_metrics(s, values)}
    except Exception as exc:
        outcome = failure(call, exc, started, run.artifacts)
        error = f"{outcome.error}\n{outcome.traceback or ''}".strip()
        attached = {
            port: NewArtifact(r.kind, r.uri, r.sha256, r.size, f"{s.name}.{port}", r.properties)
            for port, r in outcome.outputs.items()
        }
        logged = {METRICS_PROPERTY: dict(ctx.metrics)} if ctx.metrics else {}
        made = run.metadata.record_execution(
            run.new_execution(s, key, ExecutionState.FAILED, error=error, properties=logged),
            inputs={**ids, **ctx.used},
            outputs=attached,
            contexts=run.contexts,
        )
        outs = {port: arts[0] for port, arts in made.outputs.items()}
        return StepResult(
            s.name,
            ExecutionState.FAILED,
            made.execution.id,
            outs,
            outcome.error,
            False,
            ctx.metrics,
        )
    all_inputs = {**ids, **ctx.used}
    props: dict[str, Any] = {METRICS_PROPERTY: metrics} if metrics else {}
    if s.cache:
        hit = find_cached(run.metadata, run.artifacts, s, key)
        if hit is not None and _same(blobs, hit[1]):
            earlier, outputs = hit
            new = run.new_execution(
                s, key, ExecutionState.CACHED, properties={**props, "cached_from": earlier.id}
            )
            made = run.metadata.record_execution(
                new,
                inputs=all_inputs,
                contexts=run.contexts,
                output_ids={p: a.id for p, a in outputs.items()},
            )
            return StepResult(
                s.name, ExecutionState.CACHED, made.execution.id, outputs, None, False, metrics
            )
    outputs_new: dict[str, NewArtifact] = {}
    for port in s.outputs:
        data, properties = blobs[port.name]
        stored = run.artifacts.put_bytes(
            run.artifacts.new_key(port.type.kind, f"{s.name}-{port.name}{extension_of(port.type)}"),
            data,
        )
        outputs_new[port.name] = NewArtifact(
            port.type.kind,
            stored.uri,
            stored.sha256,
            stored.size,
            f"{s.name}.{port.name}",
            properties,
        )
    made = run.metadata.record_execution(
        run.new_execution(s, key, ExecutionState.COMPLETE, properties=props),
        inputs=all_inputs,
        outputs=outputs_new,
        contexts=run.contexts,
    )
    outs = {port: arts[0] for port, arts in made.outputs.items()}
    return StepResult(
        s.name, ExecutionState.COMPLETE, made.execution.id, outs, None, False, metrics
    )
