"""The compiled kernels give what the numpy path gives, bit for bit, so no profile depends on them.

``sort_floats`` equals ``np.sort``; ``distinct_sorted`` fills HyperLogLog's registers exactly as
hashing the distinct values with ``stable_hash64`` does; and a whole profile made with the kernels
is byte for byte the profile the numpy path makes (windows below ``COMPILED_MIN`` never load them).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import driftline.data._numbers as numbers
from driftline.data import profile_table
from driftline.data.hashing import FLOAT_KEY, stable_hash64
from driftline.data.sketches import HyperLogLog
from driftline.data.sketches import _kernels as kernels
from tests.data.data_helpers import float_windows


def _cases() -> dict[str, np.ndarray]:
    """The numpy path's windows, and shapes that exercise the kernels' own branches."""
    rng = np.random.default_rng(11)
    n = 65_536
    return {
        **float_windows(),
        "around ten": rng.normal(10.0, 3.0, n),
        # values that differ only in their lowest bits: every varying bit is sorted on
        "low bits only": 1.0 + rng.integers(0, 1 << 20, n) * 2.0**-52,
        "ties below 32 bits": np.repeat(1.0 + rng.integers(0, 1 << 30, n // 64) * 2.0**-40, 64),
        "sorted": np.sort(rng.normal(size=n)),
        "one value": np.array([2.5]),
    }


def _sort(x: np.ndarray) -> np.ndarray:
    n = x.size
    return kernels.sort_floats(
        x, np.empty(n, np.uint64), np.empty(n, np.uint64), np.empty(kernels.DIGITS, np.int64)
    )


@pytest.mark.parametrize("name", list(_cases()))
def test_sort_floats_equals_numpy_sort(name: str) -> None:
    x = _cases()[name] + 0.0
    before = x.copy()
    assert _sort(x).tobytes() == np.sort(x).tobytes()
    assert x.tobytes() == before.tobytes()  # the input is left as it was


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, width=64), min_size=1, max_size=400))
def test_sort_floats_on_any_floats(values: list[float]) -> None:
    x = np.array(values, dtype=np.float64) + 0.0
    assert _sort(x).tobytes() == np.sort(x).tobytes()


@pytest.mark.parametrize("name", list(_cases()))
@pytest.mark.parametrize("precision", [4, 12, 18])
def test_distinct_sorted_equals_hashing_the_distinct_values(name: str, precision: int) -> None:
    s = np.sort(_cases()[name] + 0.0)
    expected = HyperLogLog(precision)
    uniques = np.unique(s)
    expected.update_hashes(stable_hash64(uniques))
    got = HyperLogLog(precision)
    found = kernels.distinct_sorted(s, got._registers, precision, FLOAT_KEY)
    assert found == uniques.size
    assert got.registers.tobytes() == expected.registers.tobytes()
    assert got.registers.any()


def test_a_profile_is_the_same_with_and_without_the_kernels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(3)
    n = 200_000
    table = pa.table(
        {
            "normal": rng.normal(size=n),
            "codes": rng.integers(0, 12, n).astype(np.float64),
            "amount": np.round(rng.gamma(2.0, 50.0, n), 2),
            "with gaps": pa.array(np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n))),
            "integers": rng.integers(-5_000, 5_000, n),
        }
    )
    calls = []
    sort = kernels.sort_floats
    monkeypatch.setattr(kernels, "sort_floats", lambda *a: calls.append(1) or sort(*a))
    with_kernels = profile_table(table).to_bytes()
    assert len(calls) >= 4 * 3  # four numeric columns, three or four windows each
    monkeypatch.setattr(numbers, "COMPILED_MIN", 1 << 62)
    calls.clear()
    without = profile_table(table).to_bytes()
    assert not calls  # this profile really took the numpy path
    assert with_kernels == without


def test_without_numba_the_numpy_path_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    table = pa.table({"x": rng.normal(size=100_000)})
    expected = profile_table(table).to_bytes()
    monkeypatch.setattr(numbers, "compiled", lambda: None)
    assert profile_table(table).to_bytes() == expected


def test_many_ties_below_the_sorted_bits_fall_back_to_sorting_every_bit() -> None:
    x = _cases()["dense cluster and outliers"] + 0.0
    n = x.size
    out, keys, work = np.empty(n), np.empty(n, np.uint64), np.empty(n, np.uint64)
    passes = kernels._sort(x, out, keys, work, np.empty(kernels.DIGITS, np.int64))
    assert passes > 2  # the two passes on the top 32 bits, then every varying bit again
    assert out.tobytes() == np.sort(x).tobytes()
    normal = _cases()["normal"] + 0.0
    assert kernels._sort(normal, out, keys, work, np.empty(kernels.DIGITS, np.int64)) == 2
