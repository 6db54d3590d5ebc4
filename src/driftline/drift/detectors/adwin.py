"""ADWIN, ADaptive WINdowing (Bifet and Gavaldà, 2007): a window that drops its old part on change.

The window is kept as an exponential histogram: rows of buckets, row ``i`` holding buckets of
``2**i`` values (their sum and variance), at most ``max_buckets`` per row; a full row merges its two
oldest buckets into the next row, so ``W`` values take ``O(log W)`` buckets. Every ``clock``
values, every split of the window into an older part ``W0`` and a newer part ``W1`` at a bucket
boundary is tested (all at once, vectorised); a change is signalled when, for some split,

``|mean(W0) - mean(W1)| > sqrt(2 m σ² δ') + (2/3) δ' m``, with
``m = 1/(n0 - L + 1) + 1/(n1 - L + 1)``, ``δ' = ln(2 ln(W) / δ)``,

``σ²`` the window's variance and ``L = min_window_length``; then the oldest buckets are dropped
until no split is significant. Parameters, defaults and the cut expression are river's
``drift.ADWIN``. Inserting is sequential per value (the histogram's compression is), so
:meth:`ADWIN.update_many` loops in Python: about a microsecond or two per value.

Examples:
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> stream = np.concatenate([rng.normal(0.0, 0.5, 2000), rng.normal(1.0, 0.5, 2000)])
    >>> adwin = ADWIN()
    >>> adwin.update_many(stream).tolist(), adwin.width
    ([2047], 1952)

"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from driftline.core.params import Interval, check_params
from driftline.drift.detectors.base import DriftDetector, I64Array

__all__ = ["ADWIN"]

_PARAMS = {
    "delta": Interval(float, 0, 1, closed="right"),
    "clock": Interval(int, 1),
    "max_buckets": Interval(int, 2),
    "min_window_length": Interval(int, 1),
    "grace_period": Interval(int, 0),
}


class ADWIN(DriftDetector):
    """Adaptive windowing change detector (see the module docstring).

    Args:
        delta: the confidence of a cut (smaller: fewer false alarms, later detections).
        clock: test for a change every this many values.
        max_buckets: buckets per row of the exponential histogram.
        min_window_length: the smallest part of a split that is tested.
        grace_period: values before the first test.

    Examples:
        >>> adwin = ADWIN(delta=0.01)
        >>> for i, x in enumerate([0.0] * 500 + [1.0] * 500):
        ...     adwin.update(x)
        ...     if adwin.drift_detected:
        ...         break
        >>> i, adwin.width <= 500
        (511, True)

    """

    def __init__(
        self,
        delta: float = 0.002,
        clock: int = 32,
        max_buckets: int = 5,
        min_window_length: int = 5,
        grace_period: int = 10,
    ) -> None:
        super().__init__()
        check_params(
            "ADWIN",
            {
                "delta": delta,
                "clock": clock,
                "max_buckets": max_buckets,
                "min_window_length": min_window_length,
                "grace_period": grace_period,
            },
            _PARAMS,
        )
        self.delta = delta
        self.clock = clock
        self.max_buckets = max_buckets
        self.min_window_length = min_window_length
        self.grace_period = grace_period
        self.reset()

    def reset(self) -> None:
        """Forget the stream (the count of detections is kept)."""
        self._drift_detected = False
        # row i: lists of bucket sums and variances, oldest first; buckets hold 2**i values
        self._sums: list[list[float]] = [[]]
        self._vars: list[list[float]] = [[]]
        self._width = 0
        self._total = 0.0
        self._variance = 0.0  # sum of squared deviations of the window
        self._tick = 0

    @property
    def width(self) -> int:
        """The number of values in the window."""
        return self._width

    @property
    def estimation(self) -> float:
        """The mean of the window (0 when empty)."""
        return self._total / self._width if self._width else 0.0

    def update(self, x: float) -> None:
        """Feed one value (after an alarm, the window starts afresh, as in river)."""
        v = self._check_value(x)
        if self._drift_detected:
            self.reset()
        self._insert(v)
        self._tick += 1
        if self._tick % self.clock == 0 and self._width > self.grace_period and self._cut():
            self._drift_detected = True
            self._n_detections += 1

    def update_many(self, values: npt.ArrayLike) -> I64Array:
        """Feed many values in order; the positions of the alarms."""
        x = self._values(values)
        hits = []
        clock, grace = self.clock, self.grace_period
        for i, v in enumerate(x.tolist()):
            if self._drift_detected:
                self.reset()
            self._insert(v)
            self._tick += 1
            if self._tick % clock == 0 and self._width > grace and self._cut():
                self._n_detections += 1
                self._drift_detected = True
                hits.append(i)
        return np.asarray(hits, dtype=np.int64)

    def _insert(self, v: float) -> None:
        w = self._width
        if w:
            d = v - self._total / w
            self._variance += w * d * d / (w + 1)
        self._width = w + 1
        self._total += v
        sums, vars_, m = self._sums, self._vars, self.max_buckets
        sums[0].append(v)
        vars_[0].append(0.0)
        row = 0
        while len(sums[row]) > m:
            s1, s2 = sums[row][0], sums[row][1]
            size = float(1 << row)
            d = s1 / size - s2 / size
            merged_var = vars_[row][0] + vars_[row][1] + size * size * d * d / (2 * size)
            del sums[row][:2], vars_[row][:2]
            if row + 1 == len(sums):
                sums.append([])
                vars_.append([])
            sums[row + 1].append(s1 + s2)
            vars_[row + 1].append(merged_var)
            row += 1

    def _buckets(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Sizes and sums of all buckets, oldest first."""
        sizes, sums = [], []
        for row in range(len(self._sums) - 1, -1, -1):
            sizes.extend([float(1 << row)] * len(self._sums[row]))
            sums.extend(self._sums[row])
        return np.asarray(sizes), np.asarray(sums)

    def _cut(self) -> bool:
        """Drop the oldest buckets while some split is significant; whether any was."""
        changed = False
        while self._width > 1:
            sizes, sums = self._buckets()
            n0 = np.cumsum(sizes)[:-1]
            u0 = np.cumsum(sums)[:-1]
            n1 = self._width - n0
            u1 = self._total - u0
            low = self.min_window_length
            ok = (n0 >= low) & (n1 >= low)
            if not ok.any():
                break
            n0, n1, u0, u1 = n0[ok], n1[ok], u0[ok], u1[ok]
            d_prime = math.log(2.0 * math.log(self._width) / self.delta)
            m = 1.0 / (n0 - low + 1) + 1.0 / (n1 - low + 1)
            var = self._variance / self._width
            eps = np.sqrt(2.0 * m * var * d_prime) + (2.0 / 3.0) * d_prime * m
            if not (np.abs(u0 / n0 - u1 / n1) > eps).any():
                break
            changed = True
            self._drop_oldest()
        return changed

    def _drop_oldest(self) -> None:
        row = len(self._sums) - 1
        while row > 0 and not self._sums[row]:
            row -= 1
        size = float(1 << row)
        u, v = self._sums[row].pop(0), self._vars[row].pop(0)
        self._width -= int(size)
        self._total -= u
        if self._width:
            mu, mu_w = u / size, self._total / self._width
            self._variance -= v + size * self._width * (mu - mu_w) ** 2 / (size + self._width)
            self._variance = max(self._variance, 0.0)
        else:
            self._variance = 0.0
        while len(self._sums) > 1 and not self._sums[-1]:
            self._sums.pop()
            self._vars.pop()
