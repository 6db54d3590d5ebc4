"""The overview page ``/`` and ``/api/overview``: empty; a model with windows and a failed job."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from driftline.controller.jobs import JobQueue, JobStatus
from driftline.workspace import Workspace
from tests.monitor.window_stream import START, log_hours, register

REASON = "trainer <b>NoSuchEstimator</b> is unknown"
"""The failed job's error (markup in it must be shown as text)."""


def test_an_empty_workspace_says_each_part_is_empty(ws: Workspace, ui_client: Any) -> None:
    client = ui_client(ws)
    answer = client.get("/")
    assert answer.status_code == 200
    text = answer.text
    for line in (
        "No model is registered yet",
        "No trigger has fired yet.",
        "No rollout is in progress.",
        "No job yet.",
        "No dataset yet",
        "no controller",
    ):
        assert line in text, line
    assert "plotly.min.js" not in text  # no plot: plotly.js is not loaded
    api = client.get("/api/overview")
    assert api.status_code == 200
    assert api.json() == {
        "models": [],
        "controllers": [],
        "decisions": [],
        "rollouts": [],
        "jobs": [],
        "datasets": [],
    }


@pytest.fixture
def watched(ws: Workspace, tmp_path: Path) -> Workspace:
    """Model ``churn`` v1 (the champion) with three labelled live hours stored as windows, a
    span of ``churn``, a completed job and a failed one (its reason holds markup)."""
    from driftline.monitor.window_metrics import window_metrics
    from driftline.registry import ModelRegistry

    fitted = register(ws, tmp_path / "models")
    ModelRegistry(ws).set_alias("churn", "champion", 1, by="test")
    log_hours(ws, fitted, hours=(0, 1, 2), per_hour=400, labels=True)
    assert len(window_metrics(ws, "churn")) == 3  # profiles the logs: stores the windows
    import pyarrow as pa

    ws.data.ingest("churn", pa.table({"a": [1.0, 2.0], "label": [0, 1]}))
    queue = JobQueue(ws.metadata)
    done = queue.enqueue("retrain:churn", "train", {}, {"kind": "schedule", "reason": "nightly"})
    queue.update(done.job, status=JobStatus.COMPLETE, outcome={"reason": "promoted v1"})
    failed = queue.enqueue("retrain:churn", "train", {}, {"kind": "manual", "reason": "by hand"})
    queue.update(failed.job, status=JobStatus.FAILED, error=REASON)
    return ws


def test_the_overview_shows_the_model_its_windows_and_the_failed_job_first(
    watched: Workspace, ui_client: Any
) -> None:
    client = ui_client(watched)
    answer = client.get("/")
    assert answer.status_code == 200, answer.text
    text = answer.text
    assert text.count('data-testid="model-card"') == 1
    assert 'href="/models/churn"' in text
    assert 'href="/models/churn/versions/1"' in text
    assert 'href="/data/churn"' in text
    assert 'href="/data/churn/spans/1"' in text
    assert "plotly.min.js" in text  # the accuracy trend is plotted
    assert 'id="trend-1"' in text
    assert "trainer &lt;b&gt;NoSuchEstimator&lt;/b&gt; is unknown" in text
    assert "<b>NoSuchEstimator</b>" not in text
    jobs = text[text.index('data-testid="jobs"') :]
    assert jobs.index("retrain:churn#2") < jobs.index("retrain:churn#1")  # failed first
    decisions = text[text.index('data-testid="decisions"') :]
    assert "by hand" in decisions
    assert "nightly" in decisions
    hrefs = [h for h in re.findall(r'href="([^"]+)"', text) if not h.startswith("data:")]
    assert all(h.startswith("/") for h in hrefs), hrefs
    assert text.count('href="/models/churn"') >= 3  # the card, the decisions, the controller

    data = client.get("/api/overview").json()
    [model] = data["models"]
    assert (model["name"], model["champion"], model["versions"]) == ("churn", 1, 1)
    assert len(model["trend"]["start"]) == 3
    assert model["trend"]["start"][0].startswith(START.isoformat()[:19])
    newest = model["newest_window"]
    assert newest["rows"] == 400
    assert 0.5 < newest["realised_accuracy"] <= 1.0
    assert 0.5 < newest["estimated_accuracy"] <= 1.0
    assert newest["drift_share"] == 0.0  # the inputs are drawn as in training
    assert newest["outlier_rate"] is None  # the reference has no outlier detector
    assert [(j["name"], j["status"]) for j in data["jobs"]] == [
        ("retrain:churn#2", "failed"),
        ("retrain:churn#1", "complete"),
    ]
    assert data["jobs"][0]["error"] == REASON
    assert [(d["kind"], d["outcome"], d["model"]) for d in data["decisions"]] == [
        ("manual", "enqueued", "churn"),
        ("schedule", "enqueued", "churn"),
    ]
    assert [(d["name"], d["spans"], d["newest_span"], d["rows"]) for d in data["datasets"]] == [
        ("churn", 1, 1, 2)
    ]
    assert [(c["model"], c["state"]) for c in data["controllers"]] == [("churn", "none")]


def test_a_controller_that_stopped_ticking_is_stale(watched: Workspace) -> None:
    from datetime import timedelta

    from driftline.controller.leases import DatabaseClock
    from driftline.controller.parts import CONTROLLER_KIND
    from driftline.store.queries import ContextRef
    from driftline.ui.views.health import STALE_AFTER, controller_health

    now = DatabaseClock(watched.metadata).now()
    context = watched.metadata.put_context(ContextRef(CONTROLLER_KIND, "churn"))

    def beat(ago: float) -> str:
        at = now - timedelta(seconds=ago)
        watched.metadata.set_context_properties(
            context.id, {"ticked_at": at.isoformat(), "owner": "host:1", "tick_seconds": 10.0}
        )
        [health] = controller_health(watched.metadata, ["churn"])
        return health.state

    assert beat(5) == "alive"
    assert beat(10 * STALE_AFTER + 60) == "stale"


class _Sum:
    """Predicts ``a + b > 0`` (what the logged rows' labels follow, less the noise)."""

    def predict(self, x: Any) -> Any:
        return (x[:, 0] + x[:, 1] > 0).astype("int64")


def test_a_new_window_is_shown_at_once_though_the_health_is_reused(
    watched: Workspace, ui_client: Any
) -> None:
    from driftline.monitor.window_metrics import window_metrics
    from driftline.ui.views.overview import overview

    client = ui_client(watched)
    before = client.get("/api/overview").json()["models"][0]
    assert overview(watched).models[0] is overview(watched).models[0]  # nothing new: reused
    log_hours(watched, _Sum(), hours=(3,), per_hour=400, labels=True, seed=5)
    assert len(window_metrics(watched, "churn")) == 4  # profiles the new hour: a new part
    after = client.get("/api/overview").json()["models"][0]
    assert len(before["trend"]["start"]) == 3
    assert len(after["trend"]["start"]) == 4
    assert after["newest_window"]["start"] > before["newest_window"]["start"]
