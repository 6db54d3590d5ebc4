"""The level bookkeeping of the KLL sketch: capacities, sorted merges and compaction.

A sketch of height ``H`` keeps levels ``0 .. H-1`` of sorted float64 items; an item on level ``h``
weighs ``2**h``. These functions change a list of levels in place; the sketch owns the list.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.data.errors import FormatError

__all__ = ["MIN_LEVEL", "capacities", "compress", "levels_of", "merge_sorted"]

MIN_LEVEL = 8
"""The smallest capacity of a level."""

F64Array = npt.NDArray[np.float64]


def capacity(k: int, depth: int) -> int:
    """``max(MIN_LEVEL, ceil(k * (2/3)**depth))`` in exact integer arithmetic."""
    num: int = k << depth
    den: int = 3**depth
    return max(MIN_LEVEL, -(-num // den))


@functools.lru_cache(maxsize=1024)
def capacities(k: int, height: int) -> tuple[tuple[int, ...], int]:
    """The capacity of every level of a sketch of ``height`` levels, and their sum."""
    caps = tuple(capacity(k, height - 1 - h) for h in range(height))
    return caps, sum(caps)


def merge_sorted(a: F64Array, b: F64Array) -> F64Array:
    """The sorted union of two sorted arrays (may return ``a`` or ``b`` itself)."""
    if a.size == 0:
        return np.ascontiguousarray(b)
    if b.size == 0:
        return a
    # Timsort finds the two runs and merges them in linear time.
    return np.sort(np.concatenate((a, b)), kind="stable")


def compress(levels: list[F64Array], k: int, coin: Callable[[], int]) -> None:
    """Compact the lowest full level until the sketch fits its capacity (in place)."""
    while True:
        caps, total = capacities(k, len(levels))
        sizes = [level.size for level in levels]
        if sum(sizes) <= total:
            return
        h = next(i for i, (size, cap) in enumerate(zip(sizes, caps, strict=True)) if size >= cap)
        _compact(levels, h, coin())


def _compact(levels: list[F64Array], h: int, offset: int) -> None:
    """Halve level ``h`` (every other item from ``offset``) into level ``h + 1``."""
    level = levels[h]
    keep = level[: level.size % 2]  # an odd item out stays, so weights still sum to n
    half = np.ascontiguousarray(level[keep.size + offset :: 2])
    levels[h] = keep.copy()
    if h + 1 == len(levels):
        levels.append(half)
    else:
        levels[h + 1] = merge_sorted(levels[h + 1], half)


def levels_of(items: Any, bounds: Any, n: int) -> list[F64Array]:
    """The levels stored as ``items`` cut at ``bounds``, checked to be sorted and to weigh ``n``.

    Raises:
        FormatError: bounds that do not match the items, a level not sorted (or holding NaN), or
            item weights that do not add up to ``n``.

    """
    if bounds.size < 2 or bounds[0] != 0 or bounds[-1] != items.size or (np.diff(bounds) < 0).any():
        raise FormatError("corrupt KLL sketch: level bounds do not match the items")
    levels = [items[a:b].copy() for a, b in itertools.pairwise(bounds.tolist())]
    if any((level[1:] < level[:-1]).any() or np.isnan(level).any() for level in levels):
        raise FormatError("corrupt KLL sketch: a level is not sorted")
    if sum(level.size << h for h, level in enumerate(levels)) != n:
        raise FormatError("corrupt KLL sketch: the item weights do not add up to n")
    return levels
