"""The data commands: ingest, spans, profile, schema infer|show|set|edit, validate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from driftline.data import Profile
from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker
from tests.data.ingest_helpers import state, write_csv


@pytest.fixture
def folder(tmp_path: Path, new_workspace: WorkspaceMaker) -> Path:
    new_workspace(tmp_path / "ws").close()
    return tmp_path / "ws"


def _error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


def test_ingest_then_spans(run: Any, folder: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 500)
    res = run("ingest", "d", str(path), "--label", "y", "--eval-fraction", "0.3", "-w", str(folder))
    assert res.code == 0, res.err
    assert "ingested d:1: 500 rows" in res.out
    res = run("ingest", "d", str(path), "--key", "id", "--json", "-w", str(folder))
    assert res.code == 0, res.err
    assert json.loads(res.out)["number"] == 2
    res = run("spans", "d", "--json", "-w", str(folder))
    listed = json.loads(res.out)
    assert [s["span"] for s in listed] == ["d:1", "d:2"]
    assert listed[0]["eval_fraction"] == 0.3
    assert listed[1]["key"] == "id"
    res = run("spans", "d", "-w", str(folder))
    assert res.code == 0
    assert "d:2" in res.out
    assert "500" in res.out


def test_ingest_errors_exit_2_and_store_nothing(run: Any, folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("a,b\n" + "1,some text\n" * 150_000 + "abc,x\n", encoding="utf-8")
    with Workspace.open(folder) as ws:
        before = state(ws)
    res = run("ingest", "d", str(path), "-w", str(folder))
    assert res.code == 2
    line = _error(res.err)
    assert str(path) in line
    assert "'a'" in line
    assert "--column-type a=string" in line
    res = run("ingest", "d", str(tmp_path / "none.csv"), "-w", str(folder))
    assert res.code == 2
    assert "none.csv does not exist" in _error(res.err)
    res = run("ingest", "d", str(path), "--column-type", "a", "-w", str(folder))
    assert res.code == 2
    assert "--column-type takes COL=TYPE" in _error(res.err)
    with Workspace.open(folder) as ws:
        assert state(ws) == before
    res = run("ingest", "d", str(path), "--column-type", "a=string", "-w", str(folder))
    assert res.code == 0, res.err


def test_profile_of_a_span_and_of_a_file(run: Any, folder: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 90)
    assert run("ingest", "d", str(path), "-w", str(folder)).code == 0
    out_json, saved = tmp_path / "p.json", tmp_path / "p.profile"
    res = run("profile", "d:1", "--json", str(out_json), "--save", str(saved), "-w", str(folder))
    assert res.code == 0, res.err
    assert "city" in res.out
    assert "Oslo (30)" in res.out
    assert "0.0%" in res.out
    assert json.loads(out_json.read_text())["num_rows"] == 90
    assert Profile.from_bytes(saved.read_bytes()).num_rows == 90
    res = run("profile", str(path), "--json", "-", "-w", str(tmp_path / "no-ws"))
    assert res.code == 0, res.err
    assert json.loads(res.out)["columns"][0]["name"] == "id"
    res = run("profile", "nope", "-w", str(folder))
    assert res.code == 2
    assert "'nope' names no dataset with spans (datasets: d)" in _error(res.err)


def _editor(tmp_path: Path, old: str, new: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"p.write_text(p.read_text().replace({old!r}, {new!r}))\n",
        encoding="utf-8",
    )
    return f"{sys.executable} {script}"


def test_schema_infer_show_set_and_edit(
    run: Any, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("ingest", "d", str(write_csv(tmp_path / "a.csv", 60)), "--label", "y", "-w", str(folder))
    res = run("schema", "infer", "d", "-w", str(folder))
    assert res.code == 0, res.err
    assert '[columns.city]\ntype = "string"' in res.out
    assert "version 1" in res.err
    shown = run("schema", "show", "d", "-w", str(folder)).out
    assert shown == res.out
    edited = tmp_path / "s.toml"
    edited.write_text(shown.replace("max_unseen_share = 0.01", "max_unseen_share = 0.2"))
    res = run("schema", "set", "d", str(edited), "-w", str(folder))
    assert res.code == 0
    assert "stored version 2" in res.out
    assert (
        json.loads(run("schema", "show", "d", "--json", "-w", str(folder)).out)["thresholds"][
            "max_unseen_share"
        ]
        == 0.2
    )
    monkeypatch.setenv("EDITOR", _editor(tmp_path, 'kind = "categorical"', 'kind = "colour"'))
    monkeypatch.delenv("VISUAL", raising=False)
    res = run("schema", "edit", "d", "-w", str(folder))
    assert res.code == 2
    assert "columns.city.kind must be one of numeric, categorical" in _error(res.err)
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "nullable = false", "nullable = true"))
    res = run("schema", "edit", "d", "-w", str(folder))
    assert res.code == 0
    assert "stored version 3" in res.out
    assert "nullable = false" not in run("schema", "show", "d", "-w", str(folder)).out
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "no such text", ""))
    res = run("schema", "edit", "d", "-w", str(folder))
    assert res.code == 0
    assert "no change; nothing stored" in res.out


def test_validate_exit_codes(run: Any, folder: Path, tmp_path: Path) -> None:
    run("ingest", "d", str(write_csv(tmp_path / "a.csv", 60)), "-w", str(folder))
    res = run("validate", "d", "d:1", "-w", str(folder))
    assert res.code == 2
    assert "has no schema; infer one with" in _error(res.err)
    run("schema", "infer", "d", "-w", str(folder))
    res = run("validate", "d", "d:1", "-w", str(folder))
    assert res.code == 0, res.err
    assert "passed" in res.out
    bad = tmp_path / "b.csv"
    bad.write_text("id,x,city\n1,0.5,Paris\n", encoding="utf-8")
    res = run("validate", "d", str(bad), "--json", "-w", str(folder))
    assert res.code == 1
    report = json.loads(res.out)
    assert report["blocking"] is True
    assert {(a["column"], a["kind"]) for a in report["anomalies"]} == {
        ("y", "missing_column"),
        ("city", "unseen_values"),
    }
    assert "failed validation" in _error(res.err)
