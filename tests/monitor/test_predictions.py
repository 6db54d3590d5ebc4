"""Reading the prediction log back: windows, versions, feedback joins and live metrics."""

from __future__ import annotations

import multiprocessing
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from driftline.core.clock import ManualClock
from driftline.core.errors import ArtifactCorruptError, InputError
from driftline.data.hashing import stable_hash64
from driftline.monitor import (
    joined,
    latest_feedback,
    live_metrics,
    read_feedback,
    read_predictions,
)
from driftline.monitor.logs.feedback import FeedbackLog
from driftline.monitor.logs.predlog import PredictionLog
from driftline.store.artifacts import ArtifactStore
from driftline.store.metadata import open_metadata_store
from driftline.store.queries import ArtifactQuery
from driftline.workspace import Workspace

T0 = datetime(2026, 5, 1, tzinfo=UTC)
PROCESSES = 3
REQUESTS = 120


def _sizes(worker: int) -> np.ndarray:
    return np.random.default_rng(100 + worker).integers(1, 5, size=REQUESTS)


def _log_in_child(
    metadata_url: str, artifacts_url: str, worker: int, barrier: Any, out: Any
) -> None:
    try:
        with (
            open_metadata_store(metadata_url) as metadata,
            ArtifactStore(artifacts_url) as artifacts,
            PredictionLog(
                metadata, artifacts, flush_rows=10**6, flush_seconds=3600, hash_columns=["user"]
            ) as log,
        ):
            barrier.wait(timeout=120)
            for r, n in enumerate(_sizes(worker).tolist()):
                inputs = pa.table({"user": [f"u{worker}"] * n, "x": np.arange(n, dtype=np.float64)})
                log.log("churn", worker % 2 + 1, f"w{worker}-{r}", inputs, np.full(n, worker))
                if r % 40 == 39:
                    assert log.flush(timeout=120)  # several segments per process
        out.put((worker, log.stats().written_rows))
    except BaseException:
        out.put((worker, traceback.format_exc()))
        raise


@pytest.mark.slow
def test_several_processes_log_into_one_workspace_and_a_reader_sees_every_row_once(
    ws: Workspace,
) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(PROCESSES), ctx.Queue()
    url = ws.metadata.url
    workers = [
        ctx.Process(target=_log_in_child, args=(url, ws.artifacts.url, w, barrier, out))
        for w in range(PROCESSES)
    ]
    for p in workers:
        p.start()
    results = dict(out.get(timeout=240) for _ in workers)
    for p in workers:
        p.join(timeout=60)
    out.close()
    out.join_thread()
    failures = [f"worker {w}: {r}" for w, r in results.items() if isinstance(r, str)]
    assert not failures, "\n".join(failures)
    assert [p.exitcode for p in workers] == [0] * PROCESSES
    assert results == {w: int(_sizes(w).sum()) for w in range(PROCESSES)}

    table = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert table.num_rows == sum(results.values())
    keys = table.group_by(["request_id", "row"]).aggregate([("row", "count")])
    assert keys.num_rows == table.num_rows  # every (request, row) exactly once
    counts = table.group_by("request_id").aggregate([("row", "count")])
    got = dict(zip(counts["request_id"].to_pylist(), counts["row_count"].to_pylist(), strict=True))
    want = {f"w{w}-{r}": int(n) for w in range(PROCESSES) for r, n in enumerate(_sizes(w))}
    assert got == want
    users = table["input.user"].to_numpy()
    expected = stable_hash64(
        pa.array([f"u{w}" for w in pc.cast(table["prediction"], pa.int64()).to_pylist()])
    )
    assert np.array_equal(users, expected)
    by_version = read_predictions(ws.metadata, ws.artifacts, "churn", version=2)
    assert set(by_version["prediction"].to_pylist()) == {1}
    segments = ws.metadata.artifacts(ArtifactQuery(kind="predictions"))
    assert len(segments) == PROCESSES * REQUESTS // 40


def _log_days(ws: Workspace) -> None:
    """Four requests, one per day from T0, versions 1, 1, 2, 2."""
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=2) as log:
        for day in range(4):
            inputs = pa.table({"x": [float(day), float(day) + 0.5]})
            at = T0 + timedelta(days=day)
            log.log("churn", 1 + day // 2, f"d{day}", inputs, np.array([day % 2, 1]), at=at)
            assert log.flush(timeout=30)  # one segment per day


def test_reads_take_a_time_window_and_a_version(ws: Workspace) -> None:
    _log_days(ws)
    assert len(ws.metadata.artifacts(ArtifactQuery(kind="predictions"))) == 4
    every = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert every["request_id"].to_pylist() == ["d0", "d0", "d1", "d1", "d2", "d2", "d3", "d3"]
    window = read_predictions(
        ws.metadata,
        ws.artifacts,
        "churn",
        since=T0 + timedelta(days=1),
        until=(T0 + timedelta(days=3)).replace(tzinfo=None),  # naive means UTC
    )
    assert window["request_id"].to_pylist() == ["d1", "d1", "d2", "d2"]
    v2 = read_predictions(
        ws.metadata, ws.artifacts, "churn", version="2", since=T0 + timedelta(days=3)
    )
    assert v2["request_id"].to_pylist() == ["d3", "d3"]
    assert read_predictions(ws.metadata, ws.artifacts, "churn", version=7).num_rows == 0
    assert read_predictions(ws.metadata, ws.artifacts, "other").num_rows == 0


def test_bad_reads_are_refused(ws: Workspace) -> None:
    with pytest.raises(InputError, match="model name"):
        read_predictions(ws.metadata, ws.artifacts, "no such/model")
    with pytest.raises(InputError, match="since must be a datetime"):
        read_predictions(ws.metadata, ws.artifacts, "churn", since="2026-05-01")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="must be after since"):
        read_predictions(ws.metadata, ws.artifacts, "churn", since=T0, until=T0)
    with pytest.raises(InputError, match="version"):
        read_predictions(ws.metadata, ws.artifacts, "churn", version=True)


def test_a_corrupt_segment_is_detected(ws: Workspace) -> None:
    _log_days(ws)
    segment = ws.metadata.artifacts(ArtifactQuery(kind="predictions"))[0]
    path = ws.artifacts.local_path(segment.uri)
    assert path is not None
    data = bytearray(Path(path).read_bytes())
    data[len(data) // 2] ^= 0xFF
    Path(path).write_bytes(bytes(data))
    with pytest.raises(
        ArtifactCorruptError, match=f"artifact {segment.id} \\(predictions segment\\)"
    ):
        read_predictions(ws.metadata, ws.artifacts, "churn")


def test_late_feedback_is_joined_and_a_later_label_overrides_an_earlier_one(ws: Workspace) -> None:
    _log_days(ws)
    clock = ManualClock(T0 + timedelta(days=10))  # labels come days after the predictions
    with FeedbackLog(ws.metadata, ws.artifacts, clock=clock) as feedback:
        feedback.record("churn", {"d0": [0, 0], "d1": [1, 1]})
        feedback.flush(timeout=30)
        clock.advance(3600)
        feedback.record("churn", {"d0": [1, 0]})  # d0 row 0 corrected
        feedback.record("churn", pa.table({"request_id": ["unknown"], "row": [0], "label": [1]}))

    every = read_feedback(ws.metadata, ws.artifacts, "churn")
    assert every.num_rows == 7
    latest = latest_feedback(every).sort_by([("request_id", "ascending"), ("row", "ascending")])
    assert latest["request_id"].to_pylist() == ["d0", "d0", "d1", "d1", "unknown"]
    assert latest["label"].to_pylist() == [1, 0, 1, 1, 1]

    table = joined(ws.metadata, ws.artifacts, "churn")
    assert table.column_names[-2:] == ["label", "label_time"]
    assert table["request_id"].to_pylist() == ["d0", "d0", "d1", "d1", "d2", "d2", "d3", "d3"]
    assert table["label"].to_pylist() == [1, 0, 1, 1, None, None, None, None]
    later = T0 + timedelta(days=10, hours=1)
    first = T0 + timedelta(days=10)
    assert table["label_time"].to_pylist() == [later, later, first, first, None, None, None, None]

    recent = joined(ws.metadata, ws.artifacts, "churn", since=T0 + timedelta(days=1), version=1)
    assert recent["request_id"].to_pylist() == ["d1", "d1"]
    assert recent["label"].to_pylist() == [1, 1]


def test_same_time_labels_are_ordered_as_recorded(ws: Workspace) -> None:
    clock = ManualClock(T0)  # every label has the same time
    with FeedbackLog(ws.metadata, ws.artifacts, clock=clock, flush_rows=1) as feedback:
        for label in ["a", "b", "c"]:
            feedback.record("churn", {"r": label})
            assert feedback.flush(timeout=30)
    assert feedback.stats().segments == 3
    latest = latest_feedback(read_feedback(ws.metadata, ws.artifacts, "churn"))
    assert latest["label"].to_pylist() == ["c"]


def test_live_accuracy_per_version_matches_numpy(ws: Workspace) -> None:
    rng = np.random.default_rng(42)
    n = 600
    versions = rng.integers(1, 3, size=n)
    predicted = rng.integers(0, 3, size=n)
    truth = np.where(rng.random(n) < 0.7, predicted, rng.integers(0, 3, size=n))
    labelled = rng.random(n) < 0.6
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=128) as log:
        for i in range(0, n, 3):  # three-row requests
            v = int(versions[i])
            log.log("churn", v, f"r{i}", pa.table({"x": np.arange(3.0)}), predicted[i : i + 3])
    versions = np.repeat(versions[::3], 3)  # one version per request
    ids = np.array([f"r{i - i % 3}" for i in range(n)])
    rows = np.arange(n) % 3
    with FeedbackLog(ws.metadata, ws.artifacts) as feedback:
        feedback.record(
            "churn",
            pa.table(
                {"request_id": ids[labelled], "row": rows[labelled], "label": truth[labelled]}
            ),
        )
    table = joined(ws.metadata, ws.artifacts, "churn")
    metrics = live_metrics(table)
    assert set(metrics) == {"1", "2"}
    for v in (1, 2):
        mine = versions == v
        both = mine & labelled
        got = metrics[str(v)]
        assert got["rows"] == int(mine.sum())
        assert got["rows_with_labels"] == int(both.sum())
        assert got["accuracy"] == pytest.approx(float(np.mean(predicted[both] == truth[both])))


def test_live_regression_metrics_match_numpy() -> None:
    rng = np.random.default_rng(9)
    predicted, truth = rng.normal(size=50), rng.normal(size=50)
    labels = pa.array(truth, mask=np.arange(50) % 5 == 0)
    table = pa.table({"version": ["3"] * 50, "prediction": predicted, "label": labels})
    got = live_metrics(table, metric="rmse")["3"]
    keep = np.arange(50) % 5 != 0
    error = predicted[keep] - truth[keep]
    assert got["rows_with_labels"] == 40
    assert got["rmse"] == pytest.approx(float(np.sqrt(np.mean(error**2))))
    assert got["mae"] == pytest.approx(float(np.mean(np.abs(error))))


def test_live_metrics_of_string_classes_and_unlabelled_versions() -> None:
    table = pa.table(
        {
            "version": ["1", "1", "1", "2"],
            "prediction": ["cat", "dog", "dog", "cat"],
            "label": ["cat", "cat", "dog", None],
        }
    )
    assert live_metrics(table) == {
        "1": {"rows": 3, "rows_with_labels": 3, "accuracy": pytest.approx(2 / 3)},
        "2": {"rows": 1, "rows_with_labels": 0},
    }
    assert live_metrics(table.slice(0, 0)) == {}


def test_live_metrics_refuse_what_they_cannot_compute() -> None:
    table = pa.table({"version": ["1"], "prediction": [[0.2, 0.8]], "label": [1]})
    with pytest.raises(InputError, match="one prediction per row"):
        live_metrics(table)
    with pytest.raises(InputError, match="unknown live metric 'roc_auc'"):
        live_metrics(table, metric="roc_auc")  # needs probabilities, which the log does not keep
    with pytest.raises(InputError, match="lacks the column"):
        live_metrics(pa.table({"version": ["1"]}))
    strings = pa.table({"version": ["1"], "prediction": ["a"], "label": ["b"]})
    with pytest.raises(InputError, match="numeric"):
        live_metrics(strings, metric="mae")


def test_two_dimensional_predictions_survive_the_join(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        log.log("churn", 1, "a", pa.table({"x": [1.0, 2.0]}), np.array([[0.1, 0.9], [0.6, 0.4]]))
    with FeedbackLog(ws.metadata, ws.artifacts) as feedback:
        feedback.record("churn", {"a": [1, 0]})
    table = joined(ws.metadata, ws.artifacts, "churn")
    assert table["prediction"].to_pylist() == [[0.1, 0.9], [0.6, 0.4]]
    assert table["label"].to_pylist() == [1, 0]


def test_joined_on_an_empty_log_is_empty(ws: Workspace) -> None:
    table = joined(ws.metadata, ws.artifacts, "churn")
    assert table.num_rows == 0
    assert "label" in table.column_names
    assert live_metrics(table) == {}
    assert read_feedback(ws.metadata, ws.artifacts, "churn").num_rows == 0


@pytest.mark.s3
def test_the_log_and_its_feedback_on_s3(s3_server: Any, s3_url: str, tmp_path: Path) -> None:
    with (
        open_metadata_store(f"sqlite:///{tmp_path}/metadata.db", create=True) as metadata,
        ArtifactStore(s3_url, storage_options=s3_server.storage_options).create() as artifacts,
    ):
        with PredictionLog(metadata, artifacts, exclude=["secret"]) as log:
            for i in range(10):
                inputs = pa.table({"x": [float(i)], "secret": ["pin"]})
                at = T0 + timedelta(minutes=i)
                log.log("churn", 1, f"r{i}", inputs, np.array([i % 2]), at=at)
                if i == 4:
                    assert log.flush(timeout=60)
        with FeedbackLog(metadata, artifacts) as feedback:
            feedback.record("churn", {f"r{i}": 1 for i in range(10)})
        assert log.stats().segments == 2
        segments = metadata.artifacts(ArtifactQuery(kind="predictions"))
        assert all(s.uri.startswith("artifact:predictions/") for s in segments)
        table = joined(metadata, artifacts, "churn")
        assert table["request_id"].to_pylist() == [f"r{i}" for i in range(10)]
        assert "input.secret" not in table.column_names
        assert live_metrics(table) == {"1": {"rows": 10, "rows_with_labels": 10, "accuracy": 0.5}}
