"""The prediction log: every prediction, appended in batches to Parquet segments.

:class:`PredictionLog` takes each request's inputs and outputs on the caller's thread in a few
microseconds (checks and a queue append: no I/O, no conversion) and a background thread writes
them as **segments**: one Parquet file per model per batch, stored in the artifact store and
recorded in the metadata store (kind ``predictions``, attributed to the context
``prediction_log``/MODEL). The segment layout is that of :mod:`driftline.monitor.segments`;
:mod:`driftline.monitor.predictions` reads it back.

Batches are written when ``flush_rows`` rows are queued, when the oldest queued row has waited
``flush_seconds``, on :meth:`~PredictionLog.flush` and on :meth:`~PredictionLog.close`.

Several processes (server workers) each keep their own log; they share nothing but the stores, so
readers anywhere see every written row exactly once. Make the log in each worker after it starts
(a thread does not survive ``fork``).

Privacy: ``exclude`` names input columns never written; ``hash_columns`` names input columns
written as their :func:`~driftline.data.hashing.stable_hash64` (``uint64``), so they can still be
joined or counted but not read. Both are applied before anything reaches the store.

What can go wrong, and what happens:

* **The store is unreachable** (a write or the metadata record fails): the batch is tried again
  ``retries`` times with doubling pauses from ``backoff_seconds``; if it still fails, its rows
  stay queued and are tried again later. ``stats().write_failures`` counts failed attempts and
  ``last_error`` says why. Rows still unwritten when :meth:`~PredictionLog.close` gives up are
  counted in ``lost_rows``.
* **The writer falls behind** (more than ``queue_rows`` rows queued or being written): new
  requests are dropped, not blocked, and counted in ``dropped_requests`` / ``dropped_rows``.
* **Rows that cannot be written at all** (e.g. a column to hash holds lists): they are dropped
  and counted in ``rejected_rows``.

Nothing here raises on the request path except for a bad call (:class:`InputError`).

Examples:
    >>> import tempfile
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.monitor import read_predictions
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     with PredictionLog(ws.metadata, ws.artifacts, hash_columns=["user"]) as log:
    ...         inputs = pa.table({"user": ["ana"], "x": [0.5]})
    ...         queued = log.log("churn", 3, "req-1", inputs, np.array([1]))
    ...     table = read_predictions(ws.metadata, ws.artifacts, "churn")
    >>> queued, table.column_names
    (True, ['request_id', 'row', 'time', 'model', 'version', 'input.user', 'input.x', 'prediction'])
    >>> table["version"].to_pylist(), table["input.user"].type
    (['3'], DataType(uint64))

"""

from __future__ import annotations

import atexit
import logging
import math
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from driftline.core.clock import Clock, SystemClock
from driftline.core.closing import Closing
from driftline.core.errors import InputError
from driftline.monitor.segments import (
    MAX_REQUEST_ID,
    MODEL,
    PREDICTION,
    PREDICTIONS_KIND,
    REQUEST_ID,
    ROW,
    SEGMENT_FORMAT,
    TIME,
    VERSION,
    encode_segment,
    input_column,
    log_context,
    time_type,
)
from driftline.registry.versions import check_model_name
from driftline.store.queries import ArtifactQuery
from driftline.store.records import NewArtifact

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore, StoredObject
    from driftline.store.metadata import MetadataStore

__all__ = ["LogStats", "PredictionLog", "SegmentWriter"]

log = logging.getLogger("driftline.serving.predlog")

_MAX_PAUSE = 30.0


@dataclass(frozen=True)
class LogStats:
    """The counters of a prediction or feedback log, at one moment.

    Attributes:
        requests: requests (or feedback records) accepted into the queue.
        rows: rows accepted into the queue.
        queued_rows: accepted rows not written yet (queued, being written or waiting to retry).
        written_rows: rows written in segments.
        segments: segments written.
        dropped_requests: requests dropped because the queue was full (or the log closed).
        dropped_rows: their rows.
        rejected_rows: accepted rows that could not be encoded or recorded, and were dropped.
        lost_rows: rows still unwritten when :meth:`close` gave up (the store was unreachable).
        write_failures: failed attempts to write a segment (each retry counts).
        last_error: the last failure, as ``"ErrorType: message"``, or ``None``.
        closed: whether the log is closed.

    """

    requests: int
    rows: int
    queued_rows: int
    written_rows: int
    segments: int
    dropped_requests: int
    dropped_rows: int
    rejected_rows: int
    lost_rows: int
    write_failures: int
    last_error: str | None
    closed: bool


@dataclass(frozen=True)
class Segment:
    """A batch ready to be written: its table and the properties recorded with it."""

    table: Any
    properties: dict[str, Any]


@dataclass
class _Unit:
    """An encoded segment on its way to the stores, kept across failed attempts."""

    model: str
    rows: int
    data: bytes
    properties: dict[str, Any]
    stored: StoredObject | None = None
    recorded_maybe: bool = False  # a metadata write failed: it may have been recorded anyway


Entry = tuple[Any, ...]
"""One queued request: ``(model, rows, ...)``; the rest is for the segment builder."""

Builder = Callable[[str, list[Entry]], Segment]
"""Makes the segment of one model from entries of the same group."""


def _check_count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{what} must be a whole number >= 1, got {value!r}")
    return value


def _check_seconds(value: object, what: str, *, zero: bool = False) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
    ):
        raise InputError(f"{what} must be a number of seconds > 0, got {value!r}")
    return float(value)


class SegmentWriter:
    """A queue of entries and the background thread that writes them as segments.

    Shared by :class:`PredictionLog` and :class:`~driftline.serving.feedback.FeedbackLog`:
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
    ) -> None:
        self._kind = kind
        self._metadata = metadata
        self._artifacts = artifacts
        self._build = build
        self._group_key = group_key
        self._flush_rows = _check_count(flush_rows, "flush_rows")
        self._flush_seconds = _check_seconds(flush_seconds, "flush_seconds")
        self._queue_rows = _check_count(queue_rows, "queue_rows")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InputError(f"retries must be a whole number >= 0, got {retries!r}")
        self._retries = retries
        self._backoff = _check_seconds(backoff_seconds, "backoff_seconds", zero=True)
        self._clock = clock
        self._cond = threading.Condition(threading.Lock())
        self._pending: list[Entry] = []  # accepted, not yet encoded
        self._pending_rows = 0
        self._retry: list[_Unit] = []  # encoded, waiting for another attempt
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
            first = not self._pending
            if first:
                self._oldest = self._clock.monotonic()
            self._pending.append(entry)
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
        return True

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
                batch, units = self._pending, self._retry
                self._inflight_rows = self._pending_rows + self._retry_rows
                self._pending, self._pending_rows, self._retry, self._retry_rows = [], 0, [], 0
                self._flush_wanted = False
                self._started += 1
                final = self._closing
            failed = [u for u in [*units, *self._encode(batch)] if not self._store(u)]
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
                    pause = min(self._backoff * 2**self._retries, _MAX_PAUSE)
                    self._paused_until = self._clock.monotonic() + pause
                self._finished += 1
                self._last_ok = not failed
                self._cond.notify_all()

    def _encode(self, batch: list[Entry]) -> list[_Unit]:
        """One encoded segment per group of the batch; groups that cannot be encoded are dropped."""
        groups: dict[tuple[str, Hashable], list[Entry]] = {}
        for entry in batch:  # requests, not rows
            groups.setdefault((entry[0], self._group_key(entry)), []).append(entry)
        units: list[_Unit] = []
        for (model, _), entries in groups.items():
            rows = sum(entry[1] for entry in entries)
            try:
                segment = self._build(model, entries)
                units.append(_Unit(model, rows, encode_segment(segment.table), segment.properties))
            except Exception as exc:  # bad data must not stop the writer
                self._reject(rows, exc)
        return units

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

    def _store(self, unit: _Unit) -> bool:
        """Write a unit's bytes, then record them, retrying; ``False`` if it must wait.

        A unit whose metadata write failed is first looked up by URI on the next attempt, so a
        write that was recorded although it reported an error is not recorded twice.
        """
        for attempt in range(1, self._retries + 2):
            try:
                if unit.stored is None:
                    key = self._artifacts.new_key(self._kind, f"{unit.model}.parquet")
                    unit.stored = self._artifacts.put_bytes(key, unit.data)
                stored = unit.stored
                if not (
                    unit.recorded_maybe and self._metadata.artifacts(ArtifactQuery(uri=stored.uri))
                ):
                    unit.recorded_maybe = True
                    self._metadata.put_artifact(
                        NewArtifact(
                            kind=self._kind,
                            uri=stored.uri,
                            sha256=stored.sha256,
                            size=stored.size,
                            properties=unit.properties,
                        ),
                        contexts=[log_context(unit.model)],
                    )
            except InputError as exc:  # refused as it is: trying again cannot help
                self._reject(unit.rows, exc)
                return True
            except Exception as exc:  # an unreachable store must not stop the writer
                self._fail(exc, attempt)
                if attempt <= self._retries:
                    time.sleep(min(self._backoff * 2 ** (attempt - 1), _MAX_PAUSE))
                continue
            with self._cond:
                self._written_rows += unit.rows
                self._inflight_rows -= unit.rows
                self._segments += 1
            return True
        return False


def _time_bounds(column: Any) -> tuple[str, str]:
    import pyarrow.compute as pc

    bounds = pc.min_max(column)
    return bounds["min"].as_py().isoformat(), bounds["max"].as_py().isoformat()


def _repeat_by_request(values: list[Any], kind: Any, index: Any) -> Any:
    """One value per request, repeated for each of its rows."""
    return pa.array(values, kind).take(index)


def _output_key(outputs: Any) -> Hashable:
    if isinstance(outputs, np.ndarray):
        return ("numpy", outputs.dtype.kind, outputs.shape[1:])  # concatenate promotes
    return ("arrow", outputs.type)


def _outputs_to_arrow(outputs: list[Any]) -> Any:
    """One Arrow array of the outputs of one group (all numpy of one dtype, or all Arrow)."""
    if isinstance(outputs[0], np.ndarray):
        values = np.concatenate(outputs) if len(outputs) > 1 else outputs[0]
        if values.ndim == 1:
            return pa.array(values)
        n, k = values.shape
        offsets = pa.array(np.arange(0, n * k + 1, k, dtype=np.int32))
        return pa.ListArray.from_arrays(offsets, pa.array(values.reshape(-1)))
    chunks = [c for o in outputs for c in (o.chunks if isinstance(o, pa.ChunkedArray) else [o])]
    array = pa.concat_arrays(chunks) if chunks else pa.array([], outputs[0].type)
    if pa.types.is_fixed_size_list(array.type) or pa.types.is_large_list(array.type):
        array = array.cast(pa.list_(array.type.value_type))
    return array


class PredictionLog(Closing):
    """Logs every prediction into Parquet segments, in the background (see the module docstring).

    Args:
        metadata: the workspace's metadata store.
        artifacts: the workspace's artifact store.
        flush_rows: write a segment once this many rows are queued.
        flush_seconds: write a segment once the oldest queued row has waited this long.
        exclude: input columns never written.
        hash_columns: input columns written as their ``stable_hash64`` (``uint64``).
        queue_rows: the most rows queued or being written; requests beyond it are dropped.
        retries: further attempts at a failed write before its rows wait for the next round.
        backoff_seconds: the pause before the first retry (doubling for each next one).
        clock: the time source for the ``time`` column and the flush timer.

    Raises:
        InputError: a bad option, or a column both excluded and hashed.

    """

    def __init__(
        self,
        metadata: MetadataStore,
        artifacts: ArtifactStore,
        *,
        flush_rows: int = 10_000,
        flush_seconds: float = 5.0,
        exclude: Sequence[str] = (),
        hash_columns: Sequence[str] = (),
        queue_rows: int = 1_000_000,
        retries: int = 3,
        backoff_seconds: float = 0.2,
        clock: Clock | None = None,
    ) -> None:
        self._exclude = _names(exclude, "exclude")
        self._hash = _names(hash_columns, "hash_columns")
        both = sorted(set(self._exclude) & set(self._hash))
        if both:
            raise InputError(f"columns cannot be both excluded and hashed: {', '.join(both)}")
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._models: set[str] = set()
        self._writer = SegmentWriter(
            kind=PREDICTIONS_KIND,
            metadata=metadata,
            artifacts=artifacts,
            build=self._segment,
            group_key=_group_key,
            flush_rows=flush_rows,
            flush_seconds=flush_seconds,
            queue_rows=queue_rows,
            retries=retries,
            backoff_seconds=backoff_seconds,
            clock=self._clock,
        )

    @property
    def exclude(self) -> tuple[str, ...]:
        """The input columns never written."""
        return self._exclude

    @property
    def hash_columns(self) -> tuple[str, ...]:
        """The input columns written as their hashes."""
        return self._hash

    def log(
        self,
        model: str,
        version: int | str,
        request_id: str,
        inputs: Any,
        outputs: Any,
        at: datetime | None = None,
    ) -> bool:
        """Queue one request's predictions; returns at once (no I/O, no conversion).

        Args:
            model: the model's name.
            version: the version that answered (written as a string).
            request_id: the request's id (at most 256 characters); feedback refers to it.
            inputs: the request's rows, a ``pyarrow.Table`` (or ``RecordBatch``).
            outputs: one output per row: a 1-D or 2-D numpy array (copied), or a pyarrow array.
            at: when the request was predicted (default: now); naive means UTC.

        Returns:
            ``True`` if queued; ``False`` if dropped (queue full, or the log closed), which
            :meth:`stats` counts.

        Raises:
            InputError: a bad argument, naming it (nothing is queued).

        """
        if model not in self._models:
            check_model_name(model)
            self._models.add(model)
        if type(version) is not str:
            if isinstance(version, bool) or not isinstance(version, int | str):
                raise InputError(f"version must be an int or a string, got {version!r}")
            version = str(version)
        if not version:
            raise InputError("version must not be empty")
        if type(request_id) is not str or not request_id or len(request_id) > MAX_REQUEST_ID:
            raise InputError(
                f"request_id must be a non-empty string of at most {MAX_REQUEST_ID} "
                f"characters, got {request_id!r}"
            )
        if not isinstance(inputs, pa.Table | pa.RecordBatch):
            raise InputError(
                f"inputs must be a pyarrow.Table or RecordBatch, got {type(inputs).__name__}"
            )
        rows = inputs.num_rows
        if isinstance(outputs, np.ndarray):
            if outputs.ndim not in (1, 2) or outputs.dtype.kind not in "biufcUSOMm":
                raise InputError(
                    f"outputs must be a 1-D or 2-D array of numbers, strings or times, got "
                    f"shape {outputs.shape} of {outputs.dtype}"
                )
            outputs = outputs.copy()
        elif not isinstance(outputs, pa.Array | pa.ChunkedArray):
            raise InputError(
                f"outputs must be a numpy array or a pyarrow array, got {type(outputs).__name__}"
            )
        if len(outputs) != rows:
            raise InputError(
                f"request {request_id!r} has {rows} input rows but {len(outputs)} outputs"
            )
        if at is None:
            at = self._clock.now()
        elif not isinstance(at, datetime):
            raise InputError(f"at must be a datetime or None, got {at!r}")
        if rows == 0:
            return True
        return self._writer.put((model, rows, version, request_id, inputs, outputs, at), rows)

    def flush(self, timeout: float | None = None) -> bool:
        """Write what is queued now and wait; ``True`` if all of it was written in time."""
        return self._writer.flush(timeout)

    def stats(self) -> LogStats:
        """The log's counters (see :class:`LogStats`)."""
        return self._writer.stats()

    def close(self, timeout: float | None = None) -> None:
        """Write everything queued and stop; idempotent (see :meth:`SegmentWriter.close`)."""
        self._writer.close(timeout)

    # -- the writer thread's side --------------------------------------------------------------

    def _segment(self, model: str, entries: list[Entry]) -> Segment:
        """The segment of one group of requests (same input schema, same output kind)."""
        from driftline.data.hashing import stable_hash64

        counts = np.fromiter((e[1] for e in entries), dtype=np.int64, count=len(entries))
        total = int(counts.sum())
        index = pa.array(np.repeat(np.arange(len(entries), dtype=np.int64), counts))
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        tables = [
            e[4] if isinstance(e[4], pa.Table) else pa.Table.from_batches([e[4]]) for e in entries
        ]
        inputs = (pa.concat_tables(tables) if len(tables) > 1 else tables[0]).combine_chunks()
        if len(set(inputs.column_names)) != inputs.num_columns:
            raise InputError(f"input columns must have distinct names: {inputs.column_names}")
        excluded = [c for c in self._exclude if c in inputs.column_names]
        inputs = inputs.drop_columns(excluded)
        hashed = [c for c in self._hash if c in inputs.column_names]
        for name in hashed:
            position = inputs.column_names.index(name)
            hashes = pa.array(stable_hash64(inputs[name]), pa.uint64())
            inputs = inputs.set_column(position, name, hashes)
        versions = [e[2] for e in entries]
        columns: dict[str, Any] = {
            REQUEST_ID: _repeat_by_request([e[3] for e in entries], pa.string(), index),
            ROW: pa.array((np.arange(total, dtype=np.int64) - starts).astype(np.int32)),
            TIME: _repeat_by_request([e[6] for e in entries], time_type(), index),
            MODEL: pa.array([model], pa.string()).take(pa.array(np.zeros(total, np.int64))),
            VERSION: _repeat_by_request(versions, pa.string(), index),
        }
        for name in inputs.column_names:
            columns[input_column(name)] = inputs[name]
        columns[PREDICTION] = _outputs_to_arrow([e[5] for e in entries])
        table = pa.table(columns)
        time_min, time_max = _time_bounds(table[TIME])
        return Segment(
            table,
            {
                "format": SEGMENT_FORMAT,
                "model": model,
                "versions": sorted(set(versions)),
                "rows": total,
                "requests": len(entries),
                "time_min": time_min,
                "time_max": time_max,
                "columns": table.column_names,
                "excluded": excluded,
                "hashed": hashed,
            },
        )


def _group_key(entry: Entry) -> Hashable:
    """Requests that can share a segment: same input columns and types, same kind of output."""
    return (entry[4].schema, _output_key(entry[5]))


def _names(values: Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
        raise InputError(f"{what} must be a list of column names, got {values!r}")
    return tuple(dict.fromkeys(values))
