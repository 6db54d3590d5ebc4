"""``driftline runs list`` and ``runs show``: whole ids, prefixes, latest, durations, metrics."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import WorkspaceMaker

PIPELINE = """
from driftline.pipeline import JsonArtifact, Metrics, Pipeline, StepContext, step


@step
def make(n: int = 3) -> JsonArtifact:
    return list(range(n))


@step
def score(make: JsonArtifact) -> Metrics:
    return {"total": float(sum(make))}


@step
def watch(ctx: StepContext, make: JsonArtifact) -> JsonArtifact:
    ctx.log_metric("loss", 0.125)
    return len(make)


pipeline = Pipeline("{name}", [make, score, watch])
"""


@pytest.fixture
def project(run: Any, tmp_path: Path, new_workspace: WorkspaceMaker) -> dict[str, str]:
    """A workspace and two pipeline files (pipelines ``churn-training`` and ``other``)."""
    folder = tmp_path / "ws"
    assert run("init", str(folder), *new_workspace.init_args()).code == 0
    files = {"ws": str(folder)}
    for name in ("churn-training", "other"):
        path = tmp_path / f"{name}.py"
        path.write_text(PIPELINE.replace("{name}", name))
        files[name] = str(path)
    return files


def _run(run: Any, project: dict[str, str], name: str, *args: str) -> dict[str, Any]:
    res = run("run", project[name], "--json", "-w", project["ws"], *args)
    assert res.code == 0, res.err
    found: dict[str, Any] = json.loads(res.out)
    return found


def test_list_shows_whole_short_ids_at_80_columns_and_full_ids_in_json(
    run: Any, project: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [_run(run, project, "churn-training", "-p", f"n={n}")["run"] for n in (3, 4)]
    monkeypatch.setenv("COLUMNS", "80")
    res = run("runs", "list", "-w", project["ws"])
    assert res.code == 0, res.err
    assert max(len(line) for line in res.out.splitlines()) <= 80
    for run_id in ids:
        assert run_id[-8:] in res.out  # the short id, whole
    assert "…" not in res.out
    listed = json.loads(run("runs", "list", "--json", "-w", project["ws"]).out)
    assert [r["run"] for r in listed] == ids[::-1]
    assert [r["id"] for r in listed] == [i[-8:] for i in ids[::-1]]
    assert all(r["seconds"] is not None and r["seconds"] >= 0 for r in listed)


def test_show_latest(run: Any, project: dict[str, str]) -> None:
    _run(run, project, "churn-training")
    newest = _run(run, project, "other")["run"]
    res = run("runs", "show", "latest", "-w", project["ws"])
    assert res.code == 0, res.err
    assert newest in res.out
    shown = json.loads(run("runs", "show", "latest", "--json", "-w", project["ws"]).out)
    assert shown["run"] == newest
    assert shown["pipeline"] == "other"


def test_show_by_an_8_character_prefix(run: Any, project: dict[str, str]) -> None:
    wanted = _run(run, project, "churn-training")["run"]
    other = _run(run, project, "other")["run"]
    for prefix in (wanted[-8:], other[:8]):  # a short id; "other-20", a prefix of a whole id
        res = run("runs", "show", prefix, "--json", "-w", project["ws"])
        assert res.code == 0, res.err
        assert json.loads(res.out)["run"] in (wanted, other)
    assert (
        json.loads(run("runs", "show", wanted[-8:], "--json", "-w", project["ws"]).out)["run"]
        == wanted
    )


def test_an_ambiguous_prefix_is_exit_2_listing_the_runs(run: Any, project: dict[str, str]) -> None:
    ids = [_run(run, project, "churn-training", "-p", f"n={n}")["run"] for n in (3, 4)]
    res = run("runs", "show", "churn-tr", "-w", project["ws"])
    assert res.code == 2
    assert "ambiguous" in res.err
    for run_id in ids:
        assert run_id in res.err
    assert res.out == ""


def test_an_unknown_run_is_exit_2(run: Any, project: dict[str, str]) -> None:
    _run(run, project, "other")
    res = run("runs", "show", "deadbeef", "-w", project["ws"])
    assert res.code == 2
    assert "'deadbeef'" in res.err
    assert "runs list" in res.err


def test_show_prints_steps_durations_params_outputs_and_metrics(
    run: Any, project: dict[str, str]
) -> None:
    done = _run(run, project, "churn-training", "-p", "n=5")
    res = run("runs", "show", done["run"], "-w", project["ws"])
    assert res.code == 0, res.err
    for text in ("make", "score", "watch", "COMPLETE", "make.n", "loss", "0.125", "total", "10"):
        assert text in res.out, text
    score_output = done["steps"]["score"]["outputs"]["score"]
    assert f"#{score_output} metrics score.score" in res.out

    shown = json.loads(run("runs", "show", done["run"], "--json", "-w", project["ws"]).out)
    steps = {s["step"]: s for s in shown["steps"]}
    assert steps["score"]["metrics"] == {"total": 10.0}
    assert steps["watch"]["metrics"] == {"loss": 0.125}
    assert steps["make"]["parameters"] == {"n": 5}
    assert steps["score"]["outputs"] == [
        {"port": "score", "artifact": score_output, "kind": "metrics", "name": "score.score"}
    ]
    for s in steps.values():
        assert s["state"] == "COMPLETE"
        assert s["started_at"] <= s["ended_at"]
        assert s["seconds"] >= 0
    assert shown["status"] == "COMPLETE"


def test_a_cached_run_shows_the_metrics_it_reuses(run: Any, project: dict[str, str]) -> None:
    _run(run, project, "other")
    again = _run(run, project, "other")
    shown = json.loads(run("runs", "show", "latest", "--json", "-w", project["ws"]).out)
    assert shown["run"] == again["run"]
    steps = {s["step"]: s for s in shown["steps"]}
    assert steps["score"]["state"] == "CACHED"
    assert steps["score"]["cached_from"] is not None
    assert steps["score"]["metrics"] == {"total": 3.0}


FAILING = """
from driftline.pipeline import JsonArtifact, Pipeline, step


@step
def make() -> JsonArtifact:
    return [1]


@step
def boom(make: JsonArtifact) -> JsonArtifact:
    raise RuntimeError("asked [bold]to[/] fail")


@step
def after(boom: JsonArtifact) -> JsonArtifact:
    return 1


pipeline = Pipeline("failing", [make, boom, after])
"""


def test_show_a_failed_run(run: Any, project: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "failing.py"
    path.write_text(FAILING)
    assert run("run", str(path), "-w", project["ws"]).code == 1
    res = run("runs", "show", "latest", "-w", project["ws"])
    assert res.code == 0, res.err
    assert "FAILED" in res.out
    assert "RuntimeError: asked [bold]to[/] fail" in res.out  # shown as written, not as markup
    assert "CANCELED" in res.out
    assert "canceled: boom failed" in res.out
    assert "no metrics" in res.out


def test_list_and_show_the_git_commit(
    run: Any, project: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pipeline.py").write_text(PIPELINE.replace("{name}", "gitted"))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "pipeline.py"], ["commit", "-q", "-m", "first"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True, timeout=30)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert run("run", str(repo / "pipeline.py"), "-w", project["ws"]).code == 0
    shown = json.loads(run("runs", "show", "latest", "--json", "-w", project["ws"]).out)
    assert (shown["git_commit"], shown["git_dirty"]) == (head, False)
    listed = run("runs", "list", "-w", project["ws"])
    assert head[:8] in listed.out
    text = run("runs", "show", "latest", "-w", project["ws"]).out
    assert head[:8] in text


def test_show_help_says_what_it_takes_and_shows(run: Any) -> None:
    res = run("runs", "show", "--help")
    assert res.code == 0
    for text in ("latest", "prefix", "durations", "metrics", "driftline runs show latest"):
        assert text in res.out, text
