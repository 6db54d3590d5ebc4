"""The standard pipeline killed with SIGKILL while training, then resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from driftline.components import standard_pipeline
from driftline.pipeline import RunStatus, run_pipeline
from driftline.registry import ModelRegistry
from driftline.store.queries import ContextQuery, ExecutionQuery
from driftline.store.records import ContextRef, ExecutionState
from driftline.workspace import Workspace
from tests.components.conftest import params
from tests.pipeline.test_resume import _wait_for

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
        numeric = features.to_pandas()  # "region" is excluded by the run params
        return LogisticRegression().fit(numeric, target)
    """
)

CHILD = textwrap.dedent(
    """
    import json, sys
    from driftline.components import standard_pipeline
    from driftline.pipeline import run_pipeline
    from driftline.workspace import Workspace

    with Workspace.open(sys.argv[1]) as ws:
        run_pipeline(ws, standard_pipeline(), params=json.loads(sys.argv[2]), progress=False)
    """
)


@pytest.mark.usefixtures("synth_span")
def test_resume_after_sigkill_during_train(ws: Workspace, tmp_path: Path) -> None:
    import json

    control = tmp_path / "control"
    control.mkdir()
    os.mkfifo(control / "gate")
    (tmp_path / "trainer.py").write_text(TRAINER)
    run_params = params(trainer=f"{tmp_path / 'trainer.py'}:fit", exclude=["region"])
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "ws"), json.dumps(run_params)],
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(control / "train.started", child, deadline_s=120.0)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    (run,) = ws.metadata.contexts(ContextQuery(kind="run"))
    ref = ContextRef("run", run.name)
    before = {e.kind: e.state for e in ws.metadata.executions(ExecutionQuery(context=ref))}
    # the local runner starts the steps that are ready, then runs them one by one:
    # ``profile`` and ``champion`` may have finished or not when ``train`` blocked (the
    # driver steps, ``validate`` among them, run inline as soon as they are ready)
    finished = {k for k, state in before.items() if state is ExecutionState.COMPLETE}
    assert before["train"] is ExecutionState.RUNNING
    assert {"window", "schema", "validate"} <= finished
    assert set(before) - finished <= {"train", "profile", "champion"}

    (control / "release").touch()
    result = run_pipeline(ws, standard_pipeline(), resume=run.name, progress=False)
    assert result.status is RunStatus.COMPLETE
    reused = {name for name, s in result.steps.items() if s.reused}
    assert reused == finished
    assert (control / "fits").read_text().splitlines() == ["fit", "fit"]
    kinds = [e.kind for e in ws.metadata.executions(ExecutionQuery(context=ref, ascending=True))]
    for name in reused:
        assert kinds.count(name) == 1  # finished steps were not recorded (nor run) again
    assert kinds.count("train") == 2  # the abandoned one (FAILED) and the resumed one
    assert ModelRegistry(ws.metadata, ws.artifacts).aliases("synth") == {"champion": 1}
