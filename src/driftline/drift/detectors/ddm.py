"""DDM, the Drift Detection Method (Gama et al., 2004), on a stream of 0/1 errors.

With ``p_t`` the error rate of the first ``t`` values and ``s_t = sqrt(p_t (1 - p_t) / t)``, DDM
remembers the point where ``p + s`` was lowest (``p_min``, ``s_min``), after ``warm_start``
values, and signals a **warning** when ``p_t + s_t > p_min + 2 s_min`` and a **drift** when
``p_t + s_t > p_min + 3 s_min``. Parameters and defaults are river's ``drift.binary.DDM``.

Examples:
    >>> import numpy as np
    >>> rng = np.random.default_rng(6)
    >>> errors = np.concatenate([rng.random(2000) < 0.1, rng.random(1000) < 0.3])
    >>> ddm = DDM()
    >>> ddm.update_many(errors).tolist()
    [2103]

"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from driftline.core.params import Interval, check_param, check_params
from driftline.drift.detectors.base import DriftDetector, I64Array

__all__ = ["DDM"]

_PARAMS = {
    "warm_start": Interval(int, 0),
    "warning_threshold": Interval(float, 0, closed="neither"),
}


class DDM(DriftDetector):
    """Drift Detection Method with a warning zone (see the module docstring).

    Args:
        warm_start: values before a warning or a drift may be signalled.
        warning_threshold: warning at ``p_min + warning_threshold · s_min``.
        drift_threshold: drift at ``p_min + drift_threshold · s_min``.

    Examples:
        >>> ddm = DDM(warm_start=10)
        >>> for e in [0] * 9 + [1] + [0] * 40 + [1] * 10:
        ...     ddm.update(e)
        ...     if ddm.drift_detected:
        ...         break
        >>> ddm.drift_detected, ddm.warning_detected
        (True, False)

    """

    binary = True

    def __init__(
        self, warm_start: int = 30, warning_threshold: float = 2.0, drift_threshold: float = 3.0
    ) -> None:
        super().__init__()
        check_params(
            "DDM", {"warm_start": warm_start, "warning_threshold": warning_threshold}, _PARAMS
        )
        check_param("DDM", "drift_threshold", drift_threshold, Interval(float, warning_threshold))
        self.warm_start = warm_start
        self.warning_threshold = warning_threshold
        self.drift_threshold = drift_threshold
        self.reset()

    @property
    def warning_detected(self) -> bool:
        """Whether the last update is in the warning zone (not set together with a drift)."""
        return self._warning_detected

    def reset(self) -> None:
        """Forget the stream (the count of detections is kept)."""
        self._drift_detected = False
        self._warning_detected = False
        self._n = 0
        self._errors = 0.0
        self._p_min = math.inf
        self._s_min = math.inf
        self._ps_min = math.inf

    def update(self, x: float) -> None:
        """Feed one value: 1 for an error, 0 for a success."""
        v = self._check_value(x)
        if self._drift_detected:
            self.reset()
        self._n += 1
        self._errors += v
        p = self._errors / self._n
        s = math.sqrt(p * (1.0 - p) / self._n)
        if self._n > self.warm_start:
            if p + s <= self._ps_min:
                self._p_min, self._s_min, self._ps_min = p, s, p + s
            self._warning_detected = p + s > self._p_min + self.warning_threshold * self._s_min
            if p + s > self._p_min + self.drift_threshold * self._s_min:
                self._drift_detected = True
                self._warning_detected = False
                self._n_detections += 1

    def update_many(self, values: npt.ArrayLike) -> I64Array:
        """Feed many 0/1 values; vectorised between alarms (same alarms as :meth:`update`)."""
        x = self._values(values)
        hits: list[int] = []
        start = 0
        while start < x.size:
            if self._drift_detected:
                self.reset()
            chunk = x[start:]
            n = self._n + np.arange(1, chunk.size + 1)
            errors = np.cumsum(np.concatenate([[self._errors], chunk]))[1:]
            p = errors / n
            s = np.sqrt(p * (1.0 - p) / n)
            ps = p + s
            live = n > self.warm_start
            masked = np.where(live, ps, np.inf)
            prior = np.minimum.accumulate(np.concatenate([[self._ps_min], masked]))[:-1]
            new_min = live & (ps <= prior)
            last = np.maximum.accumulate(np.where(new_min, np.arange(chunk.size), -1))
            has = last >= 0
            idx = np.maximum(last, 0)
            p_min = np.where(has, p[idx], self._p_min)
            s_min = np.where(has, s[idx], self._s_min)
            with np.errstate(invalid="ignore"):
                drift = live & (ps > p_min + self.drift_threshold * s_min)
                warn = live & (ps > p_min + self.warning_threshold * s_min)
            stop = int(np.argmax(drift)) if drift.any() else chunk.size - 1
            self._n, self._errors = int(n[stop]), float(errors[stop])
            if has[stop]:
                self._p_min, self._s_min = float(p_min[stop]), float(s_min[stop])
                self._ps_min = self._p_min + self._s_min
            self._drift_detected = bool(drift[stop])
            self._warning_detected = bool(warn[stop]) and not self._drift_detected
            if self._drift_detected:
                self._n_detections += 1
                hits.append(start + stop)
            start += stop + 1
        return np.asarray(hits, dtype=np.int64)
