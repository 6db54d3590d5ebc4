"""The Ray runner: conformance, caching, failures, and steps from test modules and files."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pytest

from driftline.core.errors import InputError
from driftline.pipeline import (
    JsonArtifact,
    Metrics,
    Pipeline,
    RunStatus,
    StepFailedError,
    Table,
    run_pipeline,
)
from driftline.pipeline.conformance import check_runner
from driftline.pipeline.execute import StepCall
from driftline.pipeline.loading import load_pipeline_file
from driftline.pipeline.step_def import step
from driftline.store.artifacts import ArtifactStore
from driftline.store.records import ExecutionState
from driftline.workspace import Workspace
from tests.pipeline.ray_fixtures import ray_session  # noqa: F401  (a fixture)

pytestmark = pytest.mark.ray


@step
def make(n: int = 4) -> Table:
    return pa.table({"x": list(range(n))})


class Parts(NamedTuple):
    total: JsonArtifact
    doubled: JsonArtifact


@step
def summarise(make: Table) -> Parts:
    total = sum(make.column("x").to_pylist())
    return Parts(total, 2 * total)


@step(cache=False)
def score(total: JsonArtifact, scale: float = 1.0) -> Metrics:
    return {"score": total * scale}


@step
def explode(make: Table) -> JsonArtifact:
    raise ValueError("the data is bad")


@step
def after(explode: JsonArtifact) -> Metrics:
    return {"never": 1.0}


@step(cache=False)
def where() -> JsonArtifact:
    return os.getpid()


PIPELINE = Pipeline("ray-demo", [make, summarise, score])


def _load(ws: Workspace, artifact: Any) -> bytes:
    data: bytes = ws.artifacts.read_bytes(artifact.uri, artifact.sha256)
    return data


def _ray_runner() -> Any:
    from driftline.pipeline.ray_runner import RayRunner

    return RayRunner()


@pytest.mark.usefixtures("ray_session")
def test_the_ray_runner_passes_the_conformance_check(ws: Workspace) -> None:
    hashes = check_runner(_ray_runner, ws)
    assert set(hashes) == {
        "numbers.numbers",
        "split.low",
        "split.high",
        "table.table",
        "summary.summary",
    }


@pytest.mark.usefixtures("ray_session")
def test_steps_run_in_ray_workers_and_ray_outlives_the_run(ws: Workspace) -> None:
    import ray

    runner = _ray_runner()
    assert runner.name == "ray"
    assert not runner.started_ray
    result = run_pipeline(ws, Pipeline("where", [where]), runner=runner, progress=False)
    pid = _load(ws, result.output("where"))
    assert int(pid) != os.getpid()
    assert ray.is_initialized()
    run_ctx = ws.metadata.get_context_by_name("run", result.run_id)
    assert run_ctx.properties["runner"] == "ray"


@pytest.mark.usefixtures("ray_session")
def test_a_second_run_on_ray_is_cached(ws: Workspace) -> None:
    first = run_pipeline(ws, PIPELINE, params={"n": 6}, runner=_ray_runner(), progress=False)
    assert first.status is RunStatus.COMPLETE
    assert _load(ws, first.output("score")) == b'{"score":15.0}'
    assert _load(ws, first.output("summarise", "doubled")) == b"30"
    second = run_pipeline(ws, PIPELINE, params={"n": 6}, runner=_ray_runner(), progress=False)
    assert second.states() == {
        "make": ExecutionState.CACHED,
        "summarise": ExecutionState.CACHED,
        "score": ExecutionState.COMPLETE,
    }
    assert second.output("make").id == first.output("make").id
    assert second.output("score").sha256 == first.output("score").sha256


@pytest.mark.usefixtures("ray_session")
def test_a_failing_step_is_failed_and_downstream_canceled(ws: Workspace) -> None:
    p = Pipeline("ray-boom", [make, explode, after, summarise])
    with pytest.raises(
        StepFailedError, match=r"step explode \(ValueError: the data is bad\)"
    ) as info:
        run_pipeline(ws, p, runner=_ray_runner(), progress=False)
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
    assert "Traceback" in failed.error


PIPELINE_FILE = """
from typing import NamedTuple

from driftline.pipeline import JsonArtifact, Pipeline, step


class Pair(NamedTuple):
    first: JsonArtifact
    second: JsonArtifact


@step
def pair(n: int = 3) -> Pair:
    return Pair(list(range(n)), n)


@step
def total(first: JsonArtifact) -> JsonArtifact:
    return sum(first)


pipeline = Pipeline("from-file", [pair, total])
"""


@pytest.mark.usefixtures("ray_session")
def test_a_pipeline_loaded_from_a_file_runs_on_ray(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "ray_file_pipeline.py"
    path.write_text(PIPELINE_FILE)
    pipeline = load_pipeline_file(path)
    result = run_pipeline(ws, pipeline, params={"n": 4}, runner=_ray_runner(), progress=False)
    assert _load(ws, result.output("total")) == b"6"
    assert _load(ws, result.output("pair", "second")) == b"4"


@pytest.mark.usefixtures("ray_session")
def test_an_in_memory_artifact_store_is_refused() -> None:
    runner = _ray_runner()
    try:
        with pytest.raises(InputError, match="workers can reach"):
            runner.submit(StepCall(where, "run-1", {}, {}), ArtifactStore("memory://ray-test"))
    finally:
        runner.close()


def test_without_ray_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from driftline.pipeline.ray_runner import RayRunner

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(InputError, match=r"pip install 'driftline\[ray\]'"):
        RayRunner()
