"""The order of values in a stream: first, last, and how often a value falls below the one before.

A column that only grows (a time index, an auto-increment id) never falls; a measurement falls
about as often as it rises. :class:`Order` counts, over neighbouring present values in row
order, the *falls* (``next < previous``) and *rises* (``next > previous``), and keeps the first
and the last value. That is enough to tell a growing column from any other, from the profile
alone, and it combines:

* :meth:`Order.then` joins the sketch of some rows with the sketch of the rows that follow them
  (exact: one more step, between this sketch's last value and the other's first);
* :meth:`Order.merge` joins parts whose order is not known (partitions merged in any order). It
  keeps each part as a *segment* and reads them in the order of their first values, which is the
  true order for a growing column (the only case the sketch is there to recognise). So merging
  commutes and, for a growing column, gives what :meth:`then` would, however the parts are
  grouped, as long as at most :data:`MAX_SEGMENTS` parts meet (beyond that, the two nearest
  neighbours become one segment).

NaN is not a value: it is skipped, and the step runs from the value before it to the value after.

Examples:
    >>> o = Order(); o.update([1.0, 2.0, 2.0, 5.0]); o.update([7.0])
    >>> o.count, o.first, o.last, o.falls, o.rises, o.grows()
    (5, 1.0, 7.0, 0, 3, True)
    >>> w = Order(); w.update([3.0, 1.0, 2.0, 1.0]); w.grows()
    False

"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from driftline.data.errors import FormatError
from driftline.data.sketches.base import Sketch, State, array, meta_int

__all__ = ["MAX_FALL_SHARE", "MAX_SEGMENTS", "Order"]

MAX_FALL_SHARE = 0.001
"""A column *grows* when at most this share of its steps fall (one in a thousand): a time index
that jumps back a few times in a long stream still grows; a cycle of up to 1,000 values (hour of
the day, day of the week or of the year) does not."""

MAX_SEGMENTS = 64
"""Parts of unknown order that a merged sketch keeps apart (see the module docstring)."""


@dataclass(frozen=True, order=True)
class _Segment:
    """One run of rows in row order: its first and last value, size, falls and rises."""

    first: float
    last: float
    count: int
    falls: int
    rises: int

    def then(self, other: _Segment) -> _Segment:
        return _Segment(
            self.first,
            other.last,
            self.count + other.count,
            self.falls + other.falls + int(self.last > other.first),
            self.rises + other.rises + int(self.last < other.first),
        )


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
        self._segments: list[_Segment] = []  # sorted; a single one unless parts were merged

    def _whole(self) -> _Segment | None:
        if not self._segments:
            return None
        out = self._segments[0]
        for s in self._segments[1:]:
            out = out.then(s)
        return out

    # -- reading ----------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Values seen (NaN excluded)."""
        return sum(s.count for s in self._segments)

    @property
    def first(self) -> float | None:
        """The first value seen, ``None`` before any."""
        return self._segments[0].first if self._segments else None

    @property
    def last(self) -> float | None:
        """The last value seen, ``None`` before any."""
        return self._segments[-1].last if self._segments else None

    @property
    def falls(self) -> int:
        """Steps from one value to the next that go down."""
        whole = self._whole()
        return whole.falls if whole is not None else 0

    @property
    def rises(self) -> int:
        """Steps from one value to the next that go up."""
        whole = self._whole()
        return whole.rises if whole is not None else 0

    @property
    def steps(self) -> int:
        """Steps between neighbouring values: ``count - 1`` (0 for no value)."""
        return max(0, self.count - 1)

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
        whole = self._whole()
        if whole is None:
            return False
        return whole.rises >= 2 and whole.falls <= max_fall_share * max(0, whole.count - 1)

    # -- feeding ----------------------------------------------------------------------------------

    def update(self, values: npt.ArrayLike) -> None:
        """Add the next values, in row order (NaN skipped).

        After a merge, the parts are first joined into one, in the order :meth:`merge` reads them.

        Examples:
            >>> o = Order(); o.update([2.0, float("nan"), 1.0]); o.falls, o.count
            (1, 2)

        """
        x = np.asarray(values, dtype=np.float64).ravel()
        nan = np.isnan(x)
        if nan.any():
            x = x[~nan]
        self._add(x)

    def _add(self, x: npt.NDArray[np.float64], work: npt.NDArray[np.bool_] | None = None) -> None:
        """Add NaN-free values in row order (the profiler's path; ``work``: scratch of x's size)."""
        if x.size == 0:
            return
        step = np.empty(x.size - 1, dtype=bool) if work is None else work[: x.size - 1]
        falls = int(np.count_nonzero(np.less(x[1:], x[:-1], out=step)))
        rises = int(np.count_nonzero(np.greater(x[1:], x[:-1], out=step)))
        part = _Segment(float(x[0]), float(x[-1]), int(x.size), falls, rises)
        whole = self._whole()
        self._segments = [part if whole is None else whole.then(part)]

    def then(self, other: Self) -> Self:
        """The sketch of this sketch's values followed by ``other``'s (a new sketch).

        Examples:
            >>> a, b = Order(), Order()
            >>> a.update([5.0, 6.0]); b.update([1.0, 2.0])
            >>> a.then(b).falls, a.then(b).grows()
            (1, False)

        """
        self._check_merge(other)
        mine, theirs = self._whole(), other._whole()
        out = type(self)()
        if mine is None or theirs is None:
            out._segments = [s for s in (mine, theirs) if s is not None]
        else:
            out._segments = [mine.then(theirs)]
        return out

    def merge(self, other: Self) -> Self:
        """Both parts, read in the order of their first values (see the module docstring)."""
        self._check_merge(other)
        segments = sorted(self._segments + other._segments)
        while len(segments) > MAX_SEGMENTS:
            gaps = [_gap(a, b) for a, b in pairwise(segments)]
            i = gaps.index(min(gaps))
            segments[i : i + 2] = [segments[i].then(segments[i + 1])]
        out = type(self)()
        out._segments = segments
        return out

    # -- bytes ------------------------------------------------------------------------------------

    def to_state(self) -> State:
        """Per segment: first and last value (float64), count, falls and rises (int64)."""
        segs = self._segments
        return State(
            meta={"segments": len(segs)},
            arrays={
                "ends": np.array([v for s in segs for v in (s.first, s.last)], dtype=np.float64),
                "counts": np.array(
                    [v for s in segs for v in (s.count, s.falls, s.rises)], dtype=np.int64
                ),
            },
        )

    @classmethod
    def from_state(cls, state: State) -> Self:
        """Rebuild from :meth:`to_state`."""
        k = meta_int(state, "segments", high=MAX_SEGMENTS)
        ends: Any = array(state, "ends", dtype="<f8", size=2 * k)
        counts: Any = array(state, "counts", dtype="<i8", size=3 * k)
        segments = []
        for i in range(k):
            count, falls, rises = (int(v) for v in counts[3 * i : 3 * i + 3])
            if count < 1 or falls < 0 or rises < 0 or falls + rises > count - 1:
                raise FormatError(f"corrupt sketch: order segment {i} has impossible counts")
            segments.append(
                _Segment(float(ends[2 * i]), float(ends[2 * i + 1]), count, falls, rises)
            )
        if segments != sorted(segments):
            raise FormatError("corrupt sketch: order segments are not sorted")
        out = cls()
        out._segments = segments
        return out

    def __repr__(self) -> str:
        return (
            f"Order(count={self.count}, first={self.first}, last={self.last}, "
            f"falls={self.falls}, rises={self.rises})"
        )


def _gap(a: _Segment, b: _Segment) -> float:
    gap = b.first - a.last
    return gap if gap == gap else -math.inf  # inf - inf: they overlap
