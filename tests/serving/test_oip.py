"""The Open Inference Protocol v2 endpoints, through Starlette's test client."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.models import LoadedModel


def tensors(table: pa.Table, datatypes: dict[str, str] | None = None) -> list[dict[str, Any]]:
    types = {"double": "FP64", "int64": "INT64", "string": "BYTES"}
    out = []
    for field in table.schema:
        datatype = (datatypes or {}).get(field.name, types[str(field.type)])
        values = table.column(field.name).to_pylist()
        out.append(
            {"name": field.name, "shape": [len(values)], "datatype": datatype, "data": values}
        )
    return out


def test_health_and_server_metadata(client: Any) -> None:
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").json() == {"ready": True}
    meta = client.get("/v2").json()
    assert meta["name"] == "driftline"
    assert "binary_tensor_data" in meta["extensions"]


def test_model_metadata_describes_signature_and_outputs(client: Any) -> None:
    meta = client.get("/v2/models/shops").json()
    assert meta["name"] == "shops"
    assert meta["versions"] == ["2024-06"]
    assert meta["platform"] == "driftline-sklearn"
    assert meta["inputs"] == [
        {"name": "city", "datatype": "BYTES", "shape": [-1]},
        {"name": "age", "datatype": "FP64", "shape": [-1]},
        {"name": "visits", "datatype": "INT64", "shape": [-1]},
    ]
    assert [o["name"] for o in meta["outputs"]] == ["predict", "predict_proba"]
    assert meta["outputs"][0]["datatype"] == "INT64"
    assert meta["parameters"] == {
        "version": "2024-06",
        "default_version": "2024-06",
        "metadata": {"run": "r-17"},
    }
    v2 = client.get("/v2/models/churn/versions/2").json()
    assert v2["versions"] == ["1", "2"]
    assert v2["parameters"]["version"] == "2"


def test_model_ready(client: Any) -> None:
    assert client.get("/v2/models/churn/ready").json() == {"name": "churn", "ready": True}
    assert client.get("/v2/models/churn/versions/2/ready").status_code == 200
    assert client.get("/v2/models/churn/versions/5/ready").status_code == 404


def test_infer_one_tensor_per_column(
    client: Any, numeric_model: LoadedModel, numeric_table: pa.Table
) -> None:
    rows = numeric_table.slice(0, 5)
    body = {"id": "req-42", "inputs": tensors(rows)}
    response = client.post("/v2/models/churn/infer", json=body)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["model_name"] == "churn"
    assert doc["model_version"] == "1"
    assert doc["id"] == "req-42"
    [output] = doc["outputs"]
    assert output["name"] == "predict"
    assert output["shape"] == [5]
    assert output["datatype"] == "INT64"
    assert output["data"] == numeric_model.predict(rows).tolist()


def test_infer_a_named_version(
    client: Any, numeric_model_v2: LoadedModel, numeric_table: pa.Table
) -> None:
    rows = numeric_table.slice(10, 7)
    doc = client.post("/v2/models/churn/versions/2/infer", json={"inputs": tensors(rows)}).json()
    assert doc["model_version"] == "2"
    assert doc["outputs"][0]["data"] == numeric_model_v2.predict(rows).tolist()


def test_infer_one_2d_tensor_in_signature_order(
    client: Any, numeric_model: LoadedModel, numeric_table: pa.Table
) -> None:
    rows = numeric_table.slice(0, 4)
    matrix = np.column_stack([c.to_numpy() for c in rows.columns])
    for data in (matrix.tolist(), matrix.ravel().tolist()):
        body = {"inputs": [{"name": "input-0", "shape": [4, 3], "datatype": "FP64", "data": data}]}
        doc = client.post("/v2/models/churn/infer", json=body).json()
        assert doc["outputs"][0]["data"] == numeric_model.predict(rows).tolist()


def test_infer_n_by_1_tensors_and_safe_datatype_casts(
    client: Any, numeric_model: LoadedModel
) -> None:
    body = {
        "inputs": [
            {"name": "a", "shape": [2, 1], "datatype": "FP32", "data": [[0.5], [-1.0]]},
            {"name": "b", "shape": [2, 1], "datatype": "INT32", "data": [[1], [2]]},
            {"name": "c", "shape": [2], "datatype": "FP64", "data": [0.0, 3.0]},
        ]
    }
    doc = client.post("/v2/models/churn/infer", json=body).json()
    expected = numeric_model.predict(pa.table({"a": [0.5, -1.0], "b": [1.0, 2.0], "c": [0.0, 3.0]}))
    assert doc["outputs"][0]["data"] == expected.tolist()


def test_infer_mixed_types(client: Any, mixed_model: LoadedModel, mixed_table: pa.Table) -> None:
    rows = mixed_table.slice(0, 6)
    body = {"inputs": tensors(rows), "outputs": [{"name": "predict_proba"}, {"name": "predict"}]}
    response = client.post("/v2/models/shops/infer", json=body)
    assert response.status_code == 200, response.text
    proba, labels = response.json()["outputs"]
    assert proba["name"] == "predict_proba"
    assert proba["shape"] == [6, 2]
    assert proba["datatype"] == "FP64"
    np.testing.assert_allclose(
        np.array(proba["data"]).reshape(6, 2), mixed_model.predict_proba(rows), rtol=1e-12
    )
    assert labels["data"] == mixed_model.predict(rows).tolist()


def bytes_tensor(values: list[str]) -> bytes:
    return b"".join(struct.pack("<I", len(v.encode())) + v.encode() for v in values)


def test_binary_tensor_data_in_and_out(
    client: Any, mixed_model: LoadedModel, mixed_table: pa.Table
) -> None:
    rows = mixed_table.slice(0, 3)
    raw = [
        bytes_tensor(rows.column("city").to_pylist()),
        rows.column("age").to_numpy().astype("<f8").tobytes(),
        rows.column("visits").to_numpy().astype("<i8").tobytes(),
    ]
    header = {
        "inputs": [
            {"name": n, "shape": [3], "datatype": d, "parameters": {"binary_data_size": len(r)}}
            for (n, d), r in zip(
                [("city", "BYTES"), ("age", "FP64"), ("visits", "INT64")], raw, strict=True
            )
        ],
        "outputs": [
            {"name": "predict", "parameters": {"binary_data": True}},
            {"name": "predict_proba"},
        ],
    }
    head = json.dumps(header).encode()
    response = client.post(
        "/v2/models/shops/infer",
        content=head + b"".join(raw),
        headers={
            "Inference-Header-Content-Length": str(len(head)),
            "Content-Type": "application/octet-stream",
        },
    )
    assert response.status_code == 200, response.text
    size = int(response.headers["inference-header-content-length"])
    doc = json.loads(response.content[:size])
    predict, proba = doc["outputs"]
    assert predict["parameters"]["binary_data_size"] == 3 * 8
    assert "data" not in predict
    labels = np.frombuffer(response.content[size:], dtype="<i8")
    assert labels.tolist() == mixed_model.predict(rows).tolist()
    assert len(proba["data"]) == 6


def test_binary_output_for_every_output_by_request_parameter(
    client: Any, numeric_table: pa.Table
) -> None:
    body = {
        "inputs": tensors(numeric_table.slice(0, 2)),
        "parameters": {"binary_data_output": True},
    }
    response = client.post("/v2/models/churn/infer", json=body)
    assert response.headers["content-type"] == "application/octet-stream"
    size = int(response.headers["inference-header-content-length"])
    assert len(response.content) == size + 2 * 8


def test_string_predictions_are_bytes_tensors(
    client: Any, app: Any, numeric_table: pa.Table
) -> None:
    from sklearn.dummy import DummyClassifier

    from driftline.models import ModelMeta, SklearnFlavor, infer_signature
    from driftline.serving import ServedModel

    model = DummyClassifier(strategy="constant", constant="yes").fit(
        np.zeros((2, 3)), ["yes", "no"]
    )
    meta = ModelMeta(
        "sklearn", signature=infer_signature(numeric_table, model.predict(np.zeros((2, 3))))
    )
    app.state.models.add(ServedModel("words", 1, LoadedModel(model, SklearnFlavor(), meta)))
    assert client.get("/v2/models/words").json()["outputs"][0]["datatype"] == "BYTES"
    body = {"inputs": tensors(numeric_table.slice(0, 2))}
    doc = client.post("/v2/models/words/infer", json=body).json()
    assert doc["outputs"][0] == {
        "name": "predict",
        "shape": [2],
        "datatype": "BYTES",
        "data": ["yes", "yes"],
    }
    body["parameters"] = {"binary_data_output": True}
    response = client.post("/v2/models/words/infer", json=body)
    size = int(response.headers["inference-header-content-length"])
    assert response.content[size:] == bytes_tensor(["yes", "yes"])


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (
            [{"name": "a", "shape": [1], "datatype": "BYTES", "data": ["x"]}],
            "input 'a' has datatype BYTES, the model expects FP64",
        ),
        (
            [{"name": "a", "shape": [2], "datatype": "FP64", "data": [1.0]}],
            "input 'a' has 1 values in 'data', its shape holds 2",
        ),
        (
            [{"name": "a", "shape": [1, 2], "datatype": "FP64", "data": [[1.0, 2.0]]}],
            r"input 'a' has shape \[1, 2\], expected \[n\] or \[n, 1\]",
        ),
        (
            [
                {"name": "z", "shape": [1], "datatype": "FP64", "data": [1.0]},
                {"name": "a", "shape": [1], "datatype": "FP64", "data": [1.0]},
            ],
            "request has input 'z', which model 'churn' does not take",
        ),
        (
            [{"name": "a", "shape": [1], "datatype": "FP64", "data": [1.0]}],
            "request is missing input 'b' \\(double, datatype FP64\\)",
        ),
        (
            [{"name": "a", "shape": [1], "datatype": "FP64", "data": ["1.5"]}],
            "input 'a' has strings in 'data', but its datatype is FP64",
        ),
        (
            [{"name": "a", "shape": [1], "datatype": "FP99", "data": [1.0]}],
            "input 'a' has unknown datatype 'FP99'",
        ),
        (
            [{"name": "a", "shape": [1], "datatype": "FP64"}],
            "input 'a' needs 'data' as a JSON array",
        ),
        (
            [{"name": "a", "shape": "1", "datatype": "FP64", "data": [1.0]}],
            "input 'a' needs a 'shape'",
        ),
        (
            [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1.0, 2.0]}],
            r"input 'x' has shape \[1, 2\], but model 'churn' takes 3 columns",
        ),
        ([{"shape": [1], "datatype": "FP64", "data": [1.0]}], "each input tensor needs a 'name'"),
        ([], "request needs 'inputs'"),
    ],
)
def test_bad_tensors_are_refused_naming_the_problem(client: Any, inputs: Any, message: str) -> None:
    response = client.post("/v2/models/churn/infer", json={"inputs": inputs})
    assert response.status_code == 400
    assert response.json()["error"]
    import re

    assert re.search(message, response.json()["error"]), response.json()["error"]


def test_integer_columns_refuse_fractions_and_out_of_range(
    client: Any, mixed_table: pa.Table
) -> None:
    rows = mixed_table.slice(0, 1)
    for datatype, data, message in [
        ("FP64", [1.5], "input 'visits' has datatype FP64, the model expects INT64"),
        (
            "INT64",
            [1.5],
            "input 'visits' has non-integer numbers in 'data', but its datatype is INT64",
        ),
        (
            "UINT64",
            [2**64 - 1],
            "input 'visits' has the value 18446744073709551615, out of range for int64",
        ),
    ]:
        body = {"inputs": tensors(rows, {"visits": datatype})}
        body["inputs"][2]["data"] = data
        response = client.post("/v2/models/shops/infer", json=body)
        assert response.status_code == 400
        assert message in response.json()["error"]


def test_unknown_outputs_and_bad_fields(client: Any, numeric_table: pa.Table) -> None:
    inputs = tensors(numeric_table.slice(0, 1))
    cases = [
        (
            {"inputs": inputs, "outputs": [{"name": "explain"}]},
            "model 'churn' has no output 'explain' (its outputs: predict, predict_proba)",
        ),
        ({"inputs": inputs, "outputs": "predict"}, "request 'outputs' must be an array"),
        ({"inputs": inputs, "id": 7}, "request 'id' must be a string"),
        ({"inputs": inputs, "parameters": []}, "request 'parameters' must be a JSON object"),
        ([1, 2], "an inference request must be a JSON object"),
    ]
    for body, message in cases:
        response = client.post("/v2/models/churn/infer", json=body)
        assert response.status_code == 400
        assert message in response.json()["error"]


def test_a_model_without_probabilities_says_so(
    client: Any, app: Any, numeric_table: pa.Table
) -> None:
    from sklearn.linear_model import LinearRegression

    from driftline.models import ModelMeta, SklearnFlavor, infer_signature
    from driftline.serving import ServedModel

    x = np.column_stack([c.to_numpy() for c in numeric_table.columns])
    model = LinearRegression().fit(x, x[:, 0])
    meta = ModelMeta("sklearn", signature=infer_signature(numeric_table, model.predict(x)))
    app.state.models.add(ServedModel("price", 1, LoadedModel(model, SklearnFlavor(), meta)))
    meta_doc = client.get("/v2/models/price").json()
    assert [o["name"] for o in meta_doc["outputs"]] == ["predict"]
    body = {"inputs": tensors(numeric_table.slice(0, 2)), "outputs": [{"name": "predict_proba"}]}
    response = client.post("/v2/models/price/infer", json=body)
    assert response.status_code == 400
    assert "has no output 'predict_proba'" in response.json()["error"]
    doc = client.post("/v2/models/price/infer", json={"inputs": body["inputs"]}).json()
    assert doc["outputs"][0]["datatype"] == "FP64"
