from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.errors import InputError
from driftline.models import ColumnSpec, ModelSignature, check_input, infer_signature
from driftline.models.signature import as_table, to_matrix

SAMPLE = pa.table({"age": [30.0, 40.0], "city": ["Oslo", "Rome"], "n": [1, 2]})


def test_infer_records_columns_types_and_output() -> None:
    sig = infer_signature(SAMPLE, np.zeros((2, 3), dtype=np.float32))
    assert sig.inputs == (
        ColumnSpec("age", "double"),
        ColumnSpec("city", "string"),
        ColumnSpec("n", "int64"),
    )
    assert (sig.output_dtype, sig.output_shape) == ("float32", (None, 3))
    assert ModelSignature.from_dict(sig.to_dict()) == sig


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (SAMPLE.drop_columns(["city"]), "missing column 'city'"),
        (SAMPLE.append_column("extra", pa.array([1, 2])), "column 'extra'"),
        (SAMPLE.set_column(2, "n", pa.array([1.0, 2.0])), "column 'n' has type double"),
    ],
)
def test_check_input_names_the_column(table: pa.Table, message: str) -> None:
    sig = infer_signature(SAMPLE, np.zeros(2))
    with pytest.raises(InputError, match=message):
        check_input(sig, table)


def test_check_input_accepts_other_column_order() -> None:
    sig = infer_signature(SAMPLE, np.zeros(2))
    check_input(sig, SAMPLE.select(["n", "age", "city"]))


def test_arrays_are_tables_with_numbered_columns() -> None:
    sig = infer_signature(np.zeros((2, 2)), np.zeros(2))
    assert sig.column_names == ("f0", "f1")
    with pytest.raises(InputError, match="'f1'"):
        check_input(sig, np.zeros((2, 1)))
    with pytest.raises(InputError, match="2-D"):
        as_table(np.zeros(3))
    with pytest.raises(InputError, match=r"pyarrow\.Table"):
        as_table([[1.0]])


def test_to_matrix_stacks_columns() -> None:
    m = to_matrix(pa.table({"a": [1.0, 2.0], "b": [3, 4]}), np.float32)
    assert m.dtype == np.float32
    assert m.tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_from_dict_names_a_missing_key() -> None:
    with pytest.raises(InputError, match="output"):
        ModelSignature.from_dict({"inputs": []})
