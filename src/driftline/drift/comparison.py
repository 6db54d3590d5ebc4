"""Compare two profiles column by column: :func:`compare` returns a :class:`DriftReport`.

Only the profiles are needed, never the rows. For every column in either profile:

1. present in one profile only: status ``missing`` (reference only) or ``new`` (current only);
   different kinds: ``kind_mismatch``; no value on one side: ``empty``; datetime and text
   columns: ``skipped`` unless named in ``columns=`` or ``methods=``;
2. otherwise the method is ``methods[name]`` or the default rule (:mod:`driftline.drift.rules`),
   the threshold ``thresholds[name]`` or the method's default, and the statistic comes from the
   sketches (:mod:`driftline.drift.stats`, :mod:`driftline.drift.binning`);
3. an **index** column (named in ``index=``, such as a schema's ``role = "index"`` columns, or
   found growing in both profiles: :attr:`~driftline.data.ColumnProfile.grows`) drifts by
   construction, since each span continues where the last one stopped: its statistic is
   reported with status ``excluded`` and it never counts in the drift share;
4. p-values may be corrected for multiple testing (Bonferroni or Benjamini-Hochberg over all
   compared columns); the dataset drifts when the share of drifted compared columns reaches
   ``drift_share``.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.data import profile_table
    >>> rng = np.random.default_rng(1)
    >>> ab = ["a", "b"]
    >>> ref = profile_table(pa.table({"x": rng.normal(0, 1, 500), "c": rng.choice(ab, 500)}))
    >>> cur = profile_table(pa.table({"x": rng.normal(0.5, 1, 500), "c": rng.choice(ab, 500)}))
    >>> r = compare(ref, cur, correction="bonferroni")
    >>> [(c.column, c.method.value, c.drifted) for c in r.columns]
    [('x', 'ks', True), ('c', 'z', False)]
    >>> compare(ref, cur, methods={"x": "psi"}, thresholds={"x": 0.5})["x"].drifted
    False
    >>> t = profile_table(pa.table({"t": np.arange(500.0), "x": rng.normal(0, 1, 500)}))
    >>> later = profile_table(pa.table({"t": np.arange(500.0, 1000.0), "x": rng.normal(0, 1, 500)}))
    >>> r = compare(t, later)
    >>> r["t"].status.value, r["t"].statistic > 0.5, r.excluded_columns, r.share_drifted
    ('excluded', True, ('t',), 0.0)

"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from driftline.core.errors import InputError
from driftline.core.params import Boolean, Interval, check_param, check_params
from driftline.data.column_profile import ColumnProfile
from driftline.data.kinds import ColumnKind
from driftline.data.profile import Profile
from driftline.drift import _options as _opt
from driftline.drift import stats
from driftline.drift.binning import (
    Categories,
    category_counts,
    category_plot,
    plot_bins,
    quantile_bins,
)
from driftline.drift.methods import ColumnStatus, Correction, Method
from driftline.drift.report import ColumnDrift, DriftReport
from driftline.drift.rules import default_method, is_categorical_like

__all__ = ["DEFAULT_BINS", "compare", "correct"]

DEFAULT_BINS = 20
"""Quantile bins of the reference for binned methods on numeric columns."""

_PARAMS = {
    "drift_share": Interval(float, 0, 1, closed="right"),
    "bins": Interval(int, 2, 1000),
    "adjust_for_sketch_error": Boolean(),
    "detect_index": Boolean(),
}
_THRESHOLD = Interval(float) | None
_BY_DEFAULT = (ColumnKind.NUMERIC, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


def compare(
    reference: Profile,
    current: Profile,
    *,
    columns: Iterable[str] | None = None,
    methods: Mapping[str, str | Method] | None = None,
    thresholds: Mapping[str, float] | None = None,
    correction: str | Correction | None = None,
    drift_share: float = 0.5,
    bins: int = DEFAULT_BINS,
    adjust_for_sketch_error: bool = True,
    index: Iterable[str] | None = None,
    detect_index: bool = True,
) -> DriftReport:
    """Drift of every column between a reference profile and a current profile.

    Args:
        reference: the profile drift is measured against (e.g. the training data's).
        current: the profile of the new data.
        columns: the columns to report, in this order (default: the reference's columns, then
            columns only the current profile has). Naming a datetime or text column compares it.
        methods: per-column method names (``"ks"``, ``"chisquare"``, ``"z"``, ``"wasserstein"``,
            ``"jensenshannon"``, ``"psi"``, ``"hellinger"``) overriding the default rule.
        thresholds: per-column thresholds overriding the method's default (a p-value level in
            ``(0, 1]`` for tests, a positive distance otherwise).
        correction: ``"bonferroni"`` or ``"benjamini-hochberg"`` for the p-values of all tested
            columns (``None``: no correction).
        drift_share: the dataset drifts when at least this share of compared columns drifted.
        bins: reference-quantile bins for binned methods on numeric columns (2 to 1000).
        adjust_for_sketch_error: compute KS p-values from ``D - ε_r - ε_c`` (see
            :func:`driftline.drift.stats.ks`).
        index: columns that index the stream (a time, an id; e.g. ``schema.index_columns``):
            reported with status ``excluded``, never counted in the drift share (names that
            neither profile has are ignored).
        detect_index: also treat as index every numeric or datetime column that grows in both
            profiles (:attr:`~driftline.data.ColumnProfile.grows`; profiles stored before the
            order sketch existed do not tell).

    Raises:
        InputError: an option with a wrong type or value (the message names the option, what was
            expected and what was received), a method that does not fit a column's kind, or a
            column named that neither profile has (:class:`UnknownColumnError`).

    Examples:
        >>> import pyarrow as pa
        >>> from driftline.data import profile_table
        >>> p = profile_table(pa.table({"x": [1.0, 2.0, 3.0]}))
        >>> compare(p, p)["x"].statistic
        0.0
        >>> compare(p, p, drift_share=2)
        Traceback (most recent call last):
        ...
        driftline.core.errors.InputError: compare: drift_share must be a number in (0, 1], got 2

    """
    for name, value in (("reference", reference), ("current", current)):
        if not isinstance(value, Profile):
            raise InputError(f"{name} must be a driftline Profile, got {type(value).__name__}")
    check_params(
        "compare",
        {
            "drift_share": drift_share,
            "bins": bins,
            "adjust_for_sketch_error": adjust_for_sketch_error,
            "detect_index": detect_index,
        },
        _PARAMS,
    )
    share = float(drift_share)
    corr = _opt.correction(correction)
    known = list(reference.names) + [n for n in current.names if n not in reference]
    chosen = _opt.columns(columns, known)
    method_of = _opt.per_column("methods", methods, known)
    parsed = {n: Method.parse(m, option=f"--method for column {n!r}") for n, m in method_of.items()}
    threshold_of = _opt.per_column("thresholds", thresholds, known)
    named = set(chosen if columns is not None else ()) | set(parsed)
    indexes = set(_opt.names_of("index", index, None))
    results = []
    for name in chosen:
        ref = reference[name] if name in reference else None  # noqa: SIM401 - not a dict
        cur = current[name] if name in current else None  # noqa: SIM401
        method = parsed.get(name)
        threshold = check_param(
            "compare", f"thresholds[{name!r}]", threshold_of.get(name), _THRESHOLD
        )
        result = _column(
            name,
            ref,
            cur,
            method,
            threshold,  # type: ignore[arg-type]  # checked: a number or None
            name in named,
            bins,
            adjust_for_sketch_error,
        )
        results.append(_as_index(result, ref, cur, name in indexes, detect_index))
    return DriftReport(
        columns=tuple(correct(results, corr)),
        drift_share=share,
        correction=corr,
        reference_rows=reference.num_rows,
        current_rows=current.num_rows,
    )


def correct(results: Iterable[ColumnDrift], correction: Correction | None) -> list[ColumnDrift]:
    """Adjust the p-values of the tested columns and re-decide their drift.

    Examples:
        >>> c = [ColumnDrift(n, None, ColumnStatus.COMPARED, Method.KS, 0.1, p, None, 0.05,
        ...                  p < 0.05) for n, p in (("a", 0.01), ("b", 0.04))]
        >>> [r.adjusted_p_value for r in correct(c, Correction.BONFERRONI)]
        [0.02, 0.08]
        >>> [r.adjusted_p_value for r in correct(c, Correction.BENJAMINI_HOCHBERG)]
        [0.02, 0.04]

    """
    out = list(results)
    if correction is None:
        return out
    idx = [
        i
        for i, r in enumerate(out)
        if r.p_value is not None and r.method is not None and r.status is ColumnStatus.COMPARED
    ]
    if not idx:
        return out
    p = np.array([out[i].p_value for i in idx], dtype=np.float64)
    m = p.size
    if correction is Correction.BONFERRONI:
        adj = np.minimum(p * m, 1.0)
    else:
        order = np.argsort(p, kind="stable")
        scaled = p[order] * m / np.arange(1, m + 1)
        step = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
        adj = np.empty(m)
        adj[order] = step
    for i, a in zip(idx, adj.tolist(), strict=True):
        r = out[i]
        threshold = r.threshold if r.threshold is not None else 0.0
        out[i] = replace(r, adjusted_p_value=float(a), drifted=bool(a < threshold))
    return out


# -- one column ---------------------------------------------------------------------------------


def _as_index(
    result: ColumnDrift,
    ref: ColumnProfile | None,
    cur: ColumnProfile | None,
    named: bool,
    detect: bool,
) -> ColumnDrift:
    if result.status is not ColumnStatus.COMPARED:
        return result
    assert ref is not None
    assert cur is not None
    if named:
        why = "an index column"
    elif detect and ref.grows and cur.grows:
        why = "an index: its values only grow in both profiles"
    else:
        return result
    verdict = "would drift" if result.drifted else "does not drift"
    return replace(
        result,
        status=ColumnStatus.EXCLUDED,
        drifted=False,
        detail=f"{why}, so it moves on by construction; it {verdict} ({result.detail}) but is "
        "not counted in the drift share",
    )


def _column(
    name: str,
    ref: ColumnProfile | None,
    cur: ColumnProfile | None,
    method: Method | None,
    threshold: float | None,
    named: bool,
    bins: int,
    adjust: bool,
) -> ColumnDrift:
    if ref is None or cur is None:
        present = cur if ref is None else ref
        assert present is not None
        status = ColumnStatus.NEW if ref is None else ColumnStatus.MISSING
        where = "current" if ref is None else "reference"
        return ColumnDrift(name, present.kind, status, detail=f"only in the {where} profile")
    base = ColumnDrift(
        name,
        ref.kind,
        ColumnStatus.COMPARED,
        reference_rows=ref.count,
        current_rows=cur.count,
        reference_missing=ref.missing_fraction,
        current_missing=cur.missing_fraction,
    )
    if ref.kind is not cur.kind:
        return replace(
            base,
            status=ColumnStatus.KIND_MISMATCH,
            detail=f"{ref.kind.value} in the reference, {cur.kind.value} in the current profile",
        )
    if ref.kind not in _BY_DEFAULT and not named:
        return replace(
            base,
            status=ColumnStatus.SKIPPED,
            detail=f"{ref.kind.value} columns are compared only when named in columns= or methods=",
        )
    if ref.count == 0 or cur.count == 0:
        side = "reference" if ref.count == 0 else "current"
        return replace(base, status=ColumnStatus.EMPTY, detail=f"no values in the {side} profile")
    method = method or default_method(ref, cur)
    limit = _opt.threshold(name, method, threshold)
    categorical = is_categorical_like(ref, cur)
    result, detail, cats = _statistic(name, ref, cur, method, categorical, bins, adjust)
    if cats is not None:
        plot = category_plot(cats)
    else:
        assert ref.quantiles is not None
        assert cur.quantiles is not None
        plot = plot_bins(ref.quantiles, cur.quantiles)
    if method.uses_p_value:
        drifted = result.p_value is not None and result.p_value < limit
    else:
        drifted = math.isfinite(result.value) and result.value >= limit
    return replace(
        base,
        method=method,
        statistic=result.value,
        p_value=result.p_value,
        threshold=limit,
        drifted=bool(drifted),
        error_bound=result.error_bound,
        detail=detail,
        distributions=plot,
    )


def _statistic(
    name: str,
    ref: ColumnProfile,
    cur: ColumnProfile,
    method: Method,
    categorical: bool,
    bins: int,
    adjust: bool,
) -> tuple[stats.Statistic, str, Categories | None]:
    what = "lengths" if ref.kind is ColumnKind.TEXT else "values"
    if method.needs_quantiles or not categorical:
        if ref.quantiles is None or cur.quantiles is None:
            raise InputError(
                f"--method for column {name!r} is {method.value!r}, which needs numeric values, "
                f"but the column is {ref.kind.value}; use 'chisquare', 'jensenshannon', 'psi' or "
                "'hellinger'"
            )
        q_ref, q_cur = ref.quantiles, cur.quantiles
        if method is Method.KS:
            return stats.ks(q_ref, q_cur, adjust=adjust), f"KS on the {what}' sketches", None
        if method is Method.WASSERSTEIN:
            scale = _population_std(ref)
            detail = f"Wasserstein-1 of the {what} / reference std"
            return stats.wasserstein(q_ref, q_cur, scale=scale), detail, None
        if method is Method.Z:
            raise InputError(
                f"--method for column {name!r} is 'z', which needs at most two values; "
                f"the column is {ref.kind.value} with more"
            )
        _, r, c = quantile_bins(q_ref, q_cur, bins)
        detail = f"{r.size} bins at the reference's quantiles"
        exact = q_ref.is_exact and q_cur.is_exact
        return _binned(method, r, c, exact), detail, None
    assert ref.frequent is not None
    assert cur.frequent is not None
    cats = category_counts(ref.frequent, cur.frequent)
    detail = f"{len(cats.labels)} categories" + ("" if cats.exact else " (with other)")
    if method is Method.Z:
        if len(cats.labels) > 2:
            raise InputError(
                f"--method for column {name!r} is 'z', which needs at most two values; "
                f"the column has {len(cats.labels)}"
            )
        hit = min(range(len(cats.values)), key=lambda i: str(cats.values[i]))
        result = stats.z_test(
            int(cats.reference[hit]), ref.count, int(cats.current[hit]), cur.count
        )
        return result, f"share of {cats.labels[hit]!r}", cats
    return _binned(method, cats.reference, cats.current, cats.exact), detail, cats


def _binned(
    method: Method, r: npt.NDArray[np.int64], c: npt.NDArray[np.int64], exact: bool
) -> stats.Statistic:
    fn = {
        Method.CHISQUARE: stats.chisquare,
        Method.JENSENSHANNON: stats.jensenshannon,
        Method.PSI: stats.psi,
        Method.HELLINGER: stats.hellinger,
    }[method]
    result = fn(r, c)
    return replace(result, error_bound=0.0 if exact else None)


def _population_std(col: ColumnProfile) -> float | None:
    m = col.moments
    if m is None or m.finite_count == 0:
        return None
    return math.sqrt(m.m2 / m.finite_count)
