"""`driftline serve`'s app loads each version's outlier detector from its monitor reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from driftline.data.profiling import profile_table
from driftline.models.monitoring.outliers import fit_outlier_detector
from driftline.models.monitoring.reference import MonitorReference, MonitorReferenceType
from driftline.monitor import read_predictions
from driftline.monitor.logs.segments import OUTLIER
from driftline.registry import ModelRegistry
from driftline.serving.workspace_app import build_app, registered_detector
from driftline.workspace import Workspace

FEATURES = ("a", "b", "c")


def register(ws: Workspace, folder: Path, *, detector: bool) -> int:
    """Register a version of ``churn`` (with a reference holding a detector, or none)."""
    from sklearn.linear_model import LogisticRegression

    from driftline.models.artifact import ModelType
    from driftline.models.saving import save_model

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 3))
    train = pa.table(dict(zip(FEATURES, x.T, strict=True)))
    fitted = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
    target = folder / f"m{detector}"
    save_model(fitted, target, sample=train.slice(0, 20))
    with ws.artifacts.writer(ws.artifacts.new_key("model", "m.tar.gz")) as out:
        props = ModelType.save(target, out)
    model = ws.metadata.put_artifact(ws.new_artifact("model", out.result, properties=props))
    reference_id = None
    if detector:
        reference = MonitorReference(
            features=FEATURES,
            outliers=fit_outlier_detector(profile_table(train), train),
            calibration=None,
            importance=dict.fromkeys(FEATURES, 0.0),
            predictions=profile_table(pa.table({"prediction": fitted.predict(x)})),
            eval_rows=1000,
        )
        with ws.artifacts.writer(ws.artifacts.new_key("monitor_reference", "r.monref")) as out:
            props = MonitorReferenceType.save(reference, out)
        stored = ws.new_artifact("monitor_reference", out.result, properties=props)
        reference_id = ws.metadata.put_artifact(stored).id
    version = ModelRegistry(ws).register("churn", model.id, reference_id=reference_id, by="test")
    return int(version.number)


def test_the_served_champion_scores_with_its_registered_detector(
    ws: Workspace, tmp_path: Path
) -> None:
    from starlette.testclient import TestClient

    with_detector = register(ws, tmp_path, detector=True)
    without = register(ws, tmp_path, detector=False)
    registry = ModelRegistry(ws)
    assert registered_detector(registry, "churn", with_detector) is not None
    assert registered_detector(registry, "churn", without) is None
    registry.promote("churn", with_detector)
    app = build_app(ws.metadata, ws.artifacts, rollouts=False, freeze_gc=False)
    body = {
        "inputs": {"a": [0.1, 50.0], "b": [0.0, 0.0], "c": [0.2, 0.0]},
        "params": {"outliers": True},
    }
    with TestClient(app) as client:
        answer = client.post("/invocations", json=body).json()
    assert answer["outliers"] == [False, True]
    logged = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert logged[OUTLIER].to_pylist() == [False, True]
