"""The profiler's numeric fast path gives what the plain numpy path gives, value for value.

Radix sorting equals ``np.sort``; the in-place float hash equals ``stable_hash64``; HyperLogLog's
bounded register update equals the register-wise maximum of every rank; scratch arrays are reused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline.core.errors import InputError
from driftline.data import profile_table
from driftline.data._numbers import float_values
from driftline.data.errors import UnknownColumnError
from driftline.data.hashing import hash_float64_into, stable_hash64
from driftline.data.kinds import to_float64
from driftline.data.sketches import HyperLogLog
from driftline.data.sketches._scratch import Scratch
from driftline.data.sketches._sorting import FloatSorter, sort_float64
from driftline.data.sketches.distinct import _bit_length
from tests.data.data_helpers import float_windows


@pytest.mark.parametrize("name", list(float_windows()))
def test_radix_sort_equals_numpy_sort(name: str) -> None:
    x = float_windows()[name] + 0.0
    expected = np.sort(x)
    assert sort_float64(x).tobytes() == expected.tobytes()
    sorter, scratch = FloatSorter(), Scratch()
    for _ in range(2):  # the second window reuses the scratch arrays
        assert sorter.sort(x, scratch).tobytes() == expected.tobytes()


def test_the_tie_fix_up_finds_groups_at_the_ends_of_the_float_range() -> None:
    # Groups of equal leading bits that hold the extremes (infinities, the largest finite
    # values, subnormals) next to values differing only in their lowest bits.
    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(2, 3000))
        parts = [
            rng.normal(size=n),
            np.array([np.inf, -np.inf, 0.0, 5e-324, -5e-324, 1.7976931348623157e308]),
            np.array([-1.7976931348623157e308, np.nextafter(np.inf, 0), -np.nextafter(np.inf, 0)]),
            1.0 + rng.integers(0, 1000, n) * 2.0**-52,
            -1.0 - rng.integers(0, 1000, n) * 2.0**-52,
            rng.normal(size=n) * 1e-310,
        ]
        chosen = [p for p in parts if rng.random() < 0.6] or parts[:2]
        x = rng.permutation(np.concatenate(chosen)) + 0.0
        assert sort_float64(x).tobytes() == np.sort(x).tobytes()


def test_a_column_whose_ties_defeat_the_radix_falls_back_to_numpy_sort() -> None:
    sorter = FloatSorter()
    cluster = float_windows()["dense cluster and outliers"]
    assert sorter.sort(cluster).tolist() == np.sort(cluster).tolist()
    assert sorter.plain
    normal = FloatSorter()
    normal.sort(float_windows()["normal"] + 0.0)
    assert not normal.plain


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=False),
            st.sampled_from([0.0, 1.0, 1.0 + 2**-52, -1.0, 2.0**-1074, 1e300]),
        ),
        max_size=300,
    )
)
def test_radix_sort_equals_numpy_sort_on_any_floats(values: list[float]) -> None:
    x = np.array(values, dtype=np.float64) + 0.0
    assert sort_float64(x).tobytes() == np.sort(x).tobytes()


def test_the_in_place_float_hash_is_the_stable_hash() -> None:
    x = np.unique(float_windows()["lognormal"])
    out, work = np.empty(x.size, np.uint64), np.empty(x.size, np.uint64)
    assert hash_float64_into(x, out, work).tolist() == stable_hash64(x).tolist()


def _registers_by_every_rank(hashes: np.ndarray, precision: int) -> np.ndarray:
    q = 64 - precision
    registers = np.zeros(1 << precision, dtype=np.uint8)
    rho = (q + 1 - _bit_length(hashes & np.uint64((1 << q) - 1))).astype(np.uint8)
    np.maximum.at(registers, (hashes >> np.uint64(q)).astype(np.intp), rho)
    return registers


@pytest.mark.parametrize("precision", [4, 12, 18])
def test_bounded_register_updates_equal_the_maximum_of_every_rank(precision: int) -> None:
    rng = np.random.default_rng(precision)
    batches = [stable_hash64(rng.normal(size=size)) for size in (10, 5_000, 200_000, 3)]
    sketch = HyperLogLog(precision)
    for batch in batches:
        sketch.update_hashes(batch)
    expected = _registers_by_every_rank(np.concatenate(batches), precision)
    assert sketch.registers.tolist() == expected.tolist()


@pytest.mark.parametrize(
    "arr",
    [
        pa.array([1.5, None, -0.0, float("nan"), 2.0]),
        pa.array([3, None, -7], type=pa.int8()),
        pa.array([2**60, 1], type=pa.uint64()),
        pa.array([1.25, -0.0], type=pa.float32()),
        pa.array([1, 2], type=pa.timestamp("ms")),
    ],
)
def test_float_values_are_to_float64(arr: pa.Array) -> None:
    got = float_values(arr, Scratch())
    want = to_float64(arr)
    assert got.tobytes() == want.tobytes()


def test_profiles_do_not_depend_on_threads() -> None:
    rng = np.random.default_rng(3)
    table = pa.table({f"x{i}": rng.normal(size=70_000) for i in range(5)})
    assert profile_table(table, threads=1).to_bytes() == profile_table(table, threads=3).to_bytes()


def test_scratch_arrays_are_reused_and_grown() -> None:
    scratch = Scratch()
    small = scratch.get("a", np.float64, 10)
    again = scratch.get("a", np.float64, 4)
    bigger = scratch.get("a", np.float64, 100)
    assert np.shares_memory(small, again)
    assert bigger.size == 100
    assert scratch.get("a", np.uint16, 3).dtype == np.uint16


def test_a_reader_left_unread_by_an_error_is_closed(tmp_path: Path) -> None:
    # A dataset scan reads ahead on Arrow's threads; left running, they were torn down at exit.
    pq.write_table(pa.table({"x": np.arange(50_000.0)}), tmp_path / "part.parquet")
    reader = ds.dataset(tmp_path).scanner(batch_size=1_000).to_reader()
    with pytest.raises(UnknownColumnError):
        profile_table(reader, columns=["nope"])
    with pytest.raises(StopIteration):
        reader.read_next_batch()  # closed
    finished = []

    def batches() -> Iterator[Any]:
        try:
            yield pa.record_batch({"x": [1.0]})
            yield "oops"
            yield pa.record_batch({"x": [2.0]})
        finally:
            finished.append(True)

    with pytest.raises(InputError, match="batch 1 is a str, not a RecordBatch"):
        profile_table(batches())
    assert finished == [True]  # closed at once, not when the traceback goes
    whole = ds.dataset(tmp_path).scanner(batch_size=1_000).to_reader()
    assert profile_table(whole).num_rows == 50_000
