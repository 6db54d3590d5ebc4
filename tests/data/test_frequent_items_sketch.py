"""Frequent items: exact while small, Misra-Gries bounds otherwise, mergeable, typed."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline.core.errors import InputError
from driftline.data.errors import ColumnTypeError, MergeError
from driftline.data.sketches import FrequentItems


def test_counts_are_exact_while_values_are_few() -> None:
    rng = np.random.default_rng(0)
    data = rng.choice([f"cat_{i}" for i in range(50)], size=100_000).tolist()
    sketch = FrequentItems(capacity=64)
    for start in range(0, len(data), 9_999):
        sketch.update(pa.array(data[start : start + 9_999]))
    truth = Counter(data)
    assert sketch.is_exact
    assert sketch.max_error == 0
    assert sketch.n == len(data)
    assert dict(zip(sketch.items.to_pylist(), sketch.counts.tolist(), strict=True)) == truth
    top = sketch.top(3)
    assert [t.value for t in top] == [v for v, _ in truth.most_common(3)]
    assert all(t.count == t.upper_bound for t in top)


def _check_bounds(sketch: FrequentItems, truth: Counter[int]) -> None:
    kept = dict(zip(sketch.items.to_pylist(), sketch.counts.tolist(), strict=True))
    assert len(kept) <= sketch.capacity
    for value, count in truth.items():
        low = kept.get(value, 0)
        assert low <= count <= low + sketch.max_error
    assert sketch.max_error <= (sketch.n - sum(kept.values())) / (sketch.capacity + 1)
    assert sketch.n == sum(truth.values())


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 30), max_size=60), min_size=1, max_size=5),
    st.integers(1, 8),
)
def test_misra_gries_bounds_hold_through_updates_and_merges(
    parts: list[list[int]], capacity: int
) -> None:
    sketches = []
    for part in parts:
        s = FrequentItems(capacity)
        for start in range(0, len(part), 17):
            s.update(part[start : start + 17])
        _check_bounds(s, Counter(part))
        sketches.append(s)
    merged = sketches[0]
    for s in sketches[1:]:
        merged = merged.merge(s)
    truth = Counter(v for part in parts for v in part)
    _check_bounds(merged, truth)
    assert merged.is_exact == (len(truth) <= capacity) or not merged.is_exact


def test_heavy_hitters_survive_a_long_tail() -> None:
    rng = np.random.default_rng(3)
    tail = rng.integers(1_000, 1_000_000, size=90_000)
    data = np.concatenate([np.full(6_000, 1), np.full(4_000, 2), tail])
    rng.shuffle(data)
    sketch = FrequentItems(capacity=100)
    for part in np.array_split(data, 10):
        sketch.update(part)
    assert not sketch.is_exact
    assert sketch.max_error <= data.size / 101
    assert sketch.items.to_pylist()[:2] == [1, 2]
    low = sketch.estimate([1, 2])
    assert (low <= [6_000, 4_000]).all()
    assert (low + sketch.max_error >= [6_000, 4_000]).all()


def test_values_are_normalised_across_physical_types() -> None:
    a, b = FrequentItems(), FrequentItems()
    a.update(pa.array(["x", "y", None], pa.string()))
    b.update(pa.array(["x"], pa.large_string()).dictionary_encode())
    assert a.merge(b).top()[0].value == "x"
    assert a.merge(b).counts.tolist() == [2, 1]
    ints = FrequentItems()
    ints.update(pa.array([1, 1, 2], pa.int8()))
    ints.update(np.array([2, 2], dtype=np.uint32))
    assert ints.items.type == pa.int64()
    assert ints.counts.tolist() == [3, 2]
    floats = FrequentItems()
    floats.update(np.array([0.0, -0.0, np.nan, 1.0]))
    assert floats.items.to_pylist() == [0.0, 1.0]
    assert floats.counts.tolist() == [2, 1]
    flags = FrequentItems()
    flags.update([True, False, True])
    assert flags.top()[0].value is True
    assert flags.estimate([False, True]).tolist() == [1, 2]
    assert flags.estimate(["nope"]).tolist() == [0]


def test_mismatched_merges_and_bad_input_are_refused() -> None:
    words, numbers = FrequentItems(), FrequentItems()
    words.update(["a"])
    numbers.update([1])
    with pytest.raises(MergeError, match="type large_string cannot take values of type int64"):
        words.merge(numbers)
    with pytest.raises(MergeError, match="capacity 1024 and 8"):
        words.merge(FrequentItems(8))
    with pytest.raises(InputError, match="capacity must be an int"):
        FrequentItems(0)
    with pytest.raises(ColumnTypeError, match="list<item: int64>"):
        words.update(pa.array([[1]]))
    with pytest.raises(InputError, match="2 items but 1 counts"):
        words.update_counts(pa.array(["a", "b"]), [1])
    with pytest.raises(InputError, match="counts must be positive"):
        words.update_counts(pa.array(["a"]), [0])
