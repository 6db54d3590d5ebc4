"""Compiled kernels for the profiler's hot path: one window's sort, and its distinct count.

A numeric window of 65,536 values costs the numpy path about 30 ns a value, half of it in the
sort (:mod:`~driftline.data.sketches._sorting`) and a quarter in hashing the distinct values into
HyperLogLog, spread over some twenty array passes that each release and retake the GIL. Compiled
with numba (``nogil``, cached on disk after the first run), the same work is a few passes:

* :func:`sort_floats`: the floats' order-preserving 64-bit keys are sorted by least-significant
  digit radix, 16 bits a pass, over the bits in which keys differ. When more than 32 bits differ,
  only the highest 32 are sorted on, then an insertion pass puts the few values that tie on those
  bits in order; if that pass would move more than a few values per key, it stops and the
  remaining low bits are sorted by radix too. Always exactly ``np.sort``.
* :func:`distinct_sorted`: walks the sorted values once, hashing each distinct one with the same
  hash as :func:`~driftline.data.hashing.stable_hash64` and raising its HyperLogLog register the
  same way :meth:`~driftline.data.sketches.distinct.HyperLogLog.update_hashes` does.

Both give results identical to the numpy path, bit for bit (the tests compare them on many
shapes of data), so which path a window takes never changes a profile. This module imports numba;
the profiler imports it only for windows of :data:`COMPILED_MIN` values or more.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from driftline.data.hashing import _M1, _M2, _S27, _S30, _S31

__all__ = ["DIGITS", "distinct_sorted", "sort_floats"]

DIGITS = 1 << 16
"""Buckets of one radix pass (a 16-bit digit)."""

_SIGN = np.uint64(0x8000000000000000)
_DIGIT = np.uint64(0xFFFF)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_FIX_MOVES = 4
"""The insertion pass may move at most this many values per key before radix takes over."""

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)


@_jit
def _bit_length(x: np.uint64) -> int:  # pragma: no cover - compiled
    n = 0
    while x:
        x >>= _ONE
        n += 1
    return n


@_jit
def _radix_pass(src: Any, dst: Any, shift: np.uint64, counts: Any) -> None:  # pragma: no cover
    counts[:] = 0
    for i in range(src.size):
        counts[(src[i] >> shift) & _DIGIT] += 1
    total = 0
    for d in range(counts.size):
        c = counts[d]
        counts[d] = total
        total += c
    for i in range(src.size):
        k = src[i]
        d = (k >> shift) & _DIGIT
        dst[counts[d]] = k
        counts[d] += 1


@_jit
def _radix_passes(
    src: Any, dst: Any, shift: int, stop: int, counts: Any
) -> Any:  # pragma: no cover
    """Radix passes on the bits from ``shift`` up to ``stop``: the sorted array, and passes made."""
    passes = 0
    while shift < stop:
        _radix_pass(src, dst, np.uint64(shift), counts)
        src, dst = dst, src
        shift += 16
        passes += 1
    return src, dst, passes


@_jit
def _insertion(keys: Any, budget: int) -> bool:  # pragma: no cover - compiled
    """Finish sorting nearly sorted keys in place; ``False`` once more than ``budget`` moves."""
    moves = 0
    for i in range(1, keys.size):
        k = keys[i]
        j = i - 1
        while j >= 0 and keys[j] > k:
            keys[j + 1] = keys[j]
            j -= 1
            moves += 1
        keys[j + 1] = k
        if moves > budget:
            return False
    return True


@_jit
def _sort(x: Any, out: Any, keys: Any, work: Any, counts: Any) -> int:  # pragma: no cover
    n = x.size
    bits = x.view(np.uint64)
    for i in range(n):
        b = bits[i]
        keys[i] = ~b if b & _SIGN else b | _SIGN
    varying = _ZERO
    first = keys[0]
    for i in range(n):
        varying |= keys[i] ^ first
    src, dst = keys, work
    passes = 0
    if varying:
        high = _bit_length(varying)
        low = _bit_length(varying & (~varying + _ONE)) - 1
        start = max(low, high - 32)  # at most the highest 32 varying bits
        src, dst, passes = _radix_passes(src, dst, start, high, counts)
        if start > low and not _insertion(src, _FIX_MOVES * n):
            # too many ties below the sorted bits: sort every varying bit instead
            src, dst, more = _radix_passes(src, dst, low, high, counts)
            passes += more
    result = out.view(np.uint64)
    for i in range(n):
        k = src[i]
        result[i] = k ^ _SIGN if k & _SIGN else ~k
    return passes


def sort_floats(
    x: npt.NDArray[np.float64], scratch_keys: Any, scratch_work: Any, counts: Any
) -> npt.NDArray[np.float64]:
    """``np.sort(x)`` (a new array) of NaN-free float64 values without ``-0.0``.

    ``scratch_keys`` and ``scratch_work`` are uint64 scratch arrays of ``x``'s size, ``counts``
    an int64 array of :data:`DIGITS` entries (all overwritten).
    """
    out = np.empty(x.size, dtype=np.float64)
    if x.size:
        _sort(np.ascontiguousarray(x), out, scratch_keys, scratch_work, counts)
    return out


@_jit
def _distinct(s: Any, registers: Any, q: int, key: np.uint64) -> int:  # pragma: no cover
    bits = s.view(np.uint64)
    mask = (_ONE << np.uint64(q)) - _ONE
    distinct = 0
    for i in range(s.size):
        if i and s[i] == s[i - 1]:
            continue
        distinct += 1
        z = bits[i] ^ key
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
        z = z ^ (z >> _S31)
        at = z >> np.uint64(q)
        r = int(registers[at])
        if r <= q and (z & mask) < (_ONE << np.uint64(q - r)):
            rho = q + 1 - _bit_length(z & mask)
            if rho > r:
                registers[at] = rho
    return distinct


def distinct_sorted(s: npt.NDArray[np.float64], registers: Any, precision: int, key: int) -> int:
    """Hash the distinct values of sorted ``s`` into HyperLogLog ``registers``; count them.

    ``key`` is the float tag's hash key (:func:`~driftline.data.hashing.stable_hash64`, seed 0),
    ``precision`` the sketch's ``p``. Returns the number of distinct values in ``s``.
    """
    if s.size == 0:
        return 0
    found: int = _distinct(s, registers, 64 - precision, np.uint64(key))
    return found
