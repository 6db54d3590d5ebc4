"""One numeric window of a column: its values as float64, one sort, then every sketch from it.

This is the profiler's hot path (a monitor profiles millions of logged rows an hour), so it:

* converts a numeric Arrow array into a reused float64 array (no copy of its own);
* sorts by radix (:mod:`driftline.data.sketches._sorting`), since the comparison sort is the
  slowest step on some machines;
* hashes only the distinct values, in place, and lets HyperLogLog compare each hash with one bound
  per register instead of computing every rank;
* keeps every temporary in a :class:`~driftline.data.sketches._scratch.Scratch`, so that a window
  faults no fresh pages in;
* for windows of :data:`COMPILED_MIN` values or more, sorts and counts distinct values with the
  compiled kernels of :mod:`~driftline.data.sketches._kernels` (numba): about a third of the
  time, and one release of the GIL instead of twenty.

The sketches get exactly the values they got before; only the work is cheaper.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.data._arrow import pa, pc
from driftline.data.hashing import FLOAT_KEY, hash_float64_into
from driftline.data.kinds import to_float64
from driftline.data.sketches._scratch import Scratch

__all__ = ["COMPILED_MIN", "compiled", "float_values", "update_numbers"]

F64Array = npt.NDArray[np.float64]

COMPILED_MIN = 16_384
"""Windows of at least this many values use the compiled kernels (smaller ones stay in numpy,
which needs no compiler and no import: a three-row table never loads numba)."""


@functools.cache
def compiled() -> ModuleType | None:
    """The compiled kernels (:mod:`~driftline.data.sketches._kernels`), or ``None`` without numba.

    Both paths give the same sketches, bit for bit; numba only makes large windows cheaper.
    """
    try:
        from driftline.data.sketches import _kernels
    except ImportError:  # numba missing or unusable on this platform: numpy does the same work
        return None
    return _kernels


def float_values(arr: Any, scratch: Scratch) -> F64Array:
    """The non-null values of a numeric array as float64 (``-0.0`` as ``0.0``), like ``to_float64``.

    ``arr`` is an Arrow Array or ChunkedArray. Integers and floats land in the scratch array
    ``"x"``, chunk by chunk (no combined copy); other types (temporal, decimal) go through
    :func:`~driftline.data.kinds.to_float64`.

    Examples:
        >>> float_values(pa.array([1, None, -0.0 + 3]), Scratch()).tolist()
        [1.0, 3.0]
        >>> float_values(pa.chunked_array([[1.5], [None, -0.0]]), Scratch()).tolist()
        [1.5, 0.0]

    """
    if arr.null_count:
        arr = pc.drop_null(arr)
    t = arr.type
    if not (pa.types.is_integer(t) or pa.types.is_floating(t)) or pa.types.is_float16(t):
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        return to_float64(arr)
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    out = scratch.get("x", np.float64, len(arr))
    at = 0
    for chunk in chunks:  # chunks, not rows
        view = chunk.to_numpy(zero_copy_only=False)
        np.add(view, 0.0, out=out[at : at + view.size], casting="unsafe")  # -0.0 becomes 0.0
        at += view.size
    return out


def update_numbers(p: Any, x: F64Array, scratch: Scratch) -> None:
    """Add one window's non-null values ``x`` (which may hold NaN) to ``p``'s sketches.

    ``p`` is the column's :class:`~driftline.data._profiler.ColumnProfiler` (which imports this
    module, hence not named in the annotation).
    """
    nan = np.isnan(x, out=scratch.get("nan", np.bool_, x.size))
    n_nan = int(np.count_nonzero(nan))
    if n_nan:
        x = x[~nan]
    p._nans += n_nan
    p._count += x.size
    if x.size == 0:
        return
    n = x.size
    flags = scratch.get("flags", np.bool_, n)
    p._order._add(x, flags)  # in row order, before the sort
    kernels = compiled() if n >= COMPILED_MIN else None
    if kernels is None:
        s = p._sorter.sort(x, scratch)  # a new array: the quantile sketch may keep it
    else:
        s = kernels.sort_floats(
            x,
            scratch.get("sort.keys", np.uint64, n),
            scratch.get("sort.work", np.uint64, n),
            scratch.get("sort.counts", np.int64, kernels.DIGITS),
        )
    p._moments._update_sorted(s, work=scratch.get("work", np.float64, n))
    if kernels is None:
        _distinct_and_frequent(p, s, flags, scratch)
    else:
        distinct = p._distinct
        found = kernels.distinct_sorted(s, distinct._registers, distinct.precision, FLOAT_KEY)
        if not p._frequent_dropped:
            if found > p._frequent.capacity:
                p._drop_frequent()
            else:
                _frequent(p, s, _firsts(s, flags))
    p._quantiles._update_sorted(s)


def _distinct_and_frequent(p: Any, s: F64Array, flags: Any, scratch: Scratch) -> None:
    """Add the distinct values of sorted ``s`` to ``p``'s HyperLogLog and frequent items."""
    n = s.size
    first = _firsts(s, flags)
    n_unique = int(np.count_nonzero(first))
    uniques = s
    if n_unique < n:
        uniques = np.compress(first, s, out=scratch.get("u", np.float64, n_unique))
    hashes = hash_float64_into(
        uniques, scratch.get("h", np.uint64, n_unique), scratch.get("h2", np.uint64, n_unique)
    )
    p._distinct._update_into(
        hashes,
        scratch.get("h2", np.uint64, n_unique),
        scratch.get("h3", np.uint64, n_unique),
        scratch.get("nan", np.bool_, n_unique),
    )
    if not p._frequent_dropped:
        if n_unique > p._frequent.capacity:
            p._drop_frequent()
        else:
            _frequent(p, s, first)


def _firsts(s: F64Array, flags: Any) -> Any:
    """``flags`` set where sorted ``s`` starts a run of equal values."""
    flags[0] = True
    np.not_equal(s[1:], s[:-1], out=flags[1:])
    return flags


def _frequent(p: Any, s: F64Array, first: Any) -> None:
    """Count the values of sorted ``s`` (``first``: where each run starts) into frequent items."""
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, s.size))
    p._frequent.update_counts(pa.array(s[starts]), counts)
    if not p._frequent.is_exact:
        p._drop_frequent()
