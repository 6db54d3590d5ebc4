"""The Open Inference Protocol (KServe v2) inference request and response, without HTTP.

A request carries ``inputs``: either one tensor per signature column (shape ``[n]`` or ``[n, 1]``)
or one 2-D tensor ``[n, k]`` whose columns are the signature's, in order. Tensor data is a JSON
array (flat or nested, row-major) or, with the binary tensor data extension that Triton's clients
use by default, raw little-endian bytes after the JSON header (``Inference-Header-Content-Length``
gives the header's size, each input's ``parameters.binary_data_size`` its share of the rest).
``outputs`` picks ``predict`` and/or ``predict_proba``; an output is returned as binary data when
its ``parameters.binary_data`` is true, or when the request's ``parameters.binary_data_output`` is.
The request parameter ``outliers`` (``true`` or ``false``) asks for each row's outlier score and
flag as two more outputs, ``outlier_score`` and ``outlier`` (a version with an outlier detector).

For a model on numeric columns (:attr:`ModelSpec.takes_matrix`) the tensors decode straight into
one numpy matrix in the signature's column order: a ``[n, k]`` tensor of a model whose columns
share one type is checked as a whole (and, when refused, column by column, so that the error
names the first column refused, as it always did); tensors per column are checked each and
stacked. The Arrow table is built only when asked for (:attr:`InferRequest.table`).

Examples:
    >>> import numpy as np
    >>> body = encode_response("churn", "2", "req-1", [("predict", np.array([1, 0]), False)])
    >>> body[0]
    b'{"model_name":"churn","model_version":"2","id":"req-1","outputs":[{"name":"predict","shape":[2],"datatype":"INT64","data":[1,0]}]}'

"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from driftline.serving.columns import (
    DATATYPES,
    ColumnCodec,
    datatype_of,
    is_whole,
    json_numbers,
    numpy_dtype,
)
from driftline.serving.errors import RequestError
from driftline.serving.http import dumps, jsonable, parse_json
from driftline.serving.spec import PREDICT, InputBatch, ModelSpec

__all__ = ["InferRequest", "decode_request", "encode_response", "flag_parameter"]

_KINDS = {"b": "b", "i": "biu", "u": "biu", "f": "biuf"}
# The kinds of JSON-parsed numpy data each numeric datatype accepts (ints for FP64, not floats
# for INT64).
_DATA_KINDS = {d: _KINDS[np.dtype(n).kind] for d, n in DATATYPES.items() if d != "BYTES"}


@dataclass(frozen=True)
class InferRequest:
    """A decoded inference request: the model's input rows and what to send back."""

    batch: InputBatch
    """The rows, as the model predicts on them (see :class:`InputBatch`)."""
    outputs: list[tuple[str, bool]]
    """Each requested output with whether it goes back as binary data."""
    id: str | None
    outliers: bool = False
    """Whether the request asks for the outlier outputs (``parameters.outliers``)."""

    @property
    def table(self) -> pa.Table:
        """The model's input table (built on first access when the rows decoded into a matrix)."""
        return self.batch.table


def _tensor_field(tensor: dict[str, Any], key: str, kind: type, what: str) -> Any:
    value = tensor.get(key)
    if not isinstance(value, kind):
        raise RequestError(400, f"{what} needs a {key!r} ({kind.__name__})")
    return value


def _shape(tensor: dict[str, Any], what: str) -> list[int]:
    shape: list[int] = _tensor_field(tensor, "shape", list, what)
    if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise RequestError(400, f"{what} has an invalid shape {shape}: expected non-negative ints")
    return shape


def _decode_strings(raw: bytes, count: int, what: str) -> np.ndarray[Any, Any]:
    out = np.empty(count, dtype=object)
    view = memoryview(raw)
    pos = 0
    try:
        for i in range(count):
            (length,) = struct.unpack_from("<I", view, pos)
            pos += 4
            if pos + length > len(raw):
                raise struct.error("truncated")
            out[i] = str(view[pos : pos + length], "utf-8")
            pos += length
    except struct.error:
        raise RequestError(400, f"{what} has binary BYTES data shorter than its shape") from None
    except UnicodeDecodeError:
        raise RequestError(400, f"{what} has BYTES that are not UTF-8 text") from None
    if pos != len(raw):
        raise RequestError(400, f"{what} has {len(raw) - pos} bytes more than its shape needs")
    return out


def _binary_values(raw: bytes, datatype: str, count: int, what: str) -> np.ndarray[Any, Any]:
    if datatype == "BYTES":
        return _decode_strings(raw, count, what)
    dtype = numpy_dtype(datatype).newbyteorder("<")
    if len(raw) != count * dtype.itemsize:
        raise RequestError(
            400,
            f"{what} has {len(raw)} bytes of binary data, its shape and datatype need "
            f"{count * dtype.itemsize}",
        )
    return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="), copy=False)


def _json_values(data: Any, datatype: str, count: int, what: str) -> np.ndarray[Any, Any]:
    if not isinstance(data, list):
        raise RequestError(400, f"{what} needs 'data' as a JSON array (or binary data)")
    try:
        values = np.array(data, dtype=object) if datatype == "BYTES" else json_numbers(data)
    except (ValueError, TypeError) as exc:
        raise RequestError(400, f"{what} has ragged data: {exc}") from None
    flat = values.reshape(-1)
    if flat.size != count:
        raise RequestError(400, f"{what} has {flat.size} values in 'data', its shape holds {count}")
    if datatype != "BYTES" and flat.size:
        kind = flat.dtype.kind
        if kind == "f" and "f" not in _DATA_KINDS[datatype] and "i" in _DATA_KINDS[datatype]:
            kind = "i" if is_whole(flat) else kind  # JSON's 3.0 is the integer 3
        if kind not in _DATA_KINDS[datatype]:
            words = {"f": "non-integer numbers", "U": "strings", "O": "nulls or mixed values"}
            got = words.get(kind, str(flat.dtype))
            raise RequestError(400, f"{what} has {got} in 'data', but its datatype is {datatype}")
    return flat


class _Inputs:
    """Walks the request's inputs, handing out each tensor's flat values (JSON or binary)."""

    def __init__(self, doc: dict[str, Any], binary: bytes) -> None:
        inputs = doc.get("inputs")
        if not isinstance(inputs, list) or not inputs:
            raise RequestError(400, "request needs 'inputs': a non-empty array of tensors")
        if not all(isinstance(t, dict) for t in inputs):
            raise RequestError(400, "each of 'inputs' must be a JSON object (a tensor)")
        self.tensors: list[dict[str, Any]] = inputs
        self.binary = binary
        self.offset = 0

    def values(self, tensor: dict[str, Any], what: str) -> tuple[str, list[int], Any]:
        datatype = _tensor_field(tensor, "datatype", str, what)
        if datatype not in DATATYPES:
            raise RequestError(400, f"{what} has unknown datatype {datatype!r}")
        shape = _shape(tensor, what)
        count = math.prod(shape)
        params = tensor.get("parameters") or {}
        size = params.get("binary_data_size") if isinstance(params, dict) else None
        if size is None:
            return datatype, shape, _json_values(tensor.get("data"), datatype, count, what)
        if not isinstance(size, int) or size < 0 or self.offset + size > len(self.binary):
            raise RequestError(400, f"{what} has binary_data_size {size!r} beyond the body")
        raw = self.binary[self.offset : self.offset + size]
        self.offset += size
        return datatype, shape, _binary_values(raw, datatype, count, what)


def _column(
    spec: ModelSpec, codec: ColumnCodec, datatype: str, values: np.ndarray[Any, Any], what: str
) -> Any:
    """One column's checked values (numpy or Arrow, see :meth:`ModelSpec.convert`)."""
    if not codec.accepts(datatype):
        raise RequestError(
            400,
            f"{what} has datatype {datatype}, the model expects {codec.datatype} "
            f"({codec.arrow_type})",
        )
    return spec.convert(codec, values, what)


def _batch(spec: ModelSpec, walker: _Inputs) -> InputBatch:
    tensors = walker.tensors
    names: list[str] = []
    for tensor in tensors:
        name = tensor.get("name")
        if not isinstance(name, str):
            raise RequestError(400, "each input tensor needs a 'name' (string)")
        names.append(name)
    if len(tensors) == 1 and names[0] not in spec.by_name:
        return _matrix_batch(spec, walker, tensors[0])
    columns: dict[str, Any] = {}
    for tensor, name in zip(tensors, names, strict=True):
        what = f"input {name!r}"
        codec = spec.by_name.get(name)
        if codec is None:
            raise RequestError(
                400,
                f"request has input {name!r}, which model {spec.name!r} does not take "
                f"(its inputs: {', '.join(spec.column_names)})",
            )
        if name in columns:
            raise RequestError(400, f"request has input {name!r} twice")
        datatype, shape, values = walker.values(tensor, what)
        if not (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
            raise RequestError(400, f"{what} has shape {shape}, expected [n] or [n, 1]")
        columns[name] = _column(spec, codec, datatype, values, what)
    return spec.batch(columns, what="input")


def _matrix_batch(spec: ModelSpec, walker: _Inputs, tensor: dict[str, Any]) -> InputBatch:
    name = tensor["name"]
    what = f"input {name!r}"
    datatype, shape, values = walker.values(tensor, what)
    width = len(spec.codecs)
    if not (len(shape) == 2 and shape[1] == width) and not (len(shape) == 1 and width == 1):
        raise RequestError(
            400,
            f"{what} has shape {shape}, but model {spec.name!r} takes {width} columns "
            f"({', '.join(spec.column_names)}): send one tensor per column, or one [n, {width}] "
            "tensor with the columns in this order",
        )
    matrix = values.reshape(shape[0], width)
    if spec.takes_matrix and spec.uniform:
        whole = _whole_matrix(spec, datatype, matrix, what)
        if whole is not None:
            return spec.matrix_batch(whole)
    columns = {
        codec.name: _column(
            spec, codec, datatype, matrix[:, j], f"{what} column {j} ({codec.name!r})"
        )
        for j, codec in enumerate(spec.codecs)
    }
    return spec.batch(columns, what="column")


def _whole_matrix(
    spec: ModelSpec, datatype: str, matrix: np.ndarray[Any, Any], what: str
) -> np.ndarray[Any, Any] | None:
    """A uniform model's matrix, checked in one pass; ``None`` if some column refuses it.

    Every column has the same codec, and the checks are value by value, so the matrix passes as
    a whole exactly when each of its columns passes, with the same values. When it does not, the
    caller checks column by column, to name the first column refused.
    """
    codec = spec.codecs[0]
    if not codec.accepts(datatype):
        return None
    try:
        flat = codec.to_numpy(matrix.reshape(-1), what)
    except RequestError:
        return None
    return flat.reshape(matrix.shape)


def flag_parameter(params: Any, name: str, where: str) -> bool:
    """The boolean parameter ``name`` of a request's ``params`` (absent: ``False``).

    Raises:
        RequestError: 400 when it is not ``true`` or ``false`` (naming it and ``where``).

    Examples:
        >>> flag_parameter({"outliers": True}, "outliers", "parameter")
        True

    """
    if not params:
        return False
    value = params.get(name, False)
    if not isinstance(value, bool):
        raise RequestError(
            400, f"request {where} {name!r} must be true or false, got {dumps(value).decode()}"
        )
    return value


def _outputs(doc: dict[str, Any], spec: ModelSpec) -> list[tuple[str, bool]]:
    params = doc.get("parameters")
    if params is not None and not isinstance(params, dict):
        raise RequestError(400, "request 'parameters' must be a JSON object")
    binary_default = bool(params.get("binary_data_output", False)) if params else False
    wanted = doc.get("outputs")
    if wanted is None or wanted == []:
        return [(PREDICT, binary_default)]  # as MLServer's scikit-learn runtime does
    if not isinstance(wanted, list) or not all(
        isinstance(o, dict) and isinstance(o.get("name"), str) for o in wanted
    ):
        raise RequestError(400, "request 'outputs' must be an array of objects with a 'name'")
    spec.check_outputs([o["name"] for o in wanted])
    chosen = []
    for output in wanted:
        binary = binary_default
        oparams = output.get("parameters")
        if isinstance(oparams, dict) and "binary_data" in oparams:
            binary = bool(oparams["binary_data"])
        chosen.append((output["name"], binary))
    return chosen


def decode_request(body: bytes, header_length: str | None, spec: ModelSpec) -> InferRequest:
    """Decode an inference request for the model of ``spec``.

    Args:
        body: the HTTP body.
        header_length: the ``Inference-Header-Content-Length`` header, if any.
        spec: the model's spec, whose signature the inputs are checked against.

    Raises:
        RequestError: 400 naming the tensor and the problem (shape, datatype, data, name).

    """
    binary = b""
    if header_length is not None:
        try:
            size = int(header_length)
        except ValueError:
            raise RequestError(400, "Inference-Header-Content-Length is not a number") from None
        if not 0 < size <= len(body):
            raise RequestError(400, f"Inference-Header-Content-Length {size} does not fit the body")
        body, binary = body[:size], body[size:]
    doc = parse_json(body)
    if not isinstance(doc, dict):
        raise RequestError(400, "an inference request must be a JSON object with 'inputs'")
    request_id = doc.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise RequestError(400, "request 'id' must be a string")
    outputs = _outputs(doc, spec)
    outliers = flag_parameter(doc.get("parameters"), "outliers", "parameter")
    walker = _Inputs(doc, binary)
    batch = _batch(spec, walker)
    if walker.offset != len(binary):
        raise RequestError(400, f"request has {len(binary) - walker.offset} unclaimed binary bytes")
    return InferRequest(batch, outputs, request_id, outliers)


def _binary(values: np.ndarray[Any, Any], datatype: str) -> bytes:
    if datatype == "BYTES":
        parts = [str(v).encode() for v in values.reshape(-1).tolist()]
        return b"".join(struct.pack("<I", len(p)) + p for p in parts)
    return np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("<")).tobytes()


def encode_response(
    model: str,
    version: str,
    request_id: str | None,
    results: list[tuple[str, np.ndarray[Any, Any], bool]],
) -> tuple[bytes, int | None]:
    """The response body, and the JSON header's length when binary outputs follow it.

    ``results`` holds each output's name, values and whether to send them as binary data.
    """
    outputs = []
    chunks = []
    for name, values, binary in results:
        datatype = datatype_of(values.dtype)
        tensor: dict[str, Any] = {"name": name, "shape": list(values.shape), "datatype": datatype}
        if binary:
            raw = _binary(values, datatype)
            tensor["parameters"] = {"binary_data_size": len(raw)}
            chunks.append(raw)
        elif datatype == "BYTES":
            tensor["data"] = [str(v) for v in values.reshape(-1).tolist()]
        else:
            tensor["data"] = jsonable(values.reshape(-1))
        outputs.append(tensor)
    doc: dict[str, Any] = {"model_name": model, "model_version": version}
    if request_id is not None:
        doc["id"] = request_id
    doc["outputs"] = outputs
    header = dumps(doc)
    if not chunks:
        return header, None
    return header + b"".join(chunks), len(header)
