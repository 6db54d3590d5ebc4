"""Mergeable sketches: exact moments, KLL quantiles, frequent items, HyperLogLog and order.

Each sketch lives in its own module and is loaded on first use.

==============================  =============================================================
:class:`Moments`                count, NaN/inf counts, min, max, mean, variance (exact)
:class:`KLLSketch`              quantiles, ranks, CDF and histograms (rank error ``±ε·n``)
:class:`FrequentItems`          the most frequent values with count bounds (exact when small)
:class:`HyperLogLog`            the number of distinct values (relative error ~1.04/sqrt(2^p))
:class:`Order`                  first and last value, falls and rises in row order (exact)
==============================  =============================================================

Examples:
    >>> from driftline.data.sketches import KLLSketch
    >>> s = KLLSketch(); s.update([3.0, 1.0, 2.0]); s.quantile(0.5)
    2.0

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "DEFAULT_CAPACITY",
    "DEFAULT_K",
    "DEFAULT_PRECISION",
    "FrequentItem",
    "FrequentItems",
    "HyperLogLog",
    "KLLSketch",
    "MAX_FALL_SHARE",
    "Moments",
    "Order",
    "Sketch",
    "rank_error_bound",
]

_LAZY = {
    "Sketch": "base",
    "Moments": "moments",
    "KLLSketch": "quantiles",
    "DEFAULT_K": "quantiles",
    "rank_error_bound": "quantiles",
    "FrequentItems": "frequent",
    "FrequentItem": "frequent",
    "DEFAULT_CAPACITY": "frequent",
    "HyperLogLog": "distinct",
    "DEFAULT_PRECISION": "distinct",
    "Order": "order",
    "MAX_FALL_SHARE": "order",
}

if TYPE_CHECKING:
    from driftline.data.sketches.base import Sketch
    from driftline.data.sketches.distinct import DEFAULT_PRECISION, HyperLogLog
    from driftline.data.sketches.frequent import DEFAULT_CAPACITY, FrequentItem, FrequentItems
    from driftline.data.sketches.moments import Moments
    from driftline.data.sketches.order import MAX_FALL_SHARE, Order
    from driftline.data.sketches.quantiles import DEFAULT_K, KLLSketch, rank_error_bound


__getattr__, __dir__ = lazy_attributes(
    __name__, {k: f"driftline.data.sketches.{v}" for k, v in _LAZY.items()}, __all__
)
