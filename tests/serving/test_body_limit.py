"""A body over the limit is answered with a 413 that a client writing its whole body can read."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from driftline.serving import ServedModel, create_app
from driftline.serving.http import DRAIN_FACTOR

from .conftest import LiveServer

SIXTY_MB = 60 * 10**6


@pytest.fixture
def default_live(served: list[ServedModel]) -> Iterator[LiveServer]:
    """A server with the default body limit (10 MiB)."""
    with LiveServer(create_app(served, freeze_gc=False)) as server:
        yield server


def _post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, Any]:
    """POST with urllib, which writes the whole body before it reads the answer."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_urllib_writing_60_mb_reads_the_413_and_the_server_keeps_serving(
    default_live: LiveServer,
) -> None:
    assert SIXTY_MB < DRAIN_FACTOR * 10 * 2**20
    body = b"[" + b"0," * (SIXTY_MB // 2 - 1) + b"0]"
    for path in ("/v2/models/churn/infer", "/invocations"):
        status, answer = _post(default_live.url + path, body)
        assert (status, answer["error"]) == (
            413,
            f"request body is {len(body)} bytes, over the limit of 10485760 bytes",
        )
    good = {"inputs": [{"name": n, "shape": [1], "datatype": "FP64", "data": [0.5]} for n in "abc"]}
    status, answer = _post(default_live.url + "/v2/models/churn/infer", json.dumps(good).encode())
    assert status == 200
    assert answer["outputs"][0]["shape"] == [1]


def test_a_chunked_body_over_the_limit_is_read_to_its_end_then_refused(
    default_live: LiveServer,
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(300):  # 19.7 MB, past the limit, within the bound
            yield b"0" * 65536

    request = urllib.request.Request(
        default_live.url + "/invocations",
        data=chunks(),
        method="POST",
        headers={"Content-Type": "text/csv", "Transfer-Encoding": "chunked"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 413
    assert json.loads(refused.value.read())["error"] == (
        "request body is over the limit of 10485760 bytes"
    )
