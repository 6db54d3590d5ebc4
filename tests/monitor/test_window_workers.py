"""A backlog profiled in worker processes: the same windows as threads, in order, nothing lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from driftline.core.errors import ArtifactCorruptError
from driftline.monitor.window_metrics import window_metrics
from driftline.monitor.window_store import UPDATE_KIND, WINDOW_PROFILE_KIND
from driftline.monitor.window_workers import address_of, start_workers, stop_workers
from driftline.monitor.windows import live_windows, update_windows
from driftline.store.artifacts import ArtifactStore
from driftline.store.metadata import open_metadata_store
from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.stores import Stores
from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker
from tests.monitor.window_stream import log_hours, register


@pytest.fixture(scope="module", autouse=True)
def _workers() -> Iterator[None]:
    """The worker pool these tests share (started by the first update), stopped at the end."""
    yield
    stop_workers()


def _logged(ws: Workspace, folder: Path) -> None:
    fitted = register(ws, folder)
    log_hours(ws, fitted, hours=range(5), per_hour=600, narrow_from=3)
    log_hours(ws, fitted, hours=(2,), per_hour=200, seed=7)  # a late segment of hour 2


def _parts(ws: Workspace) -> list[tuple[Any, ...]]:
    found = ws.metadata.artifacts(ArtifactQuery(kind=WINDOW_PROFILE_KIND, ascending=True))
    keys = ("version", "start", "rows", "segments", "confidence_sum", "confidence_rows", "summary")
    return sorted((p.sha256, *(str(p.properties[k]) for k in keys)) for p in found)


def test_worker_processes_store_the_windows_threads_store(
    new_workspace: WorkspaceMaker, tmp_path: Path
) -> None:
    with (
        new_workspace(tmp_path / "threads") as threads,
        new_workspace(tmp_path / "processes") as processes,
    ):
        _logged(threads, tmp_path / "a")
        _logged(processes, tmp_path / "b")
        here = update_windows(threads, "churn", processes=0)
        there = update_windows(processes, "churn", processes=2)
        assert (there.segments_read, there.rows_read) == (here.segments_read, here.rows_read)
        assert (there.rows_read, there.parts_written) == (3200, 5)  # late rows join hour 2
        assert there.notes == here.notes == ()
        assert _parts(processes) == _parts(threads)  # profiles, estimates, summaries: the same
        assert window_metrics(processes, "churn") == window_metrics(threads, "churn")
        [run] = processes.metadata.executions(ExecutionQuery(kind=UPDATE_KIND))
        read = processes.metadata.events(execution_id=run.id)
        segments = processes.metadata.artifacts(ArtifactQuery(kind="predictions"))
        assert {e.artifact_id for e in read if e.kind.name == "INPUT"} == {s.id for s in segments}
        again = update_windows(processes, "churn", processes=2)
        assert (again.segments_read, again.rows_read, again.parts_written) == (0, 0, 0)


def test_a_long_backlog_is_recorded_in_order_and_the_mark_waits_for_what_is_left(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import driftline.monitor.windows as windows

    fitted = register(ws, tmp_path / "models")
    log_hours(ws, fitted, hours=(0,), per_hour=300)  # segment 1: version 1, hour 0
    log_hours(ws, fitted, version=2, hours=(0,), per_hour=300, seed=2)  # segment 2: version 2
    log_hours(ws, fitted, hours=(0,), per_hour=300, seed=3)  # segment 3: version 1 again
    log_hours(ws, fitted, hours=(1,), per_hour=300, seed=4)  # segment 4: version 1, hour 1
    segments = ws.metadata.artifacts(ArtifactQuery(kind="predictions", ascending=True))
    monkeypatch.setattr(windows, "COMMIT_ROWS", 500)  # a commit once 500 rows are done
    done: list[tuple[int, int]] = []
    update = update_windows(ws, "churn", processes=2, progress=lambda d, t: done.append((d, t)))
    assert (update.rows_read, update.parts_written) == (1200, 3)
    assert done == [(2, 4), (3, 4), (4, 4)]  # version 1's hour 0 (two segments) first
    runs = sorted(ws.metadata.executions(ExecutionQuery(kind=UPDATE_KIND)), key=lambda r: r.id)
    assert [r.properties["rows"] for r in runs] == [600, 600]
    marks = [datetime.fromisoformat(r.properties["listed_through"]) for r in runs]
    # the first update read segments 1 and 3, but segment 2 was still to record: the mark waits
    assert marks[0] == segments[1].created_at < segments[2].created_at
    assert marks[-1] == segments[3].created_at
    assert [w.rows for w in live_windows(ws, "churn")] == [600, 300, 300]
    assert update_windows(ws, "churn", processes=2).segments_read == 0


def test_a_damaged_segment_in_a_worker_stops_the_update_and_stores_nothing(
    ws: Workspace, tmp_path: Path
) -> None:
    fitted = register(ws, tmp_path / "models")
    log_hours(ws, fitted, hours=range(3), per_hour=100)
    last = ws.metadata.artifacts(ArtifactQuery(kind="predictions", ascending=True))[-1]
    path = ws.artifacts.local_path(last.uri)
    assert path is not None
    Path(path).write_bytes(b"PAR1 not a segment")
    with pytest.raises(ArtifactCorruptError, match=f"artifact {last.id}"):
        update_windows(ws, "churn", processes=2)
    assert ws.metadata.artifacts(ArtifactQuery(kind=WINDOW_PROFILE_KIND)) == []
    assert ws.metadata.executions(ExecutionQuery(kind=UPDATE_KIND)) == []


def test_stores_no_other_process_can_open_are_profiled_in_this_one(tmp_path: Path) -> None:
    with (
        open_metadata_store("sqlite://", create=True) as metadata,
        ArtifactStore(str(tmp_path / "artifacts")).create() as artifacts,
    ):
        stores = Stores(metadata, artifacts)
        assert address_of(stores) is None
        assert metadata.reopen_url is None
        ws_like: Any = stores
        log_hours(ws_like, _Fixed(), hours=(0, 1), per_hour=48)
        update = update_windows(stores, "churn", processes=2)
        assert (update.rows_read, update.parts_written) == (96, 2)


def test_workers_started_ahead_load_the_versions_they_will_score(
    ws: Workspace, tmp_path: Path
) -> None:
    fitted = register(ws, tmp_path / "models")
    assert start_workers(2, stores=ws, model="churn", versions=[1]) == 2
    log_hours(ws, fitted, hours=(0,), per_hour=100)
    update = update_windows(ws, "churn", processes=2)
    [part] = ws.metadata.artifacts(ArtifactQuery(kind=WINDOW_PROFILE_KIND))
    assert update.rows_read == 100
    assert part.properties["confidence_rows"] == 100


class _Fixed:
    """Predicts class 1 when ``a + b > 0`` (no registered model needed)."""

    def predict(self, x: Any) -> Any:
        return (x[:, 0] + x[:, 1] > 0).astype("int64")


def test_by_default_workers_take_a_backlog_only_once_running_or_when_it_is_huge(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import driftline.monitor.windows as windows

    fitted = register(ws, tmp_path / "models")
    handed: list[int] = []
    run_tasks = windows.run_tasks

    def counted(*args: Any, **kwargs: Any) -> Any:
        handed.append(len(args[1]))
        return run_tasks(*args, **kwargs)

    monkeypatch.setattr(windows, "run_tasks", counted)
    monkeypatch.setattr(windows, "PROCESS_ROWS", 150)
    monkeypatch.setattr(windows, "COLD_PROCESS_ROWS", 250)
    stop_workers()
    log_hours(ws, fitted, hours=(0, 1), per_hour=100)  # 200 rows, no workers: threads
    assert update_windows(ws, "churn").rows_read == 200
    assert handed == []
    log_hours(ws, fitted, hours=(2, 3, 4), per_hour=100, seed=2)  # 300 rows: workers started
    assert update_windows(ws, "churn").rows_read == 300
    assert handed == [3]
    log_hours(ws, fitted, hours=(5, 6), per_hour=100, seed=3)  # 200 rows, workers running
    assert update_windows(ws, "churn").rows_read == 200
    log_hours(ws, fitted, hours=(7,), per_hour=100, seed=4)  # below PROCESS_ROWS: threads
    assert update_windows(ws, "churn").rows_read == 100
    assert handed == [3, 2]
    assert [w.rows for w in live_windows(ws, "churn")] == [100] * 8


def test_a_version_registered_after_a_worker_saw_it_is_found_at_the_next_update(
    ws: Workspace, tmp_path: Path
) -> None:
    fitted = register(ws, tmp_path / "models")  # version 1
    log_hours(ws, fitted, version=2, hours=(0,), per_hour=100)
    early = update_windows(ws, "churn", processes=2)
    assert any("version 2" in note for note in early.notes)
    register(ws, tmp_path / "models", seed=1)  # version 2 exists now
    log_hours(ws, fitted, version=2, hours=(1,), per_hour=100, seed=2)
    later = update_windows(ws, "churn", processes=2)
    assert later.notes == ()
    parts = ws.metadata.artifacts(ArtifactQuery(kind=WINDOW_PROFILE_KIND, ascending=True))
    assert [p.properties["confidence_rows"] for p in parts] == [0, 100]
