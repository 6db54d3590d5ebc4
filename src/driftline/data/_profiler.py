"""The machinery behind :func:`driftline.data.profile_table`: row windows and column profilers.

Input of any chunking is re-cut into windows of exactly ``batch_rows`` rows (the last may be
shorter), so a profile depends only on the sequence of rows, never on how they were batched. Each
window's column is one contiguous array, fed to that column's profiler: one sort per numeric
window, one ``value_counts`` per categorical window, no loop over rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.core.errors import InputError
from driftline.data._arrow import pa, pc, type_name
from driftline.data._numbers import float_values, update_numbers
from driftline.data.column_profile import ColumnProfile
from driftline.data.hashing import MASK64, mix64, mix64_int, stable_hash64
from driftline.data.kinds import ColumnKind, to_float64
from driftline.data.params import SketchParams
from driftline.data.sketches._scratch import Scratch
from driftline.data.sketches._sorting import FloatSorter
from driftline.data.sketches.distinct import HyperLogLog
from driftline.data.sketches.frequent import FrequentItems, count_values
from driftline.data.sketches.moments import Moments
from driftline.data.sketches.order import Order
from driftline.data.sketches.quantiles import KLLSketch

__all__ = ["ColumnProfiler", "column_seeds", "shorten_long_values", "windows"]

_NUMBERS = (ColumnKind.NUMERIC, ColumnKind.DATETIME)


def column_seed(seed: int, name: str) -> int:
    """A per-column seed, so that columns flip independent coins."""
    return mix64_int(seed ^ int(stable_hash64([name])[0]))


def column_seeds(seed: int, names: list[str]) -> list[int]:
    """:func:`column_seed` of every name, hashed in one call (for tables of many columns).

    Examples:
        >>> column_seeds(7, ["a", "b"]) == [column_seed(7, "a"), column_seed(7, "b")]
        True

    """
    if not names:
        return []
    hashes = stable_hash64(pa.array(names, type=pa.string()))
    return [int(v) for v in mix64(np.uint64(seed & MASK64) ^ hashes).tolist()]


class ColumnProfiler:
    """Feeds one column's windows into its sketches; :meth:`result` gives the profile."""

    def __init__(
        self,
        name: str,
        arrow_type: Any,
        kind: ColumnKind,
        params: SketchParams,
        seed: int,
        *,
        own_seed: int | None = None,
    ) -> None:
        self.name = name
        self.type = arrow_type
        self.kind = kind
        self._count = 0
        self._nulls = 0
        self._nans = 0
        # Every sketch exists; result() keeps the ones the kind calls for.
        self._moments = Moments()
        own = own_seed if own_seed is not None else column_seed(seed, name)
        self._quantiles = KLLSketch(params.k, seed=own)
        self._frequent = FrequentItems(params.capacity)
        self._frequent_dropped = False  # a numeric column with more than `capacity` values
        self._distinct = HyperLogLog(params.precision)
        self._order = Order()
        self._sorter = FloatSorter()

    def update(self, column: Any, scratch: Scratch | None = None) -> None:
        """Add one window of the column (an Arrow Array or ChunkedArray).

        ``scratch`` holds reusable work arrays (one per thread); by default a fresh one.
        """
        if pa.types.is_null(column.type):
            self._nulls += len(column)
            return
        if self.kind in _NUMBERS:  # chunk by chunk into one work array: no combined copy
            self._nulls += column.null_count
            work = scratch if scratch is not None else Scratch()
            update_numbers(self, float_values(column, work), work)
            return
        arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if self.kind is ColumnKind.BOOLEAN:
            self._nulls += arr.null_count
            self._update_booleans(arr)
        elif self.kind is ColumnKind.TEXT:
            self._update_text(arr)
        else:
            self._update_categories(arr)

    def _drop_frequent(self) -> None:
        self._frequent_dropped = True
        self._frequent = FrequentItems(self._frequent.capacity)  # free the counters

    def _update_booleans(self, arr: Any) -> None:
        x = to_float64(arr)
        self._count += x.size
        self._moments.update(x)
        n_true = int(x.sum())
        counts = np.array([n_true, x.size - n_true], dtype=np.int64)
        present = counts > 0
        items = pa.array(np.array([True, False])[present])
        self._frequent.update_counts(items, counts[present])
        self._distinct.update(items)

    def _count_values(self, arr: Any) -> tuple[Any, npt.NDArray[np.int64]]:
        items, counts = count_values(arr)
        items = shorten_long_values(items)
        present = int(counts.sum())
        missing = len(arr) - present  # nulls (also null dictionary values) and NaN
        value_type = arr.type.value_type if pa.types.is_dictionary(arr.type) else arr.type
        nans = missing - arr.null_count if pa.types.is_floating(value_type) else 0
        self._nans += nans
        self._nulls += missing - nans
        self._count += present
        self._frequent.update_counts(items, counts)
        self._distinct.update_hashes(stable_hash64(items))
        return items, counts

    def _update_categories(self, arr: Any) -> None:
        self._count_values(arr)

    def _update_text(self, arr: Any) -> None:
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if pa.types.is_string_view(arr.type):
            arr = arr.cast(pa.large_string())
        self._count_values(arr)
        if arr.null_count:
            arr = pc.drop_null(arr)
        lengths = np.array(pc.utf8_length(arr).to_numpy(zero_copy_only=False), dtype=np.float64)
        lengths.sort()
        self._moments._update_sorted(lengths)
        self._quantiles._update_sorted(lengths)

    def result(self, *, last: bool = False) -> ColumnProfile:
        """The column's profile so far (sketches are copied: the profiler can go on).

        With ``last``, the profile takes the sketches themselves: the profiler is done.
        """
        kind = self.kind
        copy: Any = (lambda sketch: sketch) if last else (lambda sketch: sketch.copy())
        with_moments = kind in (*_NUMBERS, ColumnKind.TEXT, ColumnKind.BOOLEAN)
        with_quantiles = kind in (*_NUMBERS, ColumnKind.TEXT)
        return ColumnProfile(
            name=self.name,
            type=type_name(self.type),
            kind=kind,
            count=self._count,
            null_count=self._nulls,
            nan_count=self._nans,
            moments=copy(self._moments) if with_moments else None,
            quantiles=copy(self._quantiles) if with_quantiles else None,
            frequent=None if self._frequent_dropped else copy(self._frequent),
            distinct=copy(self._distinct),
            order=copy(self._order) if kind in _NUMBERS else None,
        )


LONG_VALUE = 1024
"""A string or bytes value longer than this (in bytes) is counted by :func:`shorten_long_values`."""


def shorten_long_values(items: Any) -> Any:
    """``items`` with each value longer than :data:`LONG_VALUE` bytes shortened to a stand-in.

    The stand-in keeps the start, the length and a SHA-256 digest, so distinct long values stay
    distinct while the sketches neither hash nor store megabytes (a 5 MB field hashes in
    milliseconds). Only the long values are visited (usually none).

    Examples:
        >>> short = shorten_long_values(pa.array(["a", "z" * 2000])).to_pylist()
        >>> short[0], short[1][198:], len(short[1])
        ('a', 'zz … (2,000 bytes, sha256 8bdaa66a082e4fb16b1c3e6f0235f83e)', 257)

    """
    t = items.type
    if (
        not (
            pa.types.is_string(t)
            or pa.types.is_large_string(t)
            or pa.types.is_binary(t)
            or pa.types.is_large_binary(t)
        )
        or len(items) == 0
    ):
        return items
    long = pc.fill_null(pc.greater(pc.binary_length(items), LONG_VALUE), False)
    where = np.flatnonzero(np.asarray(long.to_numpy(zero_copy_only=False), dtype=bool))
    if where.size == 0:
        return items
    import hashlib

    text = pa.types.is_string(t) or pa.types.is_large_string(t)
    short = []
    for value in items.take(pa.array(where)).to_pylist():  # the long values only
        raw = value.encode("utf-8") if text else value
        tail = f" … ({len(raw):,} bytes, sha256 {hashlib.sha256(raw).hexdigest()[:32]})"
        short.append(value[:200] + (tail if text else tail.encode()))
    return pc.replace_with_mask(items, long, pa.array(short, type=t))


def _schema_difference(schema: Any, other: Any) -> str:
    for field in schema:
        index = other.get_field_index(field.name)
        if index < 0:
            return f"has no column {field.name!r}"
        if other.field(index).type != field.type:
            return f"has column {field.name!r} as {other.field(index).type}, not {field.type}"
    extra = [name for name in other.names if schema.get_field_index(name) < 0]
    if extra:
        return f"has an extra column {extra[0]!r}"
    return "orders its columns differently"


def windows(data: Any, batch_rows: int) -> tuple[Any, Iterator[Any]]:
    """The schema of ``data`` and an iterator of ``pa.Table`` windows of ``batch_rows`` rows.

    Raises:
        InputError: data of another type, no batches at all, or batches whose schemas differ.

    """
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        table = data
        starts = range(0, table.num_rows, batch_rows)
        return table.schema, (table.slice(start, batch_rows) for start in starts)
    if isinstance(data, (str, bytes, Mapping)) or not isinstance(data, Iterable):
        raise InputError(
            "profile_table takes a pyarrow Table, RecordBatch, RecordBatchReader or an iterable "
            f"of record batches, got {type(data).__name__}"
        )
    batches = iter(data)
    schema = getattr(data, "schema", None)
    if schema is None:
        try:
            first = next(batches)
        except StopIteration:
            raise InputError(
                "profile_table got no record batches, so no schema; to profile a schema with no "
                "rows pass an empty pyarrow Table"
            ) from None
        if not isinstance(first, (pa.RecordBatch, pa.Table)):
            raise InputError(f"batch 0 is a {type(first).__name__}, not a RecordBatch")
        schema = first.schema
        batches = _chain(first, batches)
    return schema, _rebatch(schema, batches, batch_rows)


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _rebatch(schema: Any, batches: Iterator[Any], batch_rows: int) -> Iterator[Any]:
    pending: list[Any] = []
    rows = 0
    for number, batch in enumerate(batches):
        if not isinstance(batch, (pa.RecordBatch, pa.Table)):
            raise InputError(f"batch {number} is a {type(batch).__name__}, not a RecordBatch")
        if not batch.schema.equals(schema):
            raise InputError(
                f"batch {number} does not match the first batch's schema: it "
                + _schema_difference(schema, batch.schema)
            )
        parts = batch.to_batches() if isinstance(batch, pa.Table) else [batch]
        pending.extend(parts)
        rows += batch.num_rows
        while rows >= batch_rows:
            table = pa.Table.from_batches(pending, schema=schema)
            yield table.slice(0, batch_rows)
            rest = table.slice(batch_rows)
            pending, rows = rest.to_batches(), rest.num_rows
    if rows:
        yield pa.Table.from_batches(pending, schema=schema)
