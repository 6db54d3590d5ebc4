"""Running a pipeline: recording every step, caching, resuming, and calling a runner.

:func:`run_pipeline` is the one entry point (the CLI's ``driftline run`` and ``Workspace.run``
call it). A run is a ``run`` context named by the run id, with properties ``pipeline``,
``params`` (every step parameter, qualified ``step.param``), ``inputs`` (run input artifact ids),
``runner``, ``status`` (RUNNING, COMPLETE, FAILED), ``started_at``, ``ended_at``, and, when the
file that built the pipeline is in a git work tree, ``git_commit`` and ``git_dirty`` (see
:mod:`.git_state`). Every step is an execution (kind = the step's name) associated with the run
and the ``pipeline`` context:
``RUNNING`` while it runs, then ``COMPLETE``, ``FAILED`` (with the error and a traceback summary),
``CACHED`` (its outputs are an earlier execution's artifacts) or ``CANCELED`` (a step it depends
on failed). A step's metrics are its execution's ``metrics`` property (see :mod:`.step_metrics`).
Independent branches still run after a failure; the run then raises
:class:`~driftline.pipeline.errors.StepFailedError`.

Resume (``resume=RUN``) continues a run whose process died: see :mod:`.resume`. Run inputs that
no step produces are stored by :mod:`.run_inputs`.

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> from driftline.pipeline import JsonArtifact, Pipeline, step
    >>> @step
    ... def numbers(n: int = 3) -> JsonArtifact:
    ...     return list(range(n))
    >>> @step
    ... def total(numbers: JsonArtifact) -> JsonArtifact:
    ...     return sum(numbers)
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder) as ws:
    ...     first = run_pipeline(ws, Pipeline("sums", [numbers, total]), params={"n": 5})
    ...     again = run_pipeline(ws, Pipeline("sums", [numbers, total]), params={"n": 5})
    ...     value = ws.artifacts.read_bytes(again.output("total").uri, again.output("total").sha256)
    >>> first.status.value, [s.value for s in again.states().values()], value
    ('COMPLETE', ['CACHED', 'CACHED'], b'10')

"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from datetime import UTC, datetime
from typing import Any

from driftline.core.errors import InputError
from driftline.pipeline.cache import cache_key, find_cached, intact, outputs_of
from driftline.pipeline.driver import run_driver_step
from driftline.pipeline.errors import StepFailedError
from driftline.pipeline.execute import ArtifactRef, StepCall, StepOutcome
from driftline.pipeline.git_state import git_state
from driftline.pipeline.graph import Pipeline
from driftline.pipeline.hooks import call_hooks
from driftline.pipeline.result import RunResult, RunStatus, StepResult
from driftline.pipeline.resume import prepare_resume
from driftline.pipeline.run_inputs import store_run_input
from driftline.pipeline.runners import Runner, make_runner
from driftline.pipeline.step_def import Step
from driftline.pipeline.step_metrics import METRICS_PROPERTY, metrics_of_execution
from driftline.store.records import (
    Artifact,
    ContextRef,
    Execution,
    ExecutionState,
    NewArtifact,
    NewExecution,
)
from driftline.store.stores import HasStores

__all__ = ["run_pipeline"]


def _now() -> datetime:
    return datetime.now(UTC)


def _flat(resolved: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {f"{s}.{p}": v for s, values in resolved.items() for p, v in values.items()}


class _Run:
    """The bookkeeping of one run (one process): what is settled, in flight, and recorded."""

    def __init__(
        self, stores: HasStores, pipeline: Pipeline, runner: Runner, hooks: Sequence[object]
    ):
        self.stores = stores
        self.metadata, self.artifacts = stores.metadata, stores.artifacts
        self.pipeline, self.runner, self.hooks = pipeline, runner, hooks
        self.settled: dict[str, StepResult] = {}
        self.previous: dict[str, Execution] = {}
        self.run_inputs: dict[str, Artifact] = {}

    def start(self, run_id: str, params: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
        self.run_id = run_id
        self.resolved = self.pipeline.resolve_params(params)
        matched = self.pipeline.match_inputs(inputs)
        self.started_at = _now()
        self.run_ref = ContextRef("run", run_id)
        self.contexts = [self.run_ref, ContextRef("pipeline", self.pipeline.name)]
        props: dict[str, Any] = {
            "pipeline": self.pipeline.name,
            "params": _flat(self.resolved),
            "runner": self.runner.name,
            "status": RunStatus.RUNNING.value,
            "started_at": self.started_at.isoformat(),
            "ended_at": None,
        }
        git = git_state(self.pipeline.source)
        if git is not None:
            props.update(git_commit=git.commit, git_dirty=git.dirty)
        self.context = self.metadata.put_context(ContextRef("run", run_id, props))
        for (step_name, port), key in matched.items():
            wanted = self.pipeline.step_named(step_name).inputs_by_name()[port]
            self.run_inputs[f"{step_name}.{port}"] = store_run_input(
                self.stores, self.run_ref, key, inputs[key], wanted
            )
        self.context = self.metadata.set_context_properties(
            self.context.id,
            {"inputs": {k: a.id for k, a in self.run_inputs.items()}, "status": "RUNNING"},
        )

    # -- per step -----------------------------------------------------------------------------

    def _inputs(self, s: Step) -> dict[str, Artifact] | None:
        found: dict[str, Artifact] = {}
        for port in s.inputs:
            producer = self.pipeline.producer_of(s.name, port.name)
            if producer is None:
                found[port.name] = self.run_inputs[f"{s.name}.{port.name}"]
                continue
            upstream = self.settled[producer[0]]
            if not upstream.done:
                return None
            found[port.name] = upstream.outputs[producer[1]]
        return found

    def new_execution(
        self, s: Step, key: str | None, state: ExecutionState, **extra: Any
    ) -> NewExecution:
        props = {"run": self.run_id, "pipeline": self.pipeline.name, "runner": self.runner.name}
        return NewExecution(
            kind=s.name,
            parameters=self.resolved[s.name],
            code_version=s.code_version,
            cache_key=key,
            properties={**props, **extra.pop("properties", {})},
            state=state,
            **extra,
        )

    def _settle(self, result: StepResult, seconds: float = 0.0) -> None:
        self.settled[result.name] = result
        call_hooks(
            self.hooks,
            "on_step_end",
            step=result.name,
            run_id=self.run_id,
            state=result.state,
            execution_id=result.execution_id,
            error=result.error,
            seconds=seconds,
        )

    def begin(self, s: Step) -> tuple[Future[StepOutcome], Execution] | None:
        """Settle ``s`` now (canceled, reused, cached) or submit it; return what is in flight."""
        inputs = self._inputs(s)
        ids = {p: a.id for p, a in (inputs or {}).items()}
        if inputs is None:
            failed = [n for n in self.pipeline.steps if n.name in self.settled]
            upstream = next(
                (n.name for n in failed if not self.settled[n.name].done), "an upstream step"
            )
            new = self.new_execution(
                s, None, ExecutionState.CANCELED, error=f"canceled: {upstream} failed"
            )
            made = self.metadata.record_execution(new, inputs=ids, contexts=self.contexts)
            self._settle(StepResult(s.name, made.execution.state, made.execution.id, {}, new.error))
            return None
        key = cache_key(s, self.resolved[s.name], {p: a.sha256 for p, a in inputs.items()})
        if self._reuse(s, key):
            return None
        if s.driver:
            call_hooks(
                self.hooks, "on_step_start", step=s.name, run_id=self.run_id, execution_id=None
            )
            started = time.perf_counter()
            result = run_driver_step(self, s, inputs, key)
            self._settle(result, time.perf_counter() - started)
            return None
        if s.cache:
            hit = find_cached(self.metadata, self.artifacts, s, key)
            if hit is not None:
                earlier, outputs = hit
                metrics = metrics_of_execution(earlier)
                props: dict[str, Any] = {"cached_from": earlier.id}
                if metrics:
                    props[METRICS_PROPERTY] = metrics
                new = self.new_execution(s, key, ExecutionState.CACHED, properties=props)
                made = self.metadata.record_execution(
                    new,
                    inputs=ids,
                    contexts=self.contexts,
                    output_ids={p: a.id for p, a in outputs.items()},
                )
                self._settle(
                    StepResult(
                        s.name,
                        ExecutionState.CACHED,
                        made.execution.id,
                        outputs,
                        None,
                        False,
                        metrics,
                    )
                )
                return None
        execution = self.metadata.start_execution(
            self.new_execution(s, key, ExecutionState.RUNNING), inputs=ids, contexts=self.contexts
        )
        call_hooks(
            self.hooks, "on_step_start", step=s.name, run_id=self.run_id, execution_id=execution.id
        )
        refs = {
            p: ArtifactRef(a.kind, a.uri, a.sha256, a.size, a.properties, a.id)
            for p, a in inputs.items()
        }
        call = StepCall(s, self.run_id, refs, self.resolved[s.name])
        return self.runner.submit(call, self.artifacts), execution

    def _reuse(self, s: Step, key: str) -> bool:
        earlier = self.previous.get(s.name)
        if earlier is None or earlier.cache_key != key:
            return False
        outputs = outputs_of(self.metadata, earlier.id)
        if not intact(s, outputs, self.artifacts):
            return False
        self._settle(
            StepResult(
                s.name,
                earlier.state,
                earlier.id,
                outputs,
                None,
                reused=True,
                metrics=metrics_of_execution(earlier),
            )
        )
        return True

    def finish(self, s: Step, execution: Execution, outcome: StepOutcome) -> None:
        outputs = {
            port: NewArtifact(r.kind, r.uri, r.sha256, r.size, f"{s.name}.{port}", r.properties)
            for port, r in outcome.outputs.items()
        }
        metrics = dict(outcome.metrics)
        props = {METRICS_PROPERTY: metrics} if metrics else None
        if outcome.ok:
            done = self.metadata.finish_execution(
                execution.id, ExecutionState.COMPLETE, outputs, properties=props
            )
        else:
            error = f"{outcome.error}\n{outcome.traceback or ''}".strip()
            done = self.metadata.finish_execution(
                execution.id, ExecutionState.FAILED, outputs, error=error, properties=props
            )
        made = {port: arts[0] for port, arts in done.outputs.items()}
        state = done.execution.state
        result = StepResult(s.name, state, execution.id, made, outcome.error, metrics=metrics)
        self._settle(result, outcome.seconds)

    # -- the loop -----------------------------------------------------------------------------

    def loop(self) -> None:
        waiting = list(self.pipeline.order)
        flying: dict[Future[StepOutcome], tuple[Step, Execution]] = {}
        try:
            while waiting or flying:
                for s in list(waiting):
                    needs = {
                        w[0] for p in s.inputs if (w := self.pipeline.producer_of(s.name, p.name))
                    }
                    if not needs <= set(self.settled):
                        continue
                    waiting.remove(s)
                    started = self.begin(s)
                    if started is not None:
                        flying[started[0]] = (s, started[1])
                if flying:
                    finished, _ = wait(list(flying), return_when=FIRST_COMPLETED)
                    for future in sorted(finished, key=lambda f: flying[f][1].id):
                        s, execution = flying.pop(future)
                        self.finish(s, execution, future.result())
        except BaseException as exc:
            for _step, execution in flying.values():
                self.metadata.finish_execution(
                    execution.id, ExecutionState.FAILED, error=f"interrupted: {exc!r}"
                )
            self.end(RunStatus.FAILED)
            raise

    def end(self, status: RunStatus) -> RunResult:
        ended = _now()
        self.metadata.set_context_properties(
            self.context.id, {"status": status.value, "ended_at": ended.isoformat()}
        )
        call_hooks(
            self.hooks, "on_run_end", run_id=self.run_id, pipeline=self.pipeline.name, status=status
        )
        return RunResult(
            self.run_id,
            self.pipeline.name,
            status,
            _flat(self.resolved),
            {s.name: self.settled[s.name] for s in self.pipeline.order if s.name in self.settled},
            self.started_at,
            ended,
        )


def run_pipeline(
    stores: HasStores,
    pipeline: Pipeline,
    *,
    params: Mapping[str, Any] | None = None,
    inputs: Mapping[str, Any] | None = None,
    runner: Runner | str | None = None,
    resume: str | None = None,
    hooks: Sequence[object] = (),
    progress: bool | None = None,
) -> RunResult:
    """Run ``pipeline`` (or resume run ``resume``), recording everything; return the result.

    Args:
        stores: the metadata and artifact stores (a ``Workspace``).
        pipeline: what to run.
        params: step parameters, ``{"step.param": value}`` or ``{"param": value}`` when only one
            step has it. A resumed run keeps its original params.
        inputs: run inputs for the inputs no step produces, by input name (or ``step.input``):
            an artifact id (``int``), an ``Artifact``, or a value stored with the input's type.
        runner: ``"local"`` (default, in this process), ``"threads"``, or a :class:`Runner`.
        resume: the id of a run whose process died, to continue it.
        hooks: lifecycle hooks (see :mod:`driftline.pipeline.hooks`).
        progress: show a live table of steps; ``None``: only when standard error is a terminal.

    Raises:
        PipelineDefinitionError: a missing or unknown run input (nothing is recorded).
        ParameterError: an unknown, missing or ill-typed parameter (nothing recorded).
        RunNotFoundError: ``resume`` names no run of this pipeline.
        StepFailedError: a step failed; everything is recorded and ``error.result`` holds the
            :class:`RunResult` (status FAILED).

    """
    from driftline.pipeline.progress import ProgressDisplay, wants_progress

    if not isinstance(pipeline, Pipeline):
        raise InputError(f"run_pipeline needs a Pipeline, got {pipeline!r}")
    chosen = make_runner(runner)
    all_hooks = list(hooks)
    if progress or (progress is None and wants_progress()):
        all_hooks.append(ProgressDisplay([s.name for s in pipeline.order]))
    run = _Run(stores, pipeline, chosen, all_hooks)
    try:
        if resume is not None:
            if inputs:
                raise InputError("a resumed run keeps its original inputs; do not pass inputs")
            resumed = prepare_resume(run.metadata, pipeline, resume, params)
            params, inputs, run.previous = resumed.params, resumed.inputs, resumed.previous
            run_id = resume
        else:
            stamp = _now().strftime("%Y%m%dT%H%M%S")
            run_id = f"{pipeline.name}-{stamp}-{uuid.uuid4().hex[:8]}"
        run.start(run_id, params or {}, inputs or {})
        call_hooks(
            all_hooks, "on_run_start", run_id=run_id, pipeline=pipeline.name, params=params or {}
        )
        run.loop()
    finally:
        chosen.close()
    failed = [r for r in run.settled.values() if r.state is ExecutionState.FAILED]
    result = run.end(RunStatus.FAILED if failed else RunStatus.COMPLETE)
    if failed:
        names = ", ".join(f"{r.name} ({r.error})" for r in failed)
        raise StepFailedError(f"run {run_id} failed: step {names}", result)
    return result
