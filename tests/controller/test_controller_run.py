"""Running jobs: one run for two triggers, one runner for two controllers, a clean restart."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from driftline.controller.jobs import JobQueue, JobStatus
from driftline.controller.leases import LEASE_KIND, Leases
from driftline.controller.loop import Controller
from driftline.controller.outcome import push_result
from driftline.core.clock import ManualClock
from driftline.pipeline import run_pipeline
from driftline.registry import ModelRegistry
from driftline.rollout.requests import rollout_requester
from driftline.rollout.store import RolloutStore
from driftline.store.queries import ContextQuery, ExecutionQuery
from driftline.store.records import ContextRef, ExecutionState
from driftline.workspace import Workspace
from tests.controller import controller_children as spawned
from tests.controller.controller_fixtures import (
    RUN_PARAMS,
    T0,
    controller,
    make_table,
    policy,
    trigger_records,
)
from tests.pipeline.test_resume import _wait_for

pytestmark = pytest.mark.usefixtures("synth_span")  # ws holds span 1 of synth

DONE = frozenset({ExecutionState.COMPLETE, ExecutionState.CACHED})
STEPS = [
    "window",
    "schema",
    "validate",
    "profile",
    "train",
    "champion",
    "evaluate",
    "monitor_reference",
    "infra_validate",
    "push",
]


def _runs(ws: Workspace) -> list[str]:
    return [c.name for c in ws.metadata.contexts(ContextQuery(kind="run"))]


def _finished_per_step(ws: Workspace, run_id: str) -> Counter[str]:
    """How many times each step of the run finished (recorded COMPLETE or CACHED)."""
    executions = ws.metadata.executions(ExecutionQuery(context=ContextRef("run", run_id)))
    return Counter(e.kind for e in executions if e.state in DONE and e.kind in STEPS)


def test_two_controllers_firing_and_ticking_at_once_run_one_job_once(ws: Workspace) -> None:
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    folder = str(ws.settings.workspace)
    children = [
        spawn.Process(target=spawned.trigger_and_tick, args=(folder, i, barrier, results))
        for i in range(2)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=240)
    assert [c.exitcode for c in children] == [0, 0]
    reports = [results.get(timeout=5) for _ in children]

    assert sorted(r["outcome"] for r in reports) == ["deduplicated", "enqueued"]
    ran = [j for r in reports for j in r["jobs"]]
    assert [(j["job"], j["status"]) for j in ran] == [("retrain:synth#1", "complete")]
    (job,) = JobQueue(ws.metadata).jobs()
    assert (job.status, job.attempts) == (JobStatus.COMPLETE, 1)
    assert _runs(ws) == [job.run_id]
    assert all(n == 1 for n in _finished_per_step(ws, str(job.run_id)).values())
    assert [c.name for c in ws.metadata.contexts(ContextQuery(kind=LEASE_KIND))] == [
        "retrain:synth#1@1"
    ]
    assert sorted(r["outcome"] for r in trigger_records(ws)) == ["deduplicated", "enqueued"]
    assert ModelRegistry(ws.metadata, ws.artifacts).aliases("synth") == {"champion": 1}


TRAINER = textwrap.dedent(
    """
    from pathlib import Path

    from sklearn.linear_model import LogisticRegression

    CONTROL = Path(__file__).parent / "control"


    def fit(features, target, **params):
        with open(CONTROL / "fits", "a") as f:
            f.write("fit\\n")
        if not (CONTROL / "release").exists():
            (CONTROL / "train.started").touch()
            with open(CONTROL / "gate") as gate:  # a FIFO: blocks until the test writes
                gate.read()
        return LogisticRegression().fit(features.to_pandas(), target)
    """
)

POLICY_FILE = textwrap.dedent(
    """
    [model]
    name = "synth"
    dataset = "synth"
    label = "label"
    trainer = "trainer.py:fit"

    [rollout]
    plan = "none"
    """
)


def test_a_controller_killed_in_train_is_resumed_by_the_next_one(
    ws: Workspace, tmp_path: Path
) -> None:
    control = tmp_path / "control"
    control.mkdir()
    os.mkfifo(control / "gate")
    (tmp_path / "trainer.py").write_text(TRAINER)
    (tmp_path / "policy.toml").write_text(POLICY_FILE)
    from driftline.policy.model import load_policy

    chosen = load_policy(tmp_path / "policy.toml")
    controller(ws, chosen, base=tmp_path).trigger("train", reason="before the crash")

    command = [
        sys.executable,
        "-m",
        "driftline",
        "controller",
        "--once",
        "--workspace",
        str(ws.settings.workspace),
        "--policy",
        str(tmp_path / "policy.toml"),
        "--lease",
        "2",
    ]
    for key, value in RUN_PARAMS.items():
        command += ["--param", f"{key}={json.dumps(value)}"]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(control / "train.started", child, deadline_s=120.0)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    queue = JobQueue(ws.metadata)
    (job,) = queue.jobs()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)
    assert job.run_id is not None  # written as soon as the run started
    before = {
        e.kind: e.state
        for e in ws.metadata.executions(ExecutionQuery(context=ContextRef("run", job.run_id)))
    }
    assert before["train"] is ExecutionState.RUNNING
    held = Leases(ws.metadata).latest(job.name)
    assert held is not None
    assert (held.attempt, held.released) == (1, False)

    # Another controller after the dead one's lease expired (its clock a minute later).
    later = ManualClock(datetime.now(UTC) + timedelta(seconds=60))
    before_expiry = ManualClock(held.expires_at - timedelta(seconds=1))
    assert controller(ws, chosen, before_expiry, base=tmp_path).run_jobs() == []  # still held
    (control / "release").touch()
    lines: list[str] = []
    (result,) = controller(ws, chosen, later, lines, base=tmp_path).run_jobs()

    assert (result.status, result.attempt, result.run_id) == (JobStatus.COMPLETE, 2, job.run_id)
    assert any(f"resuming run {job.run_id}" in line for line in lines)
    assert _runs(ws) == [job.run_id]  # the same run, resumed
    finished = _finished_per_step(ws, job.run_id)
    assert sorted(finished) == sorted(STEPS)
    assert set(finished.values()) == {1}  # every finished step ran (or was recorded) once
    trains = [
        e.state
        for e in ws.metadata.executions(
            ExecutionQuery(kind="train", context=ContextRef("run", job.run_id))
        )
    ]
    assert sorted(trains) == [ExecutionState.COMPLETE, ExecutionState.FAILED]  # abandoned
    assert (control / "fits").read_text().splitlines() == ["fit", "fit"]
    registers = ws.metadata.executions(
        ExecutionQuery(kind="register", context=ContextRef("run", job.run_id))
    )
    assert len(registers) == 1
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    assert [v.number for v in registry.versions("synth")] == [1]  # registered once
    assert registry.aliases("synth") == {"champion": 1}
    done = queue.get(job.name)
    assert (done.status, done.properties["crashes"]) == (JobStatus.COMPLETE, 1)
    assert done.outcome is not None
    assert (done.outcome["pushed"], done.outcome["version"]) == (True, 1)


def test_a_job_whose_run_completed_is_finished_without_running_again(ws: Workspace) -> None:
    """The controller died after the run completed, before it marked the job complete."""
    clock = ManualClock(T0)
    ctl = controller(ws, policy(), clock)
    job = ctl.trigger("train").job
    dead = Leases(ws.metadata, owner="dead", seconds=30, clock=clock)
    assert dead.claim(job.name) is not None
    queue = JobQueue(ws.metadata)
    job = queue.update(job, status=JobStatus.RUNNING, attempts=1)
    params = {**job.params, "push.alias": "champion"}
    run = run_pipeline(ws, ctl.parts.pipeline(), params=params, progress=False)
    queue.update(job, run_id=run.run_id)
    executions = len(ws.metadata.executions(ExecutionQuery(context=ContextRef("run", run.run_id))))

    clock.advance(31)
    lines: list[str] = []
    (result,) = controller(ws, policy(), clock, lines).run_jobs()
    assert (result.status, result.attempt, result.run_id) == (JobStatus.COMPLETE, 2, run.run_id)
    assert any("completed already" in line for line in lines)
    assert result.outcome is not None
    assert (result.outcome["pushed"], result.outcome["version"]) == (True, 1)
    after = ws.metadata.executions(ExecutionQuery(context=ContextRef("run", run.run_id)))
    assert len(after) == executions  # nothing ran again
    assert _runs(ws) == [run.run_id]


def test_stop_between_steps_then_the_next_controller_resumes(ws: Workspace) -> None:
    lines: list[str] = []
    holder: list[Controller] = []

    def log(line: str) -> None:
        lines.append(line)
        if "step validate COMPLETE" in line:
            holder[0].stop()  # as SIGTERM does

    first = Controller(
        ws,
        policy(),
        clock=ManualClock(T0),
        params=RUN_PARAMS,
        rollouts=rollout_requester(ws.metadata),
        log=log,
    )
    holder.append(first)
    first.trigger("train")
    (stopped,) = first.run_jobs()
    assert (stopped.status, stopped.error) == (
        JobStatus.RUNNING,
        "the controller was asked to stop",
    )
    assert stopped.run_id is not None
    lease = Leases(ws.metadata).latest("retrain:synth#1")
    assert lease is not None
    assert lease.released  # the next controller need not wait for it to expire

    (resumed,) = controller(ws, policy(), ManualClock(T0)).run_jobs()
    assert (resumed.status, resumed.attempt, resumed.run_id) == (
        JobStatus.COMPLETE,
        2,
        stopped.run_id,
    )
    finished = _finished_per_step(ws, stopped.run_id)
    assert sorted(finished) == sorted(STEPS)
    assert set(finished.values()) == {1}
    assert JobQueue(ws.metadata).get("retrain:synth#1").properties["crashes"] == 0


def test_a_canary_rollout_is_requested_after_a_retrain(ws: Workspace) -> None:
    chosen = policy(
        gate={"tolerance": 0.5},
        rollout={
            "plan": "canary",
            "steps": [10, 50, 100],
            "hold_requests": 200,
            "hold_minutes": 1.5,
            "min_labels": 30,
            "error_margin": 0.05,
        },
    )
    ctl = controller(ws, chosen, ManualClock(T0))
    ctl.trigger("train", reason="the first model")
    (first,) = ctl.run_jobs()
    assert first.outcome is not None
    assert (first.outcome["version"], first.outcome["alias"]) == (1, "champion")  # no champion yet
    assert RolloutStore(ws.metadata).all() == []

    ws.ingest("synth", make_table(1), label="label")
    ctl.trigger("train", reason="new data")
    (second,) = ctl.run_jobs()
    assert second.status is JobStatus.COMPLETE
    assert second.outcome is not None
    assert (second.outcome["version"], second.outcome["alias"]) == (2, None)
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    assert registry.aliases("synth") == {"champion": 1}  # the rollout promotes it, not the job
    (rollout,) = RolloutStore(ws.metadata).all("synth")
    assert rollout.name == second.outcome["rollout"]
    assert rollout.status.value == "pending"
    spec = rollout.spec
    assert (spec.champion, spec.candidate, spec.plan.value) == (1, 2, "canary")
    assert (spec.steps, spec.hold_requests) == ((10.0, 50.0, 100.0), 200)
    assert spec.settings == chosen.rollout  # the policy's settings reach the rollout as they are
    assert (spec.hold_seconds, spec.min_labels, spec.error_margin) == (90.0, 30, 0.05)
    assert spec.tolerance == 0.5  # the gate's, as the rollout sets none of its own
    assert "retrain:synth#2" in rollout.reason
    pushed = push_result(ctl.parts, str(second.run_id))
    assert pushed is not None  # push names the champion it was judged against: looked up once
    assert (pushed.version, pushed.champion, pushed.alias, pushed.needs_rollout) == (
        2,
        1,
        None,
        True,
    )
    assert second.outcome["champion"] == 1


def test_a_failing_pipeline_fails_the_job_with_the_error(ws: Workspace) -> None:
    chosen = policy()
    ctl = controller(ws, chosen, params={"trainer": "sklearn:NoSuchEstimator"})
    ctl.trigger("train")
    (result,) = ctl.run_jobs()
    assert result.status is JobStatus.FAILED
    assert result.error is not None
    assert "NoSuchEstimator" in result.error
    job = JobQueue(ws.metadata).get("retrain:synth#1")
    assert (job.status, job.error) == (JobStatus.FAILED, result.error)
    assert ctl.run_jobs() == []  # a failed job is not tried again
    assert ctl.trigger("train").created  # and does not block the next retrain


def test_a_job_whose_controllers_keep_dying_is_given_up(ws: Workspace) -> None:
    clock = ManualClock(T0)
    ctl = controller(ws, policy(), clock, max_crashes=2)
    job = ctl.trigger("train").job
    for owner in ("dead-1", "dead-2"):
        lease = Leases(ws.metadata, owner=owner, seconds=10, clock=clock).claim(job.name)
        assert lease is not None
        if owner == "dead-2":
            JobQueue(ws.metadata).update(job, crashes=1)  # what attempt 2 recorded
        clock.advance(11)
    (result,) = ctl.run_jobs()
    assert result.status is JobStatus.FAILED
    assert result.error is not None
    assert "gave up: 2 attempts stopped without finishing" in result.error
    assert _runs(ws) == []


def test_run_params_come_from_the_policy(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/train.py").write_text("def fit(features, target, c=1.0):\n    return c\n")
    chosen = policy(
        gate={"metric": "f1", "tolerance": 0.02, "first_model_min": 0.6, "slices": ["region"]},
        model={
            "name": "synth",
            "dataset": "synth",
            "label": "label",
            "trainer": "mine/train.py:fit",
            "trainer_params": {"c": 0.5},
        },
    )
    params: dict[str, Any] = Controller(
        ws, chosen, base=tmp_path, params={"requests": 7}, log=lambda line: None
    ).run_params()
    assert params == {
        "dataset": "synth",
        "model_name": "synth",
        "spans": 3,
        "trainer": f"{tmp_path / 'mine/train.py'}:fit",
        "trainer_params": {"c": 0.5},
        "metric": "f1",
        "tolerance": 0.02,
        "first_model_min": 0.6,
        "slices": ["region"],
        "requests": 7,
    }
