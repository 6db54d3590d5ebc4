"""Outlier columns in the prediction log: checked, written, journaled and replayed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.errors import InputError
from driftline.monitor import read_predictions
from driftline.monitor.logs.journal_records import decode_prediction, encode_prediction
from driftline.monitor.logs.predlog import PredictionLog
from driftline.monitor.logs.segments import OUTLIER, OUTLIER_SCORE
from driftline.workspace import Workspace
from tests.monitor.test_journal import DeadStore

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


def rows(n: int) -> pa.Table:
    return pa.table({"x": np.arange(n, dtype=np.float64)})


def test_a_journal_record_keeps_the_scores_and_flags() -> None:
    scored = (np.array([0.5, np.nan]), np.array([False, False]))
    record = encode_prediction("churn", "3", "r1", rows(2), np.array([1, 0]), T0, outliers=scored)
    *_, outputs, at, outliers = decode_prediction(record)
    assert outputs.to_pylist() == [1, 0]
    assert at == T0
    np.testing.assert_array_equal(outliers[0], scored[0])
    assert outliers[1].tolist() == [False, False]
    plain = decode_prediction(encode_prediction("churn", "3", "r1", rows(1), np.array([1]), T0))
    assert plain[4].column_names == ["x"]
    assert plain[7] is None


def test_scored_and_unscored_requests_go_to_segments_of_their_own(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        log.log("churn", 1, "r1", rows(2), np.array([1, 0]), T0, outliers=([0.1, 7.5], [0, 1]))
        log.log("churn", 2, "r2", rows(1), np.array([1]), T0)
        log.log("churn", 1, "r3", rows(1), np.array([1]), T0, outliers=([np.nan], [False]))
    table = read_predictions(ws.metadata, ws.artifacts, "churn").sort_by("request_id")
    assert table[OUTLIER_SCORE].to_pylist() == [0.1, 7.5, None, None]
    assert table[OUTLIER].to_pylist() == [False, True, None, None]


def test_bad_outliers_are_refused_naming_the_problem(ws: Workspace) -> None:
    with PredictionLog(ws.metadata, ws.artifacts) as log:
        with pytest.raises(InputError, match="2 input rows but 1 outlier scores and 1 flags"):
            log.log("churn", 1, "r1", rows(2), np.array([1, 0]), outliers=([0.1], [False]))
        with pytest.raises(InputError, match=r"outliers must be \(scores, flags\)"):
            log.log("churn", 1, "r1", rows(1), np.array([1]), outliers=[0.1])  # type: ignore[arg-type]
        assert log.stats().rows == 0


def test_a_durable_log_replays_the_outlier_columns(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    dead = DeadStore(ws.artifacts.url)
    log = PredictionLog(
        ws.metadata, dead, durability="durable", journal_dir=folder, retries=0, backoff_seconds=0
    )
    assert log.log("churn", 1, "r1", rows(2), np.array([1, 0]), T0, outliers=([0.2, 9.0], [0, 1]))
    log.close(timeout=30)
    with PredictionLog(ws.metadata, ws.artifacts, journal_dir=folder) as again:
        [replayed] = again.replayed
        assert replayed.rows == 2
    table = read_predictions(ws.metadata, ws.artifacts, "churn")
    assert table[OUTLIER_SCORE].to_pylist() == [0.2, 9.0]
    assert table[OUTLIER].to_pylist() == [False, True]
