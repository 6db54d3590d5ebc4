"""Shared helpers of the controller tests: policies, controllers, a quick champion, live data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
from sklearn.linear_model import LogisticRegression

from driftline.controller.jobs import TRIGGER_KIND
from driftline.controller.loop import Controller
from driftline.core.clock import Clock, ManualClock
from driftline.data.catalog import DataCatalog
from driftline.models import Model
from driftline.monitor.logs.feedback import FeedbackLog
from driftline.monitor.logs.predlog import PredictionLog
from driftline.pipeline import Pipeline, run_pipeline, step
from driftline.policy.model import Policy
from driftline.registry import ModelRegistry, ModelVersion
from driftline.rollout.requests import rollout_requester
from driftline.store.queries import ExecutionQuery
from driftline.store.records import ContextRef
from driftline.workspace import Workspace
from tests.components.conftest import make_table

__all__ = ["make_table"]

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
MODEL = "synth"
RUN_PARAMS = {"requests": 5, "exclude": ["region"]}


def policy(*triggers: dict[str, Any], **sections: Any) -> Policy:
    """A policy of the synthetic dataset with ``triggers``; sections override the defaults."""
    doc: dict[str, Any] = {
        "model": {
            "name": MODEL,
            "dataset": MODEL,
            "label": "label",
            "trainer": "sklearn:LogisticRegression",
        },
        "window": {"spans": 3},
        "rollout": {"plan": "none"},
        "cooldown": {"minutes": 0},
        "trigger": list(triggers),
    }
    doc.update(sections)
    return Policy.from_dict(doc)


def controller(
    ws: Workspace,
    chosen: Policy,
    clock: Clock | None = None,
    lines: list[str] | None = None,
    **kwargs: Any,
) -> Controller:
    """A controller whose log lines go to ``lines``."""
    sink = lines if lines is not None else []
    return Controller(
        ws,
        chosen,
        clock=clock if clock is not None else ManualClock(T0),
        params={**RUN_PARAMS, **kwargs.pop("params", {})},
        rollouts=rollout_requester(ws.metadata),
        log=sink.append,
        **kwargs,
    )


def trigger_records(ws: Workspace) -> list[dict[str, Any]]:
    """Every recorded trigger decision, oldest first."""
    query = ExecutionQuery(
        kind=TRIGGER_KIND, context=ContextRef("controller", MODEL), ascending=True
    )
    return [dict(e.properties) for e in ws.metadata.executions(query)]


@step
def quick_fit(seed: int = 0) -> Model:
    table = make_table(seed, 500)
    features = table.drop_columns(["label", "region"]).to_pandas()
    return LogisticRegression().fit(features, table["label"].to_numpy())


def quick_champion(ws: Workspace, span: int = 1) -> ModelVersion:
    """Register a small model as ``synth``'s champion, trained on span ``span`` (its profile)."""
    run = run_pipeline(ws, Pipeline("quick", [quick_fit]), progress=False)
    chosen = DataCatalog(ws.metadata, ws.artifacts).span(MODEL, span)
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    version = registry.register(MODEL, run.output("quick_fit").id, profile_id=chosen.profile_id)
    registry.promote(MODEL, version.number, reason="the first model")
    return registry.version(MODEL, version.number)


def log_live(ws: Workspace, version: int, outcomes: list[bool], start: int = 0) -> None:
    """Log one prediction per outcome for ``version``, and its label: right when True."""
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        for i, _ in enumerate(outcomes):
            request = pa.table({"x0": [float(i)]})
            log.log(MODEL, version, f"req-{start + i}", request, np.array([1]))
    labels = {f"req-{start + i}": 1 if ok else 0 for i, ok in enumerate(outcomes)}
    with FeedbackLog(ws.metadata, ws.artifacts) as feedback:
        feedback.record(MODEL, labels)
