"""Every sketch goes through the same checks: bytes, merge laws, determinism, independence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from driftline.data.errors import FormatError, MergeError
from driftline.data.sketches import (
    FrequentItems,
    HyperLogLog,
    KLLSketch,
    Moments,
    Order,
    Sketch,
)

RNG = np.random.default_rng(7)
FLOATS_A = np.concatenate([RNG.normal(size=300), [np.nan, np.inf]])
FLOATS_B = RNG.lognormal(size=200)
WORDS_A = [f"w{i}" for i in RNG.integers(0, 12, size=300)] + [None]
WORDS_B = [f"w{i}" for i in RNG.integers(5, 20, size=200)]

# (make an empty sketch, batch A, batch B): small sizes so that every sketch has to compact.
CASES: dict[str, tuple[Callable[[], Sketch], Any, Any]] = {
    "moments": (Moments, FLOATS_A, FLOATS_B),
    "kll": (lambda: KLLSketch(k=16, seed=3), FLOATS_A, FLOATS_B),
    "frequent": (lambda: FrequentItems(capacity=6), WORDS_A, WORDS_B),
    "hll": (lambda: HyperLogLog(precision=6), WORDS_A, WORDS_B),
    "order": (Order, FLOATS_A, FLOATS_B),
}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[Callable[[], Sketch], Any, Any]:
    return CASES[request.param]


def _fed(make: Callable[[], Sketch], *batches: Any) -> Sketch:
    sketch = make()
    for batch in batches:
        sketch.update(batch)
    return sketch


def test_bytes_round_trip_exactly(case: tuple[Callable[[], Sketch], Any, Any]) -> None:
    make, a, b = case
    for sketch in (make(), _fed(make, a), _fed(make, a, b)):
        data = sketch.to_bytes()
        back = type(sketch).from_bytes(data)
        assert back == sketch
        assert back.to_bytes() == data


def test_same_batches_give_identical_bytes(case: tuple[Callable[[], Sketch], Any, Any]) -> None:
    make, a, b = case
    assert _fed(make, a, b).to_bytes() == _fed(make, a, b).to_bytes()


def test_updating_a_restored_sketch_continues_identically(
    case: tuple[Callable[[], Sketch], Any, Any],
) -> None:
    make, a, b = case
    restored = type(_fed(make, a)).from_bytes(_fed(make, a).to_bytes())
    restored.update(b)
    assert restored == _fed(make, a, b)


def test_merge_leaves_inputs_alone_and_commutes(
    case: tuple[Callable[[], Sketch], Any, Any],
) -> None:
    make, a, b = case
    sa, sb = _fed(make, a), _fed(make, b)
    before = (sa.to_bytes(), sb.to_bytes())
    ab, ba = sa.merge(sb), sb.merge(sa)
    assert (sa.to_bytes(), sb.to_bytes()) == before
    assert ab.to_bytes() == ba.to_bytes()
    assert ab is not sa
    assert ab is not sb


def test_merging_an_empty_sketch_changes_nothing(
    case: tuple[Callable[[], Sketch], Any, Any],
) -> None:
    make, a, _ = case
    sa = _fed(make, a)
    assert sa.merge(make()) == sa
    assert make().merge(sa) == sa
    assert make().merge(make()) == make()


def test_an_empty_batch_changes_nothing(case: tuple[Callable[[], Sketch], Any, Any]) -> None:
    make, a, _ = case
    sa = _fed(make, a)
    sa.update(np.array([], dtype=np.float64) if not isinstance(a, list) else [])
    assert sa == _fed(make, a)


def test_copies_are_independent(case: tuple[Callable[[], Sketch], Any, Any]) -> None:
    make, a, b = case
    sa = _fed(make, a)
    copy = sa.copy()
    copy.update(b)
    assert sa == _fed(make, a)
    assert copy != sa


def test_foreign_bytes_and_merges_are_refused(case: tuple[Callable[[], Sketch], Any, Any]) -> None:
    make, a, _ = case
    sketch = _fed(make, a)
    other = Moments() if not isinstance(sketch, Moments) else HyperLogLog()
    with pytest.raises(FormatError, match=f"expected a driftline {sketch.kind}"):
        type(sketch).from_bytes(other.to_bytes())
    data = sketch.to_bytes()
    with pytest.raises(FormatError):
        type(sketch).from_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="do not start with"):
        type(sketch).from_bytes(b"not a sketch at all, no")
    with pytest.raises(MergeError, match="cannot merge"):
        sketch.merge(other)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hash(sketch)
    assert sketch != other
