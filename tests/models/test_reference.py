"""The monitor reference round-trips through bytes without pickle; damaged bytes are refused."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.errors import IntegrityError
from driftline.data.profiling import profile_table
from driftline.models.monitoring.calibration import fit_calibration
from driftline.models.monitoring.outliers import fit_outlier_detector
from driftline.models.monitoring.reference import (
    MONITOR_REFERENCE_KIND,
    MonitorReference,
    MonitorReferenceType,
)


def _reference() -> MonitorReference:
    rng = np.random.default_rng(0)
    p1 = rng.uniform(size=400)
    truth = (rng.uniform(size=400) < p1).astype(np.int64)
    calibration = fit_calibration(np.column_stack([1 - p1, p1]), truth, [0, 1])
    predictions = profile_table(pa.table({"prediction": (p1 > 0.5).astype(np.int64)}))
    return MonitorReference(
        features=("x0", "x1"),
        outliers=None,
        calibration=calibration,
        importance={"x0": 0.31, "x1": -0.002},
        predictions=predictions,
        eval_rows=400,
        notes=("no outlier detector",),
    )


def test_it_round_trips_with_its_calibration_and_predictions() -> None:
    ref = _reference()
    data = ref.to_bytes()
    again = MonitorReference.from_bytes(data)
    assert again.features == ref.features
    assert again.calibration == ref.calibration
    assert again.importance == ref.importance
    assert again.eval_rows == 400
    assert again.notes == ref.notes
    assert again.outliers is None
    assert again.predictions.to_bytes() == ref.predictions.to_bytes()
    assert again.to_bytes() == data  # the same content gives the same bytes
    assert b"pickle" not in data
    assert not data.startswith(b"\x80")  # not a pickle stream


def test_its_outlier_detector_round_trips() -> None:
    rng = np.random.default_rng(1)
    rows = pa.table({"x0": rng.normal(size=2000), "x1": rng.normal(size=2000)})
    detector = fit_outlier_detector(profile_table(rows), rows, columns=["x0", "x1"])
    ref = replace(_reference(), outliers=detector)
    again = MonitorReference.from_bytes(ref.to_bytes())
    assert again.outliers is not None
    assert again.outliers.method == "profile"
    assert again.outliers.threshold == detector.threshold
    probe = pa.table({"x0": [0.0, 40.0], "x1": [0.1, 0.0]})
    assert again.outliers.score(probe).tolist() == detector.score(probe).tolist()
    assert again.outliers.flag(again.outliers.score(probe)).tolist() == [False, True]
    assert MonitorReferenceType.save(ref, io.BytesIO())["outliers"] == "profile"


def test_it_is_a_pipeline_artifact_type() -> None:
    ref = _reference()
    buffer = io.BytesIO()
    properties = MonitorReferenceType.save(ref, buffer)
    assert MonitorReferenceType.kind == MONITOR_REFERENCE_KIND == "monitor_reference"
    assert properties == {
        "features": 2,
        "outliers": None,
        "calibration": True,
        "eval_rows": 400,
        "notes": ["no outlier detector"],
    }
    buffer.seek(0)
    assert MonitorReferenceType.load(buffer, properties).importance == ref.importance
    with pytest.raises(IntegrityError, match="needs a MonitorReference"):
        MonitorReferenceType.save({"features": []}, io.BytesIO())


def test_damaged_or_foreign_bytes_are_refused_saying_why() -> None:
    data = _reference().to_bytes()
    with pytest.raises(IntegrityError, match="too short"):
        MonitorReference.from_bytes(data[:5])
    with pytest.raises(IntegrityError, match="expected a driftline monitor_reference"):
        MonitorReference.from_bytes(profile_table(pa.table({"a": [1]})).to_bytes())
    with pytest.raises(IntegrityError, match="do not start with"):
        MonitorReference.from_bytes(b"\x80\x04" + data[2:])  # what a pickle would start with
    with pytest.raises(IntegrityError):
        MonitorReference.from_bytes(data[: len(data) // 2])
