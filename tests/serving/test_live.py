"""The server over real HTTP (uvicorn on 127.0.0.1): Triton's client, limits, swaps under load."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.models import LoadedModel

from .conftest import TOKEN, LiveServer

GOOD = {"inputs": [{"name": n, "shape": [1], "datatype": "FP64", "data": [0.25]} for n in "abc"]}


def triton(live: LiveServer) -> Any:
    import tritonclient.http as httpclient

    return httpclient.InferenceServerClient(url=f"127.0.0.1:{live.port}")


def test_triton_client_health_and_metadata(live: LiveServer) -> None:
    client = triton(live)
    try:
        assert client.is_server_live()
        assert client.is_server_ready()
        assert client.get_server_metadata()["name"] == "driftline"
        assert client.is_model_ready("churn")
        assert client.is_model_ready("churn", "2")
        assert not client.is_model_ready("fraud")
        meta = client.get_model_metadata("shops")
        assert [(i["name"], i["datatype"]) for i in meta["inputs"]] == [
            ("city", "BYTES"),
            ("age", "FP64"),
            ("visits", "INT64"),
        ]
        assert client.get_model_metadata("churn", "2")["versions"] == ["1", "2"]
    finally:
        client.close()


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_triton_client_infers_one_tensor_per_column(
    live: LiveServer, numeric_model: LoadedModel, numeric_table: pa.Table, binary: bool
) -> None:
    import tritonclient.http as httpclient

    rows = numeric_table.slice(0, 16)
    inputs = []
    for name in rows.column_names:
        tensor = httpclient.InferInput(name, [16], "FP64")
        tensor.set_data_from_numpy(rows.column(name).to_numpy(), binary_data=binary)
        inputs.append(tensor)
    outputs = [
        httpclient.InferRequestedOutput("predict", binary_data=binary),
        httpclient.InferRequestedOutput("predict_proba", binary_data=not binary),
    ]
    client = triton(live)
    try:
        result = client.infer("churn", inputs, outputs=outputs, request_id="abc-1")
        assert result.get_response()["id"] == "abc-1"
        assert result.get_response()["model_version"] == "1"
        np.testing.assert_array_equal(result.as_numpy("predict"), numeric_model.predict(rows))
        np.testing.assert_allclose(
            result.as_numpy("predict_proba"), numeric_model.predict_proba(rows)
        )
    finally:
        client.close()


def test_triton_client_infers_a_2d_tensor_with_default_outputs(
    live: LiveServer, numeric_model_v2: LoadedModel, numeric_table: pa.Table
) -> None:
    import tritonclient.http as httpclient

    rows = numeric_table.slice(20, 9)
    matrix = np.column_stack([c.to_numpy() for c in rows.columns]).astype(np.float32)
    tensor = httpclient.InferInput("input-0", list(matrix.shape), "FP32")
    tensor.set_data_from_numpy(matrix)
    client = triton(live)
    try:
        result = client.infer("churn", [tensor], model_version="2")
        expected = numeric_model_v2.predict(
            pa.table({n: matrix[:, i].astype(np.float64) for i, n in enumerate("abc")})
        )
        np.testing.assert_array_equal(result.as_numpy("predict"), expected)
    finally:
        client.close()


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_triton_client_infers_mixed_types(
    live: LiveServer, mixed_model: LoadedModel, mixed_table: pa.Table, binary: bool
) -> None:
    import tritonclient.http as httpclient

    rows = mixed_table.slice(0, 12)
    city = httpclient.InferInput("city", [12, 1], "BYTES")
    city.set_data_from_numpy(
        np.array(rows.column("city").to_pylist(), dtype=object).reshape(12, 1), binary_data=binary
    )
    age = httpclient.InferInput("age", [12], "FP64")
    age.set_data_from_numpy(rows.column("age").to_numpy(), binary_data=binary)
    visits = httpclient.InferInput("visits", [12], "INT64")
    visits.set_data_from_numpy(rows.column("visits").to_numpy(), binary_data=binary)
    client = triton(live)
    try:
        result = client.infer(
            "shops",
            [city, age, visits],
            outputs=[httpclient.InferRequestedOutput("predict", binary_data=binary)],
        )
        np.testing.assert_array_equal(result.as_numpy("predict"), mixed_model.predict(rows))
    finally:
        client.close()


def test_triton_client_sees_errors_naming_the_problem(live: LiveServer) -> None:
    import tritonclient.http as httpclient
    from tritonclient.utils import InferenceServerException

    client = triton(live)
    try:
        wrong = httpclient.InferInput("a", [1], "BYTES")
        wrong.set_data_from_numpy(np.array([b"x"], dtype=object))
        with pytest.raises(
            InferenceServerException, match="input 'a' has datatype BYTES, the model expects FP64"
        ):
            client.infer("churn", [wrong])
        with pytest.raises(InferenceServerException, match="no model named 'fraud'"):
            client.get_model_metadata("fraud")
        assert client.is_server_live()
    finally:
        client.close()


def test_a_50_mb_body_is_refused_and_the_server_keeps_serving(live: LiveServer) -> None:
    import httpx2

    body = b"[" + b"0," * (25 * 2**20) + b"0]"

    def chunks() -> Any:
        for _ in range(800):
            yield b"0" * 65536

    with httpx2.Client(base_url=live.url, timeout=60) as http:
        response = http.post("/v2/models/churn/infer", content=body)
        assert response.status_code == 413
        assert response.json()["error"] == (
            "request body is 52428803 bytes, over the limit of 1048576 bytes"
        )
    with httpx2.Client(base_url=live.url, timeout=60) as http:
        response = http.post("/invocations", content=chunks(), headers={"Content-Type": "text/csv"})
        assert response.status_code == 413
        assert response.json()["error"] == "request body is over the limit of 1048576 bytes"
    with httpx2.Client(base_url=live.url, timeout=30) as http:
        assert http.post("/v2/models/churn/infer", json=GOOD).status_code == 200
        response = http.post(
            "/invocations", content=b"not json", headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert http.post("/invocations", json={"inputs": [[1, 2, 3]]}).status_code == 200


def test_swapping_the_default_under_load_fails_no_request(
    app: Any, live: LiveServer, numeric_model_v2: LoadedModel
) -> None:
    import httpx2

    from driftline.serving import ServedModel

    table = app.state.models
    models = {1: table.resolve("churn", 1).model, 2: numeric_model_v2}
    done = Counter[str]()
    failures: list[str] = []
    progress = threading.Condition()
    stop = threading.Event()

    def send() -> None:
        with httpx2.Client(base_url=live.url, timeout=30) as http:
            while not stop.is_set():
                try:
                    response = http.post("/v2/models/churn/infer", json=GOOD)
                except httpx2.HTTPError as exc:  # reported below
                    failures.append(repr(exc))
                    return
                with progress:
                    if response.status_code != 200:
                        failures.append(response.text)
                    else:
                        done[response.json()["model_version"]] += 1
                    progress.notify_all()

    def wait_for(count: int) -> None:
        with progress:
            assert progress.wait_for(
                lambda: sum(done.values()) >= count or bool(failures), timeout=30
            )

    senders = [threading.Thread(target=send) for _ in range(4)]
    for thread in senders:
        thread.start()
    try:
        with httpx2.Client(base_url=live.url, timeout=30) as admin:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            for i in range(30):
                version = 1 + i % 2
                if i % 3 == 0:
                    response = admin.post(
                        "/admin/models/churn/default", json={"version": version}, headers=auth
                    )
                    assert response.status_code == 200
                elif i % 3 == 1:
                    table.set_default("churn", version)
                else:  # a fresh object for the same version, swapped in with the default
                    table.replace(ServedModel("churn", version, models[version]))
                # Requests sent after the swap: at least one per sender beyond those in flight.
                wait_for(sum(done.values()) + 8)
    finally:
        stop.set()
        for thread in senders:
            thread.join()
    assert failures == []
    assert done["1"] > 0
    assert done["2"] > 0
