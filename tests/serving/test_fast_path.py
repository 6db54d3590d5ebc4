"""The numeric fast path: requests decode into a matrix, with the general path's answers and errors.

Each request is decoded twice, by the model's spec (which takes a matrix) and by the same spec
told to take tables (the general path), and both must give the same input table, the same
predictions, or the same error (status and message).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pytest

from driftline.models import LoadedModel, ModelMeta, SklearnFlavor, infer_signature
from driftline.models.flavor import Flavor
from driftline.serving import RequestError, ServedModel
from driftline.serving.oip import decode_request
from driftline.serving.scoring import parse_csv_body, parse_csv_input, parse_json_input
from driftline.serving.spec import InputBatch, ModelSpec


def both(model: LoadedModel) -> tuple[ModelSpec, ModelSpec]:
    """The spec of ``model`` (the fast path) and the same spec on the general path."""
    fast = ServedModel("m", 1, model).spec
    assert fast.takes_matrix
    return fast, dataclasses.replace(fast, takes_matrix=False)


def predicted(spec: ModelSpec, batch: InputBatch, outputs: list[str]) -> tuple[Any, ...]:
    table = batch.table
    assert table.schema.equals(spec.schema)
    try:
        values = [spec.predict(batch, output).tolist() for output in outputs]
    except RequestError as exc:
        return ("refused by the model", exc.status, str(exc), table)
    return ("ok", values, table)


def oip(spec: ModelSpec, body: Any, binary: bytes = b"") -> tuple[Any, ...]:
    head = json.dumps(body).encode()
    length = str(len(head)) if binary else None
    try:
        request = decode_request(head + binary, length, spec)
    except RequestError as exc:
        return ("refused", exc.status, str(exc))
    if spec.takes_matrix:
        assert request.batch.matrix is not None
    return predicted(spec, request.batch, [name for name, _ in request.outputs])


def mlflow(spec: ModelSpec, body: Any) -> tuple[Any, ...]:
    doc = orjson.loads(json.dumps(body))  # as the server parses it
    try:
        batch = parse_json_input(doc, spec)
    except RequestError as exc:
        return ("refused", exc.status, str(exc))
    if spec.takes_matrix:
        assert batch.matrix is not None
    return predicted(spec, batch, ["predict"])


def assert_same(fast: tuple[Any, ...], general: tuple[Any, ...]) -> None:
    """The same error, or the same predictions (or model error) and the same input table."""
    if "refused" in (fast[0], general[0]):
        assert fast == general
        return
    assert fast[:-1] == general[:-1]
    same_table(fast[-1], general[-1])


def same_table(one: pa.Table, other: pa.Table) -> None:
    """The same schema and values (NaN equal to NaN), and no nulls."""
    assert one.schema.equals(other.schema)
    for mine, theirs in zip(one.columns, other.columns, strict=True):
        assert mine.null_count == theirs.null_count == 0
        np.testing.assert_array_equal(mine.to_numpy(), theirs.to_numpy())


def tensor(name: str, shape: list[int], datatype: str, data: Any) -> dict[str, Any]:
    return {"name": name, "shape": shape, "datatype": datatype, "data": data}


def binary_tensor(name: str, values: np.ndarray) -> tuple[dict[str, Any], bytes]:
    datatype = {"f8": "FP64", "f4": "FP32", "i8": "INT64", "i4": "INT32"}[values.dtype.str[1:]]
    raw = values.astype(values.dtype.newbyteorder("<")).tobytes()
    return {
        "name": name,
        "shape": list(values.shape),
        "datatype": datatype,
        "parameters": {"binary_data_size": len(raw)},
    }, raw


def loaded(model: Any, sample: pa.Table) -> LoadedModel:
    matrix = np.column_stack([c.to_numpy() for c in sample.columns])
    meta = ModelMeta("sklearn", signature=infer_signature(sample, model.predict(matrix)))
    return LoadedModel(model, SklearnFlavor(), meta)


@pytest.fixture(scope="module")
def int_model() -> LoadedModel:
    """A tree on two int64 columns (range checks, fractions refused)."""
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(3)
    x = rng.integers(-50, 50, size=(200, 2))
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, x[:, 0] > x[:, 1])
    return loaded(model, pa.table({"n": x[:, 0], "m": x[:, 1]}))


@pytest.fixture(scope="module")
def uneven_model() -> LoadedModel:
    """A tree on a double, an int64 and a bool column: the matrix is float64, columns are not."""
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(5)
    sample = pa.table(
        {
            "x": rng.normal(size=200),
            "n": rng.integers(0, 9, size=200),
            "flag": rng.integers(0, 2, size=200).astype(bool),
        }
    )
    matrix = np.column_stack([c.to_numpy() for c in sample.columns])
    model = DecisionTreeClassifier(max_depth=4, random_state=0).fit(matrix, matrix[:, 0] > 0)
    return loaded(model, sample)


ROWS = [[0.5, 1.0, -2.0], [1.5, -1.0, 0.25]]
NUMERIC_OIP = {
    "[n, k] FP64 nested": [tensor("x", [2, 3], "FP64", ROWS)],
    "[n, k] FP64 flat": [tensor("x", [2, 3], "FP64", [v for r in ROWS for v in r])],
    "[n, k] INT32": [tensor("x", [2, 3], "INT32", [[1, 2, 3], [4, 5, 6]])],
    "[n, k] FP32": [tensor("x", [2, 3], "FP32", ROWS)],
    "[n, k] BOOL": [tensor("x", [1, 3], "BOOL", [[True, False, True]])],
    "[n, k] BYTES": [tensor("x", [1, 3], "BYTES", [["a", "b", "c"]])],
    "[n, k] strings": [tensor("x", [1, 3], "FP64", [["1", "2", "3"]])],
    "[n, k] null": [tensor("x", [2, 3], "FP64", [[1.0, None, 3.0], [4.0, 5.0, 6.0]])],
    "[n, k] fractions for INT64": [tensor("x", [1, 3], "INT64", [[1.5, 2, 3]])],
    "[n, k] wrong width": [tensor("x", [2, 2], "FP64", [[1.0, 2.0], [3.0, 4.0]])],
    "[n, k] no rows": [tensor("x", [0, 3], "FP64", [])],
    "[n, k] too few values": [tensor("x", [2, 3], "FP64", [1.0, 2.0])],
    "[n, k] ragged": [tensor("x", [2, 3], "FP64", [[1.0, 2.0, 3.0], [1.0]])],
    "per column": [tensor(n, [2], "FP64", [r[j] for r in ROWS]) for j, n in enumerate("abc")],
    "per column, [n, 1] and casts": [
        tensor("c", [2, 1], "FP32", [[0.5], [1.0]]),
        tensor("a", [2], "INT64", [1, 2]),
        tensor("b", [2], "UINT8", [3, 4]),
    ],
    "per column, missing": [tensor("a", [1], "FP64", [1.0]), tensor("b", [1], "FP64", [1.0])],
    "per column, extra": [
        *(tensor(n, [1], "FP64", [1.0]) for n in "abc"),
        tensor("d", [1], "FP64", [1.0]),
    ],
    "per column, twice": [tensor("a", [1], "FP64", [1.0]), tensor("a", [1], "FP64", [1.0])],
    "per column, uneven": [
        tensor(n, [1 + (n == "b")], "FP64", [1.0] * (1 + (n == "b"))) for n in "abc"
    ],
    "per column, null": [tensor(n, [1], "FP64", [None if n == "b" else 1.0]) for n in "abc"],
    "per column, no rows": [tensor(n, [0], "FP64", []) for n in "abc"],
    "per column, BYTES": [
        tensor(n, [1], "BYTES" if n == "c" else "FP64", ["1"] if n == "c" else [1.0]) for n in "abc"
    ],
}


@pytest.mark.parametrize("inputs", NUMERIC_OIP.values(), ids=NUMERIC_OIP.keys())
def test_oip_tensors_decode_alike_on_both_paths(numeric_model: LoadedModel, inputs: Any) -> None:
    fast, general = both(numeric_model)
    body = {"inputs": inputs, "outputs": [{"name": "predict"}, {"name": "predict_proba"}]}
    assert_same(oip(fast, body), oip(general, body))


def test_the_fast_path_predicts_what_the_model_does(
    numeric_model: LoadedModel, numeric_table: pa.Table
) -> None:
    fast, _ = both(numeric_model)
    rows = numeric_table.slice(0, 25)
    matrix = np.column_stack([c.to_numpy() for c in rows.columns])
    body = {"inputs": [tensor("input-0", [25, 3], "FP64", matrix.tolist())]}
    request = decode_request(json.dumps(body).encode(), None, fast)
    np.testing.assert_array_equal(request.batch.matrix, matrix)
    assert fast.predict(request.batch).tolist() == numeric_model.predict(rows).tolist()
    assert request.table.equals(rows)


def test_binary_tensors_decode_alike(numeric_model: LoadedModel) -> None:
    fast, general = both(numeric_model)
    values = np.array(ROWS)
    for dtype in ("f8", "f4", "i4"):
        head, raw = binary_tensor("x", (values * 4).astype(dtype))
        assert_same(oip(fast, {"inputs": [head]}, raw), oip(general, {"inputs": [head]}, raw))
    heads, raws = zip(
        *(binary_tensor(n, values[:, j].copy()) for j, n in enumerate("abc")), strict=True
    )
    body = {"inputs": list(heads)}
    assert_same(oip(fast, body, b"".join(raws)), oip(general, body, b"".join(raws)))
    short = {"inputs": [binary_tensor("x", values)[0]]}
    assert_same(oip(fast, short, b"\0" * 8), oip(general, short, b"\0" * 8))


INT_OIP = {
    "[n, k] INT64": [tensor("x", [2, 2], "INT64", [[1, 2], [3, 4]])],
    "[n, k] UINT64 in range": [tensor("x", [1, 2], "UINT64", [[1, 2]])],
    "[n, k] out of range in column 1": [tensor("x", [2, 2], "UINT64", [[1, 2], [3, 2**64 - 1]])],
    "[n, k] out of range in column 0": [
        tensor("x", [2, 2], "UINT64", [[2**63, 2], [3, 2**64 - 1]])
    ],
    "[n, k] FP64": [tensor("x", [1, 2], "FP64", [[1.0, 2.0]])],
    "[n, k] fractions": [tensor("x", [1, 2], "INT64", [[1, 2.5]])],
    "[n, k] BOOL": [tensor("x", [1, 2], "BOOL", [[True, False]])],
    "[n, k] null": [tensor("x", [1, 2], "INT64", [[1, None]])],
    "per column": [tensor("n", [2], "INT8", [1, 2]), tensor("m", [2], "INT64", [3, 4])],
    "per column, out of range": [
        tensor("n", [1], "INT64", [1]),
        tensor("m", [1], "UINT64", [2**63]),
    ],
}


@pytest.mark.parametrize("inputs", INT_OIP.values(), ids=INT_OIP.keys())
def test_integer_models_refuse_alike(int_model: LoadedModel, inputs: Any) -> None:
    fast, general = both(int_model)
    assert fast.uniform
    body = {"inputs": inputs}
    assert_same(oip(fast, body), oip(general, body))


UNEVEN_OIP = {
    "[n, k] FP64": [tensor("x", [1, 3], "FP64", [[0.5, 1.0, 1.0]])],
    "[n, k] INT64": [tensor("x", [2, 3], "INT64", [[1, 2, 1], [3, 4, 0]])],
    "[n, k] BOOL": [tensor("x", [1, 3], "BOOL", [[True, False, True]])],
    "per column": [
        tensor("x", [2], "FP32", [0.25, -1.5]),
        tensor("n", [2], "INT64", [2**53 + 1, 7]),
        tensor("flag", [2], "BOOL", [True, False]),
    ],
    "per column, fraction for n": [
        tensor("x", [1], "FP64", [0.25]),
        tensor("n", [1], "FP64", [2.0]),
        tensor("flag", [1], "BOOL", [True]),
    ],
    "per column, number for flag": [
        tensor("x", [1], "FP64", [0.25]),
        tensor("n", [1], "INT64", [2]),
        tensor("flag", [1], "BOOL", [1]),
    ],
}


@pytest.mark.parametrize("inputs", UNEVEN_OIP.values(), ids=UNEVEN_OIP.keys())
def test_columns_of_several_types_decode_alike(uneven_model: LoadedModel, inputs: Any) -> None:
    fast, general = both(uneven_model)
    assert not fast.uniform
    body = {"inputs": inputs}
    assert_same(oip(fast, body), oip(general, body))


def test_the_table_of_columns_of_several_types_keeps_their_values(
    uneven_model: LoadedModel,
) -> None:
    """An int64 beyond 2**53 is rounded in the float64 matrix, never in the logged table."""
    fast, _ = both(uneven_model)
    body = {"inputs": UNEVEN_OIP["per column"]}
    request = decode_request(json.dumps(body).encode(), None, fast)
    assert request.batch.matrix is not None
    assert request.batch.matrix.dtype == np.float64
    assert request.table.column("n").to_pylist() == [2**53 + 1, 7]
    assert request.table.column("flag").to_pylist() == [True, False]


MLFLOW = {
    "split": {"dataframe_split": {"columns": ["a", "b", "c"], "data": ROWS}},
    "split, other order": {"dataframe_split": {"columns": ["c", "a", "b"], "data": ROWS}},
    "split, ints and bools": {
        "dataframe_split": {
            "columns": ["a", "b", "c"],
            "data": [[1, True, 3.5], [2**62, False, -1]],
        }
    },
    "split, big ints": {
        "dataframe_split": {
            "columns": ["a", "b", "c"],
            "data": [[2**63, 2**64 - 1, 2**64], [-(2**63) - 1, 0, 1]],
        }
    },
    "split, null": {"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1.0, None, 3.0]]}},
    "split, string": {"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1.0, 2.0, "x"]]}},
    "split, nested values": {
        "dataframe_split": {"columns": ["a", "b", "c"], "data": [[[1.0], [2.0], [3.0]]]}
    },
    "split, nested lists": {
        "dataframe_split": {"columns": ["a", "b", "c"], "data": [[[1.0, 2.0], 2.0, 3.0]]}
    },
    "split, short row": {"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1.0, 2.0]]}},
    "split, unknown column": {
        "dataframe_split": {"columns": ["a", "b", "z"], "data": [[1.0, 2.0, 3.0]]}
    },
    "split, missing column": {"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 2.0]]}},
    "split, no rows": {"dataframe_split": {"columns": ["a", "b", "c"], "data": []}},
    "instances, rows": {"instances": ROWS},
    "instances, records": {"instances": [{"a": 1, "b": 2.5, "c": 3} for _ in range(3)]},
    "inputs, rows": {"inputs": ROWS},
    "inputs, columns": {"inputs": {"a": [1, 2], "b": [0.5, 1.5], "c": [[3], [4]]}},
    "inputs, uneven columns": {"inputs": {"a": [1, 2], "b": [0.5], "c": [3, 4]}},
    "records": {"dataframe_records": [{"a": 1.0, "b": 2.0, "c": 3.0}, {"c": 1, "b": 2, "a": 3}]},
    "records, missing": {"dataframe_records": [{"a": 1.0, "b": 2.0}]},
    "records, string": {"dataframe_records": [{"a": 1.0, "b": "2", "c": 3.0}]},
}


@pytest.mark.parametrize("body", MLFLOW.values(), ids=MLFLOW.keys())
def test_mlflow_bodies_parse_alike_on_both_paths(numeric_model: LoadedModel, body: Any) -> None:
    fast, general = both(numeric_model)
    assert_same(mlflow(fast, body), mlflow(general, body))


INT_MLFLOW = {
    "rows": {"instances": [[1, 2], [3, -4]]},
    "rows, a fraction": {"instances": [[1, 2], [3, 4.5]]},
    "rows, out of range in column 1": {"instances": [[1, 2], [3, 2**63]]},
    "rows, bools": {"instances": [[True, 2], [False, 0]]},
    "split, other order": {"dataframe_split": {"columns": ["m", "n"], "data": [[1, 2], [3, 4]]}},
}


@pytest.mark.parametrize("body", INT_MLFLOW.values(), ids=INT_MLFLOW.keys())
def test_mlflow_bodies_for_integer_models(int_model: LoadedModel, body: Any) -> None:
    fast, general = both(int_model)
    assert_same(mlflow(fast, body), mlflow(general, body))


def test_mlflow_bodies_for_columns_of_several_types(uneven_model: LoadedModel) -> None:
    fast, general = both(uneven_model)
    for body in (
        {"instances": [[0.5, 3, True], [1.5, 2**53 + 1, False]]},
        {"dataframe_records": [{"x": 1, "n": 2, "flag": True}]},
        {"instances": [[0.5, 3.5, True]]},
        {"instances": [[0.5, 3, 1]]},
    ):
        assert_same(mlflow(fast, body), mlflow(general, body))


def test_float32_columns_round_integers_once(numeric_table: pa.Table) -> None:
    """An integer beyond 2**53 rounds to float32 as in a column of integers, not via float64."""
    from sklearn.linear_model import LogisticRegression

    sample = pa.table({n: numeric_table.column(n).cast(pa.float32()) for n in "ab"})
    matrix = np.column_stack([c.to_numpy() for c in sample.columns])
    y = (matrix[:, 0] > 0).astype(np.int64)
    fast, general = both(loaded(LogisticRegression().fit(matrix, y), sample))
    big = 2**60 + 2**36 + 1
    for body in (
        {"instances": [[big, 0.5], [1, 2]]},
        {"dataframe_split": {"columns": ["b", "a"], "data": [[0.5, big]]}},
        {"instances": [[0.25, 0.5]]},
    ):
        assert_same(mlflow(fast, body), mlflow(general, body))
    table = mlflow(fast, {"instances": [[big, 0.5], [1, 2]]})[-1]
    assert int(table.column("a")[0].as_py()) == 2**60 + 2**37


def test_csv_bodies_take_the_fast_path_with_their_table(numeric_model: LoadedModel) -> None:
    fast, general = both(numeric_model)
    body = b"c,a,b\n3,1,2\n6,4,\n"
    batch = parse_csv_input(body, fast)
    assert batch.matrix is not None
    same_table(batch.table, parse_csv_body(body, general))
    assert_same(predicted(fast, batch, ["predict"]), predicted(general, batch, ["predict"]))
    good = parse_csv_input(b"a,b,c\n1,2,3\n", fast)
    general_batch = parse_csv_input(b"a,b,c\n1,2,3\n", general)
    assert general_batch.matrix is None
    assert fast.predict(good).tolist() == general.predict(general_batch).tolist()


def test_mixed_type_models_take_the_general_path(
    mixed_model: LoadedModel, mixed_table: pa.Table
) -> None:
    spec = ServedModel("shops", 1, mixed_model).spec
    assert not spec.takes_matrix
    assert mixed_model.matrix_predictor is None
    rows = mixed_table.slice(0, 3)
    inputs = [
        tensor(
            f.name,
            [3],
            {"string": "BYTES", "double": "FP64", "int64": "INT64"}[str(f.type)],
            rows.column(f.name).to_pylist(),
        )
        for f in rows.schema
    ]
    request = decode_request(json.dumps({"inputs": inputs}).encode(), None, spec)
    assert request.batch.matrix is None
    assert request.table.equals(rows)
    assert spec.predict(request.batch).tolist() == mixed_model.predict(rows).tolist()
    batch = parse_json_input({"dataframe_records": rows.to_pylist()}, spec)
    assert batch.matrix is None
    assert batch.table.equals(rows)


class Halves(Flavor):
    """A flavor that predicts on tables only."""

    name = "halves"

    def can_save(self, model: Any) -> bool:
        return False

    def save(self, model: Any, folder: Path) -> ModelMeta:
        raise NotImplementedError

    def load(self, folder: Path, meta: ModelMeta) -> Any:
        raise NotImplementedError

    def predict(self, model: Any, data: Any) -> np.ndarray:
        assert isinstance(data, pa.Table)
        return np.asarray(data.column(0).to_numpy() / 2)


def test_flavors_without_matrices_take_the_general_path(numeric_table: pa.Table) -> None:
    sample = numeric_table.slice(0, 4)
    meta = ModelMeta("halves", signature=infer_signature(sample, np.zeros(4)))
    model = LoadedModel(None, Halves(), meta)
    spec = ServedModel("halves", 1, model).spec
    assert model.matrix_predictor is None
    assert not spec.takes_matrix
    body = {"inputs": [tensor("x", [1, 3], "FP64", [[3.0, 0.0, 0.0]])]}
    request = decode_request(json.dumps(body).encode(), None, spec)
    assert request.batch.matrix is None
    assert spec.predict(request.batch).tolist() == [1.5]


def test_a_batch_of_another_model_predicts_on_its_table(
    numeric_model: LoadedModel, numeric_model_v2: LoadedModel, numeric_table: pa.Table
) -> None:
    """A shadow version predicts on the champion's batch: through the table, as a table."""
    champion = ServedModel("churn", 1, numeric_model).spec
    shadow = ServedModel("churn", 2, numeric_model_v2).spec
    rows = numeric_table.slice(0, 6)
    matrix = np.column_stack([c.to_numpy() for c in rows.columns])
    body = {"inputs": [tensor("x", [6, 3], "FP64", matrix.tolist())]}
    batch = decode_request(json.dumps(body).encode(), None, champion).batch
    assert shadow.predict(batch).tolist() == numeric_model_v2.predict(rows).tolist()
    assert shadow.predict(batch.table).tolist() == numeric_model_v2.predict(rows).tolist()


def test_the_server_answers_alike_on_both_paths(
    numeric_model: LoadedModel, int_model: LoadedModel
) -> None:
    """Through the HTTP application: the same status and body for every request."""
    from starlette.testclient import TestClient

    from driftline.serving import create_app

    def app(fast: bool) -> Any:
        served = [ServedModel("churn", 1, numeric_model), ServedModel("counts", 1, int_model)]
        if not fast:
            for model in served:
                general = dataclasses.replace(model.spec, takes_matrix=False)
                object.__setattr__(model, "spec", general)
        return create_app(served, freeze_gc=False)

    requests: list[tuple[str, Any]] = [
        ("/v2/models/churn/infer", {"id": "r", "inputs": inputs}) for inputs in NUMERIC_OIP.values()
    ]
    requests += [("/v2/models/counts/infer", {"id": "r", "inputs": i}) for i in INT_OIP.values()]
    requests += [("/invocations", body) for body in MLFLOW.values()]
    values = np.array(ROWS)
    head, raw = binary_tensor("x", values)
    binary = {"id": "r", "inputs": [head], "parameters": {"binary_data_output": True}}
    encoded = json.dumps(binary).encode()
    with TestClient(app(True)) as fast, TestClient(app(False)) as general:
        for path, body in requests:
            one, other = fast.post(path, json=body), general.post(path, json=body)
            assert (one.status_code, one.json()) == (other.status_code, other.json()), body
        headers = {"Inference-Header-Content-Length": str(len(encoded))}
        one = fast.post("/v2/models/churn/infer", content=encoded + raw, headers=headers)
        other = general.post("/v2/models/churn/infer", content=encoded + raw, headers=headers)
        assert one.status_code == other.status_code == 200
        assert one.content == other.content
        csv = {"Content-Type": "text/csv"}
        one = fast.post("/invocations", content=b"a,b,c\n1,2,3\n", headers=csv)
        other = general.post("/invocations", content=b"a,b,c\n1,2,3\n", headers=csv)
        assert (one.status_code, one.json()) == (other.status_code, other.json())


def test_a_table_from_a_matrix_is_built_once(numeric_model: LoadedModel) -> None:
    fast, _ = both(numeric_model)
    body = {"inputs": [tensor("x", [2, 3], "FP64", ROWS)]}
    request = decode_request(json.dumps(body).encode(), None, fast)
    assert request.batch.num_rows == 2
    assert request.batch.num_columns == 3
    assert request.table is request.table
    assert request.table.column_names == ["a", "b", "c"]
