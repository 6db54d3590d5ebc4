"""``driftline explain``: the one line, the ranked inputs and the error bins; JSON; clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from driftline.workspace import Workspace
from tests.conftest import Run
from tests.monitor.window_stream import log_hours, register

NARROW_FROM = 3  # inputs a and b narrow towards the boundary from this hour on


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A workspace with ``churn:1`` and six labelled hours of its predictions."""
    path = tmp_path_factory.mktemp("explain") / "ws"
    with Workspace.init(path) as ws:
        fitted = register(ws, path.parent / "models", "churn")
        log_hours(ws, fitted, hours=range(6), narrow_from=NARROW_FROM, labels=True, per_hour=800)
        register(ws, path.parent / "models", "quiet")
    return str(path)


def test_the_one_line_then_the_tables(run: Run, folder: str) -> None:
    res = run("explain", "churn", "-w", folder)
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert lines[0].startswith("churn version 1: realised accuracy went from ")
    assert "2026-05-04 03:00" in lines[0]
    assert "inputs that moved most: " in lines[0]
    assert "accuracy realised" in lines[1]
    assert "inputs, the most moved first" in res.out
    assert "error rate by bins of the top inputs" in res.out
    assert "[" in res.out  # a numeric bin from the training quantiles


def test_json_to_stdout_and_to_a_file(run: Run, folder: str, tmp_path: Path) -> None:
    res = run("explain", "churn", "--json", "-", "-w", folder)
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert doc["accuracy_source"] == "realised"
    assert doc["start"] == "2026-05-04T03:00:00+00:00"
    assert {c["feature"] for c in doc["ranked"][:2]} == {"a", "b"}
    assert doc["ranked"][0]["drifted"] is True
    assert doc["accuracy_after"] < doc["accuracy_before"]
    target = tmp_path / "why.json"
    res = run("explain", "churn", "--json", str(target), "-w", folder)
    assert res.code == 0, res.err
    assert json.loads(target.read_text())["summary"] == doc["summary"]


def test_since_and_until_choose_the_windows(run: Run, folder: str) -> None:
    res = run("explain", "churn", "--since", "2026-05-04T02:00", "--json", "-", "-w", folder)
    assert res.code == 0, res.err
    assert json.loads(res.out)["start"] == "2026-05-04T03:00:00+00:00"
    res = run("explain", "churn", "--until", "2026-05-04T02:00", "--json", "-", "-w", folder)
    assert res.code == 0, res.err
    early = json.loads(res.out)
    assert early["start"] < "2026-05-04T02:00"
    assert not any(c["drifted"] for c in early["ranked"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "nope"),
        (["quiet"], "'quiet' has no logged predictions"),
        (["churn", "--window", "90m"], "is not a whole number of the stored windows"),
        (["churn", "--window", "soon"], "'soon' is not a duration"),
        (["churn", "--since", "2026-05-04T05:00", "--until", "2026-05-04T01:00"], "not after"),
        (["churn", "--since", "yesterday"], "not an ISO 8601 time"),
    ],
)
def test_bad_input_exits_2_naming_it(run: Run, folder: str, args: list[str], message: str) -> None:
    res = run("explain", *args, "-w", folder)
    assert res.code == 2
    assert message in res.err
