"""A schema file's comments and layout survive ``schema set``, ``show`` and ``edit``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import WorkspaceMaker
from tests.data.ingest_helpers import write_csv


@pytest.fixture
def folder(tmp_path: Path, new_workspace: WorkspaceMaker) -> Path:
    path = tmp_path / "ws"
    new_workspace(path).close()
    return path


def _editor(tmp_path: Path, old: str, new: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"t = p.read_text()\nassert {old!r} in t\n"
        f"p.write_text(t.replace({old!r}, {new!r}))\n",
        encoding="utf-8",
    )
    return f"{sys.executable} {script}"


def test_comments_survive_set_show_and_edit(
    run: Any, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = ["-w", str(folder)]
    run("ingest", "d", str(write_csv(tmp_path / "a.csv", 60)), "--label", "y", *ws)
    inferred = run("schema", "infer", "d", *ws).out
    mine = "# our contract with the upstream team (ticket DATA-12)\n" + inferred.replace(
        "[thresholds]", "[thresholds]  # agreed in March\n# keep unseen values rare", 1
    )
    file = tmp_path / "d.schema.toml"
    file.write_text(mine, encoding="utf-8")
    stored = run("schema", "set", "d", str(file), *ws)
    assert stored.code == 0, stored.err
    shown = run("schema", "show", "d", *ws).out
    assert shown == mine  # the file as written, comments and all
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv(
        "EDITOR", _editor(tmp_path, "max_unseen_share = 0.01", "max_unseen_share = 0.3")
    )
    edited = run("schema", "edit", "d", *ws)
    assert edited.code == 0, edited.err
    after = run("schema", "show", "d", *ws).out
    assert after == mine.replace("max_unseen_share = 0.01", "max_unseen_share = 0.3")
    assert "# agreed in March" in after
    assert "ticket DATA-12" in after
    as_json = json.loads(run("schema", "show", "d", "--json", *ws).out)
    assert as_json["thresholds"]["max_unseen_share"] == 0.3
