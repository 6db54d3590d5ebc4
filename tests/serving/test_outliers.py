"""Outlier scores at serving: logged with every prediction, returned only when asked.

A real uvicorn server on 127.0.0.1 with a prediction log on a real workspace; the detectors are
fitted on the rows the served models were trained on.
"""

from __future__ import annotations

import http.client
import json
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.data.profiling import profile_table
from driftline.models import LoadedModel
from driftline.models.monitoring.outliers import OutlierDetector, fit_outlier_detector
from driftline.monitor import read_predictions
from driftline.monitor.logs.predlog import PredictionLog
from driftline.monitor.logs.segments import OUTLIER, OUTLIER_SCORE
from driftline.serving import ModelTable, ServedModel, create_app
from driftline.serving.observer import ServingObserver
from driftline.workspace import Workspace
from tests.serving.conftest import LiveServer

USUAL = [0.1, -0.2, 0.3]
FAR = [40.0, 0.0, 0.0]


def call(port: int, path: str, body: Any) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def infer(rows: list[list[float]], **parameters: Any) -> dict[str, Any]:
    tensor = {"name": "x", "shape": [len(rows), 3], "datatype": "FP64", "data": rows}
    body: dict[str, Any] = {"inputs": [tensor]}
    if parameters:
        body["parameters"] = parameters
    return body


def invocations(rows: list[list[float]], **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"dataframe_split": {"columns": ["a", "b", "c"], "data": rows}}
    if params:
        body["params"] = params
    return body


@pytest.fixture(scope="module")
def numeric_detector(numeric_table: pa.Table) -> OutlierDetector:
    return fit_outlier_detector(profile_table(numeric_table), numeric_table)


@pytest.fixture(scope="module")
def mixed_detector(mixed_table: pa.Table) -> OutlierDetector:
    return fit_outlier_detector(profile_table(mixed_table), mixed_table)


@pytest.fixture
def served_with_outliers(
    numeric_model: LoadedModel,
    numeric_model_v2: LoadedModel,
    mixed_model: LoadedModel,
    numeric_detector: OutlierDetector,
    mixed_detector: OutlierDetector,
) -> list[ServedModel]:
    return [
        ServedModel("churn", 1, numeric_model, outliers=numeric_detector),
        ServedModel("churn", 2, numeric_model_v2),  # registered before detectors: none
        ServedModel("shops", 1, mixed_model, outliers=mixed_detector),
    ]


def serve(ws: Workspace, served: list[ServedModel]) -> tuple[LiveServer, PredictionLog]:
    log = PredictionLog(ws.metadata, ws.artifacts, flush_rows=1_000_000, flush_seconds=3600)
    observer = ServingObserver(predictions=log)
    return LiveServer(create_app(served, freeze_gc=False, observer=observer)), log


def test_outputs_are_returned_only_when_asked_for_in_both_protocols(
    ws: Workspace, served_with_outliers: list[ServedModel], numeric_detector: OutlierDetector
) -> None:
    server, _ = serve(ws, served_with_outliers)
    with server:
        status, plain = call(server.port, "/v2/models/churn/versions/1/infer", infer([USUAL]))
        assert status == 200
        assert [o["name"] for o in plain["outputs"]] == ["predict"]
        path = "/v2/models/churn/versions/1/infer"
        status, asked = call(server.port, path, infer([USUAL, FAR], outliers=True))
        assert status == 200
        outputs = {o["name"]: o for o in asked["outputs"]}
        assert list(outputs) == ["predict", "outlier_score", "outlier"]
        assert outputs["outlier_score"]["datatype"] == "FP64"
        assert outputs["outlier"]["datatype"] == "BOOL"
        assert outputs["outlier"]["data"] == [False, True]
        expected = numeric_detector.score({"a": [0.1, 40.0], "b": [-0.2, 0.0], "c": [0.3, 0.0]})
        np.testing.assert_allclose(outputs["outlier_score"]["data"], expected)
        status, off = call(server.port, path, infer([FAR], outliers=False))
        assert [o["name"] for o in off["outputs"]] == ["predict"]

        status, plain = call(server.port, "/invocations", invocations([USUAL]))
        assert (status, list(plain)) == (200, ["predictions"])
        status, asked = call(server.port, "/invocations", invocations([USUAL, FAR], outliers=True))
        assert status == 200
        assert list(asked) == ["predictions", "outlier_scores", "outliers"]
        assert asked["outliers"] == [False, True]
        np.testing.assert_allclose(asked["outlier_scores"], expected)


def test_binary_outputs_carry_the_outliers_as_binary_too(
    served_with_outliers: list[ServedModel],
) -> None:
    from starlette.testclient import TestClient

    body = infer([USUAL, FAR], outliers=True, binary_data_output=True)
    with TestClient(create_app(served_with_outliers, freeze_gc=False)) as client:
        answer = client.post("/v2/models/churn/versions/1/infer", json=body)
    assert answer.status_code == 200
    size = int(answer.headers["inference-header-content-length"])
    header = json.loads(answer.content[:size])
    sizes = [o["parameters"]["binary_data_size"] for o in header["outputs"]]
    assert [o["name"] for o in header["outputs"]] == ["predict", "outlier_score", "outlier"]
    flags_at = size + sizes[0] + sizes[1]
    assert np.frombuffer(answer.content[flags_at:], dtype=bool).tolist() == [False, True]


@pytest.mark.parametrize("value", ["yes", 1, None, [True]])
def test_a_bad_outliers_parameter_is_a_400_naming_it(
    served_with_outliers: list[ServedModel], value: Any
) -> None:
    from starlette.testclient import TestClient

    with TestClient(create_app(served_with_outliers, freeze_gc=False)) as client:
        oip = client.post("/v2/models/churn/infer", json=infer([USUAL], outliers=value))
        mlflow = client.post("/invocations", json=invocations([USUAL], outliers=value))
    assert oip.status_code == 400
    assert "request parameter 'outliers' must be true or false" in oip.json()["error"]
    assert mlflow.status_code == 400
    assert "request params 'outliers' must be true or false" in mlflow.json()["message"]


def test_scores_are_logged_with_each_prediction_and_a_version_without_a_detector_logs_none(
    ws: Workspace, served_with_outliers: list[ServedModel], numeric_detector: OutlierDetector
) -> None:
    server, log = serve(ws, served_with_outliers)
    with server:
        path = "/v2/models/churn/versions/{}/infer"
        assert call(server.port, path.format(1), infer([USUAL, FAR]))[0] == 200
        assert call(server.port, path.format(2), infer([FAR], outliers=True))[0] == 200
        status, answer = call(server.port, path.format(2), infer([FAR], outliers=True))
        assert status == 200
        assert [o["name"] for o in answer["outputs"]] == ["predict"]  # nothing to return
    log.close(timeout=30)
    first = read_predictions(ws.metadata, ws.artifacts, "churn", version=1)
    assert first[OUTLIER].to_pylist() == [False, True]
    assert first[OUTLIER_SCORE].type == pa.float64()
    expected = numeric_detector.score({"a": [0.1, 40.0], "b": [-0.2, 0.0], "c": [0.3, 0.0]})
    np.testing.assert_allclose(first[OUTLIER_SCORE].to_numpy(), expected)
    second = read_predictions(ws.metadata, ws.artifacts, "churn", version=2)
    assert second.num_rows == 2
    assert OUTLIER not in second.column_names  # its segments have no outlier columns
    both = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert both.num_rows == 4
    assert both[OUTLIER].null_count == 2


def test_an_unseen_category_is_flagged_on_a_model_of_mixed_columns(
    ws: Workspace, served_with_outliers: list[ServedModel]
) -> None:
    body = invocations([], outliers=True)
    body["dataframe_split"] = {
        "columns": ["city", "age", "visits"],
        "data": [["paris", 41.0, 3], ["atlantis", 39.0, 4]],
    }
    server, log = serve(ws, served_with_outliers[2:])
    with server:
        status, answer = call(server.port, "/invocations", body)
    log.close(timeout=30)
    assert status == 200
    assert answer["outliers"] == [False, True]
    logged = read_predictions(ws.metadata, ws.artifacts, "shops")
    assert logged[OUTLIER].to_pylist() == [False, True]


def test_a_scoring_error_answers_logs_null_scores_and_is_counted(
    ws: Workspace, mixed_model: LoadedModel
) -> None:
    numbers = pa.table({"city": [1.0, 2.0, 3.0], "age": [30.0, 40.0, 50.0]})
    wrong = fit_outlier_detector(profile_table(numbers))  # 'city' as a number: cannot score
    server, log = serve(ws, [ServedModel("shops", 1, mixed_model, outliers=wrong)])
    body = {
        "dataframe_split": {"columns": ["city", "age", "visits"], "data": [["paris", 41.0, 3]]},
        "params": {"outliers": True},
    }
    with server:
        status, answer = call(server.port, "/invocations", body)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("GET", "/metrics")
        metrics = conn.getresponse().read().decode()
        conn.close()
    log.close(timeout=30)
    assert status == 200
    assert answer["outlier_scores"] == [None]
    assert answer["outliers"] == [False]
    assert 'driftline_outlier_scoring_errors_total{model="shops",version="1"} 1' in metrics
    logged = read_predictions(ws.metadata, ws.artifacts, "shops")
    assert logged[OUTLIER_SCORE].to_pylist() == [None]
    assert logged[OUTLIER].to_pylist() == [None]


def test_flagged_rows_are_counted_on_metrics(served_with_outliers: list[ServedModel]) -> None:
    from starlette.testclient import TestClient

    with TestClient(create_app(served_with_outliers, freeze_gc=False)) as client:
        client.post("/v2/models/churn/versions/1/infer", json=infer([FAR, FAR, USUAL]))
        metrics = client.get("/metrics").text
    assert 'driftline_outlier_rows_total{model="churn",version="1"} 2' in metrics


def test_a_version_added_to_a_table_gets_its_detector_from_the_table_source(
    numeric_model: LoadedModel, numeric_detector: OutlierDetector
) -> None:
    asked: list[tuple[str, int]] = []

    def source(name: str, version: int) -> OutlierDetector | None:
        asked.append((name, version))
        return numeric_detector if version == 3 else None

    table = ModelTable(outliers=source)
    table.add_version("churn", 3, numeric_model)
    table.add_version("churn", 4, numeric_model)
    assert asked == [("churn", 3), ("churn", 4)]
    assert table.resolve("churn", 3).scorer is not None
    assert table.resolve("churn", 4).scorer is None


def test_a_numeric_model_is_scored_on_its_request_matrix(
    served_with_outliers: list[ServedModel],
) -> None:
    scorer = served_with_outliers[0].scorer
    assert scorer is not None
    assert scorer.on_matrix
    mixed = served_with_outliers[2].scorer
    assert mixed is not None
    assert not mixed.on_matrix


def test_a_large_request_is_scored_in_a_worker_thread_alike(
    served_with_outliers: list[ServedModel],
) -> None:
    from starlette.testclient import TestClient

    app = create_app(served_with_outliers, freeze_gc=False, inline_cells=2)  # every request
    with TestClient(app) as client:
        answer = client.post("/invocations", json=invocations([USUAL, FAR], outliers=True))
    assert answer.json()["outliers"] == [False, True]
