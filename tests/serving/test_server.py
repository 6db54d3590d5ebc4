"""Limits, errors, the token, metrics and the OpenAPI document, through Starlette's test client."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.models import LoadedModel

from .conftest import TOKEN

GOOD = {"inputs": [{"name": n, "shape": [1], "datatype": "FP64", "data": [0.5]} for n in "abc"]}


def assert_still_serving(client: Any) -> None:
    response = client.post("/v2/models/churn/infer", json=GOOD)
    assert response.status_code == 200, response.text
    assert client.post("/invocations", json={"inputs": [[0.5, 0.5, 0.5]]}).status_code == 200


def test_bodies_over_the_limit_are_refused_before_they_are_read(client: Any) -> None:
    big = b"x" * ((1 << 20) + 1)
    response = client.post("/v2/models/churn/infer", content=big)
    assert response.status_code == 413
    assert (
        response.json()["error"] == "request body is 1048577 bytes, over the limit of 1048576 bytes"
    )
    assert_still_serving(client)


def test_streamed_bodies_are_cut_at_the_limit(client: Any) -> None:
    sent = []

    def chunks() -> Any:
        for _ in range(64):
            sent.append(1)
            yield b"x" * 65536

    response = client.post(
        "/invocations", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "request body is over the limit of 1048576 bytes"
    assert_still_serving(client)


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "message"),
    [
        ("/v2/models/churn/infer", b"{not json", {}, 400, "request body is not valid JSON"),
        ("/v2/models/churn/infer", b"", {}, 400, "request body is empty"),
        ("/v2/models/churn/infer", b"\xff\xfe", {}, 400, "not valid JSON"),
        ("/invocations", b"{not json", {"Content-Type": "application/json"}, 400, "not valid JSON"),
        (
            "/v2/models/churn/infer",
            b"{}",
            {"Content-Type": "text/csv"},
            415,
            "unsupported Content-Type 'text/csv'",
        ),
        (
            "/v2/models/fraud/infer",
            b"{}",
            {},
            404,
            "no model named 'fraud' is served (served: churn, shops)",
        ),
        (
            "/v2/models/churn/versions/9/infer",
            b"{}",
            {},
            404,
            "model 'churn' has no version '9' (served versions: 1, 2)",
        ),
        (
            "/v2/models/churn/infer",
            b'{"inputs": [1]}',
            {},
            400,
            "each of 'inputs' must be a JSON object",
        ),
        (
            "/v2/models/churn/infer",
            b"{}",
            {"Content-Length": "x"},
            400,
            "Content-Length is not a number",
        ),
        (
            "/v2/models/churn/infer",
            b"{}",
            {"Inference-Header-Content-Length": "99"},
            400,
            "does not fit the body",
        ),
    ],
)
def test_bad_requests_get_a_4xx_naming_the_problem_and_the_server_keeps_serving(
    client: Any, path: str, body: bytes, headers: dict[str, str], status: int, message: str
) -> None:
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert message in response.json()["error"]
    assert_still_serving(client)


def test_binary_data_that_does_not_match_its_shape(client: Any) -> None:
    import json

    header = {
        "inputs": [
            {"name": n, "shape": [2], "datatype": "FP64", "parameters": {"binary_data_size": 8}}
            for n in "abc"
        ]
    }
    head = json.dumps(header).encode()
    response = client.post(
        "/v2/models/churn/infer",
        content=head + b"\0" * 24,
        headers={"Inference-Header-Content-Length": str(len(head))},
    )
    assert response.status_code == 400
    assert response.json()["error"] == (
        "input 'a' has 8 bytes of binary data, its shape and datatype need 16"
    )
    header["inputs"][0]["parameters"]["binary_data_size"] = 800
    head = json.dumps(header).encode()
    response = client.post(
        "/v2/models/churn/infer",
        content=head + b"\0" * 24,
        headers={"Inference-Header-Content-Length": str(len(head))},
    )
    assert response.status_code == 400
    assert "beyond the body" in response.json()["error"]
    assert_still_serving(client)


def test_unknown_routes_and_methods_answer_json(client: Any) -> None:
    response = client.get("/v3/anything")
    assert response.status_code == 404
    assert response.json() == {"error": "no endpoint /v3/anything: see /openapi.json"}
    response = client.get("/v2/models/churn/infer")
    assert response.status_code == 405
    assert response.json() == {
        "error": "/v2/models/churn/infer does not accept GET (it accepts POST)"
    }
    assert response.headers["allow"] == "POST"
    assert client.get("/v2/models/nope").status_code == 404


def test_a_model_that_fails_on_its_input_answers_422(
    client: Any, app: Any, numeric_table: pa.Table
) -> None:
    from sklearn.linear_model import LogisticRegression

    from driftline.models import ModelMeta, SklearnFlavor, infer_signature
    from driftline.serving import ServedModel

    meta = ModelMeta("sklearn", signature=infer_signature(numeric_table, np.array([1])))
    unfitted = LoadedModel(LogisticRegression(), SklearnFlavor(), meta)
    app.state.models.add(ServedModel("broken", 1, unfitted))
    response = client.post("/v2/models/broken/infer", json=GOOD)
    assert response.status_code == 422
    assert re.match(
        r"model 'broken' version '1' failed on this input: NotFittedError", response.json()["error"]
    )
    assert_still_serving(client)


def test_switching_the_default_needs_the_token(client: Any) -> None:
    url = "/admin/models/churn/default"
    response = client.post(url, json={"version": "2"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    response = client.post(url, json={"version": "2"}, headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 403
    assert response.json() == {"error": "the bearer token is not valid"}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post(url, json={"version": "9"}, headers=auth).status_code == 404
    assert client.post(url, json={"v": "2"}, headers=auth).status_code == 400
    response = client.post(url, json={"version": 2}, headers=auth)
    assert response.status_code == 200
    assert response.json() == {"name": "churn", "default_version": "2"}
    assert client.post("/v2/models/churn/infer", json=GOOD).json()["model_version"] == "2"
    assert client.get("/v2/models/churn").json()["parameters"]["default_version"] == "2"


def test_without_a_token_the_server_accepts_no_changes(served: list[Any]) -> None:
    from starlette.testclient import TestClient

    from driftline.serving import create_app

    with TestClient(create_app(served, freeze_gc=False)) as client:
        response = client.post(
            "/admin/models/churn/default",
            json={"version": "2"},
            headers={"Authorization": "Bearer x"},
        )
        assert response.status_code == 403
        assert "started without an admin token" in response.json()["error"]


def test_metrics_count_requests_errors_latency_and_traffic_per_version(client: Any) -> None:
    client.post("/v2/models/churn/infer", json=GOOD)
    client.post("/v2/models/churn/versions/2/infer", json=GOOD)
    client.post("/v2/models/churn/versions/2/infer", json=GOOD)
    client.post("/v2/models/churn/infer", json={"inputs": []})
    client.post("/v2/models/nobody/infer", json=GOOD)
    client.post("/invocations", json={"inputs": [[1, 2, 3], [4, 5, 6]]})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    lines = set(text.splitlines())
    assert (
        'driftline_http_requests_total{endpoint="infer",model="churn",version="1",status="200"} 1'
        in lines
    )
    assert (
        'driftline_http_requests_total{endpoint="infer",model="churn",version="2",status="200"} 2'
        in lines
    )
    assert (
        'driftline_http_requests_total{endpoint="infer",model="churn",version="1",status="400"} 1'
        in lines
    )
    assert (
        'driftline_http_requests_total{endpoint="infer",model="",version="",status="404"} 1'
        in lines
    )
    assert (
        'driftline_http_request_errors_total{endpoint="infer",model="churn",status="400"} 1'
        in lines
    )
    assert 'driftline_predictions_total{model="churn",version="2"} 2' in lines
    assert 'driftline_predicted_rows_total{model="churn",version="1"} 3' in lines
    assert 'driftline_model_default_version{model="churn",version="1"} 1' in lines
    assert 'driftline_http_request_duration_seconds_count{endpoint="infer"} 5' in lines
    assert 'driftline_http_request_duration_seconds_bucket{endpoint="infer",le="+Inf"} 5' in lines
    assert "# TYPE driftline_http_request_duration_seconds histogram" in lines


def test_metrics_parse_as_prometheus_text(client: Any) -> None:
    client.post("/v2/models/churn/infer", json=GOOD)
    sample = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? [0-9.e+-]+$')
    for line in client.get("/metrics").text.splitlines():
        assert line.startswith("# ") or sample.match(line), line


def test_the_openapi_document_is_valid_and_covers_every_route(client: Any, app: Any) -> None:
    from openapi_spec_validator import validate

    from driftline.serving.openapi import openapi_document

    doc = client.get("/openapi.json").json()
    validate(doc)
    routes = {route.path for route in app.routes}
    served = [  # each served model and version gets its own paths
        f"/v2/models/{name}{version}{end}"
        for name, versions in (("churn", ("1", "2")), ("shops", ("2024-06",)))
        for version in ("", *(f"/versions/{v}" for v in versions))
        for end in ("", "/ready", "/infer")
    ]
    admin = ["/admin/models/churn/default", "/admin/models/shops/default"]
    generic = {path for path in routes if "{" not in path}
    assert set(doc["paths"]) == generic | set(served) | set(admin)
    assert routes - generic == {path for path in openapi_document()["paths"] if "{" in path}


def test_the_served_document_describes_each_model_with_an_example_it_accepts(client: Any) -> None:
    from jsonschema import Draft202012Validator

    doc = client.get("/openapi.json").json()
    for path, item in doc["paths"].items():
        body = item.get("post", {}).get("requestBody", {}).get("content", {})
        example = body.get("application/json", {}).get("example")
        if path.endswith("/infer") or path == "/invocations":
            response = client.post(path, json=example)
            assert response.status_code == 200, (path, response.text)
    shops = doc["paths"]["/v2/models/shops/infer"]["post"]["requestBody"]["content"]
    tensors = shops["application/json"]["schema"]["oneOf"][0]["properties"]["inputs"]
    assert [t["properties"]["name"]["const"] for t in tensors["prefixItems"]] == [
        "city",
        "age",
        "visits",
    ]
    invocations = doc["paths"]["/invocations"]["post"]["requestBody"]["content"]
    assert set(invocations) == {"application/json"}
    scoring = invocations["application/json"]
    checker = Draft202012Validator(scoring["schema"])
    assert checker.is_valid(scoring["example"])
    assert not checker.is_valid({})  # the server refuses it: the document does too
    assert client.post("/invocations", json={}).status_code == 400


def test_importing_the_package_does_not_import_starlette() -> None:
    import subprocess
    import sys

    code = (
        "import sys, driftline.serving; print('starlette' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_startup_freezes_what_is_loaded_out_of_the_cyclic_collector(served: list[Any]) -> None:
    import gc

    from starlette.testclient import TestClient

    from driftline.serving import create_app

    try:
        with TestClient(create_app(served)) as client:
            assert gc.get_freeze_count() > 0
            assert client.get("/v2/health/ready").status_code == 200
    finally:
        gc.unfreeze()
    with TestClient(create_app(served, freeze_gc=False)):
        assert gc.get_freeze_count() == 0


def test_every_405_names_the_allowed_methods_in_allow(client: Any) -> None:
    """RFC 9110: a 405 carries ``Allow``; checked for every route of the server with methods."""
    checked = 0
    for route in client.app.routes:
        methods = getattr(route, "methods", None)
        if not methods:
            continue
        checked += 1
        path = route.path.replace("{name}", "churn").replace("{version}", "1")
        wrong = "DELETE" if "DELETE" not in methods else "PATCH"
        response = client.request(wrong, path)
        assert response.status_code == 405, path
        assert set(response.headers["allow"].split(", ")) == set(methods), path
        assert wrong in response.json()["error"], path
    assert checked >= 8  # health, metadata, infer, invocations, admin...
