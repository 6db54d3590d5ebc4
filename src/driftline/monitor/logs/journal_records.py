"""Journal records: one logged request as an Arrow IPC stream, and back.

A prediction record holds the request's input columns as they were logged, then one more column
(the last, whatever its name) with the outputs: a 1-D output as an array, a 2-D output ``(n, k)``
as a ``fixed_size_list`` of ``k``. A feedback record holds the checked ``request_id``, ``row`` and
``label`` columns. The rest of the entry (model, version, request id, time) is one JSON value in
the schema's metadata, under ``driftline``. Decoding gives back the entry the log queues, so a
replayed record goes through the same segment builder as a live one.

Examples:
    >>> from datetime import datetime, timezone
    >>> import numpy as np, pyarrow as pa
    >>> at = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    >>> record = encode_prediction("churn", "3", "req-1", pa.table({"x": [0.5, 1.5]}),
    ...                            np.array([[0.1, 0.9], [0.8, 0.2]]), at)
    >>> model, rows, version, request_id, inputs, outputs, when = decode_prediction(record)
    >>> (model, rows, version, request_id, inputs.column_names, when == at)
    ('churn', 2, '3', 'req-1', ['x'], True)
    >>> outputs.to_pylist()
    [[0.1, 0.9], [0.8, 0.2]]

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
    model: str, version: str, request_id: str, inputs: Any, outputs: Any, at: datetime
) -> Any:
    """The record (a ``pyarrow.Buffer``) of one request's inputs and outputs."""
    if isinstance(inputs, pa.RecordBatch):
        inputs = pa.Table.from_batches([inputs])
    meta = {"model": model, "version": version, "request_id": request_id, "time": at.isoformat()}
    return _stream(inputs.append_column(_OUTPUT, _output_array(outputs)), meta)


def decode_prediction(payload: Any) -> tuple[str, int, str, str, Any, Any, datetime]:
    """The prediction log's entry of a record.

    That is ``(model, rows, version, request_id, inputs, outputs, time)``.

    Raises:
        IntegrityError: the record is not a prediction record.

    """
    table, meta = _read(payload)
    last = table.num_columns - 1
    if last < 0:
        raise IntegrityError("a prediction record has no output column")
    inputs = table.select(list(range(last)))
    return (
        meta["model"],
        table.num_rows,
        meta["version"],
        meta["request_id"],
        inputs,
        table.column(last),
        datetime.fromisoformat(meta["time"]),
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
