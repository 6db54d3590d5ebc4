"""Where a model's accuracy fell among its live windows: :func:`fallen_window`.

The accuracy of a window is its realised accuracy where labels exist, else its label-free
estimate (:func:`accuracy_series` picks one source for the whole series, never a mix). The
window where accuracy fell starts the later level of the best two-level fit of the series whose
later level is lower, each window weighted by its rows (labelled rows for the realised
accuracy); every split is tried at once with prefix sums.

Examples:
    >>> from types import SimpleNamespace as W
    >>> windows = [W(realised_accuracy=a, labelled_rows=100, estimated_accuracy=e, rows=100)
    ...            for a, e in [(0.9, 0.8), (0.91, 0.8), (0.9, 0.81), (0.5, 0.8), (0.52, 0.8)]]
    >>> source, series = accuracy_series(windows)
    >>> fell = fallen_window(series, source)
    >>> source, series.index(next(s for s in series if s[0] is fell.metrics))
    ('realised', 3)
    >>> round(fell.before, 3), round(fell.after, 2)
    (0.903, 0.51)
    >>> fell.notes[0].startswith("the label-free estimate did not follow")
    True

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ESTIMATED", "REALISED", "FallenWindow", "accuracy_series", "fallen_window"]

REALISED = "realised"
ESTIMATED = "estimated"

_CONCEPT_SHARE = 1 / 3
"""The estimate explains a fall when it fell by at least this share of the realised fall."""

Series = list[tuple[Any, float, float]]
"""``(window metrics, accuracy, weight)`` per window, oldest first."""


@dataclass(frozen=True)
class FallenWindow:
    """The window where accuracy fell, and the accuracy before it and from it on.

    Attributes:
        metrics: the window's :class:`~driftline.monitor.window_metrics.WindowMetrics`.
        before: the accuracy level before it (``None``: nothing known from before).
        after: the accuracy level from it on.
        notes: what should be known about the choice.

    """

    metrics: Any
    before: float | None
    after: float | None
    notes: tuple[str, ...] = ()


def accuracy_series(windows: Sequence[Any]) -> tuple[str, Series]:
    """The accuracy of each window from one source: realised where any window has labels.

    Returns:
        ``("realised" | "estimated", [(window, accuracy, weight), ...])``; the list is empty
        when no window has either.

    """
    realised = [
        (m, float(m.realised_accuracy), float(m.labelled_rows))
        for m in windows
        if m.realised_accuracy is not None and m.labelled_rows > 0
    ]
    if realised:
        return REALISED, realised
    estimated = [
        (m, float(m.estimated_accuracy), float(max(m.rows, 1)))
        for m in windows
        if m.estimated_accuracy is not None
    ]
    return ESTIMATED, estimated


def _mean(values: np.ndarray[Any, Any], weights: np.ndarray[Any, Any]) -> float:
    return float(np.sum(values * weights) / np.sum(weights))


def _split(acc: np.ndarray[Any, Any], w: np.ndarray[Any, Any]) -> int | None:
    """The first window of the later, lower level of the best two-level fit (``None``: none)."""
    n = len(acc)
    if n < 2:
        return None
    sw = np.concatenate([[0.0], np.cumsum(w)])
    sa = np.concatenate([[0.0], np.cumsum(w * acc)])
    sq = np.concatenate([[0.0], np.cumsum(w * acc**2)])
    k = np.arange(1, n)
    lo_w, hi_w = sw[k], sw[n] - sw[k]
    lo_a, hi_a = sa[k], sa[n] - sa[k]
    sse = (sq[k] - lo_a**2 / lo_w) + (sq[n] - sq[k] - hi_a**2 / hi_w)
    falls = hi_a / hi_w < lo_a / lo_w
    if not falls.any():
        return None
    return int(k[falls][np.argmin(sse[falls])])


def _concept_note(series: Series, k: int, before: float, after: float) -> str | None:
    """A note when the realised accuracy fell at ``k`` but the estimate did not."""
    est = [(m.estimated_accuracy, m.rows) for m, _, _ in series]
    if any(e is None for e, _ in est[:k]) or any(e is None for e, _ in est[k:]):
        return None
    values = np.array([e for e, _ in est], dtype=np.float64)
    weights = np.array([max(r, 1) for _, r in est], dtype=np.float64)
    e_before, e_after = _mean(values[:k], weights[:k]), _mean(values[k:], weights[k:])
    if e_before - e_after >= _CONCEPT_SHARE * (before - after):
        return None
    return (
        f"the label-free estimate did not follow ({e_before:.3f} -> {e_after:.3f}): the "
        "inputs alone do not explain the fall; the relation between the inputs and the labels "
        "may have changed (concept drift)"
    )


def fallen_window(series: Series, source: str, eval_accuracy: float | None = None) -> FallenWindow:
    """The window where accuracy fell (see the module docstring).

    Args:
        series: from :func:`accuracy_series` (not empty).
        source: ``"realised"`` or ``"estimated"``.
        eval_accuracy: the accuracy on the evaluation rows at training time: the level before
            when the series has one window only.

    """
    acc = np.array([a for _, a, _ in series], dtype=np.float64)
    w = np.maximum(np.array([x for _, _, x in series], dtype=np.float64), 1.0)
    notes: list[str] = []
    if len(series) == 1:
        if eval_accuracy is None:
            notes.append("one window only and no accuracy from training: nothing to compare")
        else:
            notes.append("one window only: compared with the accuracy on the evaluation rows")
        return FallenWindow(series[0][0], eval_accuracy, float(acc[0]), tuple(notes))
    k = _split(acc, w)
    if k is None:
        k = int(np.argmin(acc))
        notes.append(
            f"the {source} accuracy did not fall in this range: its lowest window is shown"
        )
        before = _mean(acc[:k], w[:k]) if k else None
        return FallenWindow(series[k][0], before, float(acc[k]), tuple(notes))
    before, after = _mean(acc[:k], w[:k]), _mean(acc[k:], w[k:])
    if source == REALISED:
        note = _concept_note(series, k, before, after)
        if note:
            notes.append(note)
    return FallenWindow(series[k][0], before, after, tuple(notes))
