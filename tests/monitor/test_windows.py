"""Live windows: profiled once, incrementally, from new segments only; windows merge their parts."""

from __future__ import annotations

import multiprocessing
import traceback
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.errors import ArtifactCorruptError, InputError
from driftline.data.profiling import profile_table
from driftline.monitor import log_batch, read_predictions
from driftline.monitor.logs.predlog import PredictionLog
from driftline.monitor.window_store import UPDATE_KIND, WINDOW_PROFILE_KIND, stored_parts
from driftline.monitor.windows import WindowUpdate, live_windows, update_windows
from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.records import EventKind
from driftline.workspace import Workspace
from tests.monitor.window_stream import FEATURES, HOUR, START, log_hours, rows


def _update_in_child(metadata_url: str, artifacts_url: str, barrier: Any, out: Any) -> None:
    try:
        from driftline.store.artifacts import ArtifactStore
        from driftline.store.metadata import open_metadata_store
        from driftline.store.stores import Stores

        with open_metadata_store(metadata_url) as metadata, ArtifactStore(artifacts_url) as store:
            barrier.wait(timeout=120)
            update = update_windows(Stores(metadata, store), "churn")
        out.put((update.rows_read, update.parts_written))
    except BaseException:
        out.put(traceback.format_exc())
        raise


class _Fixed:
    """Predicts class 1 when ``a + b > 0`` (no registered model needed)."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (x[:, 0] + x[:, 1] > 0).astype(np.int64)


def _counts(ws: Workspace) -> tuple[int, int]:
    parts = ws.metadata.artifacts(ArtifactQuery(kind=WINDOW_PROFILE_KIND))
    runs = ws.metadata.executions(ExecutionQuery(kind=UPDATE_KIND))
    return len(parts), len(runs)


def test_an_update_reads_only_the_segments_no_window_covers(ws: Workspace) -> None:
    log_hours(ws, _Fixed(), hours=(0, 1, 2), per_hour=400)
    first = update_windows(ws, "churn")
    assert (first.segments_read, first.rows_read, first.parts_written) == (3, 1200, 3)
    again = update_windows(ws, "churn")
    assert (again.segments_read, again.rows_read, again.parts_written) == (0, 0, 0)
    assert _counts(ws) == (3, 1)
    log_hours(ws, _Fixed(), hours=(3,), per_hour=400, seed=2)
    later = update_windows(ws, "churn")
    assert (later.segments_read, later.rows_read, later.parts_written) == (1, 400, 1)
    windows = live_windows(ws, "churn")
    assert [w.start for w in windows] == [START + h * HOUR for h in range(4)]
    assert [w.rows for w in windows] == [400] * 4
    assert all(w.end - w.start == HOUR for w in windows)
    assert windows[0].profile.names == (*FEATURES, "prediction")


def test_a_part_has_lineage_to_the_segments_its_update_read(ws: Workspace) -> None:
    log_hours(ws, _Fixed(), hours=(0, 1), per_hour=100)
    update_windows(ws, "churn")
    segments = {a.id for a in ws.metadata.artifacts(ArtifactQuery(kind="predictions"))}
    [run] = ws.metadata.executions(ExecutionQuery(kind=UPDATE_KIND))
    events = ws.metadata.events(execution_id=run.id)
    inputs = {e.artifact_id for e in events if e.kind is EventKind.INPUT}
    outputs = {e.artifact_id for e in events if e.kind is EventKind.OUTPUT}
    parts = stored_parts(ws.metadata, "churn")
    assert inputs == segments
    assert outputs == {p.id for p in parts}
    assert sorted(len(p.properties["segments"]) for p in parts) == [1, 1]
    assert {int(p.properties["segments"][0]) for p in parts} == segments


def test_a_day_is_the_merge_of_its_hours(ws: Workspace) -> None:
    log_hours(ws, _Fixed(), hours=range(24), per_hour=120, requests=2)
    update_windows(ws, "churn")
    [day] = live_windows(ws, "churn", window=timedelta(days=1))
    assert day.rows == 24 * 120
    assert len(day.part_ids) == 24
    assert (day.start, day.end) == (START, START + timedelta(days=1))
    logged = read_predictions(ws.metadata, ws.artifacts, "churn")
    whole = profile_table(
        pa.table({n: logged[f"input.{n}"] for n in FEATURES} | {"prediction": logged["prediction"]})
    )
    for name in FEATURES:
        merged, direct = day.profile[name], whole[name]
        assert merged.count == direct.count == 2880
        assert merged.moments.mean == pytest.approx(direct.moments.mean, abs=1e-12)
        assert merged.moments.variance == pytest.approx(direct.moments.variance, rel=1e-9)
        xs = np.linspace(-2, 2, 9)
        error = merged.quantiles.rank_error() + direct.quantiles.rank_error()
        assert np.abs(merged.quantiles.cdf(xs) - direct.quantiles.cdf(xs)).max() <= error
    assert day.profile["prediction"].frequent.counts.sum() == 2880


def test_rows_logged_late_for_a_window_make_one_more_part_of_it(ws: Workspace) -> None:
    log_hours(ws, _Fixed(), hours=(0, 1), per_hour=100)
    update_windows(ws, "churn")
    log_hours(ws, _Fixed(), hours=(0,), per_hour=60, seed=5)  # a slow worker's rows
    late = update_windows(ws, "churn")
    assert (late.segments_read, late.rows_read, late.parts_written) == (1, 60, 1)
    first, second = live_windows(ws, "churn")
    assert (first.rows, len(first.part_ids), second.rows) == (160, 2, 100)


def test_versions_and_hours_are_split_within_one_segment(ws: Workspace) -> None:
    rng = np.random.default_rng(3)
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=3600) as log:
        for i, (version, minutes) in enumerate([(1, 50), (2, 55), (1, 65), (2, 130)]):
            at = START + timedelta(minutes=minutes)
            log.log("churn", version, f"r{i}", rows(rng, 10), np.ones(10, np.int64), at)
    assert len(ws.metadata.artifacts(ArtifactQuery(kind="predictions"))) == 1
    update = update_windows(ws, "churn")
    assert (update.segments_read, update.parts_written) == (1, 4)
    found = [(w.version, int((w.start - START) / HOUR), w.rows) for w in live_windows(ws, "churn")]
    assert found == [("1", 0, 10), ("1", 1, 10), ("2", 0, 10), ("2", 2, 10)]
    assert [w.rows for w in live_windows(ws, "churn", version=2)] == [10, 10]
    later = live_windows(ws, "churn", since=START + HOUR, until=START + 2 * HOUR)
    assert [(w.version, w.start) for w in later] == [("1", START + HOUR)]


def test_requests_with_other_types_or_a_missing_input_merge(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=3600) as log:
        log.log("churn", 1, "ints", pa.table({"a": [1, 2], "b": ["x", "y"]}), np.array([0, 1]),
                START)  # fmt: skip
        assert log.flush(timeout=60)
        log.log("churn", 1, "floats", pa.table({"a": [2.5]}), np.array([1]), START)
    update = update_windows(ws, "churn")
    assert (update.segments_read, update.rows_read) == (2, 3)
    [window] = live_windows(ws, "churn")
    assert window.rows == 3
    assert window.profile["a"].count == 3
    assert window.profile["b"].count == 2
    assert window.profile["b"].null_count == 1
    assert window.profile["a"].moments.max == 2.5


def test_batch_predictions_logged_become_windows(ws: Workspace) -> None:
    rng = np.random.default_rng(4)
    inputs = rows(rng, 500)
    labels = (inputs["a"].to_numpy() > 0).astype(np.int64)
    at = START + timedelta(hours=5, minutes=1)
    logged = log_batch(ws, "churn", 1, inputs, labels, at=at, request_id="nightly", labels=labels)
    assert logged == 500
    update = update_windows(ws, "churn")
    assert (update.rows_read, update.parts_written) == (500, 1)
    [window] = live_windows(ws, "churn")
    assert (window.start, window.rows) == (START + 5 * HOUR, 500)
    with pytest.raises(InputError, match="500 input rows but 3 labels"):
        log_batch(ws, "churn", 1, inputs, labels, labels=labels[:3])


def test_bad_arguments_are_refused_naming_them(ws: Workspace) -> None:
    with pytest.raises(InputError, match="window must be a whole number of seconds"):
        update_windows(ws, "churn", window=timedelta(0))
    with pytest.raises(InputError, match="window must be a timedelta"):
        update_windows(ws, "churn", window=3600)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="model"):
        update_windows(ws, "no such/model")
    with pytest.raises(InputError, match="version must be"):
        live_windows(ws, "churn", version=True)
    log_hours(ws, _Fixed(), hours=(0,), per_hour=20, requests=1)
    update_windows(ws, "churn")
    with pytest.raises(InputError, match=r"stored 3600s long; a window of 5400s"):
        live_windows(ws, "churn", window=timedelta(minutes=90))
    assert _counts(ws) == (1, 1)


def test_a_damaged_segment_stops_the_update_and_stores_nothing(
    ws: Workspace, tmp_path: Path
) -> None:
    log_hours(ws, _Fixed(), hours=(0, 1), per_hour=40, requests=1)
    segment = ws.metadata.artifacts(ArtifactQuery(kind="predictions"))[0]
    path = ws.artifacts.local_path(segment.uri)
    assert path is not None
    Path(path).write_bytes(b"PAR1 not a segment")
    with pytest.raises(ArtifactCorruptError):
        update_windows(ws, "churn")
    assert _counts(ws) == (0, 0)
    assert live_windows(ws, "churn") == []


def test_segments_are_read_ahead_within_the_bound(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import driftline.monitor.windows as windows

    log_hours(ws, _Fixed(), hours=range(6), per_hour=40)
    started: list[int] = []
    ahead: list[int] = []
    prepared = windows._prepared

    def counted(*args: Any) -> Any:
        started.append(1)
        return prepared(*args)

    monkeypatch.setattr(windows, "READ_AHEAD_ROWS", 1)  # one segment ahead at most
    monkeypatch.setattr(windows, "_prepared", counted)
    update = update_windows(ws, "churn", progress=lambda done, _: ahead.append(len(started) - done))
    assert (update.segments_read, update.rows_read, update.parts_written) == (6, 240, 6)
    assert len(started) == 6
    assert max(ahead) <= 1  # never more than one segment read beyond the ones profiled


def test_a_damaged_later_segment_stops_the_read_ahead_and_stores_nothing(ws: Workspace) -> None:
    import threading
    import time

    log_hours(ws, _Fixed(), hours=range(5), per_hour=40, requests=1)
    last = ws.metadata.artifacts(ArtifactQuery(kind="predictions", ascending=True))[-1]
    path = ws.artifacts.local_path(last.uri)
    assert path is not None
    Path(path).write_bytes(b"PAR1 not a segment")
    before = threading.active_count()
    with pytest.raises(ArtifactCorruptError):
        update_windows(ws, "churn")
    deadline = time.monotonic() + 10
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before  # no reading thread left behind
    assert _counts(ws) == (0, 0)


def test_two_updates_at_once_never_count_a_row_twice(ws: Workspace) -> None:
    log_hours(ws, _Fixed(), hours=(0, 1, 2), per_hour=48)
    inner: list[WindowUpdate] = []

    def meanwhile(done: int, total: int) -> None:
        if done == 1:  # a second update starts and finishes while the first one reads
            inner.append(update_windows(ws, "churn"))

    outer = update_windows(ws, "churn", progress=meanwhile)
    [first] = inner
    assert (first.segments_read, first.parts_written) == (3, 3)
    assert (outer.segments_read, outer.parts_written) == (3, 0)
    assert "profiled the same segments at the same time" in outer.notes[-1]
    assert [w.rows for w in live_windows(ws, "churn")] == [48, 48, 48]
    assert _counts(ws) == (3, 1)
    log_hours(ws, _Fixed(), hours=(3,), per_hour=48, seed=9)
    assert update_windows(ws, "churn").segments_read == 1


def test_windows_of_two_lengths_are_kept_apart(ws: Workspace) -> None:
    log_hours(ws, _Fixed(), hours=(0, 1), per_hour=40)
    assert update_windows(ws, "churn").parts_written == 2
    short = update_windows(ws, "churn", window=timedelta(minutes=10))
    assert (short.segments_read, short.parts_written) == (2, 8)  # requests at :00 :10 :20 :30
    log_hours(ws, _Fixed(), hours=(2,), per_hour=40, seed=4)
    assert update_windows(ws, "churn").segments_read == 1
    assert update_windows(ws, "churn", window=timedelta(minutes=10)).segments_read == 1
    assert [w.rows for w in live_windows(ws, "churn")] == [40, 40, 40]
    tens = live_windows(ws, "churn", window=timedelta(minutes=10))
    assert [w.rows for w in tens] == [10] * 12
    assert [w.rows for w in live_windows(ws, "churn", window=timedelta(minutes=30))] == [30, 10] * 3


@pytest.mark.slow
def test_processes_updating_at_once_store_each_row_once(ws: Workspace) -> None:
    log_hours(ws, _Fixed(), hours=range(6), per_hour=400)
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(3), ctx.Queue()
    args = (ws.metadata.url, ws.artifacts.url, barrier, out)
    workers = [ctx.Process(target=_update_in_child, args=args) for _ in range(3)]
    for p in workers:
        p.start()
    results = [out.get(timeout=240) for _ in workers]
    for p in workers:
        p.join(timeout=60)
    out.close()
    out.join_thread()
    assert not [r for r in results if isinstance(r, str)], results
    assert [p.exitcode for p in workers] == [0, 0, 0]
    assert sum(parts for _, parts in results) == 6  # one update stored; the others nothing
    assert [w.rows for w in live_windows(ws, "churn")] == [400] * 6
    assert update_windows(ws, "churn").segments_read == 0


def test_an_input_sent_only_as_nulls_counts_as_missing(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=3600) as log:
        log.log("churn", 1, "text", pa.table({"city": ["Oslo", "Rome"]}), np.array([0, 1]), START)
        assert log.flush(timeout=60)
        log.log("churn", 1, "nulls", pa.table({"city": pa.nulls(3)}), np.array([0, 1, 1]), START)
    update_windows(ws, "churn")
    [window] = live_windows(ws, "churn")
    assert window.rows == 5
    assert (window.profile["city"].count, window.profile["city"].null_count) == (2, 3)
    assert window.notes == ()


def test_segments_written_with_zstd_before_lz4_read_the_same(
    new_workspace: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    import driftline.monitor.logs.segment_upload as upload
    from driftline.monitor.logs.segments import PREDICTIONS_KIND

    def zstd(table: Any) -> bytes:  # how segments were written before
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        return bytes(sink.getvalue().to_pybytes())

    windows = []
    codecs = []
    for name, old in (("lz4", False), ("mixed", True)):
        with new_workspace(tmp_path / name) as ws:
            if old:
                monkeypatch.setattr(upload, "encode_segment", zstd)
            log_hours(ws, _Fixed(), hours=(0, 1), per_hour=300)
            monkeypatch.undo()
            log_hours(ws, _Fixed(), hours=(2,), per_hour=300, seed=2)
            assert update_windows(ws, "churn").rows_read == 900
            windows.append([w.profile.to_bytes() for w in live_windows(ws, "churn")])
            found = set()
            for segment in ws.metadata.artifacts(ArtifactQuery(kind=PREDICTIONS_KIND)):
                path = ws.artifacts.local_path(segment.uri)
                assert path is not None
                found.add(pq.ParquetFile(path).metadata.row_group(0).column(0).compression)
            codecs.append(found)
    assert codecs == [{"LZ4"}, {"ZSTD", "LZ4"}]
    assert windows[0] == windows[1]
    assert len(windows[0]) == 3


def test_segments_of_one_window_are_split_from_their_properties_others_from_their_rows(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import driftline.monitor.window_reading as window_reading
    import driftline.monitor.window_rows as window_rows
    from driftline.monitor.logs.segments import PREDICTIONS_KIND

    log_hours(ws, _Fixed(), hours=(0,), per_hour=200)  # one hour: one window, one version
    rng = np.random.default_rng(4)
    x = rows(rng, 300)
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=3600) as log:
        for i, (version, hour) in enumerate([(1, 1), (2, 1), (1, 2)]):  # one segment, mixed
            batch = x.slice(100 * i, 100)
            log.log("churn", version, f"m{i}", batch, np.full(100, i), START + hour * HOUR)
    segments = ws.metadata.artifacts(ArtifactQuery(kind=PREDICTIONS_KIND, ascending=True))
    size = 3_600_000_000
    assert [window_rows.one_group(s.properties, size) is None for s in segments] == [False, True]
    read_keys = []
    read = window_reading.read_columns
    monkeypatch.setattr(
        window_reading,
        "read_columns",
        lambda *a, **k: read_keys.append(k["keys"]) or read(*a, **k),
    )
    update = update_windows(ws, "churn")
    assert read_keys == [False, True]
    assert (update.rows_read, update.parts_written) == (500, 4)
    found = {(w.version, w.start.hour): w.rows for w in live_windows(ws, "churn")}
    assert found == {("1", 0): 200, ("1", 1): 100, ("2", 1): 100, ("1", 2): 100}
