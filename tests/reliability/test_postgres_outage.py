"""The PostgreSQL server stopped in the middle of ``driftline run``, then started again.

The workspace keeps its metadata on a PostgreSQL server of its own (not the session's, which
other tests share), so that the test can stop it and start it again on the same port and folder.
The pipeline's steps each wait at a gate (a file the test writes) once they have started, so
that the server stops while a chosen step runs; the test then opens the gate.

- A server that stays down: the run exits 3 naming the database server, with nothing recorded
  half-way (no run marked complete, no artifact row without its verified file); once the server is
  back, ``driftline run --resume RUN`` finishes, reusing the steps that finished before the outage,
  and ``driftline verify`` checks every artifact.
- A server back before the step ends (a restart between two writes): the run finishes, exit 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from driftline.testing import ServiceUnavailable
from tests.conftest import require
from tests.reliability.trials import Trial

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DEADLINE = 60.0
STEPS = ("make", "double", "score")

PIPELINE = """
import os
import time
from pathlib import Path

from driftline.pipeline import JsonArtifact, Metrics, Pipeline, step

GATES = Path(os.environ["OUTAGE_GATES"])


def gate(name: str) -> None:
    (GATES / f"started-{name}").write_text("")
    deadline = time.monotonic() + 60
    while not (GATES / f"go-{name}").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"step {name} was never let through")
        time.sleep(0.02)


@step
def make(n: int = 4) -> JsonArtifact:
    gate("make")
    return list(range(n))


@step
def double(make: JsonArtifact) -> JsonArtifact:
    gate("double")
    return [2 * x for x in make]


@step
def score(double: JsonArtifact) -> Metrics:
    gate("score")
    return {"total": float(sum(double))}


pipeline = Pipeline("outage", [make, double, score])
"""


class StoppableServer:
    """A PostgreSQL server of this test's own, which it can stop and start on the same port."""

    def __init__(self, base: Path) -> None:
        from driftline.testing.postgres import PostgresServer

        try:
            self.server = PostgresServer.start(base)
        except ServiceUnavailable as exc:
            require(f"PostgreSQL: {exc}")
        self.restarted = False

    def _pg_ctl(self, *args: str) -> None:
        s = self.server
        done = subprocess.run(
            [str(s.bindir / "pg_ctl"), "-D", str(s.data), "-w", "-t", "60", *args],
            capture_output=True,
            text=True,
            user=s.user,
            cwd=s.root,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"pg_ctl {args[-1]}: {done.stdout}{done.stderr}"

    def stop(self) -> None:
        """Stop the server (fast: open transactions are rolled back, connections cut)."""
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        """Start it again on the same port and folder."""
        s = self.server
        options = f"-p {s.port} -c listen_addresses=127.0.0.1 -k {s.socket_dir} -c fsync=off"
        self._pg_ctl("-l", str(s.root / "restart.log"), "-o", options, "start")
        self.restarted = True

    def close(self) -> None:
        """Stop it for good and delete its folder."""
        if self.restarted:  # started by pg_ctl: the server object does not know that process
            self._pg_ctl("-m", "fast", "stop")
        self.server.stop()


@pytest.fixture
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoppableServer]:
    server = StoppableServer(tmp_path_factory.mktemp("pg-outage"))
    try:
        yield server
    finally:
        server.close()


class Scene:
    """One workspace on ``pg``, the pipeline file and its gates, and the CLI as a subprocess."""

    def __init__(self, pg: StoppableServer, folder: Path, name: str) -> None:
        self.pg = pg
        self.url = pg.server.new_database(name)
        self.folder = folder / name
        self.gates = folder / f"{name}-gates"
        self.gates.mkdir(parents=True)
        self.pipeline = folder / "pipeline.py"
        self.pipeline.write_text(PIPELINE, encoding="utf-8")
        self.env = {
            **os.environ,
            "OUTAGE_GATES": str(self.gates),
            "COLUMNS": "200",
            "DRIFTLINE_WORKSPACE": str(self.folder),
        }
        for var in ("DRIFTLINE_METADATA_URL", "DRIFTLINE_ARTIFACTS_URL"):
            self.env.pop(var, None)
        init = self.cli("init", str(self.folder), "--metadata-url", self.url)
        assert init.returncode == 0, init.stderr

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "driftline", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=DEADLINE * 2,
            check=False,
        )

    def start_run(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "driftline", "run", str(self.pipeline), "--json", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )

    def wait_started(self, proc: subprocess.Popen[str], name: str) -> None:
        """Let every step before ``name`` through, and wait until ``name`` has started."""
        deadline = time.monotonic() + DEADLINE
        for s in STEPS:
            while not (self.gates / f"started-{s}").exists():
                if proc.poll() is not None:
                    out, err = proc.communicate()
                    pytest.fail(f"the run ended before step {s} started: {out}{err}")
                assert time.monotonic() < deadline, f"step {s} never started"
                time.sleep(0.02)
            if s == name:
                return
            self.open(s)

    def open(self, *names: str) -> None:
        for name in names:
            (self.gates / f"go-{name}").write_text("")

    def run_through(
        self, step: str, outage: Callable[[], None]
    ) -> tuple[subprocess.Popen[str], str, str]:
        """Start ``driftline run``, do ``outage`` while ``step`` runs, let every step finish."""
        proc = self.start_run()
        try:
            self.wait_started(proc, step)
            outage()
            self.open(*STEPS)
            out, err = proc.communicate(timeout=DEADLINE)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        return proc, out, err

    def runs(self) -> list[dict[str, object]]:
        listed = self.cli("runs", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        return list(json.loads(listed.stdout))

    def half_recorded(self) -> list[str]:
        """What the database holds half-way: artifacts that fail verification."""
        verified = self.cli("verify", "--json")
        assert verified.returncode in (0, 1), verified.stderr
        report = json.loads(verified.stdout)
        return [f"artifact {f['artifact']}: {f['problem']}" for f in report["failures"]]


@pytest.mark.parametrize("stopped_in", STEPS)
def test_postgres_stopped_mid_run_exits_3_and_resumes(
    trial: Trial, pg: StoppableServer, tmp_path: Path, stopped_in: str
) -> None:
    trial.tries(
        "stop the PostgreSQL server while `driftline run` is in a step (each step in turn), "
        "start it again, then `driftline run --resume RUN`"
    )
    with trial.attempt():
        scene = Scene(pg, tmp_path, f"outage_{stopped_in}")
        proc, out, err = scene.run_through(stopped_in, pg.stop)
        assert proc.returncode == 3, f"exit {proc.returncode}: {out}{err}"
        assert "Traceback" not in err, err
        port = pg.server.port
        assert f"cannot reach the PostgreSQL server at 127.0.0.1:{port}" in err, err
        assert err.count("\n") == 1, f"one line of error, got: {err}"

        down = scene.cli("runs", "list")
        assert down.returncode == 3, down.stdout + down.stderr

        pg.start()
        (listed,) = scene.runs()
        assert listed["status"] != "COMPLETE", listed
        assert scene.half_recorded() == []

        resumed = scene.cli("run", str(scene.pipeline), "--json", "--resume", str(listed["run"]))
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        result = json.loads(resumed.stdout)
        assert result["status"] == "COMPLETE", result
        reused = sorted(n for n, s in result["steps"].items() if s["reused"])
        assert reused == sorted(STEPS[: STEPS.index(stopped_in)]), result["steps"]
        verified = scene.cli("verify", "--json")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        checked = json.loads(verified.stdout)["checked"]
        assert checked >= len(STEPS)
    trial.lost(0)
    trial.found(
        f"stopped in {stopped_in}: exit 3 naming the server, nothing half-recorded; the resume "
        f"reused {len(reused)} step(s) and {checked} artifacts verified"
    )


def test_postgres_restarted_mid_step_run_finishes(
    trial: Trial, pg: StoppableServer, tmp_path: Path
) -> None:
    trial.tries("restart the PostgreSQL server while a step of `driftline run` runs")
    with trial.attempt():
        scene = Scene(pg, tmp_path, "restart")
        proc, out, err = scene.run_through("double", lambda: (pg.stop(), pg.start()))
        assert proc.returncode == 0, f"exit {proc.returncode}: {out}{err}"
        assert json.loads(out)["status"] == "COMPLETE"
        assert scene.half_recorded() == []
    trial.lost(0)
    trial.found("the run's stale connections were replaced: it finished, exit 0")
