"""Column types on the wire: Arrow types of a signature, Open Inference Protocol datatypes, numpy.

A :class:`ColumnCodec` is made once per signature column when a model is added to a server. It
turns the values a request carries for that column (a JSON array, possibly nested, or a numpy array
decoded from binary tensor data) into an Arrow array of exactly the signature's type, and refuses,
naming the column, values of another kind: strings for a number, fractions for an integer,
integers out of range, nulls where no missing value is possible. Conversions are vectorised
(numpy, pyarrow); a null in a floating-point column becomes NaN, as a missing value.

Examples:
    >>> codec = ColumnCodec.of("visits", "int64")
    >>> codec.datatype, codec.from_json([3, 4], "column 'visits'").to_pylist()
    ('INT64', [3, 4])
    >>> codec.from_json([3.5], "visits")
    Traceback (most recent call last):
    ...
    driftline.serving.errors.RequestError: visits has non-integer numbers, the model expects int64
    >>> ColumnCodec.of("age", "double").from_json([31, None], "column 'age'").to_pylist()
    [31.0, nan]

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from driftline.core.errors import InputError
from driftline.serving.errors import RequestError

__all__ = [
    "DATATYPES",
    "ColumnCodec",
    "datatype_of",
    "is_whole",
    "numpy_dtype",
]

DATATYPES: dict[str, str] = {
    "BOOL": "bool",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "FP16": "float16",
    "FP32": "float32",
    "FP64": "float64",
    "BYTES": "object",
}
"""Open Inference Protocol datatypes and the numpy dtype each stands for."""

_ARROW_TO_DATATYPE: dict[str, str] = {
    "bool": "BOOL",
    "int8": "INT8",
    "int16": "INT16",
    "int32": "INT32",
    "int64": "INT64",
    "uint8": "UINT8",
    "uint16": "UINT16",
    "uint32": "UINT32",
    "uint64": "UINT64",
    "halffloat": "FP16",
    "float": "FP32",
    "double": "FP64",
    "string": "BYTES",
    "large_string": "BYTES",
}


def numpy_dtype(datatype: str) -> np.dtype[Any]:
    """The numpy dtype of an Open Inference Protocol datatype.

    Raises:
        RequestError: not a datatype of the protocol (400, listing them).

    Examples:
        >>> numpy_dtype("FP32")
        dtype('float32')

    """
    name = DATATYPES.get(datatype)
    if name is None:
        raise RequestError(400, f"unknown datatype {datatype!r} (one of {', '.join(DATATYPES)})")
    return np.dtype(name)


def datatype_of(dtype: np.dtype[Any]) -> str:
    """The Open Inference Protocol datatype for a numpy dtype (strings and objects: BYTES).

    Examples:
        >>> datatype_of(np.dtype("int64")), datatype_of(np.dtype("<U3"))
        ('INT64', 'BYTES')

    """
    if dtype.kind in "USOT":
        return "BYTES"
    if dtype.kind == "b":
        return "BOOL"
    prefix = {"i": "INT", "u": "UINT", "f": "FP"}.get(dtype.kind)
    if prefix is None:
        return "BYTES"
    return f"{prefix}{dtype.itemsize * 8}"


def is_whole(values: np.ndarray[Any, Any]) -> bool:
    """Whether every value of a float array is a whole number (as JSON has ``3.0`` for ``3``).

    Examples:
        >>> is_whole(np.array([3.0, -1.0])), is_whole(np.array([3.5])), is_whole(np.array([np.inf]))
        (True, False, False)

    """
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.isfinite(values) & (values == np.trunc(values))))


_EXACT = 2.0**53
"""Whole numbers from here on lose digits as doubles (2**63 - 1 reads as 2**63)."""


def json_numbers(data: Any) -> np.ndarray[Any, Any]:
    """A numpy array of JSON numbers (any nesting), exact for integers beside whole floats.

    numpy reads ``[2**63 - 1, 3.0]`` as doubles, rounding the integer out of int64's range;
    whole numbers that large are read again as integers (int64, else uint64), exactly.

    Raises:
        ValueError, TypeError: ``data`` is ragged or not numbers (as :func:`numpy.asarray`).

    Examples:
        >>> json_numbers([2**63 - 1, 3.0]).tolist(), json_numbers([1.5, 2]).tolist()
        ([9223372036854775807, 3], [1.5, 2.0])

    """
    values = np.asarray(data)
    if values.dtype.kind != "f" or not values.size or not is_whole(values):
        return values
    if float(np.max(np.abs(values))) < _EXACT:
        return values
    exact = np.array(data, dtype=object)
    for dtype in (np.int64, np.uint64):
        try:
            out: np.ndarray[Any, Any] = exact.astype(dtype)
        except OverflowError:
            continue
        return out
    return values


# The kinds of numpy data a column of each kind accepts (numpy's "safe" casting between kinds).
_ACCEPTS = {"f": "biuf", "i": "biu", "u": "biu", "b": "b"}
_KIND_WORDS = {
    "f": "numbers",
    "i": "integers",
    "u": "integers",
    "b": "booleans",
    "U": "strings",
    "S": "bytes",
    "O": "mixed or null values",
}


@dataclass(frozen=True)
class ColumnCodec:
    """How one signature column travels: its Arrow type, numpy dtype and protocol datatype."""

    name: str
    arrow_type: str
    pa_type: pa.DataType
    dtype: np.dtype[Any]
    datatype: str
    accepted: frozenset[str]
    """The tensor datatypes that may feed the column (safe casts, e.g. INT32 to FP64)."""
    is_string: bool

    @classmethod
    def of(cls, name: str, arrow_type: str) -> ColumnCodec:
        """The codec of a signature column.

        Raises:
            InputError: requests cannot carry the column's type (naming column and type).

        """
        datatype = _ARROW_TO_DATATYPE.get(arrow_type)
        if datatype is None:
            raise InputError(
                f"column {name!r} has type {arrow_type}, which requests cannot carry "
                f"(served types: {', '.join(_ARROW_TO_DATATYPE)})"
            )
        dtype = numpy_dtype(datatype)
        if datatype == "BYTES":
            accepted = frozenset({"BYTES"})
        else:
            kinds = _ACCEPTS[dtype.kind]
            accepted = frozenset(
                d for d, name in DATATYPES.items() if d != "BYTES" and np.dtype(name).kind in kinds
            )
        pa_type = pa.type_for_alias(arrow_type)
        return cls(name, arrow_type, pa_type, dtype, datatype, accepted, datatype == "BYTES")

    def accepts(self, datatype: str) -> bool:
        """Whether a tensor of ``datatype`` may feed this column (a safe cast, e.g. INT32 to FP64).

        Examples:
            >>> ColumnCodec.of("x", "double").accepts("INT64")
            True
            >>> ColumnCodec.of("x", "int32").accepts("FP32")
            False

        """
        return datatype in self.accepted

    def parse_json(self, data: Any, what: str) -> np.ndarray[Any, Any]:
        """A numpy array of the JSON ``data`` (any nesting), without converting its kind yet.

        Raises:
            RequestError: ``data`` is ragged or not an array (400, naming ``what``).

        """
        try:
            if self.is_string:
                return np.array(data, dtype=object)
            return json_numbers(data)
        except (ValueError, TypeError) as exc:
            raise RequestError(400, f"{what} holds ragged or nested data: {exc}") from exc

    def from_json(self, data: Any, what: str) -> pa.Array:
        """The column's Arrow array for a flat JSON array ``data``."""
        values = self.parse_json(data, what)
        if values.ndim != 1:
            raise RequestError(
                400, f"{what} must be a flat array of values, got shape {values.shape}"
            )
        return self.to_arrow(values, what)

    def to_arrow(self, values: np.ndarray[Any, Any], what: str) -> pa.Array:
        """The column's Arrow array for 1-D ``values``, refusing values of another kind.

        Raises:
            RequestError: values of a kind the column cannot take, out of range, or null (400).

        """
        if self.is_string:
            return self._strings(values, what)
        return pa.array(self.to_numpy(values, what), type=self.pa_type)

    def to_numpy(self, values: np.ndarray[Any, Any], what: str) -> np.ndarray[Any, Any]:
        """``values`` (1-D) as the column's numpy dtype, refusing what :meth:`to_arrow` refuses.

        The array :meth:`to_arrow` wraps, for a numeric column: the same checks, the same
        messages, the same values (a null in a floating-point column becomes NaN). It may be
        ``values`` itself when no conversion is needed.

        Raises:
            RequestError: values of a kind the column cannot take, out of range, or null (400).

        Examples:
            >>> ColumnCodec.of("x", "double").to_numpy(np.array([1, 2]), "column 'x'")
            array([1., 2.])

        """
        kind = values.dtype.kind
        if kind == "O" and self.dtype.kind == "f":
            return self._floats_with_nulls(values, what)
        if kind == "f" and self.dtype.kind in "iu" and is_whole(values):
            kind = "i"  # JSON's 3.0 is the integer 3
        if kind not in _ACCEPTS[self.dtype.kind]:
            got = _KIND_WORDS.get(kind, str(values.dtype))
            if kind == "f":
                got = "non-integer numbers"
            raise RequestError(400, f"{what} has {got}, the model expects {self.arrow_type}")
        if kind in "iu" and self.dtype.kind in "iu" and values.size:
            self._check_range(values, what)
        return values.astype(self.dtype, copy=False)

    def _check_range(self, values: np.ndarray[Any, Any], what: str) -> None:
        info = np.iinfo(self.dtype)
        low, high = values.min(), values.max()
        if int(low) < info.min or int(high) > info.max:
            bad = low if int(low) < info.min else high
            raise RequestError(
                400, f"{what} has the value {int(bad)}, out of range for {self.arrow_type}"
            )

    def _floats_with_nulls(self, values: np.ndarray[Any, Any], what: str) -> np.ndarray[Any, Any]:
        try:
            arr = pa.array(values, type=pa.float64(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise RequestError(
                400, f"{what} has values that are not numbers, the model expects {self.arrow_type}"
            ) from exc
        numbers: np.ndarray[Any, Any] = arr.to_numpy(zero_copy_only=False)
        return numbers.astype(self.dtype, copy=False)

    def _strings(self, values: np.ndarray[Any, Any], what: str) -> pa.Array:
        if values.dtype.kind != "O" and values.dtype.kind != "U":
            got = _KIND_WORDS.get(values.dtype.kind, str(values.dtype))
            raise RequestError(400, f"{what} has {got}, the model expects {self.arrow_type}")
        try:
            arr = pa.array(values, type=self.pa_type)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise RequestError(
                400, f"{what} has values that are not strings, the model expects {self.arrow_type}"
            ) from exc
        if arr.null_count:
            raise RequestError(400, f"{what} has a null value, the model expects {self.arrow_type}")
        return arr
