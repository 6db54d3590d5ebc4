"""Plain files need no workspace: ``drift a.csv b.csv`` and ``profile a.csv`` in an empty folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Run


def _csv(path: Path, shift: float, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    values = rng.normal(shift, 1.0, 300)
    path.write_text("x,c\n" + "".join(f"{v:.4f},{'ab'[i % 2]}\n" for i, v in enumerate(values)))
    return path


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_drift_of_two_files_in_an_empty_folder(run: Run, empty: Path, tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", 0.0, 1)
    b = _csv(tmp_path / "b.csv", 2.0, 2)
    done = run("drift", str(a), str(b), "--json", "-")
    assert done.code == 0, done.err
    report = json.loads(done.out)
    assert report["dataset_drift"] is True
    assert "workspace" not in done.err
    assert list(empty.iterdir()) == []  # nothing recorded, no workspace made
    same = run("drift", str(a), str(a), "--fail-on-drift")
    assert same.code == 0, same.err


def test_a_dataset_reference_still_needs_a_workspace(run: Run, empty: Path, tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", 0.0, 1)
    done = run("drift", "elec2", str(a))
    assert done.code == 2
    assert "is not a driftline workspace" in done.err
    assert "driftline init" in done.err


def test_profile_of_a_file_in_an_empty_folder(run: Run, empty: Path, tmp_path: Path) -> None:
    done = run("profile", str(_csv(tmp_path / "a.csv", 0.0, 1)), "--json", "-")
    assert done.code == 0, done.err
    assert json.loads(done.out)["num_rows"] == 300
    assert list(empty.iterdir()) == []


def test_an_unknown_variable_warns_and_the_command_runs(
    run: Run, empty: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from driftline.core import settings

    monkeypatch.setattr(settings, "_warned", set())
    monkeypatch.setenv("DRIFTLINE_WORKSPCE", str(tmp_path / "ws"))
    a = _csv(tmp_path / "a.csv", 0.0, 1)
    first = run("drift", str(a), str(a))
    assert first.code == 0, first.err
    assert "unknown environment variable DRIFTLINE_WORKSPCE" in first.err
    assert "did you mean DRIFTLINE_WORKSPACE?" in first.err
    again = run("drift", str(a), str(a))
    assert "DRIFTLINE_WORKSPCE" not in again.err  # once per process
