"""Evaluation metrics: computed with numpy and scikit-learn on whole arrays, never row by row.

=====================  ==========================  ======================
metric                 task                        better
=====================  ==========================  ======================
``accuracy``           classification              higher
``balanced_accuracy``  classification              higher
``f1``                 classification (macro F1)   higher
``roc_auc``            binary, with probabilities  higher
``log_loss``           binary, with probabilities  lower
``rmse``, ``mae``      regression                  lower
``r2``                 regression                  higher
=====================  ==========================  ======================

Examples:
    >>> import numpy as np
    >>> scores(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]), "classification")["accuracy"]
    0.75
    >>> higher_is_better("rmse")
    False

"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from driftline.core.errors import InputError

__all__ = ["METRICS", "Task", "check_metric", "higher_is_better", "infer_task", "scores"]

Task = Literal["classification", "regression"]

METRICS: dict[str, Task] = {
    "accuracy": "classification",
    "balanced_accuracy": "classification",
    "f1": "classification",
    "roc_auc": "classification",
    "log_loss": "classification",
    "rmse": "regression",
    "mae": "regression",
    "r2": "regression",
}
"""Each metric and the task it belongs to."""

_LOWER_IS_BETTER = frozenset({"rmse", "mae", "log_loss"})
_MAX_CLASSES = 200


def higher_is_better(metric: str) -> bool:
    """Whether a larger value of ``metric`` is better."""
    return metric not in _LOWER_IS_BETTER


def infer_task(target: np.ndarray[Any, Any]) -> Task:
    """``classification`` for text, boolean or integer targets with few values; else regression."""
    if target.dtype.kind in "OUSb":
        return "classification"
    if target.dtype.kind in "iu" and len(np.unique(target)) <= _MAX_CLASSES:
        return "classification"
    return "regression"


def check_metric(metric: str) -> str:
    """Check a metric name; return it.

    Raises:
        InputError: an unknown metric, listing the known ones.

    """
    if metric not in METRICS:
        raise InputError(f"unknown metric {metric!r}; metrics: {', '.join(METRICS)}")
    return metric


def scores(
    truth: np.ndarray[Any, Any],
    predicted: np.ndarray[Any, Any],
    task: Task,
    probabilities: np.ndarray[Any, Any] | None = None,
) -> dict[str, float]:
    """Every metric of ``task`` that applies (``roc_auc``/``log_loss`` need binary probabilities).

    Raises:
        InputError: no rows, or arrays of different lengths.

    """
    from sklearn import metrics as m

    if len(truth) == 0:
        raise InputError("there are no rows to evaluate on")
    if len(truth) != len(predicted):
        raise InputError(f"{len(truth)} labels but {len(predicted)} predictions")
    if task == "regression":
        t, p = truth.astype(np.float64), predicted.astype(np.float64)
        error = p - t
        out = {
            "rmse": float(np.sqrt(np.mean(error**2))),
            "mae": float(np.mean(np.abs(error))),
        }
        if len(t) > 1 and np.var(t) > 0:
            out["r2"] = float(m.r2_score(t, p))
        return out
    out = {
        "accuracy": float(np.mean(truth == predicted)),
        "balanced_accuracy": float(m.balanced_accuracy_score(truth, predicted)),
        "f1": float(m.f1_score(truth, predicted, average="macro", zero_division=0)),
    }
    classes = np.unique(truth)
    two_columns = probabilities is not None and probabilities.ndim == 2
    if len(classes) == 2 and two_columns and probabilities is not None:
        positive = probabilities[:, -1]
        y = (truth == classes[1]).astype(np.float64)
        out["roc_auc"] = float(m.roc_auc_score(y, positive))
        clipped = np.clip(positive, 1e-15, 1 - 1e-15)
        out["log_loss"] = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
    return out
