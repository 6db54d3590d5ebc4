"""Benchmark of the dashboard: the server time of every page and every ``/api`` route.

    python benchmarks/ui.py [--quick] [--workspace DIR] [--repeat R]

Builds (or reuses, with ``--workspace DIR`` once built there) a workspace as big as the
dashboard is meant to stay fast on, through the real APIs, seeded:

- 200 model versions (``registry.register``; model ``churn`` has a real scikit-learn model, its
  profile and monitor reference, and is the champion at v1);
- 1,000 hourly live windows of ``churn`` v1: predictions and labels logged through the
  prediction and feedback logs, profiled into window parts by the monitor's own
  ``update_windows``;
- 10,000 executions: pipeline runs (one failing), retrain jobs (a third failed) with their
  trigger decisions (most deduplicated onto an open job), evaluations reading the spans;
- a dataset of 5 spans.

``--quick`` builds a tenth of it (100 windows, 1,000 executions, 20 versions) for a smoke run.
Then it times every GET page and ``/api`` route in process through the ASGI app (Starlette's
``TestClient``; the time is measured inside the app, from the request's arrival to the answer's
last byte, so the client's own cost is left out): R repetitions after one warm-up, median and
p90 of the server time and the median CPU time (the process's, so threads count) per request,
against the targets (page <= 150 ms, api <= 50 ms). The overview reuses a model's health while
nothing new was stored for it: the ``first`` column is the warm-up request's time with nothing
reused (and the page's template compiled), what a request after a new window costs. The
machine's core count and load are printed: on a busy machine the figures are upper bounds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

PAGE_MS = 150.0
API_MS = 50.0
FEATURES = ("a", "b", "c")
START = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
MODELS = ("churn", "fraud", "sensors", "prices")
BUILT = "benchmark-ui.built"
"""A file in the workspace folder saying it is complete (a half-built one is not reused)."""


def say(text: str) -> None:
    """A progress line."""
    print(text, file=sys.stderr, flush=True)


def _rows(rng: np.random.Generator, n: int) -> tuple[pa.Table, np.ndarray]:
    table = pa.table({f: rng.normal(0.0, 1.0, n) for f in FEATURES})
    a, b = table["a"].to_numpy(), table["b"].to_numpy()
    return table, (a + b + rng.logistic(0.0, 0.5, n) > 0).astype(np.int64)


def _put(ws: Any, kind: str, name: str, data: bytes, props: dict[str, Any]) -> int:
    stored = ws.artifacts.put_bytes(ws.artifacts.new_key(kind, name), data)
    return int(ws.metadata.put_artifact(ws.new_artifact(kind, stored, properties=props)).id)


def _model(ws: Any, folder: Path, rng: np.random.Generator) -> tuple[Any, int, int, int]:
    """A fitted model stored as an artifact, its profile and monitor reference (their ids)."""
    from sklearn.linear_model import LogisticRegression

    from driftline.data.profiling import profile_table
    from driftline.models.artifact import ModelType
    from driftline.models.monitoring.calibration import fit_calibration
    from driftline.models.monitoring.reference import MonitorReference, MonitorReferenceType
    from driftline.models.saving import save_model

    (train, y), (held, y_held) = _rows(rng, 2000), _rows(rng, 2000)
    x = np.column_stack([train[f].to_numpy() for f in FEATURES])
    x_held = np.column_stack([held[f].to_numpy() for f in FEATURES])
    fitted = LogisticRegression().fit(x, y)
    save_model(fitted, folder / "model", sample=train.slice(0, 20))
    with ws.artifacts.writer(ws.artifacts.new_key("model", "m.tar.gz")) as out:
        props = ModelType.save(folder / "model", out)
    model = ws.metadata.put_artifact(ws.new_artifact("model", out.result, properties=props)).id
    whole = train.append_column("label", pa.array(y))
    profile = _put(ws, "profile", "p.profile", profile_table(whole).to_bytes(), {})
    reference = MonitorReference(
        features=FEATURES,
        outliers=None,
        calibration=fit_calibration(fitted.predict_proba(x_held), y_held, [0, 1]),
        importance=dict.fromkeys(FEATURES, 0.1),
        predictions=profile_table(pa.table({"prediction": fitted.predict(x_held)})),
        eval_rows=2000,
        notes=(),
    )
    with ws.artifacts.writer(ws.artifacts.new_key("monitor_reference", "r.monref")) as out:
        props = MonitorReferenceType.save(reference, out)
    ref = ws.metadata.put_artifact(
        ws.new_artifact("monitor_reference", out.result, properties=props)
    )
    return fitted, model, profile, ref.id


def _versions(ws: Any, total: int, model: int, profile: int, reference: int) -> None:
    from driftline.registry import ModelRegistry

    registry = ModelRegistry(ws)
    for n in range(total):
        name = MODELS[n % len(MODELS)]
        registry.register(
            name,
            model,
            profile_id=profile,
            reference_id=reference,
            metrics={"accuracy": 0.8 + 0.001 * n},
            by="benchmark",
        )
        if n < len(MODELS):
            registry.promote(name, 1, by="benchmark", reason="first version")
        if (n + 1) % 50 == 0:
            say(f"  versions {n + 1}/{total}")


def _windows(ws: Any, fitted: Any, hours: int, per_hour: int, rng: np.random.Generator) -> None:
    from driftline.monitor.logs.feedback import FeedbackLog
    from driftline.monitor.logs.predlog import PredictionLog
    from driftline.monitor.windows import update_windows

    with (
        PredictionLog(ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=3600) as log,
        FeedbackLog(ws.metadata, ws.artifacts, flush_seconds=3600) as feedback,
    ):
        labels: dict[str, list[int]] = {}
        for hour in range(hours):
            table, y = _rows(rng, per_hour)
            x = np.column_stack([table[f].to_numpy() for f in FEATURES])
            at = START + hour * HOUR
            log.log("churn", 1, f"r{hour}", table, fitted.predict(x), at)
            labels[f"r{hour}"] = y.tolist()
            if (hour + 1) % 100 == 0:  # a segment per 100 hours
                assert log.flush(timeout=120), "the prediction log did not flush"
                feedback.record("churn", labels, at=at + HOUR)
                labels = {}
                say(f"  logged hours {hour + 1}/{hours}")
        assert log.flush(timeout=120), "the prediction log did not flush"
        if labels:
            feedback.record("churn", labels, at=START + hours * HOUR)

    def progress(done: int, total: int) -> None:
        say(f"  profiled segments {done}/{total}")

    made = update_windows(ws, "churn", progress=progress)
    say(f"  {made.parts_written} window parts from {made.rows_read} rows")


def _executions(ws: Any, total: int, rng: np.random.Generator) -> None:
    """Pipeline runs, jobs with trigger decisions, then evaluations up to ``total``."""
    from driftline.controller.jobs import JobQueue, JobStatus
    from driftline.pipeline import (
        JsonArtifact,
        Metrics,
        Pipeline,
        StepFailedError,
        run_pipeline,
        step,
    )
    from driftline.store.queries import ExecutionQuery
    from driftline.store.records import NewExecution

    @step
    def make(n: int = 3) -> JsonArtifact:
        """A list of ``n`` numbers."""
        return list(range(n))

    @step
    def total_of(make: JsonArtifact) -> Metrics:
        """Their sum, as a metric."""
        return {"total": float(sum(make))}

    @step
    def boom(make: JsonArtifact) -> JsonArtifact:
        """Fails."""
        raise RuntimeError("the benchmark's failing step")

    small = Pipeline("small", [make, total_of])
    runs = max(5, total // 200)
    for n in range(runs):
        run_pipeline(ws, small, params={"n": n + 1}, progress=False)
    with contextlib.suppress(StepFailedError):
        run_pipeline(ws, Pipeline("failing", [make, boom]), progress=False)
    say(f"  {runs + 1} pipeline runs")
    queue = JobQueue(ws.metadata)
    jobs = max(6, total // 250)
    triggers = total // 10
    per_job = max(1, triggers // jobs)
    for n in range(jobs):
        model = MODELS[n % len(MODELS)]
        made = queue.enqueue(
            f"retrain:{model}", "train", {}, {"kind": "drift", "reason": f"drift {n}"}
        )
        for k in range(per_job - 1):  # while it is open, triggers are deduplicated onto it
            queue.enqueue(
                f"retrain:{model}", "train", {}, {"kind": "drift", "reason": f"still {n}.{k}"}
            )
        if n % 3 == 2:
            queue.update(made.job, status=JobStatus.FAILED, error=f"step train failed ({n})")
        else:
            queue.update(made.job, status=JobStatus.COMPLETE, outcome={"reason": "promoted"})
    say(f"  {jobs} jobs, {jobs * per_job} trigger decisions")
    spans = [s.artifact_id for s in ws.data.spans("churn")]
    done = len(ws.metadata.executions(ExecutionQuery(limit=total)))
    for n in range(done, total):
        ws.metadata.record_execution(
            NewExecution("evaluate", properties={"accuracy": float(rng.uniform(0.7, 0.9))}),
            inputs={"span": spans[n % len(spans)]},
        )
        if (n + 1) % 1000 == 0:
            say(f"  executions {n + 1}/{total}")


def build(folder: Path, *, windows: int, executions: int, versions: int) -> None:
    """Make the benchmark's workspace in ``folder`` (see the module docstring)."""
    from driftline.workspace import Workspace

    rng = np.random.default_rng(17)
    began = time.perf_counter()
    with Workspace.init(folder) as ws:
        for _n in range(5):
            table, y = _rows(rng, 200)
            ws.data.ingest("churn", table.append_column("label", pa.array(y)), label="label")
        say("datasets: 5 spans")
        with tempfile.TemporaryDirectory() as scratch:
            fitted, model, profile, reference = _model(ws, Path(scratch), rng)
        _versions(ws, versions, model, profile, reference)
        say(f"versions: {versions}")
        _windows(ws, fitted, windows, 40, rng)
        say(f"windows: {windows}")
        _executions(ws, executions, rng)
        say(f"executions: {executions}")
    (folder / BUILT).write_text(f"{windows} {executions} {versions}\n")
    say(f"built in {time.perf_counter() - began:.0f} s")


def _targets(ws: Any) -> dict[str, str]:
    """A real value for each path parameter of the routes."""
    from driftline.store.queries import ArtifactQuery, ContextQuery

    run = ws.metadata.contexts(ContextQuery(kind="run", limit=1))
    [model] = ws.metadata.artifacts(ArtifactQuery(kind="model", limit=1))
    return {
        "name": "churn",
        "version": "1",
        "run_id": run[0].name if run else "none",
        "ref": str(model.id),
        "id": str(model.id),
        "dataset": "churn",
        "number": "1",
    }


def _paths(app: Any, values: dict[str, str]) -> list[str]:
    """Every GET route of the pages (not the static files), with its parameters filled."""
    import re

    from starlette.routing import Route

    out = []
    for route in app.routes:
        if not isinstance(route, Route) or "GET" not in (route.methods or ()):
            continue
        if route.path.startswith(("/static", "/signout")):
            continue
        if "/backtests/" in route.path:
            continue  # the benchmark saves no backtest
        out.append(re.sub(r"{(\w+)(:\w+)?}", lambda m: values[m.group(1)], route.path))
    return out


class Timed:
    """An ASGI app around another: the server time and CPU time of each request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last: tuple[float, float] = (0.0, 0.0)

    async def __call__(self, scope: Any, receive: Callable[..., Any], send: Any) -> None:
        """Serve the request; note its wall and CPU time in ``last`` (milliseconds)."""
        wall, cpu = time.perf_counter(), time.process_time()
        await self.app(scope, receive, send)
        self.last = (
            1000 * (time.perf_counter() - wall),
            1000 * (time.process_time() - cpu),
        )


Timings = tuple[str, int, float, list[float], list[float]]
"""A route's path, status, first request's server time, then server and CPU times (ms)."""


def measure(folder: Path, repeat: int) -> list[Timings]:
    """Each route's status, first server time, server times and CPU times over ``repeat``."""
    from starlette.testclient import TestClient

    from driftline.ui.app import create_app
    from driftline.ui.views.overview_model import forget_health
    from driftline.workspace import Workspace

    results = []
    with Workspace.open(folder) as ws:
        app = create_app(ws)
        timed = Timed(app)
        with TestClient(timed, raise_server_exceptions=False) as client:
            for path in _paths(app, _targets(ws)):
                forget_health()  # the warm-up reuses no model health the overview found
                status = client.get(path).status_code
                first = timed.last[0]
                walls, cpus = [], []
                for _ in range(repeat):
                    client.get(path)
                    walls.append(timed.last[0])
                    cpus.append(timed.last[1])
                results.append((path, status, first, walls, cpus))
    return results


def report(results: list[Timings], repeat: int) -> int:
    """Print the table; return how many routes miss their target."""
    print(
        f"\ndashboard server time per request, {repeat} repetitions after a warm-up; "
        f"{os.cpu_count()} cores, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    header = f"{'route':<44} {'status':>6} {'first ms':>9} {'median ms':>10} {'p90 ms':>8}"
    print(f"{header} {'cpu ms':>7} {'target':>7} {'x target':>8}")
    slow = 0
    for path, status, first, walls, cpus in results:
        target = API_MS if path.startswith("/api") else PAGE_MS
        median = statistics.median(walls)
        p90 = float(np.percentile(walls, 90))
        ratio = median / target
        slow += ratio > 1
        mark = "  SLOW" if ratio > 1 else ""
        print(
            f"{path[:44]:<44} {status:>6} {first:>9.1f} {median:>10.1f} {p90:>8.1f} "
            f"{statistics.median(cpus):>7.1f} {target:>7.0f} {ratio:>8.2f}{mark}"
        )
    targets = f"page {PAGE_MS:.0f} ms, api {API_MS:.0f} ms"
    print(f"{slow} of {len(results)} routes over their target ({targets}) by the median")
    return slow


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the workspace, time every route, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the workspace")
    parser.add_argument("--workspace", type=Path, help="build here once, reuse afterwards")
    parser.add_argument("--repeat", type=int, default=None, help="requests per route")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    sizes = {"windows": 1000 // scale, "executions": 10_000 // scale, "versions": 200 // scale}
    repeat = args.repeat or (3 if args.quick else 9)
    with tempfile.TemporaryDirectory(prefix="driftline-ui-bench-") as scratch:
        folder = args.workspace or Path(scratch) / "ws"
        if (folder / BUILT).exists():
            say(f"reusing {folder} ({(folder / BUILT).read_text().strip()})")
        else:
            say(f"building {folder}: {sizes}")
            build(folder, **sizes)
        results = measure(folder, repeat)
    report(results, repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
