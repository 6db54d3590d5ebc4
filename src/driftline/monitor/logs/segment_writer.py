r"""The background writer the prediction and feedback logs share.

Entries go into a bounded queue and are batched into Parquet segments by one thread, stored with
retries.

:class:`SegmentWriter` takes entries on the caller's thread (a queue append: no I/O) and a
background thread turns batches into :class:`~.segment_upload.Segment`\ s (through a function the
log gives it), writes each to the artifact store and records it in the metadata store (see
:mod:`~driftline.monitor.logs.segment_upload`). See :mod:`driftline.monitor.logs.predlog` for what
goes wrong and what happens then.

With a :class:`~driftline.monitor.logs.journal.Journal` (a durable log),
:meth:`SegmentWriter.put_journaled` also appends the entry's record to the journal, and each
segment names the journal records it holds (see :mod:`~.journal_replay`); once a
record is in a recorded segment (or can never be), its journal is told, so that it can delete its
files. Records replayed from a crashed process's journal come in through
:meth:`SegmentWriter.put_replayed`.
"""

from __future__ import annotations

import atexit
import logging
import math
import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from driftline.core.clock import Clock
from driftline.core.errors import InputError
from driftline.core.params import Interval, check_params
from driftline.monitor.logs.journal_replay import JournalSource, Ticket, drain
from driftline.monitor.logs.log_stats import LogStats
from driftline.monitor.logs.segment_upload import (
    MAX_PAUSE,
    Builder,
    Entry,
    PendingSegment,
    SegmentUploader,
    encode_batch,
)

if TYPE_CHECKING:
    from driftline.monitor.logs.journal import Journal
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["SegmentWriter"]

log = logging.getLogger("driftline.monitor.logs.segment_writer")


_PARAMS = {
    "flush_rows": Interval(int, 1),
    "flush_seconds": Interval(float, 0, math.inf, closed="neither"),
    "queue_rows": Interval(int, 1),
    "retries": Interval(int, 0),
    "backoff_seconds": Interval(float, 0, math.inf, closed="left"),
}


class SegmentWriter:
    """A queue of entries and the background thread that writes them as segments.

    Shared by :class:`PredictionLog` and :class:`~driftline.monitor.logs.feedback.FeedbackLog`:
    :meth:`put` is cheap and never blocks on I/O; the thread groups entries by model (and by
    ``group_key``), builds one table per group with ``build``, encodes it as Parquet and writes
    it, retrying on failure (see the module docstring).
    """

    def __init__(
        self,
        *,
        kind: str,
        metadata: MetadataStore,
        artifacts: ArtifactStore,
        build: Builder,
        group_key: Callable[[Entry], Hashable],
        flush_rows: int,
        flush_seconds: float,
        queue_rows: int,
        retries: int,
        backoff_seconds: float,
        clock: Clock,
        journal: Journal | None = None,
    ) -> None:
        self._kind = kind
        self._journal = journal
        self._build = build
        self._group_key = group_key
        check_params(
            f"the {kind} log",
            {
                "flush_rows": flush_rows,
                "flush_seconds": flush_seconds,
                "queue_rows": queue_rows,
                "retries": retries,
                "backoff_seconds": backoff_seconds,
            },
            _PARAMS,
        )
        self._flush_rows = flush_rows
        self._flush_seconds = float(flush_seconds)
        self._queue_rows = queue_rows
        self._retries = retries
        self._backoff = float(backoff_seconds)
        self._uploader = SegmentUploader(
            kind=kind,
            metadata=metadata,
            artifacts=artifacts,
            retries=retries,
            backoff_seconds=self._backoff,
            on_failure=self._fail,
        )
        self._clock = clock
        self._cond = threading.Condition(threading.Lock())
        self._pending: list[Entry] = []  # accepted, not yet encoded
        self._tickets: list[Ticket | None] = []  # their journal records (None: not journaled)
        self._pending_rows = 0
        self._retry: list[PendingSegment] = []  # encoded, waiting for another attempt
        self._retry_rows = 0
        self._inflight_rows = 0  # taken by the thread and not yet written, dropped or kept
        self._oldest = 0.0
        self._paused_until = 0.0
        self._flush_wanted = False
        self._closing = False
        self._closed = False
        self._started = 0
        self._finished = 0
        self._last_ok = True
        self._requests = self._rows = self._written_rows = self._segments = 0
        self._dropped_requests = self._dropped_rows = self._rejected_rows = 0
        self._lost_rows = self._failures = 0
        self._last_error: str | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"driftline-{kind}-writer", daemon=True
        )
        self._thread.start()
        atexit.register(self.close)

    # -- the caller's side ---------------------------------------------------------------------

    def _queued(self) -> int:
        return self._pending_rows + self._inflight_rows + self._retry_rows

    def put(self, entry: Entry, rows: int) -> bool:
        """Queue ``entry`` (of ``rows`` rows); ``False`` if it was dropped (queue full, closed)."""
        with self._cond:
            if self._closing or self._queued() + rows > self._queue_rows:
                self._dropped_requests += 1
                self._dropped_rows += rows
                return False
            self._enqueue(entry, rows, None)
        return True

    def put_journaled(
        self, entry: Entry, rows: int, record: Any, *, wake: bool = True
    ) -> int | None:
        """:meth:`put`, and append ``record`` (bytes-like) to the journal: its record id.

        ``None`` if the entry was dropped (queue full, closed); then nothing is journaled.
        ``wake``: see :meth:`~driftline.monitor.logs.journal.Journal.append`.

        Raises:
            ServiceError: the journal is closed.

        """
        if self._journal is None:
            raise InputError(f"the {self._kind} log keeps no journal")
        with self._cond:
            if self._closing or self._queued() + rows > self._queue_rows:
                self._dropped_requests += 1
                self._dropped_rows += rows
                return None
            record_id = self._journal.append(record, wake=wake)
            self._enqueue(entry, rows, (self._journal, record_id))
        return record_id

    def put_replayed(self, entry: Entry, rows: int, source: JournalSource, record: int) -> None:
        """Queue an entry replayed from ``source``'s record ``record`` (never dropped)."""
        with self._cond:
            self._enqueue(entry, rows, (source, record))

    def _enqueue(self, entry: Entry, rows: int, ticket: Ticket | None) -> None:
        """Queue an accepted entry (under the lock)."""
        first = not self._pending
        if first:
            self._oldest = self._clock.monotonic()
        self._pending.append(entry)
        self._tickets.append(ticket)
        before = self._pending_rows
        self._pending_rows = before + rows
        self._requests += 1
        self._rows += rows
        if (
            first
            or before < self._flush_rows <= self._pending_rows
            or self._clock.monotonic() - self._oldest >= self._flush_seconds
        ):
            self._cond.notify()

    def stats(self) -> LogStats:
        """The counters now."""
        with self._cond:
            return LogStats(
                requests=self._requests,
                rows=self._rows,
                queued_rows=self._queued(),
                written_rows=self._written_rows,
                segments=self._segments,
                dropped_requests=self._dropped_requests,
                dropped_rows=self._dropped_rows,
                rejected_rows=self._rejected_rows,
                lost_rows=self._lost_rows,
                write_failures=self._failures,
                last_error=self._last_error,
                closed=self._closed,
            )

    def flush(self, timeout: float | None = None) -> bool:
        """Write what is queued now; wait for it. ``True`` if all of it was written in time."""
        with self._cond:
            if self._pending or self._retry:
                need = self._started + 1
                self._flush_wanted = True
                self._cond.notify()
            elif self._inflight_rows:
                need = self._started
            else:
                return True
            done = self._cond.wait_for(lambda: self._finished >= need, timeout)
            return done and self._last_ok

    def close(self, timeout: float | None = None) -> None:
        """Write everything queued and stop the thread; idempotent.

        Rows that cannot be written after the retries are counted in ``lost_rows``. With a
        ``timeout``, returns after at most that long even if the thread is still writing.
        """
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)
        with self._cond:
            self._closed = not self._thread.is_alive()
        if self._closed:
            atexit.unregister(self.close)

    # -- the writer thread ---------------------------------------------------------------------

    def _wait(self) -> float | None:
        """Seconds until the queue is due to be written (0: now; ``None``: nothing queued)."""
        if not self._pending and not self._retry:
            return None
        if self._closing or self._flush_wanted:
            return 0.0
        now = self._clock.monotonic()
        if self._paused_until > now:
            return self._paused_until - now
        if self._retry or self._pending_rows >= self._flush_rows:
            return 0.0
        return max(0.0, self._flush_seconds - (now - self._oldest))

    def _run(self) -> None:
        while True:
            with self._cond:
                while (wait := self._wait()) != 0.0:
                    if wait is None and self._closing:
                        return
                    self._cond.wait(wait)
                batch, tickets, units = self._pending, self._tickets, self._retry
                self._inflight_rows = self._pending_rows + self._retry_rows
                self._pending, self._pending_rows, self._retry, self._retry_rows = [], 0, [], 0
                self._tickets = []
                self._flush_wanted = False
                self._started += 1
                final = self._closing
            encoded = encode_batch(batch, tickets, self._build, self._group_key, self._reject)
            failed = [u for u in [*units, *encoded] if not self._store(u)]
            with self._cond:
                failed_rows = sum(u.rows for u in failed)
                self._inflight_rows = 0  # the rest was counted as written or rejected
                if failed and final:
                    self._lost_rows += failed_rows
                    log.error(
                        "%d %s rows were not written before the log closed: %s",
                        failed_rows,
                        self._kind,
                        self._last_error,
                    )
                elif failed:
                    self._retry, self._retry_rows = failed, failed_rows
                    pause = min(self._backoff * 2**self._retries, MAX_PAUSE)
                    self._paused_until = self._clock.monotonic() + pause
                self._finished += 1
                self._last_ok = not failed
                self._cond.notify_all()

    def _reject(self, rows: int, exc: BaseException) -> None:
        with self._cond:
            self._rejected_rows += rows
            self._inflight_rows -= rows
            self._last_error = f"{type(exc).__name__}: {exc}"
        log.error("%d %s rows cannot be written and were dropped: %s", rows, self._kind, exc)

    def _fail(self, exc: BaseException, attempt: int) -> None:
        with self._cond:
            self._failures += 1
            self._last_error = f"{type(exc).__name__}: {exc}"
        log.warning(
            "writing a %s segment failed (attempt %d of %d): %s",
            self._kind,
            attempt,
            self._retries + 1,
            exc,
        )

    def _store(self, pending: PendingSegment) -> bool:
        """Store a pending segment (see :class:`SegmentUploader`); ``False`` if it must wait."""
        try:
            if not self._uploader.store(pending):
                return False
        except InputError as exc:  # refused as it is: trying again cannot help
            self._reject(pending.rows, exc)
            drain(pending.tickets)
            return True
        with self._cond:
            self._written_rows += pending.rows
            self._inflight_rows -= pending.rows
            self._segments += 1
        drain(pending.tickets)
        return True
