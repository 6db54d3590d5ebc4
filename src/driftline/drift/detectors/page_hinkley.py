"""Page-Hinkley: a CUSUM test on the deviations from the running mean (river's variant).

With ``m_t`` the running mean of ``x_1..x_t``, the detector keeps the fading sums
``U_t = alpha U_{t-1} + (x_t - m_t - δ)`` and ``L_t = alpha L_{t-1} + (x_t - m_t + δ)`` and
signals a change when ``U_t - min U > λ`` (an increase) or ``max L - L_t > λ`` (a decrease),
once ``min_instances`` values were seen. Parameters and defaults are river's ``drift.PageHinkley``.

Examples:
    >>> import numpy as np
    >>> rng = np.random.default_rng(9)
    >>> stream = np.concatenate([rng.normal(0, 1, 1000), rng.normal(2, 1, 1000)])
    >>> ph = PageHinkley()
    >>> ph.update_many(stream).tolist()
    [1022]

"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter

from driftline.core.params import Interval, OneOf, check_params
from driftline.drift.detectors.base import DriftDetector, I64Array

__all__ = ["PageHinkley"]

_PARAMS = {
    "min_instances": Interval(int, 1),
    "delta": Interval(float, 0),
    "threshold": Interval(float, 0, closed="neither"),
    "alpha": Interval(float, 0, 1, closed="right"),
    "mode": OneOf("up", "down", "both"),
}


class PageHinkley(DriftDetector):
    """Page-Hinkley change detector (see the module docstring).

    Args:
        min_instances: values before a change may be signalled.
        delta: the magnitude of change tolerated (``δ``).
        threshold: the alarm threshold (``λ``).
        alpha: the fading factor of the sums (``alpha``, 1 = no fading).
        mode: ``"up"``, ``"down"`` or ``"both"`` (the direction of changes watched).

    Examples:
        >>> ph = PageHinkley(threshold=3.0, min_instances=5)
        >>> for x in [0.0] * 20 + [1.0] * 10:
        ...     ph.update(x)
        ...     if ph.drift_detected:
        ...         break
        >>> ph.drift_detected, ph.n_detections
        (True, 1)

    """

    def __init__(
        self,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 0.0001,
        mode: str = "both",
    ) -> None:
        super().__init__()
        check_params(
            "PageHinkley",
            {
                "min_instances": min_instances,
                "delta": delta,
                "threshold": threshold,
                "alpha": alpha,
                "mode": mode,
            },
            _PARAMS,
        )
        self.min_instances = min_instances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.mode = mode
        self.reset()

    def reset(self) -> None:
        """Forget the stream (the count of detections is kept)."""
        self._drift_detected = False
        self._n = 0
        self._sum = 0.0
        self._inc = 0.0
        self._dec = 0.0
        self._min_inc = np.inf
        self._max_dec = -1.0  # as river

    def _alarm(self, test_inc: float, test_dec: float) -> bool:
        up = test_inc > self.threshold and self.mode != "down"
        down = test_dec > self.threshold and self.mode != "up"
        return bool(up or down)

    def update(self, x: float) -> None:
        """Feed one value."""
        v = self._check_value(x)
        if self._drift_detected:
            self.reset()
        self._n += 1
        self._sum += v
        dev = v - self._sum / self._n
        self._inc = self.alpha * self._inc + (dev - self.delta)
        self._dec = self.alpha * self._dec + (dev + self.delta)
        self._min_inc = min(self._min_inc, self._inc)
        self._max_dec = max(self._max_dec, self._dec)
        if self._n >= self.min_instances and self._alarm(
            self._inc - self._min_inc, self._max_dec - self._dec
        ):
            self._drift_detected = True
            self._n_detections += 1

    def update_many(self, values: npt.ArrayLike) -> I64Array:
        """Feed many values; vectorised between alarms (same alarms as :meth:`update`)."""
        x = self._values(values)
        hits: list[int] = []
        start = 0
        while start < x.size:
            if self._drift_detected:
                self.reset()
            chunk = x[start:]
            n = self._n + np.arange(1, chunk.size + 1)
            sums = np.cumsum(np.concatenate([[self._sum], chunk]))[1:]
            dev = chunk - sums / n
            a = [1.0, -self.alpha]
            inc = lfilter([1.0], a, dev - self.delta, zi=[self.alpha * self._inc])[0]
            dec = lfilter([1.0], a, dev + self.delta, zi=[self.alpha * self._dec])[0]
            min_inc = np.minimum.accumulate(np.minimum(inc, self._min_inc))
            max_dec = np.maximum.accumulate(np.maximum(dec, self._max_dec))
            up = (inc - min_inc > self.threshold) & (self.mode != "down")
            down = (max_dec - dec > self.threshold) & (self.mode != "up")
            alarm = (up | down) & (n >= self.min_instances)
            stop = int(np.argmax(alarm)) if alarm.any() else chunk.size - 1
            self._n, self._sum = int(n[stop]), float(sums[stop])
            self._inc, self._dec = float(inc[stop]), float(dec[stop])
            self._min_inc, self._max_dec = float(min_inc[stop]), float(max_dec[stop])
            self._drift_detected = bool(alarm[stop])
            if self._drift_detected:
                self._n_detections += 1
                hits.append(start + stop)
            start += stop + 1
        return np.asarray(hits, dtype=np.int64)
