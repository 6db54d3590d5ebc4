from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import WorkspaceMaker

PIPELINE = """
from driftline.pipeline import JsonArtifact, Metrics, Pipeline, step


@step
def make(n: int = 3, scale: float = 1.0) -> JsonArtifact:
    return [scale * i for i in range(n)]


@step
def score(make: JsonArtifact, fail: bool = False) -> Metrics:
    if fail:
        raise RuntimeError("asked to fail")
    return {"total": float(sum(make))}


pipeline = Pipeline("demo", [make, score])
"""


@pytest.fixture
def ws_and_file(run: Any, tmp_path: Path, new_workspace: WorkspaceMaker) -> tuple[str, str]:
    folder = tmp_path / "ws"
    assert run("init", str(folder), *new_workspace.init_args()).code == 0
    path = tmp_path / "pipeline.py"
    path.write_text(PIPELINE)
    return str(folder), str(path)


def test_run_then_cached(run: Any, ws_and_file: tuple[str, str]) -> None:
    ws, path = ws_and_file
    first = run("run", path, "--param", "scale=2", "--json", "-w", ws)
    assert first.code == 0, first.err
    result = json.loads(first.out)
    assert result["status"] == "COMPLETE"
    assert result["params"]["make.scale"] == 2.0
    assert {s["state"] for s in result["steps"].values()} == {"COMPLETE"}
    again = json.loads(run("run", path, "--param", "scale=2", "--json", "-w", ws).out)
    assert {s["state"] for s in again["steps"].values()} == {"CACHED"}
    assert again["steps"]["score"]["outputs"] == result["steps"]["score"]["outputs"]

    listed = json.loads(run("runs", "list", "--json", "-w", ws).out)
    assert [r["run"] for r in listed] == [again["run"], result["run"]]
    shown = run("runs", "show", result["run"], "-w", ws)
    assert shown.code == 0
    assert "make" in shown.out
    assert "score" in shown.out


def test_failing_step_exits_1(run: Any, ws_and_file: tuple[str, str]) -> None:
    ws, path = ws_and_file
    res = run("run", path, "--param", "fail=true", "-w", ws)
    assert res.code == 1
    assert "asked to fail" in res.err or "score" in res.err
    assert res.err.strip().splitlines()[-1].startswith("error: ")
    assert "FAILED" in res.out


@pytest.mark.parametrize(
    ("param", "fragment"),
    [("scale=abc", "--param scale"), ("nope=1", "nope"), ("scale", "KEY=VALUE")],
)
def test_bad_param_is_exit_2(
    run: Any, ws_and_file: tuple[str, str], param: str, fragment: str
) -> None:
    ws, path = ws_and_file
    res = run("run", path, "--param", param, "-w", ws)
    assert res.code == 2
    assert fragment in res.err


def test_missing_pipeline_file_is_exit_2(run: Any, ws_and_file: tuple[str, str]) -> None:
    ws, _ = ws_and_file
    res = run("run", "no/such/pipeline.py", "-w", ws)
    assert res.code == 2
    assert "no/such/pipeline.py" in res.err


def test_unknown_run(run: Any, ws_and_file: tuple[str, str]) -> None:
    ws, _ = ws_and_file
    res = run("runs", "show", "nope", "-w", ws)
    assert res.code == 2
    assert "nope" in res.err


def test_threads_runner_by_name(run: Any, ws_and_file: tuple[str, str]) -> None:
    ws, path = ws_and_file
    res = run("run", path, "--runner", "threads", "--json", "-w", ws)
    assert res.code == 0, res.err
    assert json.loads(res.out)["status"] == "COMPLETE"


def test_unknown_runner_is_exit_2(run: Any, ws_and_file: tuple[str, str]) -> None:
    ws, path = ws_and_file
    res = run("run", path, "--runner", "spark", "-w", ws)
    assert res.code == 2
    assert "spark" in res.err
