"""Running pipelines: recording, caching, failures, run inputs, hooks and runners."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pytest

from driftline.core.errors import InputError
from driftline.pipeline import (
    Bytes,
    JsonArtifact,
    LocalRunner,
    Metrics,
    Pipeline,
    PipelineDefinitionError,
    RunStatus,
    StepFailedError,
    Table,
    ThreadRunner,
    run_pipeline,
    step,
)
from driftline.pipeline.conformance import check_runner
from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.records import ContextRef, EventKind, ExecutionState
from driftline.workspace import Workspace

CALLS: list[str] = []


@step
def make(n: int = 4) -> Table:
    CALLS.append("make")
    return pa.table({"x": list(range(n))})


class Parts(NamedTuple):
    total: JsonArtifact
    blob: Bytes


@step
def summarise(make: Table) -> Parts:
    CALLS.append("summarise")
    total = sum(make.column("x").to_pylist())
    return Parts(total, str(total).encode())


@step(cache=False)
def score(total: JsonArtifact, scale: float = 1.0) -> Metrics:
    CALLS.append("score")
    return {"score": total * scale}


PIPELINE = Pipeline("demo", [make, summarise, score])


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    CALLS.clear()


def _load(ws: Workspace, artifact: Any) -> bytes:
    return ws.artifacts.read_bytes(artifact.uri, artifact.sha256)


def test_a_run_is_recorded_with_contexts_executions_and_lineage(ws: Workspace) -> None:
    result = run_pipeline(ws, PIPELINE, params={"n": 5, "scale": 2.0}, progress=False)
    assert result.status is RunStatus.COMPLETE
    assert CALLS == ["make", "summarise", "score"]
    assert _load(ws, result.output("score")) == b'{"score":20.0}'
    assert _load(ws, result.output("summarise", "blob")) == b"10"
    assert result.params == {"make.n": 5, "score.scale": 2.0}

    run_ctx = ws.metadata.get_context_by_name("run", result.run_id)
    props = dict(run_ctx.properties)
    assert props["pipeline"] == "demo"
    assert props["params"] == {"make.n": 5, "score.scale": 2.0}
    assert props["status"] == "COMPLETE"
    assert props["started_at"]
    assert props["ended_at"]
    execs = ws.metadata.executions(ExecutionQuery(context=ContextRef("run", result.run_id)))
    assert sorted(e.kind for e in execs) == ["make", "score", "summarise"]
    assert all(e.state is ExecutionState.COMPLETE for e in execs)
    by_kind = {e.kind: e for e in execs}
    assert by_kind["make"].parameters == {"n": 5}
    assert by_kind["make"].code_version == make.code_version
    assert by_kind["make"].cache_key
    in_pipeline = ws.metadata.executions(ExecutionQuery(context=ContextRef("pipeline", "demo")))
    assert len(in_pipeline) == 3

    table = result.output("make")
    assert table.kind == "table"
    assert table.properties == {"rows": 5, "columns": ["x"]}
    graph = ws.metadata.lineage(result.output("score").id)
    assert set(graph.artifacts) == {
        result.output("score").id,
        result.output("summarise", "total").id,
        table.id,
    }
    events = ws.metadata.events(execution_id=by_kind["summarise"].id)
    assert {(e.kind, e.name) for e in events} == {
        (EventKind.INPUT, "make"),
        (EventKind.OUTPUT, "total"),
        (EventKind.OUTPUT, "blob"),
    }


def test_unchanged_steps_are_cached_and_reuse_the_same_artifacts(ws: Workspace) -> None:
    first = run_pipeline(ws, PIPELINE, progress=False)
    CALLS.clear()
    second = run_pipeline(ws, PIPELINE, progress=False)
    assert CALLS == ["score"]  # cache=False always runs
    assert second.states() == {
        "make": ExecutionState.CACHED,
        "summarise": ExecutionState.CACHED,
        "score": ExecutionState.COMPLETE,
    }
    assert second.output("make").id == first.output("make").id
    assert second.output("summarise", "blob").id == first.output("summarise", "blob").id
    assert second.output("score").id != first.output("score").id
    assert second.output("score").sha256 == first.output("score").sha256
    cached = ws.metadata.get_execution(second.steps["make"].execution_id or 0)
    assert cached.state is ExecutionState.CACHED
    assert cached.properties["cached_from"] == first.steps["make"].execution_id
    outputs = [e for e in ws.metadata.events(execution_id=cached.id) if e.kind is EventKind.OUTPUT]
    assert [e.artifact_id for e in outputs] == [first.output("make").id]
    assert len(ws.metadata.artifacts(ArtifactQuery(kind="table"))) == 1


def test_changed_params_or_inputs_rerun_only_what_changed(ws: Workspace) -> None:
    run_pipeline(ws, PIPELINE, progress=False)
    CALLS.clear()
    run_pipeline(ws, PIPELINE, params={"scale": 3.0}, progress=False)
    assert CALLS == ["score"]
    CALLS.clear()
    changed = run_pipeline(ws, PIPELINE, params={"n": 6}, progress=False)
    assert CALLS == ["make", "summarise", "score"]
    assert changed.steps["make"].state is ExecutionState.COMPLETE


def test_missing_cached_artifact_is_recomputed(ws: Workspace) -> None:
    first = run_pipeline(ws, PIPELINE, progress=False)
    path = ws.artifacts.local_path(first.output("make").uri)
    assert path is not None
    Path(path).unlink()
    CALLS.clear()
    again = run_pipeline(ws, PIPELINE, progress=False)
    assert CALLS[0] == "make"
    assert again.steps["make"].state is ExecutionState.COMPLETE
    assert again.output("make").sha256 == first.output("make").sha256


def test_truncated_cached_artifact_is_recomputed(ws: Workspace) -> None:
    first = run_pipeline(ws, PIPELINE, progress=False)
    path = ws.artifacts.local_path(first.output("summarise", "blob").uri)
    assert path is not None
    Path(path).chmod(0o644)
    Path(path).write_bytes(b"12345")
    CALLS.clear()
    run_pipeline(ws, PIPELINE, progress=False)
    assert CALLS[:2] == ["summarise", "score"]


@step
def explode(make: Table) -> JsonArtifact:
    raise ValueError("the data is bad")


@step
def after(explode: JsonArtifact) -> Metrics:
    return {"never": 1.0}


def test_a_failing_step_is_recorded_and_downstream_is_canceled(ws: Workspace) -> None:
    p = Pipeline("boom", [make, explode, after, summarise])
    with pytest.raises(
        StepFailedError, match=r"step explode \(ValueError: the data is bad\)"
    ) as info:
        run_pipeline(ws, p, progress=False)
    assert not isinstance(info.value, InputError)
    result = info.value.result
    assert result is not None
    assert result.status is RunStatus.FAILED
    assert result.states() == {
        "make": ExecutionState.COMPLETE,
        "explode": ExecutionState.FAILED,
        "summarise": ExecutionState.COMPLETE,
        "after": ExecutionState.CANCELED,
    }
    failed = ws.metadata.get_execution(result.steps["explode"].execution_id or 0)
    assert failed.error is not None
    assert "ValueError: the data is bad" in failed.error
    assert "Traceback" in failed.error
    assert "in explode" in failed.error
    canceled = ws.metadata.get_execution(result.steps["after"].execution_id or 0)
    assert canceled.error == "canceled: explode failed"
    props = ws.metadata.get_context_by_name("run", result.run_id).properties
    assert props["status"] == "FAILED"


@step
def count_rows(rows: Table) -> Metrics:
    return {"rows": float(rows.num_rows)}


def test_run_inputs_by_value_by_id_and_wrong_kind(ws: Workspace) -> None:
    p = Pipeline("rows", [count_rows])
    with pytest.raises(PipelineDefinitionError, match="input 'rows' of step 'count_rows'"):
        run_pipeline(ws, p, progress=False)
    assert ws.metadata.contexts() == []  # nothing recorded on bad input
    by_value = run_pipeline(ws, p, inputs={"rows": pa.table({"a": [1, 2]})}, progress=False)
    assert _load(ws, by_value.output("count_rows")) == b'{"rows":2.0}'
    supplied = ws.metadata.get_context_by_name("run", by_value.run_id).properties["inputs"]
    table_id = supplied["count_rows.rows"]
    by_id = run_pipeline(ws, p, inputs={"rows": table_id}, progress=False)
    assert by_id.steps["count_rows"].state is ExecutionState.CACHED
    metrics_id = by_value.output("count_rows").id
    with pytest.raises(InputError, match="kind 'metrics', but the step wants 'table'"):
        run_pipeline(ws, p, inputs={"rows": metrics_id}, progress=False)


def test_hooks_get_keyword_arguments(ws: Workspace) -> None:
    seen: list[tuple[str, str, str]] = []

    class Recorder:
        def on_run_start(self, *, run_id: str, **future_kwargs: Any) -> None:
            seen.append(("run_start", run_id, ""))

        def on_step_start(self, *, step: str, run_id: str, **future_kwargs: Any) -> None:
            seen.append(("start", step, ""))

        def on_step_end(self, *, step: str, state: ExecutionState, **future_kwargs: Any) -> None:
            seen.append(("end", step, state.value))

        def on_run_end(self, *, status: RunStatus, **future_kwargs: Any) -> None:
            seen.append(("run_end", "", status.value))

    result = run_pipeline(ws, PIPELINE, hooks=[Recorder()], progress=False)
    assert seen[0] == ("run_start", result.run_id, "")
    assert seen[1:] == [
        ("start", "make", ""),
        ("end", "make", "COMPLETE"),
        ("start", "summarise", ""),
        ("end", "summarise", "COMPLETE"),
        ("start", "score", ""),
        ("end", "score", "COMPLETE"),
        ("run_end", "", "COMPLETE"),
    ]


def test_progress_display_runs_when_forced(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_pipeline(ws, PIPELINE, progress=True)
    assert result.status is RunStatus.COMPLETE
    assert "summarise" in capsys.readouterr().err


@pytest.mark.parametrize("make_runner", [LocalRunner, lambda: ThreadRunner(max_workers=3)])
def test_runner_conformance(ws: Workspace, make_runner: Any) -> None:
    hashes = check_runner(make_runner, ws)
    assert set(hashes) == {
        "numbers.numbers",
        "split.low",
        "split.high",
        "table.table",
        "summary.summary",
    }


def test_unknown_runner_is_an_input_error(ws: Workspace) -> None:
    with pytest.raises(InputError, match=r"unknown runner 'spark'.*local, threads, ray"):
        run_pipeline(ws, PIPELINE, runner="spark", progress=False)


def test_importing_the_pipeline_package_is_cheap() -> None:
    code = (
        "import sys, json; import driftline.pipeline; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not loaded & {"pyarrow", "sqlalchemy", "rich", "numpy", "fsspec"}, loaded
