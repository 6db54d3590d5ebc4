from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from driftline.cli.main import cli
from driftline.core.settings import Settings
from driftline.store.records import ContextRef, NewExecution
from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker

Snapshot = Callable[[Path], dict[str, bytes]]


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def story(new_workspace: WorkspaceMaker, tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """A workspace with a small chain: file -> ingest -> span -> train -> model."""
    folder = tmp_path / "ws"
    with new_workspace(folder) as ws:
        raw = ws.artifacts.put_bytes("raw/in.csv", b"x,y\n1,2\n")
        raw_id = ws.metadata.put_artifact(ws.new_artifact("file", raw, name="in.csv")).id
        span = ws.new_artifact("span", ws.artifacts.put_bytes("spans/1", b"span-1"), name="d#1")
        r1 = ws.metadata.record_execution(
            NewExecution(kind="ingest"),
            inputs={"files": [raw_id]},
            outputs={"span": span},
            contexts=[ContextRef("run", "r1")],
        )
        span_id = r1.outputs["span"][0].id
        model = ws.new_artifact("model", ws.artifacts.put_bytes("models/m", b"weights"), name="m1")
        r2 = ws.metadata.record_execution(
            NewExecution(kind="train", parameters={"c": 1.0}),
            inputs={"spans": [span_id]},
            outputs={"model": model},
        )
        ids = {"raw": raw_id, "span": span_id, "model": r2.outputs["model"][0].id}
    return folder, ids


def test_version(run: Any) -> None:
    res = run("--version")
    assert res.code == 0
    assert "driftline, version" in res.out


def _all_commands() -> list[str]:
    import click

    names = []
    for name, command in sorted(cli.commands.items()):
        names.append(name)
        if isinstance(command, click.Group):
            names.extend(f"{name} {sub}" for sub in sorted(command.commands))
    return names


@pytest.mark.parametrize("command", _all_commands())
def test_every_command_has_help(run: Any, command: str) -> None:
    res = run(*command.split(), "--help")
    assert res.code == 0
    assert "Usage: driftline " + command in res.out
    assert "--workspace" in res.out
    assert "Examples:" in res.out
    assert "Exit codes" not in res.out  # once, in `driftline --help`


def test_init_then_status(run: Any, tmp_path: Path, new_workspace: WorkspaceMaker) -> None:
    folder = tmp_path / "ws"
    res = run("init", str(folder), *new_workspace.init_args())
    assert res.code == 0, res.err
    assert (folder / "driftline.toml").is_file()
    res = run("status", "--workspace", str(folder), "--json")
    assert res.code == 0, res.err
    info = json.loads(res.out)
    assert info["workspace"] == str(folder)
    assert (info["models"], info["jobs"], info["datasets"]) == ([], [], [])
    res = run("status", "--store", "--workspace", str(folder), "--json")
    assert res.code == 0, res.err
    assert json.loads(res.out)["artifacts"] == {}


def test_init_refuses_an_existing_workspace(
    run: Any, story: tuple[Path, dict[str, int]], stored: Callable[[Path], object]
) -> None:
    folder, _ = story
    before = stored(folder)
    res = run("init", str(folder))
    assert res.code == 2
    line = one_error_line(res.err)
    assert str(folder) in line
    assert "already holds a driftline workspace" in line
    assert stored(folder) == before


def test_folder_that_is_not_a_workspace(run: Any, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    res = run("status", "-w", str(tmp_path))
    assert res.code == 2
    line = one_error_line(res.err)
    assert f"{tmp_path} is not a driftline workspace" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_status_counts_what_is_stored(run: Any, story: tuple[Path, dict[str, int]]) -> None:
    folder, _ = story
    res = run("status", "--store", "-w", str(folder), "--json")
    info = json.loads(res.out)
    assert info["artifacts"] == {"file": 1, "span": 1, "model": 1}
    assert info["executions"] == {"COMPLETE": 2}
    assert [e["kind"] for e in info["last_executions"]] == ["train", "ingest"]
    table = run("status", "--store", "-w", str(folder))
    assert table.code == 0
    assert "executions" in table.out
    assert "COMPLETE" in table.out


def test_lineage_tree_upstream(run: Any, story: tuple[Path, dict[str, int]]) -> None:
    folder, ids = story
    res = run("lineage", str(ids["model"]), "--up", "-w", str(folder))
    assert res.code == 0, res.err
    for text in (
        f"artifact {ids['model']}",
        "train",
        f"#{ids['span']}",
        "ingest",
        f"#{ids['raw']}",
        "in.csv",
    ):
        assert text in res.out
    assert res.out.index("train") < res.out.index("ingest")


def test_lineage_by_name_downstream_json(run: Any, story: tuple[Path, dict[str, int]]) -> None:
    folder, ids = story
    res = run("lineage", "in.csv", "--down", "--json", "-w", str(folder))
    graph = json.loads(res.out)
    assert graph["root"] == ids["raw"]
    assert {a["id"] for a in graph["artifacts"]} == set(ids.values())
    assert {e["kind"] for e in graph["executions"]} == {"ingest", "train"}


def test_lineage_depth_limits_the_walk(run: Any, story: tuple[Path, dict[str, int]]) -> None:
    folder, ids = story
    res = run("lineage", str(ids["model"]), "--up", "--depth", "1", "--json", "-w", str(folder))
    graph = json.loads(res.out)
    assert {a["id"] for a in graph["artifacts"]} == {ids["model"], ids["span"]}


@pytest.mark.parametrize("ref", ["999", "no-such-name"])
def test_unknown_artifact(
    run: Any, story: tuple[Path, dict[str, int]], ref: str, stored: Callable[[Path], object]
) -> None:
    folder, _ = story
    before = stored(folder)
    res = run("lineage", ref, "-w", str(folder))
    assert res.code == 2
    assert ref in one_error_line(res.err)
    assert stored(folder) == before


def test_corrupt_artifact_is_named(
    run: Any, story: tuple[Path, dict[str, int]], stored: Callable[[Path], object]
) -> None:
    folder, ids = story
    assert run("verify", "-w", str(folder)).code == 0
    with Workspace.open(folder) as ws:
        path = ws.artifacts.local_path(ws.metadata.get_artifact(ids["span"]).uri)
    assert path is not None
    Path(path).write_bytes(b"span-X")
    before = stored(folder)
    res = run("verify", "-w", str(folder))
    assert res.code == 1
    assert f"artifact {ids['span']}" in one_error_line(res.err)
    assert "1 of 3" in res.err
    assert stored(folder) == before


@pytest.mark.parametrize("url", ["postgres//nohost", "sqlite:/nope", "mysql://u@h/db", "::"])
def test_malformed_database_url(run: Any, tmp_path: Path, url: str) -> None:
    res = run("init", str(tmp_path / "ws"), "--metadata-url", url)
    assert res.code == 2
    assert url in one_error_line(res.err)
    assert not (tmp_path / "ws").exists()


def test_malformed_url_in_environment(
    run: Any,
    story: tuple[Path, dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    stored: Callable[[Path], object],
) -> None:
    folder, _ = story
    before = stored(folder)
    monkeypatch.setenv("DRIFTLINE_METADATA_URL", "postgres//broken")
    res = run("status", "-w", str(folder))
    assert res.code == 2
    assert "postgres//broken" in one_error_line(res.err)
    assert stored(folder) == before


def test_unreachable_database_is_exit_3(run: Any, tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody:secret@127.0.0.1:9/driftline"
    res = run("init", str(tmp_path / "ws"), "--metadata-url", url)
    assert res.code == 3
    line = one_error_line(res.err)
    assert "127.0.0.1" in line
    assert "secret" not in line
    assert not (tmp_path / "ws").exists()


def test_schema_newer_than_the_code(
    run: Any, story: tuple[Path, dict[str, int]], stored: Callable[[Path], object]
) -> None:
    import sqlalchemy as sa

    folder, _ = story
    engine = sa.create_engine(Settings.load(folder).metadata_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE driftline_schema_version SET version_num = 'ffff_future'"))
    engine.dispose()
    before = stored(folder)
    res = run("status", "-w", str(folder))
    assert res.code == 2
    line = one_error_line(res.err)
    assert "ffff_future" in line
    assert "newer" in line
    assert stored(folder) == before


def test_debug_shows_the_traceback(run: Any, tmp_path: Path) -> None:
    res = run("status", "--debug", "-w", str(tmp_path))
    assert res.code == 2
    assert "Traceback (most recent call last)" in res.err
    assert res.err.strip().splitlines()[-1].startswith("error: ")


def test_bad_option_value_is_usage_error(run: Any, tmp_path: Path) -> None:
    res = run("lineage", "1", "--depth", "0", "-w", str(tmp_path))
    assert res.code == 2
    assert "--depth" in res.err


def test_real_process_exit_code(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "driftline", "status", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ")
    assert proc.stdout == ""


def test_lineage_tree_draws_a_shared_node_once(
    run: Any, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    """A diamond: the span feeds train and evaluate; its ingest is drawn in full once."""
    folder = tmp_path / "ws"
    with new_workspace(folder) as ws:
        span = ws.new_artifact("span", ws.artifacts.put_bytes("s", b"s"), name="span")
        s_id = (
            ws.metadata.record_execution(NewExecution(kind="ingest"), outputs={"span": span})
            .outputs["span"][0]
            .id
        )
        model = ws.new_artifact("model", ws.artifacts.put_bytes("m", b"m"), name="model")
        m_id = (
            ws.metadata.record_execution(
                NewExecution(kind="train"), inputs={"spans": [s_id]}, outputs={"model": model}
            )
            .outputs["model"][0]
            .id
        )
        ev = ws.new_artifact("evaluation", ws.artifacts.put_bytes("e", b"e"), name="eval")
        e_id = (
            ws.metadata.record_execution(
                NewExecution(kind="evaluate"),
                inputs={"model": [m_id], "span": [s_id]},
                outputs={"evaluation": ev},
            )
            .outputs["evaluation"][0]
            .id
        )
    res = run("lineage", str(e_id), "--up", "--full", "-w", str(folder))
    lines = res.out.splitlines()
    ingest = [n for n, line in enumerate(lines) if "ingest" in line]
    assert len(ingest) == 2
    assert "shown above" in lines[ingest[1] + 1]
    assert all("shown above" not in line for line in lines[: ingest[0] + 1])
