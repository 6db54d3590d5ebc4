"""Rollouts on a real server (uvicorn on 127.0.0.1) under load, with feedback after each answer.

Model ``m`` of a workspace has three registered versions trained on the same synthetic problem:
v1 (the champion) a one-split tree, v2 a constant (the most frequent class: worse), v3 a
logistic regression (better). Client threads send one-row
requests drawn from a held-out labelled set and post the true label of each answer at once.
"""

from __future__ import annotations

import http.client
import itertools
import json
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.models.artifact import ModelType
from driftline.models.saving import save_model
from driftline.monitor import read_feedback, read_predictions
from driftline.registry import ModelRegistry
from driftline.rollout.engine import RolloutSpec, RolloutStatus
from driftline.rollout.store import RolloutRecord, RolloutStore
from driftline.serving.workspace_app import build_app
from driftline.workspace import Workspace

pytestmark = pytest.mark.usefixtures("three_versions")

TOKEN = "rollout-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
COLUMNS = ("a", "b", "c", "d")
DEADLINE_S = 30.0


# ---- data, models, workspace -----------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    train_x: np.ndarray
    train_y: np.ndarray
    rows: list[list[float]]  # the held-out rows requests are drawn from
    labels: list[int]


@pytest.fixture(scope="module")
def data() -> Data:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6000, 4))
    noise = 0.3 * rng.normal(size=6000)
    y = (x[:, 0] + 0.8 * x[:, 1] - 0.6 * x[:, 2] + 0.3 * x[:, 3] + noise > 0).astype(np.int64)
    held = rng.permutation(np.arange(2000, 6000))
    return Data(x[:2000], y[:2000], x[held].tolist(), y[held].tolist())


@pytest.fixture(scope="module")
def model_folders(data: Data, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Saved models (with their signature): v1 medium, v2 worse, v3 better."""
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    fitted = {
        1: DecisionTreeClassifier(max_depth=1, random_state=0).fit(data.train_x, data.train_y),
        2: DummyClassifier(strategy="most_frequent").fit(data.train_x, data.train_y),
        3: LogisticRegression().fit(data.train_x, data.train_y),
    }
    held = np.array(data.rows)
    accuracy = {v: float((m.predict(held) == data.labels).mean()) for v, m in fitted.items()}
    assert accuracy[2] + 0.2 < accuracy[1] < accuracy[3] - 0.15, accuracy
    sample = pa.table({name: data.train_x[:50, i] for i, name in enumerate(COLUMNS)})
    root = tmp_path_factory.mktemp("rollout-models")
    folders = {}
    for version, model in fitted.items():
        folders[version] = root / f"v{version}"
        save_model(model, folders[version], sample=sample)
    return folders


@pytest.fixture
def three_versions(ws: Workspace, model_folders: dict[int, Path]) -> None:
    """Model ``m`` of ``ws`` gets versions 1, 2, 3; version 1 is the champion."""
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    for version, folder in sorted(model_folders.items()):
        key = ws.artifacts.new_key("model", f"m-v{version}.tar.gz")
        with ws.artifacts.writer(key) as out:
            props = ModelType.save(folder, out)
        model = ws.metadata.put_artifact(ws.new_artifact("model", out.result, properties=props))
        assert registry.register("m", model.id, by="ci").number == version
    registry.promote("m", 1, by="ci", reason="first")


# ---- a real server and its clients -----------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE_S)

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        sent = {"Content-Type": "application/json", **(headers or {})}
        raw = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        self.conn.request(method, path, body=raw, headers=sent)
        response = self.conn.getresponse()
        content = response.read()
        answer = {k.lower(): v for k, v in response.getheaders()}
        kind = answer.get("content-type", "")
        return response.status, answer, json.loads(content) if "json" in kind else content

    def close(self) -> None:
        self.conn.close()


class Server:
    """``build_app`` served by uvicorn on a free port of 127.0.0.1, in a thread."""

    def __init__(self, ws: Workspace, **options: Any) -> None:
        import uvicorn

        self.app = build_app(
            ws.metadata, ws.artifacts, token=TOKEN, freeze_gc=False, poll_seconds=0.05, **options
        )
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(self.app, ws="none", log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> Server:
        # The clients share this interpreter with the server: switch threads more often than
        # every 5 ms, so that they do not keep the server's event loop waiting.
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)
        self.thread.start()
        wait_until(self._ready, "the server to be ready")
        return self

    def _ready(self) -> bool:
        if not self.thread.is_alive():
            raise RuntimeError("uvicorn stopped while starting")
        client = Client(self.port)
        try:
            return client.call("GET", "/v2/health/ready")[0] == 200
        except OSError:
            return False
        finally:
            client.close()

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=DEADLINE_S)
        self.sock.close()
        sys.setswitchinterval(self._switch)
        assert not self.thread.is_alive(), "uvicorn did not stop"

    def get(self, path: str) -> Any:
        client = Client(self.port)
        try:
            status, _, body = client.call("GET", path, headers=AUTH)
        finally:
            client.close()
        assert status == 200, body
        return body

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        client = Client(self.port)
        try:
            status, _, answer = client.call("POST", path, body, headers)
        finally:
            client.close()
        return status, answer

    def default_version(self) -> str:
        return str(self.get("/v2/models/m")["parameters"]["default_version"])

    def predictions_by_version(self) -> dict[str, int]:
        text = self.get("/metrics").decode()
        counts = {}
        for line in text.splitlines():
            if line.startswith('driftline_predictions_total{model="m"'):
                version = line.split('version="')[1].split('"')[0]
                counts[version] = int(float(line.rsplit(" ", 1)[1]))
        return counts


def wait_until(check: Callable[[], bool], what: str, timeout: float = DEADLINE_S) -> None:
    """Poll ``check`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def oip(row: list[float]) -> dict[str, Any]:
    return {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP64", "data": [row]}]}


@dataclass
class Load:
    """Client threads sending ``total`` requests, each followed by its label's feedback."""

    server: Server
    data: Data
    total: int
    threads: int = 4
    invocations_every: int = 0  # every Nth request goes to /invocations (0: none)
    offset: int = 0  # where in the held-out rows to start
    versions: list[str] = field(default_factory=list)  # OIP answers, in completion order
    request_ids: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    answered: int = 0
    labelled: int = 0

    def __post_init__(self) -> None:
        self._next = itertools.count()
        self._progress = threading.Condition()
        self._workers = [threading.Thread(target=self._send) for _ in range(self.threads)]

    def start(self) -> Load:
        for worker in self._workers:
            worker.start()
        return self

    def join(self) -> Load:
        for worker in self._workers:
            worker.join(timeout=120)
            assert not worker.is_alive()
        return self

    def run(self) -> Load:
        return self.start().join()

    def wait_for(self, answered: int) -> None:
        with self._progress:
            done = self._progress.wait_for(
                lambda: self.answered >= answered or bool(self.failures), timeout=DEADLINE_S
            )
        assert done, f"{self.answered} answered"
        assert not self.failures, self.failures[:3]

    def _send(self) -> None:
        client = Client(self.server.port)
        try:
            while (i := next(self._next)) < self.total:
                if not self._one(client, i):
                    return
        except Exception as exc:  # reported by the test
            with self._progress:
                self.failures.append(f"request failed: {exc!r}")
                self._progress.notify_all()
        finally:
            client.close()

    def _one(self, client: Client, i: int) -> bool:
        k = (self.offset + i) % len(self.data.rows)
        row, label = self.data.rows[k], self.data.labels[k]
        if self.invocations_every and i % self.invocations_every == self.invocations_every - 1:
            status, headers, body = client.call("POST", "/invocations", {"inputs": [row]})
            version = None
        else:
            status, headers, body = client.call("POST", "/v2/models/m/infer", oip(row))
            version = body.get("model_version") if isinstance(body, dict) else None
        if status != 200:
            with self._progress:
                self.failures.append(f"request {i}: {status} {body!r}")
                self._progress.notify_all()
            return False
        request_id = headers["x-request-id"]
        with self._progress:
            self.answered += 1
            self.request_ids.append(request_id)
            if version is not None:
                self.versions.append(str(version))
            self._progress.notify_all()
        status, _, body = client.call(
            "POST", "/v2/models/m/feedback", {"labels": {request_id: label}}, AUTH
        )
        with self._progress:
            if status != 200 or body != {"model": "m", "labels": 1}:
                self.failures.append(f"feedback {i}: {status} {body!r}")
                self._progress.notify_all()
                return False
            self.labelled += 1
        return True


def finished(store: RolloutStore, name: str) -> RolloutRecord:
    """The rollout once its end is recorded (decisions are recorded in the background)."""
    wait_until(lambda: store.get(name).status.final, f"rollout {name} to end")
    return store.get(name)


def actions(store: RolloutStore, name: str) -> list[str]:
    return [d["action"] for d in store.decisions(name)]


def one_switch(versions: list[str], old: str, new: str, slack: int) -> tuple[int, int]:
    """Where ``new`` took over from ``old``, allowing ``slack`` requests in flight at the swap."""
    first = versions.index(new)
    assert set(versions[: max(0, first - slack)]) <= {old}
    assert set(versions[first + slack :]) <= {new}, Counter(versions[first + slack :])
    return first, len(versions) - first


def switch_back(versions: list[str], old: str, new: str, slack: int) -> tuple[int, int, int]:
    """Runs of ``old``, then ``new``, then ``old`` again (give or take requests in flight)."""
    first = versions.index(new)
    last = len(versions) - 1 - versions[::-1].index(new)
    assert set(versions[: max(0, first - slack)]) <= {old}
    assert set(versions[first + slack : last - slack + 1]) <= {new}
    assert set(versions[last + slack + 1 :]) <= {old}
    return first, last - first + 1, len(versions) - last - 1


# ---- canary: the worse one is rolled back, the better one promoted ---------------------------


def test_canaries_under_load_roll_back_the_worse_and_promote_the_better(
    ws: Workspace, data: Data
) -> None:
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    store = RolloutStore(ws.metadata)
    options = {
        "plan": "canary",
        "steps": [20, 50, 100],
        "hold_requests": 150,
        "min_labels": 100,
        "tolerance": 0.0,
    }
    with Server(ws) as server:
        assert server.default_version() == "1"
        # mutating endpoints need the token
        body = {"model": "m", "version": 2, **options}
        status, answer = server.post("/admin/rollouts", body)
        assert (status, answer["error"]) == (
            401,
            "this endpoint needs the header 'Authorization: Bearer <token>'",
        )
        status, answer = server.post(
            "/admin/rollouts", body, {"Authorization": "Bearer not-the-token"}
        )
        assert (status, answer["error"]) == (403, "the bearer token is not valid")
        status, answer = server.post(
            "/admin/models/m/default", {"version": 1}, {"Authorization": "Bearer nope"}
        )
        assert status == 403
        status, answer = server.post("/admin/rollouts", {**body, "version": 9}, AUTH)
        assert status == 404
        assert answer["error"] == "model 'm' has no version 9; its versions are 1, 2, 3"
        status, answer = server.post("/admin/rollouts", {**body, "steps": 5}, AUTH)
        assert (status, answer["error"]) == (
            400,
            '"steps" must be a non-empty array of percentages in (0, 100], got 5',
        )
        status, answer = server.post("/admin/rollouts", {**body, "tolerance": "x"}, AUTH)
        assert status == 400
        assert answer["error"] == "tolerance must be a number in [0, inf), got 'x'"
        assert store.all() == []
        assert server.get("/admin/rollouts") == {"rollouts": {}}

        # 1. the worse version, started over HTTP
        status, answer = server.post("/admin/rollouts", body, AUTH)
        assert status == 202, answer
        assert (answer["rollout"], answer["champion"], answer["candidate"]) == ("m#1", 1, 2)
        running = server.get("/admin/rollouts")["rollouts"]["m"]
        assert (running["rollout"], running["status"], running["weights"]) == (
            "m#1",
            "running",
            {"1": 80.0, "2": 20.0},
        )
        status, answer = server.post("/admin/rollouts", {**body, "version": 3}, AUTH)
        assert status == 409
        assert answer["error"].startswith("model 'm' has a rollout in progress already: m#1")
        assert registry.aliases("m") == {"champion": 1, "challenger": 2}

        before = server.predictions_by_version()
        worse = Load(server, data, 2000, invocations_every=4).run()
        assert worse.failures == []
        assert (worse.answered, worse.labelled) == (2000, 2000)
        record = finished(store, "m#1")
        assert record.status is RolloutStatus.ROLLED_BACK
        assert (record.step, record.percent) == (0, 0.0)
        assert actions(store, "m#1") == ["request", "start", "rollback"]
        [rollback] = [d for d in store.decisions("m#1") if d["action"] == "rollback"]
        assert rollback["reason"].startswith("live accuracy ")
        evidence = rollback["evidence"]
        assert evidence["candidate"]["requests"] == 150
        assert evidence["candidate"]["labelled"] >= 100
        assert evidence["champion"]["labelled"] >= 100
        assert registry.aliases("m")["champion"] == 1
        assert "challenger" not in registry.aliases("m")
        assert server.default_version() == "1"
        assert server.get("/admin/rollouts") == {"rollouts": {}}
        # v2 answered one step: 150 requests (and those already in flight at the rollback)
        counted = server.predictions_by_version()
        worse_counts = {v: counted.get(v, 0) - before.get(v, 0) for v in ("1", "2")}
        assert 150 <= worse_counts["2"] <= 150 + 3
        assert sum(worse_counts.values()) == 2000
        assert set(worse.versions) == {"1", "2"}
        last = len(worse.versions) - worse.versions[::-1].index("2")
        assert last < 1000  # 150 of 20 % of the traffic: about 750 requests, then v1 alone

        # 2. the better version, requested as `driftline rollout start` does
        spec = RolloutSpec("m", 1, 3, steps=(20.0, 50.0, 100.0), hold_requests=150, min_labels=100)
        assert store.request(spec, by="ana", reason="better offline").name == "m#2"
        wait_until(
            lambda: "m" in server.get("/admin/rollouts")["rollouts"], "the server to start m#2"
        )
        before = server.predictions_by_version()
        better = Load(server, data, 2000, invocations_every=4, offset=2000).run()
        assert better.failures == []
        record = finished(store, "m#2")
        assert record.status is RolloutStatus.PROMOTED
        assert (record.step, record.percent) == (2, 100.0)
        assert record.started_at is not None
        assert record.ended_at is not None
        assert actions(store, "m#2") == ["request", "start", "advance", "advance", "promote"]
        steps = [d for d in store.decisions("m#2") if d["action"] in ("advance", "promote")]
        assert [(d["evidence"]["step"], d["evidence"]["percent"]) for d in steps] == [
            (0, 20.0),
            (1, 50.0),
            (2, 100.0),
        ]
        assert [(d["step"], d["percent"], d["status"]) for d in steps] == [
            (1, 50.0, "running"),
            (2, 100.0, "running"),
            (2, 100.0, "promoted"),
        ]
        assert registry.aliases("m")["champion"] == 3
        assert "challenger" not in registry.aliases("m")
        assert server.default_version() == "3"
        assert server.get("/admin/rollouts") == {"rollouts": {}}
        assert set(better.versions) == {"1", "3"}
        counted = server.predictions_by_version()
        better_counts = {v: counted.get(v, 0) - before.get(v, 0) for v in ("1", "3")}
        assert sum(better_counts.values()) == 2000
        # after the promotion, v3 answers everything
        tail = better.versions[-200:]
        assert set(tail) == {"3"}

    print(
        f"\nworse canary: requests by version {worse_counts}, decisions {actions(store, 'm#1')}"
        f"\nbetter canary: requests by version {better_counts}, decisions {actions(store, 'm#2')}"
    )
    for d in store.decisions("m#1") + store.decisions("m#2"):
        if d["action"] not in ("request", "start"):
            print(f"  {d['action']}: {d['reason']} {d['evidence']}")
    # every prediction is in the log once the server has stopped
    logged = read_predictions(ws.metadata, ws.artifacts, "m")
    assert logged.num_rows == 4000
    assert set(logged["request_id"].to_pylist()) == set(worse.request_ids + better.request_ids)
    by_version = Counter(logged["version"].to_pylist())
    assert by_version["2"] == worse_counts["2"]
    assert by_version["3"] == better_counts["3"]
    assert read_feedback(ws.metadata, ws.artifacts, "m").num_rows == 4000


# ---- abort ---------------------------------------------------------------------------------


def test_an_abort_returns_all_traffic_to_the_champion_under_load(ws: Workspace, data: Data) -> None:
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    store = RolloutStore(ws.metadata)
    with Server(ws) as server:
        body = {"model": "m", "version": 3, "steps": [50, 100], "hold_requests": 10**6}
        status, answer = server.post("/admin/rollouts", body, AUTH)
        assert status == 202, answer
        load = Load(server, data, 400).start()
        load.wait_for(150)
        assert set(load.versions) == {"1", "3"}
        asked = store.request_abort("m", by="ana", reason="pager")  # `driftline rollout abort m`
        assert (asked.status, asked.abort_requested) == (RolloutStatus.RUNNING, True)
        started = time.monotonic()
        wait_until(lambda: server.get("/admin/rollouts") == {"rollouts": {}}, "the abort")
        took = time.monotonic() - started
        assert took < 5.0  # polled every 0.05 s
        load.join()
        assert load.failures == []
        assert load.answered == 400
        record = finished(store, "m#1")
        assert record.status is RolloutStatus.ABORTED
        assert record.percent == 0.0
        assert actions(store, "m#1") == ["request", "start", "abort"]
        assert store.decisions("m#1")[-1]["reason"] == "abort requested"
        after = Load(server, data, 60, offset=400).run()
        assert after.failures == []
        assert set(after.versions) == {"1"}
        assert server.default_version() == "1"
        assert registry.aliases("m") == {"champion": 1}
    print(f"\nabort: traffic back to the champion {took:.2f} s after the request")


# ---- blue-green ----------------------------------------------------------------------------


def test_blue_green_switches_all_traffic_at_once_then_back_or_for_good(
    ws: Workspace, data: Data
) -> None:
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    store = RolloutStore(ws.metadata)
    options = {"plan": "blue-green", "hold_requests": 150, "min_labels": 100}
    with Server(ws) as server:
        status, answer = server.post(
            "/admin/rollouts", {"model": "m", "version": 2, **options}, AUTH
        )
        assert status == 202, answer
        assert answer["steps"] == [100.0]
        worse = Load(server, data, 450).run()
        assert worse.failures == []
        record = finished(store, "m#1")
        assert record.status is RolloutStatus.ROLLED_BACK
        assert actions(store, "m#1") == ["request", "start", "switch", "rollback"]
        switch, rollback = store.decisions("m#1")[2:]
        assert switch["evidence"]["champion"]["requests"] == 150  # the baseline before the switch
        assert (switch["step"], switch["percent"]) == (1, 100.0)
        assert rollback["evidence"]["champion"] == switch["evidence"]["champion"]
        assert rollback["evidence"]["candidate"]["requests"] == 150
        assert rollback["evidence"]["candidate"]["labelled"] >= 100
        # v1 alone (the baseline), v2 alone (150 requests and those in flight), v1 alone again
        before, _, _ = switch_back(worse.versions, "1", "2", slack=4)
        assert 150 - 4 <= before <= 150 + 4
        assert 150 <= worse.versions.count("2") <= 150 + 3
        assert server.default_version() == "1"
        assert registry.aliases("m") == {"champion": 1}

        spec = RolloutSpec("m", 1, 3, plan="blue-green", hold_requests=150, min_labels=100)
        store.request(spec, by="ana")
        wait_until(lambda: "m" in server.get("/admin/rollouts")["rollouts"], "m#2 to start")
        better = Load(server, data, 450, offset=450).run()
        assert better.failures == []
        record = finished(store, "m#2")
        assert record.status is RolloutStatus.PROMOTED
        assert actions(store, "m#2") == ["request", "start", "switch", "promote"]
        before, _ = one_switch(better.versions, "1", "3", slack=4)  # v1 alone, then v3 alone
        assert 150 - 4 <= before <= 150 + 4
        assert server.default_version() == "3"
        assert registry.aliases("m") == {"champion": 3}
    print(
        f"\nblue-green: worse {Counter(worse.versions)} {actions(store, 'm#1')}; "
        f"better {Counter(better.versions)} {actions(store, 'm#2')}"
    )


# ---- shadow --------------------------------------------------------------------------------


def test_a_shadow_is_judged_without_answering_a_request(ws: Workspace, data: Data) -> None:
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    store = RolloutStore(ws.metadata)
    options = {"plan": "shadow", "hold_requests": 150, "min_labels": 100}
    with Server(ws) as server:
        status, answer = server.post(
            "/admin/rollouts", {"model": "m", "version": 2, **options}, AUTH
        )
        assert status == 202, answer
        assert server.get("/admin/rollouts")["rollouts"]["m"]["weights"] == {"1": 100.0, "2": 0.0}
        worse = Load(server, data, 300).run()
        assert worse.failures == []
        assert set(worse.versions) == {"1"}  # the champion answered everything
        record = finished(store, "m#1")
        assert record.status is RolloutStatus.FAILED
        assert actions(store, "m#1") == ["request", "start", "fail"]
        verdict = store.decisions("m#1")[-1]
        assert verdict["reason"].startswith("live accuracy ")
        assert verdict["evidence"]["candidate"]["requests"] >= 150  # its predictions counted
        assert verdict["evidence"]["candidate"]["labelled"] >= 100  # and judged on the labels
        assert server.predictions_by_version().get("2", 0) == 0  # never returned

        store.request(RolloutSpec("m", 1, 3, **options), by="ana")
        wait_until(lambda: "m" in server.get("/admin/rollouts")["rollouts"], "m#2 to start")
        better = Load(server, data, 300, offset=300).run()
        assert better.failures == []
        assert set(better.versions) == {"1"}
        record = finished(store, "m#2")
        assert record.status is RolloutStatus.PASSED
        assert actions(store, "m#2") == ["request", "start", "pass"]
        passed = store.decisions("m#2")[-1]
        assert passed["evidence"]["candidate"]["labelled"] >= 100
        assert server.predictions_by_version().get("3", 0) == 0
        assert server.default_version() == "1"  # a shadow never changes traffic
        assert registry.aliases("m") == {"champion": 1}
    print(f"\nshadow: failed {verdict['evidence']}; passed {passed['evidence']}")


# ---- feedback errors -----------------------------------------------------------------------


def test_bad_feedback_is_refused_naming_the_problem(ws: Workspace) -> None:
    with Server(ws) as server:
        client = Client(server.port)
        try:
            status, headers, answer = client.call("POST", "/v2/models/m/infer", oip([0.1] * 4))
            assert status == 200
            request_id = headers["x-request-id"]
            path = "/v2/models/m/feedback"
            cases: list[tuple[Any, str]] = [
                (b"", "request body is empty, expected a JSON object"),
                (b"{labels", "request body is not valid JSON: "),
                ([1, 2], 'the body must be {"labels": {"<request id>": <label>}}'),
                ({"label": {request_id: 1}}, 'the body must be {"labels": '),
                ({"labels": [1]}, 'the body must be {"labels": '),
                ({"labels": {}}, 'feedback must be {"labels": {"<request id>": <label>, ...}}'),
                ({"labels": {request_id: None}}, "every label is missing (null)"),
                ({"labels": {request_id: {"x": 1}}}, "labels must be booleans, integers, floats"),
                ({"labels": {request_id: 1, "other": "yes"}}, "each request's label must be"),
            ]
            for body, message in cases:
                status, _, answer = client.call("POST", path, body, AUTH)
                assert status == 400, (body, answer)
                assert answer["error"].startswith(message), (body, answer)
            assert client.call("POST", path, {"labels": {request_id: 1}}, AUTH)[2] == {
                "model": "m",
                "labels": 1,
            }
        finally:
            client.close()


# ---- the driver without HTTP: a shadow that falls behind -----------------------------------


def test_a_shadow_that_falls_behind_is_still_judged_on_every_label(
    ws: Workspace, data: Data
) -> None:
    """Labels that come before the mirror has scored their request count once it has."""
    from driftline.rollout.driver import RolloutDriver
    from driftline.serving.observer import ServingObserver
    from driftline.serving.table import ModelTable
    from driftline.serving.workspace_app import served_versions

    registry = ModelRegistry(ws.metadata, ws.artifacts)
    store = RolloutStore(ws.metadata)
    driver = RolloutDriver(ModelTable(served_versions(registry)), registry, store)
    observer = ServingObserver(rollouts=driver)
    try:
        store.request(RolloutSpec("m", 1, 3, plan="shadow", hold_requests=40, min_labels=40))
        assert driver.poll() == ["m#1"]
        rollout = driver.rollout_of("m")
        assert rollout is not None
        gate = threading.Event()
        driver._mirror.submit(gate.wait)  # the mirror is busy: it falls behind the requests
        for i in range(40):
            table = pa.table({name: [data.rows[i][j]] for j, name in enumerate(COLUMNS)})
            served = driver.table.resolve("m")
            answer = served.spec.predict(table)
            observer.on_predictions(served, f"r{i}", table, answer)
            assert observer.on_feedback("m", {f"r{i}": data.labels[i]}) == 1
        assert rollout.counts()["3"]["labelled"] == 0
        assert rollout.counts()["1"]["labelled"] == 40
        assert rollout.decide().action == "wait"
        gate.set()
        driver._mirror.submit(lambda: None).result(timeout=DEADLINE_S)  # it has caught up
        assert rollout.status is RolloutStatus.PASSED  # decided on the mirror's last count
        driver.flush()
        verdict = store.decisions("m#1")[-1]
        assert verdict["action"] == "pass"
        assert verdict["reason"].startswith("live accuracy ")
        assert verdict["evidence"]["candidate"] == {
            "requests": 40,
            "errors": 0,
            "labelled": 40,
            "correct": verdict["evidence"]["candidate"]["correct"],
        }
        assert store.get("m#1").status is RolloutStatus.PASSED
    finally:
        observer.close()
