"""Values as the frequent-items sketch counts them: normalised Arrow types, counted per batch.

Strings of any flavor become ``large_string``, binaries ``large_binary``, integers ``int64``,
floats ``float64`` (``-0.0`` as ``0.0``), dates and timestamps their integer storage, and
dictionaries their values, so that sketches of partitions merge whatever their physical types.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.core.errors import InputError
from driftline.data._arrow import pa, pc
from driftline.data.errors import ColumnTypeError

__all__ = ["count_values", "normalise_items"]

I64Array = npt.NDArray[np.int64]


def normalise_items(values: Any) -> Any:
    """``values`` as an Arrow array of the sketch's normalised type (see the module docstring).

    Nulls stay; NaN is not removed here (see :func:`count_values`).

    Raises:
        ColumnTypeError: a type that has no normalised form (nested, decimal, ...).
        InputError: integers above ``2**63 - 1``.

    Examples:
        >>> import pyarrow as pa
        >>> normalise_items(pa.array([1, 2], pa.int8())).type
        DataType(int64)

    """
    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_dictionary(t):
        return normalise_items(arr.dictionary_decode())
    if pa.types.is_null(t) or pa.types.is_boolean(t) or t == pa.int64():
        return arr
    if pa.types.is_large_string(t) or pa.types.is_large_binary(t):
        return arr
    if pa.types.is_string(t) or pa.types.is_string_view(t):
        return arr.cast(pa.large_string())
    if pa.types.is_binary(t) or pa.types.is_binary_view(t) or pa.types.is_fixed_size_binary(t):
        return arr.cast(pa.large_binary())
    if pa.types.is_integer(t):
        try:
            return arr.cast(pa.int64())
        except pa.ArrowInvalid as exc:
            raise InputError(f"frequent items: {t} values above 2**63 - 1 ({exc})") from exc
    if pa.types.is_floating(t):
        return pc.add(arr.cast(pa.float64()), 0.0)
    if pa.types.is_temporal(t):
        storage = arr.view(pa.int32() if t.bit_width == 32 else pa.int64())
        return storage.cast(pa.int64())
    raise ColumnTypeError(f"cannot count values of Arrow type {t}")


def count_values(values: Any) -> tuple[Any, I64Array]:
    """The distinct non-null, non-NaN values of a batch (normalised) and how often each occurs.

    Examples:
        >>> items, counts = count_values(["x", "y", "x", None])
        >>> items.to_pylist(), counts.tolist()
        (['x', 'y'], [2, 1])

    """
    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    normalise_items(arr.slice(0, 0))  # refuse types that cannot be counted, before counting
    if pa.types.is_dictionary(arr.type):
        indices = arr.indices
        if indices.null_count:
            indices = pc.drop_null(indices)
        idx = np.asarray(indices.to_numpy(zero_copy_only=False), dtype=np.intp)
        freq = np.bincount(idx, minlength=len(arr.dictionary))
        present = np.flatnonzero(freq)
        items = normalise_items(arr.dictionary.take(pa.array(present)))
        counts = freq[present].astype(np.int64)
    else:
        if arr.null_count:
            arr = pc.drop_null(arr)
        vc = pc.value_counts(arr)
        items = normalise_items(vc.field(0))
        counts = np.asarray(vc.field(1).to_numpy(zero_copy_only=False), dtype=np.int64)
    keep = None
    if items.null_count:
        keep = items.is_valid()
    if pa.types.is_floating(items.type):
        not_nan = pc.invert(pc.is_nan(items))
        keep = not_nan if keep is None else pc.and_(keep, not_nan)
    if keep is not None:
        mask = np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)
        items, counts = items.filter(keep), counts[mask]
    return items, counts
