"""``driftline serve --ui`` and ``driftline ui --policy``, as real processes.

``serve --ui``: the dashboard mounted at /ui in the model server (one process); its links start
with /ui, reading needs nothing, and acting needs the server's admin token. ``ui --policy``: the
Retrain button queues the policy's retrain; a missing policy file stops it before it serves.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from driftline.workspace import Workspace
from tests.conftest import Run, wait_until_serving
from tests.monitor.window_stream import register

TOKEN = "admin-token"

POLICY = """
[model]
name = "churn"
dataset = "churn"
label = "label"
trainer = "sklearn:DecisionTreeClassifier"

[[trigger]]
kind = "metric"
below = 0.9
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        raw = None if body is None else json.dumps(body).encode()
        conn.request(method, path, raw, {"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        conn.close()


@pytest.mark.slow
def test_serve_ui_mounts_the_dashboard_whose_token_is_the_admin_token(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    with Workspace.init(folder) as ws:
        for seed in (0, 3):
            register(ws, tmp_path / "models", seed=seed, profile=False, reference=False)
        ws.registry.set_alias("churn", "champion", 1, by="bob", reason="the first one")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    env["DRIFTLINE_SERVE_TOKEN"] = TOKEN
    env["OMP_NUM_THREADS"] = "1"
    command = [
        sys.executable, "-m", "driftline", "serve", "--ui", "--no-log", "--port", str(port),
        "-w", str(folder),
    ]  # fmt: skip
    out, err = (tmp_path / "out.txt").open("w+"), (tmp_path / "err.txt").open("w+")
    with out, err:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        try:
            wait_until_serving(proc, port, Path(err.name), timeout=90.0)
            status, page = _call(port, "GET", "/ui/models/churn")
            assert status == 200, page
            assert 'href="/ui/models/churn/versions/2"' in page  # links under the mount
            assert 'href="/models/' not in page
            assert 'data-testid="action-promote"' not in page  # no token: read-only
            status, page = _call(
                port, "GET", "/ui/models/churn", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert 'data-testid="action-promote"' in page
            status, text = _call(port, "GET", "/ui/api/decisions")
            assert (status, json.loads(text)["decisions"]) == (200, [])
            promote = {"model": "churn", "version": 2, "reason": "v2 from the server's dashboard"}
            assert _call(port, "POST", "/ui/api/actions/promote", promote)[0] == 401
            wrong = {"Authorization": "Bearer wrong"}
            assert _call(port, "POST", "/ui/api/actions/promote", promote, wrong)[0] == 401
            right = {"Authorization": f"Bearer {TOKEN}", "X-Driftline-User": "hana"}
            status, text = _call(port, "POST", "/ui/api/actions/promote", promote, right)
            assert status == 200, text
            assert json.loads(text)["done"] == "churn v2 is the champion"
            status, text = _call(port, "GET", "/ui/api/openapi.json")
            assert status == 200
            assert "/api/decisions" in json.loads(text)["paths"]
            assert _call(port, "GET", "/ui/no/such/page")[0] == 404
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        out.seek(0)
        err.seek(0)
        printed, errors = out.read(), err.read()
    assert code == 0, errors
    assert f"dashboard on http://127.0.0.1:{port}/ui/" in printed
    assert "Traceback" not in errors
    with Workspace.open(folder) as ws:
        assert ws.registry.champion("churn").number == 2
        last = ws.registry.history("churn")[-1]
        assert (last.by, last.reason) == ("hana", "v2 from the server's dashboard")


@pytest.mark.slow
def test_ui_with_a_policy_queues_a_retrain_from_the_api(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    Workspace.init(folder).close()
    policy = tmp_path / "driftline.toml"
    policy.write_text(POLICY, encoding="utf-8")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    env["DRIFTLINE_UI_TOKEN"] = TOKEN
    command = [
        sys.executable, "-m", "driftline", "ui", "--port", str(port), "--policy", str(policy),
        "--user", "ops", "-w", str(folder),
    ]  # fmt: skip
    err = (tmp_path / "err.txt").open("w+")
    with err:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None, Path(err.name).read_text()
                try:
                    if _call(port, "GET", "/api/openapi.json")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "driftline ui did not become ready"
                time.sleep(0.05)
            ask = {"reason": "new labels arrived"}
            assert _call(port, "POST", "/api/actions/retrain", ask)[0] == 401
            right = {"Authorization": f"Bearer {TOKEN}"}
            status, text = _call(port, "POST", "/api/actions/retrain", ask, right)
            assert status == 200, text
            job = json.loads(text)["job"]["name"]
            status, text = _call(port, "GET", "/api/decisions?kind=trigger")
            [row] = json.loads(text)["decisions"]
            assert (row["what"], row["job"], row["reason"]) == ("manual", job, ask["reason"])
            assert row["evidence"] == {"by": "ops"}
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    with Workspace.open(folder) as ws:
        from driftline.controller.jobs import JobQueue

        [queued] = JobQueue(ws.metadata).jobs()
        assert (queued.name, queued.status.value) == (job, "pending")


def test_ui_with_a_missing_policy_file_says_so_before_serving(run: Run, tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws").close()
    got = run("ui", "--policy", str(tmp_path / "nope.toml"), "-w", str(tmp_path / "ws"))
    assert got.code != 0
    assert "nope.toml" in got.err
    assert "dashboard of" not in got.out
