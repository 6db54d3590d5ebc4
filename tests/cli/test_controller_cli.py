"""``driftline trigger`` and ``driftline controller``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from driftline.controller.jobs import JobQueue, JobStatus
from driftline.workspace import Workspace
from tests.components.conftest import make_table
from tests.conftest import WorkspaceMaker

POLICY = """
[model]
name = "synth"
dataset = "synth"
label = "label"
trainer = "sklearn:LogisticRegression"

[[trigger]]
kind = "cron"
schedule = "0 3 * * *"

[rollout]
plan = "none"
"""

PARAMS = ["--param", "requests=5", "--param", 'exclude=["region"]']


@pytest.fixture
def folder(tmp_path: Path, new_workspace: WorkspaceMaker, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace in a project whose driftline.toml holds the policy (the current folder);
    dataset ``synth`` has one span."""
    with new_workspace(tmp_path / "ws") as ws:
        ws.ingest("synth", make_table(0), label="label")
    (tmp_path / "driftline.toml").write_text(POLICY)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "ws"


def _error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


def test_trigger_queues_one_job_and_records_the_second_onto_it(run: Any, folder: Path) -> None:
    first = run("trigger", "train", "--reason", "new labels arrived", "-w", str(folder))
    assert first.code == 0, first.err
    assert "job retrain:synth#1 queued" in first.out
    second = run("trigger", "train", "-w", str(folder), "--json")
    assert second.code == 0, second.err
    shown = json.loads(second.out)
    assert shown["outcome"] == "deduplicated"
    assert (shown["job"]["name"], shown["job"]["status"]) == ("retrain:synth#1", "pending")
    assert shown["job"]["triggers"][0]["reason"] == "new labels arrived"
    plain = run("trigger", "train", "-w", str(folder))
    assert "is pending already: this trigger was recorded onto it" in plain.out
    with Workspace.open(folder) as ws:
        (job,) = JobQueue(ws.metadata).jobs()
        assert [t["outcome"] for t in JobQueue(ws.metadata).triggers(job)] == [
            "enqueued",
            "deduplicated",
            "deduplicated",
        ]


def test_trigger_of_an_unknown_pipeline_is_bad_input(run: Any, folder: Path) -> None:
    res = run("trigger", "predict", "-w", str(folder))
    assert res.code == 2
    assert "unknown pipeline 'predict'; the controller runs: train" in _error(res.err)


def test_a_workspace_without_a_policy_says_how_to_add_one(
    run: Any, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    new_workspace(tmp_path / "bare").close()
    res = run("trigger", "train", "-w", str(tmp_path / "bare"))
    assert res.code == 2
    assert "no policy found: no --policy FILE, no DRIFTLINE_POLICY" in _error(res.err)
    res = run("controller", "--once", "-w", str(tmp_path / "bare"))
    assert res.code == 2


def test_a_bad_policy_file_names_the_key(run: Any, folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[model]\nname = "m"\ndataset = "d"\nlabel = "y"\n[cooldown]\nminutes = -1\n')
    res = run("controller", "--once", "--policy", str(bad), "-w", str(folder))
    assert res.code == 2
    assert "cooldown.minutes must be a number >= 0" in _error(res.err)
    res = run("controller", "--once", "-w", str(folder), "--param", "nope=1")
    assert res.code == 2
    assert "nope" in _error(res.err)


def test_controller_once_runs_the_queued_job(run: Any, folder: Path) -> None:
    assert run("trigger", "train", "-w", str(folder), *PARAMS).code == 0
    res = run("controller", "--once", "-w", str(folder), *PARAMS)
    assert res.code == 0, res.err
    assert "trigger[0] (cron) not fired: schedule '0 3 * * *' armed" in res.out
    assert "job retrain:synth#1: attempt 1 by " in res.out
    assert "job retrain:synth#1: complete — registered synth:1 as champion" in res.out
    again = run("controller", "--once", "-w", str(folder), "--json", *PARAMS)
    assert again.code == 0, again.err
    tick = json.loads(again.out)
    assert tick["jobs"] == []
    assert [d["outcome"] for d in tick["decisions"]] == ["not_fired"]
    with Workspace.open(folder) as ws:
        (job,) = JobQueue(ws.metadata).jobs()
        assert job.status is JobStatus.COMPLETE


def test_controller_once_exits_1_when_a_job_fails(run: Any, folder: Path) -> None:
    bad = ["--param", "trainer=sklearn:NoSuchEstimator"]
    assert run("trigger", "train", "-w", str(folder), *bad).code == 0  # a job keeps its params
    res = run("controller", "--once", "--json", "-w", str(folder))
    assert res.code == 1
    (job,) = json.loads(res.out)["jobs"]
    assert job["status"] == "failed"
    assert "NoSuchEstimator" in job["error"]
    assert "error: job retrain:synth#1 failed" in res.err


def test_the_loop_stops_on_sigterm(folder: Path) -> None:
    command = [sys.executable, "-m", "driftline", "controller", "--tick", "0.2"]
    child = subprocess.Popen(
        [*command, "-w", str(folder)],
        cwd=folder.parent,  # the project: its driftline.toml holds the policy
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lines = []
    deadline = time.monotonic() + 60
    while not any("not fired" in line for line in lines):  # it ticked
        assert time.monotonic() < deadline, lines
        line = child.stdout.readline()
        assert line or child.poll() is None, child.stderr.read() if child.stderr else ""
        lines.append(line)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert "SIGTERM: stopping after the current step" in out
    assert out.rstrip().endswith("controller stopped")


def test_status_shows_two_failed_retrains_with_their_reasons(run: Any, folder: Path) -> None:
    for _ in range(2):
        bad = ["--param", "trainer=sklearn:NoSuchEstimator"]
        assert run("trigger", "train", "-w", str(folder), *bad).code == 0
        assert run("controller", "--once", "-w", str(folder)).code == 1
    res = run("status", "-w", str(folder))
    assert res.code == 0, res.err
    lines = [line for line in res.out.splitlines() if "retrain:synth#" in line]
    assert [("#2" in lines[0]), ("#1" in lines[1])] == [True, True]
    assert all("failed" in line for line in lines)
    assert res.out.count("NoSuchEstimator") >= 2  # each failure with its reason, not "FAILED 2"
    shown = json.loads(run("status", "-w", str(folder), "--json").out)
    jobs = shown["jobs"]
    assert [j["status"] for j in jobs] == ["failed", "failed"]
    assert all("NoSuchEstimator" in j["error"] for j in jobs)
    assert shown["controllers"] == [
        {**shown["controllers"][0], "model": "synth", "state": "alive"}
    ]  # it ticked just now: its heartbeat is fresh
    store = json.loads(run("status", "--store", "-w", str(folder), "--json").out)
    assert store["contexts"]["job"] == 2
