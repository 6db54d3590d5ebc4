"""The request schemas of one served model, from its signature, for the OpenAPI document.

A generic document cannot say what a model takes: its inputs are its signature's columns. The
document a server serves (:func:`~driftline.serving.openapi.openapi_document` with a model table)
therefore describes each served model with its own schemas, made here from its
:class:`~driftline.serving.spec.ModelSpec`:

* :func:`value_schema`: one value of a column, as JSON (a string, a boolean, a number, or an
  integer within the column's range).
* :func:`infer_schema`: an Open Inference Protocol request, one tensor per column in the
  signature's order, each of shape ``[n]`` with ``n`` values. JSON Schema cannot say that every
  tensor holds the same ``n`` as its shape says, so the schema lists the requests of 1 to
  :data:`ROWS` rows; the server takes any number.
* :func:`scoring_schema`: an MLflow ``/invocations`` JSON body, exactly one of
  ``dataframe_split``, ``dataframe_records``, ``instances`` or ``inputs`` (``oneOf``).

Each comes with an example that the server accepts (:func:`infer_example`,
:func:`scoring_example`).

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.models import LoadedModel, ModelMeta, SklearnFlavor, infer_signature
    >>> from driftline.serving import ServedModel
    >>> sig = infer_signature(pa.table({"a": [1.0], "n": pa.array([1], pa.int8())}), np.array([0]))
    >>> loaded = LoadedModel(None, SklearnFlavor(), ModelMeta("sklearn", signature=sig))
    >>> spec = ServedModel("m", 1, loaded).spec
    >>> value_schema(spec.codecs[1])
    {'type': 'integer', 'minimum': -128, 'maximum': 127}
    >>> infer_example(spec)["inputs"][1]
    {'name': 'n', 'shape': [1], 'datatype': 'INT8', 'data': [0]}
    >>> scoring_example(spec)
    {'dataframe_split': {'columns': ['a', 'n'], 'data': [[0.0, 0]]}}

"""

from __future__ import annotations

from typing import Any

import numpy as np

from driftline.serving.columns import ColumnCodec
from driftline.serving.spec import ModelSpec

__all__ = [
    "ROWS",
    "infer_example",
    "infer_schema",
    "scoring_example",
    "scoring_schema",
    "value_schema",
]

ROWS = 3
"""The most rows the documented Open Inference Protocol requests hold (the server takes any)."""

_FLOATS = ("FP16", "FP32", "FP64")


def value_schema(codec: ColumnCodec) -> dict[str, Any]:
    """The JSON schema of one value of ``codec``'s column."""
    kind = codec.dtype.kind
    if codec.is_string:
        return {"type": "string"}
    if kind == "b":
        return {"type": "boolean"}
    if kind == "f":
        return {"type": "number"}
    info = np.iinfo(codec.dtype)
    return {"type": "integer", "minimum": int(info.min), "maximum": int(info.max)}


def _example_value(codec: ColumnCodec) -> Any:
    kind = codec.dtype.kind
    return "a" if codec.is_string else False if kind == "b" else 0.0 if kind == "f" else 0


def _datatypes(codec: ColumnCodec) -> list[str]:
    """The tensor datatypes documented for the column: its own, and for floats the other floats."""
    return sorted(_FLOATS) if codec.dtype.kind == "f" else [codec.datatype]


def _tensor(codec: ColumnCodec, rows: int) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["name", "shape", "datatype", "data"],
        "properties": {
            "name": {"const": codec.name},
            "shape": {"const": [rows]},
            "datatype": {"enum": _datatypes(codec)},
            "data": {
                "type": "array",
                "minItems": rows,
                "maxItems": rows,
                "items": value_schema(codec),
            },
        },
    }


def infer_schema(spec: ModelSpec) -> dict[str, Any]:
    """The schema of an inference request to ``spec``'s model (see the module docstring)."""
    outputs = {
        "type": ["array", "null"],
        "items": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"enum": list(spec.outputs)}},
        },
    }
    variants = []
    for rows in range(1, ROWS + 1):
        tensors = [_tensor(codec, rows) for codec in spec.codecs]
        inputs = {
            "type": "array",
            "prefixItems": tensors,
            "items": False,
            "minItems": len(tensors),
        }
        variants.append(
            {
                "type": "object",
                "required": ["inputs"],
                "properties": {
                    "id": {"type": ["string", "null"]},
                    "parameters": {"type": ["object", "null"]},
                    "inputs": inputs,
                    "outputs": outputs,
                },
            }
        )
    return {
        "description": f"One tensor per input of {spec.name!r}, in this order, each of shape "
        f"[n] holding n values (n from 1 to {ROWS} here; the server takes any n).",
        "oneOf": variants,
    }


def infer_example(spec: ModelSpec) -> dict[str, Any]:
    """An inference request of one row that ``spec``'s model accepts."""
    return {
        "inputs": [
            {"name": c.name, "shape": [1], "datatype": c.datatype, "data": [_example_value(c)]}
            for c in spec.codecs
        ]
    }


def _rows(spec: ModelSpec) -> dict[str, Any]:
    values = [value_schema(c) for c in spec.codecs]
    row = {"type": "array", "prefixItems": values, "items": False, "minItems": len(values)}
    return {"type": "array", "minItems": 1, "items": row}


def _records(spec: ModelSpec) -> dict[str, Any]:
    record = {
        "type": "object",
        "required": spec.column_names,
        "properties": {c.name: value_schema(c) for c in spec.codecs},
        "additionalProperties": False,
    }
    return {"type": "array", "minItems": 1, "items": record}


def _columns(spec: ModelSpec) -> dict[str, Any]:
    """``{"column": [values]}`` with every column as long (1 to :data:`ROWS` rows)."""
    variants = [
        {
            "type": "object",
            "required": spec.column_names,
            "additionalProperties": False,
            "properties": {
                c.name: {
                    "type": "array",
                    "minItems": rows,
                    "maxItems": rows,
                    "items": value_schema(c),
                }
                for c in spec.codecs
            },
        }
        for rows in range(1, ROWS + 1)
    ]
    return {"oneOf": variants}


def _only(field: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [field],
        "properties": {field: schema, "params": {"type": "object"}},
        "additionalProperties": False,
    }


def scoring_schema(spec: ModelSpec) -> dict[str, Any]:
    """The schema of an MLflow ``/invocations`` JSON body for ``spec``'s model."""
    split = {
        "type": "object",
        "required": ["data"],
        "properties": {"columns": {"const": spec.column_names}, "data": _rows(spec)},
    }
    return {
        "description": f"Exactly one of the four input fields, with the columns of "
        f"{spec.name!r} ({', '.join(spec.column_names)}), and optionally params.",
        "oneOf": [
            _only("dataframe_split", split),
            _only("dataframe_records", _records(spec)),
            _only("instances", {"oneOf": [_records(spec), _rows(spec)]}),
            _only("inputs", {"oneOf": [_columns(spec), _records(spec), _rows(spec)]}),
        ],
    }


def scoring_example(spec: ModelSpec) -> dict[str, Any]:
    """An ``/invocations`` body of one row that ``spec``'s model accepts."""
    row = [_example_value(c) for c in spec.codecs]
    return {"dataframe_split": {"columns": spec.column_names, "data": [row]}}
