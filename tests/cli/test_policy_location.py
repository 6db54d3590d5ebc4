"""Where the policy is found: --policy, DRIFTLINE_POLICY, the project's driftline.toml, then the
workspace's settings file (one more release, with a warning)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from driftline.core.errors import ConfigError
from driftline.policy.location import PolicyOrigin, find_policy, read_policy
from tests.components.conftest import make_table
from tests.conftest import WorkspaceMaker


def _policy(model: str) -> str:
    return (
        f'[model]\nname = "{model}"\ndataset = "synth"\nlabel = "label"\n'
        'trainer = "sklearn:LogisticRegression"\n\n[rollout]\nplan = "none"\n'
    )


@pytest.fixture
def project(tmp_path: Path, new_workspace: WorkspaceMaker, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository (``.git``) with a workspace in ``.driftline`` and a sub-folder ``src/pkg``,
    the current folder; no policy anywhere yet."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "src" / "pkg").mkdir(parents=True)
    with new_workspace(root / ".driftline") as ws:
        ws.ingest("synth", make_table(0), label="label")
    monkeypatch.chdir(root / "src" / "pkg")
    monkeypatch.delenv("DRIFTLINE_POLICY", raising=False)
    return root


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _trigger(run: Any, project: Path, *more: str) -> Any:
    return run("trigger", "train", "-w", str(project / ".driftline"), *more)


def test_the_project_file_is_found_from_a_sub_folder(run: Any, project: Path) -> None:
    (project / "driftline.toml").write_text(_policy("rooted"))
    res = _trigger(run, project)
    assert res.code == 0, res.err
    assert "job retrain:rooted#1 queued" in res.out
    assert _lines(res.err) == [
        f"policy from {project / 'driftline.toml'} (the project's driftline.toml)"
    ]


def test_the_option_wins_over_the_environment_and_the_project(
    run: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "driftline.toml").write_text(_policy("rooted"))
    (project / "env.toml").write_text(_policy("fromenv"))
    (project / "chosen.toml").write_text(_policy("chosen"))
    monkeypatch.setenv("DRIFTLINE_POLICY", str(project / "env.toml"))
    res = _trigger(run, project, "--policy", str(project / "chosen.toml"))
    assert res.code == 0, res.err
    assert "job retrain:chosen#1 queued" in res.out
    assert "(--policy)" in res.err
    res = _trigger(run, project)  # the environment beats the project's file
    assert res.code == 0, res.err
    assert "job retrain:fromenv#1 queued" in res.out
    assert f"policy from {project / 'env.toml'} (DRIFTLINE_POLICY)" in res.err
    monkeypatch.setenv("DRIFTLINE_POLICY", str(project / "missing.toml"))
    res = _trigger(run, project)
    assert res.code == 2
    assert _lines(res.err) == [
        f"error: DRIFTLINE_POLICY names {project / 'missing.toml'}, which is not a file"
    ]


def test_a_policy_in_the_workspace_settings_still_works_with_a_warning(
    run: Any, project: Path
) -> None:
    settings = project / ".driftline" / "driftline.toml"
    settings.write_text(settings.read_text() + _policy("legacy"))
    res = _trigger(run, project)
    assert res.code == 0, res.err
    assert "job retrain:legacy#1 queued" in res.out
    warning, said = _lines(res.err)
    assert warning.startswith(
        f"warning: the policy is read from the workspace's settings file {settings}"
    )
    assert (
        "move its [cooldown], [gate], [model], [rollout], [trigger], [window] sections" in warning
    )
    assert "to ./driftline.toml at the project root" in warning
    assert said == f"policy from {settings} (the workspace's settings file)"


def test_with_both_the_project_file_wins_and_says_so(run: Any, project: Path) -> None:
    settings = project / ".driftline" / "driftline.toml"
    settings.write_text(settings.read_text() + _policy("legacy"))
    (project / "driftline.toml").write_text(_policy("rooted"))
    res = _trigger(run, project)
    assert res.code == 0, res.err
    assert "job retrain:rooted#1 queued" in res.out
    warning, said = _lines(res.err)
    assert warning == (
        f"warning: the policy sections of the workspace's settings file {settings} are ignored: "
        f"the policy comes from {project / 'driftline.toml'}; remove them"
    )
    assert said.startswith(f"policy from {project / 'driftline.toml'}")


def test_no_policy_names_every_place_looked(run: Any, project: Path) -> None:
    (project.parent / "driftline.toml").write_text(_policy("outside"))  # above the repository
    for args in (("trigger", "train"), ("controller", "--once")):
        res = run(*args, "-w", str(project / ".driftline"))
        assert res.code == 2
        (line,) = _lines(res.err)
        here = project / "src" / "pkg"
        assert line == (
            f"error: no policy found: no --policy FILE, no DRIFTLINE_POLICY, no driftline.toml in "
            f"{here} and its parents up to {project}, nor policy sections in the workspace's "
            f"settings file {project / '.driftline' / 'driftline.toml'}; write the policy in "
            "./driftline.toml at the project root (`driftline init --policy` writes a commented "
            "one; see docs/controller.md)"
        )


def test_the_controller_names_the_policy_file_first(run: Any, project: Path) -> None:
    (project / "driftline.toml").write_text(_policy("rooted"))
    res = run("controller", "--once", "-w", str(project / ".driftline"))
    assert res.code == 0, res.err
    first = _lines(res.out)[0]
    assert first.endswith(
        f"policy from {project / 'driftline.toml'} (the project's driftline.toml)"
    )


def test_a_project_file_with_workspace_settings_is_refused(run: Any, project: Path) -> None:
    text = _policy("rooted") + '\n[store]\nartifacts = "elsewhere"\n'
    (project / "driftline.toml").write_text(text)
    res = _trigger(run, project)
    assert res.code == 2
    (line,) = _lines(res.err)
    assert line.startswith(f"error: {project / 'driftline.toml'}: [store] is a workspace setting")
    assert "DRIFTLINE_METADATA_URL" in line
    (project / "driftline.toml").write_text(_policy("rooted") + "\n[colour]\nx = 1\n")
    res = _trigger(run, project)
    assert res.code == 2
    assert "unknown section [colour]" in res.err


def test_a_workspace_at_the_project_root_shares_its_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    settings = tmp_path / "driftline.toml"
    settings.write_text('[store]\nartifacts = "artifacts"\n\n' + _policy("shared"))
    found = find_policy(start=tmp_path, env={}, workspace_settings=settings)
    assert (found.origin, found.shared, found.warning()) == (PolicyOrigin.PROJECT, True, None)
    assert read_policy(found).model.name == "shared"  # [store] is the workspace's, not refused


def test_the_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "driftline.toml").write_text(_policy("outside"))
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"and its parents up to .*repo, nor"):
        find_policy(start=tmp_path / "repo" / "a" / "b", env={}, workspace_settings=tmp_path / "x")
    (tmp_path / "repo" / "a" / "driftline.toml").write_text(_policy("nearest"))
    (tmp_path / "repo" / "driftline.toml").write_text(_policy("farther"))
    found = find_policy(start=tmp_path / "repo" / "a" / "b", env={})
    assert found.path == tmp_path / "repo" / "a" / "driftline.toml"
    assert found.base == (tmp_path / "repo" / "a").resolve()
    assert read_policy(found).model.name == "nearest"


def test_init_policy_writes_a_commented_policy_at_the_project_root(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DRIFTLINE_POLICY", raising=False)
    res = run("init", "--policy")
    assert res.code == 0, res.err
    assert "wrote ./driftline.toml: a commented policy" in res.out
    assert (tmp_path / ".driftline" / "driftline.toml").is_file()
    written = (tmp_path / "driftline.toml").read_text()
    assert "# [[trigger]]" in written
    found = find_policy(start=tmp_path, env={})
    assert read_policy(found).model.name == "my-model"
    again = run("init", "--policy")  # refused before anything is made or overwritten
    assert again.code == 2
    assert _lines(again.err) == [
        "error: ./driftline.toml exists already: edit it, or remove it first"
    ]
    assert (tmp_path / "driftline.toml").read_text() == written
    (tmp_path / "driftline.toml").unlink()
    existing = run("init", "--policy")  # the workspace exists: only the policy is written
    assert existing.code == 0, existing.err
    assert f"workspace {tmp_path / '.driftline'} exists already" in existing.out
    assert (tmp_path / "driftline.toml").read_text() == written
