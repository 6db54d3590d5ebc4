"""The controller observes the champion's live windows: the live-window triggers decide on them."""

from __future__ import annotations

import numpy as np
import pytest

from driftline.data.spans import Span
from driftline.monitor.logs.predlog import PredictionLog
from driftline.workspace import Workspace
from tests.controller.controller_fixtures import (
    MODEL,
    controller,
    make_table,
    policy,
    quick_champion,
    trigger_records,
)


@pytest.fixture
def seeded(ws: Workspace, synth_span: Span) -> Workspace:
    """A workspace whose dataset ``synth`` has one span."""
    assert synth_span.number == 1
    return ws


def _log(ws: Workspace, version: int, seed: int, shift: float, rows: int = 300) -> None:
    """Log ``rows`` predictions of ``version`` now, inputs drawn with ``shift``."""
    table = make_table(seed, rows, shift=shift).drop_columns(["label"])
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        log.log(MODEL, version, f"batch-{seed}", table, np.ones(rows, dtype=np.int64))


def test_live_drift_fires_on_shifted_traffic_and_the_others_say_why_not(
    seeded: Workspace,
) -> None:
    ws = seeded
    chosen = policy(
        {"kind": "drift", "source": "live", "share": 0.5, "min_rows": 200},
        {"kind": "outliers", "rate_above": 0.05, "min_rows": 200},
        {"kind": "metric", "metric": "estimated_accuracy", "below": 0.8, "min_rows": 200},
    )
    ctl = controller(ws, chosen)
    first = ctl.evaluate_triggers()
    assert [d.evaluation.skip for d in first] == ["no_champion"] * 3

    champion = quick_champion(ws)  # a training profile, no monitor reference
    waiting = ctl.evaluate_triggers()
    assert [d.evaluation.skip for d in waiting] == ["no_windows"] * 3

    _log(ws, champion.number, seed=5, shift=0.0, rows=100)
    few = ctl.evaluate_triggers()
    assert [d.evaluation.skip for d in few] == ["not_enough_rows"] * 3

    _log(ws, champion.number, seed=6, shift=3.0)  # the same window: 400 rows, most shifted
    drift, outliers, estimate = ctl.evaluate_triggers()
    assert drift.outcome == "enqueued"
    evidence = drift.evaluation.evidence
    assert evidence["version"] == champion.number
    assert evidence["rows"] == 400
    assert evidence["share_drifted"] >= 0.5
    assert {"x0", "x1", "x2"} <= set(evidence["drifted_columns"])
    assert outliers.evaluation.skip == "no_outlier_scores"
    assert estimate.evaluation.skip == "no_estimate"
    recorded = [r for r in trigger_records(ws) if r.get("outcome") == "enqueued"]
    assert recorded[-1]["evidence"]["drifted_columns"] == evidence["drifted_columns"]

    again = ctl.evaluate_triggers()[0]  # the same window: fired for it already
    assert again.outcome == "not_fired"
    assert "fired for this window already" in again.evaluation.reason
