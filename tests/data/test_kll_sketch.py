"""The KLL quantile sketch: exact while small, within its stated rank error, deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from driftline.core.errors import InputError
from driftline.data.errors import FormatError, MergeError
from driftline.data.sketches import DEFAULT_K, KLLSketch, rank_error_bound
from driftline.data.sketches.base import State
from tests.data.data_helpers import DISTRIBUTIONS, max_rank_error, values


def _fed(data: np.ndarray, *, k: int = DEFAULT_K, batch: int = 65_536, seed: int = 0) -> KLLSketch:
    sketch = KLLSketch(k, seed=seed)
    for start in range(0, data.size, batch):
        sketch.update(data[start : start + batch])
    return sketch


def test_small_inputs_are_kept_exactly() -> None:
    data = values("lognormal", 1_500, seed=1)
    sketch = _fed(data, k=2048, batch=100)
    qs = np.linspace(0, 1, 101)
    assert sketch.is_exact
    assert sketch.rank_error() == 0.0
    assert sketch.quantiles(qs).tolist() == np.quantile(data, qs, method="inverted_cdf").tolist()
    points = np.concatenate([data[:50], [-1.0, 1e9]])
    exact_cdf = (np.sort(data)[None, :] <= points[:, None]).mean(axis=1)
    assert sketch.cdf(points).tolist() == exact_cdf.tolist()
    items, weights = sketch.items_and_weights()
    assert items.tolist() == np.sort(data).tolist()
    assert set(weights.tolist()) == {1}
    assert max_rank_error(sketch, data) == 0.0


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
@pytest.mark.parametrize("n", [100_000, 1_000_000])
@pytest.mark.parametrize("k", [200, DEFAULT_K])
def test_rank_error_is_within_the_documented_bound(dist: str, n: int, k: int) -> None:
    data = values(dist, n, seed=n + k)
    sketch = _fed(data, k=k)
    assert not sketch.is_exact
    assert sketch.num_retained <= 3 * k + 200
    assert max_rank_error(sketch, data) <= sketch.rank_error() == rank_error_bound(k)


@pytest.mark.parametrize("batch", [1, 7, 300])
def test_small_batches_stay_within_the_bound(batch: int) -> None:
    data = values("normal", 20_000 if batch == 1 else 100_000, seed=batch)
    sketch = _fed(data, k=200, batch=batch)
    assert max_rank_error(sketch, data) <= rank_error_bound(200)


def test_estimated_quantiles_have_true_ranks_near_their_fraction() -> None:
    data = values("lognormal", 300_000, seed=5)
    sketch = _fed(data, k=400)
    s = np.sort(data)
    qs = np.linspace(0, 1, 201)
    est = sketch.quantiles(qs)
    lo = np.searchsorted(s, est, side="left") / s.size
    hi = np.searchsorted(s, est, side="right") / s.size
    # The true rank interval of each estimate is within ε of the requested fraction.
    distance = np.maximum(0.0, np.maximum(lo - qs, qs - hi))
    assert distance.max() <= rank_error_bound(400)
    assert est[0] == data.min()
    assert est[-1] == data.max()


def test_merged_and_direct_sketches_are_both_within_the_bound() -> None:
    data = values("normal", 400_000, seed=11)
    direct = _fed(data, k=200)
    parts = [_fed(part, k=200, batch=5_000) for part in np.array_split(data, 100)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    assert merged.n == direct.n == data.size
    assert merged.min == direct.min
    assert merged.max == direct.max
    assert max_rank_error(direct, data) <= rank_error_bound(200)
    assert max_rank_error(merged, data) <= rank_error_bound(200)


def test_agrees_with_datasketches_kll_within_both_bounds() -> None:
    datasketches = pytest.importorskip("datasketches")  # a test-only reference
    data = values("lognormal", 200_000, seed=3)
    ours = _fed(data, k=200)
    theirs = datasketches.kll_doubles_sketch(200)
    theirs.update(data)
    theirs_eps = theirs.normalized_rank_error(False)
    # Our bound (all points at once) is of the same size as their single-rank 99 % bound.
    assert rank_error_bound(200) <= 1.25 * theirs_eps
    s = np.sort(data)
    qs = np.linspace(0.01, 0.99, 99)
    theirs_q = np.array(theirs.get_quantiles(qs.tolist(), inclusive=True))
    ours_q = ours.quantiles(qs)
    rank_gap = np.abs(np.searchsorted(s, ours_q) - np.searchsorted(s, theirs_q)) / s.size
    assert rank_gap.max() <= rank_error_bound(200) + theirs_eps
    grid = np.quantile(data, np.linspace(0.001, 0.999, 300))
    their_cdf = np.array(theirs.get_cdf(grid.tolist(), inclusive=True))[:-1]
    assert np.abs(ours.cdf(grid) - their_cdf).max() <= rank_error_bound(200) + theirs_eps


def test_same_data_batches_and_seed_give_identical_bytes() -> None:
    data = values("normal", 200_000, seed=2)
    a = _fed(data, k=200, batch=10_000, seed=42).to_bytes()
    assert a == _fed(data, k=200, batch=10_000, seed=42).to_bytes()
    assert a != _fed(data, k=200, batch=10_000, seed=43).to_bytes()


def test_histogram_counts_are_within_two_rank_errors() -> None:
    data = values("normal", 100_000, seed=8)
    sketch = _fed(data, k=400)
    edges = np.linspace(-3, 3, 25)
    counts = sketch.histogram(edges)
    exact = np.diff(np.searchsorted(np.sort(data), edges, side="right"))
    exact[0] += int((data == edges[0]).sum())
    assert np.abs(counts - exact).max() <= 2 * rank_error_bound(400) * data.size
    assert counts.sum() == sketch.rank([3.0])[0] - sketch.rank([-3.0], inclusive=False)[0]


def test_nan_is_ignored_and_infinities_are_values() -> None:
    sketch = KLLSketch(k=16)
    sketch.update(np.array([np.nan, -np.inf, 1.0, -0.0, np.inf, np.nan]))
    assert sketch.n == 4
    assert sketch.quantiles([0.0, 1.0]).tolist() == [-np.inf, np.inf]
    assert np.signbit(sketch.items_and_weights()[0]).tolist() == [True, False, False, False]
    assert np.isnan(sketch.cdf([np.nan])[0])


def test_an_empty_sketch_answers_nan() -> None:
    sketch = KLLSketch()
    assert sketch.is_empty
    assert sketch.min is None
    assert sketch.max is None
    assert np.isnan(sketch.quantiles([0.5])).all()
    assert np.isnan(sketch.cdf([0.0])).all()
    assert sketch.rank([0.0]).tolist() == [0]


def test_bad_arguments_name_what_is_wrong() -> None:
    with pytest.raises(InputError, match=r"k must be an int in \[8, 1048576\], got 4"):
        KLLSketch(k=4)
    with pytest.raises(InputError, match="seed must be an int"):
        KLLSketch(seed="x")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"fractions must lie in \[0, 1\], got 1.5"):
        KLLSketch().quantiles([0.5, 1.5])
    with pytest.raises(InputError, match="strictly increasing"):
        KLLSketch().histogram([1.0, 1.0])
    with pytest.raises(MergeError, match="k=200 and k=400"):
        KLLSketch(200).merge(KLLSketch(400))


def test_corrupt_states_are_refused() -> None:
    sketch = _fed(values("normal", 5_000), k=16)
    state = sketch.to_state()
    unsorted = State(dict(state.meta), {**state.arrays, "items": state.arrays["items"][::-1]})
    with pytest.raises(FormatError, match="not sorted"):
        KLLSketch.from_state(unsorted)
    wrong_n = State({**state.meta, "n": sketch.n + 1}, state.arrays)
    with pytest.raises(FormatError, match="do not add up"):
        KLLSketch.from_state(wrong_n)
    short = State(state.meta, {**state.arrays, "levels": state.arrays["levels"][:-1]})
    with pytest.raises(FormatError, match="level bounds"):
        KLLSketch.from_state(short)
