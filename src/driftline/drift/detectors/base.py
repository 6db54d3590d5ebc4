"""The base class of streaming drift detectors: one verb, ``update(x)``, and read-only results.

A detector watches a stream of numbers (an error rate, a loss, a feature) one value at a time.
After each :meth:`DriftDetector.update`, :attr:`DriftDetector.drift_detected` says whether a change
was signalled *at that value*; the next update starts afresh after an alarm (river's convention).
:meth:`DriftDetector.update_many` feeds an array and returns the positions of the alarms; it gives
the same alarms as calling :meth:`update` per value, and the built-ins vectorise it.

Examples:
    >>> from driftline.drift.detectors import PageHinkley
    >>> d = PageHinkley(threshold=5.0)
    >>> d.update_many([0.0] * 100 + [1.0] * 100).tolist()
    [105]

"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from driftline.core.errors import InputError

__all__ = ["DriftDetector"]

I64Array = npt.NDArray[np.int64]


class DriftDetector(ABC):
    """A streaming change detector (see the module docstring).

    Subclasses implement :meth:`update` and :meth:`reset`; they may override
    :meth:`update_many` with a vectorised version that gives the same alarms.

    Examples:
        >>> class Threshold(DriftDetector):
        ...     def update(self, x: float) -> None:
        ...         self._drift_detected = x > 1.0
        ...     def reset(self) -> None:
        ...         self._drift_detected = False
        >>> Threshold().update_many([0.5, 2.0, 0.1]).tolist()
        [1]

    """

    binary: ClassVar[bool] = False
    """Whether the detector expects 0/1 values (e.g. errors of a classifier)."""

    def __init__(self) -> None:
        self._drift_detected = False
        self._n_detections = 0

    @property
    def drift_detected(self) -> bool:
        """Whether the last update signalled a change."""
        return self._drift_detected

    @property
    def n_detections(self) -> int:
        """Changes signalled since construction (:meth:`reset` keeps the count)."""
        return self._n_detections

    @abstractmethod
    def update(self, x: float) -> None:
        """Feed one value."""

    @abstractmethod
    def reset(self) -> None:
        """Forget the stream: the state of a new detector with the same parameters."""

    def update_many(self, values: npt.ArrayLike) -> I64Array:
        """Feed many values in order; the positions (0-based) at which a change was signalled."""
        x = self._values(values)
        hits = []
        for i, v in enumerate(x.tolist()):
            self.update(v)
            if self._drift_detected:
                hits.append(i)
        return np.asarray(hits, dtype=np.int64)

    def _values(self, values: npt.ArrayLike) -> npt.NDArray[np.float64]:
        x = np.asarray(values, dtype=np.float64).ravel()
        if not np.isfinite(x).all():
            raise InputError(f"{type(self).__name__}: values must be finite numbers")
        if self.binary and not np.isin(x, (0.0, 1.0)).all():
            bad = x[~np.isin(x, (0.0, 1.0))][0]
            raise InputError(f"{type(self).__name__}: values must be 0 or 1, got {bad!r}")
        return x

    def _check_value(self, x: float) -> float:
        v = float(x)
        if v != v or v in (np.inf, -np.inf):
            raise InputError(f"{type(self).__name__}: values must be finite numbers, got {x!r}")
        if self.binary and v not in (0.0, 1.0):
            raise InputError(f"{type(self).__name__}: values must be 0 or 1, got {x!r}")
        return v
