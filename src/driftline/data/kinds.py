"""Column kinds, and how a column's Arrow type decides its kind.

The kind of a column depends **only on its Arrow type** (and on names the caller forces), never on
the data: every partition of a dataset then gets the same kind, so their profiles merge.

==================================================  ===============  ==============================
Arrow type                                          kind             profiled as
==================================================  ===============  ==============================
integers, floats, decimals, durations, times        ``NUMERIC``      the number (durations and times
                                                                     in seconds)
dates, timestamps                                   ``DATETIME``     seconds since the Unix epoch
booleans                                            ``BOOLEAN``      counts (mean = share of true)
strings, binary, dictionaries, null                 ``CATEGORICAL``  frequent values
strings named in ``text=``                          ``TEXT``         lengths, frequent values
==================================================  ===============  ==============================

This follows Evidently's defaults (``_get_column_type``: booleans and strings are categorical,
floats numerical, datetimes datetime), except that Evidently also calls an *integer* column with at
most 5 distinct values categorical. That rule looks at the data, so here such a column stays
``NUMERIC`` and its profile records its exact value distribution and distinct count instead;
:attr:`driftline.data.ColumnProfile.looks_categorical` applies Evidently's rule to a profile.
Force a kind by naming the column in ``categorical=`` or ``text=``.

Examples:
    >>> import pyarrow as pa
    >>> infer_kind(pa.int32(), name="age"), infer_kind(pa.string(), name="city")
    (<ColumnKind.NUMERIC: 'numeric'>, <ColumnKind.CATEGORICAL: 'categorical'>)

"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.data._arrow import pa, pc
from driftline.data.errors import ColumnTypeError

__all__ = ["ColumnKind", "check_kind", "infer_kind", "to_float64"]


class ColumnKind(enum.Enum):
    """What a column holds, which decides how it is profiled."""

    NUMERIC = "numeric"
    """Numbers: moments, quantiles, distinct count; the exact value distribution while small."""
    CATEGORICAL = "categorical"
    """Labels: frequent values (exact up to ``capacity`` values) and distinct count."""
    BOOLEAN = "boolean"
    """True/false: counts of each, and the share of true as the mean."""
    DATETIME = "datetime"
    """Points in time, profiled as seconds since the Unix epoch like a numeric column."""
    TEXT = "text"
    """Free text: moments and quantiles of the lengths (characters), frequent values, distinct."""


_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


def _is_numeric(t: Any) -> bool:
    return bool(
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_decimal(t)
        or pa.types.is_duration(t)
        or pa.types.is_time(t)
    )


def _is_stringy(t: Any) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def _is_categorical(t: Any) -> bool:
    return bool(
        _is_stringy(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_binary_view(t)
        or pa.types.is_fixed_size_binary(t)
        or pa.types.is_dictionary(t)
        or pa.types.is_null(t)
    )


def infer_kind(arrow_type: Any, *, name: str) -> ColumnKind:
    """The kind of a column of ``arrow_type`` (see the table in the module docstring).

    Raises:
        ColumnTypeError: a type that cannot be profiled (lists, structs, maps, ...), naming the
            column.

    """
    t = arrow_type
    if pa.types.is_boolean(t):
        return ColumnKind.BOOLEAN
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return ColumnKind.DATETIME
    if _is_numeric(t):
        return ColumnKind.NUMERIC
    if _is_categorical(t):
        return ColumnKind.CATEGORICAL
    raise ColumnTypeError(
        f"column {name!r} has Arrow type {t}, which cannot be profiled; leave it out with "
        "columns=[...]"
    )


def check_kind(arrow_type: Any, kind: ColumnKind, *, name: str) -> None:
    """Check that a column of ``arrow_type`` can be profiled as a forced ``kind``.

    Raises:
        ColumnTypeError: e.g. ``TEXT`` for a non-string column, naming the column.

    """
    t = arrow_type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if kind is ColumnKind.TEXT and not _is_stringy(t):
        raise ColumnTypeError(f"column {name!r} has Arrow type {arrow_type}; text must be strings")
    if kind is ColumnKind.CATEGORICAL and pa.types.is_decimal(t):
        raise ColumnTypeError(f"column {name!r} has Arrow type {arrow_type}; cannot be categorical")
    infer_kind(arrow_type, name=name)


def to_float64(arr: Any) -> npt.NDArray[np.float64]:
    """The non-null values of a numeric, temporal or boolean array as a new float64 array.

    Times, durations and timestamps become seconds (timestamps and dates since the Unix epoch);
    ``-0.0`` becomes ``0.0``. Integers beyond 2**53 lose precision.

    Examples:
        >>> import pyarrow as pa, datetime as dt
        >>> to_float64(pa.array([dt.date(1970, 1, 2), None])).tolist()
        [86400.0]

    """
    if arr.null_count:
        arr = pc.drop_null(arr)
    t = arr.type
    if pa.types.is_decimal(t):
        arr, t = arr.cast(pa.float64()), pa.float64()
    if pa.types.is_temporal(t):
        storage = arr.view(pa.int32() if t.bit_width == 32 else pa.int64())
        x = np.array(storage.to_numpy(zero_copy_only=False), dtype=np.float64)
        if pa.types.is_date32(t):
            x *= 86400.0
        else:
            unit = "ms" if pa.types.is_date64(t) else t.unit
            if unit != "s":
                x /= _PER_SECOND[unit]
    else:
        x = np.array(arr.to_numpy(zero_copy_only=False), dtype=np.float64)
    x += 0.0
    return x
