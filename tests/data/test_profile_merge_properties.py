"""profile(A + B) == merge(profile(A), profile(B)): exactly where promised, else within bounds."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline.data import Profile, profile_table
from driftline.data.sketches import rank_error_bound
from tests.data.data_helpers import max_rank_error

K, CAPACITY, PRECISION = 16, 4, 6  # small, so that every sketch has to compact

floats = st.one_of(st.none(), st.floats(width=32), st.sampled_from([0.0, -0.0, 1.5]))
rows = st.lists(
    st.tuples(
        floats,
        st.one_of(st.none(), st.integers(-3, 3)),
        st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d", "e", "f", "ü"])),
        st.one_of(st.none(), st.booleans()),
        st.one_of(st.none(), st.text(max_size=6)),
    ),
    max_size=120,
)


def _table(data: list[tuple[Any, ...]]) -> pa.Table:
    f, i, s, b, t = (list(col) for col in zip(*data, strict=True)) if data else ([],) * 5
    return pa.table(
        {
            "f": pa.array(f, pa.float64()),
            "i": pa.array(i, pa.int32()),
            "s": pa.array(s, pa.string()),
            "b": pa.array(b, pa.bool_()),
            "t": pa.array(t, pa.large_string()),
        }
    )


def _profile(table: pa.Table, batch_rows: int) -> Profile:
    return profile_table(
        table, text=["t"], k=K, capacity=CAPACITY, precision=PRECISION, batch_rows=batch_rows
    )


def _close(a: float | None, b: float | None, scale: float) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12 * scale)


@settings(max_examples=120, deadline=None)
@given(rows, st.integers(0, 120), st.integers(1, 40))
def test_merged_profiles_equal_the_profile_of_all_rows(
    data: list[tuple[Any, ...]], cut: int, batch_rows: int
) -> None:
    table = _table(data)
    direct = _profile(table, batch_rows)
    merged = _profile(table.slice(0, cut), batch_rows).merge(_profile(table.slice(cut), batch_rows))
    assert merged.num_rows == direct.num_rows == table.num_rows
    assert merged.names == direct.names
    for d, m in zip(direct, merged, strict=True):
        assert (m.count, m.null_count, m.nan_count) == (d.count, d.null_count, d.nan_count)
        assert (m.kind, m.type) == (d.kind, d.type)
        # HyperLogLog registers merge exactly.
        assert m.distinct.registers.tolist() == d.distinct.registers.tolist()
        # Moments: counts and extremes exact, mean and M2 up to rounding.
        if d.moments is not None and m.moments is not None:
            dm, mm = d.moments, m.moments
            assert (mm.count, mm.nan_count, mm.inf_count) == (dm.count, dm.nan_count, dm.inf_count)
            assert (mm.min, mm.max) == (dm.min, dm.max)
            scale = max([1.0] + [abs(v) for v in (dm.min, dm.max) if v and math.isfinite(v)])
            assert _close(mm.mean, dm.mean, scale)
            assert _close(mm.m2, dm.m2, scale * scale * max(1, dm.count))
        else:
            assert d.moments is None
            assert m.moments is None
        # Frequent items: identical whenever exact; numeric columns keep them under one rule.
        assert (d.frequent is None) == (m.frequent is None)
        if d.frequent is not None and m.frequent is not None:
            assert d.frequent.is_exact == m.frequent.is_exact
            if d.frequent.is_exact:
                assert m.frequent == d.frequent
        # Quantiles: both within the rank error of the exact values.
        if d.quantiles is not None and m.quantiles is not None:
            assert (m.quantiles.n, m.quantiles.min, m.quantiles.max) == (
                d.quantiles.n,
                d.quantiles.min,
                d.quantiles.max,
            )
            exact = _exact_values(table, d.name)
            if exact.size:
                assert max_rank_error(d.quantiles, exact) <= rank_error_bound(K)
                assert max_rank_error(m.quantiles, exact) <= rank_error_bound(K)


def _exact_values(table: pa.Table, name: str) -> np.ndarray:
    values = table.column(name).to_pylist()
    if name == "t":
        return np.array([len(v) for v in values if v is not None], dtype=np.float64)
    x = np.array([v for v in values if v is not None], dtype=np.float64)
    return x[~np.isnan(x)]


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, min_size=1, max_size=4), st.integers(1, 40))
def test_frequent_counts_stay_within_their_bounds_after_merging_many(
    parts: list[list[tuple[Any, ...]]], batch_rows: int
) -> None:
    profiles = [_profile(_table(p), batch_rows) for p in parts]
    merged = profiles[0]
    for p in profiles[1:]:
        merged = merged.merge(p)
    truth = Counter(row[2] for part in parts for row in part if row[2] is not None)
    frequent = merged["s"].frequent
    assert frequent is not None
    assert frequent.n == sum(truth.values())
    kept = dict(zip(frequent.items.to_pylist(), frequent.counts.tolist(), strict=True))
    for value, count in truth.items():
        assert kept.get(value, 0) <= count <= kept.get(value, 0) + frequent.max_error
    assert frequent.is_exact == (len(truth) <= CAPACITY)


def test_merge_order_does_not_change_the_bytes() -> None:
    rng = np.random.default_rng(0)
    tables = [
        pa.table({"x": rng.normal(size=5_000), "c": rng.choice(list("abcdefgh"), 5_000)})
        for _ in range(3)
    ]
    a, b, c = (profile_table(t, k=64, capacity=4) for t in tables)
    assert a.merge(b).to_bytes() == b.merge(a).to_bytes()
    assert a.merge(b).merge(c).num_rows == a.merge(b.merge(c)).num_rows == 15_000


def test_a_million_rows_in_twenty_partitions_merge_within_bounds() -> None:
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=1_000_000)
    parts = [profile_table(pa.table({"x": p})) for p in np.array_split(x, 20)]
    merged = parts[0]
    for p in parts[1:]:
        merged = merged.merge(p)
    col = merged["x"]
    assert col.quantiles is not None
    assert col.moments is not None
    assert max_rank_error(col.quantiles, x) <= col.quantiles.rank_error()
    assert col.moments.mean == pytest.approx(x.mean(), rel=1e-12)
