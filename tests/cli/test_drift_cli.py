from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker


def _table(seed: int, shift: float, n: int = 5000) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "a": rng.normal(shift, 1, n),
            "b": rng.normal(0, 1, n),
            "c": rng.choice(
                ["x", "y", "z"], n, p=[0.5, 0.3, 0.2] if shift == 0 else [0.2, 0.3, 0.5]
            ),
        }
    )


@pytest.fixture
def setup(tmp_path: Path, new_workspace: WorkspaceMaker) -> tuple[str, Path, Path]:
    folder = tmp_path / "ws"
    ref, cur = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    pq.write_table(_table(1, 0.0), ref)
    pq.write_table(_table(2, 1.0), cur)
    with new_workspace(folder) as ws:
        ws.ingest("d", ref)
        ws.ingest("d", cur)
    return str(folder), ref, cur


def test_drift_between_spans_is_recorded(
    run: Any, setup: tuple[str, Path, Path], tmp_path: Path
) -> None:
    ws, _, _ = setup
    html = tmp_path / "r.html"
    res = run("drift", "d:1", "d:2", "--json", "-", "--html", str(html), "-w", ws)
    assert res.code == 0, res.err
    report = json.loads(res.out)
    drifted = {c["column"] for c in report["columns"] if c["drifted"]}
    assert drifted == {"a", "c"}
    assert html.read_text().count('class="drift-plot"') >= 2
    with Workspace.open(ws) as w:
        (stored,) = w.metadata.artifacts(ArtifactQuery(kind="drift_report"))
        assert stored.properties["drifted_columns"] == ["a", "c"]
        graph = w.lineage(stored.id)
        assert {a.kind for a in graph.artifacts.values()} >= {"profile", "drift_report"}


def test_drift_against_a_file_and_fail_on_drift(run: Any, setup: tuple[str, Path, Path]) -> None:
    ws, _, cur = setup
    res = run("drift", "d:1", str(cur), "--fail-on-drift", "-w", ws)
    assert res.code == 1
    assert "dataset drift" in res.err
    assert "a" in res.out


def test_no_drift_exits_0_with_fail_on_drift(run: Any, setup: tuple[str, Path, Path]) -> None:
    ws, ref, _ = setup
    res = run("drift", "d:1", str(ref), "--fail-on-drift", "--no-record", "-w", ws)
    assert res.code == 0, res.err
    assert "no drift" in res.out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--method", "a"], "COLUMN=VALUE"),
        (["--threshold", "a=big"], "not a number"),
        (["--method", "a=nosuch"], "nosuch"),
        (["--columns", "zzz"], "zzz"),
    ],
)
def test_bad_options_are_exit_2(
    run: Any, setup: tuple[str, Path, Path], args: list[str], fragment: str
) -> None:
    ws, _, _ = setup
    res = run("drift", "d:1", "d:2", *args, "-w", ws)
    assert res.code == 2
    assert fragment in res.err


def test_unknown_reference_is_exit_2(run: Any, setup: tuple[str, Path, Path]) -> None:
    ws, _, _ = setup
    res = run("drift", "nope:3", "d:2", "-w", ws)
    assert res.code == 2
    assert "nope" in res.err


def test_an_artifact_id_and_the_options_reach_the_recorded_report(
    run: Any, setup: tuple[str, Path, Path]
) -> None:
    ws, _, _ = setup
    with Workspace.open(ws) as w:
        profile_id = w.span("d", 1).profile_id
    args = ["--method", "b=psi", "--correction", "bonferroni", "--columns", "a,b"]
    res = run("drift", str(profile_id), "d:2", *args, "--json", "-", "-w", ws)
    assert res.code == 0, res.err
    report = json.loads(res.out)
    assert [c["column"] for c in report["columns"]] == ["a", "b"]
    assert report["columns"][1]["method"] == "psi"
    with Workspace.open(ws) as w:
        (execution,) = w.metadata.executions(ExecutionQuery(kind="drift"))
        assert execution.parameters["reference"] == str(profile_id)
        options = json.loads(execution.parameters["options"])
        assert (options["correction"], options["columns"]) == ("bonferroni", str(["a", "b"]))


def test_no_column_in_common_is_exit_2_saying_why_and_records_nothing(
    run: Any, setup: tuple[str, Path, Path], tmp_path: Path, stored: Any
) -> None:
    ws, _, _ = setup
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"x": np.arange(100.0), "y": np.arange(100.0)}), other)
    before = stored(Path(ws))
    res = run("drift", "d:1", str(other), "-w", ws)
    assert res.code == 2, res.out
    assert "no column of d:1 and" in res.err
    assert "only in the reference: a, b, c" in res.err
    assert "only in the current: x, y" in res.err
    assert "no drift" not in res.out
    assert stored(Path(ws)) == before
