"""The rollout driver scores feedback as the rest of driftline does: by value, not by type.

A model trained on float labels predicts ``1.0``; feedback arrives as the integer ``1``. The
rollout counts such a label as right (as the monitor and the backtest do), for the champion and
for the canary. Real parts: a workspace, registered models, the driver and the serving observer.
"""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pytest

from driftline.components.training import model_with_signature
from driftline.models.artifact import ModelType
from driftline.registry import ModelRegistry
from driftline.rollout.driver import RolloutDriver, score_labels
from driftline.rollout.engine import RolloutSpec
from driftline.rollout.store import RolloutStore
from driftline.serving.observer import ServingObserver
from driftline.serving.table import ModelTable
from driftline.serving.workspace_app import served_versions
from driftline.workspace import Workspace

ROWS = 200


def _rows() -> tuple[pa.Table, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(ROWS, 2))
    return pa.table({"a": x[:, 0], "b": x[:, 1]}), (x[:, 0] > x[:, 1]).astype(np.float64)


@pytest.fixture
def two_versions(ws: Workspace) -> None:
    """``m`` v1 (champion) and v2 in ``ws``: trees that learnt float labels, so predict 1.0/0.0."""
    from sklearn.tree import DecisionTreeClassifier

    features, y = _rows()
    x = np.column_stack([features["a"].to_numpy(), features["b"].to_numpy()])
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    for seed in (1, 2):
        tree = DecisionTreeClassifier(random_state=seed).fit(x, y)
        out = io.BytesIO()
        props = ModelType.save(model_with_signature(tree, features), out)
        stored = ws.artifacts.put_bytes(
            ws.artifacts.new_key("model", f"v{seed}.tar.gz"), out.getvalue()
        )
        artifact = ws.metadata.put_artifact(ws.new_artifact("model", stored, properties=props))
        registry.register("m", artifact.id, by="test")
    registry.promote("m", 1, by="test", reason="first")


def test_score_labels_compares_by_value() -> None:
    assert score_labels(np.array([1.0, 0.0, 1.0]), [1, 1, 1]) == (3, 2)
    assert score_labels(np.array([1.0]), 1) == (1, 1)
    assert score_labels(np.array(["1"]), 1.0) == (1, 1)
    assert score_labels(np.array(["cat", "dog"]), ["cat", "cat"]) == (2, 1)
    assert score_labels(np.array([1.0, 0.0]), [1]) is None


@pytest.mark.usefixtures("two_versions")
def test_a_canary_counts_label_1_for_prediction_1_0_as_right(ws: Workspace) -> None:
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    store = RolloutStore(ws.metadata)
    driver = RolloutDriver(ModelTable(served_versions(registry)), registry, store, seed=0)
    observer = ServingObserver(rollouts=driver)
    features, y = _rows()
    try:
        store.request(RolloutSpec("m", 1, 2, steps=(50.0, 100.0), hold_requests=10_000))
        assert driver.poll() == ["m#1"]
        rollout = driver.rollout_of("m")
        assert rollout is not None
        answered: list[np.ndarray] = []
        for i in range(ROWS):
            row = features.slice(i, 1)
            served = driver.table.resolve("m")
            answer = served.spec.predict(row)
            answered.append(np.asarray(answer))
            observer.on_predictions(served, f"r{i}", row, answer)
            assert observer.on_feedback("m", {f"r{i}": int(y[i])}) == 1  # the label as an int
        assert {a.dtype.kind for a in answered} == {"f"}  # the predictions are floats
        counts = rollout.counts()
        assert counts["1"]["labelled"] > 20
        assert counts["2"]["labelled"] > 20
        assert counts["1"]["labelled"] + counts["2"]["labelled"] == ROWS
        for version in ("1", "2"):  # both trees are right on every row they learnt
            assert counts[version]["correct"] == counts[version]["labelled"]
    finally:
        observer.close()
