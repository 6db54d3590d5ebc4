"""The prediction log and the feedback log: segments, batching, privacy, failures, backpressure."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from driftline.core.clock import ManualClock
from driftline.core.errors import InputError, ServiceError
from driftline.data.hashing import stable_hash64
from driftline.monitor import read_feedback, read_predictions
from driftline.monitor.logs.feedback import FeedbackLog
from driftline.monitor.logs.predlog import PredictionLog
from driftline.monitor.logs.segments import log_context
from driftline.store.artifacts import ArtifactStore, StoredObject
from driftline.store.queries import ArtifactQuery
from driftline.workspace import Workspace

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Wait for ``condition`` to hold, failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {seconds} s")
        time.sleep(0.005)


def one_row(x: float = 0.5) -> pa.Table:
    return pa.table({"x": [x], "city": ["paris"]})


class GatedStore(ArtifactStore):
    """An artifact store whose writes wait while the test holds ``gate``."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.gate = threading.Lock()
        self.entered = threading.Event()

    def put_bytes(self, key: str, data: bytes | bytearray | memoryview) -> StoredObject:
        self.entered.set()
        with self.gate:
            return super().put_bytes(key, data)


class FlakyStore(ArtifactStore):
    """An artifact store whose first ``failures`` writes fail as an unreachable store does."""

    def __init__(self, url: str, failures: int) -> None:
        super().__init__(url)
        self.failures = failures
        self.calls = 0

    def put_bytes(self, key: str, data: bytes | bytearray | memoryview) -> StoredObject:
        self.calls += 1
        if self.calls <= self.failures:
            raise ServiceError(f"cannot reach the object store (call {self.calls})")
        return super().put_bytes(key, data)


# -- the segments --------------------------------------------------------------------------


def test_a_segment_holds_the_documented_columns_and_properties(ws: Workspace) -> None:
    clock = ManualClock(T0)
    inputs = pa.table({"x": [0.1, 0.2, 0.3], "city": ["a", "b", "c"]})
    with PredictionLog(ws.metadata, ws.artifacts, clock=clock) as log:
        assert log.log("churn", 2, "req-1", inputs, np.array([1, 0, 1]))
        assert log.log("churn", "2024-06", "req-2", one_row(), np.array([0]), at=T0 + timedelta(1))
    (segment,) = ws.metadata.artifacts(ArtifactQuery(kind="predictions"))
    assert segment.uri.startswith("artifact:predictions/")
    props = segment.properties
    assert props["model"] == "churn"
    assert props["versions"] == ["2", "2024-06"]
    assert props["rows"] == 4
    assert props["requests"] == 2
    assert props["time_min"] == T0.isoformat()
    assert props["time_max"] == (T0 + timedelta(1)).isoformat()
    assert props["excluded"] == []
    assert props["hashed"] == []
    assert ws.metadata.artifacts(ArtifactQuery(context=log_context("churn"))) == [segment]

    table = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert props["columns"] == table.column_names
    assert table.schema == pa.schema(
        [
            ("request_id", pa.string()),
            ("row", pa.int32()),
            ("time", pa.timestamp("us", tz="UTC")),
            ("model", pa.string()),
            ("version", pa.string()),
            ("input.x", pa.float64()),
            ("input.city", pa.string()),
            ("prediction", pa.int64()),
        ]
    )
    assert table["request_id"].to_pylist() == ["req-1"] * 3 + ["req-2"]
    assert table["row"].to_pylist() == [0, 1, 2, 0]
    assert table["version"].to_pylist() == ["2", "2", "2", "2024-06"]
    assert table["time"].to_pylist() == [T0, T0, T0, T0 + timedelta(1)]
    assert table["input.x"].to_pylist() == [0.1, 0.2, 0.3, 0.5]
    assert table["prediction"].to_pylist() == [1, 0, 1, 0]


def test_two_dimensional_outputs_become_a_list_column(ws: Workspace) -> None:
    probabilities = np.array([[0.1, 0.9], [0.8, 0.2]])
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        log.log("churn", 1, "a", pa.table({"x": [1.0, 2.0]}), probabilities)
        log.log("churn", 1, "b", pa.table({"x": [3.0]}), np.array([[0.5, 0.5]]))
        log.log(
            "churn",
            1,
            "c",
            pa.table({"x": [4.0]}),
            pa.array([[0.3, 0.7]], pa.list_(pa.float64(), 2)),
        )
    table = read_predictions(ws.metadata, ws.artifacts, "churn").sort_by("request_id")
    assert table.schema.field("prediction").type == pa.list_(pa.float64())
    assert table["prediction"].to_pylist() == [[0.1, 0.9], [0.8, 0.2], [0.5, 0.5], [0.3, 0.7]]


def test_input_column_names_are_kept_after_the_prefix(ws: Workspace) -> None:
    inputs = pa.table({"a b/c": [1], "input.x": [2], "prediction": [3]})
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        log.log("m", 1, "r", inputs, pa.array(["yes"]))
    table = read_predictions(ws.metadata, ws.artifacts, "m")
    assert table.column_names[5:] == [
        "input.a b/c",
        "input.input.x",
        "input.prediction",
        "prediction",
    ]
    assert table["prediction"].to_pylist() == ["yes"]


def test_excluded_columns_are_absent_and_hashed_columns_are_stable_hashes(ws: Workspace) -> None:
    rng = np.random.default_rng(3)
    users = [f"user-{i}" for i in rng.integers(0, 50, size=40)]
    ages = rng.integers(18, 90, size=40)
    inputs = pa.table(
        {
            "user": users,
            "email": [u + "@x.org" for u in users],
            "age": ages,
            "x": rng.normal(size=40),
        }
    )
    with PredictionLog(
        ws.metadata, ws.artifacts, exclude=["email", "absent"], hash_columns=["user", "age"]
    ) as log:
        for i in range(0, 40, 8):
            log.log("churn", 1, f"r{i}", inputs.slice(i, 8), np.zeros(8, dtype=np.int64))
    table = read_predictions(ws.metadata, ws.artifacts, "churn").sort_by(
        [("request_id", "ascending"), ("row", "ascending")]
    )
    assert "input.email" not in table.column_names
    assert not any("email" in name for name in table.column_names)
    assert table.schema.field("input.user").type == pa.uint64()
    order = np.argsort([f"r{i - i % 8}" for i in range(40)], kind="stable")
    assert np.array_equal(table["input.user"].to_numpy(), stable_hash64(pa.array(users))[order])
    assert np.array_equal(table["input.age"].to_numpy(), stable_hash64(ages)[order])
    assert np.array_equal(table["input.x"].to_numpy(), inputs["x"].to_numpy()[order])
    (segment,) = ws.metadata.artifacts(ArtifactQuery(kind="predictions"))
    assert segment.properties["excluded"] == ["email"]
    assert segment.properties["hashed"] == ["user", "age"]
    # the raw values are nowhere in the stored bytes
    raw = ws.artifacts.read_bytes(segment.uri, segment.sha256)
    assert b"user-" not in raw
    assert b"@x.org" not in raw


def test_requests_with_different_columns_go_to_separate_segments(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        log.log("churn", 1, "a", pa.table({"x": [1.0]}), np.array([1]))
        log.log("churn", 2, "b", pa.table({"x": [2.0], "y": ["new"]}), np.array([0]))
        log.log("churn", 1, "c", pa.table({"x": [3.0]}), np.array([1]))
        log.log("other", 1, "d", pa.table({"x": [4.0]}), np.array([1]))
    assert log.stats().segments == 3
    table = read_predictions(ws.metadata, ws.artifacts, "churn").sort_by("request_id")
    assert table["request_id"].to_pylist() == ["a", "b", "c"]
    assert table["input.y"].to_pylist() == [None, "new", None]
    assert read_predictions(ws.metadata, ws.artifacts, "other")["request_id"].to_pylist() == ["d"]


def test_string_outputs_of_any_length_share_a_segment(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        log.log("churn", 1, "a", one_row(), np.array(["no"]))
        log.log("churn", 1, "b", one_row(), np.array(["maybe"]))
    assert log.stats().segments == 1
    table = read_predictions(ws.metadata, ws.artifacts, "churn").sort_by("request_id")
    assert table["prediction"].to_pylist() == ["no", "maybe"]


def test_inputs_with_duplicate_column_names_are_rejected_and_counted(ws: Workspace) -> None:
    inputs = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["x", "x"])
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        assert log.log("churn", 1, "a", inputs, np.array([1]))
    assert log.stats().rejected_rows == 1
    assert log.stats().last_error is not None
    assert "distinct names" in log.stats().last_error


# -- batching ------------------------------------------------------------------------------


def test_many_threads_log_concurrently_and_every_row_is_written_once(ws: Workspace) -> None:
    threads, requests = 8, 250
    sizes = np.random.default_rng(5).integers(1, 4, size=(threads, requests))
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(log: PredictionLog, t: int) -> None:
        try:
            barrier.wait(timeout=30)
            for r in range(requests):
                n = int(sizes[t, r])
                inputs = pa.table({"x": np.full(n, float(t)), "r": np.full(n, r)})
                assert log.log("churn", t % 2, f"t{t}-r{r}", inputs, np.arange(n))
        except BaseException as exc:
            errors.append(exc)

    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=300, flush_seconds=0.05) as log:
        workers = [threading.Thread(target=work, args=(log, t)) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=60)
    assert not errors
    total = int(sizes.sum())
    stats = log.stats()
    assert (stats.requests, stats.rows, stats.written_rows) == (threads * requests, total, total)
    assert stats.queued_rows == stats.dropped_rows == stats.rejected_rows == stats.lost_rows == 0
    assert stats.closed
    assert stats.segments >= 2

    table = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert table.num_rows == total
    counts = table.group_by("request_id").aggregate([("row", "count"), ("row", "max")])
    got = dict(zip(counts["request_id"].to_pylist(), counts["row_count"].to_pylist(), strict=True))
    want = {f"t{t}-r{r}": int(sizes[t, r]) for t in range(threads) for r in range(requests)}
    assert got == want
    assert counts["row_max"].to_pylist() == [n - 1 for n in counts["row_count"].to_pylist()]
    segments = ws.metadata.artifacts(ArtifactQuery(kind="predictions"))
    assert sum(s.properties["rows"] for s in segments) == total


def test_a_segment_is_written_when_flush_rows_are_queued(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=100, flush_seconds=3600) as log:
        for i in range(60):
            log.log("churn", 1, f"a{i}", one_row(), np.array([1]))
        assert log.stats().segments == 0
        log.log(
            "churn",
            1,
            "big",
            pa.table({"x": np.zeros(40), "city": ["c"] * 40}),
            np.ones(40, np.int64),
        )
        wait_until(lambda: log.stats().written_rows == 100)
        assert log.stats().segments == 1
        log.log("churn", 1, "late", one_row(), np.array([1]))
        assert log.stats().queued_rows == 1
    assert log.stats().segments == 2
    rows = sorted(
        s.properties["rows"] for s in ws.metadata.artifacts(ArtifactQuery(kind="predictions"))
    )
    assert rows == [1, 100]


def test_a_segment_is_written_when_the_oldest_row_has_waited_flush_seconds(ws: Workspace) -> None:
    clock = ManualClock(T0)  # only stamps rows here; the timer is checked with real waits
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=0.1) as log:
        for i in range(3):
            log.log("churn", 1, f"r{i}", one_row(), np.array([1]), at=clock.now())
        wait_until(lambda: log.stats().written_rows == 3)
        assert log.stats().segments == 1
        log.log("churn", 1, "r3", one_row(), np.array([1]))
        wait_until(lambda: log.stats().written_rows == 4)
        assert log.stats().segments == 2
        assert read_predictions(ws.metadata, ws.artifacts, "churn").num_rows == 4


def test_the_flush_timer_and_the_time_column_follow_the_injected_clock(ws: Workspace) -> None:
    clock = ManualClock(T0)
    with PredictionLog(
        ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=60, clock=clock
    ) as log:
        log.log("churn", 1, "r0", one_row(), np.array([1]))
        clock.advance(30)
        log.log("churn", 1, "r1", one_row(), np.array([1]))
        assert log.stats().segments == 0
        clock.advance(30)  # the oldest row has now waited 60 s on the clock
        log.log("churn", 1, "r2", one_row(), np.array([1]))  # wakes the writer to look
        # the timer wrote r0 and r1 without a flush or close; r2 too, unless the writer woke
        # (from r1's arrival) after the clock moved and before r2 arrived
        wait_until(lambda: log.stats().written_rows >= 2)
        assert log.stats().segments == 1
    times = read_predictions(ws.metadata, ws.artifacts, "churn")["time"].to_pylist()
    assert times == [T0, T0 + timedelta(seconds=30), T0 + timedelta(seconds=60)]


def test_flush_writes_what_is_queued_and_unflushed_rows_are_not_visible(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=3600) as log:
        log.log("churn", 1, "r0", one_row(), np.array([1]))
        assert read_predictions(ws.metadata, ws.artifacts, "churn").num_rows == 0
        assert log.flush(timeout=30)
        assert read_predictions(ws.metadata, ws.artifacts, "churn").num_rows == 1
        assert log.flush(timeout=30)  # nothing queued: returns at once


def test_close_is_idempotent_and_later_requests_are_dropped_and_counted(ws: Workspace) -> None:
    log = PredictionLog(ws.metadata, ws.artifacts)
    log.log("churn", 1, "r0", one_row(), np.array([1]))
    log.close()
    log.close()
    assert not log.log("churn", 1, "r1", one_row(), np.array([1]))
    stats = log.stats()
    assert (stats.written_rows, stats.dropped_rows, stats.dropped_requests, stats.closed) == (
        1,
        1,
        1,
        True,
    )


# -- the request path never waits for the store --------------------------------------------


def test_log_returns_while_the_writer_is_blocked_on_the_store(ws: Workspace) -> None:
    store = GatedStore(ws.artifacts.url)
    store.gate.acquire()
    log = PredictionLog(ws.metadata, store, flush_rows=5, flush_seconds=3600)
    try:
        for i in range(5):
            log.log("churn", 1, f"a{i}", one_row(), np.array([1]))
        assert store.entered.wait(timeout=30)  # the writer thread is inside put_bytes, waiting

        done = threading.Event()

        def more() -> None:
            for i in range(200):
                log.log("churn", 1, f"b{i}", one_row(), np.array([1]))
            done.set()

        caller = threading.Thread(target=more)
        started = time.perf_counter()
        caller.start()
        assert done.wait(timeout=30), "log() waited for the blocked writer"
        elapsed = time.perf_counter() - started
        assert store.gate.locked()
        assert log.stats().segments == 0
        assert log.stats().queued_rows == 205
        assert elapsed < 5.0
    finally:
        store.gate.release()
        log.close()
    assert log.stats().written_rows == 205


def test_a_writer_that_falls_behind_makes_requests_drop_and_be_counted(ws: Workspace) -> None:
    store = GatedStore(ws.artifacts.url)
    store.gate.acquire()
    log = PredictionLog(ws.metadata, store, flush_rows=10, flush_seconds=3600, queue_rows=50)
    try:
        for i in range(10):
            assert log.log("churn", 1, f"a{i}", one_row(), np.array([1]))
        assert store.entered.wait(timeout=30)  # 10 rows being written, blocked
        accepted = [log.log("churn", 1, f"b{i}", one_row(), np.array([1])) for i in range(60)]
        assert accepted == [True] * 40 + [False] * 20
        big = pa.table({"x": np.zeros(3), "city": ["c"] * 3})
        assert not log.log("churn", 1, "big", big, np.zeros(3))
        stats = log.stats()
        assert (stats.queued_rows, stats.dropped_requests, stats.dropped_rows) == (50, 21, 23)
    finally:
        store.gate.release()
        log.close()
    stats = log.stats()
    assert (stats.written_rows, stats.rows, stats.dropped_rows) == (50, 50, 23)
    assert read_predictions(ws.metadata, ws.artifacts, "churn").num_rows == 50


# -- failures ------------------------------------------------------------------------------


def test_failed_writes_are_retried_and_counted(ws: Workspace) -> None:
    store = FlakyStore(ws.artifacts.url, failures=2)
    with PredictionLog(ws.metadata, store, retries=3, backoff_seconds=0.01) as log:
        for i in range(5):
            log.log("churn", 1, f"r{i}", one_row(), np.array([1]))
        assert log.flush(timeout=30)
        stats = log.stats()
    assert (stats.write_failures, stats.written_rows, stats.segments) == (2, 5, 1)
    assert stats.last_error is not None
    assert "cannot reach the object store" in stats.last_error
    assert read_predictions(ws.metadata, ws.artifacts, "churn").num_rows == 5


def test_rows_are_kept_while_the_store_stays_down_and_written_when_it_is_back(
    ws: Workspace,
) -> None:
    store = FlakyStore(ws.artifacts.url, failures=5)
    with PredictionLog(
        ws.metadata, store, retries=1, backoff_seconds=0.01, flush_seconds=3600
    ) as log:
        for i in range(7):
            log.log("churn", 1, f"r{i}", one_row(), np.array([1]))
        assert not log.flush(timeout=30)  # two attempts failed: the rows wait for another round
        assert log.stats().queued_rows == 7
        wait_until(lambda: log.stats().written_rows == 7)
        stats = log.stats()
    assert (stats.write_failures, stats.lost_rows, stats.queued_rows, stats.segments) == (
        5,
        0,
        0,
        1,
    )
    table = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert sorted(table["request_id"].to_pylist()) == [f"r{i}" for i in range(7)]


def test_a_metadata_write_that_failed_after_committing_is_not_recorded_twice(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ws.metadata.put_artifact
    calls: list[int] = []

    def commit_then_fail(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        made = real(*args, **kwargs)
        if len(calls) == 1:
            raise ServiceError("the connection dropped after COMMIT")
        return made

    monkeypatch.setattr(ws.metadata, "put_artifact", commit_then_fail)
    with PredictionLog(ws.metadata, ws.artifacts, backoff_seconds=0.01) as log:
        log.log("churn", 1, "r0", one_row(), np.array([1]))
    assert len(calls) == 1
    assert log.stats().write_failures == 1
    assert log.stats().written_rows == 1
    assert len(ws.metadata.artifacts(ArtifactQuery(kind="predictions"))) == 1
    assert read_predictions(ws.metadata, ws.artifacts, "churn").num_rows == 1


def test_close_gives_up_on_a_dead_store_without_raising_and_counts_lost_rows(ws: Workspace) -> None:
    store = FlakyStore(ws.artifacts.url, failures=10**9)
    log = PredictionLog(ws.metadata, store, retries=2, backoff_seconds=0.001, flush_seconds=3600)
    for i in range(4):
        log.log("churn", 1, f"r{i}", one_row(), np.array([1]))
    log.close(timeout=60)
    stats = log.stats()
    assert stats.closed
    assert (stats.lost_rows, stats.written_rows, stats.queued_rows) == (4, 0, 0)
    assert stats.write_failures == 3


def test_rows_that_cannot_be_encoded_are_rejected_and_counted(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts, hash_columns=["tags"]) as log:
        log.log("churn", 1, "bad", pa.table({"tags": [["a", "b"]]}), np.array([1]))
        log.log("other", 1, "good", one_row(), np.array([1]))
    stats = log.stats()
    assert (stats.rejected_rows, stats.written_rows) == (1, 1)
    assert stats.last_error is not None
    assert "cannot hash" in stats.last_error
    assert read_predictions(ws.metadata, ws.artifacts, "other").num_rows == 1


# -- bad calls -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("no spaces", 1, "r", one_row(), np.array([1])), "model name"),
        (("m", True, "r", one_row(), np.array([1])), "version"),
        (("m", "", "r", one_row(), np.array([1])), "version"),
        (("m", 1, 7, one_row(), np.array([1])), "request_id"),
        (("m", 1, "", one_row(), np.array([1])), "request_id"),
        (("m", 1, "x" * 257, one_row(), np.array([1])), "request_id"),
        (("m", 1, "r", {"x": [1]}, np.array([1])), "inputs must be a pyarrow.Table"),
        (("m", 1, "r", one_row(), [1]), "outputs must be"),
        (("m", 1, "r", one_row(), np.array([1, 2])), "1 input rows but 2 outputs"),
        (("m", 1, "r", one_row(), np.zeros((1, 2, 2))), "1-D or 2-D"),
    ],
)
def test_bad_calls_are_refused_and_name_the_problem(
    ws: Workspace, args: tuple[Any, ...], message: str
) -> None:
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        with pytest.raises(InputError, match=message):
            log.log(*args)
        with pytest.raises(InputError, match="at must be a datetime"):
            log.log("m", 1, "r", one_row(), np.array([1]), at="yesterday")  # type: ignore[arg-type]
    assert log.stats().requests == 0


def test_bad_options_are_refused(ws: Workspace) -> None:
    with pytest.raises(InputError, match="both excluded and hashed: user"):
        PredictionLog(ws.metadata, ws.artifacts, exclude=["user"], hash_columns=["user"])
    with pytest.raises(InputError, match="flush_rows"):
        PredictionLog(ws.metadata, ws.artifacts, flush_rows=0)
    with pytest.raises(InputError, match="flush_seconds"):
        PredictionLog(ws.metadata, ws.artifacts, flush_seconds=-1)
    with pytest.raises(InputError, match="exclude"):
        PredictionLog(ws.metadata, ws.artifacts, exclude="user")
    with pytest.raises(InputError, match="retries"):
        FeedbackLog(ws.metadata, ws.artifacts, retries=-1)


def test_numpy_outputs_are_copied(ws: Workspace) -> None:
    outputs = np.array([1])
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        log.log("churn", 1, "r", one_row(), outputs)
        outputs[0] = 99
    assert read_predictions(ws.metadata, ws.artifacts, "churn")["prediction"].to_pylist() == [1]


# -- feedback ------------------------------------------------------------------------------


def test_feedback_takes_single_labels_lists_per_row_and_tables(ws: Workspace) -> None:
    clock = ManualClock(T0)
    with FeedbackLog(ws.metadata, ws.artifacts, clock=clock) as feedback:
        assert feedback.record("churn", {"a": 1, "b": 0}) == 2
        assert feedback.record("churn", {"c": [1, 0, 1], "d": []}) == 3
        table = pa.table(
            {"request_id": ["e", "e"], "row": pa.array([1, 0], pa.int8()), "label": [0, 1]}
        )
        assert feedback.record("churn", table, at=T0 + timedelta(days=3)) == 2
        assert feedback.record("churn", {}) == 0
    stats = feedback.stats()
    assert (stats.requests, stats.rows, stats.written_rows, stats.segments) == (3, 7, 7, 1)
    got = read_feedback(ws.metadata, ws.artifacts, "churn")
    assert got.column_names == ["request_id", "row", "time", "model", "label"]
    triples = sorted(
        zip(
            got["request_id"].to_pylist(),
            got["row"].to_pylist(),
            got["label"].to_pylist(),
            strict=True,
        )
    )
    assert triples == [
        ("a", 0, 1),
        ("b", 0, 0),
        ("c", 0, 1),
        ("c", 1, 0),
        ("c", 2, 1),
        ("e", 0, 1),
        ("e", 1, 0),
    ]
    late = got.filter(pc.equal(got["request_id"], "e"))
    assert late["time"].to_pylist() == [T0 + timedelta(days=3)] * 2
    (segment,) = ws.metadata.artifacts(ArtifactQuery(kind="feedback", context=log_context("churn")))
    assert segment.uri.startswith("artifact:feedback/")
    assert segment.properties["rows"] == 7


def test_labels_of_different_types_go_to_separate_feedback_segments(ws: Workspace) -> None:
    with FeedbackLog(ws.metadata, ws.artifacts) as feedback:
        feedback.record("churn", {"a": "yes"})
        feedback.record("churn", {"b": 2.5})
    assert feedback.stats().segments == 2


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({1: 1}, "request ids must be strings, got 1"),
        ({"": 1}, "non-empty strings"),
        ({"x" * 300: 1}, "at most 256"),
        ({"a": 1, "b": [1, 2]}, "one label, or a list"),
        ({"a": None}, "every label is missing"),
        ({"a": 1, "b": None}, "label of request 'b' is missing"),
        ({"a": [[1]]}, "labels must be booleans, integers, floats or strings"),
        ({"a": {"k": 1}}, "labels must be booleans"),
        ({"a": [1, None]}, "label of request 'a' is missing"),
        ([("a", 1)], "labels must be a mapping"),
        (pa.table({"request_id": ["a"], "label": [1]}), "missing: row"),
        (
            pa.table({"request_id": ["a"], "row": [0], "label": [1], "extra": [1]}),
            "unexpected: extra",
        ),
        (pa.table({"request_id": ["a"], "row": [-1], "label": [1]}), "between 0 and"),
        (pa.table({"request_id": ["a"], "row": [0.5], "label": [1]}), "whole numbers"),
        (pa.table({"request_id": [1], "row": [0], "label": [1]}), "request ids must be strings"),
        (
            pa.table({"request_id": ["a", None], "row": [0, 0], "label": [1, 1]}),
            "request id is missing",
        ),
        (
            pa.table({"request_id": ["a", "a"], "row": [0, 0], "label": [1, 0]}),
            "'a' row 0 has more than one",
        ),
    ],
)
def test_bad_feedback_is_refused_and_names_the_problem(
    ws: Workspace, labels: Any, message: str
) -> None:
    with FeedbackLog(ws.metadata, ws.artifacts) as feedback:
        with pytest.raises(InputError, match=message):
            feedback.record("churn", labels)
        with pytest.raises(InputError, match="model name"):
            feedback.record("bad name", {"a": 1})
    assert feedback.stats().requests == 0
