"""Feedback is a write like any other: tokens, served models only, bounded; admin reads too.

A real uvicorn server on 127.0.0.1 with a feedback log on a real workspace; every refused request
is checked to have stored nothing.
"""

from __future__ import annotations

import http.client
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from driftline.core.clock import ManualClock
from driftline.core.errors import InputError
from driftline.monitor import read_feedback
from driftline.monitor.logs.feedback import FeedbackLog
from driftline.serving import Access, FeedbackLimits, ServedModel, create_app
from driftline.serving.errors import RequestError
from driftline.serving.limits import LabelRate
from driftline.serving.observer import ServingObserver
from driftline.workspace import Workspace
from tests.serving.conftest import TOKEN, LiveServer

FEED = "labels-only-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
FEEDER = {"Authorization": f"Bearer {FEED}"}
LIMITS = FeedbackLimits(max_labels=5, max_body_bytes=2_000, labels_per_minute=8)


def call(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        raw = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        conn.request(method, path, raw, {"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        content = response.read()
        answer = {k.lower(): v for k, v in response.getheaders()}
        return response.status, answer, json.loads(content) if content else None
    finally:
        conn.close()


def metrics_text(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        return conn.getresponse().read().decode()
    finally:
        conn.close()


def serve(ws: Workspace, served: list[ServedModel], access: Access) -> LiveServer:
    observer = ServingObserver(feedback=FeedbackLog(ws.metadata, ws.artifacts))
    app = create_app(
        served, access=access, feedback_limits=LIMITS, freeze_gc=False, observer=observer
    )
    return LiveServer(app)


def stored(ws: Workspace, model: str) -> list[Any]:
    return sorted(read_feedback(ws.metadata, ws.artifacts, model)["request_id"].to_pylist())


def test_feedback_needs_a_token_and_a_served_model(
    ws: Workspace, served: list[ServedModel]
) -> None:
    labels = {"labels": {"r1": 1}}
    with serve(ws, served, Access(admin_token=TOKEN, feedback_token=FEED)) as server:
        status, headers, body = call(server.port, "POST", "/v2/models/churn/feedback", labels)
        assert (status, headers["www-authenticate"]) == (401, "Bearer")
        assert body == {"error": "this endpoint needs the header 'Authorization: Bearer <token>'"}
        wrong = {"Authorization": "Bearer guess"}
        assert call(server.port, "POST", "/v2/models/churn/feedback", labels, wrong)[0] == 403
        status, _, body = call(server.port, "POST", "/v2/models/ghost/feedback", labels, FEEDER)
        assert status == 404
        assert body["error"] == "model 'ghost' is not served here (served: churn, shops)"
        # the feedback token sends labels and nothing else
        switch = {"version": 2}
        assert call(server.port, "POST", "/admin/models/churn/default", switch, FEEDER)[0] == 403
        assert call(server.port, "GET", "/admin/rollouts", None, FEEDER)[0] == 403
        for who in (FEEDER, ADMIN):
            status, _, body = call(server.port, "POST", "/v2/models/churn/feedback", labels, who)
            assert (status, body) == (200, {"model": "churn", "labels": 1})
        metrics = metrics_text(server.port)
        assert 'driftline_log_rows_total{log="feedback",state="accepted"} 2' in metrics
        assert 'driftline_log_rows_total{log="feedback",state="dropped"} 0' in metrics
    assert stored(ws, "churn") == ["r1", "r1"]
    assert stored(ws, "ghost") == []


def test_a_server_without_tokens_takes_no_feedback(
    ws: Workspace, served: list[ServedModel]
) -> None:
    with serve(ws, served, Access()) as server:
        status, _, body = call(server.port, "POST", "/v2/models/churn/feedback", {"labels": {}})
        assert status == 403
        assert body["error"] == "this server accepts no feedback: it was started without a token"
        # predictions stay open
        tensors = [
            {"name": name, "shape": [1], "datatype": "FP64", "data": [0.1]} for name in "abc"
        ]
        request = {"inputs": tensors}
        assert call(server.port, "POST", "/v2/models/churn/infer", request)[0] == 200
    assert stored(ws, "churn") == []


def test_feedback_is_bounded_per_request_and_per_minute(
    ws: Workspace, served: list[ServedModel]
) -> None:
    path = "/v2/models/churn/feedback"
    with serve(ws, served, Access(admin_token=TOKEN)) as server:
        six = {"labels": {f"r{i}": 1 for i in range(6)}}
        status, _, body = call(server.port, "POST", path, six, ADMIN)
        assert (status, body["error"]) == (
            413,
            "a feedback request takes at most 5 labels, got 6 request ids",
        )
        rows = {"labels": {"r0": [1, 0, 1], "r1": [0, 1, 1]}}  # two requests, six rows
        status, _, body = call(server.port, "POST", path, rows, ADMIN)
        assert (status, body["error"]) == (413, "a feedback request takes at most 5 labels, got 6")
        big = {"labels": {"r0": "x" * 3_000}}
        status, _, body = call(server.port, "POST", path, big, ADMIN)
        assert status == 413
        size = len(json.dumps(big))
        assert body["error"] == f"request body is {size} bytes, over the limit of 2000 bytes"
        five = {"labels": {f"a{i}": 1 for i in range(5)}}
        assert call(server.port, "POST", path, five, ADMIN)[0] == 200
        four = {"labels": {f"b{i}": 1 for i in range(4)}}
        status, headers, body = call(server.port, "POST", path, four, ADMIN)
        assert status == 429
        assert 1 <= int(headers["retry-after"]) <= 60
        assert body["error"].startswith("model 'churn' takes at most 8 labels a minute: wait ")
        # the bucket is per model
        assert call(server.port, "POST", "/v2/models/shops/feedback", four, ADMIN)[0] == 200
    assert stored(ws, "churn") == [f"a{i}" for i in range(5)]
    assert len(stored(ws, "shops")) == 4


def test_admin_reads_need_the_token_unless_public(ws: Workspace, served: list[ServedModel]) -> None:
    with serve(ws, served, Access(admin_token=TOKEN)) as server:
        assert call(server.port, "GET", "/admin/rollouts")[0] == 401
        # with the token, the read goes through (this observer runs no rollouts: 404)
        status, _, body = call(server.port, "GET", "/admin/rollouts", None, ADMIN)
        assert (status, body) == (404, {"error": "this server runs no rollouts (it serves no "
                                                 "workspace)"})  # fmt: skip
    with serve(ws, served, Access(admin_token=TOKEN, public_reads=True)) as server:
        assert call(server.port, "GET", "/admin/rollouts")[0] == 404
        assert call(server.port, "POST", "/admin/rollouts", {"model": "churn"})[0] == 401


def test_the_label_rate_refills_and_refuses_without_taking() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    rate = LabelRate(60, clock=clock)  # one label a second
    rate.take("m", 60)
    with pytest.raises(RequestError) as refused:
        rate.take("m", 5)
    assert (refused.value.status, refused.value.headers) == (429, {"Retry-After": "5"})
    clock.advance(4.0)
    with pytest.raises(RequestError):
        rate.take("m", 5)  # four back, five wanted: nothing taken
    clock.advance(1.0)
    rate.take("m", 5)
    clock.advance(3600.0)  # a full bucket, never more
    rate.take("m", 60)
    with pytest.raises(RequestError):
        rate.take("m", 1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_labels": 0}, "FeedbackLimits: max_labels must be an int >= 1, got 0"),
        ({"max_body_bytes": 1.5}, "FeedbackLimits: max_body_bytes must be an int >= 1, got 1.5"),
        ({"labels_per_minute": True}, "labels_per_minute must be an int >= 1, got True"),
        ({"max_labels": 10, "labels_per_minute": 5}, "max_labels (10) cannot exceed"),
    ],
)
def test_bad_limits_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        FeedbackLimits(**options)


def test_bad_access_is_refused() -> None:
    with pytest.raises(InputError, match="admin_token must be a non-empty string"):
        Access(admin_token=" ")
    with pytest.raises(InputError, match="the feedback token must differ"):
        Access(admin_token="same", feedback_token="same")
    with pytest.raises(InputError, match="give token or access, not both"):
        create_app([], token="t", access=Access(admin_token="t"))
