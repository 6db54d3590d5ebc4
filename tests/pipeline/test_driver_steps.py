"""Driver steps (a ``StepContext`` parameter), StepAbort attachments, and shared parameters."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from driftline.pipeline import (
    JsonArtifact,
    Metrics,
    ParameterError,
    Pipeline,
    PipelineDefinitionError,
    RunStatus,
    StepAbort,
    StepContext,
    StepFailedError,
    run_pipeline,
    step,
)
from driftline.store.queries import ArtifactQuery
from driftline.store.records import Artifact, ContextRef, EventKind, ExecutionState
from driftline.workspace import Workspace

SEEN: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _clear_seen() -> None:
    SEEN.clear()


def _file(ws: Workspace, name: str, data: bytes = b"data") -> Artifact:
    stored = ws.artifacts.put_bytes(f"incoming/{name}", data)
    return ws.metadata.put_artifact(ws.new_artifact("file", stored, name=name))


def _read(ws: Workspace, artifact: Artifact) -> Any:
    return json.loads(ws.artifacts.read_bytes(artifact.uri, artifact.sha256))


def _events(ws: Workspace, execution_id: int | None, kind: EventKind) -> list[tuple[str, int]]:
    assert execution_id is not None
    found = ws.metadata.events(execution_id=execution_id)
    return sorted((e.name, e.artifact_id) for e in found if e.kind is kind)


# -- steps ------------------------------------------------------------------------------------


@step
def numbers(n: int = 3) -> JsonArtifact:
    SEEN["numbers_thread"] = threading.current_thread()
    return list(range(n))


@step
def inspect_run(ctx: StepContext, numbers: JsonArtifact) -> JsonArtifact:
    SEEN["driver_thread"] = threading.current_thread()
    SEEN["ctx"] = ctx
    return {"total": sum(numbers)}


@step
def count_files(ctx: StepContext, kind: str = "file") -> JsonArtifact:
    """What a resolver does: look the world up, and record what it read."""
    found = ctx.metadata.artifacts(ArtifactQuery(kind=kind, ascending=True))
    for artifact in found:
        ctx.use(artifact, "files")
    return len(found)


@step
def doubled(count_files: JsonArtifact) -> JsonArtifact:
    SEEN.setdefault("doubled_calls", 0)
    SEEN["doubled_calls"] += 1
    return count_files * 2


@step
def use_ids(ctx: StepContext, ids: list[int]) -> JsonArtifact:
    for artifact_id in ids:
        ctx.use(artifact_id, "seen")
    ctx.use(ids[0], "seen")  # twice on one port: recorded once
    ctx.use(ctx.metadata.get_artifact(ids[0]))  # an Artifact, on the default port
    return len(ids)


@step
def broken_driver(ctx: StepContext, ids: list[int]) -> JsonArtifact:
    ctx.use(ids[0], "looked_at")
    raise ValueError("no spans to train on")


@step
def after_driver(broken_driver: JsonArtifact) -> JsonArtifact:
    SEEN["after_driver"] = True
    return broken_driver


@step
def check(numbers: JsonArtifact) -> Metrics:
    raise StepAbort(
        f"only {len(numbers)} numbers",
        attach={"report": (JsonArtifact, {"count": len(numbers)}), "seen": (Metrics, {"n": 3})},
    )


@step
def after_check(check: Metrics) -> JsonArtifact:
    SEEN["after_check"] = True
    return check


@step
def abort_driver(ctx: StepContext, numbers: JsonArtifact) -> JsonArtifact:
    raise StepAbort("the driver found too little", attach={"evidence": (JsonArtifact, numbers)})


# -- running in the orchestrating process ----------------------------------------------------


def test_a_driver_step_runs_in_the_orchestrating_thread_with_the_threads_runner(
    ws: Workspace,
) -> None:
    pipeline = Pipeline("inspect", [numbers, inspect_run])
    result = run_pipeline(ws, pipeline, runner="threads", progress=False)
    assert result.status is RunStatus.COMPLETE
    assert SEEN["numbers_thread"] is not threading.current_thread()  # the runner's thread
    assert SEEN["driver_thread"] is threading.current_thread()  # this one
    ctx: StepContext = SEEN["ctx"]
    assert ctx.run_id == result.run_id
    assert (ctx.step, ctx.pipeline) == ("inspect_run", "inspect")
    assert ContextRef("run", result.run_id) in ctx.contexts
    assert ctx.inputs["numbers"].id == result.output("numbers").id
    assert ctx.metadata is ws.metadata
    assert _read(ws, result.output("inspect_run")) == {"total": 3}
    execution = ws.metadata.get_execution(result.steps["inspect_run"].execution_id or 0)
    assert execution.properties["runner"] == "threads"
    assert execution.parameters == {}


def test_what_a_driver_step_uses_is_recorded_as_its_inputs(ws: Workspace) -> None:
    first, second = _file(ws, "a.txt"), _file(ws, "b.txt")
    pipeline = Pipeline("uses", [use_ids])
    result = run_pipeline(ws, pipeline, params={"ids": [first.id, second.id]}, progress=False)
    execution_id = result.steps["use_ids"].execution_id
    assert _events(ws, execution_id, EventKind.INPUT) == [
        ("seen", first.id),
        ("seen", second.id),
        ("uses", first.id),
    ]
    assert _events(ws, execution_id, EventKind.OUTPUT) == [("use_ids", result.output("use_ids").id)]
    upstream = ws.lineage(result.output("use_ids").id, direction="up", depth=5)
    assert {first.id, second.id} <= set(upstream.artifacts)


def test_a_driver_step_is_cached_when_it_finds_the_same_and_runs_when_the_world_changed(
    ws: Workspace,
) -> None:
    _file(ws, "a.txt")
    pipeline = Pipeline("files", [count_files, doubled])
    first = run_pipeline(ws, pipeline, progress=False)
    assert set(first.states().values()) == {ExecutionState.COMPLETE}
    assert _read(ws, first.output("doubled")) == 2

    again = run_pipeline(ws, pipeline, progress=False)
    assert again.states() == {
        "count_files": ExecutionState.CACHED,
        "doubled": ExecutionState.CACHED,
    }
    assert again.output("count_files").id == first.output("count_files").id
    cached = ws.metadata.get_execution(again.steps["count_files"].execution_id or 0)
    assert cached.properties["cached_from"] == first.steps["count_files"].execution_id
    # a CACHED driver execution still records what it read
    inputs = _events(ws, cached.id, EventKind.INPUT)
    assert [name for name, _ in inputs] == ["files"]
    assert SEEN["doubled_calls"] == 1

    _file(ws, "b.txt")  # the world changed: the driver finds something else
    changed = run_pipeline(ws, pipeline, progress=False)
    assert set(changed.states().values()) == {ExecutionState.COMPLETE}
    assert changed.output("count_files").id != first.output("count_files").id
    assert _read(ws, changed.output("doubled")) == 4
    assert len(_events(ws, changed.steps["count_files"].execution_id, EventKind.INPUT)) == 2


def test_a_driver_step_with_other_params_is_not_cached_from_a_run_with_the_same_bytes(
    ws: Workspace,
) -> None:
    pipeline = Pipeline("files", [count_files])
    first = run_pipeline(ws, pipeline, params={"kind": "file"}, progress=False)
    other = run_pipeline(ws, pipeline, params={"kind": "other"}, progress=False)
    assert _read(ws, first.output("count_files")) == _read(ws, other.output("count_files")) == 0
    assert other.states()["count_files"] is ExecutionState.COMPLETE


def test_a_driver_step_that_does_not_cache_always_runs(ws: Workspace) -> None:
    @step(cache=False)
    def fresh(ctx: StepContext) -> JsonArtifact:
        return "same"

    pipeline = Pipeline("fresh", [fresh])
    first = run_pipeline(ws, pipeline, progress=False)
    again = run_pipeline(ws, pipeline, progress=False)
    assert again.states()["fresh"] is ExecutionState.COMPLETE
    assert again.output("fresh").id != first.output("fresh").id
    assert again.output("fresh").sha256 == first.output("fresh").sha256


# -- failures -----------------------------------------------------------------------------------


def test_a_failing_driver_step_fails_with_its_error_and_cancels_downstream(
    ws: Workspace,
) -> None:
    looked_at = _file(ws, "a.txt")
    pipeline = Pipeline("broken", [broken_driver, after_driver])
    with pytest.raises(StepFailedError, match="no spans to train on") as caught:
        run_pipeline(ws, pipeline, params={"ids": [looked_at.id]}, progress=False)
    result = caught.value.result
    assert result is not None
    assert result.status is RunStatus.FAILED
    assert result.states() == {
        "broken_driver": ExecutionState.FAILED,
        "after_driver": ExecutionState.CANCELED,
    }
    failed = result.steps["broken_driver"]
    assert failed.error == "ValueError: no spans to train on"
    assert failed.outputs == {}
    execution = ws.metadata.get_execution(failed.execution_id or 0)
    assert execution.state is ExecutionState.FAILED
    assert execution.error is not None
    assert execution.error.startswith("ValueError: no spans to train on")
    assert "Traceback" in execution.error
    # what it read before failing is still its input
    assert _events(ws, execution.id, EventKind.INPUT) == [("looked_at", looked_at.id)]
    canceled = ws.metadata.get_execution(result.steps["after_driver"].execution_id or 0)
    assert canceled.error == "canceled: broken_driver failed"
    assert "after_driver" not in SEEN


def test_step_abort_from_a_step_records_its_attachments_as_outputs(ws: Workspace) -> None:
    pipeline = Pipeline("abort", [numbers, check, after_check])
    with pytest.raises(StepFailedError, match="only 3 numbers") as caught:
        run_pipeline(ws, pipeline, progress=False)
    result = caught.value.result
    assert result is not None
    assert result.states()["check"] is ExecutionState.FAILED
    assert result.states()["after_check"] is ExecutionState.CANCELED
    failed = result.steps["check"]
    assert failed.error == "only 3 numbers"  # the message, without the exception's type
    report, seen = failed.outputs["report"], failed.outputs["seen"]
    assert (report.kind, seen.kind) == ("json", "metrics")
    assert report.name == "check.report"
    assert _read(ws, report) == {"count": 3}
    assert _read(ws, seen) == {"n": 3.0}
    assert _events(ws, failed.execution_id, EventKind.OUTPUT) == sorted(
        [("report", report.id), ("seen", seen.id)]
    )
    assert ws.metadata.get_execution(failed.execution_id or 0).state is ExecutionState.FAILED
    assert "after_check" not in SEEN


def test_step_abort_from_a_driver_step_records_its_attachments_as_outputs(
    ws: Workspace,
) -> None:
    pipeline = Pipeline("abort", [numbers, abort_driver])
    with pytest.raises(StepFailedError, match="the driver found too little") as caught:
        run_pipeline(ws, pipeline, params={"n": 2}, progress=False)
    result = caught.value.result
    assert result is not None
    failed = result.steps["abort_driver"]
    assert failed.state is ExecutionState.FAILED
    assert failed.error == "the driver found too little"
    evidence = failed.outputs["evidence"]
    assert evidence.name == "abort_driver.evidence"
    assert _read(ws, evidence) == [0, 1]
    assert _events(ws, failed.execution_id, EventKind.OUTPUT) == [("evidence", evidence.id)]
    assert _events(ws, failed.execution_id, EventKind.INPUT) == [
        ("numbers", result.output("numbers").id)
    ]
    execution = ws.metadata.get_execution(failed.execution_id or 0)
    assert execution.state is ExecutionState.FAILED
    assert (execution.error or "").startswith("the driver found too little")


# -- definitions and parameters -----------------------------------------------------------------


def test_only_one_step_context_parameter_is_allowed() -> None:
    with pytest.raises(PipelineDefinitionError, match="only one parameter may be a StepContext"):

        @step
        def twice(first: StepContext, second: StepContext) -> JsonArtifact:
            return None


def test_driver_and_describe() -> None:
    assert inspect_run.driver is True
    assert inspect_run.context_param == "ctx"
    assert numbers.driver is False
    assert inspect_run.describe() == {
        "name": "inspect_run",
        "inputs": {"numbers": "json"},
        "params": [],
        "outputs": {"inspect_run": "json"},
        "cache": True,
        "driver": True,
    }
    assert count_files.describe()["params"] == ["kind"]  # the context is not a parameter
    assert numbers.describe()["driver"] is False


@step
def first_reader(ctx: StepContext, dataset: str, spans: int = 5) -> JsonArtifact:
    return [dataset, spans]


@step
def second_reader(first_reader: JsonArtifact, dataset: str, rows: int = 10) -> JsonArtifact:
    return [*first_reader, dataset, rows]


SHARED = Pipeline("shared", [first_reader, second_reader])


def test_a_shared_bare_parameter_sets_every_step_that_has_it() -> None:
    assert SHARED.resolve_params({"dataset": "elec2"}) == {
        "first_reader": {"dataset": "elec2", "spans": 5},
        "second_reader": {"dataset": "elec2", "rows": 10},
    }
    # a qualified key wins for its step, whatever the order of the keys
    resolved = SHARED.resolve_params({"second_reader.dataset": "other", "dataset": "elec2"})
    assert resolved["first_reader"]["dataset"] == "elec2"
    assert resolved["second_reader"]["dataset"] == "other"
    with pytest.raises(ParameterError, match=r"first_reader\.dataset must be str"):
        SHARED.resolve_params({"dataset": 3})
    with pytest.raises(ParameterError, match="no parameter 'datasets'"):
        SHARED.resolve_params({"dataset": "x", "datasets": "y"})
    with pytest.raises(ParameterError, match=r"second_reader\.dataset has no default"):
        SHARED.resolve_params({"first_reader.dataset": "x"})


def test_a_shared_bare_parameter_in_a_real_run(ws: Workspace) -> None:
    result = run_pipeline(ws, SHARED, params={"dataset": "elec2", "rows": 7}, progress=False)
    assert result.params == {
        "first_reader.dataset": "elec2",
        "first_reader.spans": 5,
        "second_reader.dataset": "elec2",
        "second_reader.rows": 7,
    }
    assert _read(ws, result.output("second_reader")) == ["elec2", 5, "elec2", 7]
