"""``driftline serve`` killed with SIGKILL under load, several times, then restarted.

A prediction or a label is *acknowledged* when the server answered it 200 (docs/reliability.md,
"Acknowledged"). With ``--durability durable`` every acknowledged prediction and label must be in
the logs after the restarts, exactly once: each server replays the journal of the one killed
before it. The buffered default acknowledges from memory; the test measures what it loses.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from driftline.models.artifact import ModelType
from driftline.models.saving import save_model
from driftline.monitor import read_feedback, read_predictions
from driftline.registry import ModelRegistry
from driftline.store.queries import ArtifactQuery
from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker
from tests.reliability.trials import Trial

TOKEN = "durable-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


@pytest.fixture
def folder(tmp_path: Path, new_workspace: WorkspaceMaker) -> Path:
    """A workspace with model ``m`` (version 1, the champion) on columns ``a`` and ``b``."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 2))
    model = LogisticRegression().fit(x, (x[:, 0] > x[:, 1]).astype(np.int64))
    save_model(model, tmp_path / "model", sample=pa.table({"a": x[:, 0], "b": x[:, 1]}))
    with new_workspace(tmp_path / "ws") as ws:
        with ws.artifacts.writer(ws.artifacts.new_key("model", "m.tar.gz")) as out:
            props = ModelType.save(tmp_path / "model", out)
        model_artifact = ws.metadata.put_artifact(
            ws.new_artifact("model", out.result, properties=props)
        )
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        registry.register("m", model_artifact.id, by="ci")
        registry.promote("m", 1, by="ci")
    return tmp_path / "ws"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``driftline serve --durability ...`` as a child process on 127.0.0.1."""

    def __init__(self, folder: Path, logs: Path, durability: str) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
        env["DRIFTLINE_SERVE_TOKEN"] = TOKEN
        command = [
            sys.executable, "-m", "driftline", "serve", "--port", str(self.port),
            "-w", str(folder), "--durability", durability,
        ]  # fmt: skip
        self.err = logs.with_suffix(".err")
        with self.err.open("wb") as err:
            self.proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 90
        while not self.ready():
            assert self.proc.poll() is None, self.err.read_text()
            assert time.monotonic() < deadline, "driftline serve did not become ready"
            time.sleep(0.05)

    def ready(self) -> bool:
        try:
            return self.call("GET", "/v2/health/ready")[0] == 200
        except OSError:
            return False

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            raw = None if body is None else json.dumps(body).encode()
            conn.request(method, path, raw, AUTH)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


class Load:
    """Threads sending 1-row predictions and batches of labels; each records what got a 200."""

    def __init__(self, port: int, predictors: int, prefix: str = "") -> None:
        self.port = port
        self.prefix = prefix  # of request ids: ``{prefix}p{thread}-{i}``
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.predicted: list[str] = []  # request ids answered 200
        self.labelled: dict[str, int] = {}  # labels answered 200
        self.refused: list[int] = []  # other statuses (none expected)
        self.threads = [
            threading.Thread(target=self.predict, args=(t,)) for t in range(predictors)
        ] + [threading.Thread(target=self.label)]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def predict(self, t: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.predict_on(t, conn)
        finally:
            conn.close()

    def predict_on(self, t: int, conn: http.client.HTTPConnection) -> None:
        rng = np.random.default_rng(t)
        i = 0
        while not self.stop.is_set():
            request_id = f"{self.prefix}p{t}-{i}"
            i += 1
            a, b = rng.normal(size=2).tolist()
            body = {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [a, b]}]}
            try:
                conn.request(
                    "POST",
                    "/v2/models/m/infer",
                    json.dumps(body).encode(),
                    {"Content-Type": "application/json", "x-request-id": request_id},
                )
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                return  # the server is gone
            with self.lock:
                if response.status == 200:
                    self.predicted.append(request_id)
                else:
                    self.refused.append(response.status)

    def unlabelled(self, count: int, threads: tuple[str, ...]) -> list[str]:
        """Up to ``count`` acknowledged request ids of predictor ``threads`` not labelled yet."""
        threads = tuple(self.prefix + thread for thread in threads)
        with self.lock:
            ids = [r for r in self.predicted if r.startswith(threads) and r not in self.labelled]
            ids = ids[:count]
            for request_id in ids:
                self.labelled[request_id] = -1  # sent, not yet acknowledged
        return ids

    def send_labels(self, ids: list[str], conn: http.client.HTTPConnection) -> int:
        labels = {
            request_id: int(request_id.endswith(("1", "3", "5", "7", "9"))) for request_id in ids
        }
        conn.request("POST", "/v2/models/m/feedback", json.dumps({"labels": labels}).encode(), AUTH)
        response = conn.getresponse()
        response.read()
        with self.lock:
            if response.status == 200:
                self.labelled.update(labels)
            else:
                self.refused.append(response.status)
        return response.status

    def label(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.label_on(conn)
        finally:
            conn.close()

    def label_on(self, conn: http.client.HTTPConnection) -> None:
        while not self.stop.is_set():
            ids = self.unlabelled(50, ("p0-", "p1-", "p2-"))
            if len(ids) < 50:
                with self.lock:
                    for request_id in ids:
                        del self.labelled[request_id]
                time.sleep(0.01)  # wait for more acknowledged predictions
                continue
            try:
                self.send_labels(ids, conn)
            except (OSError, http.client.HTTPException):
                return

    def wait_for(self, predictions: int, seconds: float = 120.0) -> None:
        deadline = time.monotonic() + seconds
        while True:
            with self.lock:
                if len(self.predicted) >= predictions:
                    return
                assert not self.refused, self.refused
            assert time.monotonic() < deadline, f"fewer than {predictions} predictions answered"
            time.sleep(0.01)


def kill_under_load(
    folder: Path, tmp_path: Path, servers: list[Server], durability: str, then: int, prefix: str
) -> tuple[Server, set[str], dict[str, int]]:
    """Serve, load, send 100 labels, kill the server with SIGKILL once ``then`` more predictions
    were answered; what was acknowledged (request ids start with ``prefix``)."""
    first = Server(folder, tmp_path / f"server-{len(servers)}", durability)
    servers.append(first)
    with Load(first.port, predictors=6, prefix=prefix) as load:
        load.wait_for(300)
        ids = load.unlabelled(100, ("p3-", "p4-", "p5-"))
        assert len(ids) == 100
        conn = http.client.HTTPConnection("127.0.0.1", first.port, timeout=30)
        try:
            assert load.send_labels(ids, conn) == 200  # 100 labels acknowledged...
        finally:
            conn.close()
        load.wait_for(len(load.predicted) + then)  # ...more predictions meanwhile...
        first.proc.send_signal(signal.SIGKILL)  # ...and the server dies mid-load
        assert first.proc.wait(30) == -signal.SIGKILL
    assert load.refused == []
    assert len(load.predicted) >= 300 + then
    labels = {r: v for r, v in load.labelled.items() if v >= 0}
    assert set(ids) <= set(labels)
    return first, set(load.predicted), labels


KILLS = 2  # two in a row: the second server replays the first one's journal, then dies itself


def test_sigkill_under_load_loses_no_acknowledged_prediction_or_label(
    trial: Trial, folder: Path, tmp_path: Path, servers: list[Server]
) -> None:
    trial.tries(
        f"SIGKILL `driftline serve --durability durable` under load, {KILLS} times in a row "
        "(each server replays the journal of the one before)"
    )
    rng = random.Random(11)
    journal = folder / "journal"
    acked: set[str] = set()
    labels: dict[str, int] = {}
    for round_ in range(KILLS):
        with trial.attempt():
            then = rng.randint(0, 200)  # predictions answered after the labels, before the kill
            _, more, more_labels = kill_under_load(
                folder, tmp_path, servers, "durable", then=then, prefix=f"r{round_}"
            )
            assert list(journal.glob("*.dlj"))  # the dead server's journal is there
            acked |= more
            labels.update(more_labels)
    dead = tuple(f"{s.proc.pid}-" for s in servers)

    last = Server(folder, tmp_path / "last", "durable")  # replays the journal as it starts
    servers.append(last)
    last.proc.send_signal(signal.SIGTERM)
    assert last.proc.wait(60) == 0, last.err.read_text()

    with Workspace.open(folder) as ws:
        logged = read_predictions(ws.metadata, ws.artifacts, "m")
        feedback = read_feedback(ws.metadata, ws.artifacts, "m")
        segments = ws.metadata.artifacts(ArtifactQuery(kind="predictions"))
    logged_ids = logged["request_id"].to_pylist()
    missing = sorted(acked - set(logged_ids))  # acknowledged predictions not in the log
    assert len(logged_ids) == len(set(logged_ids))  # none twice
    assert set(logged["version"].to_pylist()) == {"1"}
    pairs = pc.binary_join_element_wise(
        feedback["request_id"], pc.cast(feedback["row"], pa.string()), "#"
    )
    assert pc.count_distinct(pairs).as_py() == feedback.num_rows  # no label twice
    stored = dict(
        zip(feedback["request_id"].to_pylist(), feedback["label"].to_pylist(), strict=True)
    )
    wrong = {r: v for r, v in labels.items() if stored.get(r) != v}  # acknowledged labels lost
    trial.lost(len(missing) + len(wrong))
    assert missing == []
    assert wrong == {}
    # what each dead server had not written came back through its journal, when the next started
    replayed = [
        (int(records), kind, int(rows))
        for server in servers[1:]
        for records, kind, rows in re.findall(
            r"replayed (\d+) (predictions|feedback) records \((\d+) rows\)", server.err.read_text()
        )
    ]
    assert {kind for _, kind, _ in replayed} >= {"predictions"}
    from_dead = [
        s for s in segments if any(j.startswith(dead) for j in s.properties.get("journal", {}))
    ]
    assert sum(s.properties["rows"] for s in from_dead) == logged.num_rows
    assert not list(journal.iterdir())  # replayed, written, deleted; lock files too
    rows = {
        kind: sum(r for _, k, r in replayed if k == kind) for kind in ("predictions", "feedback")
    }
    trial.found(
        f"{len(acked)} predictions and {len(labels)} labels acknowledged, all in the logs once; "
        f"{rows['predictions']} prediction rows and {rows['feedback']} label rows came back "
        "from the journals"
    )


def test_buffered_mode_loses_what_was_queued_when_killed(
    trial: Trial, folder: Path, tmp_path: Path, servers: list[Server]
) -> None:
    """What the durable mode is for: the buffered default acknowledges from memory."""
    trial.tries("SIGKILL `driftline serve` (buffered, the default) under load")
    with trial.attempt():
        # killed right after the labels' 200, so that no timed flush (every 5 s) comes between
        _, acked, acked_labels = kill_under_load(
            folder, tmp_path, servers, "buffered", then=0, prefix="r0"
        )
        labels = set(acked_labels)
    with Workspace.open(folder) as ws:
        logged = set(read_predictions(ws.metadata, ws.artifacts, "m")["request_id"].to_pylist())
        stored = set(read_feedback(ws.metadata, ws.artifacts, "m")["request_id"].to_pylist())
    lost, lost_labels = len(acked - logged), len(labels - stored)
    assert lost > 0  # at least the last moment's predictions were only queued
    assert lost_labels > 0
    assert not (folder / "journal").exists()
    trial.found(
        f"buffered mode (acknowledged from memory) lost {lost} of {len(acked)} acknowledged "
        f"predictions and {lost_labels} of {len(labels)} labels; durable mode "
        "loses none"
    )
