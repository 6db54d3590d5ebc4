"""The order of values in a stream: first, last, and how often a value falls below the one before.

A column that only grows (a time index, an auto-increment id) never falls; a measurement falls
about as often as it rises. :class:`Order` counts, over neighbouring present values in row
order, the *falls* (``next < previous``) and *rises* (``next > previous``), and keeps the first
and the last value. That is enough to tell a growing column from any other, from the profile
alone, and it combines:

* :meth:`Order.then` joins the sketch of some rows with the sketch of the rows that follow them
  (exact: one more step, between this sketch's last value and the other's first);
* :meth:`Order.merge` joins two parts whose order is not known (partitions merged in any order):
  it puts them in the order of their first values, which is the true order for a growing column
  (the only case the sketch is there to recognise), so merging commutes and, for a growing
  column, gives exactly what :meth:`then` would.

NaN is not a value: it is skipped, and the step runs from the value before it to the value after.

Examples:
    >>> o = Order(); o.update([1.0, 2.0, 2.0, 5.0]); o.update([7.0])
    >>> o.count, o.first, o.last, o.falls, o.rises, o.grows()
    (5, 1.0, 7.0, 0, 3, True)
    >>> w = Order(); w.update([3.0, 1.0, 2.0, 1.0]); w.grows()
    False

"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import numpy.typing as npt

from driftline.data.sketches.base import Sketch, State, array, meta_int

__all__ = ["MAX_FALL_SHARE", "Order"]

MAX_FALL_SHARE = 0.001
"""A column *grows* when at most this share of its steps fall (one in a thousand): a time index
that jumps back a few times in a long stream still grows; a cycle of up to 1,000 values (hour of
the day, day of the week or of the year) does not."""


class Order(Sketch):
    """First and last value, falls and rises between neighbours, in row order.

    Examples:
        >>> a, b = Order(), Order()
        >>> a.update([1.0, 2.0]); b.update([3.0, 4.0])
        >>> a.then(b).rises, b.then(a).falls, a.merge(b) == b.merge(a)
        (3, 1, True)

    """

    kind = "order"

    def __init__(self) -> None:
        self._count = 0
        self._first = np.nan
        self._last = np.nan
        self._falls = 0
        self._rises = 0

    # -- reading ----------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Values seen (NaN excluded)."""
        return self._count

    @property
    def first(self) -> float | None:
        """The first value seen, ``None`` before any."""
        return float(self._first) if self._count else None

    @property
    def last(self) -> float | None:
        """The last value seen, ``None`` before any."""
        return float(self._last) if self._count else None

    @property
    def falls(self) -> int:
        """Steps from one value to the next that go down."""
        return self._falls

    @property
    def rises(self) -> int:
        """Steps from one value to the next that go up."""
        return self._rises

    @property
    def steps(self) -> int:
        """Steps between neighbouring values: ``count - 1`` (0 for no value)."""
        return max(0, self._count - 1)

    def grows(self, max_fall_share: float = MAX_FALL_SHARE) -> bool:
        """Whether the values only grow: two rises or more, and few falls.

        At most ``max_fall_share`` of the steps may fall. Two rises are needed so that a column
        of two values that happen to be sorted (``0 0 1 1``) does not count.

        Examples:
            >>> o = Order(); o.update([5.0, 5.0, 5.0]); o.grows()  # constant: does not grow
            False
            >>> o.update([6.0, 7.0]); o.grows()
            True

        """
        return self._rises >= 2 and self._falls <= max_fall_share * self.steps

    # -- feeding ----------------------------------------------------------------------------------

    def update(self, values: npt.ArrayLike) -> None:
        """Add the next values, in row order (NaN skipped).

        Examples:
            >>> o = Order(); o.update([2.0, float("nan"), 1.0]); o.falls, o.count
            (1, 2)

        """
        x = np.asarray(values, dtype=np.float64).ravel()
        nan = np.isnan(x)
        if nan.any():
            x = x[~nan]
        self._add(x)

    def _add(self, x: npt.NDArray[np.float64]) -> None:
        """Add NaN-free values in row order (the profiler's path)."""
        if x.size == 0:
            return
        falls = int(np.count_nonzero(x[1:] < x[:-1]))
        rises = int(np.count_nonzero(x[1:] > x[:-1]))
        if self._count:
            falls += int(self._last > x[0])
            rises += int(self._last < x[0])
        else:
            self._first = float(x[0])
        self._last = float(x[-1])
        self._count += int(x.size)
        self._falls += falls
        self._rises += rises

    def then(self, other: Self) -> Self:
        """The sketch of this sketch's values followed by ``other``'s (a new sketch).

        Examples:
            >>> a, b = Order(), Order()
            >>> a.update([5.0, 6.0]); b.update([1.0, 2.0])
            >>> a.then(b).falls, a.then(b).grows()
            (1, False)

        """
        self._check_merge(other)
        if not other._count:
            return self.copy()
        if not self._count:
            return other.copy()
        out = self.copy()
        out._falls += other._falls + int(self._last > other._first)
        out._rises += other._rises + int(self._last < other._first)
        out._last = other._last
        out._count += other._count
        return out

    def merge(self, other: Self) -> Self:
        """Both parts, in the order of their first values (see the module docstring)."""
        self._check_merge(other)
        a, b = sorted((self, other), key=_key)
        return a.then(b)

    # -- bytes ------------------------------------------------------------------------------------

    def to_state(self) -> State:
        """Counts in the meta; the first and last value in a float64 array."""
        return State(
            meta={"count": self._count, "falls": self._falls, "rises": self._rises},
            arrays={"ends": np.array([self._first, self._last], dtype=np.float64)},
        )

    @classmethod
    def from_state(cls, state: State) -> Self:
        """Rebuild from :meth:`to_state`."""
        out = cls()
        out._count = meta_int(state, "count")
        steps = max(0, out._count - 1)
        out._falls = meta_int(state, "falls", high=steps)
        out._rises = meta_int(state, "rises", high=steps - out._falls)
        ends: Any = array(state, "ends", dtype="<f8", size=2)
        out._first, out._last = float(ends[0]), float(ends[1])
        return out

    def __repr__(self) -> str:
        return (
            f"Order(count={self._count}, first={self.first}, last={self.last}, "
            f"falls={self._falls}, rises={self._rises})"
        )


def _key(o: Order) -> tuple[int, float, float, int, int, int]:
    # Empty sketches first; then by first value; the rest only breaks ties deterministically.
    if not o._count:
        return (0, 0.0, 0.0, 0, 0, 0)
    return (1, o._first, o._last, o._count, o._falls, o._rises)
