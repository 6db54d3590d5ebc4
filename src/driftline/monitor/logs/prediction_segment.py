"""The segment of a group of logged prediction requests: :func:`prediction_segment`.

:class:`~driftline.monitor.logs.predlog.PredictionLog` queues one entry per request, ``(model,
rows, version, request_id, inputs, outputs, time, outliers)`` (``outliers``: the rows' outlier
scores and flags, or ``None``; entries of older journals end at ``time``); its writer groups the
entries that can share a segment (:func:`prediction_group_key`: same input columns and types, same
kind of output, outlier scores or not) and builds each group's table here, in the layout of
:mod:`driftline.monitor.logs.segments`: one row per input row, with its request's id, row number,
time, model and version, the input columns (minus ``exclude``, with ``hash_columns`` as their
``stable_hash64``), the prediction, and, when scored, ``outlier_score`` (a NaN score is written as
null) and ``outlier``. All of it is vectorised: no loop over rows.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 5, 1, tzinfo=timezone.utc)
    >>> entries = [("churn", 2, "3", "req-1", pa.table({"x": [0.5, 1.5]}), np.array([1, 0]), at),
    ...            ("churn", 1, "4", "req-2", pa.table({"x": [2.5]}), np.array([1]), at)]
    >>> segment = prediction_segment("churn", entries, exclude=(), hash_columns=())
    >>> segment.table["row"].to_pylist(), segment.table["version"].to_pylist()
    ([0, 1, 0], ['3', '3', '4'])
    >>> segment.properties["requests"], segment.properties["versions"]
    (2, ['3', '4'])

"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from driftline.core.errors import InputError
from driftline.monitor.logs.segment_upload import Entry, Segment
from driftline.monitor.logs.segments import (
    MODEL,
    OUTLIER,
    OUTLIER_SCORE,
    PREDICTION,
    REQUEST_ID,
    ROW,
    SEGMENT_FORMAT,
    TIME,
    VERSION,
    input_column,
    time_type,
)

__all__ = ["prediction_group_key", "prediction_segment"]


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


def _scored(entry: Entry) -> bool:
    return len(entry) > 7 and entry[7] is not None


def prediction_group_key(entry: Entry) -> Hashable:
    """Requests that can share a segment: same inputs and kind of output, scored or not."""
    return (entry[4].schema, _output_key(entry[5]), _scored(entry))


def _outlier_columns(entries: list[Entry]) -> tuple[Any, Any]:
    """The ``outlier_score`` and ``outlier`` columns of a group of scored entries."""
    scores = np.concatenate([e[7][0] for e in entries])
    flags = np.concatenate([e[7][1] for e in entries])
    unscored = np.isnan(scores)
    return pa.array(scores, mask=unscored), pa.array(flags, mask=unscored)


def prediction_segment(
    model: str, entries: list[Entry], *, exclude: Sequence[str], hash_columns: Sequence[str]
) -> Segment:
    """The segment of one group of requests (same input schema, same output kind).

    Args:
        model: the model the requests were for.
        entries: the group's queued entries (see the module docstring).
        exclude: input columns never written.
        hash_columns: input columns written as their ``stable_hash64`` (``uint64``).

    Raises:
        InputError: input columns with the same name (the writer drops the group's rows).

    """
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
    excluded = [c for c in exclude if c in inputs.column_names]
    inputs = inputs.drop_columns(excluded)
    hashed = [c for c in hash_columns if c in inputs.column_names]
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
    if _scored(entries[0]):
        columns[OUTLIER_SCORE], columns[OUTLIER] = _outlier_columns(entries)
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
