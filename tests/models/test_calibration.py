"""CBPE: the label-free accuracy estimate follows covariate shift and cannot see a concept flip."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from driftline.core.errors import InputError, IntegrityError
from driftline.models.monitoring.calibration import (
    Calibration,
    estimated_accuracy,
    fit_calibration,
)

ROWS = 3000


def _rows(rng: np.random.Generator, rows: int, spread: float) -> tuple[Any, Any]:
    """Inputs whose first column has this spread, and labels from one fixed P(y | x)."""
    x = np.column_stack([rng.normal(0.0, spread, rows), rng.normal(0.0, 1.0, rows)])
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(0.0, 0.6, rows) > 0).astype(np.int64)
    return x, y


@pytest.fixture(scope="module")
def fitted() -> tuple[LogisticRegression, Calibration]:
    rng = np.random.default_rng(7)
    x, y = _rows(rng, ROWS, 2.0)
    model = LogisticRegression().fit(x, y)
    x_eval, y_eval = _rows(rng, ROWS, 2.0)
    calibration = fit_calibration(model.predict_proba(x_eval), y_eval, model.classes_)
    return model, calibration


def test_the_estimate_follows_the_realised_accuracy_under_covariate_shift(
    fitted: tuple[LogisticRegression, Calibration],
) -> None:
    model, calibration = fitted
    rng = np.random.default_rng(11)
    estimated, realised = [], []
    for spread in np.linspace(2.0, 0.3, 8):  # rows move towards the boundary: accuracy falls
        x, y = _rows(rng, ROWS, float(spread))
        estimated.append(estimated_accuracy(calibration.confidence(model.predict_proba(x))))
        realised.append(float((model.predict(x) == y).mean()))
    errors = np.abs(np.array(estimated) - np.array(realised))
    assert realised[0] - realised[-1] > 0.15  # the shift really costs accuracy
    assert estimated[0] - estimated[-1] > 0.15  # and the estimate falls with it
    assert errors.mean() < 0.03
    assert errors.max() < 0.06


def test_a_concept_flip_leaves_the_estimate_where_it_was_while_accuracy_falls(
    fitted: tuple[LogisticRegression, Calibration],
) -> None:
    """The documented limit: P(y | x) changes, P(x) does not, so the confidences do not move."""
    model, calibration = fitted
    rng = np.random.default_rng(12)
    x, y = _rows(rng, ROWS, 2.0)
    before = estimated_accuracy(calibration.confidence(model.predict_proba(x)))
    realised_before = float((model.predict(x) == y).mean())
    x2, y2 = _rows(rng, ROWS, 2.0)
    flipped = np.where(x2[:, 1] > 0, 1 - y2, y2)  # the concept flips for half of the space
    after = estimated_accuracy(calibration.confidence(model.predict_proba(x2)))
    realised_after = float((model.predict(x2) == flipped).mean())
    assert abs(after - before) < 0.02
    assert realised_before - realised_after > 0.3
    assert abs(before - realised_before) < 0.03


def test_calibrated_confidence_is_monotone_and_a_probability() -> None:
    rng = np.random.default_rng(3)
    p1 = rng.uniform(size=5000)
    truth = (rng.uniform(size=5000) < p1**2).astype(int)  # over-confident model
    calibration = fit_calibration(np.column_stack([1 - p1, p1]), truth, [0, 1])
    grid = np.linspace(0.5, 1.0, 51)
    values = calibration.confidence(np.column_stack([1 - grid, grid]))
    assert np.all(np.diff(values) >= 0)
    assert values.min() >= 0.0
    assert values.max() <= 1.0
    # on the rows it was fitted on, the mean calibrated confidence is their accuracy
    fitted_on = calibration.confidence(np.column_stack([1 - p1, p1]))
    assert estimated_accuracy(fitted_on) == pytest.approx(calibration.accuracy, abs=1e-9)


def test_labels_are_compared_by_value_and_text_classes_work() -> None:
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    as_text = fit_calibration(probabilities, np.array(["no", "yes", "yes", "yes"]), ["no", "yes"])
    as_float = fit_calibration(probabilities, np.array([0.0, 1.0, 1.0, 1.0]), [0, 1])
    assert as_text.accuracy == 0.75
    assert as_float.accuracy == 0.75
    assert as_text.classes == ("no", "yes")


def test_it_round_trips_through_json() -> None:
    rng = np.random.default_rng(5)
    p1 = rng.uniform(size=300)
    truth = (rng.uniform(size=300) < p1).astype(np.int64)
    calibration = fit_calibration(np.column_stack([1 - p1, p1]), truth, np.array([0, 1]))
    doc = json.loads(json.dumps(calibration.to_dict()))
    again = Calibration.from_dict(doc)
    assert again == calibration
    probe = np.array([[0.3, 0.7], [0.5, 0.5]])
    assert again.confidence(probe).tolist() == calibration.confidence(probe).tolist()


def test_bad_input_is_named() -> None:
    good = np.array([[0.3, 0.7]])
    with pytest.raises(InputError, match="no evaluation rows"):
        fit_calibration(np.empty((0, 2)), np.empty(0), [0, 1])
    with pytest.raises(InputError, match=r"\(rows, 3\)"):
        fit_calibration(good, np.array([1]), [0, 1, 2])
    with pytest.raises(InputError, match="2 labels but 1 rows"):
        fit_calibration(good, np.array([1, 0]), [0, 1])
    with pytest.raises(InputError, match="not finite"):
        fit_calibration(np.array([[np.nan, 0.5]]), np.array([1]), [0, 1])
    with pytest.raises(InputError, match="two classes or more"):
        fit_calibration(np.array([[1.0]]), np.array([1]), [1])
    calibration = fit_calibration(np.array([[0.3, 0.7], [0.8, 0.2]]), np.array([1, 1]), [0, 1])
    with pytest.raises(InputError, match="one column per class"):
        calibration.confidence(np.array([0.3, 0.7]))
    with pytest.raises(InputError, match="no rows"):
        estimated_accuracy(np.empty(0))
    with pytest.raises(IntegrityError, match="not a stored calibration"):
        Calibration.from_dict({"classes": [0, 1]})
