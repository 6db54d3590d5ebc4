"""The monitor on a stream with known drift (the acceptance test of live monitoring).

A model trained by the standard pipeline (with its monitor reference) serves twelve hourly
windows of a seeded synthetic stream of ten inputs (tests/monitor/drift_stream.py): from window 5
three inputs shift; from window 8 the labels flip with no change of the inputs. Predictions go
through the real PredictionLog with their times, labels through the real FeedbackLog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from driftline.monitor.explain import Explanation, explain
from driftline.monitor.window_metrics import WindowMetrics, window_metrics
from tests.monitor.conftest import StreamModel
from tests.monitor.drift_stream import FEATURES, FLIP_FROM, SHIFT_FROM, SHIFTED, WINDOWS, replay

pytestmark = pytest.mark.slow

MODEL = "known-drift"


@dataclass(frozen=True)
class Watched:
    windows: list[WindowMetrics]
    explanation: Explanation


@pytest.fixture(scope="module")
def watched(stream_model: StreamModel) -> Watched:
    ws = stream_model.ws
    version = stream_model.register(MODEL)
    replay(ws, MODEL, version, stream_model.loaded.predict, seed=1)
    windows = sorted(window_metrics(ws, MODEL), key=lambda m: m.start)
    return Watched(windows, explain(ws, MODEL))


def _mean(values: list[Any]) -> float:
    return float(np.mean([float(v) for v in values]))


def test_the_stream_has_one_window_per_hour(watched: Watched) -> None:
    assert [m.rows for m in watched.windows] == [1000] * WINDOWS


def test_the_monitor_flags_exactly_the_three_shifted_inputs_from_window_5(
    watched: Watched,
) -> None:
    truth = {(w, f) for w in range(SHIFT_FROM, WINDOWS) for f in SHIFTED}
    flagged = {(w, f) for w, m in enumerate(watched.windows) for f in m.drifted}
    hits = len(truth & flagged)
    precision = hits / len(flagged) if flagged else 0.0
    recall = hits / len(truth)
    print(f"input drift flags: precision {precision:.2f}, recall {recall:.2f}")
    assert set(FEATURES) >= {f for _, f in flagged}
    assert flagged == truth


def test_prediction_drift_appears_with_the_shift(watched: Watched) -> None:
    drift = [m.prediction_drift for m in watched.windows]
    assert all(d is not None and d.status == "compared" for d in drift)
    after = [d.drifted for d in drift[SHIFT_FROM:] if d is not None]
    before = [d.statistic for d in drift[:SHIFT_FROM] if d is not None]
    print("prediction drift statistic before the shift:", before)
    assert all(after)
    mix = [m.prediction_mix for m in watched.windows]
    assert all(m is not None for m in mix)
    share = [m["1"] for m in mix if m is not None]
    assert min(share[SHIFT_FROM:]) > max(share[:SHIFT_FROM]) + 0.05


def test_the_estimate_falls_with_the_shift_and_misses_the_concept_flip(watched: Watched) -> None:
    est = [m.estimated_accuracy for m in watched.windows]
    real = [m.realised_accuracy for m in watched.windows]
    assert all(e is not None for e in est)
    assert all(r is not None for r in real)
    before, shifted, flipped = (
        slice(0, SHIFT_FROM),
        slice(SHIFT_FROM, FLIP_FROM),
        slice(FLIP_FROM, WINDOWS),
    )
    print("estimated", np.round(np.array(est, dtype=float), 3).tolist())
    print("realised ", np.round(np.array(real, dtype=float), 3).tolist())
    # the estimate falls with the covariate shift, as the realised accuracy does
    assert _mean(est[shifted]) < _mean(est[before]) - 0.05
    assert _mean(real[shifted]) < _mean(real[before]) - 0.05
    # before the flip the estimate tracks the realised accuracy
    gaps = np.abs(np.array(est[:FLIP_FROM], dtype=float) - np.array(real[:FLIP_FROM], dtype=float))
    assert gaps.max() < 0.06
    # the concept flip: the estimate does not see it, the realised accuracy does
    assert abs(_mean(est[flipped]) - _mean(est[shifted])) < 0.02
    assert _mean(real[flipped]) < _mean(real[shifted]) - 0.3


def test_explain_ranks_the_shifted_inputs_first_and_calls_it_sudden(watched: Watched) -> None:
    found = watched.explanation
    print(found.summary)
    assert found.accuracy_source == "realised"
    assert {c.feature for c in found.ranked[:3]} == set(SHIFTED)
    assert all(c.drifted for c in found.ranked[:3])
    assert not any(c.drifted for c in found.ranked[3:])
    assert found.shape == "sudden"
    assert "sudden" in found.summary
    assert all(f in found.summary for f in SHIFTED)
    assert found.accuracy_before is not None
    assert found.accuracy_after is not None
    assert found.accuracy_after < found.accuracy_before - 0.3


def test_explain_finds_the_fall_at_the_flip_and_says_the_estimate_missed_it(
    watched: Watched,
) -> None:
    found = watched.explanation
    assert found.start == watched.windows[FLIP_FROM].start
    assert any("concept drift" in n for n in found.notes)
    assert set(found.error_by_bin) == set(SHIFTED)
    for bins in found.error_by_bin.values():
        assert sum(b["rows"] for b in bins) == 1000
