"""``driftline run`` of the standard pipeline killed with SIGKILL at random moments, then resumed.

Each round starts a run (a new ``seed``, so that training and what follows run again) and kills
it at a seeded random moment; then ``--resume`` is killed too, zero or more times, and a last
``--resume`` finishes. After every kill the workspace holds nothing corrupt or dangling (see
:func:`tests.reliability.processes.health`); after the last resume nothing is left running, and
the children's temporary folder holds no scratch folder of a killed process: the next process
removed it.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from driftline.registry import ModelRegistry
from driftline.store.queries import ContextQuery
from driftline.workspace import Workspace
from tests.components.conftest import make_table
from tests.conftest import WorkspaceMaker
from tests.reliability.processes import (
    RowCount,
    child_env,
    driftline,
    health,
    kill_at,
    scratch_left,
)
from tests.reliability.trials import Trial

pytestmark = pytest.mark.slow

PIPELINE = """\
from driftline.components import standard_pipeline

pipeline = standard_pipeline()
"""
PARAMS = [
    *("-p", "dataset=synth", "-p", "model_name=synth"),
    *("-p", "requests=5", "-p", "rows=50"),
]
ROUNDS = 2
KILLS = 2  # per round: the run, then its first resume
DEADLINE = 180.0


class Runner:
    """Starts ``driftline run`` (or ``--resume``) in a child process, output kept in files."""

    def __init__(self, tmp_path: Path, folder: Path, env: dict[str, str]) -> None:
        self.tmp_path, self.folder, self.env = tmp_path, folder, env
        self.outputs: list[Path] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        pipeline = str(self.tmp_path / "pipeline.py")
        command = driftline("run", pipeline, "-w", str(self.folder), "--json", *args)
        self.outputs.append(self.tmp_path / f"run-{len(self.outputs)}")
        out, err = self.outputs[-1].with_suffix(".out"), self.outputs[-1].with_suffix(".err")
        with out.open("wb") as stdout, err.open("wb") as stderr:
            return subprocess.Popen(command, env=self.env, stdout=stdout, stderr=stderr)

    def finish(self, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
        """Wait for the last process started; its result, which must be COMPLETE."""
        code = proc.wait(timeout=DEADLINE)
        assert code == 0, self.outputs[-1].with_suffix(".err").read_text()
        result: dict[str, Any] = json.loads(self.outputs[-1].with_suffix(".out").read_text())
        assert result["status"] == "COMPLETE"
        return result

    def runs(self) -> set[str]:
        with Workspace.open(self.folder) as ws:
            return {c.name for c in ws.metadata.contexts(ContextQuery(kind="run"))}


def _pushed_once(folder: Path) -> None:
    """A champion, and every version holds other model bytes (a resumed push never registers
    the same model twice)."""
    with Workspace.open(folder) as ws:
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        assert registry.aliases("synth")["champion"] >= 1
        shas = [v.sha256 for v in registry.versions("synth")]
        assert len(shas) == len(set(shas))


def test_killed_runs_resume_and_leave_nothing_corrupt(
    trial: Trial, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    trial.tries("SIGKILL `driftline run`, then its `--resume`, at random moments; resume")
    folder = tmp_path / "ws"
    new_workspace(folder).close()
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    make_table(0, 400).to_pandas().to_csv(tmp_path / "synth.csv", index=False)
    tmp = tmp_path / "tmp"
    env = child_env(tmp)
    ingest = driftline("ingest", "synth", str(tmp_path / "synth.csv"), "--label", "label")
    done = subprocess.run([*ingest, "-w", str(folder)], env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    runner = Runner(tmp_path, folder, env)
    with Workspace.open(folder) as ws:
        executions = RowCount(ws.settings.metadata_url, "driftline_execution")
    rng = random.Random(14)
    kills = landed = resumes = left = 0
    try:
        for round_ in range(ROUNDS):
            with trial.attempt():
                before = runner.runs()
                proc = runner.start(*PARAMS, "-p", f"seed={round_}")
                run_id: str | None = None
                for _ in range(KILLS):  # kill the run, then its resume
                    kills += 1
                    # a random moment: a random number of steps more, then up to a second
                    target = executions() + rng.randint(0, 9)
                    if not kill_at(proc, rng.uniform(0, 1.0), lambda t=target: executions() >= t):
                        break  # it finished before the moment came
                    landed += 1
                    left += len(scratch_left(tmp))
                    health(folder, killed=True)
                    new = runner.runs() - before
                    if run_id is None and not new:  # killed before the run was recorded: again
                        proc = runner.start(*PARAMS, "-p", f"seed={round_}")
                        continue
                    run_id = run_id or new.pop()
                    proc = runner.start("--resume", run_id)
                    resumes += 1
                result = runner.finish(proc)
                assert run_id is None or result["run"] == run_id
                found = health(folder)
                assert scratch_left(tmp) == []  # what killed processes left, the next removed
                _pushed_once(folder)
    finally:
        executions.close()
    trial.lost(0)
    trial.found(
        f"{landed} of {kills} kills hit a running run; {resumes} resumes, the last of each round "
        f"finished; {found.verified} artifacts verified, {found.unrecorded} complete but "
        f"unrecorded files, {found.temp} unfinished writes kept in .tmp/; scratch folders "
        f"left by killed processes: {left}, all removed by the next one; after each kill "
        "nothing corrupt or dangling"
    )


@pytest.mark.parametrize("backend", ["sqlite"])  # about the host's folders, not the database
def test_a_run_killed_while_probing_leaves_no_copy_of_its_model_behind(
    trial: Trial, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    trial.tries("SIGKILL `driftline run` while its infra probe holds the model and sample rows")
    folder = tmp_path / "ws"
    with new_workspace(folder) as ws:
        ws.ingest("synth", make_table(0, 400), label="label")
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    tmp = tmp_path / "tmp"
    runner = Runner(tmp_path, folder, child_env(tmp))
    with trial.attempt():
        proc = runner.start(*PARAMS)
        assert kill_at(proc, 0, lambda: any(tmp.glob("driftline-probe-*/sample.parquet")))
        (left,) = scratch_left(tmp)  # the killed process could not remove it
        assert {p.name for p in (tmp / left).iterdir()} >= {"model", "sample.parquet"}
        (run_id,) = runner.runs()
        runner.finish(runner.start("--resume", run_id))
        assert scratch_left(tmp) == []  # the next process removed it
        health(folder)
    trial.found(
        "the killed run left its probe folder (`driftline-probe-<pid>-…`: the model and the "
        "sample rows); its resume removed it"
    )
