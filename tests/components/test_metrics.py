"""Evaluation metrics against scikit-learn's own functions, task inference and errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as m

from driftline.components.metrics import (
    LIVE_METRICS,
    METRICS,
    PROBABILITY_METRICS,
    check_metric,
    higher_is_better,
    infer_task,
    matches,
    needs_probabilities,
    scores,
)
from driftline.core.errors import InputError


def _binary(seed: int, rows: int = 500) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, size=rows)
    positive = np.clip(0.35 * truth + rng.uniform(0.05, 0.65, size=rows), 0.01, 0.99)
    proba = np.column_stack([1 - positive, positive])
    predicted = (positive > 0.5).astype(np.int64)
    return truth, predicted, proba


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_classification_matches_scikit_learn(seed: int) -> None:
    truth, predicted, proba = _binary(seed)
    found = scores(truth, predicted, "classification", proba)
    assert set(found) == {"accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss"}
    assert found["accuracy"] == pytest.approx(m.accuracy_score(truth, predicted), abs=1e-12)
    assert found["balanced_accuracy"] == pytest.approx(
        m.balanced_accuracy_score(truth, predicted), abs=1e-12
    )
    assert found["f1"] == pytest.approx(m.f1_score(truth, predicted, average="macro"), abs=1e-12)
    assert found["roc_auc"] == pytest.approx(m.roc_auc_score(truth, proba[:, 1]), abs=1e-12)
    assert found["log_loss"] == pytest.approx(m.log_loss(truth, proba), abs=1e-9)
    # the data is neither trivial nor hopeless, so the comparison means something
    assert 0.55 < found["accuracy"] < 0.95


def test_text_labels_take_the_second_sorted_class_as_positive() -> None:
    truth01, predicted01, proba = _binary(3)
    names = np.array(["no", "yes"])
    truth, predicted = names[truth01], names[predicted01]
    found = scores(truth, predicted, "classification", proba)
    assert found["roc_auc"] == pytest.approx(m.roc_auc_score(truth, proba[:, 1]), abs=1e-12)
    assert found["log_loss"] == pytest.approx(m.log_loss(truth, proba, labels=names), abs=1e-9)
    assert found["f1"] == pytest.approx(m.f1_score(truth, predicted, average="macro"), abs=1e-12)


def test_multiclass_has_no_probability_metrics() -> None:
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 3, size=300)
    predicted = np.where(rng.uniform(size=300) < 0.7, truth, rng.integers(0, 3, size=300))
    proba = rng.dirichlet([1, 1, 1], size=300)
    found = scores(truth, predicted, "classification", proba)
    assert set(found) == {"accuracy", "balanced_accuracy", "f1"}
    assert found["balanced_accuracy"] == pytest.approx(
        m.balanced_accuracy_score(truth, predicted), abs=1e-12
    )
    assert found["f1"] == pytest.approx(m.f1_score(truth, predicted, average="macro"), abs=1e-12)


def test_binary_without_probabilities_has_no_probability_metrics() -> None:
    truth, predicted, _ = _binary(5)
    assert set(scores(truth, predicted, "classification")) == {
        "accuracy",
        "balanced_accuracy",
        "f1",
    }


@pytest.mark.parametrize("seed", [0, 1])
def test_regression_matches_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.normal(10.0, 3.0, size=400)
    predicted = truth + rng.normal(0.5, 1.5, size=400)
    found = scores(truth, predicted, "regression")
    assert set(found) == {"rmse", "mae", "r2"}
    assert found["rmse"] == pytest.approx(np.sqrt(m.mean_squared_error(truth, predicted)))
    assert found["mae"] == pytest.approx(m.mean_absolute_error(truth, predicted))
    assert found["r2"] == pytest.approx(m.r2_score(truth, predicted))
    assert 0.5 < found["r2"] < 1.0


def test_regression_on_a_constant_target_has_no_r2() -> None:
    found = scores(np.full(5, 2.0), np.array([1.0, 2.0, 3.0, 2.0, 2.0]), "regression")
    assert set(found) == {"rmse", "mae"}
    assert found["mae"] == pytest.approx(0.4)
    assert found["rmse"] == pytest.approx(np.sqrt(2 / 5))


def test_infer_task() -> None:
    rng = np.random.default_rng(0)
    assert infer_task(np.array(["a", "b", "a"])) == "classification"
    assert infer_task(np.array(["a", None], dtype=object)) == "classification"
    assert infer_task(np.array([True, False])) == "classification"
    assert infer_task(rng.integers(0, 5, size=100)) == "classification"
    assert infer_task(np.arange(200)) == "classification"  # 200 distinct integers: classes
    assert infer_task(np.arange(201)) == "regression"  # more: a count, not classes
    assert infer_task(rng.normal(size=50)) == "regression"
    assert infer_task(np.array([0.0, 1.0, 1.0])) == "regression"  # floats are never classes


def test_higher_is_better_for_every_metric() -> None:
    lower = {name for name in METRICS if not higher_is_better(name)}
    assert lower == {"rmse", "mae", "log_loss"}
    assert higher_is_better("accuracy")
    assert higher_is_better("r2")


def test_errors() -> None:
    with pytest.raises(InputError, match="no rows to evaluate"):
        scores(np.array([]), np.array([]), "classification")
    with pytest.raises(InputError, match="3 labels but 2 predictions"):
        scores(np.array([0, 1, 0]), np.array([0, 1]), "classification")
    with pytest.raises(InputError, match="3 labels but 4 predictions"):
        scores(np.zeros(3), np.zeros(4), "regression")
    with pytest.raises(InputError, match="unknown metric 'acc'; metrics: accuracy, "):
        check_metric("acc")
    assert check_metric("roc_auc") == "roc_auc"


# -- labels and predictions of different types ---------------------------------------------------


@pytest.mark.parametrize(
    ("truth", "predicted", "right"),
    [
        (np.array([1, 0, 1]), np.array([1.0, 0.0, 0.0]), [True, True, False]),
        (np.array([1.0, 0.0]), np.array([1, 1]), [True, False]),
        (np.array(["1", "0"]), np.array([1.0, 0.0]), [True, True]),
        (np.array([True, False]), np.array([1, 1]), [True, False]),
        (np.array(["cat", "dog"]), np.array(["cat", "cat"]), [True, False]),
        (np.array(["cat", "1"]), np.array([1, 1]), [False, True]),
        (np.array([1, 2], dtype=object), np.array([1.0, 3.0]), [True, False]),
    ],
)
def test_matches_compares_labels_and_predictions_by_value(
    truth: np.ndarray, predicted: np.ndarray, right: list[bool]
) -> None:
    assert matches(truth, predicted).tolist() == right


def test_scores_do_not_depend_on_the_prediction_type() -> None:
    truth, predicted, proba = _binary(6)
    as_ints = scores(truth, predicted, "classification", proba)
    as_floats = scores(truth, predicted.astype(np.float64), "classification", proba)
    as_text = scores(truth.astype(str), predicted, "classification", proba)
    assert as_ints == as_floats == as_text


def test_live_metrics_are_those_without_probabilities() -> None:
    assert LIVE_METRICS == ("accuracy", "balanced_accuracy", "f1", "rmse", "mae", "r2")
    assert set(LIVE_METRICS) | PROBABILITY_METRICS == set(METRICS)
    assert all(needs_probabilities(m) for m in PROBABILITY_METRICS)
    with pytest.raises(InputError, match="numeric predictions and labels"):
        scores(np.array(["a"]), np.array(["b"]), "regression")
