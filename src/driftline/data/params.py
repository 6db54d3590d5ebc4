"""The sizes of a profile's sketches, which every profile merged with it must share.

Examples:
    >>> SketchParams(k=1024).k, SketchParams().precision
    (1024, 12)
    >>> SketchParams(k=4)
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: SketchParams: k must be an int in [8, 1048576], got 4

"""

from __future__ import annotations

from dataclasses import dataclass

from driftline.core.params import Interval, check_params
from driftline.data.sketches.distinct import DEFAULT_PRECISION
from driftline.data.sketches.frequent import DEFAULT_CAPACITY
from driftline.data.sketches.quantiles import DEFAULT_K

__all__ = ["SketchParams"]

_PARAMS = {
    "k": Interval(int, 8, 1 << 20),
    "capacity": Interval(int, 1, 1 << 22),
    "precision": Interval(int, 4, 18),
}
_MEANING = {
    "k": "KLL accuracy (rank error 3/k)",
    "capacity": "frequent-items counters (exact up to this many values)",
    "precision": "HyperLogLog precision p (2**p registers)",
}


@dataclass(frozen=True)
class SketchParams:
    """Sketch sizes of a profile: ``k`` (quantiles), ``capacity`` (frequent items), ``precision``.

    Attributes:
        k: KLL accuracy parameter; normalised rank error ``3/k`` (0.15 % for the default 2048).
        capacity: frequent-items counters; category distributions are exact up to this many values.
        precision: HyperLogLog ``p``; distinct counts within ~``1.04/sqrt(2**p)`` (1.6 % for 12).

    """

    k: int = DEFAULT_K
    capacity: int = DEFAULT_CAPACITY
    precision: int = DEFAULT_PRECISION

    def __post_init__(self) -> None:
        check_params("SketchParams", {name: getattr(self, name) for name in _PARAMS}, _PARAMS)

    def describe(self) -> dict[str, str]:
        """What each parameter controls (for help texts and reports)."""
        return dict(_MEANING)
