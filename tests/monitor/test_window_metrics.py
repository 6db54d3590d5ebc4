"""Window metrics: input and output drift against the version's references, prediction mix,
estimated and realised accuracy, the drift series, and every missing part said once."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.errors import ArtifactNotFoundError, InputError
from driftline.monitor import drift_series
from driftline.monitor.logs.predlog import PredictionLog
from driftline.monitor.window_metrics import window_metrics
from driftline.monitor.window_store import stored_parts
from driftline.monitor.windows import live_windows
from driftline.workspace import Workspace
from tests.monitor.window_stream import FEATURES, HOUR, START, log_hours, register, rows

NARROW_FROM = 3


@pytest.fixture
def drifting(ws: Workspace, tmp_path: Path) -> tuple[Workspace, dict[int, Any]]:
    """Six hours of a registered version; from hour 3 inputs a and b narrow (near the boundary)."""
    fitted = register(ws, tmp_path / "models")
    logged = log_hours(
        ws, fitted, hours=range(6), per_hour=1200, narrow_from=NARROW_FROM, labels=True
    )
    return ws, logged


def test_input_drift_appears_in_the_shifted_inputs_only(
    drifting: tuple[Workspace, dict[int, Any]],
) -> None:
    ws, _ = drifting
    found = window_metrics(ws, "churn")
    assert [m.start for m in found] == [START + h * HOUR for h in range(6)]
    assert all(m.rows == 1200 for m in found)
    for hour, m in enumerate(found):
        assert [d.feature for d in m.drift] == list(FEATURES)
        assert all(d.status == "compared" for d in m.drift)
        expected = ("a", "b") if hour >= NARROW_FROM else ()
        assert m.drifted == expected, (hour, [(d.feature, d.statistic) for d in m.drift])
        assert m.drift_share == pytest.approx(len(expected) / 3)
        assert m.drift[0].method == "wasserstein"
        assert m.notes == ()


def test_prediction_drift_mix_and_both_accuracies_follow_the_shift(
    drifting: tuple[Workspace, dict[int, Any]],
) -> None:
    ws, logged = drifting
    found = window_metrics(ws, "churn")
    for hour, m in enumerate(found):
        predicted, truth = logged[hour]
        assert m.prediction_mix == pytest.approx(
            {"0": float(np.mean(predicted == 0)), "1": float(np.mean(predicted == 1))}
        )
        assert m.prediction_quantiles is None
        assert m.labelled_rows == 1200
        assert m.realised_accuracy == pytest.approx(float(np.mean(predicted == truth)))
        assert m.prediction_drift is not None
        assert m.outlier_rate is None
    before = [m.estimated_accuracy for m in found[:NARROW_FROM]]
    after = [m.estimated_accuracy for m in found[NARROW_FROM:]]
    assert all(e is not None for e in before + after)
    assert min(before) > max(after) + 0.05  # rows near the boundary: the model is less sure
    realised_before = np.mean([m.realised_accuracy for m in found[:NARROW_FROM]])
    realised_after = np.mean([m.realised_accuracy for m in found[NARROW_FROM:]])
    assert realised_before > realised_after + 0.05
    for m in found:  # the estimate tracks what the labels later said
        assert abs(m.estimated_accuracy - m.realised_accuracy) < 0.06
    json.dumps(found[0].to_dict(), allow_nan=False)


def test_the_drift_series_is_a_typed_time_series(
    drifting: tuple[Workspace, dict[int, Any]],
) -> None:
    ws, _ = drifting
    table = drift_series(ws, "churn")
    assert table.num_rows == 6 * 3
    assert table.schema.field("start").type == pa.timestamp("us", tz="UTC")
    only_a = ws.monitor.drift_series("churn", feature="a", since=START + 2 * HOUR)
    assert only_a["feature"].to_pylist() == ["a"] * 4
    assert only_a["drifted"].to_pylist() == [False, True, True, True]
    assert only_a["start"].to_pylist()[0] == START + 2 * HOUR
    assert only_a["method"].to_pylist() == ["wasserstein"] * 4
    assert ws.monitor.drift_series("churn", feature="zz").num_rows == 0
    with pytest.raises(InputError, match="feature must be a non-empty string"):
        drift_series(ws, "churn", feature="")


def test_coarser_windows_merge_the_stored_ones(
    drifting: tuple[Workspace, dict[int, Any]],
) -> None:
    ws, logged = drifting
    found = ws.monitor.metrics("churn", window=timedelta(hours=3))
    assert [(m.start, m.rows) for m in found] == [(START, 3600), (START + 3 * HOUR, 3600)]
    assert [m.drifted for m in found] == [(), ("a", "b")]
    truth = np.concatenate([logged[h][1] for h in range(3)])
    predicted = np.concatenate([logged[h][0] for h in range(3)])
    assert found[0].realised_accuracy == pytest.approx(float(np.mean(truth == predicted)))
    assert [len(w.part_ids) for w in ws.monitor.windows("churn", window=timedelta(hours=3))] == [
        3,
        3,
    ]


def test_a_version_without_profile_or_reference_is_said_once_not_raised(
    ws: Workspace, tmp_path: Path
) -> None:
    fitted = register(ws, tmp_path / "models", profile=False, reference=False)
    log_hours(ws, fitted, hours=(0,), per_hour=200)
    [m] = window_metrics(ws, "churn")
    assert (m.rows, m.drift, m.drift_share, m.prediction_drift) == (200, (), None, None)
    assert m.estimated_accuracy is None
    assert m.prediction_mix is not None
    assert "version 1 was registered without a training profile: no input drift" in m.notes
    assert any("without a monitor reference" in n for n in m.notes)
    assert len(m.notes) == len(set(m.notes))


def test_an_unregistered_version_is_said_once(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=3600) as log:
        log.log("churn", "blue", "r", rows(np.random.default_rng(0), 5), np.zeros(5), START)
    [m] = window_metrics(ws, "churn")
    assert m.version == "blue"
    assert m.notes == (
        "version blue is not a registered version number: no training profile or reference",
    )


def test_a_model_without_probabilities_has_no_estimate_said_once(
    ws: Workspace, tmp_path: Path
) -> None:
    fitted = register(ws, tmp_path / "models", probabilities=False)
    log_hours(ws, fitted, hours=(0,), per_hour=200)
    update = ws.monitor.update_windows("churn")
    assert any("gives no probabilities" in n for n in update.notes)
    [m] = window_metrics(ws, "churn")
    assert m.estimated_accuracy is None
    assert [n for n in m.notes if "no probabilities" in n] == [
        "version 1 gives no probabilities: no estimated accuracy"
    ]
    assert m.drift_share is not None  # input drift needs no probabilities


def test_hashed_inputs_are_skipped_and_said_so(ws: Workspace, tmp_path: Path) -> None:
    fitted = register(ws, tmp_path / "models")
    log_hours(ws, fitted, hours=(0,), per_hour=200, hash_columns=["c"])
    update = ws.monitor.update_windows("churn")
    assert any("hashes the input(s) c" in n for n in update.notes)
    [window] = ws.monitor.windows("churn")
    assert "c" not in window.profile
    assert window.hashed == ("c",)
    [m] = window_metrics(ws, "churn")
    statuses = {d.feature: d.status for d in m.drift}
    assert statuses == {"a": "compared", "b": "compared", "c": "hashed"}
    assert m.estimated_accuracy is None
    hashed = [n for n in m.notes if "hashed" in n]
    assert hashed == [
        "input 'c' is hashed in the log: its hashes cannot be compared with the training values, "
        "so it is skipped"
    ]


def test_a_window_with_no_rows_is_listed_and_said_so(ws: Workspace, tmp_path: Path) -> None:
    fitted = register(ws, tmp_path / "models")
    log_hours(ws, fitted, hours=(0, 3), per_hour=100)
    found = window_metrics(ws, "churn")
    assert [m.rows for m in found] == [100, 0, 0, 100]
    empty = found[1]
    assert (empty.drift, empty.estimated_accuracy, empty.prediction_mix) == ((), None, None)
    assert empty.notes == ("no rows were logged in this window",)
    assert window_metrics(ws, "churn", since=START + HOUR, until=START + 2 * HOUR) == []


def test_reading_metrics_without_update_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    fitted = register(ws, tmp_path / "models")
    log_hours(ws, fitted, hours=(0,), per_hour=100)
    before = ws.metadata.counts()
    assert window_metrics(ws, "churn", update=False) == []
    assert ws.metadata.counts().artifacts == before.artifacts
    with pytest.raises(InputError, match="version must be"):
        window_metrics(ws, "churn", version=1.5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"until .* must be after since"):
        window_metrics(ws, "churn", since=START, until=START)
    assert ws.metadata.counts().artifacts == before.artifacts


def test_a_window_of_one_part_is_read_from_metadata_alone(
    drifting: tuple[Workspace, dict[int, Any]],
) -> None:
    ws, _ = drifting
    first = window_metrics(ws, "churn")
    for part in stored_parts(ws.metadata, "churn"):  # the measured summaries stay in metadata
        path = ws.artifacts.local_path(part.uri)
        assert path is not None
        Path(path).unlink()
    again = window_metrics(ws, "churn", update=False)
    assert [m.to_dict() for m in again] == [m.to_dict() for m in first]
    with pytest.raises(ArtifactNotFoundError):
        live_windows(ws, "churn")
    with pytest.raises(ArtifactNotFoundError):  # a coarser window merges the parts' profiles
        window_metrics(ws, "churn", window=timedelta(hours=2), update=False)


def test_the_outlier_rate_is_the_share_of_flagged_rows(ws: Workspace) -> None:
    rng = np.random.default_rng(8)
    flags = np.zeros(200, bool)
    flags[:7] = True
    scores = np.where(flags, 9.0, rng.uniform(0, 1, 200))
    with PredictionLog(ws.metadata, ws.artifacts, flush_rows=10**6, flush_seconds=3600) as log:
        log.log(
            "churn",
            1,
            "r1",
            rows(rng, 100),
            np.zeros(100),
            START,
            outliers=(scores[:100], flags[:100]),
        )
        log.log(
            "churn",
            1,
            "r2",
            rows(rng, 100),
            np.zeros(100),
            START + timedelta(minutes=5),
            outliers=(scores[100:], flags[100:]),
        )
    [m] = window_metrics(ws, "churn")
    assert m.outlier_rate == pytest.approx(7 / 200)
    [window] = ws.monitor.windows("churn")
    assert window.profile["outlier_score"].moments.max == 9.0
    assert window.profile.names == (*FEATURES, "prediction", "outlier_score", "outlier")


def test_a_large_window_is_estimated_from_a_sample_of_its_rows(
    ws: Workspace, tmp_path: Path
) -> None:
    from driftline.monitor.window_confidence import SCORED_ROWS

    fitted = register(ws, tmp_path / "models")
    log_hours(ws, fitted, hours=(0,), per_hour=3 * SCORED_ROWS, requests=3, narrow_from=0)
    [m] = window_metrics(ws, "churn")
    logged = ws.monitor.predictions("churn")
    x = np.column_stack([logged[f"input.{n}"].to_numpy() for n in FEATURES])
    calibration = ws.registry.monitor_reference("churn", 1).calibration
    every_row = float(np.mean(calibration.confidence(fitted.predict_proba(x))))
    assert m.rows == 3 * SCORED_ROWS
    assert m.estimated_accuracy == pytest.approx(every_row, abs=0.01)
    assert not any("estimated accuracy covers" in n for n in m.notes)
