"""The order sketch: falls and rises exact in row order, merges that find a growing column."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline.data import profile_table
from driftline.data.errors import FormatError
from driftline.data.sketches import MAX_FALL_SHARE, Order
from driftline.data.sketches.base import State
from driftline.data.sketches.order import MAX_SEGMENTS


def _truth(x: np.ndarray) -> tuple[int, int]:
    x = x[~np.isnan(x)]
    return int((x[1:] < x[:-1]).sum()), int((x[1:] > x[:-1]).sum())


def _reading(o: Order | None) -> tuple[object, ...]:
    assert o is not None
    return (o.count, o.first, o.last, o.falls, o.rises)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.one_of(st.floats(allow_nan=True, width=32), st.integers(-3, 3)), max_size=60),
    st.integers(1, 20),
)
def test_batches_in_row_order_count_exactly(values: list[float], size: int) -> None:
    x = np.array(values, dtype=np.float64)
    order = Order()
    for start in range(0, x.size, size):
        order.update(x[start : start + size])
    present = x[~np.isnan(x)]
    assert (order.falls, order.rises) == _truth(x)
    assert order.count == present.size
    if present.size:
        assert (order.first, order.last) == (present[0], present[-1])
    assert order.steps == max(0, present.size - 1)


def test_then_is_exact_and_merge_finds_the_order_of_a_growing_column() -> None:
    parts = [np.arange(i * 100, (i + 1) * 100, dtype=np.float64) for i in range(5)]
    sketches = []
    for p in parts:
        o = Order()
        o.update(p)
        sketches.append(o)
    whole = Order()
    whole.update(np.concatenate(parts))
    chained = sketches[0]
    for o in sketches[1:]:
        chained = chained.then(o)
    assert chained == whole
    shuffled = [sketches[i] for i in (3, 0, 4, 2, 1)]  # partitions merged in any order
    merged = shuffled[0]
    for o in shuffled[1:]:
        merged = merged.merge(o)
    assert _reading(merged) == _reading(whole)
    assert merged.grows()
    assert sketches[4].then(sketches[0]).falls == 1  # the true order, when known, is kept


def test_what_grows() -> None:
    def order(values: list[float]) -> Order:
        o = Order()
        o.update(values)
        return o

    assert order([1.0, 2.0, 3.0]).grows()
    assert order([1.0, 1.0, 2.0, 2.0, 3.0]).grows()  # ties do not fall
    assert not order([0.0, 0.0, 1.0, 1.0]).grows()  # one rise: sorted by chance
    assert not order([4.0] * 10).grows()  # constant
    assert not order([1.0, 3.0, 2.0]).grows()
    cycle = np.tile(np.arange(48, dtype=np.float64), 50)  # a half-hour of the day: falls 2 %
    assert not order(list(cycle)).grows()
    time = np.arange(5000, dtype=np.float64)
    time[2500] = 0.0  # one jump back in 5,000 steps: 0.04 % of the steps
    assert order(list(time)).grows()
    assert not order(list(time)).grows(max_fall_share=0.0)
    assert MAX_FALL_SHARE == 0.001


def test_many_parts_merged_in_any_order_stay_within_bounds() -> None:
    parts = []
    for i in range(MAX_SEGMENTS * 2):
        o = Order()
        o.update(np.arange(i * 10, (i + 1) * 10, dtype=np.float64))
        parts.append(o)
    rng = np.random.default_rng(4)
    merged = Order()
    for i in rng.permutation(len(parts)):
        merged = merged.merge(parts[i])
    assert len(merged.to_state().arrays["counts"]) <= 3 * MAX_SEGMENTS
    assert merged.count == 10 * len(parts)
    assert merged.grows()  # the nearest neighbours were joined: still no fall


def test_corrupt_state_is_refused() -> None:
    o = Order()
    o.update([1.0, 2.0, 3.0])
    state = o.to_state()
    state.arrays["counts"] = np.array([3, 2, 1], dtype=np.int64)  # 3 moves in 2 steps
    with pytest.raises(FormatError, match="impossible counts"):
        Order.from_state(state)
    with pytest.raises(FormatError, match="missing array 'ends'"):
        Order.from_state(State(meta={"segments": 0}))
    later = Order()
    later.update([5.0, 6.0])
    state = o.merge(later).to_state()
    state.arrays["ends"] = np.array([5.0, 6.0, 1.0, 3.0])
    state.arrays["counts"] = np.array([2, 0, 1, 3, 0, 2], dtype=np.int64)
    with pytest.raises(FormatError, match="not sorted"):
        Order.from_state(state)


def test_the_profile_keeps_it_for_numbers_only_and_merges_it() -> None:
    t = pa.table(
        {
            "t": np.arange(1000, dtype=np.int64),
            "x": np.random.default_rng(0).normal(size=1000),
            "c": ["a", "b"] * 500,
        }
    )
    p = profile_table(t, batch_rows=64)
    assert p["t"].order is not None
    assert (p["t"].order.count, p["t"].order.falls, p["t"].order.rises) == (1000, 0, 999)
    assert p["t"].grows
    assert not p["x"].grows
    assert p["c"].order is None
    assert not p["c"].grows
    first, second = profile_table(t.slice(0, 400)), profile_table(t.slice(400))
    assert second.merge(first)["t"].order == first.merge(second)["t"].order
    assert _reading(first.merge(second)["t"].order) == _reading(p["t"].order)
