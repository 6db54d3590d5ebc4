"""``driftline rollout start|status|abort``, and ``driftline serve`` as a real process."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.models.artifact import ModelType
from driftline.models.saving import save_model
from driftline.monitor import read_feedback, read_predictions
from driftline.registry import ModelRegistry
from driftline.rollout.engine import RolloutDecision, RolloutStatus
from driftline.rollout.store import RolloutStore
from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker, wait_until_serving

TOKEN = "cli-token"


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A logistic regression on two double columns, saved with its signature."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 2))
    model = LogisticRegression().fit(x, (x[:, 0] > x[:, 1]).astype(np.int64))
    folder = tmp_path_factory.mktemp("serve-cli") / "model"
    save_model(model, folder, sample=pa.table({"a": x[:, 0], "b": x[:, 1]}))
    return folder


@pytest.fixture
def folder(tmp_path: Path, model_folder: Path, new_workspace: WorkspaceMaker) -> Path:
    """A workspace: ``m`` has versions 1 and 2 (champion 1); ``solo`` has version 1, no champion."""
    with new_workspace(tmp_path / "ws") as ws:
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        for name, version in (("m", 1), ("m", 2), ("solo", 1)):
            with ws.artifacts.writer(ws.artifacts.new_key("model", f"{name}.tar.gz")) as out:
                props = ModelType.save(model_folder, out)
            model = ws.metadata.put_artifact(ws.new_artifact("model", out.result, properties=props))
            assert registry.register(name, model.id, by="ci").number == version
        registry.promote("m", 1, by="ci")
    return tmp_path / "ws"


def one_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


# ---- rollout start -------------------------------------------------------------------------


def test_start_records_a_pending_rollout(run: Any, folder: Path) -> None:
    res = run(
        "rollout", "start", "m:2", "--steps", "20,50,100", "--hold-requests", "150",
        "--min-labels", "100", "--reason", "weekly retrain", "-w", str(folder),
    )  # fmt: skip
    assert res.code == 0, res.err
    assert res.out.strip() == (
        "m#1: canary of m:2 against champion 1 is pending; the server serving the model starts it"
    )
    with Workspace.open(folder) as ws:
        [record] = RolloutStore(ws.metadata).all()
    assert (record.name, record.status, record.reason) == (
        "m#1",
        RolloutStatus.PENDING,
        "weekly retrain",
    )
    assert (record.spec.champion, record.spec.candidate, record.spec.steps) == (
        1,
        2,
        (20.0, 50.0, 100.0),
    )
    assert (record.spec.hold_requests, record.spec.min_labels) == (150, 100)


def test_start_as_json_with_a_plan_and_a_hold_time(run: Any, folder: Path) -> None:
    res = run(
        "rollout", "start", "m:2", "--plan", "blue-green", "--hold-minutes", "2",
        "--tolerance", "0.01", "--max-failed-checks", "2", "--json", "-w", str(folder),
    )  # fmt: skip
    assert res.code == 0, res.err
    shown = json.loads(res.out)
    assert {k: shown[k] for k in ("name", "plan", "steps", "hold_seconds", "status")} == {
        "name": "m#1",
        "plan": "blue-green",
        "steps": [100.0],
        "hold_seconds": 120.0,
        "status": "pending",
    }
    assert (shown["tolerance"], shown["max_failed_checks"]) == (0.01, 2)
    assert (shown["champion"], shown["candidate"], shown["started_at"]) == (1, 2, None)


def test_a_second_rollout_while_one_is_pending_is_a_conflict(run: Any, folder: Path) -> None:
    assert run("rollout", "start", "m:2", "-w", str(folder)).code == 0
    res = run("rollout", "start", "m:2", "--plan", "shadow", "-w", str(folder))
    assert res.code == 1  # a ConflictError: the work cannot be done now
    assert one_error(res.err) == (
        "error: model 'm' has a rollout in progress already: m#1 (pending); "
        "abort it first with `driftline rollout abort`"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fraud:2",), "error: no registered model named 'fraud'; registered models: m, solo"),
        (("m:9",), "error: model 'm' has no version 9; its versions are 1, 2"),
        (("solo:1",), "error: model 'solo' has no champion to roll out against: promote one"),
        (("m:1",), "error: version 1 of 'm' is already the champion"),
        (("m:2", "--steps", "5,50"), "error: a canary's last step must be 100 %"),
        (("m:2", "--steps", "50,5,100"), "error: steps must be increasing percentages"),
    ],
)
def test_start_errors_are_one_line_and_exit_2(
    run: Any, folder: Path, args: tuple[str, ...], message: str
) -> None:
    res = run("rollout", "start", *args, "-w", str(folder))
    assert res.code == 2, res.err
    assert one_error(res.err).startswith(message)
    with Workspace.open(folder) as ws:
        assert RolloutStore(ws.metadata).all() == []


def test_start_usage_errors_exit_2(run: Any, folder: Path) -> None:
    res = run("rollout", "start", "m:2", "--steps", "five", "-w", str(folder))
    assert res.code == 2
    assert "--steps must be numbers like 5,25,100, got 'five'" in res.err
    res = run("rollout", "start", "m:2", "--plan", "linear", "-w", str(folder))
    assert res.code == 2
    assert "'linear' is not one of 'canary', 'blue-green', 'shadow'" in res.err
    res = run("rollout", "start", "m:0", "-w", str(folder))
    assert res.code == 2
    assert "version" in res.err.lower()
    res = run("rollout", "start", "m", "-w", str(folder))
    assert res.code == 2
    assert "'m' names no version; `rollout start` takes MODEL:VERSION" in res.err


# ---- rollout status and abort --------------------------------------------------------------


def test_status_shows_rollouts_and_their_decisions(run: Any, folder: Path) -> None:
    res = run("rollout", "status", "-w", str(folder))
    assert (res.code, res.out.strip()) == (0, "no rollouts")
    assert run("rollout", "start", "m:2", "--reason", "try", "-w", str(folder)).code == 0
    with Workspace.open(folder) as ws:
        store = RolloutStore(ws.metadata)
        record = store.record(
            store.get("m#1"), RolloutDecision("start", "try"), status=RolloutStatus.RUNNING, step=0,
            percent=5.0,
        )  # fmt: skip
        store.record(
            record,
            RolloutDecision("advance", "live accuracy 0.9000 vs champion 0.8000", {"step": 0}),
            status=RolloutStatus.RUNNING,
            step=1,
            percent=25.0,
        )
    res = run("rollout", "status", "m", "-w", str(folder))
    assert res.code == 0, res.err
    for fragment in ("m#1", "canary", "running", "25%", "advance: live accuracy 0.9000"):
        assert fragment in res.out
    res = run("rollout", "status", "--json", "-w", str(folder))
    assert res.code == 0, res.err
    [shown] = json.loads(res.out)
    assert (shown["name"], shown["status"], shown["step"], shown["percent"]) == (
        "m#1",
        "running",
        1,
        25.0,
    )
    assert [d["action"] for d in shown["decisions"]] == ["request", "start", "advance"]
    assert shown["decisions"][2]["evidence"] == {"step": 0}
    res = run("rollout", "status", "solo", "--json", "-w", str(folder))
    assert (res.code, json.loads(res.out)) == (0, [])


def test_abort_a_pending_rollout(run: Any, folder: Path) -> None:
    assert run("rollout", "start", "m:2", "-w", str(folder)).code == 0
    res = run("rollout", "abort", "m", "--reason", "wrong version", "-w", str(folder))
    assert (res.code, res.out.strip()) == (0, "m#1: aborted")
    [shown] = json.loads(run("rollout", "status", "--json", "-w", str(folder)).out)
    assert shown["status"] == "aborted"
    assert shown["decisions"][-1]["reason"] == "wrong version"
    res = run("rollout", "abort", "m", "-w", str(folder))
    assert res.code == 2
    assert one_error(res.err) == "error: model 'm' has no rollout in progress"
    assert run("rollout", "start", "m:2", "-w", str(folder)).out.startswith("m#2: ")


def test_abort_a_running_rollout_asks_its_server(run: Any, folder: Path) -> None:
    assert run("rollout", "start", "m:2", "-w", str(folder)).code == 0
    with Workspace.open(folder) as ws:
        store = RolloutStore(ws.metadata)
        store.record(
            store.get("m#1"),
            RolloutDecision("start"),
            status=RolloutStatus.RUNNING,
            step=0,
            percent=5,
        )
    res = run("rollout", "abort", "m", "-w", str(folder))
    assert res.code == 0, res.err
    assert res.out.strip() == "m#1: running (the server stops it within a second)"
    [shown] = json.loads(run("rollout", "status", "--json", "-w", str(folder)).out)
    assert (shown["status"], shown["abort_requested"]) == ("running", True)


# ---- driftline serve -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        raw = None if body is None else json.dumps(body).encode()
        conn.request(method, path, raw, {"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        content = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content
    finally:
        conn.close()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_answers_and_stops_cleanly_on_a_signal(
    folder: Path, stop: signal.Signals, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    env["DRIFTLINE_SERVE_TOKEN"] = TOKEN
    env["DRIFTLINE_FEEDBACK_TOKEN"] = "labels-only"
    command = [sys.executable, "-m", "driftline", "serve", "--port", str(port), "-w", str(folder)]
    out, err = (tmp_path / "out.txt").open("w+"), (tmp_path / "err.txt").open("w+")
    with out, err:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        try:
            wait_until_serving(proc, port, Path(err.name))
            request = {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64",
                                   "data": [[0.5, -0.5]]}]}  # fmt: skip
            status, headers, body = call(port, "POST", "/v2/models/m/infer", request)
            assert status == 200, body
            answer = json.loads(body)
            assert (answer["model_version"], answer["outputs"][0]["data"]) == ("1", [1])
            request_id = headers["x-request-id"]
            # the mutating endpoints take the token from DRIFTLINE_SERVE_TOKEN
            switch = {"version": 1}
            assert call(port, "POST", "/admin/models/m/default", switch)[0] == 401
            wrong = {"Authorization": "Bearer wrong"}
            assert call(port, "POST", "/admin/models/m/default", switch, wrong)[0] == 403
            right = {"Authorization": f"Bearer {TOKEN}"}
            assert call(port, "POST", "/admin/models/m/default", switch, right)[0] == 200
            assert call(port, "POST", "/admin/rollouts", {"model": "m", "version": 2})[0] == 401
            assert call(port, "GET", "/admin/rollouts")[0] == 401
            assert call(port, "GET", "/admin/rollouts", None, right)[0] == 200
            # feedback: a write like any other, for served models only
            labels = {"labels": {request_id: 1}}
            assert call(port, "POST", "/v2/models/m/feedback", labels)[0] == 401
            assert call(port, "POST", "/v2/models/m/feedback", labels, wrong)[0] == 403
            feeder = {"Authorization": "Bearer labels-only"}
            assert call(port, "POST", "/v2/models/ghost/feedback", labels, feeder)[0] == 404
            assert call(port, "POST", "/admin/models/m/default", switch, feeder)[0] == 403
            status, _, body = call(port, "POST", "/v2/models/m/feedback", labels, feeder)
            assert (status, json.loads(body)) == (200, {"model": "m", "labels": 1})
            proc.send_signal(stop)
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        out.seek(0)
        err.seek(0)
        printed, errors = out.read(), err.read()
    assert code == 0, errors
    assert printed.strip() == (
        f"serving m:1, solo:1 on http://127.0.0.1:{port} (admin token: set, feedback token: set)"
    )
    assert "Traceback" not in errors
    with Workspace.open(folder) as ws:
        logged = read_predictions(ws.metadata, ws.artifacts, "m")
    assert logged["request_id"].to_pylist() == [request_id]
    assert logged["version"].to_pylist() == ["1"]
    with Workspace.open(folder) as ws:
        assert read_feedback(ws.metadata, ws.artifacts, "m")["label"].to_pylist() == [1]
        assert read_feedback(ws.metadata, ws.artifacts, "ghost").num_rows == 0
