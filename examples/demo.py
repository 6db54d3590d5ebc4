"""The demo run by `make demo`: the continuous-adaptation loop on images, offline, end to end.

The reference scenario: an image classifier (scikit-learn's bundled 8x8 digits) is trained by the
standard pipeline, registered and served over HTTP. Each "day" clients send it images, one request
each, and label feedback arrives by request id. From day 3 the images drift (lower contrast, a
brighter background whose pixels leave the training range, a slight rotation): live accuracy
falls. Everything after the first request is the controller's: after each day the day's labelled
file lands in a watched folder and the controller ticks, with the policy in demo_policy.toml. It
ingests the file as a span (validated against the schema inferred for the first model: values
outside the ranges seen then are warnings, not refusals), evaluates its triggers (new data, live
accuracy, drift), retrains on the last two spans when one fires, and asks the model server for a
canary of a blessed model, which is promoted on live traffic or rolled back automatically.

The model server runs in a process of its own (demo_server.py), as `driftline serve` would. The
demo writes ./demo-workspace (replacing an earlier one), ends with demo-workspace/report.html and
prints how to open the dashboard on it; `--ui` (`make demo UI=1`) keeps the dashboard open
instead, with the demo's token, until Ctrl-C (demo_dashboard.py). The loop itself is
`run_loop(folder)`, which the browser tests run once (tests/ui/test_browser.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

from demo_report import write_report
from driftline.controller.loop import Controller
from driftline.controller.results import TickResult
from driftline.policy.model import load_policy
from driftline.registry import ModelRegistry
from driftline.rollout.requests import rollout_requester
from driftline.workspace import Workspace

HERE = Path.cwd() / "demo-workspace"
POLICY = Path(__file__).parent / "demo_policy.toml"
MODEL = "digits"
TOKEN = "demo-token"  # the model server's admin token, and the dashboard's with --ui
UI_PORT = 8081  # driftline ui's default port
THRESHOLD = 0.85  # the policy's metric trigger (drawn in the report)
DAYS = [
    ("day 1", 200, False),
    ("day 2", 200, False),
    ("day 3", 300, True),
    ("day 4", 300, True),
    ("day 5", 297, True),
]
TRAIN_ROWS = 500
WINDOW = timedelta(seconds=3)  # the monitor's live windows: a demo day (a few seconds) spans some
COLUMNS = [f"p{i:02d}" for i in range(64)]


def say(text: str) -> None:
    print(text, flush=True)


def images() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    return x[order], y[order]


def drifted(x: np.ndarray) -> np.ndarray:
    """A new camera: lower contrast, a brighter background (pixels up to 19, where the training
    images stop at 16) and a 6 degree rotation, on the whole stack."""
    from scipy import ndimage

    stack = ndimage.rotate(x.reshape(-1, 8, 8), 6, axes=(2, 1), reshape=False, order=1)
    return np.clip(stack * 0.7 + 7.5, 0, None).reshape(-1, 64)


def table(x: np.ndarray, y: np.ndarray) -> pa.Table:
    columns: dict[str, Any] = {name: x[:, i] for i, name in enumerate(COLUMNS)}
    columns["label"] = y.astype(np.int64)
    return pa.table(columns)


class Server:
    """The workspace's model server on 127.0.0.1, in a process of its own (demo_server.py)."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "DRIFTLINE_SERVE_TOKEN": TOKEN}
        script = Path(__file__).with_name("demo_server.py")
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(folder), str(self.port)], env=env
        )
        self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        deadline = time.monotonic() + 120
        while not self.ready():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("the model server did not start")
            time.sleep(0.05)

    def ready(self) -> bool:
        try:
            return self.call("GET", "/v2/health/ready")[0] == 200
        except OSError:  # not listening yet
            self.http.close()
            return False

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, str]:
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
        kind = answer.getheader("content-type") or ""
        parsed = json.loads(data or b"null") if kind.startswith("application/json") else data
        return answer.status, parsed, answer.getheader("x-request-id") or ""

    def drain(self, seconds: float = 60.0) -> None:
        """Wait until the server has written every prediction and label it took (its logs write
        a segment every few seconds): the controller's next tick then sees the whole day."""
        deadline = time.monotonic() + seconds
        while True:
            metrics = self.call("GET", "/metrics")[1].decode()
            queued = [
                float(line.rsplit(" ", 1)[1])
                for line in metrics.splitlines()
                if line.startswith("driftline_log_queued_rows{")
            ]
            if queued and not any(queued):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the model server did not write its logs in {seconds:g} s")
            time.sleep(0.1)

    def stop(self) -> None:
        self.http.close()
        self.process.send_signal(signal.SIGINT)  # uvicorn stops gracefully: the logs are written
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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


def first_model(controller: Controller, incoming: Path, x: np.ndarray, y: np.ndarray) -> None:
    """Drop the training file in the watched folder and ask the controller for the first model."""
    pq.write_table(table(x, y), incoming / "day0.parquet")
    controller.trigger(reason="the first model")
    tick = controller.tick()
    (job,) = tick.jobs
    outcome = dict(job.outcome or {})
    if not outcome.get("pushed"):
        raise SystemExit(f"the first model was not trained: {job.error or outcome.get('reason')}")
    say(f"   job {job.job}: {MODEL}:{outcome['version']} registered as champion (no champion yet)")


def tell(tick: TickResult) -> dict[str, Any] | None:
    """Print what the controller decided at one tick; return the retrain's outcome, if any."""
    for decision in tick.decisions:
        evaluation = decision.evaluation
        if evaluation.fired:
            say(f"   trigger {evaluation.kind}: {evaluation.reason} -> {decision.outcome}")
    retrain = None
    for job in tick.jobs:
        outcome = dict(job.outcome or {})
        if job.error:
            say(f"   job {job.job} failed: {job.error}")
        elif outcome.get("pushed"):
            rollout = outcome.get("rollout") or "promoted at once"
            say(f"   job {job.job}: {MODEL}:{outcome['version']} blessed; rollout {rollout}")
            retrain = outcome
        else:
            say(f"   job {job.job}: not blessed: {outcome.get('reason')}")
            retrain = outcome
    return retrain


@dataclass
class Loop:
    """What one run of the loop left: the workspace folder, the days, the champion, the report."""

    folder: Path
    story: list[dict[str, Any]]
    champion: int | None
    before: float
    after: float
    report: Path
    seconds: float
    model: str = MODEL

    @property
    def closed(self) -> bool:
        """A retrained model was promoted and accuracy came back (within 3 points)."""
        return self.champion is not None and self.champion > 1 and self.after - self.before > -0.03


def run_loop(folder: Path, *, say: Callable[[str], None] = say) -> Loop:
    """Run the whole scenario in a new workspace at ``folder`` (an earlier one is replaced)."""
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    if folder.exists():
        shutil.rmtree(folder)
    incoming = folder / "incoming"
    x, y = images()
    policy = load_policy(POLICY)
    # One thread per OpenMP pool: the trees are small, and a second thread mostly waits for a
    # core on a busy machine (the model server does the same: demo_server.py).
    with threadpool_limits(1), Workspace.init(folder) as ws:
        incoming.mkdir()
        controller = Controller(
            ws,
            policy,
            base=folder,
            params={"requests": 50},
            rollouts=rollout_requester(ws.metadata),
            log=lambda line: None,
            where=POLICY.name,
        )
        say(f"1. the controller runs {POLICY.name}; {TRAIN_ROWS} labelled digits, the first model")
        first_model(controller, incoming, x[:TRAIN_ROWS], y[:TRAIN_ROWS])
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        server = Server(folder)
        say(f"2. serving {MODEL}:1 on http://127.0.0.1:{server.port}; the controller ticks daily")
        story: list[dict[str, Any]] = []
        start = TRAIN_ROWS
        try:
            for number, (day, rows, drift) in enumerate(DAYS, start=1):
                xd, yd = x[start : start + rows], y[start : start + rows]
                start += rows
                if drift:
                    xd = drifted(xd)
                champion = registry.alias(MODEL, "champion")
                served = serve_day(server, xd, yd)
                answered = ", ".join(f"v{v}: {n}" for v, n in sorted(served["versions"].items()))
                outside = int((xd > x[:TRAIN_ROWS].max()).any(axis=1).sum())
                say(
                    f"   {day}{' (drifted)' if drift else ''}: live accuracy "
                    f"{served['accuracy']:.3f} on {rows} requests ({answered}), "
                    f"{served['failed']} failed"
                    + (
                        f"; {outside} images have pixels above the training range"
                        if outside
                        else ""
                    )
                )
                server.drain()
                ws.monitor.update_windows(MODEL, window=WINDOW)  # the dashboard's live plots
                pq.write_table(table(xd, yd), incoming / f"day{number}.parquet")
                retrain = tell(controller.tick())
                entry: dict[str, Any] = {
                    "day": day,
                    "drift": drift,
                    **served,
                    "champion_before": champion.number if champion else None,
                }
                if retrain is not None:
                    entry["retrain"] = retrain
                story.append(entry)
        finally:
            server.stop()
        champion = registry.alias(MODEL, "champion")
        before = float(np.mean([d["accuracy"] for d in story if not d["drift"]]))
        after = float(story[-1]["accuracy"])
        say(
            f"3. champion now {MODEL}:{champion.number if champion else '-'}; accuracy before "
            f"the drift {before:.3f}, after adapting {after:.3f} ({(after - before) * 100:+.1f} "
            "points)"
        )
        report = write_report(ws, MODEL, story, folder / "report.html", THRESHOLD)
    return Loop(
        folder,
        story,
        champion.number if champion else None,
        before,
        after,
        report,
        time.perf_counter() - started,
    )


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--ui",
        action="store_true",
        help="at the end, keep the dashboard open on the demo's workspace (until Ctrl-C)",
    )
    parser.add_argument(
        "--port", type=int, default=UI_PORT, help=f"the dashboard's port (default {UI_PORT})"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # before scikit-learn is imported (run_loop)
    loop = run_loop(HERE)
    shown = HERE.relative_to(Path.cwd())
    say(f"4. the whole story: {shown / loop.report.name} ({loop.seconds:.0f} s)")
    if not loop.closed:
        say("the loop did not close: no retrained model was promoted, or accuracy stayed low")
        sys.exit(1)
    if args.ui:
        from demo_dashboard import keep_dashboard_open

        keep_dashboard_open(HERE, policy=POLICY, port=args.port, token=TOKEN, say=say)
    else:
        say(
            f"5. the dashboard: run 'driftline -w {shown} ui' and open "
            f"http://127.0.0.1:{UI_PORT} (or 'make demo UI=1' keeps it open at the end)"
        )


if __name__ == "__main__":
    main()
