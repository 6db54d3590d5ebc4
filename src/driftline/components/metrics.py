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

Every part of driftline that scores predictions against labels uses this module: the
``evaluate`` step's gate, the rollout checks of the model server, the monitor's live metrics,
the controller's ``metric`` trigger and the backtest. Labels and predictions are compared by
value, not by type (:func:`matches`): a label ``1`` and a prediction ``1.0`` agree, and so do a
label ``"1"`` and a prediction ``1``.

:data:`LIVE_METRICS` are those computed from predictions and labels alone (what a prediction log
joined with feedback holds); ``roc_auc`` and ``log_loss`` also need probabilities.

Examples:
    >>> import numpy as np
    >>> scores(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]), "classification")["accuracy"]
    0.75
    >>> higher_is_better("rmse")
    False
    >>> matches(np.array([1, 0, 1]), np.array([1.0, 1.0, 1.0])).tolist()
    [True, False, True]
    >>> LIVE_METRICS
    ('accuracy', 'balanced_accuracy', 'f1', 'rmse', 'mae', 'r2')

"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np

from driftline.core.errors import InputError

__all__ = [
    "LIVE_METRICS",
    "METRICS",
    "PROBABILITY_METRICS",
    "Task",
    "aligned",
    "check_metric",
    "higher_is_better",
    "infer_task",
    "matches",
    "needs_probabilities",
    "scores",
]

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

PROBABILITY_METRICS = frozenset({"roc_auc", "log_loss"})
"""The metrics that need predicted probabilities, not only predictions."""

LIVE_METRICS = tuple(m for m in METRICS if m not in PROBABILITY_METRICS)
"""The metrics computed from predictions and labels alone (a prediction log joined with labels)."""

_LOWER_IS_BETTER = frozenset({"rmse", "mae", "log_loss"})
_MAX_CLASSES = 200
_NUMERIC = "biuf"
_TEXT = "OUS"


def needs_probabilities(metric: str) -> bool:
    """Whether ``metric`` is computed from probabilities (``roc_auc``, ``log_loss``)."""
    return metric in PROBABILITY_METRICS


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


def _numbers(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any] | None:
    """``values`` as float64 when every one reads as a number, else ``None``."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def aligned(
    truth: np.ndarray[Any, Any], predicted: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Labels and predictions of one comparable type, so that equal values compare equal.

    Numbers of different types become float64 (a label ``1`` and a prediction ``1.0`` agree;
    ``True`` is 1); text against numbers is read as numbers when all of it is, else both sides
    are compared as text. Arrays of the same kind are returned as they are.

    Examples:
        >>> t, p = aligned(np.array([1, 0]), np.array(["1", "0.0"]))
        >>> t.dtype.name, p.tolist()
        ('float64', [1.0, 0.0])
        >>> aligned(np.array(["a", "1"]), np.array([1, 1]))[1].tolist()
        ['1', '1']

    """
    t, p = np.asarray(truth), np.asarray(predicted)
    tk, pk = t.dtype.kind, p.dtype.kind
    if tk == pk and tk != "O":
        return t, p
    if tk in _NUMERIC and pk in _NUMERIC:
        return t.astype(np.float64), p.astype(np.float64)
    if tk in _NUMERIC or pk in _NUMERIC:
        text = p if tk in _NUMERIC else t
        read = _numbers(text)
        if read is not None:
            return (t.astype(np.float64), read) if tk in _NUMERIC else (read, p.astype(np.float64))
    if tk in _TEXT or pk in _TEXT:
        nt, np_ = _numbers(t), _numbers(p)
        if nt is not None and np_ is not None:
            return nt, np_
        return t.astype(str), p.astype(str)
    return t, p


def matches(truth: np.ndarray[Any, Any], predicted: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Which predictions equal their labels, compared by value (see :func:`aligned`).

    Raises:
        InputError: arrays of different lengths.

    """
    t, p = aligned(truth, predicted)
    if len(t) != len(p):
        raise InputError(f"{len(t)} labels but {len(p)} predictions")
    return np.asarray(t == p, dtype=bool).reshape(-1)


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

    Labels and predictions are compared by value (:func:`aligned`). scikit-learn's warnings
    about classes missing from the rows (a span may hold one class) are not raised.

    Raises:
        InputError: no rows, arrays of different lengths, or (regression) values that are not
            numbers.

    """
    if len(truth) == 0:
        raise InputError("there are no rows to evaluate on")
    if len(truth) != len(predicted):
        raise InputError(f"{len(truth)} labels but {len(predicted)} predictions")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _scores(truth, predicted, task, probabilities)


def _scores(
    truth: np.ndarray[Any, Any],
    predicted: np.ndarray[Any, Any],
    task: Task,
    probabilities: np.ndarray[Any, Any] | None,
) -> dict[str, float]:
    from sklearn import metrics as m

    if task == "regression":
        t, p = _numbers(truth), _numbers(predicted)
        if t is None or p is None:
            raise InputError("regression metrics need numeric predictions and labels")
        error = p - t
        out = {
            "rmse": float(np.sqrt(np.mean(error**2))),
            "mae": float(np.mean(np.abs(error))),
        }
        if len(t) > 1 and np.var(t) > 0:
            out["r2"] = float(m.r2_score(t, p))
        return out
    truth, predicted = aligned(truth, predicted)
    out = {
        "accuracy": float(np.mean(matches(truth, predicted))),
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
