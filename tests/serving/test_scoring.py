"""MLflow's scoring protocol: the request bodies MLflow documents, CSV, and the health endpoints.

The bodies are MLflow's documented examples ("Deploy MLflow Model as a Local Inference Server"),
with the column names of the models served here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.models import LoadedModel

ROWS = [[1, 2, 3], [4, 5, 6]]
EXPECTED_TABLE = pa.table({"a": [1.0, 4.0], "b": [2.0, 5.0], "c": [3.0, 6.0]})

DOCUMENTED_BODIES = {
    "dataframe_split": {"dataframe_split": {"columns": ["a", "b", "c"], "data": ROWS}},
    "dataframe_split with index": {
        "dataframe_split": {"index": [0, 1], "columns": ["a", "b", "c"], "data": ROWS}
    },
    "dataframe_split in another column order": {
        "dataframe_split": {"columns": ["c", "a", "b"], "data": [[3, 1, 2], [6, 4, 5]]}
    },
    "dataframe_records": {
        "dataframe_records": [{"a": 1, "b": 2, "c": 3}, {"a": 4, "b": 5, "c": 6}]
    },
    "instances as records": {"instances": [{"a": 1, "b": 2, "c": 3}, {"a": 4, "b": 5, "c": 6}]},
    "instances as rows": {"instances": ROWS},
    "inputs as columns": {"inputs": {"a": [1, 4], "b": [2, 5], "c": [3, 6]}},
    "inputs as rows": {"inputs": ROWS},
    "inputs with params": {"inputs": ROWS, "params": {"temperature": 0.5}},
    "dataframe_split with params": {
        "dataframe_split": {"columns": ["a", "b", "c"], "data": ROWS},
        "params": {"param1": 2.0, "param2": 3.0},
    },
}


@pytest.mark.parametrize("body", DOCUMENTED_BODIES.values(), ids=DOCUMENTED_BODIES.keys())
def test_documented_json_bodies_predict_as_the_model_does(
    client: Any, numeric_model: LoadedModel, body: dict[str, Any]
) -> None:
    response = client.post("/invocations", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"predictions": numeric_model.predict(EXPECTED_TABLE).tolist()}


def test_mixed_types_in_every_json_format(mixed_model: LoadedModel, mixed_table: pa.Table) -> None:
    from starlette.testclient import TestClient

    from driftline.serving import ServedModel, create_app

    rows = mixed_table.slice(0, 4)
    expected = {"predictions": mixed_model.predict(rows).tolist()}
    records = rows.to_pylist()
    names = rows.column_names
    bodies = [
        {"dataframe_split": {"columns": names, "data": [[r[n] for n in names] for r in records]}},
        {"dataframe_records": records},
        {"instances": records},
        {"instances": [[r[n] for n in names] for r in records]},
        {"inputs": rows.to_pydict()},
    ]
    with TestClient(create_app([ServedModel("shops", 1, mixed_model)], freeze_gc=False)) as shops:
        for body in bodies:
            response = shops.post("/invocations", json=body)
            assert response.status_code == 200, (body, response.text)
            assert response.json() == expected


def test_invocations_answers_for_the_chosen_model(
    served: list[Any], mixed_model: LoadedModel, mixed_table: pa.Table
) -> None:
    from starlette.testclient import TestClient

    from driftline.serving import create_app

    rows = mixed_table.slice(0, 2)
    with TestClient(create_app(served, invocations_model="shops", freeze_gc=False)) as client:
        response = client.post("/invocations", json={"dataframe_records": rows.to_pylist()})
        assert response.json() == {"predictions": mixed_model.predict(rows).tolist()}


def test_csv_bodies(client: Any, numeric_model: LoadedModel) -> None:
    expected = {"predictions": numeric_model.predict(EXPECTED_TABLE).tolist()}
    for body in (
        b"a,b,c\n1,2,3\n4,5,6\n",
        b",a,b,c\n0,1,2,3\n1,4,5,6\n",
        b"c,b,a\r\n3,2,1\r\n6,5,4\r\n",
    ):
        response = client.post("/invocations", content=body, headers={"Content-Type": "text/csv"})
        assert response.status_code == 200, response.text
        assert response.json() == expected


def test_csv_as_pandas_writes_it(
    client: Any, numeric_model: LoadedModel, numeric_table: pa.Table
) -> None:
    frame = numeric_table.slice(0, 20).to_pandas()
    response = client.post(
        "/invocations",
        content=frame.to_csv().encode(),
        headers={"Content-Type": "text/csv; charset=utf-8"},
    )
    assert response.status_code == 200, response.text
    predictions = numeric_model.predict(numeric_table.slice(0, 20))
    assert response.json()["predictions"] == predictions.tolist()


def test_missing_floats_in_csv_are_nan_and_bad_values_name_the_column(client: Any) -> None:
    response = client.post(
        "/invocations", content=b"a,b,c\n1,x,3\n", headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith(
        "CSV column 'b': conversion error to double: invalid value 'x'"
    )
    response = client.post(
        "/invocations", content=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "request is missing column 'c' (double, datatype FP64)"
    response = client.post("/invocations", content=b"", headers={"Content-Type": "text/csv"})
    assert response.status_code == 400


def test_errors_look_like_mlflow_errors(client: Any) -> None:
    response = client.post("/invocations", json=[[1, 2, 3]])
    assert response.status_code == 400
    doc = response.json()
    assert doc["error_code"] == "BAD_REQUEST"
    assert doc["message"] == doc["error"]
    assert "exactly one of the input fields" in doc["error"]
    assert "Received a list" in doc["error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"inputs": ROWS, "instances": ROWS}, "exactly one of the input fields"),
        ({"data": ROWS}, "Received the fields ['data']"),
        ({"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2]]}}, "missing column 'c'"),
        (
            {"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2]]}},
            "has a row of 2 values, expected 3",
        ),
        (
            {"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, "x", 3]]}},
            "column 'b' has strings, the model expects double",
        ),
        (
            {"dataframe_split": {"columns": ["a", "b", "c", "d"], "data": [[1, 2, 3, 4]]}},
            "request has column 'd', which model 'churn' does not take",
        ),
        (
            {"dataframe_split": {"columns": ["a", "a", "b"], "data": [[1, 2, 3]]}},
            "names a column twice",
        ),
        ({"dataframe_split": [1, 2]}, "dataframe_split must be an object"),
        ({"dataframe_records": [{"a": 1, "b": 2}]}, "request is missing column 'c'"),
        (
            {"dataframe_records": [{"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2}]},
            "a record in dataframe_records lacks column 'c'",
        ),
        ({"dataframe_records": [1, 2]}, "dataframe_records must be an array of objects"),
        (
            {"inputs": {"a": [1], "b": [2], "c": [3, 4]}},
            "column 'c' has 2 values but column 'a' has 1",
        ),
        ({"inputs": {"a": [1], "b": [2], "c": "3"}}, "column 'c' must be an array of values"),
        ({"inputs": []}, "request has no rows to predict"),
        ({"inputs": ROWS, "params": [1]}, "'params' must be a JSON object"),
        ({"instances": 5}, "instances must be an array"),
    ],
)
def test_bad_bodies_name_the_problem(client: Any, body: Any, message: str) -> None:
    response = client.post("/invocations", json=body)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]


def test_content_types(client: Any) -> None:
    body = b'{"inputs": [[1, 2, 3]]}'
    cases = [
        ("text/plain", 415, "unsupported Content-Type 'text/plain'"),
        ("application/json; charset=latin-1", 415, "only supports UTF-8"),
        (
            "application/json; format=pandas-split",
            415,
            "unrecognized Content-Type parameters: format",
        ),
        ("application/json; charset=UTF-8", 200, None),
    ]
    for content_type, status, message in cases:
        response = client.post("/invocations", content=body, headers={"Content-Type": content_type})
        assert response.status_code == status, response.text
        if message:
            assert message in response.json()["error"]
    response = client.post("/invocations", content=body, headers={"Content-Type": ""})
    assert response.status_code == 415


def test_ping_health_and_version(client: Any) -> None:
    import driftline

    for path in ("/ping", "/health"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.text == "\n"
    assert client.get("/version").text == driftline.__version__


def test_predictions_keep_the_models_dtypes(client: Any, numeric_model: LoadedModel) -> None:
    data = np.array(client.post("/invocations", json={"inputs": ROWS}).json()["predictions"])
    assert data.dtype.kind == "i"
    assert data.tolist() == numeric_model.predict(EXPECTED_TABLE).tolist()


def test_string_predictions(numeric_table: pa.Table) -> None:
    from sklearn.dummy import DummyClassifier
    from starlette.testclient import TestClient

    from driftline.models import ModelMeta, SklearnFlavor, infer_signature
    from driftline.serving import ServedModel, create_app

    model = DummyClassifier(strategy="constant", constant="yes").fit(
        np.zeros((2, 3)), ["yes", "no"]
    )
    meta = ModelMeta(
        "sklearn", signature=infer_signature(numeric_table, model.predict(np.zeros((2, 3))))
    )
    loaded = LoadedModel(model, SklearnFlavor(), meta)
    with TestClient(create_app([ServedModel("words", 1, loaded)], freeze_gc=False)) as client:
        response = client.post("/invocations", json={"inputs": ROWS})
        assert response.json() == {"predictions": ["yes", "yes"]}
