"""Confidence-based performance estimation (CBPE): accuracy expected from calibrated probabilities.

A classifier's *confidence* in a row is its largest predicted probability. At training time the
probability that a prediction is right given its confidence, ``P(correct | confidence)``, is fitted
on the evaluation rows with isotonic regression (monotone: more confident is never less likely
right), and stored as the regression's breakpoints (plain numbers, no pickle). On live rows, with
no labels yet, each row's calibrated confidence is the chance it is right, and their mean is the
accuracy to expect (:func:`estimated_accuracy`).

What it cannot see: the estimate follows changes in ``P(x)`` (rows moving to where the model is
less sure), never a change in ``P(y | x)`` that leaves the inputs as they were (a *concept*
change): the model is then as confident as before, and wrong. Nor can it vouch for rows far from
the evaluation rows it was fitted on: there the model's confidence is extrapolated, and on Elec2
(``benchmarks/estimate.py``) the estimate rises while the accuracy falls as prices leave the
training range.

Examples:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p1 = rng.uniform(size=2000)
    >>> truth = (rng.uniform(size=2000) < p1).astype(int)  # well calibrated by construction
    >>> probabilities = np.column_stack([1 - p1, p1])
    >>> calibration = fit_calibration(probabilities, truth, classes=[0, 1])
    >>> confident = np.array([[0.02, 0.98], [0.97, 0.03]])
    >>> unsure = np.array([[0.45, 0.55], [0.52, 0.48]])
    >>> round(estimated_accuracy(calibration.confidence(confident)), 1)
    1.0
    >>> round(estimated_accuracy(calibration.confidence(unsure)), 1)
    0.5
    >>> Calibration.from_dict(calibration.to_dict()) == calibration
    True

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from driftline.core.errors import InputError, IntegrityError
from driftline.models.monitoring.agreement import agree

__all__ = ["Calibration", "estimated_accuracy", "fit_calibration"]


def _plain(value: Any) -> Any:
    """A class label as a JSON-able Python value."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class Calibration:
    """``P(prediction correct | confidence)``, monotone in the confidence (see the module docs).

    Attributes:
        classes: the classes, in the order of the model's probability columns.
        thresholds: confidences at the breakpoints, increasing.
        values: the calibrated ``P(correct)`` at each breakpoint (linear in between, flat outside).
        rows: how many evaluation rows it was fitted on.
        accuracy: the accuracy on those rows (what the calibrated mean reproduces there).

    """

    classes: tuple[Any, ...]
    thresholds: tuple[float, ...] = ()
    values: tuple[float, ...] = ()
    rows: int = 0
    accuracy: float | None = None

    def __post_init__(self) -> None:
        if len(self.thresholds) != len(self.values) or not self.thresholds:
            raise IntegrityError(
                f"a calibration needs as many values as thresholds, and at least one; got "
                f"{len(self.thresholds)} thresholds and {len(self.values)} values"
            )
        if len(self.classes) < 2:
            raise IntegrityError(f"a calibration needs two classes or more, got {self.classes}")

    def confidence(self, probabilities: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The calibrated chance each row's prediction is right (float64, one per row).

        Raises:
            InputError: not an ``(n, k)`` array with one column per class, or values that are
                not finite.

        """
        p = np.asarray(probabilities, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != len(self.classes):
            raise InputError(
                f"probabilities must be an (rows, {len(self.classes)}) array (one column per "
                f"class {list(self.classes)}), got shape {p.shape}"
            )
        raw = p.max(axis=1) if len(p) else np.empty(0)
        if not np.isfinite(raw).all():
            raise InputError("probabilities hold values that are not finite numbers")
        calibrated: np.ndarray[Any, Any] = np.interp(
            raw, np.asarray(self.thresholds), np.asarray(self.values)
        )
        return calibrated

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (:meth:`from_dict` reads it back)."""
        return {
            "method": "isotonic",
            "classes": [_plain(c) for c in self.classes],
            "thresholds": list(self.thresholds),
            "values": list(self.values),
            "rows": self.rows,
            "accuracy": self.accuracy,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Calibration:
        """Rebuild a calibration from :meth:`to_dict`.

        Raises:
            IntegrityError: a document that is not a calibration (naming what is wrong).

        """
        try:
            return cls(
                classes=tuple(doc["classes"]),
                thresholds=tuple(float(v) for v in doc["thresholds"]),
                values=tuple(float(v) for v in doc["values"]),
                rows=int(doc.get("rows", 0)),
                accuracy=None if doc.get("accuracy") is None else float(doc["accuracy"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(f"not a stored calibration: {exc!r}") from exc


def fit_calibration(
    probabilities: np.ndarray[Any, Any], truth: np.ndarray[Any, Any], classes: Sequence[Any]
) -> Calibration:
    """Fit ``P(correct | confidence)`` on evaluation rows (isotonic regression).

    Args:
        probabilities: ``(n, k)`` class probabilities, one column per class of ``classes``.
        truth: the ``n`` labels.
        classes: the classes in the order of the probability columns.

    Raises:
        InputError: no rows, shapes that disagree, or probabilities that are not finite.

    """
    from sklearn.isotonic import IsotonicRegression

    labels = tuple(_plain(c) for c in np.asarray(list(classes), dtype=object))
    if len(labels) < 2:
        raise InputError(f"a calibration needs two classes or more, got {list(labels)}")
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(truth).reshape(-1)
    if p.ndim != 2 or p.shape[1] != len(labels):
        raise InputError(
            f"probabilities must be an (rows, {len(labels)}) array, got shape {p.shape}"
        )
    if len(p) == 0:
        raise InputError("no evaluation rows to fit a calibration on")
    if len(y) != len(p):
        raise InputError(f"{len(y)} labels but {len(p)} rows of probabilities")
    if not np.isfinite(p).all():
        raise InputError("probabilities hold values that are not finite numbers")
    predicted = np.asarray(labels, dtype=object)[p.argmax(axis=1)]
    correct = agree(y, np.asarray(predicted.tolist())).astype(np.float64)
    raw = p.max(axis=1)
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, correct)
    return Calibration(
        classes=labels,
        thresholds=tuple(float(v) for v in fitted.X_thresholds_),
        values=tuple(float(v) for v in fitted.y_thresholds_),
        rows=len(y),
        accuracy=float(correct.mean()),
    )


def estimated_accuracy(confidence: np.ndarray[Any, Any]) -> float:
    """The accuracy to expect on rows with these calibrated confidences: their mean.

    Raises:
        InputError: no rows.

    Examples:
        >>> estimated_accuracy(np.array([0.9, 0.7]))
        0.8

    """
    values = np.asarray(confidence, dtype=np.float64)
    if values.size == 0:
        raise InputError("no rows to estimate an accuracy on")
    return float(values.mean())
