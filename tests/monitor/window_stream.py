"""A small seeded stream for the live-window tests, logged through the real prediction log.

Three numeric inputs ``a``, ``b``, ``c`` (standard normal in training); the label is
``a + b + logistic noise / 2 > 0``. A version is registered with a real scikit-learn model, its
training profile and (optionally) a monitor reference with a calibration fitted on held-out rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from driftline.data.profiling import profile_table
from driftline.monitor.logs.feedback import FeedbackLog
from driftline.monitor.logs.predlog import PredictionLog
from driftline.workspace import Workspace

FEATURES = ("a", "b", "c")
START = datetime(2026, 5, 4, tzinfo=UTC)
HOUR = timedelta(hours=1)


def rows(rng: np.random.Generator, n: int, *, narrow: Sequence[str] = ()) -> pa.Table:
    """``n`` rows of inputs; the ``narrow`` inputs have sd 0.2 instead of 1 (near the boundary)."""
    columns = {}
    for name in FEATURES:
        sd = 0.2 if name in narrow else 1.0
        columns[name] = rng.normal(0.0, sd, n)
    return pa.table(columns)


def truth(rng: np.random.Generator, table: pa.Table) -> np.ndarray:
    """The labels of ``table``'s rows."""
    a, b = (table[n].to_numpy() for n in ("a", "b"))
    return (a + b + rng.logistic(0.0, 0.5, len(a)) > 0).astype(np.int64)


def _store(ws: Workspace, kind: str, name: str, data: bytes, props: Any = None) -> int:
    stored = ws.artifacts.put_bytes(ws.artifacts.new_key(kind, name), data)
    return ws.metadata.put_artifact(ws.new_artifact(kind, stored, properties=props or {})).id


def register(
    ws: Workspace,
    folder: Path,
    name: str = "churn",
    *,
    profile: bool = True,
    reference: bool = True,
    probabilities: bool = True,
    seed: int = 0,
) -> Any:
    """Register a version of ``name`` trained on 2,000 rows; return the fitted model."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    from driftline.models.artifact import ModelType
    from driftline.models.monitoring.calibration import fit_calibration
    from driftline.models.monitoring.reference import MonitorReference, MonitorReferenceType
    from driftline.models.saving import save_model
    from driftline.registry import ModelRegistry

    rng = np.random.default_rng(seed)
    train, held = rows(rng, 2000), rows(rng, 2000)
    y, y_held = truth(rng, train), truth(rng, held)
    x = np.column_stack([train[n].to_numpy() for n in FEATURES])
    x_held = np.column_stack([held[n].to_numpy() for n in FEATURES])
    fitted = (LogisticRegression() if probabilities else LinearSVC()).fit(x, y)
    target = folder / f"{name}-{len(list(folder.iterdir())) if folder.exists() else 0}"
    save_model(fitted, target, sample=train.slice(0, 20))
    with ws.artifacts.writer(ws.artifacts.new_key("model", "m.tar.gz")) as out:
        props = ModelType.save(target, out)
    model = ws.metadata.put_artifact(ws.new_artifact("model", out.result, properties=props))
    profile_id = reference_id = None
    if profile:
        whole = train.append_column("label", pa.array(y))
        profile_id = _store(ws, "profile", "p.profile", profile_table(whole).to_bytes())
    if reference:
        calibration = None
        notes: tuple[str, ...] = ("the model gives no probabilities",)
        if probabilities:
            calibration = fit_calibration(fitted.predict_proba(x_held), y_held, [0, 1])
            notes = ()
        ref = MonitorReference(
            features=FEATURES,
            outliers=None,
            calibration=calibration,
            importance=dict.fromkeys(FEATURES, 0.1),
            predictions=profile_table(pa.table({"prediction": fitted.predict(x_held)})),
            eval_rows=2000,
            notes=notes,
        )
        with ws.artifacts.writer(ws.artifacts.new_key("monitor_reference", "r.monref")) as out:
            props = MonitorReferenceType.save(ref, out)
        reference_id = ws.metadata.put_artifact(
            ws.new_artifact("monitor_reference", out.result, properties=props)
        ).id
    ModelRegistry(ws).register(
        name, model.id, profile_id=profile_id, reference_id=reference_id, by="test"
    )
    return fitted


def log_hours(
    ws: Workspace,
    fitted: Any,
    *,
    name: str = "churn",
    version: int | str = 1,
    hours: Sequence[int] = (0, 1, 2),
    per_hour: int = 400,
    requests: int = 4,
    narrow_from: int | None = None,
    seed: int = 1,
    hash_columns: Sequence[str] = (),
    labels: bool = False,
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Log ``per_hour`` rows in each of ``hours`` (one segment per hour); return each hour's
    ``(predictions, labels)``. Labels are recorded as feedback when ``labels``."""
    rng = np.random.default_rng(seed)
    out = {}
    with (
        PredictionLog(
            ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=3600,
            hash_columns=hash_columns,
        ) as log,
        FeedbackLog(ws.metadata, ws.artifacts, flush_seconds=3600) as feedback,
    ):  # fmt: skip
        for hour in hours:
            narrow = ("a", "b") if narrow_from is not None and hour >= narrow_from else ()
            table = rows(rng, per_hour, narrow=narrow)
            y = truth(rng, table)
            x = np.column_stack([table[n].to_numpy() for n in FEATURES])
            predicted = fitted.predict(x)
            size = per_hour // requests
            for r in range(requests):
                at = START + hour * HOUR + timedelta(minutes=10 * r)
                part = slice(r * size, (r + 1) * size)
                rid = f"{version}-{hour}-{r}"
                log.log(name, version, rid, table.slice(r * size, size), predicted[part], at)
                if labels:
                    feedback.record(name, {rid: y[part].tolist()}, at=at + timedelta(days=1))
            assert log.flush(timeout=60)
            out[hour] = (predicted, y)
    return out
