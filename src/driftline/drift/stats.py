r"""Drift statistics computed from sketches, with what the sketch error does to each.

Notation: ``F_r``, ``F_c`` are the CDFs of the reference and current quantile sketches
(:class:`~driftline.data.sketches.KLLSketch`), ``ε_r``, ``ε_c`` their rank errors
(``rank_error()``: 0 while a sketch is exact, else ``3/k``), ``n``, ``m`` their value counts.
A KLL CDF is within ``ε`` of the true empirical CDF **at every point at once** (probability
above 99 %), which is what bounds the statistics below.

* :func:`ks`: ``D = max_x |F_r(x) - F_c(x)|`` evaluated at the union of the kept items (both CDFs
  are step functions that only change there, so this is the sketches' exact sup).
  ``|D - D_exact| <= ε_r + ε_c``. The p-value is ``P(D_e >= D')`` from ``scipy.stats.kstwo`` with
  ``e = round(nm / (n + m))`` values, where by default ``D' = max(D - ε_r - ε_c, 0)``: the
  smallest exact statistic the sketches allow. Without it, two samples of one distribution at
  10⁶ rows would "drift" on sketch noise alone (the exact KS test at 100k+ rows already flags
  tiny differences; Evidently switches to distances above 1,000 rows for the same reason). When
  both sketches are exact (at most ``k`` values) the result *is* ``scipy.stats.ks_2samp``.
* :func:`wasserstein`: ``W1 = ∫ |F_r - F_c| dx`` (a finite sum, exact for step CDFs) divided by the
  reference's population std (floored at 0.001), as Evidently's ``wasserstein``. Worst case
  ``|W - W_exact| <= (ε_r + ε_c) · (max - min) / std``; in practice (the tests) within 0.01.
* :func:`chisquare`: homogeneity test of the ``2 x K`` table of counts, ``Σ (o - e)² / e`` with
  ``e = row · column / N`` and ``K - 1`` degrees of freedom: exactly
  ``scipy.stats.chi2_contingency(..., correction=False)`` when both frequent-item sketches are
  exact; otherwise kept counts are lower bounds (by at most ``max_error``) and the rest of each
  sample is an "other" category (:mod:`driftline.drift.binning`).
* :func:`z_test`: two-proportion ``z = (p_r - p_c) / sqrt(P (1 - P) (1/n + 1/m))``, ``P`` pooled,
  two-sided ``p = 2 Φ(-|z|)``; counts of boolean and two-valued columns are exact.
* :func:`jensenshannon` (natural log, as scipy), :func:`psi` and :func:`hellinger` over shared bins:
  reference-quantile bins for numeric columns, whose fractions are each within ``2ε`` of the truth,
  or categories (exact, or lower bounds plus "other"). No adjustment is made; the report states
  the statistic as estimated.

Each function returns a :class:`Statistic`: the value, the p-value of a test (else ``None``) and
``error_bound``, a bound on ``|value - value on the raw rows|`` when one is known (0 for exact
sketches), else ``None``.

Examples:
    >>> import numpy as np
    >>> from driftline.data.sketches import KLLSketch
    >>> a, b = KLLSketch(), KLLSketch()
    >>> a.update(np.arange(100.0)); b.update(np.arange(100.0) + 10)
    >>> s = ks(a, b); round(s.value, 3), s.error_bound
    (0.1, 0.0)

"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from driftline.data.sketches._kll_levels import merge_sorted
from driftline.data.sketches.quantiles import KLLSketch

__all__ = [
    "MIN_SCALE",
    "Statistic",
    "chisquare",
    "hellinger",
    "jensenshannon",
    "ks",
    "psi",
    "wasserstein",
    "z_test",
]

MIN_SCALE = 0.001
"""The smallest reference std :func:`wasserstein` divides by (Evidently's floor)."""

F64Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Statistic:
    """One statistic: its value, a p-value for tests, and a bound on the sketch error.

    Examples:
        >>> Statistic(0.2, None, 0.0).value
        0.2

    """

    value: float
    p_value: float | None
    error_bound: float | None


def _union_items(ref: KLLSketch, cur: KLLSketch) -> F64Array:
    """The distinct kept items of both sketches, ascending (``np.union1d``, by merging two runs)."""
    xs = merge_sorted(ref.items_and_weights()[0], cur.items_and_weights()[0])
    out: F64Array = xs[np.concatenate(([True], xs[1:] != xs[:-1]))] if xs.size > 1 else xs
    return out


def ks(ref: KLLSketch, cur: KLLSketch, *, adjust: bool = True) -> Statistic:
    """Two-sample Kolmogorov-Smirnov from two quantile sketches.

    Args:
        ref: the reference sketch (not empty).
        cur: the current sketch (not empty).
        adjust: compute the p-value from ``max(D - ε_r - ε_c, 0)``, the smallest exact statistic
            the sketches allow (the default); ``False`` uses ``D`` itself.

    Returns:
        ``D`` as estimated from the sketches, the p-value, and ``error_bound = ε_r + ε_c``. When
        both sketches are exact (up to ``k`` values each) the result is ``scipy.stats.ks_2samp``
        on their values: the same statistic and p-value as on the raw rows.

    Examples:
        >>> import numpy as np
        >>> a, b = KLLSketch(k=64), KLLSketch(k=64)
        >>> rng = np.random.default_rng(0)
        >>> a.update(rng.normal(size=10_000)); b.update(rng.normal(0.5, 1, 10_000))
        >>> s = ks(a, b); s.error_bound, 0.15 < s.value < 0.25, s.p_value < 1e-6
        (0.09375, True, True)

    """
    if ref.is_exact and cur.is_exact:
        a = np.repeat(*ref.items_and_weights())
        b = np.repeat(*cur.items_and_weights())
        res = stats.ks_2samp(a, b)
        return Statistic(float(res.statistic), float(res.pvalue), 0.0)
    xs = _union_items(ref, cur)
    d = float(np.abs(ref.cdf(xs) - cur.cdf(xs)).max()) if xs.size else 0.0
    bound = ref.rank_error() + cur.rank_error()
    tested = max(d - bound, 0.0) if adjust else d
    n, m = ref.n, cur.n
    en = max(1, round(n * m / (n + m)))
    p = 1.0 if tested <= 0.0 else float(stats.kstwo.sf(tested, en))
    return Statistic(d, min(max(p, 0.0), 1.0), bound)


def wasserstein(ref: KLLSketch, cur: KLLSketch, *, scale: float | None) -> Statistic:
    """Wasserstein-1 distance between two quantile sketches, divided by the reference std.

    ``W1 = ∫ |F_r(x) - F_c(x)| dx`` is exact for the sketches' step CDFs (a sum over the union of
    kept items). ``scale`` is the reference's population std; it is floored at
    :data:`MIN_SCALE` (``None`` counts as 0), as Evidently's ``wasserstein`` does. Gaps between
    infinite items are left out of the integral.

    Returns:
        the normalised distance and ``error_bound = (ε_r + ε_c) · (max - min) / scale``, a worst
        case: in practice the error is far smaller (CDF errors change sign along the axis).

    Examples:
        >>> import numpy as np
        >>> a, b = KLLSketch(), KLLSketch()
        >>> a.update([0.0, 1.0, 2.0, 3.0]); b.update([1.0, 2.0, 3.0, 4.0])
        >>> wasserstein(a, b, scale=1.0)
        Statistic(value=1.0, p_value=None, error_bound=0.0)

    """
    norm = max(scale or 0.0, MIN_SCALE)
    xs = _union_items(ref, cur)
    if xs.size < 2:
        return Statistic(0.0, None, 0.0)
    gap = np.diff(xs)
    diff = np.abs(ref.cdf(xs[:-1]) - cur.cdf(xs[:-1]))
    finite = np.isfinite(gap)
    w = float(np.sum(diff[finite] * gap[finite])) / norm
    span = float(np.sum(gap[finite]))
    bound = (ref.rank_error() + cur.rank_error()) * span / norm
    return Statistic(w, None, bound)


def chisquare(ref_counts: npt.ArrayLike, cur_counts: npt.ArrayLike) -> Statistic:
    """Chi-squared test of homogeneity of two count vectors aligned on the same categories.

    Categories empty in both are dropped; a category seen on one side only is handled by the
    pooled expectation (unlike a goodness-of-fit test against the reference, which would divide
    by zero). The statistic equals ``scipy.stats.chi2_contingency(..., correction=False)``.

    Examples:
        >>> s = chisquare([50, 50, 0], [40, 50, 10])
        >>> round(s.value, 3), s.p_value < 0.01
        (11.111, True)

    """
    r = np.asarray(ref_counts, dtype=np.float64)
    c = np.asarray(cur_counts, dtype=np.float64)
    keep = (r + c) > 0
    r, c = r[keep], c[keep]
    if r.size < 2 or r.sum() == 0 or c.sum() == 0:
        return Statistic(0.0, 1.0, 0.0)
    table = np.vstack([r, c])
    total = table.sum()
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / total
    value = float(np.sum((table - expected) ** 2 / expected))
    p = float(stats.chi2.sf(value, r.size - 1))
    return Statistic(value, p, 0.0)


def z_test(ref_hits: int, ref_n: int, cur_hits: int, cur_n: int) -> Statistic:
    """Two-proportion Z-test (two-sided) of ``ref_hits / ref_n`` against ``cur_hits / cur_n``.

    Returns ``z`` (positive when the reference share is larger) and its p-value; when the pooled
    share is 0 or 1 (one value everywhere) ``z = 0`` and ``p = 1``.

    Examples:
        >>> s = z_test(500, 1000, 600, 1000); round(s.value, 3), round(s.p_value, 5)
        (-4.495, 1e-05)

    """
    if ref_n <= 0 or cur_n <= 0:
        return Statistic(0.0, 1.0, 0.0)
    p1, p2 = ref_hits / ref_n, cur_hits / cur_n
    pooled = (ref_hits + cur_hits) / (ref_n + cur_n)
    var = pooled * (1.0 - pooled) * (1.0 / ref_n + 1.0 / cur_n)
    if var <= 0.0:
        return Statistic(0.0, 1.0, 0.0)
    z = (p1 - p2) / math.sqrt(var)
    return Statistic(z, float(2.0 * stats.norm.sf(abs(z))), 0.0)


def _fractions(counts: npt.ArrayLike) -> F64Array:
    x = np.asarray(counts, dtype=np.float64)
    total = x.sum()
    out: F64Array = x / total if total > 0 else np.zeros_like(x)
    return out


def jensenshannon(ref_counts: npt.ArrayLike, cur_counts: npt.ArrayLike) -> Statistic:
    """Jensen-Shannon distance (natural log) between two count vectors on shared bins.

    Equal to ``scipy.spatial.distance.jensenshannon`` on the normalised counts; 0 for equal
    distributions, ``sqrt(ln 2) ≈ 0.83`` for disjoint ones.

    Examples:
        >>> jensenshannon([1, 1], [1, 1]).value, round(jensenshannon([1, 0], [0, 1]).value, 4)
        (0.0, 0.8326)

    """
    p, q = _fractions(ref_counts), _fractions(cur_counts)
    a = (p + q) / 2.0
    js = (float(special.rel_entr(p, a).sum()) + float(special.rel_entr(q, a).sum())) / 2.0
    return Statistic(math.sqrt(max(js, 0.0)), None, None)


def _fill_zeros(p: F64Array) -> F64Array:
    """Evidently's ``feel_zeroes``: empty bins get a small share so logs stay finite."""
    nonzero = p[p > 0]
    if nonzero.size == 0:
        return p
    low = float(nonzero.min())
    fill = low / 1e6 if low <= 1e-4 else 1e-4
    out: F64Array = np.where(p > 0, p, fill)
    return out


def psi(ref_counts: npt.ArrayLike, cur_counts: npt.ArrayLike) -> Statistic:
    """Population stability index ``Σ (p - q) ln(p / q)`` over shared bins.

    Empty bins are filled with a small share first (as Evidently does), so the index stays
    finite when a category appears or vanishes.

    Examples:
        >>> psi([50, 50], [50, 50]).value, round(psi([60, 40], [40, 60]).value, 4)
        (0.0, 0.1622)

    """
    p = _fill_zeros(_fractions(ref_counts))
    q = _fill_zeros(_fractions(cur_counts))
    return Statistic(float(np.sum((p - q) * np.log(p / q))), None, None)


def hellinger(ref_counts: npt.ArrayLike, cur_counts: npt.ArrayLike) -> Statistic:
    """Hellinger distance ``sqrt(Σ (√p - √q)²) / √2`` over shared bins (0 to 1).

    Examples:
        >>> hellinger([1, 1], [1, 1]).value, hellinger([1, 0], [0, 1]).value
        (0.0, 1.0)

    """
    p, q = _fractions(ref_counts), _fractions(cur_counts)
    value = float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / math.sqrt(2.0))
    return Statistic(min(value, 1.0), None, None)
