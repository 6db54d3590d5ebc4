"""Journal records: one logged request as an Arrow IPC stream, and back.

A prediction record holds the request's input columns as they were logged, then, when the rows
were scored for outliers (``"outliers": true`` in the metadata), their scores and flags, then one
more column (the last, whatever its name) with the outputs: a 1-D output as an array, a 2-D
output ``(n, k)`` as a ``fixed_size_list`` of ``k``. A feedback record holds the checked
``request_id``, ``row`` and ``label`` columns. The rest of the entry (model, version, request id,
time) is one JSON value in the schema's metadata, under ``driftline``. Decoding gives back the
entry the log queues, so a replayed record goes through the same segment builder as a live one.

Examples:
    >>> from datetime import datetime, timezone
    >>> import numpy as np, pyarrow as pa
    >>> at = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    >>> record = encode_prediction("churn", "3", "req-1", pa.table({"x": [0.5, 1.5]}),
    ...                            np.array([[0.1, 0.9], [0.8, 0.2]]), at)
    >>> model, rows, version, request_id, inputs, outputs, when, outliers = (
    ...     decode_prediction(record))
    >>> (model, rows, version, request_id, inputs.column_names, when == at)
    ('churn', 2, '3', 'req-1', ['x'], True)
    >>> outputs.to_pylist(), outliers
    ([[0.1, 0.9], [0.8, 0.2]], None)

"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from driftline.core.errors import IntegrityError

__all__ = ["decode_feedback", "decode_prediction", "encode_feedback", "encode_prediction"]

_KEY = b"driftline"
_OUTPUT = "__output__"
_SCORES = "__outlier_score__"
_FLAGS = "__outlier__"


def _stream(table: Any, meta: dict[str, Any]) -> Any:
    """The IPC stream of ``table``, with ``meta`` in its schema's metadata."""
    sink = pa.BufferOutputStream()
    writer = pa.ipc.RecordBatchStreamWriter(
        sink, table.schema.with_metadata({_KEY: json.dumps(meta)})
    )
    writer.write_table(table)
    writer.close()
    return sink.getvalue()


def _read(payload: Any) -> tuple[Any, dict[str, Any]]:
    try:
        table = pa.ipc.open_stream(pa.py_buffer(payload)).read_all()
        meta = json.loads(table.schema.metadata[_KEY])
    except (pa.ArrowInvalid, KeyError, TypeError, ValueError) as exc:
        raise IntegrityError(f"a journal record cannot be read: {exc}") from exc
    return table.replace_schema_metadata(None), meta


def _output_array(outputs: Any) -> Any:
    if isinstance(outputs, np.ndarray):
        if outputs.ndim == 2:
            return pa.FixedSizeListArray.from_arrays(
                pa.array(outputs.reshape(-1)), outputs.shape[1]
            )
        return pa.array(outputs)
    return outputs


def encode_prediction(
    model: str,
    version: str,
    request_id: str,
    inputs: Any,
    outputs: Any,
    at: datetime,
    *,
    outliers: tuple[Any, Any] | None = None,
) -> Any:
    """The record (a ``pyarrow.Buffer``) of one request's inputs, outlier scores and outputs."""
    if isinstance(inputs, pa.RecordBatch):
        inputs = pa.Table.from_batches([inputs])
    meta: dict[str, Any] = {"model": model, "version": version, "request_id": request_id}
    meta["time"] = at.isoformat()
    if outliers is not None:
        meta["outliers"] = True
        inputs = inputs.append_column(_SCORES, pa.array(outliers[0], pa.float64()))
        inputs = inputs.append_column(_FLAGS, pa.array(outliers[1], pa.bool_()))
    return _stream(inputs.append_column(_OUTPUT, _output_array(outputs)), meta)


def decode_prediction(payload: Any) -> tuple[str, int, str, str, Any, Any, datetime, Any]:
    """The prediction log's entry of a record.

    That is ``(model, rows, version, request_id, inputs, outputs, time, outliers)``, with
    ``outliers`` the rows' ``(scores, flags)`` or ``None`` (records before outliers: ``None``).

    Raises:
        IntegrityError: the record is not a prediction record.

    """
    table, meta = _read(payload)
    last = table.num_columns - 1
    scored = bool(meta.get("outliers", False))
    if last < (2 if scored else 0):
        raise IntegrityError("a prediction record has no output column")
    outliers = None
    if scored:
        last -= 2
        scores = table.column(last).to_numpy().astype(np.float64)
        flags = np.asarray(table.column(last + 1).to_numpy(zero_copy_only=False), dtype=bool)
        outliers = (scores, flags)
    inputs = table.select(list(range(last)))
    return (
        meta["model"],
        table.num_rows,
        meta["version"],
        meta["request_id"],
        inputs,
        table.column(table.num_columns - 1),
        datetime.fromisoformat(meta["time"]),
        outliers,
    )


def encode_feedback(model: str, labels: Any, at: datetime) -> Any:
    """The record of one call's checked labels (a ``request_id``, ``row``, ``label`` table)."""
    return _stream(labels, {"model": model, "time": at.isoformat()})


def decode_feedback(payload: Any) -> tuple[str, int, Any, datetime]:
    """The feedback log's entry of a record: ``(model, rows, labels, time)``.

    Raises:
        IntegrityError: the record is not a feedback record.

    """
    table, meta = _read(payload)
    return meta["model"], table.num_rows, table, datetime.fromisoformat(meta["time"])
