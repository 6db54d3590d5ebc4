"""Shared bins for two profiles of one column: quantile bins, categories, and plot data.

* numeric (and datetime, text lengths): :func:`quantile_bins` cuts at the reference's quantiles
  (``bins`` equal-mass bins, ties merged) and stretches the outer edges to both samples' exact min
  and max, so every value of either sample falls in a bin; counts come from
  :meth:`~driftline.data.sketches.KLLSketch.histogram`, each within ``2·ε·n`` of the truth.
* categorical (and boolean, few-valued numeric): :func:`category_counts` aligns the two
  frequent-item sketches on the union of their values (absent values count 0). When either sketch
  is not exact the counts are lower bounds, and the remainder of each sample goes to an
  ``"(other)"`` bucket so that both vectors still sum to the sample sizes.

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data import profile_table
    >>> a = profile_table(pa.table({"c": ["x", "y", "y"]}))["c"].frequent
    >>> b = profile_table(pa.table({"c": ["y", "z"]}))["c"].frequent
    >>> cats = category_counts(a, b)
    >>> cats.labels, cats.reference.tolist(), cats.current.tolist(), cats.exact
    (('y', 'x', 'z'), [2, 1, 0], [1, 0, 1], True)

"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.data._arrow import pa, pc
from driftline.data.sketches.frequent import FrequentItems
from driftline.data.sketches.quantiles import KLLSketch

__all__ = ["OTHER", "Categories", "Distributions", "category_counts", "plot_bins", "quantile_bins"]

OTHER = "(other)"
"""The label of the bucket that holds values a non-exact frequent-items sketch did not keep."""

F64Array = npt.NDArray[np.float64]
I64Array = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Categories:
    """Two count vectors aligned on the same categories.

    Attributes:
        labels: display labels (``str`` of each value, and :data:`OTHER` when not exact).
        values: the values themselves (``None`` for the other bucket).
        reference: reference counts per category.
        current: current counts per category.
        exact: whether both sketches were exact (no other bucket).

    Examples:
        >>> Categories(("a",), ("a",), np.array([3]), np.array([4]), True).current.tolist()
        [4]

    """

    labels: tuple[str, ...]
    values: tuple[Any, ...]
    reference: I64Array
    current: I64Array
    exact: bool


@dataclass(frozen=True)
class Distributions:
    """What a report plots for one column: reference and current shares on shared bins.

    Attributes:
        kind: ``"histogram"`` (numeric: ``edges`` are bin edges) or ``"categories"``.
        labels: one label per bin or category.
        edges: bin edges for histograms (one more than ``labels``), else empty.
        reference: the reference's share of values per bin (sums to at most 1).
        current: the current's share of values per bin.

    Examples:
        >>> d = Distributions("categories", ("a", "b"), (), (0.5, 0.5), (0.2, 0.8))
        >>> d.to_dict()["current"]
        [0.2, 0.8]

    """

    kind: str
    labels: tuple[str, ...]
    edges: tuple[float, ...]
    reference: tuple[float, ...]
    current: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "labels": list(self.labels),
            "edges": list(self.edges),
            "reference": list(self.reference),
            "current": list(self.current),
        }


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _items(sketch: FrequentItems, other_type: Any) -> Any:
    items = sketch.items
    if items.type == other_type or pa.types.is_null(other_type):
        return items
    if pa.types.is_null(items.type):
        return items.cast(other_type)
    return items.cast(pa.large_string())


def category_counts(ref: FrequentItems, cur: FrequentItems) -> Categories:
    """The two sketches' counts on the union of their values (see the module docstring).

    Values of different physical types (say integer codes in one profile and strings in the
    other) are compared as text.
    """
    a, b = _items(ref, cur.items.type), _items(cur, ref.items.type)
    if a.type != b.type:
        a, b = a.cast(pa.large_string()), b.cast(pa.large_string())
    union = pc.unique(pa.concat_arrays([a, b]))
    r, c = ref.estimate(union), cur.estimate(union)
    values: list[Any] = union.to_pylist()
    labels = [_label(v) for v in values]
    exact = ref.is_exact and cur.is_exact
    if not exact:
        r = np.append(r, ref.n - int(r.sum()))
        c = np.append(c, cur.n - int(c.sum()))
        labels.append(OTHER)
        values.append(None)
    return Categories(tuple(labels), tuple(values), r.astype(np.int64), c.astype(np.int64), exact)


def quantile_bins(ref: KLLSketch, cur: KLLSketch, bins: int) -> tuple[F64Array, I64Array, I64Array]:
    """Edges at the reference's quantiles and both sketches' counts per bin.

    Returns:
        ``(edges, reference_counts, current_counts)``; bin ``i`` holds ``(edges[i], edges[i+1]]``
        (the first also ``edges[0]``); the edges span both samples, so counts sum to ``n``.

    Examples:
        >>> a, b = KLLSketch(), KLLSketch()
        >>> a.update([1.0, 2.0, 3.0, 4.0]); b.update([3.0, 4.0, 5.0, 6.0])
        >>> e, r, c = quantile_bins(a, b, 2); e.tolist(), r.tolist(), c.tolist()
        ([1.0, 2.0, 6.0], [2, 2], [0, 4])

    """
    lo = min(_f(ref.min), _f(cur.min))
    hi = max(_f(ref.max), _f(cur.max))
    inner = ref.quantiles(np.linspace(0.0, 1.0, bins + 1)[1:-1])
    edges = np.unique(np.concatenate([[lo], inner[(inner > lo) & (inner < hi)], [hi]]))
    if edges.size < 2:
        edges = np.array([lo - 0.5, lo + 0.5])
    return edges, ref.histogram(edges), cur.histogram(edges)


def _f(value: float | None) -> float:
    return float("nan") if value is None else value


def plot_bins(ref: KLLSketch, cur: KLLSketch, bins: int = 24) -> Distributions:
    """Equal-width bins over the central 99 % of both samples, for a readable histogram.

    Values beyond the 0.5th and 99.5th percentiles of the two samples are left out of the plot
    (not of any statistic), so that one long tail does not squash the picture.

    Examples:
        >>> a, b = KLLSketch(), KLLSketch()
        >>> a.update([0.0, 1.0, 2.0, 3.0]); b.update([2.0, 3.0, 4.0, 5.0])
        >>> d = plot_bins(a, b, bins=5); d.edges, d.reference, d.current
        ((0.0, 1.0, 2.0, 3.0, 4.0, 5.0), (0.5, 0.25, 0.25, 0.0, 0.0), (0.0, 0.25, 0.25, 0.25, 0.25))

    """
    q = np.array([0.005, 0.995])
    lo = float(min(ref.quantiles(q)[0], cur.quantiles(q)[0]))
    hi = float(max(ref.quantiles(q)[1], cur.quantiles(q)[1]))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    r = ref.histogram(edges) / max(ref.n, 1)
    c = cur.histogram(edges) / max(cur.n, 1)
    labels = tuple(f"{a:.4g}..{b:.4g}" for a, b in itertools.pairwise(edges))
    return Distributions(
        "histogram",
        labels,
        tuple(float(x) for x in edges),
        tuple(float(x) for x in r),
        tuple(float(x) for x in c),
    )


def category_plot(cats: Categories, top: int = 12) -> Distributions:
    """The ``top`` categories by their larger share, the rest summed into :data:`OTHER`.

    Examples:
        >>> cats = Categories(("a", "b", "c"), ("a", "b", "c"), np.array([5, 3, 2]),
        ...                   np.array([2, 3, 5]), True)
        >>> category_plot(cats, top=2).labels
        ('a', 'c', '(other)')

    """
    r = cats.reference / max(int(cats.reference.sum()), 1)
    c = cats.current / max(int(cats.current.sum()), 1)
    order = np.argsort(-np.maximum(r, c), kind="stable")
    labels = list(cats.labels)
    if len(order) > top:
        keep, rest = order[:top], order[top:]
        labels_out = tuple([labels[i] for i in keep] + [OTHER])
        ref_out = [*r[keep].tolist(), float(r[rest].sum())]
        cur_out = [*c[keep].tolist(), float(c[rest].sum())]
    else:
        labels_out = tuple(labels[i] for i in order)
        ref_out, cur_out = r[order].tolist(), c[order].tolist()
    return Distributions(
        "categories", labels_out, (), tuple(map(float, ref_out)), tuple(map(float, cur_out))
    )
