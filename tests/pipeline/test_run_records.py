"""Runs you can find: step metrics, the git commit of the pipeline's code, run lookup."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from driftline.core.errors import InputError
from driftline.pipeline import (
    JsonArtifact,
    Metrics,
    Pipeline,
    StepContext,
    StepFailedError,
    load_pipeline_file,
    run_pipeline,
    step,
)
from driftline.pipeline.errors import AmbiguousRunError, RunNotFoundError
from driftline.pipeline.git_state import git_state
from driftline.pipeline.run_lookup import find_run, short_run_id
from driftline.pipeline.run_record import read_run
from driftline.store.queries import ContextQuery
from driftline.workspace import Workspace


@step
def numbers(n: int = 4) -> JsonArtifact:
    return list(range(n))


@step
def mean(numbers: JsonArtifact) -> Metrics:
    return {"mean": sum(numbers) / len(numbers), "count": len(numbers)}


@step
def watch(ctx: StepContext, numbers: JsonArtifact) -> JsonArtifact:
    ctx.log_metric("seen", len(numbers))
    ctx.log_metric("seen", len(numbers) * 2)  # the last value wins
    return max(numbers)


class Both(NamedTuple):
    total: JsonArtifact
    quality: Metrics


@step
def split(numbers: JsonArtifact) -> Both:
    return Both(sum(numbers), {"share": 0.5})


def _metrics(ws: Workspace, run_id: str) -> dict[str, dict[str, float]]:
    record = read_run(ws.metadata, find_run(ws.metadata, run_id))
    return {s.step: dict(s.metrics) for s in record.steps}


def test_returned_and_logged_metrics_are_recorded(ws: Workspace) -> None:
    pipeline = Pipeline("stats", [numbers, mean, watch, split])
    done = run_pipeline(ws, pipeline, params={"n": 5}, progress=False)
    expected = {
        "numbers": {},
        "mean": {"mean": 2.0, "count": 5.0},
        "watch": {"seen": 10.0},
        "split": {"quality.share": 0.5},
    }
    assert {name: dict(s.metrics) for name, s in done.steps.items()} == expected
    assert _metrics(ws, done.run_id) == expected
    assert done.to_dict()["steps"]["mean"]["metrics"] == {"mean": 2.0, "count": 5.0}


def test_a_cached_step_repeats_the_metrics_it_reuses(ws: Workspace) -> None:
    pipeline = Pipeline("stats", [numbers, mean, watch])
    run_pipeline(ws, pipeline, progress=False)
    again = run_pipeline(ws, pipeline, progress=False)
    assert again.states()["mean"].value == "CACHED"
    assert again.states()["watch"].value == "CACHED"
    assert _metrics(ws, again.run_id) == {
        "numbers": {},
        "mean": {"mean": 1.5, "count": 4.0},
        "watch": {"seen": 8.0},
    }


def test_a_bad_metric_fails_the_step_naming_it(ws: Workspace) -> None:
    @step
    def bad(ctx: StepContext) -> JsonArtifact:
        ctx.log_metric("loss", float("nan"))
        return 1

    with pytest.raises(StepFailedError) as info:
        run_pipeline(ws, Pipeline("bad", [bad]), progress=False)
    assert "metric 'loss' must be a finite number" in (info.value.result.steps["bad"].error or "")


def test_find_run_by_id_prefix_short_id_and_latest(ws: Workspace) -> None:
    first = run_pipeline(ws, Pipeline("alpha", [numbers]), progress=False).run_id
    second = run_pipeline(ws, Pipeline("alpha", [numbers, mean]), progress=False).run_id
    other = run_pipeline(ws, Pipeline("beta", [numbers]), progress=False).run_id
    md = ws.metadata
    assert find_run(md, "latest").name == other
    assert find_run(md, "latest", pipeline="alpha").name == second
    assert find_run(md, first).name == first
    assert find_run(md, f"run:{first}").name == first
    assert find_run(md, short_run_id(second)).name == second
    assert find_run(md, other[:8]).name == other  # "beta-202": a unique prefix of one id
    with pytest.raises(AmbiguousRunError) as info:
        find_run(md, "alpha-")
    assert set(info.value.candidates) == {first, second}
    assert first in str(info.value)
    assert second in str(info.value)
    with pytest.raises(RunNotFoundError, match="'zzz'"):
        find_run(md, "zzz")
    with pytest.raises(RunNotFoundError, match="of pipeline 'beta'"):
        find_run(md, first, pipeline="beta")
    with pytest.raises(InputError, match="not a run reference"):
        find_run(md, "a b")


def test_latest_in_an_empty_workspace_is_not_found(ws: Workspace) -> None:
    with pytest.raises(RunNotFoundError, match="no runs yet"):
        find_run(ws.metadata, "latest")


def test_a_prefix_with_sql_wildcards_is_taken_literally(ws: Workspace) -> None:
    run_pipeline(ws, Pipeline("alpha", [numbers]), progress=False)
    assert ws.metadata.contexts(ContextQuery(kind="run", name_contains="a_pha")) == []
    assert len(ws.metadata.contexts(ContextQuery(kind="run", name_contains="alpha"))) == 1
    with pytest.raises(InputError, match="not a run reference"):
        find_run(ws.metadata, "%")


# -- git ------------------------------------------------------------------------------------------

PIPELINE_FILE = """
from driftline.pipeline import JsonArtifact, Pipeline, step


@step
def one() -> JsonArtifact:
    return 1


pipeline = Pipeline("gitted", [one])
"""


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding a committed pipeline file (git looks no higher than it)."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "pipeline.py").write_text(PIPELINE_FILE)
    _git(folder, "init", "-q")
    _git(folder, "add", "pipeline.py")
    _git(folder, "commit", "-q", "-m", "pipeline")
    return folder


def test_a_run_records_the_commit_of_its_pipeline_file(ws: Workspace, repo: Path) -> None:
    head = _git(repo, "rev-parse", "HEAD")
    pipeline = load_pipeline_file(repo / "pipeline.py")
    assert pipeline.source == str((repo / "pipeline.py").resolve())
    clean = run_pipeline(ws, pipeline, progress=False)
    props = ws.metadata.get_context_by_name("run", clean.run_id).properties
    assert (props["git_commit"], props["git_dirty"]) == (head, False)

    (repo / "pipeline.py").write_text(PIPELINE_FILE + "\n# changed\n")
    dirty = run_pipeline(ws, load_pipeline_file(repo / "pipeline.py"), progress=False)
    props = ws.metadata.get_context_by_name("run", dirty.run_id).properties
    assert (props["git_commit"], props["git_dirty"]) == (head, True)


def test_untracked_files_do_not_make_a_run_dirty(repo: Path) -> None:
    (repo / "notes.txt").write_text("scratch")
    state = git_state(repo / "pipeline.py")
    assert state is not None
    assert state.dirty is False


def test_nothing_is_recorded_outside_a_repository(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "pipeline.py").write_text(PIPELINE_FILE)
    done = run_pipeline(ws, load_pipeline_file(folder / "pipeline.py"), progress=False)
    props = ws.metadata.get_context_by_name("run", done.run_id).properties
    assert "git_commit" not in props
    assert "git_dirty" not in props


def test_nothing_is_recorded_when_git_is_missing(
    ws: Workspace, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", os.fspath(repo / "no-binaries-here"))
    done = run_pipeline(ws, load_pipeline_file(repo / "pipeline.py"), progress=False)
    assert done.status.value == "COMPLETE"
    props = ws.metadata.get_context_by_name("run", done.run_id).properties
    assert "git_commit" not in props


def test_a_pipeline_built_outside_a_file_has_no_source() -> None:
    namespace: dict[str, object] = {"Pipeline": Pipeline, "numbers": numbers}
    exec("made = Pipeline('inline', [numbers])", namespace)  # code without a file
    made = namespace["made"]
    assert isinstance(made, Pipeline)
    assert made.source is None
    assert git_state(None) is None
