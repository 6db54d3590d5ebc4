"""Resume: a run whose process is killed during a step continues, reusing its finished steps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from driftline.pipeline import (
    ParameterError,
    RunNotFoundError,
    RunStatus,
    load_pipeline_file,
    run_pipeline,
)
from driftline.store.queries import ContextQuery, ExecutionQuery
from driftline.store.records import ContextRef, ExecutionState
from driftline.workspace import Workspace

PIPELINE_FILE = textwrap.dedent(
    """
    import os
    from pathlib import Path

    from driftline.pipeline import JsonArtifact, Metrics, Pipeline, step


    def count(folder: str, name: str) -> None:
        with open(Path(folder, name + ".count"), "a") as f:
            f.write("x\\n")


    @step
    def first(folder: str) -> JsonArtifact:
        count(folder, "first")
        return [1, 2, 3]


    @step(cache=False)
    def second(first: JsonArtifact, folder: str) -> JsonArtifact:
        count(folder, "second")
        if not Path(folder, "release").exists():
            Path(folder, "second.started").touch()
            with open(Path(folder, "gate")) as gate:  # a FIFO: blocks until the test writes
                gate.read()
        return [x * 2 for x in first]


    @step
    def third(second: JsonArtifact, folder: str) -> Metrics:
        count(folder, "third")
        return {"total": float(sum(second))}


    pipeline = Pipeline("resumable", [first, second, third])
    """
)

CHILD = textwrap.dedent(
    """
    import sys
    from driftline.workspace import Workspace
    from driftline.pipeline import load_pipeline_file, run_pipeline

    folder = sys.argv[3]
    params = {"first.folder": folder, "second.folder": folder, "third.folder": folder}
    with Workspace.open(sys.argv[1]) as ws:
        run_pipeline(ws, load_pipeline_file(sys.argv[2]), params=params, progress=False)
    """
)


def _wait_for(path: Path, child: subprocess.Popen[bytes], deadline_s: float = 30.0) -> None:
    deadline = time.monotonic() + deadline_s
    while not path.exists():
        if child.poll() is not None:
            err = child.stderr.read().decode() if child.stderr else ""
            pytest.fail(f"the child exited early ({child.returncode}): {err}")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail(f"{path.name} did not appear within {deadline_s}s")
        time.sleep(0.01)


def _counts(folder: Path) -> dict[str, int]:
    return {
        name: len((folder / f"{name}.count").read_text().splitlines())
        if (folder / f"{name}.count").exists()
        else 0
        for name in ("first", "second", "third")
    }


def test_resume_after_sigkill_during_a_step(ws: Workspace, tmp_path: Path) -> None:
    control = tmp_path / "control"
    control.mkdir()
    os.mkfifo(control / "gate")
    pipeline_file = tmp_path / "resumable.py"
    pipeline_file.write_text(PIPELINE_FILE)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "ws"), str(pipeline_file), str(control)],
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(control / "second.started", child)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert _counts(control) == {"first": 1, "second": 1, "third": 0}

    (run_ctx,) = ws.metadata.contexts(ContextQuery(kind="run"))
    assert run_ctx.properties["status"] == "RUNNING"
    ref = ContextRef("run", run_ctx.name)
    states = {e.kind: e.state for e in ws.metadata.executions(ExecutionQuery(context=ref))}
    assert states == {"first": ExecutionState.COMPLETE, "second": ExecutionState.RUNNING}

    pipeline = load_pipeline_file(pipeline_file)
    with pytest.raises(ParameterError, match="original params"):
        run_pipeline(ws, pipeline, resume=run_ctx.name, params={"first.folder": "elsewhere"})
    with pytest.raises(RunNotFoundError, match="no run 'nope'"):
        run_pipeline(ws, pipeline, resume="nope")

    (control / "release").touch()
    result = run_pipeline(ws, pipeline, resume=run_ctx.name, progress=False)
    assert result.run_id == run_ctx.name
    assert result.status is RunStatus.COMPLETE
    assert _counts(control) == {"first": 1, "second": 2, "third": 1}
    assert result.steps["first"].reused
    assert not result.steps["second"].reused
    assert (
        ws.artifacts.read_bytes(result.output("third").uri, result.output("third").sha256)
        == b'{"total":12.0}'
    )

    execs = ws.metadata.executions(ExecutionQuery(context=ref, ascending=True))
    assert [(e.kind, e.state) for e in execs] == [
        ("first", ExecutionState.COMPLETE),
        ("second", ExecutionState.FAILED),
        ("second", ExecutionState.COMPLETE),
        ("third", ExecutionState.COMPLETE),
    ]
    assert (execs[1].error or "").startswith("abandoned:")
    props = ws.metadata.get_context_by_name("run", run_ctx.name).properties
    assert props["status"] == "COMPLETE"
    assert props["resumes"] == 1
    assert ws.artifacts.temp_files() == []

    again = run_pipeline(ws, pipeline, resume=run_ctx.name, progress=False)
    assert all(s.reused for s in again.steps.values())
    assert _counts(control) == {"first": 1, "second": 2, "third": 1}
