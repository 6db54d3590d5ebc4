"""Statistics from profiles agree with scipy's exact ones on the raw rows (within sketch error)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats
from scipy.spatial import distance

from driftline.data import profile_table
from driftline.drift import compare
from driftline.drift import stats as dstats
from driftline.drift.binning import category_counts
from tests.drift.conftest import Profiles

NUMERIC = [f"num_{i:02d}" for i in range(20)]
CATEGORICAL = [f"cat_{i}" for i in range(10)]


def _raw(p: Profiles, name: str) -> tuple[np.ndarray, np.ndarray]:
    a = p.data.reference.column(name).to_numpy()
    b = p.data.current.column(name).to_numpy()
    return a, b


@pytest.mark.parametrize("name", NUMERIC[:8])
def test_ks_statistic_within_the_two_rank_errors(shifted_100k: Profiles, name: str) -> None:
    ref, cur = shifted_100k.reference[name].quantiles, shifted_100k.current[name].quantiles
    assert ref is not None
    assert cur is not None
    got = dstats.ks(ref, cur)
    exact = stats.ks_2samp(*_raw(shifted_100k, name))
    assert got.error_bound == ref.rank_error() + cur.rank_error() > 0
    assert abs(got.value - exact.statistic) <= got.error_bound


def test_ks_equals_scipy_when_the_sketches_are_exact() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=900), rng.normal(0.2, 1, 700)
    ref = profile_table(pa.table({"x": a}))["x"].quantiles
    cur = profile_table(pa.table({"x": b}))["x"].quantiles
    assert ref is not None
    assert cur is not None
    assert ref.is_exact
    assert cur.is_exact
    got, exact = dstats.ks(ref, cur), stats.ks_2samp(a, b)
    assert (got.value, got.p_value, got.error_bound) == (exact.statistic, exact.pvalue, 0.0)


@pytest.mark.parametrize("name", NUMERIC)
def test_wasserstein_within_tolerance_of_scipy(shifted_100k: Profiles, name: str) -> None:
    a, b = _raw(shifted_100k, name)
    exact = stats.wasserstein_distance(a, b) / np.std(a)
    got = compare(shifted_100k.reference, shifted_100k.current, columns=[name])[name]
    assert got.statistic is not None
    assert got.error_bound is not None
    # documented: within the worst-case bound, and in practice within 0.01 std
    assert abs(got.statistic - exact) <= got.error_bound
    assert abs(got.statistic - exact) <= 0.01


def test_wasserstein_equals_scipy_when_exact() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.exponential(size=500), rng.exponential(1.2, size=800)
    ref = profile_table(pa.table({"x": a}))["x"]
    cur = profile_table(pa.table({"x": b}))["x"]
    assert ref.quantiles is not None
    assert cur.quantiles is not None
    got = dstats.wasserstein(ref.quantiles, cur.quantiles, scale=float(np.std(a)))
    assert got.value == pytest.approx(stats.wasserstein_distance(a, b) / np.std(a), rel=1e-12)
    assert got.error_bound == 0.0


@pytest.mark.parametrize("name", CATEGORICAL)
def test_chisquare_equals_scipy_on_exact_counts(shifted_100k: Profiles, name: str) -> None:
    ref, cur = shifted_100k.reference[name].frequent, shifted_100k.current[name].frequent
    assert ref is not None
    assert cur is not None
    assert ref.is_exact
    assert cur.is_exact
    cats = category_counts(ref, cur)
    got = dstats.chisquare(cats.reference, cats.current)
    a, b = _raw(shifted_100k, name)
    labels = np.union1d(a, b)
    table = [[np.sum(a == v) for v in labels], [np.sum(b == v) for v in labels]]
    exact = stats.chi2_contingency(table, correction=False)
    assert got.value == pytest.approx(exact.statistic, rel=1e-9)
    assert got.p_value == pytest.approx(exact.pvalue, rel=1e-6, abs=1e-300)


def test_chisquare_handles_categories_seen_on_one_side_only() -> None:
    ref = profile_table(pa.table({"c": ["a"] * 50 + ["b"] * 50}))["c"].frequent
    cur = profile_table(pa.table({"c": ["a"] * 40 + ["b"] * 40 + ["new"] * 20}))["c"].frequent
    assert ref is not None
    assert cur is not None
    cats = category_counts(ref, cur)
    got = dstats.chisquare(cats.reference, cats.current)
    exact = stats.chi2_contingency([[50, 50, 0], [40, 40, 20]], correction=False)
    assert cats.labels == ("a", "b", "new")
    assert got.value == pytest.approx(exact.statistic)


def test_other_bucket_when_the_sketches_are_not_exact() -> None:
    rng = np.random.default_rng(4)
    values = np.array([f"v{i}" for i in range(300)])
    a = values[rng.zipf(1.5, 20_000) % 300]
    b = values[rng.zipf(1.5, 20_000) % 300]
    ref = profile_table(pa.table({"c": a}), capacity=50)["c"].frequent
    cur = profile_table(pa.table({"c": b}), capacity=50)["c"].frequent
    assert ref is not None
    assert cur is not None
    assert not ref.is_exact
    cats = category_counts(ref, cur)
    assert cats.labels[-1] == "(other)"
    assert not cats.exact
    assert int(cats.reference.sum()) == 20_000
    assert int(cats.current.sum()) == 20_000
    assert dstats.chisquare(cats.reference, cats.current).p_value is not None


def test_z_test_matches_the_two_proportion_formula() -> None:
    a = np.array([True] * 300 + [False] * 700)
    b = np.array([True] * 380 + [False] * 620)
    got = compare(profile_table(pa.table({"b": a})), profile_table(pa.table({"b": b})))["b"]
    p1, p2, pooled = 0.3, 0.38, 0.34
    z = (p2 - p1) / np.sqrt(pooled * (1 - pooled) * (2 / 1000))  # False is the first value
    assert got.method is not None
    assert got.method.value == "z"
    assert got.statistic == pytest.approx(z)
    assert got.p_value == pytest.approx(2 * stats.norm.sf(abs(z)))


def test_binned_distances_equal_scipy_on_the_same_counts() -> None:
    p, q = np.array([10, 20, 30, 0]), np.array([15, 15, 25, 5])
    assert dstats.jensenshannon(p, q).value == pytest.approx(distance.jensenshannon(p, q))
    pn, qn = p / p.sum(), q / q.sum()
    hell = np.sqrt(np.sum((np.sqrt(pn) - np.sqrt(qn)) ** 2)) / np.sqrt(2)
    assert dstats.hellinger(p, q).value == pytest.approx(hell)
    assert dstats.psi(p, p).value == 0.0 < dstats.psi(p, q).value


@pytest.mark.parametrize("shared", [0, 50, 1_000])
def test_the_union_of_two_sketches_items_is_numpys_union(shared: int) -> None:
    from driftline.data.sketches import KLLSketch

    rng = np.random.default_rng(shared)
    common = np.round(rng.normal(size=shared), 1)
    a, b = KLLSketch(k=256), KLLSketch(k=256)
    a.update(np.concatenate([common, rng.normal(size=20_000)]))
    b.update(np.concatenate([common, rng.integers(0, 9, 5_000).astype(float)]))
    expected = np.union1d(a.items_and_weights()[0], b.items_and_weights()[0])
    got = dstats._union_items(a, b)
    assert got.tobytes() == expected.tobytes()
    assert got.size > 256
