"""The prediction log: every prediction, appended in batches to Parquet segments.

:class:`PredictionLog` takes each request's inputs and outputs on the caller's thread in a few
microseconds (checks and a queue append: no I/O, no conversion) and a background thread writes
them as **segments**: one Parquet file per model per batch, stored in the artifact store and
recorded in the metadata store (kind ``predictions``, attributed to the context
``prediction_log``/MODEL). The segment layout is that of :mod:`driftline.monitor.logs.segments`
(built by :mod:`~driftline.monitor.logs.prediction_segment`); :mod:`driftline.monitor.predictions`
reads it back.

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

**Durability.** By default (``durability="buffered"``) a logged prediction is in memory until
its batch is written: a process killed without stopping loses what was queued. With
``durability="durable"`` and a ``journal_dir``, each request's record is first written to a local
journal and flushed to disk (see :mod:`~.durability`); :meth:`~PredictionLog.log`
returns once it is on disk (in a server, the response waits instead). A log given a
``journal_dir`` (in either mode) first replays the journals that crashed processes left there
into segments, exactly once (:mod:`driftline.monitor.logs.journal_replay`).

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

import functools
import logging
import os
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from driftline.core.clock import Clock
from driftline.core.errors import InputError
from driftline.monitor.logs.durability import (
    Durability,
    put_durably,
    request_acks,
)
from driftline.monitor.logs.journal_records import decode_prediction, encode_prediction
from driftline.monitor.logs.journaled_log import JournaledLog
from driftline.monitor.logs.prediction_segment import prediction_group_key, prediction_segment
from driftline.monitor.logs.segment_upload import Entry
from driftline.monitor.logs.segments import MAX_REQUEST_ID, PREDICTIONS_KIND
from driftline.registry.versions import check_model_name

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["PredictionLog"]

log = logging.getLogger("driftline.monitor.logs.predlog")


class PredictionLog(JournaledLog):
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
        durability: ``"buffered"`` or ``"durable"`` (a :class:`Durability`; see the module).
        journal_dir: the local folder of the journal (needed when durable); journals left there
            by crashed processes are replayed first, in either mode.

    Raises:
        InputError: a bad option, a column both excluded and hashed, or a durable log without a
            usable ``journal_dir``.

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
        durability: Durability | str = Durability.BUFFERED,
        journal_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self._exclude = _names(exclude, "exclude")
        self._hash = _names(hash_columns, "hash_columns")
        both = sorted(set(self._exclude) & set(self._hash))
        if both:
            raise InputError(f"columns cannot be both excluded and hashed: {', '.join(both)}")
        self._models: set[str] = set()
        super().__init__(
            PREDICTIONS_KIND,
            metadata,
            artifacts,
            build=functools.partial(
                prediction_segment, exclude=self._exclude, hash_columns=self._hash
            ),
            group_key=prediction_group_key,
            decode=decode_prediction,
            flush_rows=flush_rows,
            flush_seconds=flush_seconds,
            queue_rows=queue_rows,
            retries=retries,
            backoff_seconds=backoff_seconds,
            clock=clock,
            durability=durability,
            journal_dir=journal_dir,
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
        *,
        outliers: tuple[Any, Any] | None = None,
    ) -> bool:
        """Queue one request's predictions; returns at once (no I/O, no conversion).

        Args:
            model: the model's name.
            version: the version that answered (written as a string).
            request_id: the request's id (at most 256 characters); feedback refers to it.
            inputs: the request's rows, a ``pyarrow.Table`` (or ``RecordBatch``).
            outputs: one output per row: a 1-D or 2-D numpy array (copied), or a pyarrow array.
            at: when the request was predicted (default: now); naive means UTC.
            outliers: the rows' outlier scores (float64, NaN: not scored) and flags (bool),
                written as the ``outlier_score`` and ``outlier`` columns (``None``: neither).

        Returns:
            ``True`` if queued (durable: and on disk); ``False`` if dropped (queue full, or the
            log closed), which :meth:`stats` counts.

        Raises:
            InputError: a bad argument, naming it (nothing is queued).
            ServiceError: durable, outside a request: the journal could not write it.

        """
        if self._journal is None:
            entry = self._entry(model, version, request_id, inputs, outputs, at, outliers)
            return entry is None or self._writer.put(entry, entry[1])
        acks = request_acks()
        try:
            entry = self._entry(model, version, request_id, inputs, outputs, at, outliers)
            if entry is None:
                return True
            record = encode_prediction(model, *entry[2:7], outliers=entry[7])
        except Exception as exc:  # a request that cannot be logged is not acknowledged
            if acks is not None:
                acks.refuse(f"the prediction cannot be logged: {exc}")
            if isinstance(exc, InputError):
                raise
            raise InputError(f"request {request_id!r} cannot be logged: {exc}") from exc
        return put_durably(self._writer, self._journal, entry, entry[1], record, "prediction", acks)

    def _entry(
        self,
        model: str,
        version: int | str,
        request_id: str,
        inputs: Any,
        outputs: Any,
        at: datetime | None,
        outliers: tuple[Any, Any] | None = None,
    ) -> Entry | None:
        """The checked entry of a call to :meth:`log` (``None``: no rows)."""
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
        if outliers is not None:
            outliers = _outliers(outliers, rows, request_id)
        if rows == 0:
            return None
        return (model, rows, version, request_id, inputs, outputs, at, outliers)


def _outliers(outliers: Any, rows: int, request_id: str) -> tuple[Any, Any]:
    """Checked copies of a request's outlier scores (float64) and flags (bool)."""
    try:
        scores, flags = outliers
        scores = np.array(scores, dtype=np.float64).reshape(-1)
        flags = np.array(flags, dtype=bool).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"outliers must be (scores, flags), two arrays of one value per row: {exc}"
        ) from None
    if len(scores) != rows or len(flags) != rows:
        raise InputError(
            f"request {request_id!r} has {rows} input rows but {len(scores)} outlier scores "
            f"and {len(flags)} flags"
        )
    return scores, flags


def _names(values: Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
        raise InputError(f"{what} must be a list of column names, got {values!r}")
    return tuple(dict.fromkeys(values))
