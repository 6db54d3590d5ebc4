"""``driftline lineage``: compact by default, ``--full`` for every node, ``--json`` whole."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from driftline.store.records import NewExecution
from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker

KEY_KINDS = {"span", "model", "model_version", "file"}


def _step(
    ws: Workspace, kind: str, inputs: dict[str, list[int]], outputs: dict[str, tuple[str, str]]
) -> dict[str, int]:
    """Record one execution; ``outputs`` maps an output to (artifact kind, name)."""
    made = {
        key: ws.new_artifact(what, ws.artifacts.put_bytes(f"{kind}/{key}", key.encode()), name=name)
        for key, (what, name) in outputs.items()
    }
    recorded = ws.metadata.record_execution(NewExecution(kind=kind), inputs=inputs, outputs=made)
    return {key: recorded.outputs[key][0].id for key in outputs}


@pytest.fixture
def pipeline_run(new_workspace: WorkspaceMaker, tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """The shape of a standard training run: a file ingested, windowed, validated, trained,
    evaluated against it and registered, with the diamonds such a run has."""
    folder = tmp_path / "ws"
    with new_workspace(folder) as ws:
        raw = ws.artifacts.put_bytes("raw/in.csv", b"x,y\n1,2\n")
        file_id = ws.metadata.put_artifact(ws.new_artifact("file", raw, name="in.csv")).id
        ids = {"file": file_id}
        ids |= _step(
            ws,
            "ingest",
            {"files": [file_id]},
            {"span": ("span", "churn#1"), "profile": ("profile", "churn#1/profile")},
        )
        ids |= _step(
            ws,
            "window",
            {"span": [ids["span"]], "profile": [ids["profile"]]},
            {"window": ("spans", "window.window")},
        )
        ids |= _step(
            ws, "schema", {"spans": [ids["window"]]}, {"schema": ("schema", "schema.schema")}
        )
        ids |= _step(
            ws,
            "validate",
            {"spans": [ids["window"]], "schema": [ids["schema"]]},
            {"valid": ("spans", "validate.spans")},
        )
        ids |= _step(ws, "train", {"spans": [ids["valid"]]}, {"model": ("model", "train.train")})
        ids |= _step(
            ws,
            "evaluate",
            {"model": [ids["model"]], "spans": [ids["valid"]]},
            {"evaluation": ("evaluation", "evaluate.evaluate")},
        )
        ids |= _step(
            ws,
            "register",
            {"model": [ids["model"]], "evaluation": [ids["evaluation"]]},
            {"version": ("model_version", "churn:1")},
        )
    return folder, ids


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("direction", ["--up", "--down", "--both"])
def test_the_compact_tree_is_shorter_and_keeps_every_span_and_model(
    run: Any, pipeline_run: tuple[Path, dict[str, int]], direction: str
) -> None:
    folder, ids = pipeline_run
    root = {"--up": ids["version"], "--down": ids["file"], "--both": ids["valid"]}[direction]
    args = ["lineage", f"#{root}", "-w", str(folder)]
    if direction != "--both":
        args.append(direction)
    compact, full, graph = run(*args), run(*args, "--full"), run(*args, "--json")
    assert (compact.code, full.code, graph.code) == (0, 0, 0), compact.err + full.err + graph.err
    assert len(_lines(compact.out)) < len(_lines(full.out)), compact.out
    shown = {int(n) for n in re.findall(r"#(\d+)", compact.out)}
    shown |= {int(n) for n in re.findall(r"^artifact (\d+)", compact.out)}
    whole = json.loads(graph.out)
    key = {a["id"] for a in whole["artifacts"] if a["kind"] in KEY_KINDS}
    assert key, whole
    assert key <= shown, (key - shown, compact.out)
    for execution in whole["executions"]:  # each execution drawn once, on one line
        drawn = re.findall(rf"execution {execution['id']} · ", compact.out)
        assert len(drawn) == 1, (execution, compact.out)


def test_the_compact_tree_names_each_step_once(
    run: Any, pipeline_run: tuple[Path, dict[str, int]]
) -> None:
    folder, ids = pipeline_run
    res = run("lineage", f"#{ids['version']}", "--up", "-w", str(folder))
    assert res.code == 0, res.err
    assert "evaluate.evaluate" not in res.out
    assert "train.train" not in res.out
    lines = _lines(res.out)
    assert lines[0].startswith(f'artifact {ids["version"]} model_version "churn:1"')
    evaluate = next(line for line in lines if "evaluate · execution" in line)
    assert f"→ evaluation #{ids['evaluation']}" in evaluate
    assert "train (execution" in evaluate.split("also from")[1]  # met again: named, not redrawn
    ingest = next(line for line in lines if "ingest · execution" in line)
    assert f'span "churn#1" #{ids["span"]}' in ingest
    assert f'from file "in.csv" #{ids["file"]}' in ingest  # what nothing in the graph made
    full = run("lineage", f"#{ids['version']}", "--up", "--full", "-w", str(folder))
    assert "evaluate.evaluate" in full.out
    assert "… shown above" in full.out


def test_json_is_the_whole_graph_with_or_without_full(
    run: Any, pipeline_run: tuple[Path, dict[str, int]]
) -> None:
    folder, ids = pipeline_run
    plain = run("lineage", f"#{ids['version']}", "--json", "-w", str(folder))
    full = run("lineage", f"#{ids['version']}", "--json", "--full", "-w", str(folder))
    assert plain.code == 0, plain.err
    assert plain.out == full.out
    assert {a["id"] for a in json.loads(plain.out)["artifacts"]} == set(ids.values())


def test_an_artifact_with_no_lineage_says_so(
    run: Any, pipeline_run: tuple[Path, dict[str, int]]
) -> None:
    folder, ids = pipeline_run
    res = run("lineage", f"#{ids['file']}", "--up", "-w", str(folder))
    assert res.code == 0, res.err
    assert _lines(res.out)[1:] == ["└── nothing recorded"]
