"""Feedback: the true labels of logged predictions, recorded by request id, whenever they come.

:class:`FeedbackLog` checks each call's labels at once (a bad request id or label type is an
:class:`~driftline.core.errors.InputError` naming it) and writes them in the background, as the
prediction log does (:mod:`~.predlog`): segments of kind ``feedback``, attributed
to the context ``prediction_log``/MODEL. Labels may come days after their predictions; a later
label for the same ``(request_id, row)`` overrides an earlier one when read
(:func:`driftline.monitor.joined`).

With ``durability="durable"`` and a ``journal_dir``, :meth:`FeedbackLog.record` returns only
once the labels are in the journal on disk (in a server, the response waits instead), and
journals left by crashed processes are replayed first, exactly once (see
:mod:`driftline.monitor.logs.durability`).

Labels are given either as a mapping from request id to its label (for a one-row request, row 0)
or to the list of its rows' labels (rows 0, 1, ...), or as a table with ``request_id``, ``row``
and ``label``. Labels are booleans, integers, floats or strings; none may be missing.

Examples:
    >>> import tempfile
    >>> from driftline.monitor import read_feedback
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     with FeedbackLog(ws.metadata, ws.artifacts) as feedback:
    ...         feedback.record("churn", {"req-1": 1, "req-2": 0})
    ...         feedback.record("churn", {"req-3": [1, 1, 0]})
    ...     table = read_feedback(ws.metadata, ws.artifacts, "churn")
    2
    3
    >>> table.num_rows, sorted(zip(table["request_id"].to_pylist(), table["row"].to_pylist()))[-1]
    (5, ('req-3', 2))

"""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from driftline.core.clock import Clock
from driftline.core.errors import InputError
from driftline.monitor.logs.durability import (
    Durability,
    put_durably,
    request_acks,
)
from driftline.monitor.logs.journal_records import decode_feedback, encode_feedback
from driftline.monitor.logs.journaled_log import JournaledLog
from driftline.monitor.logs.segment_upload import Entry, Segment
from driftline.monitor.logs.segments import (
    FEEDBACK_KIND,
    LABEL,
    MAX_REQUEST_ID,
    MODEL,
    REQUEST_ID,
    ROW,
    SEGMENT_FORMAT,
    TIME,
    time_type,
)
from driftline.registry.versions import check_model_name

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["FeedbackLog"]

_MAX_ROW = (1 << 31) - 1


def _label_type_ok(kind: Any) -> bool:
    return bool(
        pa.types.is_boolean(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
    )


def _first(values: Any, mask: Any) -> Any:
    """The first value where ``mask`` is true (for an error message)."""
    return values.filter(mask)[0].as_py()


def _check_request_ids(ids: Any) -> Any:
    if not (pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type)):
        raise InputError(f"request ids must be strings, got values of type {ids.type}")
    if ids.null_count:
        raise InputError("a request id is missing (null)")
    lengths = pc.utf8_length(ids)
    bad = pc.or_(pc.equal(lengths, 0), pc.greater(lengths, MAX_REQUEST_ID))
    if pc.any(bad).as_py():
        raise InputError(
            f"request ids must be non-empty strings of at most {MAX_REQUEST_ID} characters, "
            f"got {_first(ids, bad)!r}"
        )
    return ids.cast(pa.string())


def _check_labels(labels: Any, ids: Any) -> Any:
    if pa.types.is_null(labels.type):
        raise InputError("every label is missing (null)")
    if not _label_type_ok(labels.type):
        raise InputError(
            f"labels must be booleans, integers, floats or strings, got values of type "
            f"{labels.type}"
        )
    if labels.null_count:
        raise InputError(
            f"the label of request {_first(ids, pc.is_null(labels))!r} is missing (null)"
        )
    return labels.cast(pa.string()) if pa.types.is_large_string(labels.type) else labels


def _from_mapping(labels: Mapping[Any, Any]) -> Any:
    """A table of request ids, rows and labels from ``{request_id: label or [labels]}``."""
    keys = list(labels.keys())
    try:
        ids = pa.array(keys)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InputError(f"request ids must be strings: {exc}") from exc
    if not (pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type)):
        bad = next((k for k in keys if not isinstance(k, str)), keys[0])
        raise InputError(f"request ids must be strings, got {bad!r}")
    try:
        values = pa.array(list(labels.values()))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InputError(
            "each request's label must be one label, or a list of its rows' labels (all the "
            f"same kind of value, for every request): {exc}"
        ) from exc
    if pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        if values.null_count:
            raise InputError(
                f"the labels of request {_first(ids, pc.is_null(values))!r} are missing (null)"
            )
        lengths = pc.list_value_length(values).to_numpy(zero_copy_only=False).astype(np.int64)
        owner = pa.array(np.repeat(np.arange(len(keys), dtype=np.int64), lengths))
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        rows = np.arange(int(lengths.sum()), dtype=np.int64) - starts
        return pa.table(
            {
                REQUEST_ID: ids.take(owner),
                ROW: pa.array(rows.astype(np.int32)),
                LABEL: pc.list_flatten(values),
            }
        )
    return pa.table(
        {REQUEST_ID: ids, ROW: pa.array(np.zeros(len(keys), dtype=np.int32)), LABEL: values}
    )


def _from_table(table: Any) -> Any:
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    names = table.column_names
    missing = [c for c in (REQUEST_ID, ROW, LABEL) if c not in names]
    extra = [c for c in names if c not in (REQUEST_ID, ROW, LABEL)]
    if missing or extra:
        raise InputError(
            "a feedback table has the columns request_id, row and label; "
            + "; ".join(
                part
                for part in (
                    f"missing: {', '.join(missing)}" if missing else "",
                    f"unexpected: {', '.join(extra)}" if extra else "",
                )
                if part
            )
        )
    rows = table[ROW]
    if not pa.types.is_integer(rows.type):
        raise InputError(f"row must hold whole numbers, got values of type {rows.type}")
    if rows.null_count:
        raise InputError("a row number is missing (null)")
    bounds = pc.min_max(rows)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low is not None and (low < 0 or high > _MAX_ROW):
        bad = low if low < 0 else high
        raise InputError(f"row numbers must be between 0 and {_MAX_ROW}, got {bad}")
    return pa.table(
        {
            REQUEST_ID: table[REQUEST_ID].combine_chunks(),
            ROW: rows.cast(pa.int32()).combine_chunks(),
            LABEL: table[LABEL].combine_chunks(),
        }
    )


def _check_unique(table: Any) -> None:
    counts = table.group_by([REQUEST_ID, ROW]).aggregate([(ROW, "count")])
    twice = counts.filter(pc.greater(counts[f"{ROW}_count"], 1))
    if twice.num_rows:
        raise InputError(
            f"request {twice[REQUEST_ID][0].as_py()!r} row {twice[ROW][0].as_py()} has more than "
            "one label in one call"
        )


def _group_key(entry: Entry) -> Hashable:
    kind: Hashable = entry[2].schema.field(LABEL).type
    return kind


class FeedbackLog(JournaledLog):
    """Records labels by request id, in the background (see the module docstring).

    Args:
        metadata: the workspace's metadata store.
        artifacts: the workspace's artifact store.
        flush_rows: write a segment once this many labels are queued.
        flush_seconds: write a segment once the oldest queued label has waited this long.
        queue_rows: the most labels queued or being written; records beyond it are dropped.
        retries: further attempts at a failed write before its labels wait for the next round.
        backoff_seconds: the pause before the first retry (doubling for each next one).
        clock: the time source for the ``time`` column and the flush timer.
        durability: ``"buffered"`` or ``"durable"`` (see the module docstring).
        journal_dir: the local folder of the journal (needed when durable); journals left there
            by crashed processes are replayed first, in either mode.

    Raises:
        InputError: a bad option, or a durable log without a usable ``journal_dir``.

    """

    def __init__(
        self,
        metadata: MetadataStore,
        artifacts: ArtifactStore,
        *,
        flush_rows: int = 10_000,
        flush_seconds: float = 5.0,
        queue_rows: int = 1_000_000,
        retries: int = 3,
        backoff_seconds: float = 0.2,
        clock: Clock | None = None,
        durability: Durability | str = Durability.BUFFERED,
        journal_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(
            FEEDBACK_KIND,
            metadata,
            artifacts,
            build=_segment,
            group_key=_group_key,
            decode=decode_feedback,
            flush_rows=flush_rows,
            flush_seconds=flush_seconds,
            queue_rows=queue_rows,
            retries=retries,
            backoff_seconds=backoff_seconds,
            clock=clock,
            durability=durability,
            journal_dir=journal_dir,
        )

    def record(self, model: str, labels: Any, *, at: datetime | None = None) -> int:
        """Queue labels of ``model``'s predictions; return how many were queued.

        Args:
            model: the model's name.
            labels: ``{request_id: label}`` or ``{request_id: [label of row 0, row 1, ...]}``,
                or a ``pyarrow.Table`` with ``request_id`` (string), ``row`` (int) and
                ``label``.
            at: when the labels were recorded (default: now); naive means UTC.

        Returns:
            The number of labels queued (durable: and on disk): 0 if there were none, or if
            they were dropped (queue full, or the log closed), which :meth:`stats` counts.

        Raises:
            InputError: a bad model name, request id, row or label, or a ``(request_id, row)``
                given twice, naming it (nothing is queued).
            ServiceError: durable, outside a request: the journal could not write them.

        """
        check_model_name(model)
        if at is None:
            at = self._clock.now()
        elif not isinstance(at, datetime):
            raise InputError(f"at must be a datetime or None, got {at!r}")
        if isinstance(labels, pa.Table | pa.RecordBatch):
            table = _from_table(labels)
        elif isinstance(labels, Mapping):
            if not labels:
                return 0
            table = _from_mapping(labels)
        else:
            raise InputError(
                "labels must be a mapping {request_id: label or [labels]} or a pyarrow.Table, "
                f"got {type(labels).__name__}"
            )
        if table.num_rows == 0:
            return 0
        ids = _check_request_ids(table[REQUEST_ID].combine_chunks())
        label = _check_labels(table[LABEL].combine_chunks(), ids)
        table = pa.table({REQUEST_ID: ids, ROW: table[ROW], LABEL: label})
        _check_unique(table)
        rows = table.num_rows
        if self._journal is None:
            return rows if self._writer.put((model, rows, table, at), rows) else 0
        record = encode_feedback(model, table, at)
        acks = request_acks()
        entry = (model, rows, table, at)
        return (
            rows
            if put_durably(self._writer, self._journal, entry, rows, record, "feedback", acks)
            else 0
        )


def _segment(model: str, entries: list[Entry]) -> Segment:
    """The segment of queued feedback records with labels of one type."""
    counts = np.fromiter((e[1] for e in entries), dtype=np.int64, count=len(entries))
    tables = [e[2] for e in entries]
    labels = (pa.concat_tables(tables) if len(tables) > 1 else tables[0]).combine_chunks()
    total = labels.num_rows
    index = pa.array(np.repeat(np.arange(len(entries), dtype=np.int64), counts))
    times = pa.array([e[3] for e in entries], time_type()).take(index)
    table = pa.table(
        {
            REQUEST_ID: labels[REQUEST_ID],
            ROW: labels[ROW],
            TIME: times,
            MODEL: pa.array([model], pa.string()).take(pa.array(np.zeros(total, np.int64))),
            LABEL: labels[LABEL],
        }
    )
    bounds = pc.min_max(table[TIME])
    return Segment(
        table,
        {
            "format": SEGMENT_FORMAT,
            "model": model,
            "rows": total,
            "requests": len(entries),
            "time_min": bounds["min"].as_py().isoformat(),
            "time_max": bounds["max"].as_py().isoformat(),
            "columns": table.column_names,
        },
    )
