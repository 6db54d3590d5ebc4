"""One numeric window of a column: its values as float64, one sort, then every sketch from it.

This is the profiler's hot path (a monitor profiles millions of logged rows an hour), so it:

* converts a numeric Arrow array into a reused float64 array (no copy of its own);
* sorts by radix (:mod:`driftline.data.sketches._sorting`), since the comparison sort is the
  slowest step on some machines;
* hashes only the distinct values, in place, and lets HyperLogLog compare each hash with one bound
  per register instead of computing every rank;
* keeps every temporary in a :class:`~driftline.data.sketches._scratch.Scratch`, so that a window
  faults no fresh pages in.

The sketches get exactly the values they got before; only the work is cheaper.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.data._arrow import pa, pc
from driftline.data.hashing import hash_float64_into
from driftline.data.kinds import to_float64
from driftline.data.sketches._scratch import Scratch

__all__ = ["float_values", "update_numbers"]

F64Array = npt.NDArray[np.float64]


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
    s = p._sorter.sort(x, scratch)  # a new array: the quantile sketch may keep it
    p._moments._update_sorted(s, work=scratch.get("work", np.float64, n))
    first = flags
    first[0] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
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
            starts = np.flatnonzero(first)
            counts = np.diff(np.append(starts, n))
            p._frequent.update_counts(pa.array(uniques.copy()), counts)
            if not p._frequent.is_exact:
                p._drop_frequent()
    p._quantiles._update_sorted(s)
