"""Exact moments of numbers: count, NaN and infinity counts, min, max, mean and variance.

Batches are reduced with numpy (pairwise summation, centred second moment) and combined with the
parallel formula of Chan, Golub and LeVeque, written symmetrically so that ``a.merge(b)`` and
``b.merge(a)`` give the same bits::

    n    = n_a + n_b
    mean = (n_a * mean_a + n_b * mean_b) / n
    M2   = M2_a + M2_b + (mean_b - mean_a)**2 * n_a * n_b / n

Everything is exact except for floating-point rounding. The mean and the variance are over the
**finite** values; infinities are counted (``inf_count``) and show in ``min`` and ``max``; NaN is
counted apart (``nan_count``) and is not a value (``count`` excludes it). Values near the float64
limit (``1e308``) keep a finite mean; a variance beyond the limit is ``inf``.

Examples:
    >>> m = Moments()
    >>> m.update([1.0, 2.0, float("nan")]); m.update([3.0, 4.0])
    >>> m.count, m.nan_count, m.min, m.max, m.mean, round(m.variance or 0, 6)
    (4, 1, 1.0, 4.0, 2.5, 1.666667)

"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import numpy.typing as npt

from driftline.data.sketches.base import Sketch, State, array, meta_int

__all__ = ["Moments"]


class Moments(Sketch):
    """Count, missing, min, max, mean and variance of numbers; merges exactly.

    ``update`` takes anything numpy turns into floats; NaN is counted in ``nan_count`` and skipped.

    Examples:
        >>> a, b = Moments(), Moments()
        >>> a.update([1.0, 2.0]); b.update([float("inf"), 6.0])
        >>> m = a.merge(b)
        >>> m.count, m.inf_count, m.finite_count, m.mean, m.max
        (4, 1, 3, 3.0, inf)
        >>> big = Moments(); big.update([1e308, 1e308, float("-inf")]); big.mean, big.inf_count
        (1e+308, 1)

    """

    kind = "moments"

    def __init__(self) -> None:
        self._count = 0
        self._nan = 0
        self._inf = 0
        self._min = np.nan
        self._max = np.nan
        self._mean = 0.0
        self._m2 = 0.0

    # -- reading ----------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Values seen that are not NaN (infinities included)."""
        return self._count

    @property
    def nan_count(self) -> int:
        """NaN values seen (not counted in :attr:`count`)."""
        return self._nan

    @property
    def inf_count(self) -> int:
        """Infinite values (either sign) seen."""
        return self._inf

    @property
    def finite_count(self) -> int:
        """Finite values seen: the ones the mean and variance are over."""
        return self._count - self._inf

    @property
    def min(self) -> float | None:
        """The smallest value, or ``None`` if no value was seen."""
        return float(self._min) if self._count else None

    @property
    def max(self) -> float | None:
        """The largest value, or ``None`` if no value was seen."""
        return float(self._max) if self._count else None

    @property
    def mean(self) -> float | None:
        """The mean of the finite values, or ``None`` if there is none."""
        return self._mean if self.finite_count else None

    @property
    def m2(self) -> float:
        """The sum of squared deviations from the mean of the finite values."""
        return self._m2

    @property
    def variance(self) -> float | None:
        """The sample variance (``ddof=1``) of the finite values, ``None`` below two values."""
        n = self.finite_count
        return self._m2 / (n - 1) if n > 1 else None

    @property
    def std(self) -> float | None:
        """The sample standard deviation of the finite values, ``None`` below two values."""
        var = self.variance
        return float(np.sqrt(var)) if var is not None else None

    # -- feeding ----------------------------------------------------------------------------------

    def update(self, values: npt.ArrayLike) -> None:
        """Add a batch of numbers; NaN is counted and skipped.

        Examples:
            >>> m = Moments(); m.update(np.array([3, 1, 2])); m.min, m.max
            (1.0, 3.0)

        """
        x = np.asarray(values, dtype=np.float64).ravel()
        nan = np.isnan(x)
        n_nan = int(nan.sum())
        if n_nan:
            x = x[~nan]
        self._nan += n_nan
        self._add(x, sorted_=False)

    def _update_sorted(
        self,
        x: npt.NDArray[np.float64],
        nan_count: int = 0,
        work: npt.NDArray[np.float64] | None = None,
    ) -> None:
        """Add sorted, NaN-free values (a fast path for the profiler; ``work``: scratch)."""
        self._nan += nan_count
        self._add(x, sorted_=True, work=work)

    def _add(
        self,
        x: npt.NDArray[np.float64],
        *,
        sorted_: bool,
        work: npt.NDArray[np.float64] | None = None,
    ) -> None:
        if x.size == 0:
            return
        if sorted_:
            lo, hi = float(x[0]), float(x[-1])
            first = int(np.searchsorted(x, -np.inf, side="right")) if lo == -np.inf else 0
            last = int(np.searchsorted(x, np.inf, side="left")) if hi == np.inf else x.size
            finite = x[first:last]
            n_inf = x.size - finite.size
        else:
            lo, hi = float(x.min()), float(x.max())
            inf = np.isinf(x)
            n_inf = int(inf.sum())
            finite = x[~inf] if n_inf else x
        if finite.size:
            # Values near the float64 limit overflow a sum: the mean is then taken of scaled
            # values, and a variance beyond the limit is infinite (without numpy's warnings).
            with np.errstate(over="ignore", invalid="ignore"):
                mean = float(finite.mean())
                if not np.isfinite(mean):
                    scale = max(abs(lo), abs(hi)) if np.isfinite(lo) and np.isfinite(hi) else 0.0
                    scale = scale or float(np.abs(finite).max())
                    mean = float((finite / scale).mean()) * scale
                d = np.subtract(finite, mean, out=None if work is None else work[: finite.size])
                # Square in place and sum pairwise: no BLAS call (np.dot would wake OpenBLAS's
                # threads, which spin afterwards and slow every other thread down).
                m2 = float(np.square(d, out=d).sum())
        else:
            mean, m2 = 0.0, 0.0
        self._combine(x.size, n_inf, lo, hi, mean, m2)

    def _combine(
        self, count: int, n_inf: int, lo: float, hi: float, mean: float, m2: float
    ) -> None:
        na, nb = self.finite_count, count - n_inf
        if nb:
            if na:
                n = na + nb
                with np.errstate(over="ignore", invalid="ignore"):
                    delta = mean - self._mean
                    combined = (na * self._mean + nb * mean) / n
                    if not np.isfinite(combined):  # near the float64 limit: weight first
                        combined = self._mean * (na / n) + mean * (nb / n)
                    self._mean = combined
                    self._m2 = self._m2 + m2 + delta * delta * (na * nb / n)
            else:
                self._mean, self._m2 = mean, m2
        self._min = lo if not self._count else min(self._min, lo)
        self._max = hi if not self._count else max(self._max, hi)
        self._count += count
        self._inf += n_inf

    def merge(self, other: Self) -> Self:
        """Moments of the values of both sketches (a new sketch).

        Examples:
            >>> a = Moments(); a.update([1.0]); b = Moments(); b.update([3.0])
            >>> a.merge(b).mean
            2.0

        """
        self._check_merge(other)
        out = self.copy()
        out._nan += other._nan
        if other._count:
            out._combine(other._count, other._inf, other._min, other._max, other._mean, other._m2)
        return out

    # -- bytes ------------------------------------------------------------------------------------

    def to_state(self) -> State:
        """Counts in the meta; min, max, mean and M2 in a float64 array."""
        return State(
            meta={"count": self._count, "nan": self._nan, "inf": self._inf},
            arrays={"stats": np.array([self._min, self._max, self._mean, self._m2])},
        )

    @classmethod
    def from_state(cls, state: State) -> Self:
        """Rebuild from :meth:`to_state`."""
        out = cls()
        out._count = meta_int(state, "count")
        out._nan = meta_int(state, "nan")
        out._inf = meta_int(state, "inf", high=out._count)
        stats: Any = array(state, "stats", dtype="<f8", size=4)
        out._min, out._max = float(stats[0]), float(stats[1])
        out._mean, out._m2 = float(stats[2]), float(stats[3])
        return out

    def __repr__(self) -> str:
        return (
            f"Moments(count={self._count}, nan_count={self._nan}, min={self.min}, "
            f"max={self.max}, mean={self.mean}, std={self.std})"
        )
