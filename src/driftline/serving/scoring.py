"""MLflow's scoring protocol (``POST /invocations``), without HTTP: request bodies to tables.

The JSON body holds exactly one of MLflow's input fields, and optionally ``params``:

=====================  ==========================================================================
``dataframe_split``    ``{"columns": [...], "data": [[row], ...]}`` (``index`` is ignored)
``dataframe_records``  ``[{"column": value, ...}, ...]``
``instances``          records as above, or rows ``[[...], ...]`` in the signature's column order
``inputs``             columns ``{"column": [values], ...}``, or rows as for ``instances``
=====================  ==========================================================================

A ``text/csv`` body is a table with a header row (a leading unnamed column, the index that
``pandas.DataFrame.to_csv`` writes, is dropped). The answer is ``{"predictions": [...]}``.

:func:`parse_json_input` and :func:`parse_csv_input` give the rows as an
:class:`~driftline.serving.spec.InputBatch` (for a model on numeric columns, a matrix the model
predicts on, without an Arrow table); :func:`parse_json_body` and :func:`parse_csv_body` give the
table. Both check the same things and refuse with the same messages.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.models import LoadedModel, ModelMeta, SklearnFlavor, infer_signature
    >>> from driftline.serving import ServedModel
    >>> sig = infer_signature(pa.table({"a": [1.0], "b": ["x"]}), np.array([0]))
    >>> model = LoadedModel(None, SklearnFlavor(), ModelMeta("sklearn", signature=sig))
    >>> spec = ServedModel("m", 1, model).spec
    >>> body = {"dataframe_split": {"columns": ["b", "a"], "data": [["y", 2], ["z", 3.5]]}}
    >>> parse_json_body(body, spec).to_pydict()
    {'a': [2.0, 3.5], 'b': ['y', 'z']}

"""

from __future__ import annotations

import csv as pycsv
import io
import re
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa

from driftline.serving.errors import RequestError
from driftline.serving.spec import InputBatch, ModelSpec

__all__ = ["FORMATS", "parse_csv_body", "parse_csv_input", "parse_json_body", "parse_json_input"]

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
"""MLflow's JSON input fields."""

_FIELDS = ", ".join(repr(f) for f in FORMATS)
_REQUIRED = f"The input must be a JSON dictionary with exactly one of the input fields {_FIELDS}"


def _columns(spec: ModelSpec, columns: Mapping[str, Any]) -> InputBatch:
    spec.check_names(columns, "column")
    arrays = {}
    for name, values in columns.items():
        codec = spec.by_name[name]
        what = f"column {name!r}"
        if not isinstance(values, list | tuple):
            raise RequestError(400, f"{what} must be an array of values")
        parsed = codec.parse_json(values, what)
        if parsed.ndim == 2 and parsed.shape[1] == 1:
            parsed = parsed.reshape(-1)
        if parsed.ndim != 1:
            raise RequestError(400, f"{what} must hold one value per row, got shape {parsed.shape}")
        arrays[name] = spec.convert(codec, parsed, what)
    return spec.batch(arrays)


def _rows(spec: ModelSpec, rows: list[Any], names: list[str] | None, field: str) -> InputBatch:
    names = spec.column_names if names is None else names
    width = len(names)
    if not rows:
        raise RequestError(400, "request has no rows to predict")
    kinds = set(map(type, rows))
    if width == 1 and not kinds & {list, dict}:
        return _columns(spec, {names[0]: rows})
    if kinds != {list}:
        raise RequestError(400, f"{field} must be an array of rows (arrays of {width} values)")
    lengths = set(map(len, rows))
    if lengths != {width}:
        bad = sorted(lengths - {width})[0]
        raise RequestError(
            400,
            f"{field} has a row of {bad} values, expected {width} ({', '.join(map(str, names))})",
        )
    if spec.takes_matrix and spec.uniform:
        batch = _uniform_rows(spec, rows, names)
        if batch is not None:
            return batch
    return _columns(spec, dict(zip(names, map(list, zip(*rows, strict=True)), strict=True)))


def _uniform_rows(spec: ModelSpec, rows: list[Any], names: Sequence[str]) -> InputBatch | None:
    """The rows of a model whose columns share one numeric type, converted in one pass.

    ``None`` when some value is refused (or the rows are not a plain matrix): the caller then
    converts column by column, to name the first column refused, as it always did. A column's
    values convert one by one, alike whether the whole matrix or the column is converted at once
    (a number converts to the same float whether it is one of integers or of floats), so when
    every column passes, both give the same matrix. Not for float32 or float16 columns: an
    integer among floats would round twice (to float64 first), not once as in a column of
    integers.
    """
    codec = spec.codecs[0]
    if codec.dtype.kind == "f" and codec.dtype != np.float64:
        return None
    spec.check_names(names, "column")
    try:
        whole = np.asarray(rows)
    except (ValueError, TypeError):
        return None
    if whole.ndim != 2:
        return None
    try:
        values = codec.to_numpy(whole.reshape(-1), "rows")
    except RequestError:
        return None
    matrix = values.reshape(whole.shape)
    if list(names) != spec.column_names:
        position = {name: j for j, name in enumerate(names)}
        matrix = matrix[:, [position[c.name] for c in spec.codecs]]
    return spec.matrix_batch(matrix)


def _records(spec: ModelSpec, records: list[Any], field: str) -> InputBatch:
    if not records:
        raise RequestError(400, "request has no rows to predict")
    if set(map(type, records)) != {dict}:
        raise RequestError(400, f"{field} must be an array of objects (one per row)")
    spec.check_names(set().union(*records), "column")
    columns: dict[str, Any] = {}
    for name in spec.column_names:
        try:
            columns[name] = list(map(itemgetter(name), records))
        except KeyError:
            raise RequestError(400, f"a record in {field} lacks column {name!r}") from None
    return _columns(spec, columns)


def _split(spec: ModelSpec, value: Any) -> InputBatch:
    if not isinstance(value, dict):
        raise RequestError(400, "dataframe_split must be an object with 'columns' and 'data'")
    names = value.get("columns")
    data = value.get("data")
    if names is not None and not (
        isinstance(names, list) and all(isinstance(n, str) for n in names)
    ):
        raise RequestError(400, "dataframe_split 'columns' must be an array of column names")
    if not isinstance(data, list):
        raise RequestError(400, "dataframe_split needs 'data': an array of rows")
    if names is not None and len(set(names)) != len(names):
        raise RequestError(400, "dataframe_split 'columns' names a column twice")
    return _rows(spec, data, names, "dataframe_split 'data'")


def parse_json_body(doc: Any, spec: ModelSpec) -> pa.Table:
    """The model's input table for a parsed MLflow JSON body.

    Raises:
        RequestError: 400 naming the field, column or row that is wrong.

    """
    return parse_json_input(doc, spec).table


def parse_json_input(doc: Any, spec: ModelSpec) -> InputBatch:
    """The model's input rows for a parsed MLflow JSON body (a matrix for a numeric model).

    Raises:
        RequestError: 400 naming the field, column or row that is wrong.

    """
    if not isinstance(doc, dict):
        got = "a list" if isinstance(doc, list) else f"a {type(doc).__name__}"
        raise RequestError(400, f"{_REQUIRED}. Received {got}")
    fields = [f for f in FORMATS if f in doc]
    if len(fields) != 1:
        raise RequestError(400, f"{_REQUIRED}. Received the fields {sorted(doc)}")
    params = doc.get("params")
    if params is not None and not isinstance(params, dict):
        raise RequestError(400, "'params' must be a JSON object")
    field = fields[0]
    value = doc[field]
    if field == "dataframe_split":
        return _split(spec, value)
    if field == "dataframe_records":
        if not isinstance(value, list):
            raise RequestError(400, "dataframe_records must be an array of objects")
        return _records(spec, value, field)
    if isinstance(value, dict) and field == "inputs":
        return _columns(spec, value)
    if not isinstance(value, list):
        raise RequestError(400, f"{field} must be an array of rows or records")
    if value and isinstance(value[0], dict):
        return _records(spec, value, field)
    return _rows(spec, value, None, field)


_CSV_COLUMN = re.compile(r"column #(\d+)")
_CSV_PREFIX = re.compile(r"^In CSV column #\d+: (CSV )?")


def parse_csv_input(body: bytes, spec: ModelSpec) -> InputBatch:
    """The model's input rows for a CSV body with a header row (see :func:`parse_csv_body`).

    Raises:
        RequestError: 400 naming the column whose values do not parse as its type.

    """
    return InputBatch.of_table(spec, parse_csv_body(body, spec))


def parse_csv_body(body: bytes, spec: ModelSpec) -> pa.Table:
    """The model's input table for a CSV body with a header row.

    Raises:
        RequestError: 400 naming the column whose values do not parse as its type.

    """
    from pyarrow import csv

    if not body.strip():
        raise RequestError(400, "the CSV body is empty, expected a header row and rows")
    first_line = body.split(b"\n", 1)[0].decode("utf-8", "replace")
    names = next(pycsv.reader([first_line]), [])
    try:
        table = csv.read_csv(
            io.BytesIO(body),
            convert_options=csv.ConvertOptions(
                column_types={c.name: c.pa_type for c in spec.codecs},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        message = str(exc)
        found = _CSV_COLUMN.search(message)
        if found and int(found.group(1)) < len(names):
            column = names[int(found.group(1))]
            detail = _CSV_PREFIX.sub("", message)
            raise RequestError(400, f"CSV column {column!r}: {detail}") from None
        raise RequestError(400, f"the body is not valid CSV: {message}") from None
    if table.num_columns and table.column_names[0] in ("", "Unnamed: 0"):
        table = table.drop_columns([table.column_names[0]])
    spec.check_names(table.column_names, "column")
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        codec = spec.by_name[name]
        array = column.combine_chunks()
        if array.null_count:
            if codec.dtype.kind != "f":
                raise RequestError(
                    400, f"column {name!r} has an empty value, the model expects {codec.arrow_type}"
                )
            array = array.fill_null(float("nan"))
        columns[name] = array
    return spec.table(columns)
