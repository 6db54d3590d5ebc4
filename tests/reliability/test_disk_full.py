"""The disk fills up: ``driftline ingest`` and ``driftline run`` under a file size limit.

The child process runs with ``RLIMIT_FSIZE`` set (and ``SIGXFSZ`` ignored), so that a write past
the limit fails with ``EFBIG`` as a write to a full disk fails with ``ENOSPC``. What fails first
depends on the backend: on SQLite the database's own files, on PostgreSQL (a server outside the
limit) the artifact being written. Either way: exit 3, one line naming the file and saying there
is no room, nothing half-written recorded, and the workspace works again once there is room.
"""

from __future__ import annotations

import json
import re
import resource
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from driftline.store.queries import ContextQuery
from driftline.workspace import Workspace
from tests.components.conftest import make_table
from tests.conftest import WorkspaceMaker
from tests.reliability.processes import child_env, driftline, health
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
ROOM = ("no space", "disk full")


def file_size_limit(limit: int) -> Callable[[], None]:
    """A ``preexec_fn``: writes past ``limit`` bytes fail with EFBIG (SIGXFSZ ignored)."""

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limited


class Cli:
    """``driftline`` in a child process on one workspace, with or without a file size limit."""

    def __init__(self, tmp_path: Path, folder: Path) -> None:
        self.folder, self.tmp = folder, tmp_path / "tmp"
        self.env = child_env(self.tmp)

    def __call__(self, *args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*driftline(*args), "-w", str(self.folder)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
            preexec_fn=None if limit is None else file_size_limit(limit),
        )

    def refused_clearly(self, done: subprocess.CompletedProcess[str]) -> str:
        """Check ``done`` stopped with exit 3 and one clear line; the file it names."""
        assert done.returncode == 3, (done.returncode, done.stderr)
        assert "Traceback" not in done.stderr
        assert "internal error" not in done.stderr
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith("error: ")
        assert any(word in last for word in ROOM), last
        named = re.search(rf"({re.escape(str(self.folder))}|{re.escape(str(self.tmp))})\S*", last)
        assert named is not None, f"names no file of the workspace: {last}"
        path = named[0].rstrip("'):,").replace(str(self.folder), "WS").replace(str(self.tmp), "TMP")
        return re.sub(r"-\d+-[0-9a-f]{8}-\w+$", "-…", re.sub(r"/[0-9a-f]{32}$", "/…", path))

    def runs(self) -> set[str]:
        with Workspace.open(self.folder) as ws:
            return {c.name for c in ws.metadata.contexts(ContextQuery(kind="run"))}

    def spans(self) -> list[int]:
        with Workspace.open(self.folder) as ws:
            return [s.number for s in ws.spans("synth")] if ws.data.datasets() else []


@pytest.fixture
def cli(tmp_path: Path, new_workspace: WorkspaceMaker) -> Cli:
    """A new workspace on the backend under test, and the files to give it."""
    new_workspace(tmp_path / "ws").close()
    make_table(0, 400).to_pandas().to_csv(tmp_path / "small.csv", index=False)
    make_table(1, 20_000).to_pandas().to_csv(tmp_path / "big.csv", index=False)
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    return Cli(tmp_path, tmp_path / "ws")


def test_ingest_on_a_full_disk_is_refused_and_stores_nothing(
    trial: Trial, cli: Cli, tmp_path: Path
) -> None:
    trial.tries("`driftline ingest` of a 2.5 MB CSV with room for 16 KB, then 300 KB, per file")
    named = []
    for limit in (16_000, 300_000):
        with trial.attempt():
            before = cli.spans()
            done = cli(
                "ingest", "synth", str(tmp_path / "big.csv"), "--label", "label", limit=limit
            )
            named.append(f"{limit // 1000} KB: {cli.refused_clearly(done)}")
            assert cli.spans() == before  # nothing recorded
            assert health(cli.folder).temp == 0  # the partial file was thrown away
    with trial.attempt():  # with room again
        done = cli("ingest", "synth", str(tmp_path / "big.csv"), "--label", "label")
        assert done.returncode == 0, done.stderr
        assert cli.spans() == [1]
        assert health(cli.folder).temp == 0
    trial.found("exit 3 naming the file (" + "; ".join(named) + "); nothing stored; then ingested")


# what fills up first: on SQLite its write-ahead log; on PostgreSQL, 48 KB would stop the first
# artifact as in the ingest test, 200 KB stops the model's save in a scratch folder
RUN_LIMITS = {"sqlite": 48_000, "postgres": 200_000}


def test_run_on_a_full_disk_stops_clearly_and_resumes_with_room(
    trial: Trial, cli: Cli, tmp_path: Path, backend: str
) -> None:
    limit = RUN_LIMITS[backend]
    trial.tries("`driftline run` with room for 48 KB (SQLite) or 200 KB per file; then `--resume`")
    assert cli("ingest", "synth", str(tmp_path / "small.csv"), "--label", "label").returncode == 0
    pipeline = str(tmp_path / "pipeline.py")
    with trial.attempt():
        done = cli("run", pipeline, *PARAMS, "--json", limit=limit)
        named = cli.refused_clearly(done)
        health(cli.folder, killed=True)  # nothing half-written is recorded
        (run_id,) = cli.runs()  # recorded before the disk filled up
        done = cli("run", pipeline, "--resume", run_id, "--json")  # with room
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["status"] == "COMPLETE"
        health(cli.folder)
    trial.found(f"exit 3 naming the file ({limit // 1000} KB: {named}); resumed with room")
