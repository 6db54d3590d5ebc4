r"""The profile of one column: counts plus the sketches its kind calls for.

===============  ==========  ==================  ==========================  ===========  =======
kind             moments     quantiles           frequent                    distinct     order
===============  ==========  ==================  ==========================  ===========  =======
``NUMERIC``      values      values (KLL)        exact values, while few*    HyperLogLog  values
``DATETIME``     seconds     seconds (KLL)       exact values, while few*    HyperLogLog  seconds
``BOOLEAN``      0/1         --                  true/false counts           HyperLogLog  --
``CATEGORICAL``  --          --                  Misra-Gries                 HyperLogLog  --
``TEXT``         lengths     lengths (KLL)       Misra-Gries                 HyperLogLog  --
===============  ==========  ==================  ==========================  ===========  =======

\* a numeric column keeps its exact value distribution while it has at most ``capacity`` distinct
values, and drops it (``frequent is None``) once it has more; merging keeps the same rule, so a
merged profile has it exactly when a profile of all the rows would.

``order`` (:class:`~driftline.data.sketches.order.Order`) tells a column that only grows (a time
index, an id) from the others; profiles stored before it existed have ``order = None``.

Counts: ``count`` values are present; ``null_count`` are null; ``nan_count`` are NaN (float
columns). Every row is in exactly one of the three.

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data import profile_table
    >>> col = profile_table(pa.table({"x": [1.0, 2.0, None, 4.0]}))["x"]
    >>> col.kind.value, col.count, col.null_count, col.moments.mean, col.distinct_count
    ('numeric', 3, 1, 2.3333333333333335, 3)

"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from driftline.core.errors import InputError
from driftline.core.params import Interval, check_param
from driftline.data.errors import MergeError
from driftline.data.kinds import ColumnKind
from driftline.data.sketches.base import Sketch
from driftline.data.sketches.distinct import HyperLogLog
from driftline.data.sketches.frequent import FrequentItems
from driftline.data.sketches.moments import Moments
from driftline.data.sketches.order import Order
from driftline.data.sketches.quantiles import KLLSketch

__all__ = ["SUMMARY_QUANTILES", "ColumnProfile"]

SUMMARY_QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
"""The quantiles that :meth:`ColumnProfile.to_dict` reports."""

EVIDENTLY_MAX_CATEGORIES = 5
"""An integer column with at most this many distinct values "looks categorical" (Evidently)."""

_S = TypeVar("_S", bound=Sketch)


def _merge(a: _S | None, b: _S | None) -> _S | None:
    return None if a is None or b is None else a.merge(b)


@dataclass(frozen=True)
class ColumnProfile:
    """The mergeable profile of one column (see the module docstring for what each kind keeps).

    Attributes:
        name: the column name.
        type: the Arrow type, as text (``str(pyarrow type)``).
        kind: how the column is profiled.
        count: values present (not null, not NaN).
        null_count: null values.
        nan_count: NaN values (float columns).
        moments: exact count, min, max, mean, variance (of lengths for ``TEXT``), or ``None``.
        quantiles: KLL quantile sketch (of lengths for ``TEXT``), or ``None``.
        frequent: frequent values with count bounds, or ``None``.
        distinct: HyperLogLog of the present values.
        order: first and last value, falls and rises in row order (numeric and datetime
            columns), or ``None``.

    """

    name: str
    type: str
    kind: ColumnKind
    count: int
    null_count: int
    nan_count: int
    moments: Moments | None
    quantiles: KLLSketch | None
    frequent: FrequentItems | None
    distinct: HyperLogLog
    order: Order | None = None

    @property
    def grows(self) -> bool:
        """Whether the column only grows (see :meth:`Order.grows`); ``False`` when unknown.

        Examples:
            >>> import pyarrow as pa
            >>> from driftline.data import profile_table
            >>> p = profile_table(pa.table({"t": [1, 2, 3, 5], "x": [0.3, 0.1, 0.2, 0.1]}))
            >>> p["t"].grows, p["x"].grows
            (True, False)

        """
        return self.order is not None and self.order.grows()

    @property
    def missing_count(self) -> int:
        """Null and NaN values together."""
        return self.null_count + self.nan_count

    @property
    def rows(self) -> int:
        """All rows: present and missing."""
        return self.count + self.missing_count

    @property
    def missing_fraction(self) -> float | None:
        """The share of rows that are missing, ``None`` for no rows."""
        return self.missing_count / self.rows if self.rows else None

    @property
    def distinct_is_exact(self) -> bool:
        """Whether :attr:`distinct_count` is exact (the frequent values are all known)."""
        return self.frequent is not None and self.frequent.is_exact

    @property
    def distinct_count(self) -> float:
        """Distinct present values: exact when :attr:`distinct_is_exact`, else HyperLogLog's."""
        if self.frequent is not None and self.frequent.is_exact:
            return len(self.frequent)
        return self.distinct.estimate()

    @property
    def looks_categorical(self) -> bool:
        """Evidently's rule: categorical, boolean, or an integer column with <= 5 distinct values.

        Kinds never change with the data (so profiles merge); this hint lets drift code treat a
        low-cardinality integer column (say ``rooms``) as categories.
        """
        if self.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
            return True
        is_int = self.type.startswith(("int", "uint"))
        return bool(
            is_int and self.distinct_is_exact and self.distinct_count <= EVIDENTLY_MAX_CATEGORIES
        )

    def histogram(
        self, edges: npt.ArrayLike | None = None, *, bins: int = 20
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Bin edges and estimated counts for a plot, derived from the quantile sketch.

        Args:
            edges: strictly increasing bin edges in the column's scale (seconds since the epoch
                for ``DATETIME``, characters for ``TEXT``); by default ``bins`` equal bins from
                min to max.
            bins: the number of bins when ``edges`` is not given.

        Returns:
            ``(edges, counts)``; bin ``i`` counts values in ``(edges[i], edges[i+1]]`` (the first
            bin also ``edges[0]``), each within ``2·ε·n`` (see :meth:`KLLSketch.histogram`).

        Raises:
            InputError: the column has no quantile sketch (categorical or boolean): use
                ``frequent`` instead; or bad edges.

        Examples:
            >>> import pyarrow as pa
            >>> from driftline.data import profile_table
            >>> col = profile_table(pa.table({"x": [0.0, 1.0, 2.0, 3.0]}))["x"]
            >>> e, c = col.histogram(bins=2); e.tolist(), c.tolist()
            ([0.0, 1.5, 3.0], [2, 2])

        """
        if self.quantiles is None:
            raise InputError(
                f"column {self.name!r} is {self.kind.value} and has no histogram; its value "
                "counts are in .frequent"
            )
        if edges is None:
            check_param("histogram", "bins", bins, Interval(int, 1))
            lo, hi = self.quantiles.min, self.quantiles.max
            if lo is None or hi is None:
                e = np.linspace(0.0, 1.0, bins + 1)
            elif not (math.isfinite(lo) and math.isfinite(hi)):
                raise InputError(f"column {self.name!r} has infinite values: give edges")
            else:
                e = np.linspace(lo, hi, bins + 1) if hi > lo else np.array([lo - 0.5, lo + 0.5])
        else:
            e = np.asarray(edges, dtype=np.float64).ravel()
        return e, self.quantiles.histogram(e)

    def merge(self, other: ColumnProfile) -> ColumnProfile:
        """The profile of this column's rows and ``other``'s together.

        Raises:
            MergeError: different names, Arrow types or kinds (named in the message).

        """
        if other.name != self.name:
            raise MergeError(f"cannot merge profiles of columns {self.name!r} and {other.name!r}")
        if other.type != self.type:
            raise MergeError(
                f"column {self.name!r} has type {self.type} in one profile and {other.type} "
                "in the other"
            )
        if other.kind is not self.kind:
            raise MergeError(
                f"column {self.name!r} is {self.kind.value} in one profile and "
                f"{other.kind.value} in the other"
            )
        frequent = _merge(self.frequent, other.frequent)
        if self.kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME) and frequent is not None:
            frequent = frequent if frequent.is_exact else None
        return replace(
            self,
            count=self.count + other.count,
            null_count=self.null_count + other.null_count,
            nan_count=self.nan_count + other.nan_count,
            moments=_merge(self.moments, other.moments),
            quantiles=_merge(self.quantiles, other.quantiles),
            frequent=frequent,
            distinct=self.distinct.merge(other.distinct),
            order=_merge(self.order, other.order),
        )

    def to_dict(self, *, top: int = 10) -> dict[str, Any]:
        """A JSON-ready summary: counts, distinct, moments, a few quantiles, top values.

        Non-finite floats become ``None`` (NaN) or ``"Infinity"``/``"-Infinity"``; datetimes are
        ISO-8601 text in UTC; binary values are hex text.
        """
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "kind": self.kind.value,
            "count": self.count,
            "null_count": self.null_count,
            "nan_count": self.nan_count,
            "missing_fraction": self.missing_fraction,
            "distinct": _json(self.distinct_count),
            "distinct_exact": self.distinct_is_exact,
        }
        as_time = self.kind is ColumnKind.DATETIME
        as_int = self.type.startswith(("int", "uint"))
        stats = _stats(self.moments, self.quantiles, as_time=as_time, as_int=as_int)
        if self.kind is ColumnKind.TEXT:
            out["length"] = stats
        else:
            out.update(stats)
        if self.frequent is not None:
            out["top"] = [
                {
                    "value": _json(_to_time(i.value) if as_time else i.value, as_int=as_int),
                    "count": i.count,
                    "upper_bound": i.upper_bound,
                }
                for i in self.frequent.top(top)
            ]
            out["top_exact"] = self.frequent.is_exact
        return out


def _stats(
    moments: Moments | None, quantiles: KLLSketch | None, *, as_time: bool, as_int: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    conv = _to_time if as_time else (lambda v: v)
    if moments is not None:
        out["min"] = _json(conv(moments.min), as_int=as_int)
        out["max"] = _json(conv(moments.max), as_int=as_int)
        out["mean"] = _json(conv(moments.mean))
        out["std"] = _json(moments.std)
        out["infinite"] = moments.inf_count  # not in the mean and std
    if quantiles is not None:
        values = quantiles.quantiles(np.array(SUMMARY_QUANTILES)).tolist()
        out["quantiles"] = {
            f"p{round(q * 100)}": _json(conv(v if quantiles.n else None), as_int=as_int)
            for q, v in zip(SUMMARY_QUANTILES, values, strict=True)
        }
        out["rank_error"] = quantiles.rank_error()
    return out


def _to_time(seconds: Any) -> Any:
    if seconds is None or not isinstance(seconds, float) or not math.isfinite(seconds):
        return seconds
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return seconds


def _json(value: Any, *, as_int: bool = False) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if as_int and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, datetime):
        return value.isoformat()
    return value
