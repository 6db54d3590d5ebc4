"""Exit codes as documented: something that does not exist, or a bad name, is 2 with one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import WorkspaceMaker


def _workspace(tmp_path: Path, new_workspace: WorkspaceMaker) -> str:
    folder = tmp_path / "ws"
    with new_workspace(folder):
        pass
    return str(folder)


def test_spans_of_an_unknown_dataset_is_exit_2_listing_the_datasets(
    run: Any, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    ws = _workspace(tmp_path, new_workspace)
    res = run("spans", "nosuch", "-w", ws)
    assert res.code == 2
    assert res.err.strip() == "error: no dataset named 'nosuch'; datasets: none"


def test_rollout_status_of_a_bad_model_name_is_exit_2(
    run: Any, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    ws = _workspace(tmp_path, new_workspace)
    res = run("rollout", "status", "../../etc/passwd", "-w", ws)
    assert res.code == 2
    assert "../../etc/passwd" in res.err
    assert run("rollout", "status", "churn", "-w", ws).code == 0  # a good name with none: 0


def test_init_in_a_folder_that_cannot_be_made_is_exit_2_naming_it(run: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    res = run("init", str(blocker / "ws"))
    assert res.code == 2
    line = res.err.strip()
    assert line.startswith(f"error: {blocker}")
    assert "internal error" not in line
