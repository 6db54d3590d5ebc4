"""Frequent items: a mergeable Misra-Gries summary, exact while the values are few.

The sketch keeps at most ``capacity`` (value, count) counters. A batch is counted at once with
``pyarrow.compute.value_counts`` (no per-row loop), added to the counters (a group-by), and if
more than ``capacity`` values remain, the ``(capacity+1)``-th largest count ``c`` is subtracted
from every counter and counters that reach zero are dropped; ``c`` is added to
:attr:`FrequentItems.max_error`.
Merging adds the counters and the errors, then reduces the same way (Agarwal et al., *Mergeable
summaries*, 2012).

Guarantees, for a value whose true count is ``f``:

* ``count <= f <= count + max_error`` (a value not kept has ``count = 0``), and
  ``max_error <= (n - sum(counts)) / (capacity + 1) <= n / (capacity + 1)``;
* while at most ``capacity`` distinct values have been seen nothing is subtracted: ``max_error`` is
  0, :attr:`FrequentItems.is_exact` is true and the counts are the exact value distribution (the
  common case for categorical columns).

Values are normalised so that partitions merge whatever their physical type: strings of any
flavor become ``large_string``, binaries ``large_binary``, integers ``int64``, floats ``float64``
(``-0.0`` as ``0.0``), dates and timestamps their integer storage, dictionaries their values. Nulls
and NaN are not values and are skipped. Counters are ordered by count (descending), then value.

Examples:
    >>> s = FrequentItems(capacity=2)
    >>> s.update(["a", "b", "a", None, "a"])
    >>> s.is_exact, s.items.to_pylist(), s.counts.tolist()
    (True, ['a', 'b'], [3, 1])
    >>> s.update(["c", "c"])
    >>> s.is_exact, s.max_error, [(i.value, i.count, i.upper_bound) for i in s.top()]
    (False, 1, [('a', 2, 3), ('c', 1, 2)])

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from driftline.core.errors import InputError
from driftline.core.params import Interval, check_param
from driftline.data._arrow import pa, pc
from driftline.data._codec import arrow_from_state, arrow_to_state
from driftline.data.errors import FormatError, MergeError
from driftline.data.sketches._values import count_values, normalise_items
from driftline.data.sketches.base import Sketch, State, array, meta_int

__all__ = ["DEFAULT_CAPACITY", "FrequentItem", "FrequentItems", "count_values", "normalise_items"]

DEFAULT_CAPACITY = 1024
"""Counters kept by default: categorical columns with up to 1,024 values are counted exactly."""

_CAPACITY_RANGE = (1, 1 << 22)
_CAPACITY = Interval(int, *_CAPACITY_RANGE)
I64Array = npt.NDArray[np.int64]


@dataclass(frozen=True)
class FrequentItem:
    """A value with bounds on its count: ``count <= true count <= upper_bound``.

    Examples:
        >>> FrequentItem("a", 3, 4).upper_bound
        4

    """

    value: Any
    count: int
    upper_bound: int


def _group(items: Any, counts: I64Array) -> tuple[Any, I64Array]:
    """Sum the counts of equal items."""
    table = pa.table({"v": items, "c": counts}).group_by("v", use_threads=False)
    grouped = table.aggregate([("c", "sum")])
    return grouped["v"].combine_chunks(), grouped["c_sum"].to_numpy().astype(np.int64)


def _ordered(items: Any, counts: I64Array) -> tuple[Any, I64Array]:
    """Counters by count (descending), then value (ascending): a canonical order."""
    keys = [("c", "descending"), ("v", "ascending")]
    idx = pc.sort_indices(pa.table({"c": counts, "v": items}), sort_keys=keys)
    return items.take(idx), counts[np.asarray(idx.to_numpy(), dtype=np.intp)]


class FrequentItems(Sketch):
    """A Misra-Gries frequent-items sketch with count bounds (see the module docstring).

    Args:
        capacity: the number of counters kept (1 to 2**22).

    Examples:
        >>> a, b = FrequentItems(), FrequentItems()
        >>> a.update(["x", "y", "x"]); b.update(["y", "z"])
        >>> m = a.merge(b)
        >>> m.items.to_pylist(), m.counts.tolist(), m.estimate(["y", "w"]).tolist()
        (['x', 'y', 'z'], [2, 2, 1], [2, 0])

    """

    kind = "frequent"

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        check_param("FrequentItems", "capacity", capacity, _CAPACITY)
        self._capacity = capacity
        self._items: Any = pa.nulls(0)
        self._counts: I64Array = np.empty(0, dtype=np.int64)
        self._offset = 0
        self._n = 0

    # -- reading ----------------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        """The maximum number of counters."""
        return self._capacity

    @property
    def n(self) -> int:
        """The number of values counted (nulls and NaN excluded)."""
        return self._n

    @property
    def max_error(self) -> int:
        """The most any count may fall short of the truth (0 while exact)."""
        return self._offset

    @property
    def is_exact(self) -> bool:
        """Whether the counts are exact: never more than ``capacity`` distinct values."""
        return self._offset == 0

    @property
    def items(self) -> Any:
        """The kept values (a ``pyarrow.Array``), most frequent first."""
        return self._items

    @property
    def counts(self) -> I64Array:
        """The counts of :attr:`items` (lower bounds of the true counts)."""
        return self._counts.copy()

    @property
    def upper_bounds(self) -> I64Array:
        """Upper bounds of the true counts of :attr:`items`."""
        return self._counts + self._offset

    def __len__(self) -> int:
        return len(self._counts)

    def estimate(self, values: Any) -> I64Array:
        """The counts (lower bounds) of the given values; 0 for values not kept.

        Examples:
            >>> s = FrequentItems(); s.update([1, 1, 2]); s.estimate([1, 3]).tolist()
            [2, 0]

        """
        arr = normalise_items(values)
        if len(self._counts) == 0 or len(arr) == 0:
            return np.zeros(len(arr), dtype=np.int64)
        if arr.type != self._items.type:
            try:
                arr = arr.cast(self._items.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return np.zeros(len(arr), dtype=np.int64)
        idx = pc.index_in(arr, value_set=self._items)
        pos = np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), dtype=np.intp)
        return np.where(pos >= 0, self._counts[np.maximum(pos, 0)], 0).astype(np.int64)

    def top(self, n: int | None = None) -> list[FrequentItem]:
        """The ``n`` most frequent values (all kept values by default) with their count bounds."""
        m = len(self._counts) if n is None else max(0, min(n, len(self._counts)))
        values = self._items.slice(0, m).to_pylist()
        return [
            FrequentItem(v, int(c), int(c) + self._offset)
            for v, c in zip(values, self._counts[:m].tolist(), strict=True)
        ]

    # -- feeding ----------------------------------------------------------------------------------

    def update(self, values: Any) -> None:
        """Count a batch of values (an Arrow array, a numpy array or a sequence).

        Raises:
            MergeError: the values' normalised type differs from the items already kept.
            ColumnTypeError: a type that cannot be counted.

        """
        items, counts = count_values(values)
        self.update_counts(items, counts)

    def update_counts(self, items: Any, counts: npt.ArrayLike) -> None:
        """Add pre-counted values: ``counts[i]`` occurrences of ``items[i]`` (positive ints)."""
        arr = normalise_items(items)
        c = np.asarray(counts, dtype=np.int64).ravel()
        if len(arr) != c.size:
            raise InputError(f"update_counts: {len(arr)} items but {c.size} counts")
        if c.size == 0:
            return
        if arr.null_count or (c <= 0).any():
            raise InputError("update_counts: items must not be null and counts must be positive")
        self._add(arr, c, 0)

    def _add(self, items: Any, counts: I64Array, offset: int) -> None:
        if pa.types.is_null(self._items.type):
            all_items, all_counts = items, counts
        elif pa.types.is_null(items.type):
            all_items, all_counts = self._items, self._counts
        elif items.type != self._items.type:
            raise MergeError(
                f"frequent items of type {self._items.type} cannot take values of type {items.type}"
            )
        else:
            all_items = pa.concat_arrays([self._items, items])
            all_counts = np.concatenate([self._counts, counts])
        if len(all_counts):
            all_items, all_counts = _group(all_items, all_counts)
        self._n += int(counts.sum())
        self._offset += offset
        if len(all_counts) > self._capacity:
            cut = int(np.sort(all_counts)[::-1][self._capacity])
            all_counts = all_counts - cut
            keep = all_counts > 0
            all_items, all_counts = all_items.filter(pa.array(keep)), all_counts[keep]
            self._offset += cut
        self._items, self._counts = _ordered(all_items, all_counts)

    def merge(self, other: Self) -> Self:
        """A sketch of the values of both (a new sketch).

        Raises:
            MergeError: different capacities or value types.

        """
        self._check_merge(other)
        if other._capacity != self._capacity:
            raise MergeError(
                f"cannot merge frequent-items sketches with capacity {self._capacity} and "
                f"{other._capacity}"
            )
        out = self.copy()
        out._add(other._items, other._counts, other._offset)
        out._n = self._n + other._n
        return out

    # -- bytes ------------------------------------------------------------------------------------

    def to_state(self) -> State:
        """Capacity, n, max_error and item type in the meta; items and counts in arrays."""
        state = State(arrays={"counts": self._counts})
        tag = arrow_to_state(self._items, "items", state)
        state.meta = {"capacity": self._capacity, "n": self._n, "offset": self._offset, "type": tag}
        return state

    @classmethod
    def from_state(cls, state: State) -> Self:
        """Rebuild from :meth:`to_state`."""
        out = cls(meta_int(state, "capacity", low=_CAPACITY_RANGE[0], high=_CAPACITY_RANGE[1]))
        out._n = meta_int(state, "n")
        out._offset = meta_int(state, "offset")
        counts: Any = array(state, "counts", dtype="<i8")
        items = arrow_from_state(str(state.meta.get("type")), "items", state.arrays)
        if len(items) != counts.size or (counts <= 0).any() or counts.size > out._capacity:
            raise FormatError("corrupt frequent-items sketch: items and counts do not match")
        out._items, out._counts = items, counts
        return out

    def __repr__(self) -> str:
        return (
            f"FrequentItems(capacity={self._capacity}, n={self._n}, items={len(self)}, "
            f"max_error={self._offset})"
        )
