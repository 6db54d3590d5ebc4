"""Model signatures: the input columns (with Arrow types) and the output a model was saved with.

A :class:`ModelSignature` is inferred from a sample at save time (:func:`infer_signature`) and
checked against new input before serving (:func:`check_input`), so that a request with a missing,
extra or mistyped column fails with an :class:`~driftline.core.errors.InputError` naming it, instead
of a wrong prediction. A 2-D numpy array stands for a table with columns ``f0``, ``f1``, ...

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> sample = pa.table({"age": [31.0, 45.0], "visits": [3, 8]})
    >>> sig = infer_signature(sample, np.array([0, 1]))
    >>> [(c.name, c.dtype) for c in sig.inputs], sig.output_dtype, sig.output_shape
    ([('age', 'double'), ('visits', 'int64')], 'int64', (None,))
    >>> ModelSignature.from_dict(sig.to_dict()) == sig
    True
    >>> check_input(sig, pa.table({"age": [50.0]}))
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: input is missing column 'visits' (int64)

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from driftline.core.errors import InputError

__all__ = [
    "ColumnSpec",
    "ModelSignature",
    "as_table",
    "check_input",
    "infer_signature",
    "to_matrix",
]


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: its name and its Arrow type (as Arrow spells it, e.g. ``"double"``).

    Examples:
        >>> ColumnSpec("age", "double")
        ColumnSpec(name='age', dtype='double')

    """

    name: str
    dtype: str


@dataclass(frozen=True)
class ModelSignature:
    """What a model takes (named, typed columns) and returns (numpy dtype; shape, rows ``None``).

    Examples:
        >>> sig = ModelSignature((ColumnSpec("x", "double"),), "float64", (None, 2))
        >>> sig.column_names
        ('x',)

    """

    inputs: tuple[ColumnSpec, ...]
    output_dtype: str
    output_shape: tuple[int | None, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        """The input column names, in order."""
        return tuple(c.name for c in self.inputs)

    @property
    def matrix_dtype(self) -> np.dtype[Any] | None:
        """The dtype :func:`to_matrix` gives input of this signature, when every column is numeric.

        ``None`` when a column is not a boolean, integer or floating-point number (or there are
        no columns): such input has no plain numeric matrix.

        Examples:
            >>> cols = (ColumnSpec("n", "int32"), ColumnSpec("x", "double"))
            >>> ModelSignature(cols, "int64", (None,)).matrix_dtype
            dtype('float64')
            >>> ModelSignature((ColumnSpec("s", "string"),), "int64", (None,)).matrix_dtype is None
            True

        """
        dtypes = [_numeric_dtype(c.dtype) for c in self.inputs]
        if not dtypes or any(d is None for d in dtypes):
            return None
        return np.result_type(*dtypes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the form stored in ``model.json``)."""
        return {
            "inputs": [{"name": c.name, "dtype": c.dtype} for c in self.inputs],
            "output": {"dtype": self.output_dtype, "shape": list(self.output_shape)},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSignature:
        """Read back what :meth:`to_dict` wrote.

        Raises:
            InputError: the dict does not describe a signature (naming the missing key).

        """
        try:
            inputs = tuple(ColumnSpec(str(c["name"]), str(c["dtype"])) for c in data["inputs"])
            output = data["output"]
            shape = tuple(None if d is None else int(d) for d in output["shape"])
            return cls(inputs, str(output["dtype"]), shape)
        except (KeyError, TypeError) as exc:
            raise InputError(f"a model signature lacks or mistypes {exc}") from exc


def _numeric_dtype(arrow_type: str) -> np.dtype[Any] | None:
    """The numpy dtype of a boolean or numeric Arrow type name, else ``None``."""
    try:
        dtype = np.dtype(pa.type_for_alias(arrow_type).to_pandas_dtype())
    except (ValueError, TypeError, KeyError, NotImplementedError, pa.ArrowException):
        return None
    return dtype if dtype.kind in "biuf" else None


def as_table(data: Any) -> pa.Table:
    """A ``pyarrow.Table`` for ``data`` (a table, or a 2-D array as columns ``f0``, ``f1``, ...).

    Raises:
        InputError: ``data`` is neither, naming what it is.

    Examples:
        >>> as_table(np.zeros((2, 2))).column_names
        ['f0', 'f1']

    """
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise InputError(f"model input must be a 2-D array, got shape {data.shape}")
        return pa.table({f"f{i}": data[:, i] for i in range(data.shape[1])})
    raise InputError(f"model input must be a pyarrow.Table or a 2-D numpy array, got {type(data)}")


def to_matrix(data: Any, dtype: Any = None) -> np.ndarray[Any, Any]:
    """A 2-D numpy array for ``data`` (columns of a table side by side, vectorised).

    Examples:
        >>> to_matrix(pa.table({"a": [1, 2], "b": [3, 4]})).tolist()
        [[1, 3], [2, 4]]

    """
    if isinstance(data, np.ndarray):
        matrix = data
    else:
        table = as_table(data)
        columns = [c.to_numpy() for c in table.columns]
        matrix = np.column_stack(columns) if columns else np.empty((table.num_rows, 0))
    return matrix if dtype is None else matrix.astype(dtype, copy=False)


def infer_signature(sample: Any, output: Any) -> ModelSignature:
    """The signature of a model that maps ``sample`` (table or 2-D array) to ``output``.

    Examples:
        >>> infer_signature(np.zeros((3, 2)), np.zeros((3, 4))).output_shape
        (None, 4)

    """
    table = as_table(sample)
    inputs = tuple(ColumnSpec(f.name, str(f.type)) for f in table.schema)
    out = np.asarray(output)
    return ModelSignature(inputs, str(out.dtype), (None, *out.shape[1:]))


def check_input(signature: ModelSignature, data: Any) -> None:
    """Check that ``data`` has exactly the signature's columns with its types.

    Raises:
        InputError: naming the first missing column, extra column or column of a wrong type.

    Examples:
        >>> sig = infer_signature(pa.table({"x": [1.0]}), np.array([1]))
        >>> check_input(sig, pa.table({"x": [2.0]}))
        >>> check_input(sig, pa.table({"x": ["2"]}))
        Traceback (most recent call last):
        ...
        driftline.core.errors.InputError: input column 'x' has type string, the model expects double

    """
    table = as_table(data)
    got = dict(zip(table.column_names, map(str, table.schema.types), strict=True))
    for column in signature.inputs:
        if column.name not in got:
            raise InputError(f"input is missing column {column.name!r} ({column.dtype})")
        if got[column.name] != column.dtype:
            raise InputError(
                f"input column {column.name!r} has type {got[column.name]}, "
                f"the model expects {column.dtype}"
            )
    names = {c.name for c in signature.inputs}
    if len(got) == len(names):  # every column of the signature is there, so no other
        return
    extra = [name for name in got if name not in names]
    if extra:
        raise InputError(f"input has column {extra[0]!r}, which the model does not take")
