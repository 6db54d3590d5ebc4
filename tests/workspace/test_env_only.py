"""A container's way: a workspace defined by environment variables alone (PostgreSQL + S3).

``driftline init``, ``ingest``, ``run`` and ``serve`` run as processes in an empty folder, HOME
elsewhere, configured only by DRIFTLINE_METADATA_URL, DRIFTLINE_ARTIFACTS_URL and the standard
AWS variables; no ``driftline.toml`` or ``.driftline`` may appear anywhere in the folder.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import wait_until_serving

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.slow]

PIPELINE = """
from driftline.components.standard import standard_pipeline

pipeline = standard_pipeline("train")
"""


def _env(tmp_path: Path, metadata_url: str, artifacts_url: str, s3_server: Any) -> dict[str, str]:
    from driftline.testing.s3 import ACCESS_KEY, REGION, SECRET_KEY

    home = tmp_path / "home"
    home.mkdir()
    python = {k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ}  # where driftline is
    return {
        **python,
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "DRIFTLINE_METADATA_URL": metadata_url,
        "DRIFTLINE_ARTIFACTS_URL": artifacts_url,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": s3_server.endpoint_url,
    }


def _driftline(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftline", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(port: int, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        raw = None if body is None else json.dumps(body).encode()
        conn.request(method, path, raw, {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _data(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 2))
    table = pa.table({"a": x[:, 0], "b": x[:, 1], "y": (x[:, 0] > x[:, 1]).astype(np.int64)})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _leftovers(folder: Path) -> list[str]:
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.name in {"driftline.toml", ".driftline"}
    )


def test_init_ingest_run_and_serve_configured_by_the_environment(
    postgres_url: str, s3_server: Any, s3_url: str, tmp_path: Path
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "train.py").write_text(PIPELINE, encoding="utf-8")
    env = _env(tmp_path, postgres_url, f"{s3_url}/driftline", s3_server)
    bucket = s3_url.removeprefix("s3://")
    s3_server.client().put_object(Bucket=bucket, Key="incoming/day1.parquet", Body=_data(1))

    before = _driftline(app, env, "status")  # the database holds no workspace yet
    assert before.returncode == 2, before.stderr
    assert "driftline init" in before.stderr
    assert "DRIFTLINE_INIT=1" in before.stderr

    made = _driftline(app, env, "init")
    assert made.returncode == 0, made.stderr
    assert "no file written" in made.stdout
    again = _driftline(app, env, "init")
    assert again.returncode != 0
    assert "already holds a driftline workspace" in again.stderr

    source = f"{s3_url}/incoming/day1.parquet"
    ingested = _driftline(app, env, "ingest", "ds", source, "--label", "y")
    assert ingested.returncode == 0, ingested.stderr
    trained = _driftline(
        app, env, "run", "train.py", "--param", "dataset=ds", "--param", "model_name=m"
    )
    assert trained.returncode == 0, trained.stdout + trained.stderr
    status = json.loads(_driftline(app, env, "status", "--store", "--json").stdout)
    assert status["metadata_url"].startswith("postgresql")

    port = _free_port()
    out, err = (tmp_path / "out.txt").open("w+"), (tmp_path / "err.txt").open("w+")
    with out, err:
        command = [sys.executable, "-m", "driftline", "serve", "--port", str(port)]
        proc = subprocess.Popen(command, cwd=app, env=env, stdout=out, stderr=err)
        try:
            wait_until_serving(proc, port, Path(err.name))
            request = {"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64",
                                   "data": [[2.0, -2.0], [-2.0, 2.0]]}]}  # fmt: skip
            code, body = _call(port, "POST", "/v2/models/m/infer", request)
            assert code == 200, body
            answer = json.loads(body)
            assert answer["model_version"] == "1"
            assert answer["outputs"][0]["data"] == [1, 0]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert _leftovers(app) == []
    assert {p.name for p in app.iterdir()} <= {"train.py", "__pycache__"}
