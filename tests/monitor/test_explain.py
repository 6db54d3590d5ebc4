"""explain: the window where accuracy fell, the inputs that moved, sudden or gradual, clear errors.

The scenarios replay the known-drift stream (tests/monitor/drift_stream.py) into models
registered from one trained version (``stream_model``); the pure parts are tested on small data.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.errors import InputError, NotFoundError
from driftline.data import profile_table
from driftline.monitor.accuracy_fall import accuracy_series, fallen_window
from driftline.monitor.error_bins import error_by_bin
from driftline.monitor.explain import Explanation, explain
from driftline.monitor.input_ranking import score_inputs
from driftline.registry.errors import ModelNotFoundError
from tests.monitor.conftest import StreamModel
from tests.monitor.drift_stream import SHIFT_FROM, SHIFTED, START, ramp, replay

# -- the pure parts ------------------------------------------------------------------------------


def _window(realised: float | None, estimated: float | None, labelled: int = 100) -> Any:
    return SimpleNamespace(
        realised_accuracy=realised,
        labelled_rows=labelled if realised is not None else 0,
        estimated_accuracy=estimated,
        rows=100,
    )


def test_realised_accuracy_wins_over_the_estimate_and_they_never_mix() -> None:
    windows = [_window(None, 0.8), _window(0.9, 0.8), _window(0.7, 0.6)]
    source, series = accuracy_series(windows)
    assert source == "realised"
    assert [a for _, a, _ in series] == [0.9, 0.7]
    source, series = accuracy_series([_window(None, 0.8), _window(None, None)])
    assert (source, [a for _, a, _ in series]) == ("estimated", [0.8])


def test_the_fall_is_the_start_of_the_lower_level() -> None:
    windows = [_window(a, None) for a in (0.90, 0.92, 0.91, 0.90, 0.60, 0.62, 0.61)]
    fell = fallen_window(accuracy_series(windows)[1], "realised")
    assert fell.metrics is windows[4]
    assert fell.before == pytest.approx(0.9075)
    assert fell.after == pytest.approx(0.61)
    assert fell.notes == ()


def test_a_rise_is_no_fall_and_says_so() -> None:
    windows = [_window(a, None) for a in (0.6, 0.7, 0.8, 0.9)]
    fell = fallen_window(accuracy_series(windows)[1], "realised")
    assert fell.metrics is windows[0]
    assert "did not fall" in fell.notes[0]


def test_one_window_is_compared_with_the_evaluation_accuracy() -> None:
    (only,) = accuracy_series([_window(0.7, None)])[1:]
    fell = fallen_window(only, "realised", eval_accuracy=0.9)
    assert (fell.before, fell.after) == (0.9, 0.7)
    fell = fallen_window(only, "realised")
    assert fell.before is None
    assert "nothing to compare" in fell.notes[0]


def test_ranking_weighs_distance_by_importance_and_notes_what_is_left_out() -> None:
    rng = np.random.default_rng(0)
    train = profile_table(
        pa.table({"a": rng.normal(0, 1, 4000), "b": rng.normal(0, 1, 4000), "c": ["x"] * 4000})
    )
    now = profile_table(
        pa.table({"a": rng.normal(1, 1, 400), "b": rng.normal(0, 1, 400), "c": ["y"] * 400})
    )
    ranked, notes = score_inputs(train, now, ["a", "b", "c", "gone"], {"a": 0.2, "b": 0.2}, {"a"})
    assert [c.feature for c in ranked] == ["a", "b", "c", "gone"]
    assert ranked[0].score == pytest.approx(ranked[0].statistic * 0.2)  # type: ignore[operator]
    assert ranked[2].statistic == pytest.approx(np.sqrt(np.log(2)))  # nothing in common
    assert ranked[2].score == 0.0
    assert ranked[3].statistic is None
    assert notes == [
        "not compared (absent, hashed or excluded when logged, empty, or of a kind with no "
        "distance): gone"
    ]
    unweighted, notes = score_inputs(train, now, ["a", "b", "c"], None, set())
    assert unweighted[0].feature == "c"
    assert "inputs ranked unweighted" in notes[-1]


def test_error_bins_of_a_categorical_input() -> None:
    training = profile_table(pa.table({"c": ["a"] * 50 + ["b"] * 30 + ["c"] * 20}))["c"]
    values = pa.array(["a", "a", "b", "z", None])
    wrong = np.array([True, False, False, True, True])
    found = error_by_bin(values, wrong, training, bins=3)
    assert [(b["bin"], b["rows"], b["errors"]) for b in found] == [
        ("a", 2, 1),
        ("b", 1, 0),
        ("other", 1, 1),
        ("missing", 1, 1),
    ]


def test_error_bins_refuse_what_cannot_be_binned() -> None:
    training = profile_table(pa.table({"x": [1.0, 2.0]}))["x"]
    with pytest.raises(InputError, match="2 values of 'x' but 1 outcomes"):
        error_by_bin(pa.array([1.0, 2.0]), np.array([True]), training)
    with pytest.raises(InputError, match="bins must be at least 2"):
        error_by_bin(pa.array([1.0]), np.array([True]), training, bins=1)


# -- explain on replayed streams -------------------------------------------------------------------


def _replayed(stream_model: StreamModel, name: str, **options: Any) -> int:
    version = stream_model.register(
        name, **{k: options.pop(k) for k in ("reference", "profile") if k in options}
    )
    replay(stream_model.ws, name, version, stream_model.loaded.predict, **options)
    return version


@pytest.mark.slow
def test_without_labels_the_estimate_finds_the_covariate_shift(stream_model: StreamModel) -> None:
    _replayed(
        stream_model,
        "no-labels",
        seed=2,
        windows=10,
        rows_per_window=600,
        flip_from=99,
        labelled=lambda w: False,
    )
    found = explain(stream_model.ws, "no-labels")
    assert found.accuracy_source == "estimated"
    assert found.start == START + SHIFT_FROM * (found.end - found.start)
    assert {c.feature for c in found.ranked[:3]} == set(SHIFTED)
    assert found.shape == "sudden"
    assert found.error_by_bin == {}
    assert found.accuracy_before is not None
    assert found.accuracy_after is not None
    assert found.accuracy_after < found.accuracy_before - 0.04
    assert found.summary.startswith("no-labels version 1: estimated accuracy went from")


@pytest.mark.slow
def test_a_ramp_is_gradual(stream_model: StreamModel) -> None:
    _replayed(
        stream_model,
        "ramp",
        seed=3,
        windows=14,
        rows_per_window=600,
        flip_from=99,
        shift=ramp(4, 10),
    )
    found = explain(stream_model.ws, "ramp")
    print(found.summary)
    assert found.accuracy_source == "realised"
    assert {c.feature for c in found.ranked[:3]} == set(SHIFTED)
    assert found.shape == "gradual"
    assert "a gradual change from 2026-03-02 0" in found.summary


@pytest.mark.slow
def test_without_a_reference_inputs_rank_unweighted_and_there_is_no_estimate(
    stream_model: StreamModel,
) -> None:
    _replayed(stream_model, "no-reference", reference=False, seed=4, windows=8, flip_from=99)
    found = explain(stream_model.ws, "no-reference")
    assert found.accuracy_source == "realised"
    assert {c.feature for c in found.ranked[:3]} == set(SHIFTED)
    assert all(c.importance == 1.0 for c in found.ranked)
    assert "version 1 was registered without a monitor reference" in found.notes
    assert any("ranked unweighted" in n for n in found.notes)
    assert json.loads(json.dumps(found.to_dict()))["accuracy_source"] == "realised"


@pytest.mark.slow
def test_no_labels_and_no_estimate_is_a_clear_error(stream_model: StreamModel) -> None:
    _replayed(
        stream_model,
        "blind",
        reference=False,
        seed=5,
        windows=3,
        rows_per_window=200,
        labelled=lambda w: False,
    )
    with pytest.raises(InputError, match="'blind' version 1 has neither labels nor an accuracy"):
        explain(stream_model.ws, "blind")


@pytest.mark.slow
def test_without_a_training_profile_nothing_is_ranked_and_it_says_so(
    stream_model: StreamModel,
) -> None:
    _replayed(stream_model, "no-profile", profile=False, seed=6, windows=8, flip_from=99)
    found = explain(stream_model.ws, "no-profile")
    assert found.ranked == ()
    assert found.shape == "none"
    assert "no training profile" in " ".join(found.notes)
    assert "no input moved enough to be flagged" in found.summary


@pytest.mark.slow
def test_unknown_models_and_empty_logs_are_named(stream_model: StreamModel) -> None:
    ws = stream_model.ws
    with pytest.raises(ModelNotFoundError, match="nope"):
        explain(ws, "nope")
    stream_model.register("silent")
    with pytest.raises(NotFoundError, match="'silent' has no logged predictions"):
        explain(ws, "silent")
    with pytest.raises(InputError, match="top must be"):
        explain(ws, "silent", top=0)


def test_an_explanation_is_json_ready() -> None:
    from datetime import UTC, datetime

    from driftline.monitor.input_ranking import InputChange

    at = datetime(2026, 1, 1, tzinfo=UTC)
    found = Explanation(
        "m",
        "1",
        at,
        at,
        0.9,
        0.5,
        "realised",
        (InputChange("x", 0.3, 0.1, 0.03, True),),
        "sudden",
        "m version 1: ...",
        {"x": [{"bin": "< 0", "rows": 3, "errors": 1, "error_rate": 1 / 3}]},
    )
    doc = json.loads(json.dumps(found.to_dict()))
    assert doc["ranked"][0]["feature"] == "x"
    assert doc["start"] == "2026-01-01T00:00:00+00:00"
