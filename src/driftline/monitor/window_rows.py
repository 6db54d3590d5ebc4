"""From logged prediction rows to the rows a live window profiles, split by version and window.

A window is a half-open interval ``[start, start + window)`` aligned on the Unix epoch (so hourly
windows start on the hour, daily ones at midnight UTC). :func:`window_starts` gives each row's
window; :func:`split_groups` cuts a table into its ``(version, window start)`` groups with one
sort (no loop over rows); :func:`monitored_table` turns a prediction segment into the columns a
window's profile holds:

==================  ===============================================================
column              from
==================  ===============================================================
each input ``X``    ``input.X`` (numbers as float64, text as string); hashed inputs
                    are left out (their hashes cannot be compared with raw values)
``prediction``      ``prediction`` (a list of values per row: its first value)
``outlier_score``   ``outlier_score``, when the server logged it
``outlier``         ``outlier``, when the server logged it
==================  ===============================================================

Examples:
    >>> import pyarrow as pa
    >>> from datetime import datetime, timedelta, timezone
    >>> t = [datetime(2026, 5, 1, h, 30, tzinfo=timezone.utc) for h in (0, 1, 0)]
    >>> table = pa.table({"time": pa.array(t, pa.timestamp("us", tz="UTC")),
    ...                   "version": ["1", "1", "2"], "input.x": [1, 2, 3],
    ...                   "prediction": [0, 1, 1]})
    >>> starts = window_starts(table["time"], timedelta(hours=1))
    >>> groups = split_groups(table, table["version"], starts, window_micros(timedelta(hours=1)))
    >>> [(v, micros_to_time(s).hour, g.num_rows) for v, s, g in groups]
    [('1', 0, 1), ('1', 1, 1), ('2', 0, 1)]
    >>> monitored_table(table, hashed=()).column_names
    ['x', 'prediction']

"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from driftline.core.errors import IntegrityError
from driftline.monitor.logs.segments import (
    INPUT_PREFIX,
    OUTLIER,
    OUTLIER_SCORE,
    PREDICTION,
    SEGMENT_FORMAT,
    TIME,
    VERSION,
)

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.records import Artifact

__all__ = [
    "OUTLIER",
    "OUTLIER_SCORE",
    "distinct_groups",
    "micros_to_time",
    "monitored_table",
    "one_group",
    "read_columns",
    "split_groups",
    "time_to_micros",
    "window_micros",
    "window_starts",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def window_micros(window: timedelta) -> int:
    """A window's length in microseconds."""
    return (window.days * 86_400 + window.seconds) * 1_000_000 + window.microseconds


def time_to_micros(at: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    return window_micros(at - _EPOCH)


def micros_to_time(micros: int) -> datetime:
    """The UTC datetime ``micros`` microseconds after the Unix epoch."""
    return _EPOCH + timedelta(microseconds=int(micros))


def window_starts(times: Any, window: timedelta) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The start (microseconds since the epoch) of each time's window (an int64 array)."""
    import pyarrow as pa

    if isinstance(times, pa.ChunkedArray):
        times = times.combine_chunks()
    micros = np.asarray(times.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_numpy())
    size = window_micros(window)
    return (micros // size) * size


def _group_keys(
    versions: Any, starts: np.ndarray[Any, np.dtype[np.int64]], size: int
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], Any]:
    """One int64 key per row, ordered as ``(version, window start)``, and its decoder."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(versions, pa.ChunkedArray):
        versions = versions.combine_chunks()
    encoded = pc.dictionary_encode(versions)
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    names = encoded.dictionary.to_pylist()
    low = int(starts.min())
    bins = (starts - low) // size
    width = int(bins.max()) + 1
    keys = codes * width + bins

    def decode(key: int) -> tuple[str, int]:
        code, offset = divmod(int(key), width)
        return str(names[code]), low + offset * size

    return keys, decode


def _sorted(keys: np.ndarray[Any, Any]) -> bool:
    return bool(np.all(keys[1:] >= keys[:-1]))


def distinct_groups(
    versions: Any, starts: np.ndarray[Any, np.dtype[np.int64]], size: int
) -> list[tuple[str, int]]:
    """The distinct ``(version, window start)`` pairs of some rows, in order (no loop over rows).

    Examples:
        >>> import pyarrow as pa
        >>> distinct_groups(pa.array(["2", "1", "1"]), np.array([0, 10, 0]), 10)
        [('2', 0), ('1', 0), ('1', 10)]

    """
    if len(starts) == 0:
        return []
    keys, decode = _group_keys(versions, starts, size)
    if not _sorted(keys):
        return [decode(k) for k in np.unique(keys).tolist()]  # groups, not rows
    found = keys[np.concatenate(([True], np.diff(keys) != 0))]
    return [decode(k) for k in found.tolist()]  # groups, not rows


def split_groups(
    table: Any, versions: Any, starts: np.ndarray[Any, np.dtype[np.int64]], size: int
) -> Iterator[tuple[str, int, Any]]:
    """The rows of ``table`` by ``(version, window start)``, in that order (no loop over rows).

    Rows already in that order (one version, times that grow) are sliced, not copied.

    Args:
        table: the rows.
        versions: the version of each row (a string array).
        starts: the window start of each row (:func:`window_starts`).
        size: the window's length in microseconds.

    Yields:
        ``(version, start in microseconds, the group's rows)``.

    """
    import pyarrow as pa

    if table.num_rows == 0:
        return
    keys, decode = _group_keys(versions, starts, size)
    if not _sorted(keys):
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        table = table.take(pa.array(order))
    cut = np.flatnonzero(np.diff(keys) != 0) + 1
    bounds = np.concatenate(([0], cut, [len(keys)]))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):  # groups, not rows
        version, start = decode(keys[lo])
        yield version, start, table.slice(lo, hi - lo)


def one_group(properties: Mapping[str, Any], size: int) -> tuple[str, int] | None:
    """The ``(version, window start)`` of all of a segment's rows, read from its properties.

    ``None`` unless the properties name one version and a time range within one window of
    ``size`` microseconds (then the rows need not be read to split them).

    Examples:
        >>> one = {"versions": ["2"], "time_min": "2026-05-01T09:10:00+00:00",
        ...        "time_max": "2026-05-01T09:59:59.999999+00:00"}
        >>> version, start = one_group(one, 3_600_000_000); version, micros_to_time(start).hour
        ('2', 9)
        >>> one_group({**one, "time_max": "2026-05-01T10:00:00+00:00"}, 3_600_000_000) is None
        True

    """
    versions, low, high = (properties.get(k) for k in ("versions", "time_min", "time_max"))
    if not (isinstance(versions, list) and len(versions) == 1):
        return None
    if not (isinstance(low, str) and isinstance(high, str)):
        return None
    try:
        first = time_to_micros(datetime.fromisoformat(low)) // size
        last = time_to_micros(datetime.fromisoformat(high)) // size
    except (TypeError, ValueError):  # not a time, or a naive one: read the rows instead
        return None
    return (str(versions[0]), first * size) if first == last else None


def _normalised(column: Any) -> Any | None:
    """A logged column in the type its profile uses (``None``: a type windows do not profile)."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    if pa.types.is_boolean(kind) or pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return column
    if pa.types.is_float64(kind):
        return column
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return column.cast(pa.float64())  # requests may send 1 or 1.5: one type merges
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.cast(pa.string())
    return None  # null-typed (a request that sent only nulls): missing, as if not sent


def _first_values(column: Any) -> Any:
    """The first value of each row of a list column (null for an empty or null list)."""
    import pyarrow.compute as pc

    return pc.list_element(column, 0)


def monitored_table(table: Any, *, hashed: Sequence[str]) -> Any:
    """The columns of a prediction segment that a window profiles (see the module docstring).

    Inputs of a type windows do not profile (lists, structs, binary) are left out.
    """
    import pyarrow as pa

    columns: dict[str, Any] = {}
    for name in table.column_names:
        if not name.startswith(INPUT_PREFIX):
            continue
        feature = name[len(INPUT_PREFIX) :]
        if feature in hashed or feature in columns:
            continue
        found = _normalised(table[name])
        if found is not None:
            columns[feature] = found
    if PREDICTION in table.column_names:
        prediction = table[PREDICTION]
        if pa.types.is_list(prediction.type) or pa.types.is_large_list(prediction.type):
            prediction = _first_values(prediction)
        found = _normalised(prediction)
        if found is not None:
            columns[PREDICTION] = found
    for name in (OUTLIER_SCORE, OUTLIER):
        if name in table.column_names:
            columns[name] = table[name]
    return pa.table(columns) if columns else pa.table({}).slice(0, 0)


def read_columns(
    artifacts: ArtifactStore,
    segment: Artifact,
    wanted: Sequence[str] | None = None,
    *,
    threads: bool = True,
    keys: bool = True,
) -> Any:
    """The rows of a stored prediction segment, reading only the columns needed; SHA-256 checked.

    Reads ``time``, ``version`` (unless ``keys`` is false: a caller that knows them from the
    segment's properties) and the ``wanted`` columns when given, else the inputs, the
    prediction and the outlier columns; ``threads=False`` decodes on the calling thread only
    (for a caller that reads several segments at once).

    Raises:
        IntegrityError: a segment written by a newer driftline (unknown ``format``).
        ArtifactCorruptError, ArtifactNotFoundError: the stored file is damaged or gone.

    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    version = segment.properties.get("format", SEGMENT_FORMAT)
    if version != SEGMENT_FORMAT:
        raise IntegrityError(
            f"artifact {segment.id} (predictions segment) has format {version!r}; this "
            f"driftline reads format {SEGMENT_FORMAT}"
        )
    label = f"artifact {segment.id} (predictions segment)"
    data = artifacts.read_bytes(segment.uri, segment.sha256, label=label)
    parquet = pq.ParquetFile(pa.BufferReader(data))
    names = parquet.schema_arrow.names
    keep = ([TIME, VERSION] if keys else []) + [
        n
        for n in names
        if (n in wanted if wanted is not None else _profiled(n)) and n not in (TIME, VERSION)
    ]
    return parquet.read(columns=[n for n in keep if n in names], use_threads=threads)


def _profiled(name: str) -> bool:
    return name.startswith(INPUT_PREFIX) or name in (PREDICTION, OUTLIER_SCORE, OUTLIER)
