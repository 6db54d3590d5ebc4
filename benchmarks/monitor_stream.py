"""The logged stream of ``benchmarks/monitor.py``: a registered version and its prediction log.

A workspace gets one version of ``bench`` (a scikit-learn ``LogisticRegression`` on ``inputs``
numeric columns, its training profile, and a monitor reference with a calibration fitted on held-out
rows), then ``rows`` predicted rows spread evenly over ``hours`` hours, logged through the real
:class:`~driftline.monitor.logs.predlog.PredictionLog` (requests of ``request_rows`` rows, a
segment every ``segment_rows`` rows, as a server writes them), with outlier scores and flags.
The inputs mix the shapes a model sees: normal, lognormal, uniform, heavy-tailed, small integer
codes and rounded amounts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

MODEL = "bench"
START = datetime(2026, 5, 4, tzinfo=UTC)
HOUR = timedelta(hours=1)


def inputs(rng: np.random.Generator, n: int, count: int) -> pa.Table:
    """``n`` rows of ``count`` numeric inputs ``x00``, ``x01``, ... of various shapes."""
    makers: list[Callable[[], np.ndarray]] = [
        lambda: rng.normal(10.0, 3.0, n),
        lambda: rng.lognormal(0.0, 1.0, n),
        lambda: rng.uniform(-1.0, 1.0, n),
        lambda: rng.standard_t(5, n),
        lambda: rng.integers(0, 12, n).astype(np.float64),
        lambda: np.round(rng.gamma(2.0, 50.0, n), 2),
        lambda: rng.exponential(2.0, n),
    ]
    return pa.table({f"x{i:02d}": makers[i % len(makers)]() for i in range(count)})


def _labels(rng: np.random.Generator, table: pa.Table) -> np.ndarray:
    x = np.column_stack([c.to_numpy() for c in table.columns])
    z = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
    return (z[:, :4].sum(axis=1) + rng.logistic(0.0, 1.0, len(z)) > 0).astype(np.int64)


def fit(count: int, seed: int = 0) -> tuple[Any, pa.Table, np.ndarray, pa.Table, np.ndarray]:
    """The model (the same for the same seed), its training rows and labels, held-out ones."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    train, held = inputs(rng, 20_000, count), inputs(rng, 5_000, count)
    y, y_held = _labels(rng, train), _labels(rng, held)
    x = np.column_stack([c.to_numpy() for c in train.columns])
    model = make_pipeline(StandardScaler(), LogisticRegression())
    return model.fit(x, y), train, y, held, y_held


def register(ws: Any, folder: Path, count: int, seed: int = 0) -> Any:
    """Register version 1 of :data:`MODEL` (training profile, monitor reference); the model."""
    from driftline.data.profiling import profile_table
    from driftline.models.artifact import ModelType
    from driftline.models.monitoring.calibration import fit_calibration
    from driftline.models.monitoring.reference import MonitorReference, MonitorReferenceType
    from driftline.models.saving import save_model
    from driftline.registry import ModelRegistry

    fitted, train, y, held, y_held = fit(count, seed)
    x_held = np.column_stack([c.to_numpy() for c in held.columns])
    save_model(fitted, folder / "model", sample=train.slice(0, 20))
    with ws.artifacts.writer(ws.artifacts.new_key("model", "m.tar.gz")) as out:
        props = ModelType.save(folder / "model", out)
    model = ws.metadata.put_artifact(ws.new_artifact("model", out.result, properties=props))
    whole = train.append_column("label", pa.array(y))
    stored = ws.artifacts.put_bytes(
        ws.artifacts.new_key("profile", "p.profile"), profile_table(whole).to_bytes()
    )
    profile_id = ws.metadata.put_artifact(ws.new_artifact("profile", stored, properties={})).id
    ref = MonitorReference(
        features=tuple(train.column_names),
        outliers=None,
        calibration=fit_calibration(fitted.predict_proba(x_held), y_held, [0, 1]),
        importance=dict.fromkeys(train.column_names, 1.0 / count),
        predictions=profile_table(pa.table({"prediction": fitted.predict(x_held)})),
        eval_rows=len(y_held),
    )
    with ws.artifacts.writer(ws.artifacts.new_key("monitor_reference", "r.monref")) as out:
        props = MonitorReferenceType.save(ref, out)
    reference_id = ws.metadata.put_artifact(
        ws.new_artifact("monitor_reference", out.result, properties=props)
    ).id
    ModelRegistry(ws).register(
        MODEL, model.id, profile_id=profile_id, reference_id=reference_id, by="benchmark"
    )
    return fitted


def log_hours(
    ws: Any,
    fitted: Any,
    *,
    hours: range,
    rows_per_hour: int,
    count: int,
    request_rows: int,
    segment_rows: int,
    seed: int,
) -> int:
    """Log ``rows_per_hour`` predicted rows in each of ``hours``; the rows logged."""
    from driftline.monitor.logs.predlog import PredictionLog

    rng = np.random.default_rng(seed)
    logged = 0
    with PredictionLog(
        ws.metadata,
        ws.artifacts,
        flush_rows=segment_rows,
        flush_seconds=3600,
        queue_rows=max(2 * segment_rows, rows_per_hour + request_rows),
    ) as log:
        for hour in hours:
            table = inputs(rng, rows_per_hour, count)
            x = np.column_stack([c.to_numpy() for c in table.columns])
            predicted = fitted.predict(x)
            scores = rng.gamma(2.0, 1.0, rows_per_hour)
            flags = scores > 6.0
            requests = max(1, rows_per_hour // request_rows)
            bounds = np.linspace(0, rows_per_hour, requests + 1).astype(np.int64)
            for r in range(requests):  # requests, not rows
                lo, hi = int(bounds[r]), int(bounds[r + 1])
                at = START + hour * HOUR + timedelta(seconds=3600.0 * r / requests)
                queued = log.log(
                    MODEL,
                    1,
                    f"h{hour}-r{r}",
                    table.slice(lo, hi - lo),
                    predicted[lo:hi],
                    at,
                    outliers=(scores[lo:hi], flags[lo:hi]),
                )
                if not queued:
                    raise RuntimeError(f"hour {hour}: the prediction log dropped request {r}")
                if hi // segment_rows != lo // segment_rows and not log.flush(timeout=600):
                    raise RuntimeError(f"hour {hour}: the prediction log did not flush")
            if not log.flush(timeout=600):
                raise RuntimeError(f"hour {hour}: the prediction log did not flush")
            logged += rows_per_hour
    return logged
