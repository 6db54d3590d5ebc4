"""Helpers of the kill tests: the CLI as a child process, a kill at a chosen moment, and a
check that a workspace holds nothing corrupt, dangling or half-written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.records import ArtifactState, ExecutionState
from driftline.workspace import Workspace

__all__ = ["Health", "RowCount", "child_env", "driftline", "health", "kill_at", "scratch_left"]

OPEN = frozenset({ExecutionState.NEW, ExecutionState.RUNNING})

# rows that point at a row of another table that is not there (foreign keys, checked in SQL:
# SQLite does not enforce them unless asked)
_DANGLING = {
    "event -> artifact": "SELECT COUNT(*) FROM driftline_event e LEFT JOIN driftline_artifact a "
    "ON a.id = e.artifact_id WHERE a.id IS NULL",
    "event -> execution": "SELECT COUNT(*) FROM driftline_event e LEFT JOIN driftline_execution x "
    "ON x.id = e.execution_id WHERE x.id IS NULL",
    "attribution": "SELECT COUNT(*) FROM driftline_attribution t "
    "LEFT JOIN driftline_context c ON c.id = t.context_id "
    "LEFT JOIN driftline_artifact a ON a.id = t.artifact_id WHERE c.id IS NULL OR a.id IS NULL",
    "association": "SELECT COUNT(*) FROM driftline_association t "
    "LEFT JOIN driftline_context c ON c.id = t.context_id "
    "LEFT JOIN driftline_execution x ON x.id = t.execution_id WHERE c.id IS NULL OR x.id IS NULL",
}


def driftline(*args: str) -> list[str]:
    """The command line of ``driftline ARGS`` run by this interpreter."""
    return [sys.executable, "-m", "driftline", *args]


def child_env(tmp: Path) -> dict[str, str]:
    """This environment without ``DRIFTLINE_*`` settings, with ``TMPDIR`` set to ``tmp``
    (made if missing), so that whatever a child leaves in its temporary folder can be seen."""
    tmp.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    env["TMPDIR"] = str(tmp)
    env["COLUMNS"] = "200"
    return env


def kill_at(
    proc: subprocess.Popen[bytes],
    seconds: float,
    after: Callable[[], bool] = lambda: True,
    deadline: float = 180.0,
) -> bool:
    """SIGKILL ``proc`` ``seconds`` after ``after()`` holds (polled), unless it exits before;
    whether it was killed."""
    give_up = time.monotonic() + deadline
    while not after():
        if proc.poll() is not None:
            return False
        assert time.monotonic() < give_up, f"{proc.args} made no progress in {deadline} s"
        time.sleep(0.05)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        return True
    return False


class RowCount:
    """Counts the rows of ``table`` in the database of ``url``: ``count()``; then ``close()``."""

    def __init__(self, url: str, table: str) -> None:
        self._engine = sa.create_engine(url)
        self._query = sa.text(f"SELECT COUNT(*) FROM {table}")

    def __call__(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(self._query).scalar_one())

    def close(self) -> None:
        self._engine.dispose()


def scratch_left(tmp: Path) -> list[str]:
    """The driftline scratch folders in ``tmp`` (a child's ``TMPDIR``)."""
    return sorted(p.name for p in tmp.glob("driftline-*"))


@dataclass(frozen=True)
class Health:
    """What :func:`health` found in a workspace."""

    verified: int  # artifacts whose bytes matched their recorded SHA-256
    unrecorded: int  # complete files no row names (a writer killed between commit and record)
    temp: int  # unfinished writes under the store's .tmp/


def health(folder: Path, *, killed: bool = False) -> Health:
    """Check the workspace in ``folder``; raise AssertionError naming what is wrong.

    Every artifact row is LIVE and its bytes verify; no row points at a missing row; no
    execution is left NEW or RUNNING (unless ``killed``: a killed process's steps stay RUNNING
    until its run is resumed); no file outside the store's ``.tmp/`` is a partial write (every
    visible file is complete: a recorded artifact, or a file whose writer committed it).
    """
    with Workspace.open(folder) as ws:
        result = ws.verify()
        assert result.failures == (), result.failures
        rows = ws.metadata.artifacts(ArtifactQuery(ascending=True))
        assert {r.state for r in rows} <= {ArtifactState.LIVE}, {r.id: r.state for r in rows}
        assert result.checked == len(rows)
        stuck = ws.metadata.executions(ExecutionQuery(states=OPEN))
        assert killed or stuck == [], [(e.id, e.kind, e.state) for e in stuck]
        engine = sa.create_engine(ws.settings.metadata_url)
        try:
            with engine.connect() as conn:
                dangling = {k: conn.execute(sa.text(q)).scalar_one() for k, q in _DANGLING.items()}
        finally:
            engine.dispose()
        assert set(dangling.values()) == {0}, dangling
        recorded = {ws.artifacts.key_for(r.uri) for r in rows}
        visible = set(ws.artifacts.list_keys())
        assert recorded <= visible
        temp = ws.artifacts.temp_files()
        root = Path(ws.artifacts.root_uri.removeprefix("file://"))
        unrecorded = visible - recorded
        for key in sorted(unrecorded):  # committed (fsync, then renamed): never a partial file
            assert not key.endswith((".tmp", ".part")), key
            assert (root / key).stat().st_size > 0, key
        stray = [
            p.relative_to(folder)
            for p in folder.rglob("*")
            if p.is_file() and ".tmp" not in p.relative_to(folder).parts and "tmp" in p.name
        ]
        assert stray == [], stray
        return Health(verified=result.checked, unrecorded=len(unrecorded), temp=len(temp))
