"""The backtest does not replay live windows: their triggers skip there, and the notes say so."""

from __future__ import annotations

import numpy as np

from driftline.backtest.observe import NOT_REPLAYED, ReplayObserver, ServingChampion
from driftline.backtest.run import run_backtest
from driftline.backtest.stream import prepare_stream
from tests.backtest.test_backtest import concept_flip, kinds, policy


def test_live_window_triggers_never_fire_in_a_replay_and_the_notes_say_why() -> None:
    triggers = [
        {"kind": "drift", "source": "live", "share": 0.0, "min_rows": 1},
        {"kind": "outliers", "rate_above": 0.0, "min_rows": 1},
        {"kind": "metric", "metric": "estimated_accuracy", "above": 0.0, "min_rows": 1},
    ]
    result = run_backtest(concept_flip(3000, 1500), policy(triggers, span_rows=500), baselines=())
    assert kinds(result) == [(1, "first_model")]  # nothing else ever fires
    (note,) = [n for n in result.notes if "live windows" in n]
    assert "trigger[0] (drift), trigger[1] (outliers), trigger[2] (metric)" in note
    assert "does not replay" in note


def test_a_replayed_observation_carries_the_gap() -> None:
    p = policy([{"kind": "outliers", "rate_above": 0.05}], span_rows=500)
    stream = prepare_stream(concept_flip(2000, 1000), "y", p.backtest, delay=0, span_rows=500)
    observer = ReplayObserver(stream, "m", frozenset({"champion", "windows"}))
    served = ServingChampion(None, None, 1, (0,), 0)
    ones = np.ones(stream.rows, dtype=np.int64)
    seen = observer.observe(
        end=1000, known=500, seen=1, champion=served, predictions=ones, served_by=ones, index=()
    )
    assert seen.gaps["windows"] == NOT_REPLAYED
    verdict = p.triggers[0].decide(seen, {})
    assert (verdict.fired, verdict.skip) == (False, "not_replayed")
