"""A model card shows the metrics the steps of its training run recorded."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from driftline.models.artifact import Model
from driftline.pipeline import JsonArtifact, Metrics, Pipeline, StepContext, run_pipeline, step
from driftline.registry import ModelRegistry, model_card
from driftline.workspace import Workspace


@step
def data(rows: int = 200) -> JsonArtifact:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(rows, 2))
    return {"x": x.tolist(), "y": (x[:, 0] > 0).astype(int).tolist()}


@step
def train(ctx: StepContext, data: JsonArtifact) -> Model:
    x, y = np.asarray(data["x"]), np.asarray(data["y"])
    model: Any = LogisticRegression().fit(x, y)
    ctx.log_metric("train_accuracy", float(model.score(x, y)))
    return model


@step
def check(data: JsonArtifact) -> Metrics:
    return {"positives": float(sum(data["y"]))}


def test_the_card_has_the_training_runs_step_metrics(ws: Workspace) -> None:
    done = run_pipeline(ws, Pipeline("fit", [data, train, check]), progress=False)
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    version = registry.register("fit-model", done.output("train").id)
    card = model_card(registry, version)

    assert card.training_run is not None
    metrics = {step: dict(m) for step, m in card.training_run.step_metrics.items()}
    assert set(metrics) == {"train", "check"}  # steps without metrics are left out
    assert metrics["train"] == dict(done.steps["train"].metrics)
    assert 0.9 < metrics["train"]["train_accuracy"] <= 1.0
    assert metrics["check"] == dict(done.steps["check"].metrics)
    assert card.to_dict()["training_run"]["step_metrics"] == metrics

    text = card.to_markdown()
    section = text.split("Training run metrics", 1)[1].split("\n## ", 1)[0]
    assert "| train | train\\_accuracy |" in section  # Markdown escapes the underscore
    assert f"| check | positives | {metrics['check']['positives']:.4g} |" in section
    assert "Training run metrics" in card.to_html()


def test_a_run_without_metrics_says_so(ws: Workspace) -> None:
    @step
    def fit(data: JsonArtifact) -> Model:
        return LogisticRegression().fit(np.asarray(data["x"]), np.asarray(data["y"]))

    done = run_pipeline(ws, Pipeline("plain", [data, fit]), progress=False)
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    card = model_card(registry, registry.register("plain-model", done.output("fit").id))
    assert card.training_run is not None
    assert dict(card.training_run.step_metrics) == {}
    assert f"no step of run {done.run_id} recorded metrics" in card.to_markdown()
