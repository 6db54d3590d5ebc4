"""The demo run by `make demo`: the continuous-adaptation loop on images, offline, end to end.

The reference scenario: an image classifier (scikit-learn's bundled 8x8 digits) is trained by the
standard pipeline, registered and served over HTTP. Each "day" clients send it images, one request
each, and label feedback arrives by request id. From day 3 the images drift (darker contrast, a
brighter background, a slight rotation): live accuracy falls. After each day the batch-prediction
pipeline scores the day's files with the champion; when accuracy is below the threshold the new
labelled files become a span and the training pipeline retrains on the last K spans; a blessed
model goes through a canary on live traffic and is promoted, or rolled back automatically.

It writes ./demo-workspace (replacing an earlier one) and ends with demo-workspace/report.html.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

from demo_report import write_report
from driftline.components import batch_pipeline, standard_pipeline
from driftline.pipeline import run_pipeline
from driftline.registry import ModelRegistry
from driftline.workspace import Workspace

HERE = Path.cwd() / "demo-workspace"
MODEL = "digits"
TOKEN = "demo-token"
THRESHOLD = 0.85
DAYS = [
    ("day 1", 200, False),
    ("day 2", 200, False),
    ("day 3", 300, True),
    ("day 4", 300, True),
    ("day 5", 297, True),
]
TRAIN_ROWS = 500
COLUMNS = [f"p{i:02d}" for i in range(64)]
CANARY = {
    "plan": "canary",
    "steps": [25, 50, 100],
    "hold_requests": 30,
    "min_labels": 20,
    "tolerance": 0.02,
}
TRAINING = {
    "dataset": MODEL,
    "model_name": MODEL,
    "spans": 2,
    "requests": 50,
    "trainer_params": {"max_iter": 200},
}


def say(text: str) -> None:
    print(text, flush=True)


def images() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    return x[order], y[order]


def drifted(x: np.ndarray) -> np.ndarray:
    """Lower contrast, a brighter background and a 6 degree rotation, on the whole stack."""
    from scipy import ndimage

    stack = ndimage.rotate(x.reshape(-1, 8, 8), 6, axes=(2, 1), reshape=False, order=1)
    return np.clip(stack * 0.6 + 5.0, 0, 16).reshape(-1, 64)


def table(x: np.ndarray, y: np.ndarray) -> pa.Table:
    columns: dict[str, Any] = {name: x[:, i] for i, name in enumerate(COLUMNS)}
    columns["label"] = y.astype(np.int64)
    return pa.table(columns)


class Server:
    """The workspace's model server on 127.0.0.1, in a thread of this process."""

    def __init__(self, ws: Workspace) -> None:
        import uvicorn

        from driftline.serving.workspace_app import build_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        app = build_app(ws.metadata, ws.artifacts, token=TOKEN, poll_seconds=0.2)
        config = uvicorn.Config(app, port=self.port, log_level="warning", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the model server did not start")
            time.sleep(0.01)
        self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any], str]:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json", "authorization": f"Bearer {TOKEN}"}
        try:
            self.http.request(method, path, body=payload, headers=headers)
            answer = self.http.getresponse()
        except (ConnectionError, http.client.HTTPException):  # the idle connection was closed
            self.http.close()
            self.http.request(method, path, body=payload, headers=headers)
            answer = self.http.getresponse()
        data = answer.read()
        return answer.status, json.loads(data or b"null"), answer.getheader("x-request-id") or ""

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)


def serve_day(server: Server, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """One request per image (Open Inference Protocol), and its label sent back as feedback."""
    right: list[int] = []
    versions: dict[str, int] = {}
    failed = 0
    for row, label in zip(x.tolist(), y.tolist(), strict=True):  # clients send one image each
        request = {"inputs": [{"name": "image", "shape": [1, 64], "datatype": "FP64", "data": row}]}
        status, body, request_id = server.call("POST", f"/v2/models/{MODEL}/infer", request)
        if status != 200:
            failed += 1
            continue
        server.call("POST", f"/v2/models/{MODEL}/feedback", {"labels": {request_id: label}})
        version = str(body["model_version"])
        versions[version] = versions.get(version, 0) + 1
        right.append(int(body["outputs"][0]["data"][0] == label))
    return {
        "accuracy": float(np.mean(right)),
        "requests": len(x),
        "failed": failed,
        "versions": versions,
    }


def main() -> None:
    started = time.perf_counter()
    if HERE.exists():
        shutil.rmtree(HERE)
    incoming = HERE / "incoming"
    x, y = images()
    with Workspace.init(HERE) as ws:
        incoming.mkdir()
        say(f"1. ingest {TRAIN_ROWS} labelled digits as span digits:1 and train the first model")
        ws.ingest(MODEL, table(x[:TRAIN_ROWS], y[:TRAIN_ROWS]), label="label")
        inferred = ws.infer_schema(MODEL)  # then curated: a pixel is 0..16, whatever this span saw
        pixels = tuple(
            replace(c, min=0.0, max=16.0) if c.name in COLUMNS else c for c in inferred.columns
        )
        ws.data.save_schema(MODEL, replace(inferred, columns=pixels))
        first = run_pipeline(ws, standard_pipeline(), params=TRAINING, progress=False)
        evaluation = json.loads(
            ws.artifacts.read_bytes(first.output("evaluate").uri, first.output("evaluate").sha256)
        )
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        say(
            f"   registered {MODEL}:1 as champion (eval accuracy "
            f"{evaluation['challenger']['accuracy']:.3f})"
        )
        server = Server(ws)
        say(f"2. serving {MODEL}:1 on http://127.0.0.1:{server.port}")
        story: list[dict[str, Any]] = []
        start = TRAIN_ROWS
        try:
            for day, rows, drift in DAYS:
                xd, yd = x[start : start + rows], y[start : start + rows]
                start += rows
                if drift:
                    xd = drifted(xd)
                champion = registry.alias(MODEL, "champion")
                served = serve_day(server, xd, yd)
                entry: dict[str, Any] = {
                    "day": day,
                    "drift": drift,
                    **served,
                    "champion_before": champion.number if champion else None,
                }
                pq.write_table(table(xd, yd), incoming / f"{day.replace(' ', '')}.parquet")
                batch = run_pipeline(
                    ws,
                    batch_pipeline(),
                    progress=False,
                    params={
                        "dataset": MODEL,
                        "model_name": MODEL,
                        "path": str(incoming),
                        "pattern": "*.parquet",
                        "label": "label",
                        "threshold": THRESHOLD,
                    },
                )
                perf = json.loads(
                    ws.artifacts.read_bytes(
                        batch.output("performance").uri, batch.output("performance").sha256
                    )
                )
                prepared = json.loads(
                    ws.artifacts.read_bytes(
                        batch.output("prepare_span").uri, batch.output("prepare_span").sha256
                    )
                )
                entry["batch_accuracy"] = perf.get("accuracy")
                answered = ", ".join(f"v{v}: {n}" for v, n in sorted(served["versions"].items()))
                say(
                    f"   {day}{' (drifted)' if drift else ''}: live accuracy "
                    f"{served['accuracy']:.3f} on {rows} requests ({answered}), "
                    f"{served['failed']} failed; batch check {perf.get('accuracy', 0.0):.3f}"
                )
                if prepared["retrain"]:
                    say(
                        f"   accuracy below {THRESHOLD}: span {MODEL}:{prepared['span']} made of "
                        f"{len(prepared['files'])} new files; retraining on the last 2 spans"
                    )
                    trained = run_pipeline(
                        ws,
                        standard_pipeline(),
                        progress=False,
                        params={**TRAINING, "push.alias": ""},
                    )
                    pushed = json.loads(
                        ws.artifacts.read_bytes(
                            trained.output("push").uri, trained.output("push").sha256
                        )
                    )
                    entry["retrain"] = pushed
                    if pushed.get("pushed"):
                        _, body, _ = server.call(
                            "POST",
                            "/admin/rollouts",
                            {
                                "model": MODEL,
                                "version": pushed["version"],
                                **CANARY,
                                "reason": f"accuracy {perf['accuracy']:.3f} < {THRESHOLD}",
                            },
                        )
                        say(
                            f"   {MODEL}:{pushed['version']} blessed; canary {body.get('rollout')}"
                            f" starts on the next day's traffic ({CANARY['steps']} %)"
                        )
                    else:
                        say(f"   not blessed: {pushed.get('reason')}")
                story.append(entry)
        finally:
            server.stop()
        champion = registry.alias(MODEL, "champion")
        before = float(np.mean([d["accuracy"] for d in story if not d["drift"]]))
        after = story[-1]["accuracy"]
        gap = (after - before) * 100
        say(
            f"3. champion now {MODEL}:{champion.number if champion else '-'}; accuracy before "
            f"the drift {before:.3f}, after adapting {after:.3f} ({gap:+.1f} points)"
        )
        report = write_report(ws, MODEL, story, HERE / "report.html", THRESHOLD)
        say(f"4. the whole story: {report} ({time.perf_counter() - started:.0f} s)")
        promoted = champion is not None and champion.number > 1
        if not promoted or gap < -3.0:
            say("the loop did not close: no retrained model was promoted, or accuracy stayed low")
            sys.exit(1)


if __name__ == "__main__":
    main()
