"""Crash safety of a workspace: a writer killed with SIGKILL in the middle of its work.

A child process writes artifacts of several MiB (streamed in chunks) and records each one in the
metadata store, in a loop. The parent kills it with SIGKILL while an artifact is being written, in
several rounds on one workspace. Afterwards no metadata row points at a missing or partial file,
no partial file is visible under an artifact key, and the workspace keeps working.
"""

from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from driftline.store.queries import ArtifactQuery
from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker
from tests.reliability.trials import Trial

pytestmark = pytest.mark.slow

CHUNKS = 12  # chunks of 1 MiB per artifact
DEADLINE = 60.0

CHILD = """
import sys
from driftline.store.records import NewExecution
from driftline.workspace import Workspace

folder, start = sys.argv[1], int(sys.argv[2])
with Workspace.open(folder) as ws:
    for i in range(start, start + 1000):
        chunk = i.to_bytes(4, "big") * (2**20 // 4)
        with ws.artifacts.writer(f"blobs/{i:05d}.bin") as out:
            for _ in range(CHUNKS_PER_ARTIFACT):
                out.write(chunk)
        ws.metadata.record_execution(
            NewExecution(kind="write", parameters={"i": i}),
            outputs={"blob": ws.new_artifact("file", out.result, name=f"blob-{i}")},
        )
        print(i, flush=True)
""".replace("CHUNKS_PER_ARTIFACT", str(CHUNKS))


def expected_sha(i: int) -> str:
    return hashlib.sha256(i.to_bytes(4, "big") * (2**20 // 4) * CHUNKS).hexdigest()


def kill_mid_write(folder: Path, start: int, after: int) -> int:
    """Start a writer, let it record ``after`` artifacts, then SIGKILL it during a write."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    recorded = 0
    try:
        while recorded < after:
            line = proc.stdout.readline()
            assert line, f"writer stopped early: {proc.communicate()[1]}"
            recorded += 1
        with Workspace.open(folder) as ws:
            deadline = time.monotonic() + DEADLINE
            while not any(t.size > 0 for t in ws.artifacts.temp_files()):
                assert time.monotonic() < deadline, "the writer never started a write"
                assert proc.poll() is None, proc.communicate()[1]
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=DEADLINE)
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return recorded


def test_killed_writer_leaves_no_partial_artifact_and_no_dangling_row(
    trial: Trial, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    trial.tries("SIGKILL a process in the middle of writing a 12 MiB artifact, 3 times")
    folder = tmp_path / "ws"
    new_workspace(folder).close()
    rng = random.Random(1234)
    start = 0
    for _ in range(3):
        with trial.attempt():
            start += kill_mid_write(folder, start, after=rng.randint(0, 3)) + 1

    with Workspace.open(folder) as ws:
        rows = ws.metadata.artifacts(ArtifactQuery(ascending=True))
        assert rows, "the writers recorded nothing"
        for row in rows:  # every row names a complete file with the recorded bytes
            ws.artifacts.verify(row.uri, row.sha256, label=f"artifact {row.id}")
            i = int(row.name.split("-")[1]) if row.name else -1
            assert row.sha256 == expected_sha(i)
        recorded_keys = {ws.artifacts.key_for(row.uri) for row in rows}
        for key in ws.artifacts.list_keys():  # no visible file is partial
            i = int(key.split("/")[1].split(".")[0])
            assert ws.artifacts.verify(key, expected_sha(i)).size == CHUNKS * 2**20
        assert recorded_keys <= set(ws.artifacts.list_keys())
        partial = ws.artifacts.temp_files()
        assert partial, "each killed writer leaves its partial write under the temp folder"
        assert ws.status().temp_files == len(partial)
        assert ws.artifacts.clean_temp(older_than_seconds=0) == len(partial)
        assert ws.artifacts.temp_files() == []
        assert ws.verify().failures == ()
    trial.lost(0)
    trial.found(
        f"{len(rows)} recorded artifacts verified; {len(partial)} partial writes, all in .tmp/ "
        "and cleaned by `clean_temp`; no partial file under a key"
    )
