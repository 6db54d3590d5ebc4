"""Whether a series changed **suddenly** (a step) or **gradually** (a ramp): :func:`change_shape`.

The series is a drift statistic over consecutive windows. Three fits are compared by their sum
of squared errors, each found by trying every change point at once (prefix sums, no loop over
points):

- **constant**: one level; the series did not change;
- **step**: one level before a change point and another after it, allowing the single window
  that straddles the change to sit anywhere between them (a change rarely starts on a window's
  edge);
- **ramp**: a level, then a straight line from one window to another, then a level
  (``a + b * clip(t, t0, t1)``, spread over three windows or more): a line over the whole
  series and a hinge are special cases.

A series changed when the better of step and ramp beats the constant by more than chance does
on noise (``n * log(SSE constant / SSE best)`` above a bound set on Gaussian noise, so that about
one noise series in a hundred shows a change) and, with ``threshold``, when the level moved by at
least ``threshold``. The change is ``"gradual"`` when the ramp fits clearly better than the step
(the simpler step wins a near tie), else ``"sudden"``. Missing values (NaN, ``None``) are left
out, the others keep their positions; fewer than five values never show a change.

Examples:
    >>> change_shape([0.02, 0.03, 0.02, 0.03, 0.41, 0.40, 0.42, 0.41])
    'sudden'
    >>> change_shape([0.02, 0.06, 0.10, 0.15, 0.19, 0.24, 0.28, 0.33])
    'gradual'
    >>> change_shape([0.02, 0.03, 0.02, 0.03, 0.02, 0.03])
    'none'

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from driftline.core.errors import InputError

__all__ = ["MIN_POINTS", "SHAPES", "ChangeFit", "change_shape", "fit_change"]

Shape = Literal["sudden", "gradual", "none"]

SHAPES: tuple[Shape, ...] = ("sudden", "gradual", "none")
"""The answers of :func:`change_shape`."""

MIN_POINTS = 5
"""The fewest values (not missing) in which a change can be seen."""

_PARSIMONY = 2.0
"""How far ``n * log(SSE step / SSE ramp)`` must go to call a change gradual (the simpler wins)."""

_LEVEL = 2
"""The fewest points a level of a step holds (one point alone is no level)."""


@dataclass(frozen=True)
class ChangeFit:
    """What :func:`fit_change` found in a series.

    Attributes:
        shape: ``"sudden"``, ``"gradual"`` or ``"none"``.
        start: the position where the change starts (the last point of the level before it),
            or ``None`` when there is no change.
        end: the position where it ends (the first point of the level after it), or ``None``.
        before: the level before the change (the mean of the series when there is none).
        after: the level after the change (the same as ``before`` when there is none).
        points: how many values were used (missing ones left out).

    Examples:
        >>> fit = fit_change([1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0])
        >>> fit.shape, fit.start, fit.end, fit.before, fit.after
        ('sudden', 3, 4, 1.0, 3.0)

    """

    shape: Shape
    start: int | None
    end: int | None
    before: float
    after: float
    points: int


def _values(values: Sequence[float | None]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The positions and values of the points that are not missing."""
    try:
        y = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"change_shape needs a sequence of numbers: {exc}") from exc
    if y.ndim != 1:
        raise InputError(f"change_shape needs a flat sequence of numbers, got shape {y.shape}")
    keep = np.isfinite(y)
    return np.flatnonzero(keep).astype(np.float64), y[keep]


def _critical(n: int) -> float:
    """How far ``n * log(SSE constant / SSE best)`` must go for a change to count.

    Set on series of pure Gaussian noise (5 to 400 points) so that fewer than about one in a
    hundred show a change, although the best of every step and ramp is tried on each.
    """
    return 12.0 + 2.0 * float(np.log(n)) + 20.0 / n


def _prefix(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.concatenate([[0.0], np.cumsum(x)])


def _sse(total: Any, square: Any, count: Any) -> Any:
    """Squared errors around the mean of a group with this sum and sum of squares."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, square - total**2 / np.maximum(count, 1), 0.0)


def _step(y: np.ndarray[Any, Any]) -> tuple[float, int, int]:
    """The best step: its SSE, and the last point before and the first point after it."""
    n = len(y)
    s, q = _prefix(y), _prefix(y**2)
    k = np.arange(_LEVEL, n - _LEVEL + 1)  # the first point after the change
    plain = _sse(s[k], q[k], k) + _sse(s[n] - s[k], q[n] - q[k], n - k)
    # The same with point m between the two levels (free: it adds no error).
    m = np.arange(_LEVEL, n - _LEVEL)
    straddled = _sse(s[m], q[m], m) + _sse(s[n] - s[m + 1], q[n] - q[m + 1], n - m - 1)
    best_plain = int(np.argmin(plain))
    if len(straddled) and straddled.min() < plain[best_plain]:
        j = int(np.argmin(straddled))
        return float(straddled[j]), int(m[j]) - 1, int(m[j]) + 1
    return float(plain[best_plain]), int(k[best_plain]) - 1, int(k[best_plain])


def _ramp(t: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> tuple[float, int, int]:
    """The best ``a + b * clip(t, t[i], t[j])`` with ``j - i >= 3``: SSE, ``i``, ``j``."""
    n = len(y)
    if n < 4:
        return float("inf"), 0, n - 1
    t = (t - t[0]) / max(t[-1] - t[0], 1.0)
    T, T2, Y, TY = _prefix(t), _prefix(t**2), _prefix(y), _prefix(t * y)
    i, j = np.triu_indices(n, k=3)
    ti, tj = t[i], t[j]
    before, after = i + 1, n - j
    sx = before * ti + (T[j] - T[i + 1]) + after * tj
    sxx = before * ti**2 + (T2[j] - T2[i + 1]) + after * tj**2
    sxy = ti * Y[i + 1] + (TY[j] - TY[i + 1]) + tj * (Y[n] - Y[j])
    syy = float(np.sum((y - y.mean()) ** 2))
    var_x = sxx - sx**2 / n
    cov = sxy - sx * Y[n] / n
    with np.errstate(invalid="ignore", divide="ignore"):
        sse = np.where(var_x > 1e-15, syy - cov**2 / var_x, np.inf)
    best = int(np.argmin(sse))
    return float(max(sse[best], 0.0)), int(i[best]), int(j[best])


def fit_change(values: Sequence[float | None], *, threshold: float | None = None) -> ChangeFit:
    """Fit a constant, a step and a ramp to ``values`` (see the module docstring).

    Args:
        values: the series, oldest first (``None`` or NaN where a window has no value).
        threshold: the smallest move of the level that counts as a change (in the units of
            the series); ``None``: any change that stands out from the noise.

    Raises:
        InputError: values that are not numbers, or a negative ``threshold``.

    """
    if threshold is not None and (not np.isfinite(threshold) or threshold < 0):
        raise InputError(f"threshold must be a number >= 0 or None, got {threshold!r}")
    t, y = _values(values)
    n = len(y)
    mean = float(y.mean()) if n else float("nan")
    none = ChangeFit("none", None, None, mean, mean, n)
    if n < MIN_POINTS:
        return none
    if float(np.ptp(y)) <= 1e-12 * float(np.abs(y).max()):
        return none  # flat (up to rounding)
    y = y - mean  # centred: the sums below lose no precision to a large level
    sse0 = float(np.sum(y**2))
    floor = sse0 * 1e-12  # a perfect fit still leaves rounding
    step_sse, s_lo, s_hi = _step(y)
    ramp_sse, r_lo, r_hi = _ramp(t, y)
    step_sse, ramp_sse = max(step_sse, floor), max(ramp_sse, floor)
    gradual = n * np.log(step_sse / ramp_sse) > _PARSIMONY
    best = ramp_sse if gradual else step_sse
    lo, hi = (r_lo, r_hi) if gradual else (s_lo, s_hi)
    if n * np.log(sse0 / best) <= _critical(n):
        return none
    before = float(np.mean(y[: lo + 1])) + mean
    after = float(np.mean(y[hi:])) + mean
    if threshold is not None and abs(after - before) < threshold:
        return none
    shape: Shape = "gradual" if gradual else "sudden"
    return ChangeFit(shape, int(t[lo]), int(t[hi]), before, after, n)


def change_shape(values: Sequence[float | None], *, threshold: float | None = None) -> Shape:
    """Whether ``values`` changed, and how: ``"sudden"``, ``"gradual"`` or ``"none"``.

    See :func:`fit_change` for the arguments and the module docstring for the rule.

    Examples:
        >>> change_shape([0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2], threshold=0.5)
        'none'
        >>> change_shape([0.1, None, 0.1, 0.1, 0.9, float("nan"), 0.9, 0.9])
        'sudden'

    """
    return fit_change(values, threshold=threshold).shape
