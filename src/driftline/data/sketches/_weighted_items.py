"""Sorted weighted items: ranks, quantiles and bin counts (the reading side of the KLL sketch).

The KLL sketch keeps levels of sorted items, an item on level ``h`` weighing ``2**h``.
:func:`sorted_view` merges them into one ascending array of items and the running sum of their
weights; every answer is read from that view with a binary search (``np.searchsorted``).

Examples:
    >>> import numpy as np
    >>> items, cum = sorted_view([np.array([1.0, 4.0]), np.array([2.0])])
    >>> items.tolist(), cum.tolist()
    ([1.0, 2.0, 4.0], [1, 3, 4])
    >>> ranks(items, cum, np.array([2.0, 3.0])).tolist()
    [3, 3]
    >>> quantiles_at(items, cum, np.array([0.5]), 4, 1.0, 4.0).tolist()
    [2.0]

"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["bin_counts", "quantiles_at", "ranks", "sorted_view"]

F64Array = npt.NDArray[np.float64]
I64Array = npt.NDArray[np.int64]


def sorted_view(levels: Sequence[F64Array]) -> tuple[F64Array, I64Array]:
    """The items of every level in ascending order, with their cumulative weights."""
    items = np.concatenate(levels)
    weights = np.concatenate(
        [np.full(lv.size, 1 << h, dtype=np.int64) for h, lv in enumerate(levels)]
    )
    order = np.argsort(items, kind="stable")
    return items[order], np.cumsum(weights[order])


def ranks(items: F64Array, cum: I64Array, x: F64Array, *, inclusive: bool = True) -> I64Array:
    """The total weight of the items ``<= x`` (or ``< x`` if not ``inclusive``) per point."""
    idx = np.searchsorted(items, x, side="right" if inclusive else "left")
    out: I64Array = np.where(idx > 0, cum[np.maximum(idx - 1, 0)] if cum.size else 0, 0)
    return out.astype(np.int64)


def quantiles_at(
    items: F64Array, cum: I64Array, q: F64Array, n: int, low: float, high: float
) -> F64Array:
    """The inverted-CDF quantiles at fractions ``q`` (checked: in ``[0, 1]``) of ``n`` values.

    The ``q``-quantile is the smallest item whose cumulative weight reaches ``q·n``, clipped to
    the exact ``[low, high]``; ``q = 0`` and ``q = 1`` give ``low`` and ``high``.
    """
    idx = np.searchsorted(cum, q * n, side="left")
    out = items[np.minimum(idx, items.size - 1)]
    out = np.clip(out, low, high)
    out = np.where(q == 0.0, low, out)
    result: F64Array = np.where(q == 1.0, high, out)
    return result


def bin_counts(items: F64Array, cum: I64Array, edges: F64Array) -> I64Array:
    """The weight per bin ``(edges[i], edges[i+1]]``; the first bin also holds ``edges[0]``."""
    upper = ranks(items, cum, edges)
    counts = np.diff(upper)
    counts[0] = upper[1] - ranks(items, cum, edges[:1], inclusive=False)[0]
    return counts
