"""The dashboard's frame: static files, errors, the OpenAPI document, served for real."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from typing import Any

import pytest

from driftline.workspace import Workspace


def test_unknown_page_is_a_404_page_naming_it(ws: Workspace, ui_client: Any) -> None:
    client = ui_client(ws)
    answer = client.get("/models-nope/x")
    assert answer.status_code == 404
    assert "/models-nope/x" in answer.text
    assert "Traceback" not in answer.text
    api = client.get("/api/nope")
    assert api.status_code == 404
    assert api.json() == {"error": "no page at '/api/nope'", "status": 404}


def test_malformed_query_parameter_is_a_400_naming_it(ws: Workspace) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from driftline.ui.error_pages import ErrorPages, handlers
    from driftline.ui.params import int_param
    from driftline.ui.responses import json_response

    def endpoint(request: Any) -> Any:
        return json_response({"limit": int_param(request, "limit", 10, low=1)})

    def broken(request: Any) -> Any:
        raise RuntimeError("secret internals")

    from starlette.middleware import Middleware

    app = Starlette(
        routes=[Route("/api/x", endpoint), Route("/boom", broken)],
        exception_handlers=handlers(),  # type: ignore[arg-type]
        middleware=[Middleware(ErrorPages)],
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/x?limit=5").json() == {"limit": 5}
        bad = client.get("/api/x?limit=five")
        assert bad.status_code == 400
        assert bad.json()["error"] == "query parameter 'limit': 'five' is not a whole number"
        boom = client.get("/boom")
        assert boom.status_code == 500
        assert "secret internals" not in boom.text
        assert "Traceback" not in boom.text


def test_openapi_document_is_valid_and_lists_every_api_route(ws: Workspace, ui_client: Any) -> None:
    from openapi_spec_validator import validate

    client = ui_client(ws)
    document = client.get("/api/openapi.json").json()
    validate(document)
    api_paths = {
        re.sub(r"{(\w+)(:\w+)?}", r"{\1}", r.path)
        for r in client.app.routes
        if getattr(r, "path", "").startswith("/api/")
    }
    assert api_paths
    assert api_paths <= set(document["paths"])


def test_static_files_are_served_locally(ws: Workspace, ui_server: Any) -> None:
    server = ui_server(ws)
    for path in (
        "/static/htmx.min.js",
        "/static/app.js",
        "/static/app.css",
        "/static/plotly.min.js",
    ):
        with urllib.request.urlopen(server.url + path) as answer:
            assert answer.status == 200
            assert len(answer.read()) > 500
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(server.url + "/static/nope.js")
    caught.value.close()
    assert caught.value.code == 404


def test_read_only_without_a_token(ws: Workspace, ui_client: Any) -> None:
    page = ui_client(ws).get("/")
    assert page.status_code == 200
    assert "Read-only: this dashboard was started without a token" in page.text
    signed = ui_client(ws, token="s3cret").get("/", headers={"authorization": "Bearer s3cret"})
    assert "Read-only" not in signed.text
