"""``driftline controller`` killed with SIGKILL at random moments during a retrain.

A retrain is triggered (``driftline trigger train``); controllers are started and killed, each
at a seeded random moment (after a random number of steps more, then up to a second); a last
controller takes the job over once the dead one's lease expired (``--lease 1``) and finishes it.
The job must be complete, run by one pipeline run whose every step finished once, with one
model version registered, and the workspace must hold nothing corrupt or dangling.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from driftline.controller.jobs import JobQueue, JobStatus
from driftline.registry import ModelRegistry
from driftline.store.queries import ContextQuery, ExecutionQuery
from driftline.store.records import ContextRef, ExecutionState
from driftline.workspace import Workspace
from tests.components.conftest import make_table
from tests.conftest import WorkspaceMaker
from tests.reliability.processes import RowCount, child_env, driftline, health, kill_at
from tests.reliability.trials import Trial

pytestmark = pytest.mark.slow

POLICY = textwrap.dedent(
    """
    [model]
    name = "synth"
    dataset = "synth"
    label = "label"
    trainer = "sklearn:LogisticRegression"

    [window]
    spans = 3

    [rollout]
    plan = "none"

    [cooldown]
    minutes = 0
    """
)
PARAMS = {"requests": 5, "rows": 50, "exclude": ["region"]}
KILLS = 2  # a job whose controllers died 3 times is given up (max_crashes)
DEADLINE = 180.0
DONE = frozenset({ExecutionState.COMPLETE, ExecutionState.CACHED})


def _wait_for_job(folder: Path, proc: subprocess.Popen[bytes], err: Path) -> None:
    """Poll until the workspace's one job is over (the controller keeps ticking)."""
    give_up = time.monotonic() + DEADLINE
    while True:
        with Workspace.open(folder) as ws:
            (job,) = JobQueue(ws.metadata).jobs()
        if not job.status.open:
            return
        assert proc.poll() is None, err.read_text()
        assert time.monotonic() < give_up, f"job {job.name} still {job.status} after {DEADLINE} s"
        time.sleep(0.1)


def test_killed_controllers_finish_the_retrain_exactly_once(
    trial: Trial, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    trial.tries(f"SIGKILL `driftline controller` {KILLS} times during a retrain; restart")
    folder = tmp_path / "ws"
    with new_workspace(folder) as ws:
        ws.ingest("synth", make_table(0, 400), label="label")
    (tmp_path / "policy.toml").write_text(POLICY)
    env = child_env(tmp_path / "tmp")
    options = ["-w", str(folder), "--policy", str(tmp_path / "policy.toml")]
    for key, value in PARAMS.items():
        options += ["--param", f"{key}={json.dumps(value)}"]
    trigger = subprocess.run(
        [*driftline("trigger", "train", "--reason", "kill test"), *options],
        env=env,
        capture_output=True,
        check=False,
    )
    assert trigger.returncode == 0, trigger.stderr

    def controller(n: int) -> tuple[subprocess.Popen[bytes], Path]:
        err = tmp_path / f"controller-{n}.err"
        command = driftline("controller", "--tick", "0.2", "--lease", "1", *options)
        with err.open("wb") as stderr:
            proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        return proc, err

    rng = random.Random(3)
    with Workspace.open(folder) as ws:
        executions = RowCount(ws.settings.metadata_url, "driftline_execution")
    landed = 0
    try:
        for n in range(KILLS):
            with trial.attempt():
                proc, err = controller(n)
                target = executions() + rng.randint(0, 10)
                if kill_at(proc, rng.uniform(0, 1.0), lambda t=target: executions() >= t):
                    landed += 1
                    health(folder, killed=True)
                else:  # it stopped by itself: it must not have
                    raise AssertionError(err.read_text())
    finally:
        executions.close()
    with trial.attempt():
        proc, err = controller(KILLS)
        try:
            _wait_for_job(folder, proc, err)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(60) == 0, err.read_text()
        with Workspace.open(folder) as ws:
            (job,) = JobQueue(ws.metadata).jobs()
            assert job.status is JobStatus.COMPLETE, job.error
            crashes = int(job.properties.get("crashes", 0))
            assert job.attempts == crashes + 1
            runs = [c.name for c in ws.metadata.contexts(ContextQuery(kind="run"))]
            assert runs == [job.run_id]  # one run, resumed by each next controller
            executed = ws.metadata.executions(ExecutionQuery(context=ContextRef("run", runs[0])))
            finished = Counter(e.kind for e in executed if e.state in DONE)
            assert {"train", "evaluate", "push"} <= set(finished)
            assert set(finished.values()) == {1}  # every step finished once
            registry = ModelRegistry(ws.metadata, ws.artifacts)
            assert [v.number for v in registry.versions("synth")] == [1]  # registered once
            assert registry.aliases("synth") == {"champion": 1}
            assert job.outcome is not None
            assert (job.outcome["pushed"], job.outcome["version"]) == (True, 1)
        found = health(folder)
    trial.lost(0)
    trial.found(
        f"{landed} kills; the job was taken over {crashes} times after its lease expired and "
        f"finished once (attempt {job.attempts}, one run, every step once, one version); "
        f"{found.verified} artifacts verified"
    )
