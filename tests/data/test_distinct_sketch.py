"""HyperLogLog: within three standard errors, exact register merges, agrees with datasketches."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline.core.errors import InputError
from driftline.data.errors import MergeError
from driftline.data.sketches import HyperLogLog


@pytest.mark.parametrize("precision", [12, 14])
@pytest.mark.parametrize("n", [0, 1, 100, 10_000, 1_000_000])
def test_estimates_are_within_three_standard_errors(precision: int, n: int) -> None:
    sketch = HyperLogLog(precision)
    rng = np.random.default_rng(n)
    sketch.update(rng.permutation(n).astype(np.float64) * 0.5)
    sketch.update(np.arange(n // 2, dtype=np.float64) * 0.5)  # repeats change nothing
    assert abs(sketch.estimate() - n) <= 3 * sketch.relative_error * n


def test_strings_and_integers_count_alike_and_repeats_leave_registers_alone() -> None:
    words = pa.array([f"user-{i}" for i in range(50_000)])
    sketch = HyperLogLog()
    sketch.update(words)
    before = sketch.to_bytes()
    sketch.update(words.slice(10, 1000))
    assert sketch.to_bytes() == before
    assert abs(sketch.estimate() - 50_000) <= 3 * sketch.relative_error * 50_000
    ints = HyperLogLog()
    ints.update(np.arange(50_000))
    assert abs(ints.estimate() - 50_000) <= 3 * ints.relative_error * 50_000


def test_nulls_and_nan_are_not_values() -> None:
    sketch = HyperLogLog()
    sketch.update(pa.array([1.0, None, float("nan")]))
    sketch.update(np.array([np.nan]))
    assert round(sketch.estimate()) == 1
    words = HyperLogLog()
    words.update(np.array(["a", None, "b"], dtype=object))
    assert round(words.estimate()) == 2


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=5), max_size=80), st.integers(0, 80))
def test_merged_registers_equal_registers_of_the_union(values: list[str], cut: int) -> None:
    whole, a, b = HyperLogLog(8), HyperLogLog(8), HyperLogLog(8)
    whole.update(values)
    a.update(values[:cut])
    b.update(values[cut:])
    assert a.merge(b).registers.tolist() == whole.registers.tolist()


def test_agrees_with_datasketches_hll() -> None:
    datasketches = pytest.importorskip("datasketches")  # a test-only reference
    n = 200_000
    words = [f"item-{i}" for i in range(n)]
    ours = HyperLogLog(12)
    ours.update(words)
    theirs = datasketches.hll_sketch(12)
    for word in words:
        theirs.update(word)
    bound = 3 * ours.relative_error * n
    assert abs(ours.estimate() - n) <= bound
    assert abs(theirs.get_estimate() - n) <= bound
    assert abs(ours.estimate() - theirs.get_estimate()) <= 2 * bound


def test_precision_is_checked() -> None:
    with pytest.raises(MergeError, match="precision 12 and 14"):
        HyperLogLog(12).merge(HyperLogLog(14))
    with pytest.raises(InputError, match=r"precision must be an int in \[4, 18\]"):
        HyperLogLog(30)
