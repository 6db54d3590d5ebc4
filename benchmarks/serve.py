"""Benchmark: the model server against MLServer and MLflow, serving the same scikit-learn model.

Run: ``python benchmarks/serve.py [--mlflow-python PATH] [--mlserver-python PATH] [--duration 10]
[--repeat 3]``.

``python benchmarks/serve.py --journal [--duration 10] [--repeat 3]`` measures instead what the
logs' durability costs (see docs/serving.md, *Durability*): the model registered in two new
workspaces, each served as ``driftline serve`` serves it (``build_app``: prediction and feedback
logs on, rollouts off), one with ``durability="buffered"`` and one with ``"durable"`` (journal in
the workspace), both pinned to core 0; the same ``wrk`` load on ``/v2/models/bench/infer`` (1 row
at 1, 8 and 64 connections, 1,000 rows at 1) and on its feedback endpoint (100 labels per request
at 1 and 8 connections), both modes back to back in each scenario, ``--repeat`` times; the table
gives the medians, the durable mode's requests/s and p99 over the buffered mode's, and the core
count.

``python benchmarks/serve.py --outliers [--duration 10] [--repeat 3]`` measures what scoring
every request's rows for outliers costs the server (see ``benchmarks/serve_outliers.py``): the
model served without and with its default outlier detector, back to back, the server's CPU time
per 1-row request, and the overhead (target: at most 10 %).

The model is ``StandardScaler`` + ``LogisticRegression`` on 8 numeric features
(``make_classification(n_features=8, n_informative=6, random_state=0)``, fitted on a matrix),
trained once here and saved for each server:

- driftline: ``driftline.models.save_model`` (skops), served by ``driftline.serving.create_app``
  under uvicorn (one worker, ``--http httptools --loop uvloop``, no access log), protocols: Open
  Inference Protocol v2 ``/v2/models/bench/infer`` and MLflow's ``/invocations``;
- MLServer: the same pickle as ``model.joblib`` with ``mlserver_sklearn.SKLearnModel``,
  ``parallel_workers: 0`` (inference in the server process), ``debug: false`` (no access log),
  protocol ``/v2/models/bench/infer``;
- MLflow: ``mlflow.sklearn.save_model`` with a column signature, served by ``mlflow models serve
  --env-manager local -w 1`` (its uvicorn app; the access log off through ``UVICORN_ACCESS_LOG``),
  protocol ``/invocations`` with ``dataframe_split``.

All three run with one worker, on uvicorn with httptools and uvloop (the peers' uvicorn picks
them when installed, hence both in their environments), ``OMP_NUM_THREADS=1``, on
127.0.0.1; readiness is polled on each one's health endpoint. Before any load, every endpoint must
answer the same predictions as the model itself for 1 and 1,000 rows (else the run stops). The
load generator is ``wrk`` (Debian's package: ``apt-get install -y wrk``) with a small Lua script
that POSTs a fixed JSON body and reports the latency percentiles: 1-row requests at 1, 8 and 64
connections, and a 1,000-row request on one connection, ``--duration`` seconds each, all endpoints
back to back for each scenario, ``--repeat`` times, after 2 s of unmeasured warm-up each; the table
gives the medians. Before each run the benchmark waits until the server has closed the connections
of the previous one (otherwise a saturated uvicorn application stalls some new connections for
about a second, the previous run's tail). On a machine with two cores or more the servers run on
core 0 and wrk on core 1 (``taskset``), the same for all. The server's CPU time per request is
read from ``/proc`` for its process group.

The peers need pins of their own, so each gets its own environment (the same scikit-learn as
driftline's, so that the same pickle loads):

    python3 -m venv /tmp/mlflowenv
    /tmp/mlflowenv/bin/pip install 'mlflow==3.17.*' scikit-learn==1.9.1 httptools uvloop
    python3 -m venv /tmp/mlserverenv
    /tmp/mlserverenv/bin/pip install mlserver==1.7.1 mlserver-sklearn==1.7.1 uvloop==0.21.0 \\
        scikit-learn==1.9.1 httptools
    .venv/bin/python benchmarks/serve.py --mlflow-python /tmp/mlflowenv/bin/python \\
        --mlserver-python /tmp/mlserverenv/bin/python

A peer whose Python is not given is left out of the table. The target: at 1-row requests and 8
connections, driftline's ``/v2`` endpoint answers at least 1.5 times MLServer's requests/s, with a
p99 latency of at most 10 ms.

Measured on the 2-core development machine (shared, so compare figures of one run), MLflow 3.17.2,
MLServer 1.7.1, ``--duration 10 --repeat 3``:

    one StandardScaler+LogisticRegression (8 features), median of 3 runs of 10 s; 2 cores
    servers on core 0, wrk on core 1; load average 3.8 before, 5.1 after
    scenario        server and endpoint          req/s p50 ms  p99 ms CPU us xMLServer xMLflow
    1 row, c=1      driftline /v2 infer           1359   0.50   14.90    509      1.2x    5.7x
                    driftline /invocations        1533   0.48    5.57    478      1.4x    6.5x
                    MLServer 1.7.1 /v2 infer      1093   0.63    5.95    660
                    MLflow 3.17.2 /invocations     237   3.22   12.69   3173
    1 row, c=8      driftline /v2 infer           1603   3.78   12.07    481      1.2x    6.1x
                    driftline /invocations        1601   3.78   14.73    460      1.2x    6.1x
                    MLServer 1.7.1 /v2 infer      1388   5.27   13.52    581
                    MLflow 3.17.2 /invocations     261  26.09  215.84   2780
    1 row, c=64     driftline /v2 infer           1876  31.70   61.61    427      1.1x    5.0x
                    driftline /invocations        1857  30.52   58.73    435      1.1x    4.9x
                    MLServer 1.7.1 /v2 infer      1662  33.84  146.18    496
                    MLflow 3.17.2 /invocations     377 147.35  381.69   2528
    1,000 rows, c=1 driftline /v2 infer            823   0.90    5.85    899      1.5x    9.5x
                    driftline /invocations         536   1.21    7.39   1173      1.0x    6.2x
                    MLServer 1.7.1 /v2 infer       558   1.25    7.45   1196
                    MLflow 3.17.2 /invocations      87  10.18  134.80   9416
    CPU us: the server's CPU time (all its processes) per answered request, microseconds
    xMLServer, xMLflow: driftline's requests/s over the peer's, in the same scenario
    target (1 row, c=8, /v2): >= 1.5x MLServer's requests/s and p99 <= 10 ms: MISSED
      measured 1.15x, p99 12.07 ms; CPU per request 1.21x less than MLServer's

The machine was shared with other work (load average 4 to 7 on 2 cores), so requests/s and p99
move by 20-30 % between runs; the server's CPU time per request is steadier. Where a 1-row
request's CPU goes: scikit-learn's ``Pipeline.predict`` on one row costs 200-400 us in every
server (its input validation, not the arithmetic), driftline's own cost is about 130 us (with a
constant model in place of the estimator), MLServer's about 290 us (with a constant runtime), so
driftline answers about 1.2 times MLServer's requests/s and 6 times MLflow's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL = "bench"
FEATURES = 8
COLUMNS = [f"f{i}" for i in range(FEATURES)]
BIG_ROWS = 1000
SCENARIOS = [  # (label, rows per request, connections)
    ("1 row, c=1", 1, 1),
    ("1 row, c=8", 1, 8),
    ("1 row, c=64", 1, 64),
    (f"{BIG_ROWS:,} rows, c=1", BIG_ROWS, 1),
]
TARGET_SCENARIO = "1 row, c=8"
TARGET_RATIO = 1.5
TARGET_P99_MS = 10.0
READY_TIMEOUT_S = 180.0
TOKEN = "bench-token"
LABELS = 100
JOURNAL_SCENARIOS = [  # (label, endpoint kind, rows or labels per request, connections)
    ("1 row, c=1", "infer", 1, 1),
    ("1 row, c=8", "infer", 1, 8),
    ("1 row, c=64", "infer", 1, 64),
    (f"{BIG_ROWS:,} rows, c=1", "infer", BIG_ROWS, 1),
    (f"{LABELS} labels, c=1", "feedback", LABELS, 1),
    (f"{LABELS} labels, c=8", "feedback", LABELS, 8),
]
MODES = ("buffered", "durable")

# wrk runs this script in each of its threads: POST the body in the file $BENCH_BODY, and at the
# end print one line of JSON with the counts and latency percentiles (microseconds).
WRK_SCRIPT = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("BENCH_AUTH")
if auth then wrk.headers["Authorization"] = auth end
local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = file:read("*a")
file:close()

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


# ---- the sides that run in a server's own Python ---------------------------------------------


def serve_driftline(model_dir: str, port: int) -> None:
    """Serve the driftline model folder on 127.0.0.1:port with uvicorn, one worker."""
    import uvicorn

    from driftline.models import load_model
    from driftline.serving import ServedModel, create_app

    app = create_app([ServedModel(MODEL, 1, load_model(model_dir))])
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        ws="none",
        access_log=False,
        log_level="warning",
        **uvicorn_options(),
    )


def serve_workspace(model_dir: str, workspace: str, durability: str, port: int) -> None:
    """Register the model in a new workspace and serve it as ``driftline serve`` does: with the
    prediction and feedback logs, in ``durability`` mode (journal in WORKSPACE/journal)."""
    import uvicorn

    from driftline.models.artifact import ModelType
    from driftline.registry import ModelRegistry
    from driftline.serving.limits import FeedbackLimits
    from driftline.serving.workspace_app import build_app
    from driftline.workspace import Workspace

    ws = Workspace.init(workspace)
    with ws.artifacts.writer(ws.artifacts.new_key("model", f"{MODEL}.tar.gz")) as out:
        properties = ModelType.save(Path(model_dir), out)
    artifact = ws.metadata.put_artifact(ws.new_artifact("model", out.result, properties=properties))
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    registry.register(MODEL, artifact.id)
    registry.promote(MODEL, 1)
    app = build_app(
        ws.metadata,
        ws.artifacts,
        token=TOKEN,
        feedback_limits=FeedbackLimits(labels_per_minute=10**12),  # measure, do not throttle
        rollouts=False,
        durability=durability,
        journal_dir=Path(workspace) / "journal",
    )
    uvicorn.run(
        app, host="127.0.0.1", port=port, ws="none", access_log=False, log_level="warning",
        **uvicorn_options(),
    )  # fmt: skip
    ws.close()


def uvicorn_options() -> dict[str, Any]:
    """uvloop and httptools when installed."""
    options: dict[str, Any] = {}
    with contextlib.suppress(ImportError):
        import uvloop  # noqa: F401

        options["loop"] = "uvloop"
    with contextlib.suppress(ImportError):
        import httptools  # noqa: F401

        options["http"] = "httptools"
    return options


def save_mlflow(pickle_path: str, sample_path: str, out: str) -> None:
    """Save the pickled model as an MLflow model with a column signature (in MLflow's Python)."""
    import joblib
    import mlflow
    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    from mlflow.models import infer_signature

    model = joblib.load(pickle_path)
    sample = np.load(sample_path)
    frame = pd.DataFrame(sample, columns=COLUMNS)
    signature = infer_signature(frame, model.predict(sample))
    mlflow.sklearn.save_model(model, out, signature=signature)
    print(json.dumps({"version": mlflow.__version__}))


# ---- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(core: int) -> list[str]:
    """The command prefix that runs a process on ``core`` (none on a 1-core machine)."""
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        return ["taskset", "-c", str(core)]
    return []


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: uvicorn children stop with it
            )

    def wait_ready(self) -> float:
        """Poll the health endpoint until it answers 200; the seconds it took."""
        assert self.process is not None
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < READY_TIMEOUT_S:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"{self.name} exited with {self.process.returncode} before it was ready:\n"
                    + self.log.read_text(errors="replace")[-3000:]
                )
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - t0
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise SystemExit(
            f"{self.name} was not ready after {READY_TIMEOUT_S:.0f} s:\n"
            + self.log.read_text(errors="replace")[-3000:]
        )

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by the server's processes (its process group), where known."""
        if self.process is None or not Path("/proc/self/stat").exists():
            return None
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[2]) == self.process.pid:  # pgrp; utime and stime follow at 11, 12
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Endpoint:
    """One server's endpoint under test, with the body format it takes."""

    label: str
    url: str
    protocol: str  # "v2" or "mlflow"
    server: Server


def server_env(python: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    if python is not None:  # the peer's own scripts (uvicorn, mlserver) come first on PATH
        env["PATH"] = str(Path(python).parent) + os.pathsep + env.get("PATH", "")
        env.pop("VIRTUAL_ENV", None)
        env.pop("PYTHONPATH", None)
    return env


def peer_version(python: str, module: str) -> str:
    out = subprocess.run(
        [python, "-c", f"import {module}; print({module}.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


# ---- requests ---------------------------------------------------------------------------------


def body(protocol: str, rows: Any) -> bytes:
    """The JSON body of one request for ``rows`` (a 2-D array) in ``protocol``."""
    values = rows.tolist()
    if protocol == "v2":
        tensor = {
            "name": "input-0",
            "shape": [len(values), FEATURES],
            "datatype": "FP64",
            "data": [v for row in values for v in row],
        }
        return json.dumps({"inputs": [tensor]}).encode()
    return json.dumps({"dataframe_split": {"columns": COLUMNS, "data": values}}).encode()


def post(url: str, payload: bytes) -> Any:
    request = urllib.request.Request(
        url, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{url} answered {exc.code}: {exc.read()[:2000]!r}") from None


def predictions(endpoint: Endpoint, rows: Any) -> list[Any]:
    answer = post(endpoint.url, body(endpoint.protocol, rows))
    if endpoint.protocol == "v2":
        return list(answer["outputs"][0]["data"])
    return list(answer["predictions"])


def check_predictions(endpoints: list[Endpoint], model: Any, rows: Any) -> None:
    """Every endpoint must answer exactly what the model predicts, for 1 and 1,000 rows."""
    for count in (1, BIG_ROWS):
        expected = model.predict(rows[:count]).tolist()
        for endpoint in endpoints:
            got = predictions(endpoint, rows[:count])
            if got != expected:
                wrong = sum(a != b for a, b in zip(got, expected, strict=False))
                raise SystemExit(
                    f"{endpoint.label} answers different predictions for {count} rows "
                    f"({len(got)} answers, {wrong} differ; first: {got[:5]} vs {expected[:5]})"
                )


# ---- load ------------------------------------------------------------------------------------


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int = 0
    cpu_us: float = float("nan")  # the server's CPU time per request


def wrk(
    url: str,
    body_path: Path,
    script: Path,
    connections: int,
    duration: float,
    auth: str | None = None,
) -> Run:
    command = [
        *pinned(1),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        url,
    ]
    env = {**os.environ, "BENCH_BODY": str(body_path)}
    if auth is not None:
        env["BENCH_AUTH"] = auth
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed on {url}:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    result = json.loads(lines[-1].removeprefix("RESULT "))
    errors = {k: v for k, v in result["errors"].items() if v}
    if errors or not result["requests"]:
        raise SystemExit(f"wrk saw errors on {url}: {errors} in {result['requests']} requests")
    return Run(
        rps=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1e3,
        p99_ms=result["p99_us"] / 1e3,
        requests=result["requests"],
    )


_BUSY_STATES = {"01", "02", "03", "04", "05", "08", "09", "0B"}  # all but TIME_WAIT, CLOSE, LISTEN


def connections_to(port: int) -> int:
    """How many TCP connections to ``port`` on this machine are still open (Linux; else 0)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] in _BUSY_STATES:
                    count += 1
    return count


def settle(url: str) -> None:
    """Wait until the server has closed every connection of the previous run.

    When a run ends, the server still holds the connections wrk closed and the requests queued
    on them; a run started meanwhile sees stalls of about a second on some connections (with any
    uvicorn application that is saturated), which are the previous run's tail, not its own.
    """
    port = int(url.split(":")[2].split("/")[0])
    deadline = time.perf_counter() + 60
    while connections_to(port) and time.perf_counter() < deadline:
        time.sleep(0.05)


def measure(
    endpoint: Endpoint,
    body_path: Path,
    script: Path,
    connections: int,
    duration: float,
    auth: str | None = None,
) -> Run:
    """One load run on ``endpoint``, with the server's CPU time per request."""
    settle(endpoint.url)
    before = endpoint.server.cpu_seconds()
    run = wrk(endpoint.url, body_path, script, connections, duration, auth)
    after = endpoint.server.cpu_seconds()
    if before is not None and after is not None:
        run.cpu_us = (after - before) / run.requests * 1e6
    return run


# ---- the run -----------------------------------------------------------------------------------


def train() -> tuple[Any, Any]:
    """The seeded model and the rows requests are made of (not used in training)."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = make_classification(
        n_samples=20_000, n_features=FEATURES, n_informative=6, random_state=0
    )
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x[:10_000], y[:10_000])
    return model, x[10_000:]


@contextlib.contextmanager
def running(servers: list[Server]) -> Iterator[None]:
    try:
        for server in servers:
            server.start()
        for server in servers:
            seconds = server.wait_ready()
            print(f"{server.name}: ready in {seconds:.1f} s", file=sys.stderr)
        yield
    finally:
        for server in servers:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mlflow-python", help="a Python with mlflow==3.17.* installed")
    parser.add_argument("--mlserver-python", help="a Python with mlserver(-sklearn)==1.7.1")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--journal",
        action="store_true",
        help="instead: driftline serving a workspace, its logs buffered vs durable (the journal)",
    )
    parser.add_argument(
        "--outliers",
        action="store_true",
        help="instead: the server's CPU time per request without and with outlier scoring",
    )
    parser.add_argument(
        "--side",
        choices=["driftline-server", "driftline-workspace", "driftline-outliers", "save-mlflow"],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--durability", help=argparse.SUPPRESS)
    parser.add_argument("--workspace", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--sample", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--detector", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "driftline-server":
        serve_driftline(args.model, args.port)
        return
    if args.side == "save-mlflow":
        save_mlflow(args.model, args.sample, args.out)
        return
    if args.side == "driftline-workspace":
        serve_workspace(args.model, args.workspace, args.durability, args.port)
        return
    if args.side == "driftline-outliers":
        from serve_outliers import serve_side

        serve_side(args.model, args.workspace, args.detector, args.port)
        return
    if not shutil.which("wrk"):
        raise SystemExit("this benchmark needs wrk: apt-get install -y wrk")
    if args.journal:
        run_journal(args)
        return
    if args.outliers:
        from serve_outliers import run_outliers

        run_outliers(args)
        return

    import joblib
    import numpy as np
    import pyarrow as pa

    from driftline.models import save_model

    model, rows = train()
    with tempfile.TemporaryDirectory(prefix="driftline-serve-bench-") as tmp:
        folder = Path(tmp)
        servers: list[Server] = []
        endpoints: list[Endpoint] = []
        peers: dict[str, str] = {}

        sample = rows[:100]
        save_model(
            model, folder / "driftline", sample=pa.table(dict(zip(COLUMNS, sample.T, strict=True)))
        )
        port = free_port()
        servers.append(
            Server(
                "driftline",
                [
                    *pinned(0),
                    sys.executable,
                    __file__,
                    "--side",
                    "driftline-server",
                    "--model",
                    str(folder / "driftline"),
                    "--port",
                    str(port),
                ],
                server_env(),
                f"http://127.0.0.1:{port}/v2/health/ready",
                folder / "driftline.log",
            )
        )
        endpoints.append(
            Endpoint(
                "driftline /v2 infer",
                f"http://127.0.0.1:{port}/v2/models/{MODEL}/infer",
                "v2",
                servers[-1],
            )
        )
        endpoints.append(
            Endpoint(
                "driftline /invocations",
                f"http://127.0.0.1:{port}/invocations",
                "mlflow",
                servers[-1],
            )
        )
        joblib.dump(model, folder / "model.joblib")
        np.save(folder / "sample.npy", sample)

        if args.mlserver_python:
            peers["MLServer"] = version = peer_version(args.mlserver_python, "mlserver")
            repo = folder / "mlserver"
            (repo / MODEL).mkdir(parents=True)
            shutil.copy(folder / "model.joblib", repo / MODEL / "model.joblib")
            port, grpc, metrics = free_port(), free_port(), free_port()
            settings = {
                "debug": False,
                "parallel_workers": 0,
                "host": "127.0.0.1",
                "http_port": port,
                "grpc_port": grpc,
                "metrics_port": metrics,
            }
            (repo / "settings.json").write_text(json.dumps(settings))
            model_settings = {
                "name": MODEL,
                "implementation": "mlserver_sklearn.SKLearnModel",
                "parameters": {"uri": "./model.joblib", "version": "1"},
            }
            (repo / MODEL / "model-settings.json").write_text(json.dumps(model_settings))
            mlserver = str(Path(args.mlserver_python).parent / "mlserver")
            servers.append(
                Server(
                    "MLServer",
                    [*pinned(0), mlserver, "start", str(repo)],
                    server_env(args.mlserver_python),
                    f"http://127.0.0.1:{port}/v2/models/{MODEL}/ready",
                    folder / "mlserver.log",
                )
            )
            endpoints.append(
                Endpoint(
                    f"MLServer {version} /v2 infer",
                    f"http://127.0.0.1:{port}/v2/models/{MODEL}/infer",
                    "v2",
                    servers[-1],
                )
            )

        if args.mlflow_python:
            out = subprocess.run(
                [
                    args.mlflow_python,
                    __file__,
                    "--side",
                    "save-mlflow",
                    "--model",
                    str(folder / "model.joblib"),
                    "--sample",
                    str(folder / "sample.npy"),
                    "--out",
                    str(folder / "mlflow"),
                ],
                capture_output=True,
                text=True,
                env=server_env(args.mlflow_python),
                check=False,
            )
            if out.returncode != 0:
                raise SystemExit(f"saving the MLflow model failed:\n{out.stderr[-3000:]}")
            peers["MLflow"] = version = json.loads(out.stdout.strip().splitlines()[-1])["version"]
            port = free_port()
            env = server_env(args.mlflow_python)
            env.update({"UVICORN_ACCESS_LOG": "false", "UVICORN_LOG_LEVEL": "warning"})
            env["MLFLOW_TRACKING_URI"] = (folder / "mlruns").as_uri()
            servers.append(
                Server(
                    "MLflow",
                    [
                        *pinned(0),
                        args.mlflow_python,
                        "-m",
                        "mlflow",
                        "models",
                        "serve",
                        "-m",
                        str(folder / "mlflow"),
                        "--env-manager",
                        "local",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        str(port),
                        "-w",
                        "1",
                    ],
                    env,
                    f"http://127.0.0.1:{port}/ping",
                    folder / "mlflow.log",
                )
            )
            endpoints.append(
                Endpoint(
                    f"MLflow {version} /invocations",
                    f"http://127.0.0.1:{port}/invocations",
                    "mlflow",
                    servers[-1],
                )
            )

        script = folder / "post.lua"
        script.write_text(WRK_SCRIPT)
        bodies: dict[tuple[str, int], Path] = {}
        for protocol in ("v2", "mlflow"):
            for count in {rows_ for _, rows_, _ in SCENARIOS}:
                path = folder / f"body-{protocol}-{count}.json"
                path.write_bytes(body(protocol, rows[:count]))
                bodies[protocol, count] = path

        results: dict[tuple[str, str], list[Run]] = {}
        load_before = os.getloadavg()[0]
        with running(servers):
            check_predictions(endpoints, model, rows)
            print("all endpoints answer the model's predictions", file=sys.stderr)
            for endpoint in endpoints:  # warm-up, not measured
                wrk(endpoint.url, bodies[endpoint.protocol, 1], script, 8, 2)
            for rep in range(args.repeat):
                for scenario, count, connections in SCENARIOS:
                    for endpoint in endpoints:
                        run = measure(
                            endpoint,
                            bodies[endpoint.protocol, count],
                            script,
                            connections,
                            args.duration,
                        )
                        results.setdefault((scenario, endpoint.label), []).append(run)
                        print(
                            f"run {rep + 1}/{args.repeat} {scenario:15} {endpoint.label:26} "
                            f"{run.rps:9.0f} req/s  p50 {run.p50_ms:7.2f} ms  "
                            f"p99 {run.p99_ms:7.2f} ms  server CPU {run.cpu_us:6.0f} us/req",
                            file=sys.stderr,
                        )
        load_after = os.getloadavg()[0]
    report(results, endpoints, args, (load_before, load_after))


def median_run(runs: list[Run]) -> Run:
    """The median of each figure over repeated runs of one scenario."""
    return Run(
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
        cpu_us=statistics.median(r.cpu_us for r in runs),
    )


def report(
    results: dict[tuple[str, str], list[Run]],
    endpoints: list[Endpoint],
    args: argparse.Namespace,
    load: tuple[float, float],
) -> None:
    def median(scenario: str, label: str) -> Run:
        return median_run(results[scenario, label])

    ours = [e.label for e in endpoints if e.label.startswith("driftline")]
    mlserver = next((e.label for e in endpoints if e.label.startswith("MLServer")), None)
    mlflow = next((e.label for e in endpoints if e.label.startswith("MLflow")), None)
    pinning = (
        "servers on core 0, wrk on core 1" if pinned(0) else "not pinned (one core or no taskset)"
    )
    print(
        f"one StandardScaler+LogisticRegression ({FEATURES} features), median of {args.repeat} "
        f"runs of {args.duration:g} s; {os.cpu_count()} cores"
    )
    print(f"{pinning}; load average {load[0]:.1f} before, {load[1]:.1f} after")
    print(
        f"{'scenario':15} {'server and endpoint':26} {'req/s':>7} {'p50 ms':>6} {'p99 ms':>7} "
        f"{'CPU us':>6} {'xMLServer':>9} {'xMLflow':>7}"
    )
    for scenario, _, _ in SCENARIOS:
        base = {k: median(scenario, k) for k in (mlserver, mlflow) if k is not None}
        for i, endpoint in enumerate(endpoints):
            run = median(scenario, endpoint.label)
            line = (
                f"{scenario if i == 0 else '':15} {endpoint.label:26} {run.rps:7.0f} "
                f"{run.p50_ms:6.2f} {run.p99_ms:7.2f} {run.cpu_us:6.0f}"
            )
            if endpoint.label in ours:
                for peer, width in ((mlserver, 9), (mlflow, 7)):
                    ratio = f"{run.rps / base[peer].rps:.1f}x" if peer in base else "-"
                    line += f" {ratio:>{width}}"
            print(line)
    print("CPU us: the server's CPU time (all its processes) per answered request, microseconds")
    print("xMLServer, xMLflow: driftline's requests/s over the peer's, in the same scenario")
    if mlserver is not None:
        ours_v2 = median(TARGET_SCENARIO, ours[0])
        theirs = median(TARGET_SCENARIO, mlserver)
        ratio = ours_v2.rps / theirs.rps
        met = ratio >= TARGET_RATIO and ours_v2.p99_ms <= TARGET_P99_MS
        print(
            f"target ({TARGET_SCENARIO}, /v2): >= {TARGET_RATIO}x MLServer's requests/s and p99 "
            f"<= {TARGET_P99_MS:g} ms: " + ("met" if met else "MISSED")
        )
        print(
            f"  measured {ratio:.2f}x, p99 {ours_v2.p99_ms:.2f} ms; CPU per request "
            f"{theirs.cpu_us / ours_v2.cpu_us:.2f}x less than MLServer's"
        )


# ---- the journal's cost: the same workspace server, its logs buffered or durable ----------


def run_journal(args: argparse.Namespace) -> None:
    """Serve the model from two workspaces, logs buffered and durable, and load both alike."""
    import pyarrow as pa

    from driftline.models import save_model

    model, rows = train()
    with tempfile.TemporaryDirectory(prefix="driftline-journal-bench-") as tmp:
        folder = Path(tmp)
        sample = rows[:100]
        save_model(
            model, folder / "model", sample=pa.table(dict(zip(COLUMNS, sample.T, strict=True)))
        )
        servers: list[Server] = []
        endpoints: dict[tuple[str, str], Endpoint] = {}
        for mode in MODES:
            port = free_port()
            servers.append(
                Server(
                    f"driftline, logs {mode}",
                    [
                        *pinned(0), sys.executable, __file__, "--side", "driftline-workspace",
                        "--model", str(folder / "model"), "--workspace", str(folder / mode),
                        "--durability", mode, "--port", str(port),
                    ],
                    server_env(),
                    f"http://127.0.0.1:{port}/v2/health/ready",
                    folder / f"{mode}.log",
                )
            )  # fmt: skip
            base = f"http://127.0.0.1:{port}/v2/models/{MODEL}"
            endpoints[mode, "infer"] = Endpoint(
                f"{mode} /v2 infer", base + "/infer", "v2", servers[-1]
            )
            endpoints[mode, "feedback"] = Endpoint(
                f"{mode} feedback", base + "/feedback", "feedback", servers[-1]
            )
        script = folder / "post.lua"
        script.write_text(WRK_SCRIPT)
        bodies = {}
        for count in (1, BIG_ROWS):
            bodies["infer", count] = folder / f"infer-{count}.json"
            bodies["infer", count].write_bytes(body("v2", rows[:count]))
        labels = {f"request-{i}": int(i % 3 == 0) for i in range(LABELS)}
        bodies["feedback", LABELS] = folder / "feedback.json"
        bodies["feedback", LABELS].write_text(json.dumps({"labels": labels}))
        auth = f"Bearer {TOKEN}"

        results: dict[tuple[str, str], list[Run]] = {}
        load_before = os.getloadavg()[0]
        with running(servers):
            infer = [endpoints[mode, "infer"] for mode in MODES]
            check_predictions(infer, model, rows)
            for mode in MODES:
                answer = post_feedback(endpoints[mode, "feedback"].url, bodies["feedback", LABELS])
                if answer != {"model": MODEL, "labels": LABELS}:
                    raise SystemExit(f"{mode} feedback answered {answer}")
            print("both servers answer the model's predictions and take feedback", file=sys.stderr)
            for (_, kind), endpoint in endpoints.items():  # warm-up, not measured
                count = 1 if kind == "infer" else LABELS
                wrk(endpoint.url, bodies[kind, count], script, 8, 2, auth)
            for rep in range(args.repeat):
                for scenario, kind, count, connections in JOURNAL_SCENARIOS:
                    for mode in MODES:
                        endpoint = endpoints[mode, kind]
                        run = measure(
                            endpoint, bodies[kind, count], script, connections, args.duration, auth
                        )
                        results.setdefault((scenario, mode), []).append(run)
                        print(
                            f"run {rep + 1}/{args.repeat} {scenario:16} {mode:8} "
                            f"{run.rps:9.0f} req/s  p50 {run.p50_ms:7.2f} ms  "
                            f"p99 {run.p99_ms:7.2f} ms  server CPU {run.cpu_us:6.0f} us/req",
                            file=sys.stderr,
                        )
        load_after = os.getloadavg()[0]
        journals = [p.name for mode in MODES for p in (folder / mode / "journal").glob("*.dlj")]
    report_journal(results, args, (load_before, load_after))
    if journals:
        print(f"journal files left after a clean stop (unexpected): {journals}")


def post_feedback(url: str, path: Path) -> Any:
    request = urllib.request.Request(
        url,
        data=path.read_bytes(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{url} answered {exc.code}: {exc.read()[:2000]!r}") from None


def report_journal(
    results: dict[tuple[str, str], list[Run]],
    args: argparse.Namespace,
    load: tuple[float, float],
) -> None:
    def median(scenario: str, mode: str) -> Run:
        return median_run(results[scenario, mode])

    pinning = (
        "servers on core 0, wrk on core 1" if pinned(0) else "not pinned (one core or no taskset)"
    )
    print(
        f"driftline serving a workspace (prediction and feedback logs on), logs buffered vs "
        f"durable; median of {args.repeat} runs of {args.duration:g} s; {os.cpu_count()} cores"
    )
    print(f"{pinning}; load average {load[0]:.1f} before, {load[1]:.1f} after")
    print(
        f"{'scenario':16} {'logs':8} {'req/s':>7} {'p50 ms':>6} {'p99 ms':>7} {'CPU us':>6} "
        f"{'req/s vs buffered':>17} {'p99 vs buffered':>15}"
    )
    for scenario, _, _, _ in JOURNAL_SCENARIOS:
        base = median(scenario, "buffered")
        for i, mode in enumerate(MODES):
            run = median(scenario, mode)
            line = (
                f"{scenario if i == 0 else '':16} {mode:8} {run.rps:7.0f} {run.p50_ms:6.2f} "
                f"{run.p99_ms:7.2f} {run.cpu_us:6.0f}"
            )
            if mode != "buffered":
                line += f" {run.rps / base.rps:16.2f}x {run.p99_ms / base.p99_ms:14.2f}x"
            print(line)
    print("durable: each prediction and label is in the journal on disk (fdatasync) before the")
    print("answer; concurrent requests share a flush. CPU us: the server's CPU time per request")


if __name__ == "__main__":
    main()
