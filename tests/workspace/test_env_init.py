"""A workspace defined by the environment, created on first use with DRIFTLINE_INIT=1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from driftline.workspace import Workspace
from tests.conftest import Run


@pytest.fixture
def env_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    app = tmp_path / "app"
    app.mkdir()
    monkeypatch.chdir(app)
    state = tmp_path / "state"
    env = {
        "DRIFTLINE_METADATA_URL": f"sqlite:///{state / 'metadata.db'}",
        "DRIFTLINE_ARTIFACTS_URL": str(state / "artifacts"),
    }
    state.mkdir()
    return env


def test_first_use_is_refused_then_created_with_driftline_init(
    run: Run, env_only: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env_only.items():
        monkeypatch.setenv(key, value)
    refused = run("status")
    assert refused.code == 2
    assert "holds no driftline workspace yet" in refused.err
    assert "DRIFTLINE_INIT=1" in refused.err
    monkeypatch.setenv("DRIFTLINE_INIT", "1")
    made = run("status", "--store", "--json")
    assert made.code == 0, made.err
    shown = json.loads(made.out)
    assert shown["metadata_url"] == env_only["DRIFTLINE_METADATA_URL"]
    assert shown["workspace"].startswith("the environment (DRIFTLINE_METADATA_URL")
    assert list(Path.cwd().iterdir()) == []


def test_init_from_env_refuses_a_second_time_and_writes_no_file(
    env_only: dict[str, str],
) -> None:
    from driftline.core.errors import ConfigError, WorkspaceExistsError

    with Workspace.init_from_env(env_only) as ws:
        assert ws.settings.from_env
    with Workspace.open(env=env_only) as ws:
        assert ws.settings.artifacts_url == env_only["DRIFTLINE_ARTIFACTS_URL"]
    with pytest.raises(WorkspaceExistsError, match="already holds a driftline workspace"):
        Workspace.init_from_env(env_only)
    with pytest.raises(ConfigError, match="needs both DRIFTLINE_METADATA_URL"):
        Workspace.init_from_env({"DRIFTLINE_METADATA_URL": env_only["DRIFTLINE_METADATA_URL"]})
    assert list(Path.cwd().iterdir()) == []
