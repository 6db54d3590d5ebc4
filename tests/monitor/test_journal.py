"""The journal: framing and torn tails, group commit, failures, and exactly-once replay."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from driftline.core.errors import InputError, ServiceError
from driftline.monitor import read_feedback, read_predictions
from driftline.monitor.logs.feedback import FeedbackLog
from driftline.monitor.logs.journal import Journal
from driftline.monitor.logs.journal_format import (
    MAGIC,
    file_path,
    frame_header,
    journal_files,
    lock_path,
    read_frames,
)
from driftline.monitor.logs.journal_records import encode_prediction
from driftline.monitor.logs.journal_replay import recover
from driftline.monitor.logs.predlog import PredictionLog
from driftline.store.artifacts import ArtifactStore, StoredObject
from driftline.store.queries import ArtifactQuery
from driftline.workspace import Workspace

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {seconds} s")
        time.sleep(0.002)


class GatedJournal(Journal):
    """A journal whose writes wait while the test holds ``gate`` (or fail while ``broken``)."""

    def __init__(self, folder: Path, kind: str) -> None:
        self.gate = threading.Lock()
        self.entered = threading.Event()
        self.broken = False
        super().__init__(folder, kind)

    def _write(self, batch: list[tuple[int, Any]]) -> int:
        self.entered.set()
        with self.gate:
            if self.broken:
                raise OSError(28, "No space left on device")
            return super()._write(batch)


class DeadStore(ArtifactStore):
    """An artifact store that cannot be reached."""

    def put_bytes(self, key: str, data: bytes | bytearray | memoryview) -> StoredObject:
        raise ServiceError("cannot reach the object store")


def one_row(i: int) -> pa.Table:
    return pa.table({"x": [float(i)], "city": ["paris"]})


# -- the format ------------------------------------------------------------------------------


def test_frames_round_trip_and_a_torn_tail_is_dropped() -> None:
    payloads = [b"a" * 10, b"bb" * 100, b"c" * 3]
    data = MAGIC + b"".join(frame_header(i + 1, p) + p for i, p in enumerate(payloads))
    records, torn = read_frames(data)
    assert [(rid, bytes(p)) for rid, p in records] == [
        (1, payloads[0]),
        (2, payloads[1]),
        (3, b"ccc"),
    ]
    assert torn == 0
    # cut anywhere inside the last frame: the first two records stay, the rest is dropped
    last = len(frame_header(3, payloads[2]) + payloads[2])
    for cut in range(1, last):
        records, torn = read_frames(data[: len(data) - cut])
        assert [rid for rid, _ in records] == [1, 2]
        assert torn == last - cut
    # a flipped bit in the last payload or header fails its CRC
    for at in (len(data) - 1, len(data) - last + 5):
        broken = bytearray(data)
        broken[at] ^= 0x01
        assert [rid for rid, _ in read_frames(bytes(broken))[0]] == [1, 2]
    # zeros after the last record (a file extended but not written) are a torn tail too
    assert read_frames(data + bytes(64)) == (read_frames(data)[0], 64)


def test_a_file_cut_before_its_first_record_is_empty_and_another_file_is_refused() -> None:
    assert read_frames(b"") == ([], 0)
    assert read_frames(MAGIC[:5]) == ([], 5)
    with pytest.raises(InputError, match="not a driftline journal"):
        read_frames(b"PAR1" + bytes(20))


# -- group commit ----------------------------------------------------------------------------


def test_concurrent_appenders_share_one_flush(tmp_path: Path) -> None:
    journal = GatedJournal(tmp_path, "predictions")
    try:
        journal.gate.acquire()
        first = journal.append(b"first")
        done: list[int] = []

        def appender(i: int) -> None:
            rid = journal.append(f"record {i}".encode())
            journal.wait(rid, timeout=30)
            done.append(rid)

        assert journal.entered.wait(30)  # the first record's flush is under way (and held)
        threads = [threading.Thread(target=appender, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        wait_until(lambda: journal.stats().records == 21)
        assert done == []  # nobody is acknowledged before the disk has it
        journal.gate.release()
        journal.wait(first, timeout=30)
        for thread in threads:
            thread.join(30)
        stats = journal.stats()
        assert sorted(done) == list(range(2, 22))
        assert (stats.syncs, stats.durable) == (2, 21)  # 21 records, 2 flushes
        [path] = journal_files(tmp_path, "predictions")[journal.journal_id]
        records, torn = read_frames(path.read_bytes())
        assert [rid for rid, _ in records] == list(range(1, 22))
        assert torn == 0
    finally:
        journal.close()


def test_waiters_on_an_event_loop_are_woken_by_the_flush_that_covers_them(tmp_path: Path) -> None:
    journal = GatedJournal(tmp_path, "feedback")

    async def main() -> list[int]:
        journal.gate.acquire()
        ids = [journal.append(b"x" * i) for i in range(1, 51)]
        waits = [asyncio.ensure_future(journal.wait_async(rid, 30)) for rid in ids]
        await asyncio.sleep(0)
        assert not any(w.done() for w in waits)
        journal.gate.release()
        await asyncio.gather(*waits)
        return ids

    try:
        ids = asyncio.run(main())
        assert journal.stats().durable == ids[-1] == 50
        assert journal.stats().syncs <= 2  # the first record alone, then all the others at most
    finally:
        journal.close()


def test_requests_of_one_turn_of_the_loop_share_one_flush(tmp_path: Path) -> None:
    with Journal(tmp_path, "predictions") as journal:

        async def request(i: int) -> int:
            rid = journal.append(b"request %d" % i, wake=False)  # as a request appends
            await journal.wait_async(rid, 30)  # as its response waits
            return rid

        async def main() -> list[int]:
            return await asyncio.gather(*(request(i) for i in range(40)))

        assert asyncio.run(main()) == list(range(1, 41))
        stats = journal.stats()
        journal.drained(range(1, 41))
    assert (stats.records, stats.syncs) == (40, 1)


def test_a_failed_flush_fails_its_waiters_and_the_journal_goes_on_in_a_new_file(
    tmp_path: Path,
) -> None:
    journal = GatedJournal(tmp_path, "feedback")
    try:
        journal.broken = True
        rid = journal.append(b"lost")
        with pytest.raises(ServiceError, match="could not write record 1: OSError"):
            journal.wait(rid, timeout=30)
        journal.broken = False
        later = journal.append(b"kept")
        journal.wait(later, timeout=30)
        with pytest.raises(ServiceError, match="could not write record 1"):
            journal.wait(rid, timeout=30)  # still failed, later flushes do not change that
        stats = journal.stats()
        assert (stats.failures, stats.syncs, stats.durable) == (1, 1, 2)
        assert "No space left on device" in (stats.last_error or "")
    finally:
        journal.close()


def test_files_rotate_and_go_once_their_records_are_drained(tmp_path: Path) -> None:
    journal = Journal(tmp_path, "predictions", rotate_bytes=100)
    try:
        ids = []
        for _ in range(5):
            ids.append(journal.append(bytes(80)))
            journal.wait(ids[-1], timeout=30)  # one flush each, so one file each
        files = journal_files(tmp_path, "predictions")[journal.journal_id]
        assert len(files) == 5
        journal.drained(ids[2:])  # not yet the first two: nothing can go
        assert len(journal_files(tmp_path, "predictions")[journal.journal_id]) == 5
        journal.drained(ids[:2])
        left = journal_files(tmp_path, "predictions")[journal.journal_id]
        assert left == files[-1:]  # the file being written stays until close
    finally:
        journal.close()
    assert journal_files(tmp_path, "predictions") == {}
    assert list(tmp_path.iterdir()) == []  # the lock file went too


def test_a_journal_with_records_not_drained_is_kept_at_close(tmp_path: Path) -> None:
    with Journal(tmp_path, "predictions") as journal:
        journal.wait(journal.append(b"not in a segment"), timeout=30)
    [files] = journal_files(tmp_path, "predictions").values()
    assert len(files) == 1
    assert lock_path(tmp_path, "predictions", journal.journal_id).exists()


# -- durable logs in one process -------------------------------------------------------------


def test_a_durable_log_returns_once_the_record_is_on_disk(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    with PredictionLog(
        ws.metadata, ws.artifacts, durability="durable", journal_dir=folder, clock=None
    ) as log:
        for i in range(5):
            assert log.log("churn", 1, f"r{i}", one_row(i), np.array([i % 2]), at=T0)
            [path] = next(iter(journal_files(folder, "predictions").values()))
            assert [rid for rid, _ in read_frames(path.read_bytes())[0]] == list(range(1, i + 2))
    assert journal_files(folder, "predictions") == {}  # all written: the journal is gone
    table = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert table["request_id"].to_pylist() == [f"r{i}" for i in range(5)]
    [segment] = ws.metadata.artifacts(ArtifactQuery(kind="predictions"))
    assert list(segment.properties["journal"].values()) == [[[1, 5]]]


def test_durable_needs_a_journal_folder(ws: Workspace) -> None:
    with pytest.raises(InputError, match="a durable predictions log needs journal_dir"):
        PredictionLog(ws.metadata, ws.artifacts, durability="durable")
    with pytest.raises(InputError, match="durability must be one of buffered, durable"):
        FeedbackLog(ws.metadata, ws.artifacts, durability="safe")


def test_records_the_store_never_took_are_replayed_by_the_next_log(
    ws: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "journal"
    dead = DeadStore(ws.artifacts.url)
    log = PredictionLog(
        ws.metadata, dead, durability="durable", journal_dir=folder, retries=0, backoff_seconds=0
    )
    for i in range(3):
        assert log.log("churn", 1, f"r{i}", one_row(i), np.array([1]), at=T0)
    log.close(timeout=30)
    assert log.stats().lost_rows == 3
    assert len(journal_files(folder, "predictions")) == 1  # kept: nothing acknowledged is lost
    with PredictionLog(ws.metadata, ws.artifacts, journal_dir=folder) as again:  # buffered
        [replayed] = again.replayed
        assert (replayed.records, replayed.rows, replayed.skipped) == (3, 3, 0)
    assert read_predictions(ws.metadata, ws.artifacts, "churn")["request_id"].to_pylist() == [
        "r0",
        "r1",
        "r2",
    ]
    assert journal_files(folder, "predictions") == {}


# -- crashes ---------------------------------------------------------------------------------

CRASH = """
import os, signal, numpy as np, pyarrow as pa
from driftline.monitor.logs.feedback import FeedbackLog
from driftline.monitor.logs.predlog import PredictionLog
from driftline.workspace import Workspace

ws = Workspace.open({ws!r})
log = PredictionLog(ws.metadata, ws.artifacts, durability="durable", journal_dir={folder!r})
feedback = FeedbackLog(ws.metadata, ws.artifacts, durability="durable", journal_dir={folder!r})
for i in range({written}):
    log.log("churn", 2, f"r{{i}}", pa.table({{"x": [float(i)] * 2}}), np.array([[0.2, 0.8]] * 2))
feedback.record("churn", {{f"r{{i}}": [1, 0] for i in range({written})}})
assert log.flush(30) and feedback.flush(30)  # in segments; the journal files are still there
for i in range({written}, {written} + {more}):
    log.log("churn", 2, f"r{{i}}", pa.table({{"x": [float(i)] * 2}}), np.array([[0.2, 0.8]] * 2))
    feedback.record("churn", {{f"r{{i}}": [0, 1]}})
os.kill(os.getpid(), signal.SIGKILL)
"""


def crash(ws: Workspace, folder: Path, written: int, more: int) -> None:
    """A process that logs durably, writes ``written`` requests to segments, journals ``more``
    requests, and is killed."""
    script = CRASH.format(
        ws=str(ws.settings.workspace), folder=str(folder), written=written, more=more
    )
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == -signal.SIGKILL, out.stderr


def test_after_a_crash_the_journal_is_replayed_exactly_once(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    crash(ws, folder, written=30, more=12)
    assert read_predictions(ws.metadata, ws.artifacts, "churn").num_rows == 60  # 30 requests
    assert len(journal_files(folder, "predictions")) == len(journal_files(folder, "feedback")) == 1
    with PredictionLog(ws.metadata, ws.artifacts, journal_dir=folder) as log:
        [replayed] = log.replayed
        assert (replayed.records, replayed.rows, replayed.skipped) == (12, 24, 30)
    with FeedbackLog(ws.metadata, ws.artifacts, journal_dir=folder) as feedback:
        [replayed] = feedback.replayed
        assert (replayed.records, replayed.rows, replayed.skipped) == (12, 24, 1)
    table = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert table.num_rows == 84
    pairs = pc.binary_join_element_wise(
        table["request_id"], pc.cast(table["row"], pa.string()), "#"
    )
    assert pc.count_distinct(pairs).as_py() == 84  # none twice
    assert sorted(set(table["request_id"].to_pylist())) == sorted(f"r{i}" for i in range(42))
    assert table["prediction"].to_pylist()[-1] == [0.2, 0.8]
    labels = read_feedback(ws.metadata, ws.artifacts, "churn")
    assert labels.num_rows == 84
    assert journal_files(folder, "predictions") == journal_files(folder, "feedback") == {}
    assert not list(folder.iterdir())


def test_replaying_the_same_journal_twice_adds_nothing_the_second_time(
    ws: Workspace, tmp_path: Path
) -> None:
    folder, saved = tmp_path / "journal", tmp_path / "saved"
    crash(ws, folder, written=5, more=7)
    shutil.copytree(folder, saved)
    with PredictionLog(ws.metadata, ws.artifacts, journal_dir=folder) as log:
        assert [(r.records, r.skipped) for r in log.replayed] == [(7, 5)]
    # as if the process replaying had died after writing its segments, before deleting the files
    shutil.rmtree(folder)
    shutil.copytree(saved, folder)
    with PredictionLog(ws.metadata, ws.artifacts, journal_dir=folder) as log:
        assert log.replayed == []  # every record is in a segment already
    assert journal_files(folder, "predictions") == {}
    table = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert table.num_rows == 24
    assert sorted(table["request_id"].to_pylist()) == sorted(
        f"r{i}" for i in range(12) for _ in "ab"
    )


def test_a_torn_tail_is_dropped_and_the_records_before_it_are_replayed(
    ws: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "journal"
    folder.mkdir()
    records = [
        encode_prediction("churn", "1", f"r{i}", one_row(i), np.array([i]), T0) for i in range(4)
    ]
    data = MAGIC + b"".join(frame_header(i + 1, r) + r.to_pybytes() for i, r in enumerate(records))
    file_path(folder, "predictions", "1-abc", 0).write_bytes(data[:-7])  # the 4th is cut short
    lock_path(folder, "predictions", "1-abc").touch()
    with PredictionLog(ws.metadata, ws.artifacts, journal_dir=folder) as log:
        [replayed] = log.replayed
        assert (replayed.records, replayed.skipped) == (3, 0)
        assert replayed.torn_bytes == 16 + records[3].size - 7
    table = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert table["request_id"].to_pylist() == ["r0", "r1", "r2"]
    assert table["time"].to_pylist() == [T0] * 3
    assert journal_files(folder, "predictions") == {}


def test_a_live_journal_is_not_replayed_by_another_log(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    with Journal(folder, "predictions") as live:
        live.wait(live.append(encode_prediction("m", "1", "r", one_row(0), np.array([0]), T0)))
        assert recover(folder, "predictions", ws.metadata) == []  # its lock is held
        live.drained([1])


def test_a_lock_file_left_by_a_crash_before_any_record_is_removed(
    ws: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "journal"
    folder.mkdir()
    lock_path(folder, "predictions", "12-ab").touch()
    lock_path(folder, "feedback", "12-ab").touch()
    with PredictionLog(ws.metadata, ws.artifacts, journal_dir=folder) as log:
        assert log.replayed == []
    assert [p.name for p in folder.iterdir()] == ["feedback-12-ab.lock"]  # not this log's kind


def test_an_unreadable_journal_is_kept_and_named(
    ws: Workspace, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "journal"
    folder.mkdir()
    bad = file_path(folder, "feedback", "7-bad", 0)
    bad.write_bytes(b"PAR1 not a journal at all")
    with FeedbackLog(ws.metadata, ws.artifacts, journal_dir=folder) as feedback:
        assert feedback.replayed == []
    assert bad.exists()
    assert "the feedback journal 7-bad cannot be read and is kept" in caplog.text


def test_many_threads_log_durably_and_every_row_is_written_once(
    ws: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "journal"
    log = PredictionLog(ws.metadata, ws.artifacts, durability="durable", journal_dir=folder)
    journal = log._journal
    assert journal is not None

    def worker(t: int) -> None:
        for i in range(50):
            assert log.log("churn", 1, f"t{t}-{i}", one_row(i), np.array([i % 2]))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    stats = journal.stats()
    log.close()
    assert stats.records == stats.durable == 400
    table = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert table.num_rows == 400 == pc.count_distinct(table["request_id"]).as_py()
    assert os.listdir(folder) == []
