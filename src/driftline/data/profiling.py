"""Profiling: :func:`profile_table` reads a table once and returns its :class:`Profile`.

Examples:
    >>> import pyarrow as pa
    >>> p = profile_table(pa.table({"x": [1.0, None, 3.0], "c": ["a", "b", "a"]}))
    >>> p.num_rows, p["x"].null_count, p["c"].frequent.top(1)[0].value
    (3, 1, 'a')

"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from queue import SimpleQueue
from types import GeneratorType
from typing import Any

from driftline.core.errors import InputError
from driftline.core.params import Interval, check_params
from driftline.data._arrow import pa
from driftline.data._profiler import ColumnProfiler, column_seeds, windows
from driftline.data.errors import UnknownColumnError
from driftline.data.kinds import ColumnKind, check_kind, infer_kind
from driftline.data.params import SketchParams
from driftline.data.profile import Profile, listing
from driftline.data.sketches._scratch import Scratch
from driftline.data.sketches.distinct import DEFAULT_PRECISION
from driftline.data.sketches.frequent import DEFAULT_CAPACITY
from driftline.data.sketches.quantiles import DEFAULT_K

__all__ = ["DEFAULT_BATCH_ROWS", "profile_table"]

DEFAULT_BATCH_ROWS = 65_536
"""Rows per window: small enough for a sort to stay in the CPU cache, large enough to vectorise."""


def _feed_group(group: tuple[list[ColumnProfiler], list[Any], SimpleQueue[Scratch]]) -> None:
    profilers, columns, scratches = group
    scratch = scratches.get()  # one per worker: no two threads share work arrays
    try:
        for profiler, column in zip(profilers, columns, strict=True):
            profiler.update(column, scratch)
    finally:
        scratches.put(scratch)


def _names(value: Iterable[str] | None, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        raise InputError(f"{what} must be a list of column names, got the string {value!r}")
    names = list(value)
    for name in names:
        if not isinstance(name, str):
            raise InputError(f"{what} must hold column names (str), got {name!r}")
    return names


_PARAMS = {
    "seed": Interval(int),
    "batch_rows": Interval(int, 1),
    "threads": Interval(int, 1) | None,
}


def profile_table(
    data: Any,
    *,
    columns: Sequence[str] | None = None,
    categorical: Iterable[str] | None = None,
    text: Iterable[str] | None = None,
    k: int = DEFAULT_K,
    capacity: int = DEFAULT_CAPACITY,
    precision: int = DEFAULT_PRECISION,
    seed: int = 0,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    threads: int | None = None,
) -> Profile:
    """Profile a table in one pass.

    Args:
        data: a ``pyarrow.Table``, ``RecordBatch``, ``RecordBatchReader``, or an iterable of record
            batches (or tables) sharing one schema.
        columns: the columns to profile, in this order (default: all, in table order).
        categorical: names to profile as ``CATEGORICAL`` whatever their type (e.g. integer codes).
        text: string columns to profile as ``TEXT`` (lengths and values).
        k: KLL accuracy; normalised rank error ``3/k`` (see :class:`SketchParams`).
        capacity: frequent-items counters; value counts are exact up to this many values.
        precision: HyperLogLog ``p``; distinct counts within ~``1.04/sqrt(2**p)``.
        seed: seeds the quantile sketches; the same rows with the same seed and ``batch_rows``
            give byte-identical profiles, however the input is chunked.
        batch_rows: rows per internal window (see :data:`DEFAULT_BATCH_ROWS`).
        threads: columns profiled in parallel (default: one per core, at most one per column).

    Raises:
        InputError: bad arguments (named), unknown columns (:class:`UnknownColumnError`), batches
            with different schemas, no batches at all, or a column type that cannot be profiled
            (:class:`ColumnTypeError`, naming the column).

    Examples:
        >>> import pyarrow as pa
        >>> t = pa.table({"code": [1, 2, 2], "v": [0.5, 1.5, None]})
        >>> p = profile_table(t, categorical=["code"])
        >>> p["code"].kind.value, p["code"].frequent.top(1)[0].value, p["v"].null_count
        ('categorical', 2, 1)

    """
    params = SketchParams(k=k, capacity=capacity, precision=precision)
    check_params(
        "profile_table", {"seed": seed, "batch_rows": batch_rows, "threads": threads}, _PARAMS
    )
    forced_cat, forced_text = _names(categorical, "categorical"), _names(text, "text")
    schema, parts = windows(data, batch_rows)
    try:
        return _profile(
            schema, parts, columns, forced_cat, forced_text, params, seed=seed, threads=threads
        )
    except BaseException:
        # Stopped early: a reader still running (a dataset scan's read-ahead threads) would be
        # torn down at interpreter exit and abort the process, so it is closed now.
        _close(data, parts)
        raise


def _close(data: Any, parts: Any) -> None:
    for owned in (parts, data):
        if isinstance(owned, (pa.RecordBatchReader, GeneratorType)):
            owned.close()


def _profile(
    schema: Any,
    parts: Iterator[Any],
    columns: Sequence[str] | None,
    forced_cat: list[str],
    forced_text: list[str],
    params: SketchParams,
    *,
    seed: int,
    threads: int | None,
) -> Profile:
    all_names = list(schema.names)
    duplicated = sorted(n for n, seen in Counter(all_names).items() if seen > 1)
    chosen = all_names if columns is None else _names(columns, "columns")
    if columns is not None and len(set(chosen)) != len(chosen):
        raise InputError(f"columns lists a name twice: {listing(chosen)}")
    for name in chosen + forced_cat + forced_text:
        if schema.get_field_index(name) < 0 and name not in duplicated:
            raise UnknownColumnError(
                f"the table has no column {name!r}; it has {listing(schema.names)}"
            )
    for name in forced_cat + forced_text:
        if name not in chosen:
            raise InputError(f"column {name!r} is forced to a kind but not in columns=[...]")
    if set(forced_cat) & set(forced_text):
        both = sorted(set(forced_cat) & set(forced_text))
        raise InputError(f"column {both[0]!r} cannot be both categorical and text")
    if set(chosen) & set(duplicated):
        raise InputError(f"the table has more than one column named {duplicated[0]!r}")
    indices = [schema.get_field_index(name) for name in chosen]
    profilers = []
    seeds = column_seeds(seed, chosen)
    for name, index, own in zip(chosen, indices, seeds, strict=True):
        arrow_type = schema.field(index).type
        if name in forced_cat:
            kind = ColumnKind.CATEGORICAL
        elif name in forced_text:
            kind = ColumnKind.TEXT
        else:
            kind = infer_kind(arrow_type, name=name)
        check_kind(arrow_type, kind, name=name)
        profilers.append(ColumnProfiler(name, arrow_type, kind, params, seed, own_seed=own))
    workers = threads if threads is not None else (os.cpu_count() or 1)
    workers = max(1, min(workers, len(profilers)))
    num_rows = 0
    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
    scratches: SimpleQueue[Scratch] = SimpleQueue()
    for _ in range(workers):
        scratches.put(Scratch())
    try:
        for window in parts:
            num_rows += window.num_rows
            columns_ = [window.column(i) for i in indices]
            if pool is None:
                _feed_group((profilers, columns_, scratches))
            else:  # in groups: a table of thousands of columns is not thousands of tasks
                size = max(1, len(profilers) // (workers * 4))
                starts = range(0, len(profilers), size)
                groups = [
                    (profilers[i : i + size], columns_[i : i + size], scratches) for i in starts
                ]
                list(pool.map(_feed_group, groups))
    finally:
        if pool is not None:
            pool.shutdown()
    return Profile([p.result(last=True) for p in profilers], num_rows=num_rows, params=params)
