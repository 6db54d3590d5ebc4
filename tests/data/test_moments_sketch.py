"""Exact moments: agree with numpy, merge exactly (to rounding), count NaN and infinities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline.data.sketches import Moments


def test_moments_match_numpy_over_finite_values() -> None:
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.normal(3, 2, size=10_000), [np.nan, np.inf, -np.inf, np.nan]])
    m = Moments()
    for part in np.array_split(data, 7):
        m.update(part)
    finite = data[np.isfinite(data)]
    assert (m.count, m.nan_count, m.inf_count, m.finite_count) == (10_002, 2, 2, 10_000)
    assert m.min == -np.inf
    assert m.max == np.inf
    assert m.mean == pytest.approx(finite.mean(), rel=1e-12)
    assert m.variance == pytest.approx(finite.var(ddof=1), rel=1e-10)
    assert m.std == pytest.approx(finite.std(ddof=1), rel=1e-10)


def test_large_offsets_keep_their_precision() -> None:
    rng = np.random.default_rng(1)
    data = 1e9 + rng.uniform(size=100_000)
    parts = [Moments() for _ in range(10)]
    for m, part in zip(parts, np.array_split(data, 10), strict=True):
        m.update(part)
    merged = parts[0]
    for m in parts[1:]:
        merged = merged.merge(m)
    assert merged.variance == pytest.approx(1 / 12, rel=1e-2)
    assert merged.variance == pytest.approx(np.var(data - 1e9, ddof=1), rel=1e-6)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=40),
    st.integers(0, 40),
)
def test_merge_of_parts_equals_moments_of_the_whole(data: list[float], cut: int) -> None:
    whole, a, b = Moments(), Moments(), Moments()
    whole.update(data)
    a.update(data[:cut])
    b.update(data[cut:])
    merged = a.merge(b)
    assert (merged.count, merged.nan_count, merged.inf_count) == (
        whole.count,
        whole.nan_count,
        whole.inf_count,
    )
    assert merged.min == whole.min
    assert merged.max == whole.max
    if whole.mean is None:
        assert merged.mean is None
    else:
        scale = max(1.0, max(abs(x) for x in data if math.isfinite(x)))
        assert merged.mean == pytest.approx(whole.mean, rel=1e-9, abs=1e-12 * scale)
        assert merged.m2 == pytest.approx(whole.m2, rel=1e-7, abs=1e-9 * scale * scale)


def test_an_empty_sketch_has_no_statistics() -> None:
    m = Moments()
    m.update([np.nan])
    assert (m.count, m.nan_count) == (0, 1)
    assert (m.min, m.max, m.mean, m.variance, m.std) == (None, None, None, None, None)
    m.update([2.0])
    assert (m.mean, m.variance) == (2.0, None)
